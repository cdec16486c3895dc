"""GF-CF (Shen et al. 2021): graph filtering collaborative filtering."""

from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from . import _core
from ._hyper import Hypers
from ._item_item import ItemItemRecommender


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
    _hyper = Hypers(_core.GfcfConfig, alpha=0.3, rank=256, num_threads=0, random_state=None)
    _fit_core = staticmethod(_core.fit_gfcf)

    @property
    def item_weights(self) -> Optional[np.ndarray]:
        """The course x course filter (float32, read-only, shares the model's memory), None before fit."""
        return None if self._model is None else self._model.item_weights  # type: ignore[attr-defined]
