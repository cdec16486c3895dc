"""Bayesian Personalized Ranking matrix factorisation with implicit 0.7's interface."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

import numpy as np

from . import _core
from ._base import EmbeddingRecommender
from ._validation import as_core_csr, seed_from


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

    @classmethod
    def _init_kwargs_from(cls, model: Any) -> Dict[str, Any]:
        c = model.config
        return dict(
            factors=c.factors,
            learning_rate=c.learning_rate,
            regularization=c.regularization,
            iterations=c.iterations,
            verify_negative_samples=c.verify_negative_samples,
            random_state=c.seed,
            num_threads=c.num_threads,
        )

    def __init__(
        self,
        factors: int = 100,
        learning_rate: float = 0.05,
        regularization: float = 0.01,
        iterations: int = 100,
        verify_negative_samples: bool = True,
        num_threads: int = 0,
        random_state: Any = None,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__(num_threads=num_threads)
        self.dtype = self._float32_only(dtype)
        self.factors = factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.iterations = iterations
        self.verify_negative_samples = verify_negative_samples
        self.random_state = random_state
        self.fit_callback: Optional[Callable[[int, float, float], Any]] = None
        self._last_iterations = 0

    def config(self, seed: Optional[int] = None) -> _core.BprConfig:
        """The C++ configuration for the current hyperparameters (``seed`` from random_state if None)."""
        config = _core.BprConfig(
            factors=int(self.factors),
            learning_rate=float(self.learning_rate),
            regularization=float(self.regularization),
            iterations=int(self.iterations),
            verify_negative_samples=bool(self.verify_negative_samples),
            seed=seed_from(self.random_state) if seed is None else seed,
            num_threads=int(self.num_threads),
        )
        config.validate()
        return config

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

    def __repr__(self) -> str:
        return (
            f"BayesianPersonalizedRanking(factors={self.factors}, learning_rate={self.learning_rate}, "
            f"regularization={self.regularization}, iterations={self.iterations}, "
            f"verify_negative_samples={self.verify_negative_samples}, num_threads={self.num_threads}, "
            f"random_state={self.random_state!r})"
        )
