"""Train/test splits and ranking metrics, computed by learnrec's C++ evaluation code."""

from __future__ import annotations

from typing import Any, Dict, Tuple

import numpy as np

import scipy.sparse

from . import _core
from ._base import RecommenderBase
from ._validation import as_core_csr, as_count, core_to_scipy, seed_from


def holdout_split(
    user_items: Any, test_fraction: float = 0.2, random_state: Any = 42
) -> Tuple[scipy.sparse.csr_matrix, scipy.sparse.csr_matrix]:
    """Moves a fraction of each learner's positive interactions to a test matrix.

    Per learner with two or more positives, ``round(test_fraction * positives)`` of them (at least
    one, never all) go to test; negative feedback stays in train. Deterministic for an int
    ``random_state`` (the choice for a learner depends only on the seed and the learner).

    Returns
    -------
    (train, test)
        float32 CSR matrices with the shape of ``user_items``.
    """
    rows = as_core_csr(user_items, "user_items", stacklevel=3)
    train, test = _core.holdout_split(rows, float(test_fraction), seed_from(random_state))
    return core_to_scipy(train), core_to_scipy(test)


def leave_last_k_out(
    user_items: Any, timestamps: Any, k: int = 1
) -> Tuple[scipy.sparse.csr_matrix, scipy.sparse.csr_matrix]:
    """Moves each learner's ``k`` most recent positive interactions to a test matrix.

    ``timestamps`` holds one integer per stored entry of ``user_items`` (as returned by
    ``read_interactions(..., )``'s timestamps), aligned with ``user_items.data``. Equal times are
    broken by the higher course index; at least one positive always stays in train.
    """
    rows = as_core_csr(user_items, "user_items", stacklevel=3)
    train, test = _core.leave_last_k_out(rows, np.ascontiguousarray(timestamps, dtype=np.int64), as_count(k, "k"))
    return core_to_scipy(train), core_to_scipy(test)


def cold_start_split(
    user_items: Any, fraction: float = 0.2, random_state: Any = 42
) -> Tuple[scipy.sparse.csr_matrix, scipy.sparse.csr_matrix, np.ndarray]:
    """Holds out whole learners, as if they were new: returns ``(train, test, learners)``.

    ``round(fraction * learners with a positive)`` learners are chosen from the seed; their rows
    are empty in ``train`` and complete in ``test``; ``learners`` lists them in ascending order.
    """
    rows = as_core_csr(user_items, "user_items", stacklevel=3)
    train, test, learners = _core.cold_start_split(rows, float(fraction), seed_from(random_state))
    return core_to_scipy(train), core_to_scipy(test), learners


def ranking_metrics_at_k(
    model: Any, train_user_items: Any, test_user_items: Any, K: int = 10, num_threads: int = 0
) -> Dict[str, float]:
    """Ranking metrics at K of a learnrec model on a holdout split.

    Each learner with test courses gets a top-K over the courses not in their training row;
    recall = hits / |test|, precision = hits / K, NDCG with binary gains; averaged over those
    learners (LightGCN's conventions; implicit's own ``ranking_metrics_at_k`` divides precision by
    min(K, |test|) instead, and also works on learnrec models).

    Returns
    -------
    dict
        ``recall``, ``precision``, ``ndcg``, ``map``, ``hit_rate``, ``mrr``, ``auc`` (implicit's
        convention for the unranked tail) and ``coverage`` (share of the catalogue recommended).
    """
    core_model = model.model if isinstance(model, RecommenderBase) else model
    if not isinstance(core_model, _core.Model):
        raise TypeError(f"model must be a learnrec model, got {type(model).__name__}")
    train = as_core_csr(train_user_items, "train_user_items", stacklevel=3)
    test = as_core_csr(test_user_items, "test_user_items", stacklevel=3)
    result = _core.evaluate(core_model, train, test, as_count(K, "K"), num_threads)
    keys = ("recall", "precision", "ndcg", "map", "hit_rate", "mrr", "auc", "coverage")
    return {key: result[key] for key in keys}
