"""EASE (Steck 2019): the closed-form shallow autoencoder."""

from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from . import _core
from ._hyper import Hypers
from ._item_item import ItemItemRecommender


class EASE(ItemItemRecommender):
    """Embarrassingly Shallow Autoencoder: ``B = I - P / diag(P)`` with ``P = (X'X + λI)^-1``.

    X is the binary matrix of positive feedback. A learner's scores are their row times B, so
    learners unseen in training are recommended for exactly (``recalculate_user=True``).
    ``similar_items`` returns row i of B (the course itself scores 0). Fitting costs O(courses^3)
    time and 4 * courses^2 bytes; it fails with a LearnrecError beyond three quarters of memory.

    Parameters
    ----------
    regularization : float
        λ, the L2 penalty added to the Gram matrix's diagonal (EaseConfig.lambda_).
    num_threads : int
        Threads for fitting and for each query call (0 = every processor).
    """

    _kind = "ease"
    _hyper = Hypers(_core.EaseConfig, renamed={"regularization": "lambda_"}, regularization=500.0, num_threads=0)
    _fit_core = staticmethod(_core.fit_ease)

    @property
    def item_weights(self) -> Optional[np.ndarray]:
        """B (courses x courses, float32, read-only, shares the model's memory), None before fit."""
        return None if self._model is None else self._model.item_weights  # type: ignore[attr-defined]
