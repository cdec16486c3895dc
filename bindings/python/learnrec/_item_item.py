"""Shared pieces of the item-item models (EASE, GF-CF, item-kNN)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import RecommenderBase


class ItemItemRecommender(RecommenderBase):
    """Base of models scoring a learner from their interaction row through a course x course matrix.

    The learner's row is the query, so ``recommend(..., recalculate_user=True)`` is exact and free
    for learners unseen in training. There are no learner embeddings: ``similar_users`` and
    ``recalculate_user`` raise NotImplementedError.
    """

    def recalculate_user(self, userid: Any, user_items: Any) -> np.ndarray:
        """Unsupported: item-item models have no learner embeddings (use ``recommend(..., recalculate_user=True)``)."""
        raise NotImplementedError(
            f"{type(self).__name__} has no learner embeddings; pass recalculate_user=True to recommend instead"
        )
