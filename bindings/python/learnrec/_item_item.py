"""Shared pieces of the item-item models (EASE, GF-CF, item-kNN)."""

from __future__ import annotations

from typing import Any, Callable, ClassVar

import numpy as np

from ._base import RecommenderBase
from ._validation import as_core_csr


class ItemItemRecommender(RecommenderBase):
    """Base of models scoring a learner from their interaction row through a course x course matrix.

    The learner's row is the query, so ``recommend(..., recalculate_user=True)`` is exact and free
    for learners unseen in training. There are no learner embeddings: ``similar_users`` and
    ``recalculate_user`` raise NotImplementedError.
    """

    #: The C++ training function of the subclass (``fit_ease``, ``fit_gfcf``, ``fit_item_knn``).
    _fit_core: ClassVar[Callable[..., Any]]

    def fit(self, user_items: Any, show_progress: bool = True, callback: Any = None) -> "ItemItemRecommender":
        """Builds the course x course matrix from ``user_items`` (learners x courses, scipy.sparse CSR); returns self.

        One C++ call with the GIL released. ``show_progress`` and ``callback`` are accepted for
        interface compatibility (there are no epochs to report).
        """
        config = self.config()
        rows = as_core_csr(user_items, "user_items", warn_dtype=True, stacklevel=3)
        self._model = self._fit_core(rows, config)
        return self

    def recalculate_user(self, userid: Any, user_items: Any) -> np.ndarray:
        """Unsupported: item-item models have no learner embeddings (use ``recommend(..., recalculate_user=True)``)."""
        raise NotImplementedError(
            f"{type(self).__name__} has no learner embeddings; pass recalculate_user=True to recommend instead"
        )
