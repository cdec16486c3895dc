"""Implicit-feedback alternating least squares with implicit 0.7's interface."""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from . import _core
from ._base import EmbeddingRecommender
from ._validation import as_core_csr, as_ids, seed_from

_SOLVERS = {"cg": _core.AlsSolver.cg, "cholesky": _core.AlsSolver.cholesky}


class ImplicitALS(EmbeddingRecommender):
    """Implicit ALS (Hu, Koren & Volinsky 2008), a drop-in for ``implicit.als.AlternatingLeastSquares``.

    Same hyperparameters, conventions and method signatures as implicit 0.7 (confidence
    ``alpha * weight``, the same loss normalisation, conjugate-gradient or exact solves); the
    computation is learnrec's C++ core. Negative weights are negative feedback.

    Parameters
    ----------
    factors : int
        Embedding dimension.
    regularization : float
        L2 regularization of both factor matrices.
    alpha : float
        Confidence scale: confidence = alpha * |weight|.
    iterations : int
        Number of ALS iterations in :meth:`fit`.
    solver : {"cg", "cholesky"}
        Conjugate gradient (``cg_steps`` steps, warm-started; fast) or exact solves per row.
    cg_steps : int
        Conjugate-gradient steps per row solve.
    num_threads : int
        Threads for fitting and for each query call (0 = every processor). Passed per call;
        learnrec never changes process-wide thread settings.
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        Seed of the factor initialisation. An int is used as learnrec's C++ seed directly, so the
        same int gives the same factors as the C++ API (``AlsConfig.seed``) and the CLI (``--seed``),
        whatever the thread count. None draws a fresh seed per fit.
    use_cg : bool, optional
        implicit's switch: True selects "cg", False "cholesky"; overrides ``solver`` when given.
    calculate_training_loss : bool
        Compute the training loss after each iteration (shown in the progress bar, passed to the
        callback, kept in :attr:`loss_history`); costs about one CG step per iteration.
    dtype : numpy dtype
        Only float32 is supported (ValueError otherwise).

    Attributes
    ----------
    user_factors, item_factors : numpy.ndarray or None
        float32 embeddings, read-only views of the immutable C++ model (None before fit).
    loss_history : list of float
        Training loss after each iteration of the last fit (empty when not calculated).
    """

    _kind = "als"

    @classmethod
    def _init_kwargs_from(cls, model: Any) -> Dict[str, Any]:
        c = model.config
        solver = next(name for name, value in _SOLVERS.items() if value == c.solver)
        return dict(
            factors=c.factors,
            regularization=c.regularization,
            alpha=c.alpha,
            iterations=c.iterations,
            solver=solver,
            cg_steps=c.cg_steps,
            random_state=c.seed,
            num_threads=c.num_threads,
            calculate_training_loss=c.calculate_loss,
        )

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.01,
        alpha: float = 1.0,
        iterations: int = 15,
        solver: str = "cg",
        cg_steps: int = 3,
        num_threads: int = 0,
        random_state: Any = None,
        use_cg: Optional[bool] = None,
        calculate_training_loss: bool = True,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__(num_threads=num_threads)
        self.dtype = self._float32_only(dtype)
        if use_cg is not None:
            solver = "cg" if use_cg else "cholesky"
        if solver not in _SOLVERS:
            raise ValueError(f"solver must be 'cg' or 'cholesky', got {solver!r}")
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.solver = solver
        self.cg_steps = cg_steps
        self.random_state = random_state
        self.calculate_training_loss = calculate_training_loss
        self.fit_callback: Optional[Callable[[int, float, Optional[float]], Any]] = None
        self.loss_history: List[float] = []
        self._last_iterations = 0

    @property
    def use_cg(self) -> bool:
        """implicit's name for ``solver == "cg"``."""
        return self.solver == "cg"

    @use_cg.setter
    def use_cg(self, value: bool) -> None:
        self.solver = "cg" if value else "cholesky"

    def config(self, seed: Optional[int] = None) -> _core.AlsConfig:
        """The C++ configuration for the current hyperparameters (``seed`` from random_state if None)."""
        if self.solver not in _SOLVERS:
            raise ValueError(f"solver must be 'cg' or 'cholesky', got {self.solver!r}")
        config = _core.AlsConfig(
            factors=int(self.factors),
            regularization=float(self.regularization),
            alpha=float(self.alpha),
            iterations=int(self.iterations),
            solver=_SOLVERS[self.solver],
            cg_steps=int(self.cg_steps),
            seed=seed_from(self.random_state) if seed is None else seed,
            num_threads=int(self.num_threads),
            calculate_loss=bool(self.calculate_training_loss),
        )
        config.validate()
        return config

    def _make_trainer(self, user_items: Any) -> _core.AlsTrainer:
        """The C++ trainer for ``user_items``; it borrows the matrix's float32 data / int32 indices."""
        config = self.config()
        rows = as_core_csr(user_items, "user_items", warn_dtype=True, stacklevel=4)
        return _core.AlsTrainer(rows, config)

    def fit(
        self,
        user_items: Any,
        show_progress: bool = True,
        callback: Optional[Callable[[int, float, Optional[float]], Any]] = None,
    ) -> "ImplicitALS":
        """Factorizes ``user_items`` (learners x courses, scipy.sparse CSR); returns self.

        Each iteration runs in C++ with the GIL released. ``callback(iteration, elapsed_seconds,
        loss)`` is called after each one (iteration 0-based as in implicit; loss None when not
        calculated); returning ``False`` stops training. Ctrl-C (KeyboardInterrupt) stops between
        iterations and keeps the model trained so far, with a warning.

        A float32 matrix with int32 indices is used in place (only indptr is converted to int64,
        O(learners)); other dtypes or formats are converted with a ConversionWarning.
        """
        trainer = self._make_trainer(user_items)
        self.loss_history = []

        def report(info: Any) -> Any:
            loss = None if math.isnan(info.loss) else float(info.loss)
            if loss is None:
                return None, None
            self.loss_history.append(loss)
            return {"loss": f"{loss:.6f}"}, loss

        self._fit_stepwise(trainer, user_items, show_progress, callback, report)
        return self

    def partial_fit_users(self, userids: Any, user_items: Any) -> "ImplicitALS":
        """Re-solves (or adds) learners ``userids`` from ``user_items`` (one row per id, over courses).

        implicit 0.7's incremental update: each row is solved exactly against the fixed course
        factors (a new learner's row equals its fold-in); ids at or past ``user_factors.shape[0]``
        grow the model (skipped ids get zero factors). Other learners and every course keep their
        factors. The C++ model is immutable: this replaces it with a new one; returns self.
        """
        model = self.model
        _, ids = as_ids(userids, "userids")
        rows = as_core_csr(user_items, "user_items", rows=ids.size, rows_meaning="userids were",
                           cols=model.num_courses, cols_meaning="the model has courses:")
        self._model = model.partial_fit_learners(ids, rows, self.num_threads)
        self._record_update(f"partial_fit_users: {ids.size} learner(s)")
        return self

    def partial_fit_items(self, itemids: Any, item_users: Any) -> "ImplicitALS":
        """Re-solves (or adds) courses ``itemids`` from ``item_users`` (one row per id, over learners).

        Each course is solved exactly against the fixed learner factors: a training half-step on
        its column. Ids at or past ``item_factors.shape[0]`` grow the model. Returns self.
        """
        model = self.model
        _, ids = as_ids(itemids, "itemids")
        rows = as_core_csr(item_users, "item_users", rows=ids.size, rows_meaning="itemids were",
                           cols=model.num_learners, cols_meaning="the model has learners:")
        self._model = model.partial_fit_courses(ids, rows, self.num_threads)
        self._record_update(f"partial_fit_items: {ids.size} course(s)")
        return self

    def __repr__(self) -> str:
        return (
            f"ImplicitALS(factors={self.factors}, regularization={self.regularization}, alpha={self.alpha}, "
            f"iterations={self.iterations}, solver={self.solver!r}, cg_steps={self.cg_steps}, "
            f"num_threads={self.num_threads}, random_state={self.random_state!r})"
        )
