"""Item-based k-nearest neighbours, after implicit's Cosine/TFIDF/BM25Recommender."""

from __future__ import annotations

from typing import Any, Dict, Optional

import scipy.sparse

from . import _core
from ._item_item import ItemItemRecommender
from ._validation import as_core_csr

_WEIGHTINGS = {
    "cosine": _core.ItemKnnWeighting.none,
    "tfidf": _core.ItemKnnWeighting.tfidf,
    "bm25": _core.ItemKnnWeighting.bm25,
}


class ItemKNN(ItemItemRecommender):
    """Item-kNN: every course keeps its ``K`` most similar courses (cosine of weighted learner vectors).

    ``weighting`` selects the course-vector weighting of implicit's CosineRecommender ("cosine"),
    TFIDFRecommender ("tfidf") or BM25Recommender ("bm25", with ``K1`` and ``B``); positive
    feedback counts as 1. A learner's score for a course is the sum of its similarities to the
    learner's courses, so learners unseen in training are recommended for exactly
    (``recalculate_user=True``). ``similar_items`` returns the course's neighbour list, the course
    itself first.

    Parameters
    ----------
    K : int
        Neighbours kept per course (the course itself included, as in implicit).
    weighting : {"cosine", "tfidf", "bm25"}
        Course-vector weighting.
    K1, B : float
        BM25 term saturation and length normalisation (used with "bm25").
    num_threads : int
        Threads for fitting and for each query call (0 = every processor).
    """

    _kind = "item_knn"

    @classmethod
    def _init_kwargs_from(cls, model: Any) -> Dict[str, Any]:
        c = model.config
        weighting = next(name for name, value in _WEIGHTINGS.items() if value == c.weighting)
        return dict(K=c.neighbours, weighting=weighting, K1=c.bm25_k1, B=c.bm25_b, num_threads=c.num_threads)

    def __init__(
        self, K: int = 20, weighting: str = "cosine", K1: float = 1.2, B: float = 0.75, num_threads: int = 0
    ) -> None:
        super().__init__(num_threads=num_threads)
        if weighting not in _WEIGHTINGS:
            raise ValueError(f"weighting must be 'cosine', 'tfidf' or 'bm25', got {weighting!r}")
        self.K = K
        self.weighting = weighting
        self.K1 = K1
        self.B = B

    def config(self) -> _core.ItemKnnConfig:
        """The C++ configuration for the current hyperparameters."""
        if self.weighting not in _WEIGHTINGS:
            raise ValueError(f"weighting must be 'cosine', 'tfidf' or 'bm25', got {self.weighting!r}")
        config = _core.ItemKnnConfig(
            neighbours=int(self.K),
            weighting=_WEIGHTINGS[self.weighting],
            bm25_k1=float(self.K1),
            bm25_b=float(self.B),
            num_threads=int(self.num_threads),
        )
        config.validate()
        return config

    def fit(self, user_items: Any, show_progress: bool = True, callback: Any = None) -> "ItemKNN":
        """Computes the neighbour lists from ``user_items`` (learners x courses, scipy.sparse CSR); returns self.

        Runs in C++ with the GIL released. ``show_progress`` and ``callback`` are accepted for
        interface compatibility.
        """
        config = self.config()
        rows = as_core_csr(user_items, "user_items", warn_dtype=True, stacklevel=3)
        self._model = _core.fit_item_knn(rows, config)
        return self

    @property
    def similarity(self) -> Optional[scipy.sparse.csr_matrix]:
        """The courses x courses neighbour matrix (a scipy CSR copy; row i = neighbours of i), None before fit."""
        if self._model is None:
            return None
        indptr, indices, data, shape = self._model.similarity  # type: ignore[attr-defined]
        return scipy.sparse.csr_matrix((data, indices, indptr), shape=shape)

    def __repr__(self) -> str:
        return (
            f"ItemKNN(K={self.K}, weighting={self.weighting!r}, K1={self.K1}, B={self.B}, "
            f"num_threads={self.num_threads})"
        )
