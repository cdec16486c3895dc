"""Train/test splits and ranking metrics, computed by learnrec's C++ evaluation code."""

from __future__ import annotations

from typing import Any, Dict, Tuple

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


def ranking_metrics_at_k(
    model: Any, train_user_items: Any, test_user_items: Any, K: int = 10, num_threads: int = 0
) -> Dict[str, float]:
    """Recall, precision and NDCG at K of a learnrec model on a holdout split.

    Each learner with test courses gets a top-K over the courses not in their training row;
    recall = hits / |test|, precision = hits / K, NDCG with binary gains; averaged over those
    learners (LightGCN's conventions; implicit's own ``ranking_metrics_at_k`` divides precision by
    min(K, |test|) instead, and also works on learnrec models).

    Returns
    -------
    dict
        ``{"recall": ..., "precision": ..., "ndcg": ...}``.
    """
    core_model = model.model if isinstance(model, RecommenderBase) else model
    if not isinstance(core_model, _core.Model):
        raise TypeError(f"model must be a learnrec model, got {type(model).__name__}")
    train = as_core_csr(train_user_items, "train_user_items", stacklevel=3)
    test = as_core_csr(test_user_items, "test_user_items", stacklevel=3)
    result = _core.evaluate(core_model, train, test, as_count(K, "K"), num_threads)
    return {"recall": result["recall"], "precision": result["precision"], "ndcg": result["ndcg"]}
