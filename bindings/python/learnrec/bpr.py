"""Bayesian Personalized Ranking matrix factorisation with implicit 0.7's interface."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

import numpy as np

from . import _core
from ._base import EmbeddingRecommender
from ._hyper import Hypers
from ._validation import as_core_csr


class BayesianPersonalizedRanking(EmbeddingRecommender):
    """BPR (Rendle et al. 2009), a drop-in for ``implicit.bpr.BayesianPersonalizedRanking``.

    Same hyperparameter names and conventions as implicit 0.7: positives are the entries with a
    positive weight (weights are otherwise ignored), one negative course is drawn per positive and
    epoch, and the course bias is the last column of :attr:`item_factors` (the learners' last
    column is fixed at 1), so the factor matrices have ``factors + 1`` columns. The computation is
    learnrec's C++ core (lock-free Hogwild SGD over ``num_threads`` threads).

    Parameters
    ----------
    factors : int
        Latent factors, not counting the bias column.
    learning_rate : float
        SGD learning rate (implicit's default, 0.01, needs several times more iterations here).
    regularization : float
        L2 penalty on every parameter an update touches.
    iterations : int
        Epochs in :meth:`fit`.
    verify_negative_samples : bool
        Skip a sampled negative the learner has as a positive (as implicit).
    num_threads : int
        Threads for fitting and for each query call (0 = every processor). With 1 thread training
        is fully deterministic for a given ``random_state``; with more it depends on scheduling.
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        Seed of the initialisation and the samplers (an int is learnrec's C++ seed). None draws a
        fresh seed per fit.
    dtype : numpy dtype
        Only float32 is supported (ValueError otherwise).

    Attributes
    ----------
    user_factors, item_factors : numpy.ndarray or None
        float32 embeddings (``factors + 1`` columns), read-only views of the immutable C++ model
        (None before fit).
    """

    _kind = "bpr"
    _hyper = Hypers(_core.BprConfig, extra={"dtype": np.float32}, factors=100, learning_rate=0.05, regularization=0.01,
                    iterations=100, verify_negative_samples=True, num_threads=0, random_state=None)

    def _init_extra(self, dtype: Any) -> None:
        self.dtype = self._float32_only(dtype)

    def fit(
        self,
        user_items: Any,
        show_progress: bool = True,
        callback: Optional[Callable[[int, float, float], Any]] = None,
    ) -> "BayesianPersonalizedRanking":
        """Trains on ``user_items`` (learners x courses, scipy.sparse CSR); returns self.

        Each epoch runs in C++ with the GIL released. ``callback(iteration, elapsed_seconds,
        correct_fraction)`` is called after each one (iteration 0-based as in implicit;
        correct_fraction is the share of sampled pairs ranked correctly before their update);
        returning ``False`` stops training. Ctrl-C stops between epochs and keeps the model trained
        so far, with a warning.
        """
        config = self.config()
        rows = as_core_csr(user_items, "user_items", warn_dtype=True, stacklevel=3)
        trainer = _core.BprTrainer(rows, config)
        self._fit_stepwise(trainer, user_items, show_progress, callback,
                           lambda info: ({"correct": f"{100.0 * info.correct:.2f}%"}, info.correct))
        return self
