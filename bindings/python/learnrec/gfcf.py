"""GF-CF (Shen et al. 2021): graph filtering collaborative filtering."""

from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from . import _core
from ._item_item import ItemItemRecommender
from ._validation import as_core_csr, seed_from


class GFCF(ItemItemRecommender):
    """GF-CF: a linear filter ``R~'R~`` plus ``alpha`` times an ideal low-pass filter of rank ``rank``.

    R~ is the binary interaction matrix normalised by the square roots of learner and course
    degrees; the low-pass term uses the top ``rank`` right singular vectors of R~ from a randomized
    range finder. A learner's scores are their row times the resulting course x course matrix, so
    learners unseen in training are recommended for exactly (``recalculate_user=True``). Memory:
    4 * courses^2 bytes.

    Parameters
    ----------
    alpha : float
        Weight of the ideal low-pass term (0: linear filter only).
    rank : int
        Singular vectors in the ideal low-pass filter.
    num_threads : int
        Threads for fitting and for each query call (0 = every processor).
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        Seed of the randomized range finder (an int is learnrec's C++ seed). None draws a fresh
        seed per fit.
    """

    _kind = "gfcf"

    @classmethod
    def _init_kwargs_from(cls, model: Any) -> Dict[str, Any]:
        c = model.config
        return dict(alpha=c.alpha, rank=c.rank, random_state=c.seed, num_threads=c.num_threads)

    def __init__(self, alpha: float = 0.3, rank: int = 256, num_threads: int = 0, random_state: Any = None) -> None:
        super().__init__(num_threads=num_threads)
        self.alpha = alpha
        self.rank = rank
        self.random_state = random_state

    def config(self, seed: Optional[int] = None) -> _core.GfcfConfig:
        """The C++ configuration for the current hyperparameters (``seed`` from random_state if None)."""
        config = _core.GfcfConfig(
            alpha=float(self.alpha),
            rank=int(self.rank),
            seed=seed_from(self.random_state) if seed is None else seed,
            num_threads=int(self.num_threads),
        )
        config.validate()
        return config

    def fit(self, user_items: Any, show_progress: bool = True, callback: Any = None) -> "GFCF":
        """Builds the filter from ``user_items`` (learners x courses, scipy.sparse CSR); returns self.

        Runs in C++ with the GIL released. ``show_progress`` and ``callback`` are accepted for
        interface compatibility.
        """
        config = self.config()
        rows = as_core_csr(user_items, "user_items", warn_dtype=True, stacklevel=3)
        self._model = _core.fit_gfcf(rows, config)
        return self

    @property
    def item_weights(self) -> Optional[np.ndarray]:
        """The course x course filter (float32, read-only, shares the model's memory), None before fit."""
        return None if self._model is None else self._model.item_weights  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return (
            f"GFCF(alpha={self.alpha}, rank={self.rank}, num_threads={self.num_threads}, "
            f"random_state={self.random_state!r})"
        )
