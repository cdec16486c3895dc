"""Implicit-feedback alternating least squares with implicit 0.7's interface."""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from . import _core
from ._base import EmbeddingRecommender
from ._hyper import Hypers
from ._validation import as_core_csr

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
    _hyper = Hypers(_core.AlsConfig, choices={"solver": _SOLVERS}, renamed={"calculate_training_loss": "calculate_loss"},
                    extra={"use_cg": None, "dtype": np.float32}, factors=64, regularization=0.01, alpha=1.0,
                    iterations=15, solver="cg", cg_steps=3, num_threads=0, random_state=None,
                    calculate_training_loss=True)

    def _init_extra(self, use_cg: Optional[bool], dtype: Any) -> None:
        self.dtype = self._float32_only(dtype)
        if use_cg is not None:
            self.use_cg = use_cg
        self.loss_history: List[float] = []

    @property
    def use_cg(self) -> bool:
        """implicit's name for ``solver == "cg"``."""
        return self.solver == "cg"

    @use_cg.setter
    def use_cg(self, value: bool) -> None:
        self.solver = "cg" if value else "cholesky"

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
        return self._partial_fit("user", userids, user_items)

    def partial_fit_items(self, itemids: Any, item_users: Any) -> "ImplicitALS":
        """Re-solves (or adds) courses ``itemids`` from ``item_users`` (one row per id, over learners).

        Each course is solved exactly against the fixed learner factors: a training half-step on
        its column. Ids at or past ``item_factors.shape[0]`` grow the model. Returns self.
        """
        return self._partial_fit("item", itemids, item_users)
