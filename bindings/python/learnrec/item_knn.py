"""Item-based k-nearest neighbours, after implicit's Cosine/TFIDF/BM25Recommender."""

from __future__ import annotations

from typing import Any, Dict, Optional

import scipy.sparse

from . import _core
from ._hyper import Hypers
from ._item_item import ItemItemRecommender

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
    _hyper = Hypers(_core.ItemKnnConfig, renamed={"K": "neighbours", "K1": "bm25_k1", "B": "bm25_b"},
                    choices={"weighting": _WEIGHTINGS}, K=20, weighting="cosine", K1=1.2, B=0.75, num_threads=0)
    _fit_core = staticmethod(_core.fit_item_knn)

    @property
    def similarity(self) -> Optional[scipy.sparse.csr_matrix]:
        """The courses x courses neighbour matrix (a scipy CSR copy; row i = neighbours of i), None before fit."""
        if self._model is None:
            return None
        indptr, indices, data, shape = self._model.similarity  # type: ignore[attr-defined]
        return scipy.sparse.csr_matrix((data, indices, indptr), shape=shape)
