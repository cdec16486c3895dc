"""The implicit-compatible surface shared by every learnrec model class.

A model class subclasses :class:`RecommenderBase`, implements :meth:`fit` and stores the trained
C++ model (a :class:`learnrec._core.Model`) in ``self._model``. Everything else — argument handling
of ``recommend``, ``similar_items``, ``similar_users``, ``recalculate_user`` and
``recalculate_item`` with implicit 0.7's names, conventions and return shapes — lives here and goes
through the C++ model seam, so new models (BPR, EASE, kNN, hybrids) get it for free.
"""

from __future__ import annotations

import os
import time
import warnings
from typing import Any, Callable, ClassVar, Dict, Optional, Tuple, Type

import numpy as np

from . import _core
from ._hyper import Hypers
from ._validation import (
    LearnrecError,
    as_core_csr,
    as_count,
    as_ids,
    as_num_threads,
    check_range,
)

Results = Tuple[np.ndarray, np.ndarray]

# The side ids come from -> (the matrix argument, the model attribute counting its columns, what they are).
_SIDES = {"user": ("user_items", "num_courses", "courses"), "item": ("item_users", "num_learners", "learners")}

# Model-file kind ("als", "bpr", ...) -> the Python class that wraps it; filled by subclasses that
# declare ``_kind`` (see RecommenderBase.__init_subclass__), read by learnrec.load.
_CLASSES_BY_KIND: Dict[str, Type["RecommenderBase"]] = {}


def _finish(ids: np.ndarray, scores: np.ndarray, scalar: bool, n: int) -> Results:
    """implicit's shapes: 1-D (only real results) for a scalar query; 2-D padded to n with -1/-inf."""
    if scalar:
        row_ids, row_scores = ids[0], scores[0]
        if row_ids.size == 0 or row_ids[-1] >= 0:  # a full row: nothing to count
            return row_ids, row_scores
        count = int(np.count_nonzero(row_ids >= 0))  # padding is always at the end
        return row_ids[:count], row_scores[:count]
    if ids.shape[1] < n:
        pad = n - ids.shape[1]
        ids = np.pad(ids, ((0, 0), (0, pad)), constant_values=-1)
        scores = np.pad(scores, ((0, 0), (0, pad)), constant_values=-np.inf)
    return ids, scores


def _empty(scalar: bool, queries: int, n: int) -> Results:
    if scalar:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
    return np.full((queries, n), -1, dtype=np.int32), np.full((queries, n), -np.inf, dtype=np.float32)


def _candidates(
    filter_ids: Any, include_ids: Any, upper: int, filter_name: str, include_name: str, what: str
) -> Tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """(allow, deny) int32 arrays from implicit's `items` / `filter_items` style arguments."""
    if filter_ids is not None and include_ids is not None:
        raise ValueError(f"Can't set both {include_name} and {filter_name}: pass one or the other")
    allow = deny = None
    if include_ids is not None:
        _, allow = as_ids(include_ids, include_name)
        check_range(allow, upper, include_name, what)
        allow = np.unique(allow)
    if filter_ids is not None:
        _, deny = as_ids(filter_ids, filter_name)
        check_range(deny, upper, filter_name, what)
        if deny.size == 0:
            deny = None
    return allow, deny



