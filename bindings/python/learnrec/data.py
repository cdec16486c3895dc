"""Data: interaction, feature and event CSV readers, the event weighting policy, and the synthetic academy."""

from __future__ import annotations

import os
import dataclasses
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import scipy.sparse

from . import _core
from ._validation import core_to_scipy


def _object_array(values: Sequence[str]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def read_interactions(
    path: Union[str, "os.PathLike[str]"],
    ignored_columns: Sequence[str] = (),
    delimiter: str = ",",
) -> Tuple[scipy.sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Reads an interaction log ``learner_id,course_id[,weight][,timestamp]`` (with a header).

    Uses learnrec's C++ reader (RFC 4180 quoting, UTF-8 BOM, CRLF; strict: every problem raises
    LearnrecError naming ``file:line``). Duplicate (learner, course) pairs are summed; a missing
    weight column means weight 1. Columns other than those four are an error unless listed in
    ``ignored_columns``.

    Returns
    -------
    (user_items, learner_ids, course_ids)
        A learners x courses float32 CSR matrix, and object arrays of the external ids: row ``u``
        is learner ``learner_ids[u]``, column ``i`` is course ``course_ids[i]`` (order of first
        appearance in the file).
    """
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"delimiter must be a single character, got {delimiter!r}")
    if isinstance(ignored_columns, str):
        ignored_columns = [ignored_columns]
    result = _core.read_interactions_csv(os.fspath(path), [str(c) for c in ignored_columns], delimiter)
    return (
        core_to_scipy(result["matrix"]),
        _object_array(result["learner_ids"]),
        _object_array(result["course_ids"]),
    )


LIFECYCLE_KINDS: Tuple[str, ...] = tuple(_core.LIFECYCLE_KINDS)
"""Event kinds in code order: ``kinds`` arrays hold indices into this tuple."""

_PathLike = Union[str, "os.PathLike[str]"]


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**64:
        raise ValueError(f"seed must be an integer in [0, 2^64), got {seed!r}")
    return int(seed)


def _check_delimiter(delimiter: str) -> None:
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"delimiter must be a single character, got {delimiter!r}")


def _table(columns: Dict[str, Any]) -> Dict[str, np.ndarray]:
    return {
        name: values if isinstance(values, np.ndarray) else _object_array(values) for name, values in columns.items()
    }


def _academy(seed: Any, learners: int, courses: int, mean_enrolments: float, schema_version: int) -> Dict[str, Any]:
    return _core.generate_academy(
        _check_seed(seed), int(learners), int(courses), float(mean_enrolments), int(schema_version)
    )


def generate_academy(
    seed: int = 42,
    learners: int = 5000,
    courses: int = 600,
    mean_enrolments: float = 12.0,
    schema_version: int = 2,
) -> Tuple[scipy.sparse.csr_matrix, Dict[str, np.ndarray], Dict[str, np.ndarray]]:
    """Generates learnrec's deterministic synthetic corporate academy (the default dataset).

    Same arguments, same output on every platform. Weights are 1 (enrolled) or 3 (completed).
    Schema 2 (the default) adds columns; every schema 1 column keeps its values.

    Returns
    -------
    (user_items, learners, courses)
        A learners x courses float32 CSR matrix and two tables as dicts of equal-length numpy
        arrays (``pandas.DataFrame(table)`` works directly). Row ``u`` of the matrix is
        ``learners[...][u]``, column ``i`` is ``courses[...][i]``.

        learners: id, role, department, country, language (comma-separated, preferred first);
        schema 2 adds region, seniority and target_skills (a list of ``"skill:level"`` strings).
        courses: id, title, topic, format, language, level (int32, 1-3), duration_hours (float32);
        schema 2 adds provider, skills (a list of ``"skill:level"``), validity_months (int32, 0 =
        never expires) and has_exam (bool).

    See :func:`academy_tables` for the skills review, obligations, prerequisites, sessions and
    typed events.
    """
    result = _academy(seed, learners, courses, mean_enrolments, schema_version)
    return core_to_scipy(result["matrix"]), _table(result["learners"]), _table(result["courses"])


def academy_tables(
    seed: int = 42,
    learners: int = 5000,
    courses: int = 600,
    mean_enrolments: float = 12.0,
    schema_version: int = 2,
) -> Dict[str, Any]:
    """Every table of the synthetic academy, for the same arguments as :func:`generate_academy`.

    Returns a dict with ``user_items`` (CSR), ``learners``, ``courses`` (as in generate_academy),
    ``events`` (:class:`Events`, the typed lifecycle at schema 2) and, at schema 2,
    ``skills_review`` (department, role, skill, level: one row per target skill),
    ``obligations`` (course_id, scope, value, due as int64 epoch seconds), ``prerequisites``
    (course, requires_course: column indices; a DAG) and ``sessions`` (course, start, end,
    country ("" = online), capacity).
    """
    result = _academy(seed, learners, courses, mean_enrolments, schema_version)
    out: Dict[str, Any] = {
        "user_items": core_to_scipy(result["matrix"]),
        "learners": _table(result["learners"]),
        "courses": _table(result["courses"]),
    }
    ids_l, ids_c = out["learners"]["id"], out["courses"]["id"]
    out["events"] = Events._from_core(result["events"], ids_l, ids_c)
    for name in ("skills_review", "obligations", "prerequisites", "sessions"):
        if name in result:
            out[name] = _table(result[name])
    return out


def academy_features(
    seed: int = 42,
    learners: int = 5000,
    courses: int = 600,
    mean_enrolments: float = 12.0,
    schema_version: int = 2,
) -> Tuple[scipy.sparse.csr_matrix, np.ndarray, scipy.sparse.csr_matrix, np.ndarray]:
    """Side features of the academy's learners and courses, for hybrid (LightFM-like) models.

    Rows align with :func:`generate_academy`'s matrix for the same arguments. Each feature is a
    token with weight 1: learners ``role=``, ``department=``, ``country=``, ``lang=`` (every
    language spoken), ``region=``, ``seniority=``, ``goal=`` (target skills); courses ``topic=``,
    ``format=``, ``lang=``, ``level=``, ``provider=``, ``skill=``, ``duration=short|medium|long``.

    Returns
    -------
    (user_features, user_feature_names, item_features, item_feature_names)
        float32 CSR matrices (int32 indices) and object arrays naming their columns.
    """
    result = _core.academy_features(
        _check_seed(seed), int(learners), int(courses), float(mean_enrolments), int(schema_version)
    )
    user, item = result["user_features"], result["item_features"]
    return (
        core_to_scipy(user["matrix"]),
        _object_array(user["feature_names"]),
        core_to_scipy(item["matrix"]),
        _object_array(item["feature_names"]),
    )


def read_features(
    path: _PathLike,
    ids: Sequence[str],
    delimiter: str = ",",
    allow_unknown_ids: bool = False,
    vocabulary: Optional[Sequence[str]] = None,
    ignored_columns: Sequence[str] = (),
) -> Tuple[scipy.sparse.csr_matrix, np.ndarray]:
    """Reads a feature CSV ``learner_id,feature[,weight]`` or ``course_id,feature[,weight]``.

    Row ``r`` of the result belongs to ``ids[r]`` (e.g. the learner ids returned by
    :func:`read_interactions`); ids without features get an empty row. An id not in ``ids`` raises
    LearnrecError naming ``file:line`` unless ``allow_unknown_ids`` (then the record is skipped).
    Weights default to 1 and must be finite and > 0; duplicates are summed. The columns are the
    file's features in order of first appearance, or exactly ``vocabulary`` when given (a feature
    outside it is an error naming ``file:line``).

    Returns
    -------
    (features, feature_names)
        A len(ids) x features float32 CSR matrix (int32 indices) and an object array of names.
    """
    _check_delimiter(delimiter)
    if isinstance(ignored_columns, str):
        ignored_columns = [ignored_columns]
    result = _core.read_features_csv(
        os.fspath(path),
        [str(i) for i in ids],
        delimiter,
        bool(allow_unknown_ids),
        None if vocabulary is None else [str(v) for v in vocabulary],
        [str(c) for c in ignored_columns],
    )
    return core_to_scipy(result["matrix"]), _object_array(result["feature_names"])


@dataclasses.dataclass(frozen=True)
class Events:
    """A typed event log: parallel arrays, one entry per event, plus the id arrays.

    ``learners``/``courses`` (int32) index ``learner_ids``/``course_ids``; ``kinds`` (uint8)
    index :data:`LIFECYCLE_KINDS`; ``timestamps`` are int64 epoch seconds (UTC); ``values`` are
    float32 ratings (1-5) for ``rated`` events and 0 otherwise.
    """

    learners: np.ndarray
    courses: np.ndarray
    kinds: np.ndarray
    timestamps: np.ndarray
    values: np.ndarray
    learner_ids: np.ndarray
    course_ids: np.ndarray

    def __len__(self) -> int:
        return int(self.kinds.size)

    @property
    def kind_names(self) -> np.ndarray:
        """The kind of each event as a string array."""
        return np.asarray(LIFECYCLE_KINDS, dtype=object)[self.kinds]

    @classmethod
    def _from_core(cls, d: Dict[str, Any], learner_ids: Sequence[str], course_ids: Sequence[str]) -> "Events":
        return cls(
            d["learner"],
            d["course"],
            d["kind"],
            d["time"],
            d["value"],
            learner_ids if isinstance(learner_ids, np.ndarray) else _object_array(learner_ids),
            course_ids if isinstance(course_ids, np.ndarray) else _object_array(course_ids),
        )


COURSE_STATES: Tuple[str, ...] = tuple(_core.COURSE_STATES)
"""States of a (learner, course) pair in code order: ``states`` arrays hold indices into it."""


def _event_arrays(events: "Events") -> Tuple[np.ndarray, ...]:
    return (
        np.ascontiguousarray(events.learners, dtype=np.int32),
        np.ascontiguousarray(events.courses, dtype=np.int32),
        np.ascontiguousarray(events.kinds, dtype=np.uint8),
        np.ascontiguousarray(events.timestamps, dtype=np.int64),
        np.ascontiguousarray(events.values, dtype=np.float32),
    )


@dataclasses.dataclass(frozen=True)
class CourseStates:
    """The current state of every (learner, course) pair seen in an event log.

    Stored per learner like a CSR matrix: the courses of learner ``u`` are
    ``courses[indptr[u]:indptr[u + 1]]`` (increasing), aligned with ``states`` (indices into
    :data:`COURSE_STATES`), ``since`` (time the state was set), ``completed_at`` (latest completed
    or passed event; :data:`NEVER` when never completed) and ``ratings`` (latest rating, 0 = none).
    The state is set by the latest event other than ``rated``.
    """

    indptr: np.ndarray
    courses: np.ndarray
    states: np.ndarray
    since: np.ndarray
    completed_at: np.ndarray
    ratings: np.ndarray

    NEVER = np.iinfo(np.int64).min

    def status(self, learner: int, course: int) -> Dict[str, Any]:
        """{"state", "since", "completed_at", "rating"} of one pair ("none" when never seen)."""
        lo, hi = int(self.indptr[learner]), int(self.indptr[learner + 1])
        k = lo + int(np.searchsorted(self.courses[lo:hi], course))
        if k < hi and self.courses[k] == course:
            return {
                "state": COURSE_STATES[self.states[k]],
                "since": int(self.since[k]),
                "completed_at": int(self.completed_at[k]),
                "rating": float(self.ratings[k]),
            }
        return {"state": "none", "since": int(self.NEVER), "completed_at": int(self.NEVER), "rating": 0.0}


def course_states(events: "Events") -> CourseStates:
    """The state of every (learner, course) pair of ``events`` (see :class:`CourseStates`)."""
    d = _core.course_states(*_event_arrays(events), len(events.learner_ids), len(events.course_ids))
    return CourseStates(d["indptr"], d["course"], d["state"], d["since"], d["completed_at"], d["rating"])


def read_events(path: _PathLike, ignored_columns: Sequence[str] = (), delimiter: str = ",") -> Events:
    """Reads a typed event log ``learner_id,course_id,event,timestamp[,value]`` (with a header).

    ``event`` is one of :data:`LIFECYCLE_KINDS`; ``timestamp`` epoch seconds or ISO-8601;
    ``value`` the rating (1-5) of ``rated`` events, empty or 0 for the others. Strict like
    :func:`read_interactions`: every problem raises LearnrecError naming ``file:line``.
    """
    _check_delimiter(delimiter)
    if isinstance(ignored_columns, str):
        ignored_columns = [ignored_columns]
    result = _core.read_events_csv(os.fspath(path), [str(c) for c in ignored_columns], delimiter)
    return Events._from_core(result, result["learner_ids"], result["course_ids"])


def events_from_columns(
    learner_id: Sequence[Any],
    course_id: Sequence[Any],
    event: Sequence[str],
    timestamp: Any,
    value: Optional[Sequence[float]] = None,
) -> Events:
    """An :class:`Events` log from columns (lists, numpy arrays or pandas Series), e.g. a DataFrame's.

    ``timestamp`` holds integer epoch seconds or numpy ``datetime64`` values; ``value`` the ratings
    of ``rated`` events (NaN or 0 elsewhere; None = no ratings). Ids are converted with ``str``
    and numbered in order of first appearance. Checked like :func:`read_events`: errors name the
    row.
    """
    ts = np.asarray(timestamp)
    if np.issubdtype(ts.dtype, np.datetime64):
        ts = ts.astype("datetime64[s]").astype(np.int64)
    elif ts.size and not np.issubdtype(ts.dtype, np.integer):
        raise TypeError(f"timestamp must be integer epoch seconds or datetime64, got {ts.dtype}")
    n = len(ts)
    values = np.full(n, np.nan, dtype=np.float32) if value is None else np.asarray(value, dtype=np.float32)
    result = _core.events_from_columns(
        [str(x) for x in learner_id],
        [str(x) for x in course_id],
        [str(x) for x in event],
        np.ascontiguousarray(ts, dtype=np.int64),
        np.ascontiguousarray(values, dtype=np.float32),
    )
    return Events._from_core(result, result["learner_ids"], result["course_ids"])


_DEFAULT_WEIGHTS: Dict[str, float] = {
    "assigned": 0.0,
    "enrolled": 1.0,
    "started": 1.5,
    "completed": 3.0,
    "passed": 4.0,
    "failed": 1.0,
    "dropped": -1.0,
    "rated": 1.0,
}


@dataclasses.dataclass
class WeightingPolicy:
    """How typed events become training weights (see :func:`events_to_interactions`).

    ``weights`` overrides per kind the defaults: assigned 0 (ignored), enrolled 1, started 1.5,
    completed 3, passed 4, failed 1, dropped -1 (negative feedback), rated 1 per star away from
    ``rating_center`` (5 stars +2, 1 star -2). ``half_life_days`` > 0 multiplies each event by
    0.5 ** (age / half_life), the age counted from ``reference_time`` (epoch seconds; default the
    latest event). ``dropped`` is ``"negative"`` (weights["dropped"] must be <= 0) or
    ``"ignore"``.
    """

    weights: Mapping[str, float] = dataclasses.field(default_factory=dict)
    rating_center: float = 3.0
    half_life_days: float = 0.0
    reference_time: Optional[int] = None
    dropped: str = "negative"

    def weight_array(self) -> list:
        unknown = set(self.weights) - set(_DEFAULT_WEIGHTS)
        if unknown:
            raise ValueError(f"unknown event kinds {sorted(unknown)}; expected some of {list(LIFECYCLE_KINDS)}")
        merged = {**_DEFAULT_WEIGHTS, **{k: float(v) for k, v in self.weights.items()}}
        return [merged[k] for k in LIFECYCLE_KINDS]


def events_to_interactions(
    events: Events, policy: Optional[WeightingPolicy] = None, return_stats: bool = False, **overrides: Any
) -> Any:
    """Training weights (learners x courses) from typed events under a :class:`WeightingPolicy`.

    ``overrides`` are WeightingPolicy fields (``half_life_days=30``, ``dropped="ignore"``,
    ``weights={"passed": 5}``...) applied on top of ``policy``. Contributions of one
    (learner, course) are summed; pairs whose sum is exactly 0 (e.g. enrolled then dropped with
    the defaults) are left out and counted in the stats.

    Returns
    -------
    (user_items, learner_ids, course_ids), plus a stats dict (contributing_events,
    ignored_events, cancelled_pairs) when ``return_stats``.
    """
    policy = dataclasses.replace(policy or WeightingPolicy(), **overrides)
    ref = policy.reference_time
    result = _core.apply_policy(
        *_event_arrays(events),
        len(events.learner_ids),
        len(events.course_ids),
        policy.weight_array(),
        float(policy.rating_center),
        float(policy.half_life_days),
        None if ref is None else int(ref),
        str(policy.dropped),
    )
    out = (core_to_scipy(result["matrix"]), events.learner_ids, events.course_ids)
    if return_stats:
        stats = {k: int(result[k]) for k in ("contributing_events", "ignored_events", "cancelled_pairs")}
        return out + (stats,)
    return out
