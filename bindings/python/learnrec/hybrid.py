"""The hybrid (ids + features) model, LightFM's model with implicit 0.7's recommender interface."""

from __future__ import annotations

import copy
from typing import Any, Callable, Dict, Optional

import numpy as np

from . import _core
from ._base import EmbeddingRecommender, Results
from ._hyper import Hypers
from ._validation import as_core_csr, as_ids

_LOSSES = {"warp": _core.HybridLoss.warp, "bpr": _core.HybridLoss.bpr}


class HybridModel(EmbeddingRecommender):
    """Learner and course embeddings built from ids and features (the LightFM model).

    A learner's embedding is the sum of its id embedding (``use_user_ids``) and the embeddings of
    its features, and likewise for courses, which also get a bias; score = learner . course +
    course bias. Each entity's (id + features) row is scaled to sum 1 (``normalize_features``).
    Training descends a ranking loss (``"warp"`` or ``"bpr"``) with Adagrad learning rates per
    parameter, lock-free over ``num_threads`` threads (deterministic with 1 thread and a seed).

    Without id embeddings the model is purely feature based, and it handles cold start on both
    sides without retraining:

    * a learner who has only a profile: ``recommend(..., user_features=rows)`` or
      :meth:`user_embeddings_from_features`;
    * a learner's first enrolments on top of the profile: ``recommend(..., user_features=rows,
      recalculate_user=True)`` (the feature embedding plus a regularised residual fitted to the
      row, courses fixed);
    * a new course from its metadata: :meth:`add_items` returns a model whose courses include the
      new ones (ids continue after the existing courses), ranked like any other.

    Parameters
    ----------
    factors : int
        Latent factors (the representations get one more column: the course bias, learners' 1).
    loss : {"warp", "bpr"}
        WARP (LightFM's default, best for top-k) or BPR.
    learning_rate : float
        Adagrad's base learning rate.
    item_alpha, user_alpha : float
        L2 penalties on course / learner embedding rows, applied to each row an update touches.
    max_sampled : int
        WARP: most negatives drawn per positive.
    iterations : int
        Epochs in :meth:`fit`.
    use_user_ids, use_item_ids : bool
        Give every training learner / course its own id embedding (added to its features).
    normalize_features : bool
        Scale each (id + features) row to sum 1, as LightFM's Dataset does.
    fold_in_regularization : float
        How strongly a folded-in learner stays at its feature embedding.
    fold_in_epochs : int
        Passes over a learner's interactions when folding in.
    num_threads : int
        Threads for fitting and each call (0 = every processor).
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        Seed of the initialisation and samplers; None draws a fresh one per fit.
    """

    _kind = "hybrid"
    _hyper = Hypers(_core.HybridConfig, choices={"loss": _LOSSES}, factors=32, loss="warp", learning_rate=0.05,
                    item_alpha=0.0, user_alpha=0.0, max_sampled=10, iterations=30, use_user_ids=True,
                    use_item_ids=True, normalize_features=True, fold_in_regularization=1.0, fold_in_epochs=30,
                    num_threads=0, random_state=None)

    def fit(
        self,
        user_items: Any,
        user_features: Any = None,
        item_features: Any = None,
        show_progress: bool = True,
        callback: Optional[Callable[[int, float, float], Any]] = None,
    ) -> "HybridModel":
        """Trains on ``user_items`` (learners x courses, scipy.sparse CSR); returns self.

        ``user_features`` (learners x learner features) and ``item_features`` (courses x course
        features) are optional scipy.sparse matrices (rows aligned with ``user_items``); a side
        without features needs its ids (``use_user_ids`` / ``use_item_ids``). Each epoch is one
        C++ call with the GIL released; ``callback(iteration, elapsed_seconds, loss)`` follows each
        (0-based iteration; loss: mean loss of the updated triples) and stops training by
        returning ``False``. Ctrl-C stops between epochs and keeps the model trained so far.
        """
        config = self.config()
        rows = as_core_csr(user_items, "user_items", warn_dtype=True, stacklevel=3)
        n_users, n_items = rows.shape
        users = None
        if user_features is not None:
            users = as_core_csr(user_features, "user_features", rows=n_users, rows_meaning="learners are in user_items:")
        items = None
        if item_features is not None:
            items = as_core_csr(item_features, "item_features", rows=n_items, rows_meaning="courses are in user_items:")
        trainer = _core.HybridTrainer(rows, users, items, config)
        self._fit_stepwise(trainer, user_items, show_progress, callback,
                           lambda info: ({"loss": f"{info.loss:.4f}"}, info.loss))
        return self

    def partial_fit_users(self, userids: Any, user_items: Any, user_features: Any = None) -> "HybridModel":
        """Re-fits (or adds) learners ``userids`` from ``user_items`` rows and ``user_features`` by fold-in.

        A learner's representation becomes :meth:`recalculate_user`'s; with id embeddings its id
        row is set to match. New ids must follow the model's learners without a gap. Courses are
        unchanged. Replaces the immutable C++ model with a new one; returns self.
        """
        features = None
        if user_features is not None:
            features = self._learner_features(user_features, np.size(userids))
        return self._partial_fit("user", userids, user_items, features)

    def partial_fit_items(self, itemids: Any, item_features: Any = None, user_items: Any = None) -> "HybridModel":
        """Refreshes courses ``itemids`` whose metadata or interactions changed, or adds new ones.

        ``item_features`` (one row per id) are the courses' current metadata: an existing course is
        re-placed from them (a trained course keeps its id embedding), a new id (the next ones, in
        order) is placed from them as :meth:`add_items` does. ``user_items`` (the whole current
        learners x courses matrix, new courses included) fits each listed course to the learners who
        took it, learners and other courses fixed (the course side of :meth:`recalculate_user`'s
        fold-in). Other courses and every learner are unchanged. Returns self.
        """
        model = self.model
        _, ids = as_ids(itemids, "itemids")
        features = None
        if item_features is not None:
            features = self._features(item_features, "item_features", ids.size, model.item_features, "course")
        elif model.item_features > 0 and ids.size and int(ids.max()) >= model.num_courses and user_items is None:
            raise ValueError("new courses need item_features (their metadata) or user_items")
        rows = None
        if user_items is not None:
            rows = as_core_csr(user_items, "user_items", rows=model.num_learners, rows_meaning="the model has learners:")
        self._model = model.partial_fit_courses(ids, features, rows, self.num_threads)
        how = " and ".join(w for w, on in (("metadata", features is not None), ("interactions", rows is not None)) if on)
        self._record_update(f"partial_fit_items: {ids.size} course(s) from {how or 'their current placement'}")
        return self

    @classmethod
    def from_factors(
        cls,
        factor_model: Any,
        user_features: Any = None,
        item_features: Any = None,
        ridge: float = 1.0,
        **params: Any,
    ) -> "HybridModel":
        """The least-squares variant: a fitted hybrid model built from a fitted factor model.

        ``factor_model`` is a fitted estimator whose ``user_factors`` / ``item_factors`` have no
        bias column (e.g. :class:`learnrec.ImplicitALS`). Feature embeddings are the ridge
        regression (penalty ``ridge``) of its factors on the (normalised) features, so new learners
        and courses get the least-squares estimate of their factors; id embeddings are the
        remainders, so warm learners and courses keep their factors and recommendations exactly.
        ``params`` are this class's constructor arguments (``use_user_ids``, ``num_threads``, ...;
        ``factors`` is taken from the factor model).
        """
        users_f = np.ascontiguousarray(factor_model.user_factors, dtype=np.float32)
        items_f = np.ascontiguousarray(factor_model.item_factors, dtype=np.float32)
        params["factors"] = int(items_f.shape[1])
        out = cls(**params)
        users = None
        if user_features is not None:
            users = as_core_csr(user_features, "user_features", rows=users_f.shape[0],
                                rows_meaning="learners have factors:")
        items = None
        if item_features is not None:
            items = as_core_csr(item_features, "item_features", rows=items_f.shape[0],
                                rows_meaning="courses have factors:")
        out._model = _core.hybrid_from_factors(users_f, items_f, users, items, out.config(seed=0), float(ridge))
        return out

    # ---- cold start ---------------------------------------------------------------------------
    def _features(self, features: Any, name: str, rows: Optional[int], columns: int, what: str) -> _core.CsrView:
        return as_core_csr(
            features,
            name,
            rows=rows,
            rows_meaning="ids were" if rows != 1 else "id was",
            cols=columns,
            cols_meaning=f"the model was trained with {what} features:",
        )

    def user_embeddings_from_features(self, user_features: Any) -> np.ndarray:
        """Representations ([x, 1], ``factors + 1`` columns) of learners from their features alone."""
        model = self.model
        view = self._features(user_features, "user_features", None, model.user_features, "learner")
        return model.learner_embeddings_from_features(view, self.num_threads)

    def item_embeddings_from_features(self, item_features: Any) -> np.ndarray:
        """Representations ([y, bias]) of courses from their features alone (no id embedding)."""
        model = self.model
        view = self._features(item_features, "item_features", None, model.item_features, "course")
        return model.course_embeddings_from_features(view, self.num_threads)

    def add_items(self, item_features: Any) -> "HybridModel":
        """A copy of this model whose courses are followed by new ones placed from ``item_features``.

        The new courses get ids ``num_courses, num_courses + 1, ...``; this model is unchanged.
        Pass ``user_items`` with the new width to :meth:`recommend` (e.g. ``scipy.sparse.hstack``
        or ``resize``).
        """
        model = self.model
        view = self._features(item_features, "item_features", None, model.item_features, "course")
        out = copy.copy(self)
        out._model = model.with_courses(view, self.num_threads)
        return out

    def recalculate_user(self, userid: Any, user_items: Any, user_features: Any = None) -> np.ndarray:
        """Learner representation(s) folded in from ``user_items`` on top of ``user_features``.

        One row of each per id; ids are not looked up. Without ``user_features`` the fold-in starts
        from zero features (what an id-only model can do for a new learner).
        """
        extra = () if user_features is None else (self._learner_features(user_features, np.size(userid)),)
        return self._fold_in("user", userid, user_items, *extra)

    def _learner_features(self, user_features: Any, count: int) -> _core.CsrView:
        return self._features(user_features, "user_features", count, self.model.user_features, "learner")

    def _top_k(self, ids: np.ndarray, rows: Any, features: Any, k: int, allow: Any, deny: Any,
               filter_already_liked_items: bool, recalculate_user: bool) -> Results:
        if features is None:
            return super()._top_k(ids, rows, features, k, allow, deny, filter_already_liked_items, recalculate_user)
        model = self.model
        if recalculate_user:
            embeddings = model.fold_in_learners(rows, self.num_threads, features)
        else:
            embeddings = model.learner_embeddings_from_features(features, self.num_threads)
        exclude = rows if filter_already_liked_items else None
        return model.recommend_embeddings(embeddings, exclude, k, allow, deny, self.num_threads)