def _progress_bar(total: int, show: bool, desc: str) -> Any:
    """tqdm's notebook bar when ipywidgets is there, its text bar otherwise (imported lazily)."""
    if not show:
        from tqdm import tqdm

        return tqdm(total=total, disable=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tqdm.auto warns when a notebook lacks ipywidgets
        from tqdm.auto import tqdm as auto_tqdm
    return auto_tqdm(total=total, desc=desc, unit="it")


#: What a stepwise model reports after each step: (tqdm postfix or None, the value passed to the
#: callback as its third argument).
StepReport = Callable[[Any], Tuple[Optional[Dict[str, str]], Any]]


def _train_stepwise(model: Any, trainer: Any, total: int, show_progress: bool, callback: Any,
                    report: StepReport) -> int:
    """The epoch loop every stepwise model shares: one C++ step per iteration (GIL released), a
    tqdm bar, ``callback(iteration, seconds, value)`` whose ``False`` stops training, and Ctrl-C
    stopping between steps with the model trained so far kept (a warning says so). Returns the
    number of steps run."""
    if callback is None:
        callback = getattr(model, "fit_callback", None)
    try:
        with _progress_bar(total, show_progress, type(model).__name__) as progress:
            for iteration in range(total):
                info = trainer.step()
                postfix, value = report(info)
                if postfix:
                    progress.set_postfix(postfix, refresh=False)
                progress.update(1)
                if callback is not None and callback(iteration, info.seconds, value) is False:
                    break
    except KeyboardInterrupt:
        warnings.warn(
            f"training interrupted after {trainer.iteration} of {total} iterations; "
            "keeping the model trained so far",
            RuntimeWarning,
            stacklevel=3,
        )
    return int(trainer.iteration)


class RecommenderBase:
    """Base of learnrec's models: implicit 0.7's recommender interface over the C++ model seam.

    Ids are dense indices: learner (user) ``u`` is row ``u`` and course (item) ``i`` is column
    ``i`` of the matrix passed to :meth:`fit`. Every method releases the GIL while computing and may
    be called from several Python threads at once.

    Attributes
    ----------
    num_threads : int
        Threads used by each call (0 = every processor). learnrec never changes process-wide
        thread settings (no ``omp_set_num_threads``); this value is passed to each call.
    """

    _model: Optional[_core.Model]
    #: The model-file kind of the C++ model this class wraps (None: not loadable by learnrec.load).
    _kind: ClassVar[Optional[str]] = None
    #: The hyperparameters, declared once: constructor, config(), get_params, repr and learnrec.load read them.
    _hyper: ClassVar[Hypers] = Hypers(None, num_threads=0)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("_kind")
        if kind is not None:
            _CLASSES_BY_KIND[kind] = cls
        cls.__signature__ = cls._hyper.signature.replace(parameters=list(cls._hyper.signature.parameters.values())[1:])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        values = self._hyper.bind(type(self).__name__, args, kwargs)
        for name in self._hyper.names:
            setattr(self, name, values.pop(name))
        self.num_threads = as_num_threads(self.num_threads)
        self._model = None
        #: Ids of the learners (rows) and courses (columns) when known: set by learnrec.load for
        #: files saved with ids, and written by save() unless other ids are passed.
        self.learner_ids: Optional[np.ndarray] = None
        self.course_ids: Optional[np.ndarray] = None
        #: What the model file records about the training (trained_at, data_fingerprint, history;
        #: learnrec fills learnrec_version and hyperparameters when saving). Set by fit (ALS,
        #: hybrid) and by learnrec.load.
        self.metadata: Dict[str, Any] = {}
        #: The training time fit records (ISO-8601 or a date); None: now. Fix it (or take the data's
        #: latest timestamp) and the same data and seed give the same model bytes.
        self.trained_at: Optional[str] = None
        self._init_extra(**values)
        for name in self._hyper.choices:
            self._hyper.check_choice(name, getattr(self, name))

    def _init_extra(self) -> None:
        """Takes the constructor arguments declared as ``extra`` in :attr:`_hyper` (none here)."""

    def get_params(self) -> Dict[str, Any]:
        """The hyperparameters as constructor keyword arguments: ``type(m)(**m.get_params())`` is an unfitted copy."""
        return self._hyper.params(self)

    def config(self, seed: Optional[int] = None) -> Any:
        """The validated C++ configuration of the current hyperparameters (``seed`` from random_state if None)."""
        if self._hyper.config is None:
            raise NotImplementedError(f"{type(self).__name__} has no C++ configuration")
        return self._hyper.make_config(self, seed)

    @classmethod
    def _init_kwargs_from(cls, model: Any) -> Dict[str, Any]:
        """The __init__ arguments that reproduce the hyperparameters a C++ model was trained with."""
        return {} if cls._hyper.config is None else cls._hyper.from_config(model.config)

    # ---- persistence --------------------------------------------------------------------------
    def save(self, path: "os.PathLike[str] | str", learner_ids: Any = None, course_ids: Any = None,
             training_data: Any = None) -> None:
        """Writes the trained model to a learnrec model file (see learnrec.load).

        The file is self-describing (magic, format version, model kind, sizes and checksums) and
        written atomically: a crash or error mid-save never leaves a partial file at ``path``, and
        an existing file there is replaced only by a complete one.

        Parameters
        ----------
        path : str or os.PathLike
            Destination file.
        learner_ids, course_ids : sequence of str, optional
            One id per learner (row) / course (column) to store with the model. Default: the
            model's ``learner_ids`` / ``course_ids`` attributes (set when it was loaded from a file
            with ids), else none.
        training_data : scipy.sparse matrix, optional
            The user_items matrix the model was trained on (learners x courses), kept in the file
            (format version 3) so that :func:`learnrec.forget` can erase a learner from the file
            alone. It is personal data: keep such files as you keep the event log. Default: the
            model's ``training_data`` attribute (set when it was loaded from a file that keeps
            it), else none.
        """
        learners = _id_list(self.learner_ids if learner_ids is None else learner_ids)
        courses = _id_list(self.course_ids if course_ids is None else course_ids)
        training = self._training_view(training_data)
        _core.save_model(self.model, os.fspath(path), learners, courses,
                         self._file_metadata(learners, courses, training), training)

    def _training_view(self, training_data: Any) -> Any:
        """The CsrView of ``training_data`` (default: the kept ``training_data`` attribute), or None."""
        data = getattr(self, "training_data", None) if training_data is None else training_data
        if data is None:
            return None
        model = self.model
        return as_core_csr(data, "training_data", rows=model.num_learners, rows_meaning="learners in the model",
                           cols=model.num_courses, cols_meaning="the model's courses are")

    def _file_metadata(self, learners: Any = None, courses: Any = None, training: Any = None) -> Dict[str, Any]:
        """What the file records about the training, for a save with these ids and training data.

        fit hashes the ids it knows; ids first given at save time (the usual order: fit on a
        matrix, save with its ids) are added to the fingerprint when the training data is given
        too and is the data fit hashed, so that it matches what :func:`learnrec.forget` computes
        from the file's own data and ids.
        """
        meta = getattr(self, "metadata", None) or {}
        out = {k: v for k, v in meta.items() if k in ("trained_at", "data_fingerprint", "history")}
        hashed = getattr(self, "_fingerprinted_ids", None)
        if (hashed is not None and training is not None and (learners, courses) != hashed
                and _core.data_fingerprint(training, *hashed) == out.get("data_fingerprint")):
            out["data_fingerprint"] = _core.data_fingerprint(training, learners, courses)
        return out

    def _record_training(self, user_items: Any) -> None:
        """Metadata of a fit on ``user_items``: fingerprint (with the ids when known) and trained_at."""
        rows = as_core_csr(user_items, "user_items")
        learners = _id_list(self.learner_ids) if self.learner_ids is not None and len(self.learner_ids) == rows.shape[0] else None
        courses = _id_list(self.course_ids) if self.course_ids is not None and len(self.course_ids) == rows.shape[1] else None
        when = getattr(self, "trained_at", None)
        if when is None:
            trained_at = _core.format_utc(int(time.time()))
        else:
            trained_at = _core.format_utc(int(np.datetime64(str(when).rstrip("Z"), "s").astype(np.int64)))
        self.metadata = {
            "trained_at": trained_at,
            "data_fingerprint": _core.data_fingerprint(rows, learners, courses),
            "history": [],
        }
        # The ids this fingerprint covers: a save with other ids (and the training data) re-hashes.
        self._fingerprinted_ids = (learners, courses)

    def _record_update(self, line: str) -> None:
        meta = dict(getattr(self, "metadata", None) or {})
        meta["history"] = list(meta.get("history", [])) + [f"{line} at {_core.format_utc(int(time.time()))}"]
        self.metadata = meta

    @property
    def model_version(self) -> str:
        """``"<kind>-<payload CRC-32>-<trained_at>"`` of the bytes :meth:`save` writes (see the README)."""
        learners = _id_list(self.learner_ids) if self.learner_ids is not None and len(self.learner_ids) == self.model.num_learners else None
        courses = _id_list(self.course_ids) if self.course_ids is not None and len(self.course_ids) == self.model.num_courses else None
        return _core.model_version(self.model, learners, courses,
                                   self._file_metadata(learners, courses, self._training_view(None)))

    def __getstate__(self) -> Dict[str, Any]:
        # The C++ model travels as the bytes of its model file (checked on the way back in);
        # everything else is plain Python state.
        state = self.__dict__.copy()
        model = state.pop("_model", None)
        state["_model_bytes"] = None if model is None else _core.model_to_bytes(model)
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        state = dict(state)
        data = state.pop("_model_bytes", None)
        self.__dict__.update(state)
        self._model = None if data is None else _core.model_from_bytes(data)[0]

    # ---- to implement -------------------------------------------------------------------------
    def fit(self, user_items: Any, show_progress: bool = True, callback: Any = None) -> "RecommenderBase":
        """Trains on a learners x courses scipy.sparse CSR matrix; returns self."""
        raise NotImplementedError

    # ---- shared -------------------------------------------------------------------------------
    @property
    def model(self) -> _core.Model:
        """The trained C++ model (learnrec._core.Model); raises LearnrecError before fit()."""
        if self._model is None:
            raise LearnrecError(f"this {type(self).__name__} is not fitted yet: call fit(user_items) first")
        return self._model

    @property
    def is_fitted(self) -> bool:
        """Whether fit() has produced a model."""
        return self._model is not None

    def recommend(
        self,
        userid: Any,
        user_items: Any,
        N: int = 10,
        filter_already_liked_items: bool = True,
        filter_items: Any = None,
        recalculate_user: bool = False,
        items: Any = None,
        user_features: Any = None,
    ) -> Results:
        """Recommends courses (items) for one learner or a batch of learners.

        Parameters
        ----------
        userid : int or array_like of int
            A learner id, or an array of them (batches are faster and run in parallel).
        user_items : scipy.sparse.csr_matrix
            One row per id in ``userid``, in the same order (e.g. ``train[userid]``), over all
            courses. Its courses are excluded when ``filter_already_liked_items``; with
            ``recalculate_user`` the learners are folded in from these rows instead of being looked
            up (so learners unseen in training work). May be None when neither is set.
        N : int
            Number of results per learner.
        filter_already_liked_items : bool
            Exclude the courses present in each learner's row of ``user_items``.
        filter_items : array_like of int, optional
            Courses never to return (for every learner).
        recalculate_user : bool
            Fold learners in from ``user_items`` rather than using their trained representation.
        items : array_like of int, optional
            Rank only these courses (N is capped at their number). Not together with ``filter_items``.
        user_features : scipy.sparse.csr_matrix, optional
            Models with learner features only (:class:`learnrec.HybridModel`): one row per id, the
            learner features of training. The learners are then represented from those features
            and the ids are not looked up (new learners work); with ``recalculate_user`` their
            ``user_items`` rows are folded in on top of the features.

        Returns
        -------
        (ids, scores)
            For a scalar ``userid``: 1-D int32 and float32 arrays, best first, shorter than N when
            fewer courses qualify. For an array: 2-D arrays with one row per learner, padded with
            -1 and -inf when fewer than N courses qualify.

        Raises
        ------
        ValueError
            ``items`` and ``filter_items`` together; ``user_items`` with the wrong number of rows
            or columns; invalid weights (LearnrecError).
        IndexError
            An id outside the range the model was fit on (UnknownIdError, also a ValueError).
        """
        return self._recommend(userid, user_items, N, filter_already_liked_items, filter_items, recalculate_user, items,
                               user_features)

    def _recommend(
        self,
        userid: Any,
        user_items: Any,
        N: int,
        filter_already_liked_items: bool,
        filter_items: Any,
        recalculate_user: bool,
        items: Any,
        user_features: Any = None,
    ) -> Results:
        """recommend's one implementation; ``user_features`` (models with learner features) represents the
        learners from their features instead of looking the ids up (see :meth:`_top_k`)."""
        model = self.model
        scalar, ids = as_ids(userid, "userid")
        n = as_count(N, "N")
        features = None
        if user_features is not None:
            features = self._learner_features(user_features, ids.size)
        elif not recalculate_user:
            check_range(ids, model.num_learners, "userid", "learners")
        allow, deny = _candidates(filter_items, items, model.num_courses, "filter_items", "items", "courses")
        rows = None
        if filter_already_liked_items or recalculate_user:
            if user_items is None:
                raise ValueError("user_items is required when filter_already_liked_items or recalculate_user is set")
            rows = as_core_csr(
                user_items,
                "user_items",
                rows=ids.size,
                rows_meaning="userids were" if ids.size != 1 else "userid was",
                cols=model.num_courses,
                cols_meaning="the model has courses:",
            )
        if allow is not None:
            n = min(n, allow.size)
        if n == 0 or ids.size == 0 or model.num_courses == 0:
            return _empty(scalar, ids.size, n)
        k = min(n, model.num_courses)
        out_ids, scores = self._top_k(ids, rows, features, k, allow, deny, filter_already_liked_items,
                                      recalculate_user)
        return _finish(out_ids, scores, scalar, n)

    def _learner_features(self, user_features: Any, count: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no learner features: user_features is unsupported")

    def _top_k(self, ids: np.ndarray, rows: Any, features: Any, k: int, allow: Any, deny: Any,
               filter_already_liked_items: bool, recalculate_user: bool) -> Results:
        """The C++ top-k of validated arguments: learners ``ids`` looked up, or folded in from ``rows``."""
        model = self.model
        if recalculate_user:
            return model.recommend_rows(rows, filter_already_liked_items, k, allow, deny, self.num_threads)
        exclude = rows if filter_already_liked_items else None
        return model.recommend(ids, exclude, k, allow, deny, self.num_threads)

    def similar_items(
        self,
        itemid: Any,
        N: int = 10,
        recalculate_item: bool = False,
        item_users: Any = None,
        filter_items: Any = None,
        items: Any = None,
    ) -> Results:
        """Most similar courses to one course or to each of a batch of courses.

        Factor models use cosine similarity of course embeddings; the popularity baseline ranks by
        popularity. The query course itself is included (as in implicit) unless filtered.

        Parameters
        ----------
        itemid : int or array_like of int
            Course id(s).
        N : int
            Number of results per course.
        recalculate_item : bool
            Fold the courses in from ``item_users`` (one row per id, over learners) instead of
            using their trained embeddings (models with fold-in only).
        item_users : scipy.sparse.csr_matrix, optional
            Rows for ``recalculate_item``.
        filter_items, items : array_like of int, optional
            Courses never to return / the only courses to rank (not both).

        Returns
        -------
        (ids, scores)
            1-D for a scalar ``itemid`` (shorter than N when fewer courses qualify), 2-D padded
            with -1 / -inf for an array.
        """
        model = self.model
        scalar, ids = as_ids(itemid, "itemid")
        n = as_count(N, "N")
        allow, deny = _candidates(filter_items, items, model.num_courses, "filter_items", "items", "courses")
        if allow is not None:
            n = min(n, allow.size)
        if recalculate_item:
            embeddings = self.recalculate_item(ids, item_users)
        else:
            check_range(ids, model.num_courses, "itemid", "courses")
        if n == 0 or ids.size == 0 or model.num_courses == 0:
            return _empty(scalar, ids.size, n)
        k = min(n, model.num_courses)
        if recalculate_item:
            out_ids, scores = model.similar_courses_to(embeddings, k, allow, deny, self.num_threads)  # type: ignore[attr-defined]
        else:
            out_ids, scores = model.similar_courses(ids, k, allow, deny, self.num_threads)
        return _finish(out_ids, scores, scalar, n)

    def similar_users(self, userid: Any, N: int = 10, filter_users: Any = None, users: Any = None) -> Results:
        """Most similar learners by cosine similarity of learner embeddings (factor models only).

        The learner itself is included (as in implicit) unless filtered. Returns 1-D arrays for a
        scalar ``userid`` and 2-D arrays (padded with -1 / -inf) for an array of ids.
        """
        model = self.model
        if not isinstance(model, _core.FactorModel):
            raise NotImplementedError(f"{type(self).__name__} has no learner embeddings: similar_users is unsupported")
        scalar, ids = as_ids(userid, "userid")
        check_range(ids, model.num_learners, "userid", "learners")
        n = as_count(N, "N")
        allow, deny = _candidates(filter_users, users, model.num_learners, "filter_users", "users", "learners")
        if allow is not None:
            n = min(n, allow.size)
        if n == 0 or ids.size == 0 or model.num_learners == 0:
            return _empty(scalar, ids.size, n)
        k = min(n, model.num_learners)
        out_ids, scores = model.similar_learners(ids, k, allow, deny, self.num_threads)
        return _finish(out_ids, scores, scalar, n)

    def _side_rows(self, side: str, ids: np.ndarray, matrix: Any, ids_name: str) -> _core.CsrView:
        """The validated rows of ``matrix``, one per id of ``side`` ("user" or "item"), over the other side."""
        model = self.model
        matrix_name, columns, what = _SIDES[side]
        return as_core_csr(matrix, matrix_name, rows=ids.size, rows_meaning=f"{ids_name} were",
                           cols=getattr(model, columns), cols_meaning=f"the model has {what}:")

    def _fold_in(self, side: str, ids_value: Any, matrix: Any, *extra: Any) -> np.ndarray:
        """recalculate_user / recalculate_item: embeddings folded in from one row per id of ``side``."""
        model = self.model
        method = "fold_in_learners" if side == "user" else "fold_in_courses"
        if not hasattr(model, method):
            raise NotImplementedError(f"recalculate_{side} is not supported by {type(self).__name__}")
        if matrix is None and side == "item":
            raise ValueError("item_users is required when recalculate_item is set")
        scalar, ids = as_ids(ids_value, f"{side}id")
        out = getattr(model, method)(self._side_rows(side, ids, matrix, f"{side}ids"), self.num_threads, *extra)
        return out[0] if scalar else out

    def _partial_fit(self, side: str, ids_value: Any, matrix: Any, *extra: Any) -> "RecommenderBase":
        """partial_fit_users / partial_fit_items: a new C++ model with those rows re-solved; returns self."""
        model = self.model
        what = "learner" if side == "user" else "course"
        _, ids = as_ids(ids_value, f"{side}ids")
        rows = self._side_rows(side, ids, matrix, f"{side}ids")
        self._model = getattr(model, f"partial_fit_{what}s")(ids, rows, *extra, self.num_threads)
        self._record_update(f"partial_fit_{side}s: {ids.size} {what}(s)")
        return self

    def recalculate_user(self, userid: Any, user_items: Any) -> np.ndarray:
        """Learner embedding(s) folded in from ``user_items`` (one row per id, over courses).

        Ids are not looked up, so learners unseen in training work. Returns a 1-D float32 array for
        a scalar ``userid`` and a 2-D array (one row per id) otherwise.
        """
        return self._fold_in("user", userid, user_items)

    def recalculate_item(self, itemid: Any, item_users: Any) -> np.ndarray:
        """Course embedding(s) folded in from ``item_users`` (one row per id, over learners).

        Returns a 1-D float32 array for a scalar ``itemid`` and a 2-D array otherwise.
        """
        return self._fold_in("item", itemid, item_users)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"


class EmbeddingRecommender(RecommenderBase):
    """What the models trained step by step into embeddings share (ALS, BPR, hybrid): the epoch loop
    of :meth:`_fit_stepwise`, the embedding attributes and the float32-only ``dtype``."""

    _last_iterations: int = 0
    #: ``callback`` of fit() when none is passed (implicit's attribute).
    fit_callback: Optional[Callable[..., Any]] = None

    @staticmethod
    def _float32_only(dtype: Any) -> np.dtype:
        if np.dtype(dtype) != np.float32:
            raise ValueError(f"learnrec computes in float32 only; dtype={np.dtype(dtype)} is not supported")
        return np.dtype(np.float32)

    def _fit_stepwise(self, trainer: Any, user_items: Any, show_progress: bool, callback: Any,
                      report: StepReport) -> None:
        """Runs ``trainer`` for its configured iterations (see :func:`_train_stepwise`), keeps its
        model and records the training metadata."""
        self._last_iterations = _train_stepwise(
            self, trainer, trainer.config.iterations, show_progress, callback, report
        )
        self._model = trainer.release()
        self._record_training(user_items)

    @property
    def user_factors(self) -> Optional[np.ndarray]:
        """Learner embeddings (learners x columns, float32, read-only, shares the model's memory; None before fit)."""
        return None if self._model is None else self._model.user_factors  # type: ignore[attr-defined]

    @property
    def item_factors(self) -> Optional[np.ndarray]:
        """Course embeddings (courses x columns, float32, read-only, shares the model's memory; None before fit)."""
        return None if self._model is None else self._model.item_factors  # type: ignore[attr-defined]

    @property
    def iterations_run(self) -> int:
        """Iterations (epochs) run by the last fit (fewer than ``iterations`` when stopped early)."""
        return 0 if self._model is None else self._last_iterations


def _id_list(ids: Any) -> Optional[list]:
    if ids is None:
        return None
    if isinstance(ids, (str, bytes)):
        raise TypeError("ids must be a sequence of str, not a single string")
    out = []
    for i, value in enumerate(ids):
        if not isinstance(value, (str, np.str_)):
            raise TypeError(f"ids must be str; element {i} is {type(value).__name__} ({value!r})")
        out.append(str(value))
    return out
