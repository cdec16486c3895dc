"""EASE (Steck 2019): the closed-form shallow autoencoder."""

from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from . import _core
from ._item_item import ItemItemRecommender
from ._validation import as_core_csr


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

    @classmethod
    def _init_kwargs_from(cls, model: Any) -> Dict[str, Any]:
        c = model.config
        return dict(regularization=c.lambda_, num_threads=c.num_threads)

    def __init__(self, regularization: float = 500.0, num_threads: int = 0) -> None:
        super().__init__(num_threads=num_threads)
        self.regularization = regularization

    def config(self) -> _core.EaseConfig:
        """The C++ configuration for the current hyperparameters."""
        config = _core.EaseConfig(lambda_=float(self.regularization), num_threads=int(self.num_threads))
        config.validate()
        return config

    def fit(self, user_items: Any, show_progress: bool = True, callback: Any = None) -> "EASE":
        """Computes B from ``user_items`` (learners x courses, scipy.sparse CSR); returns self.

        Runs in C++ with the GIL released. ``show_progress`` and ``callback`` are accepted for
        interface compatibility (the fit is a single closed-form solve).
        """
        config = self.config()
        rows = as_core_csr(user_items, "user_items", warn_dtype=True, stacklevel=3)
        self._model = _core.fit_ease(rows, config)
        return self

    @property
    def item_weights(self) -> Optional[np.ndarray]:
        """B (courses x courses, float32, read-only, shares the model's memory), None before fit."""
        return None if self._model is None else self._model.item_weights  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"EASE(regularization={self.regularization}, num_threads={self.num_threads})"
