"""Most-popular baseline with the same interface as the other learnrec models."""

from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from . import _core
from ._base import RecommenderBase
from ._validation import as_core_csr


class PopularityModel(RecommenderBase):
    """Recommends the courses with the most learners with positive feedback.

    Every learner gets the same ranking (minus their own courses when filtered); ``similar_items``
    ranks by popularity too. Useful as the baseline any personalised model must beat.

    Parameters
    ----------
    num_threads : int
        Threads per query call (0 = every processor).
    """

    _kind = "popularity"

    def fit(self, user_items: Any, show_progress: bool = True, callback: Any = None) -> "PopularityModel":
        """Counts, per course, the learners with a positive weight; returns self.

        ``show_progress`` and ``callback`` are accepted for interface compatibility (fitting is a
        single O(nnz) pass).
        """
        rows = as_core_csr(user_items, "user_items", warn_dtype=True, stacklevel=3)
        self._model = _core.PopularityModel.fit(rows)
        return self

    @property
    def popularity(self) -> Optional[np.ndarray]:
        """Per-course popularity (float32, read-only), None before fit."""
        return None if self._model is None else self._model.popularity  # type: ignore[attr-defined]
