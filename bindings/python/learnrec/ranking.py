"""The ranking layer: business rules, diversity and explanations on top of any learnrec model.

A :class:`Ranker` joins a trained model with the course catalogue (languages, formats, regions,
skills, certification validity, prerequisites, sessions, obligations), the learners' facts (segment,
languages, formats, target skills) and what each learner already took. :meth:`Ranker.recommend`
answers a batch of learners in one C++ call (GIL released):

- lifecycle-aware "already taken": completed courses stay out while valid, failed ones may return,
  expired certifications come back (``renewal_days`` early);
- obligations due within ``obligation_window_days`` are pinned on top, most urgent first;
- a skill-gap boost (``gap_boost``; 0 = the model's order exactly);
- prerequisites: ``"hold_back"`` or ``"substitute"`` (first missing prerequisite);
- eligibility (language, format, country/region, open sessions) inside the model's top-k loop;
- MMR diversity (``mmr_lambda``; 1 = unchanged) over embeddings or topics;
- reasons in plain terms for every course shown.

Example::

    ranker = learnrec.ranking.Ranker(model, courses, learners, obligations=[
        {"course": "C0042", "scope": "department", "value": "Sales", "due": "2026-09-30"}],
        history=user_items)
    result = ranker.recommend([0, 1, 2], now="2026-06-01", gap_boost=0.5, mmr_lambda=0.8)
    pandas.DataFrame(result.records())

Dates are seconds since the epoch (UTC), ``datetime``/``date`` objects, ``numpy.datetime64`` or
ISO strings ``"YYYY-MM-DD"``. Courses are referred to by index or by id.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

import numpy as np
import scipy.sparse

from . import _core
from ._validation import LearnrecError, as_core_csr

RankingRules = _core.RankingRules

_NEVER = np.iinfo(np.int64).min
_FOREVER = np.iinfo(np.int64).max

__all__ = ["REASON_KINDS", "Ranker", "RankingRules", "Recommendations", "load_rules", "read_catalogue", "to_timestamp"]


def to_timestamp(value: Any) -> int:
    """Seconds since the Unix epoch (UTC) from an int, datetime, date, numpy.datetime64 or ISO string."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"a date cannot be a boolean, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, np.datetime64):
        return int(value.astype("datetime64[s]").astype(np.int64))
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return int(value.timestamp())
    if isinstance(value, _dt.date):
        return int(_dt.datetime(value.year, value.month, value.day, tzinfo=_dt.timezone.utc).timestamp())
    if isinstance(value, str):
        try:
            return int(np.datetime64(value.strip().rstrip("Z"), "s").astype(np.int64))
        except ValueError:
            raise ValueError(f"'{value}' is not a date (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)") from None
    raise TypeError(f"cannot read a date from {type(value).__name__} {value!r}")


def load_rules(source: Union[str, "os.PathLike[str]", Mapping[str, Any]]) -> RankingRules:
    """Rules from a JSON file path, a JSON text (starting with '{') or a dict in the same format."""
    if isinstance(source, Mapping):
        return _core.parse_rules_json(json.dumps(source), "rules")
    text = os.fspath(source)
    if text.lstrip().startswith("{"):
        return _core.parse_rules_json(text, "rules")
    return _core.read_rules_json(text)


def _records(table: Any, what: str) -> List[Dict[str, Any]]:
    """A list of dicts from a list of dicts, a dict of columns, or a pandas DataFrame."""
    if table is None:
        return []
    if hasattr(table, "to_dict") and hasattr(table, "columns"):
        return list(table.to_dict("records"))
    if isinstance(table, Mapping):
        columns = {k: list(v) for k, v in table.items()}
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"{what}: columns have different lengths {sorted(lengths)}")
        n = lengths.pop() if lengths else 0
        return [{k: v[i] for k, v in columns.items()} for i in range(n)]
    out = []
    for row in table:
        if not isinstance(row, Mapping):
            raise TypeError(f"{what}: each row must be a dict, got {type(row).__name__}")
        out.append(dict(row))
    return out


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as Python values (the C++ side reads plain types)."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


REASON_KINDS: List[str] = list(_core.reason_kind_names())
"""Reason kind names, indexed by the codes in :attr:`Recommendations.reason_kind`."""


class Recommendations:
    """Result of :meth:`Ranker.recommend`: one row per requested learner, k slots each.

    Everything is columns (numpy), so a batch for a whole company costs about what the C++ ranking
    costs; dicts and texts are built only for what is looked at.

    Attributes
    ----------
    learners : numpy.ndarray
        The requested learner indices (row order).
    ids : numpy.ndarray
        int32 (learners, k) course indices, best first, padded with -1.
    scores, model_scores : numpy.ndarray
        float32 (learners, k): final (rule-adjusted) and the model's own scores; -inf for padding.
    mandatory : numpy.ndarray
        bool (learners, k): an obligation applies to the course.
    reason_offsets : numpy.ndarray
        int64 (learners * k + 1): the reasons of slot ``s = row * k + rank`` are
        ``reason_offsets[s]:reason_offsets[s + 1]`` in the reason columns.
    reason_kind : numpy.ndarray
        uint8 codes into :data:`REASON_KINDS`; with ``reason_course`` (int32, -1 = none),
        ``reason_skill`` (int32 into :attr:`skill_names`), ``reason_department`` (int32 into
        :attr:`department_names`), ``reason_level`` (int32), ``reason_date`` (int64 epoch seconds)
        and ``reason_value`` (float32, a similarity) as parallel columns.
    reasons : list
        ``reasons[i][j]`` is the list of reason dicts (``kind``, ``text``, and ``course``/
        ``course_id``, ``skill``, ``level``, ``date``, ``similarity``, ``department`` where relevant) of
        slot j; built on first access (prefer :meth:`reasons_of` or the columns for large batches).
    """

    def __init__(self, learners: np.ndarray, raw: Dict[str, Any], course_ids: List[str], titles: List[str],
                 learner_ids: Optional[Sequence[str]], model_version: Optional[str] = None):
        #: The version of the model that ranked them (``model.model_version``: kind, payload CRC-32, trained-at).
        self.model_version = model_version
        self.learners = learners
        self.ids = raw["ids"]
        self.scores = raw["scores"]
        self.model_scores = raw["model_scores"]
        self.mandatory = raw["mandatory"].view(np.bool_)  # 0 / 1 bytes: the same memory as bools
        self.reason_offsets = raw["reason_offsets"]
        self.reason_kind = raw["reason_kind"]
        self.reason_course = raw["reason_course"]
        self.reason_skill = raw["reason_skill"]
        self.reason_department = raw["reason_department"]
        self.reason_level = raw["reason_level"]
        self.reason_date = raw["reason_date"]
        self.reason_value = raw["reason_value"]
        self._core_reasons = raw["reasons"]
        self._reasons: Optional[List[List[List[Dict[str, Any]]]]] = None
        self._course_ids = course_ids
        self._titles = titles
        self._learner_ids = learner_ids

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def k(self) -> int:
        return int(self.ids.shape[1])

    @property
    def skill_names(self) -> List[str]:
        """What ``reason_skill`` codes refer to."""
        return list(self._core_reasons.skills)

    @property
    def department_names(self) -> List[str]:
        """What ``reason_department`` codes refer to."""
        return list(self._core_reasons.departments)

    def reasons_of(self, row: int, rank: int) -> List[Dict[str, Any]]:
        """The reason dicts of one slot (``rank`` from 0), built now."""
        n, k = self.ids.shape
        if not (0 <= row < n and 0 <= rank < k):
            raise IndexError(f"slot ({row}, {rank}) out of range for {n} learners x {k}")
        return self._core_reasons.slot(row * k + rank)

    @property
    def reasons(self) -> List[List[List[Dict[str, Any]]]]:
        if self._reasons is None:
            flat = self._core_reasons.all()
            k = self.k
            self._reasons = [flat[i * k:(i + 1) * k] for i in range(len(self))]
        return self._reasons

    def reason_texts(self) -> List[str]:
        """The plain-terms text of every reason, aligned with the reason columns."""
        return list(self._core_reasons.texts())

    def columns(self) -> Dict[str, np.ndarray]:
        """One entry per recommended course (padding left out), as numpy columns: ``row``,
        ``learner``, ``rank`` (from 1), ``course``, ``score``, ``model_score``, ``mandatory``,
        ``reasons`` (how many) and ``first_reason`` (offset of its first reason).
        ``pandas.DataFrame(result.columns())`` gives a table without building a dict per row."""
        n, k = self.ids.shape
        keep = self.ids.reshape(-1) >= 0
        slots = np.flatnonzero(keep)
        rows = slots // k
        offsets = self.reason_offsets
        return {
            "row": rows.astype(np.int32),
            "learner": self.learners[rows] if n else self.learners,
            "rank": (slots % k + 1).astype(np.int32),
            "course": self.ids.reshape(-1)[keep],
            "score": self.scores.reshape(-1)[keep],
            "model_score": self.model_scores.reshape(-1)[keep],
            "mandatory": self.mandatory.reshape(-1)[keep],
            "reasons": (offsets[slots + 1] - offsets[slots]).astype(np.int32),
            "first_reason": offsets[slots],
        }

    def records(self) -> List[Dict[str, Any]]:
        """One dict per recommended course (padding left out): ``pandas.DataFrame(result.records())``."""
        out = []
        k = self.k
        for i, learner in enumerate(self.learners.tolist()):
            for j in range(k):
                course = int(self.ids[i, j])
                if course < 0:
                    break
                reasons = self._reasons[i][j] if self._reasons is not None else self._core_reasons.slot(i * k + j)
                out.append({
                    "learner": learner,
                    "learner_id": self._learner_ids[learner] if self._learner_ids is not None else None,
                    "rank": j + 1,
                    "course": course,
                    "course_id": self._course_ids[course],
                    "title": self._titles[course],
                    "score": float(self.scores[i, j]),
                    "model_score": float(self.model_scores[i, j]),
                    "mandatory": bool(self.mandatory[i, j]),
                    "reasons": reasons,
                    "why": "; ".join(r["text"] for r in reasons),
                })
        return out


def _model_version_of(model: Any, core_model: Any) -> str:
    """A learnrec model's ``model_version``; for a bare C++ model, that of its bytes without ids."""
    if core_model is not model and hasattr(model, "model_version"):
        return str(model.model_version)
    return _core.model_version(core_model, None, None, {})


class Ranker:
    """Rules, diversity and explanations on top of a trained model (learnrec::ranking::Ranker).

    Parameters
    ----------
    model
        A fitted learnrec model (ImplicitALS, BayesianPersonalizedRanking, EASE, ...) or a
        ``learnrec._core.Model``.
    courses
        One record per model course (list of dicts, dict of columns or DataFrame) with keys
        ``id``, ``title``, ``topic``, ``format``, ``languages`` (list or "en;fr"; ``language``
        works too), ``regions``, ``skills`` ({"python": 2}, [("python", 2)] or ["python:2"]),
        ``validity_months``. Missing keys mean "unknown / no restriction".
    learners
        None, or one record per model learner: ``id``, ``role``, ``department``, ``country``,
        ``region``, ``languages``, ``formats``, ``target_skills`` (as ``skills``), ``mobility``
        (where else they would go for a gig: a region, countries or "anywhere"; read by allocation).
    prerequisites
        (course, requires_course) pairs, by index or id. A cycle raises LearnrecError.
    sessions
        Records ``course``, ``start``, ``end``, ``location`` ("" = online), ``capacity``
        and optionally ``session_id`` (else named ``<course id>@<start date>``).
    obligations
        Records ``course``, ``scope`` (learner/role/country/department/all), ``value``, ``due``.
    history
        What learners took: a learners x courses scipy matrix (positive = completed, negative =
        dropped; completion dates from ``history_timestamps`` aligned with its stored entries, else
        never expiring), or records ``learner``, ``course``, ``outcome`` (assigned, in_progress,
        completed, failed, dropped) and ``completed_at`` (the last completion, if any).
    """

    def __init__(self, model: Any, courses: Any, learners: Any = None, *, prerequisites: Iterable[Any] = (),
                 sessions: Any = None, obligations: Any = None, history: Any = None,
                 history_timestamps: Optional[np.ndarray] = None):
        core_model = getattr(model, "_model", model)
        if not isinstance(core_model, _core.Model):
            raise TypeError("model must be a fitted learnrec model (fit() it first) or a learnrec._core.Model")
        self.model = model
        course_rows = [{k: _plain(v) for k, v in row.items()} for row in _records(courses, "courses")]
        for i, row in enumerate(course_rows):
            row.setdefault("id", str(i))
            row["id"] = str(row["id"])
        self.course_ids = [row["id"] for row in course_rows]
        self._course_index = {cid: i for i, cid in enumerate(self.course_ids)}
        learner_rows = None
        self.learner_ids: Optional[List[str]] = None
        if learners is not None:
            learner_rows = [{k: _plain(v) for k, v in row.items()} for row in _records(learners, "learners")]
            for i, row in enumerate(learner_rows):
                row.setdefault("id", str(i))
                row["id"] = str(row["id"])
            self.learner_ids = [row["id"] for row in learner_rows]

        prereq_pairs = [(self._course(p[0]), self._course(p[1])) for p in prerequisites]
        session_rows = []
        for row in _records(sessions, "sessions"):
            session_rows.append({"course": self._course(row["course"]), "start": to_timestamp(row["start"]),
                                 "end": to_timestamp(row["end"]), "location": _plain(row.get("location") or ""),
                                 "capacity": int(row.get("capacity", 1)),
                                 "session_id": _plain(row.get("session_id") or "")})
        obligation_rows = []
        for row in _records(obligations, "obligations"):
            obligation_rows.append({"course": self._course(row["course"]), "scope": str(row.get("scope", "all")),
                                    "value": str(row.get("value") or ""), "due": to_timestamp(row["due"])})

        h_rows, h_cols, h_outcomes, h_times = self._history(history, history_timestamps)
        self._ranker = _core.Ranker(core_model, course_rows, learner_rows, prereq_pairs, session_rows,
                                    obligation_rows, h_rows, h_cols, h_outcomes, h_times)
        #: The model's version, carried by every result (a learnrec model's ``model_version``; for a
        #: bare C++ model, that of its bytes without ids or metadata).
        self.model_version: str = _model_version_of(model, core_model)
        self.course_titles = list(self._ranker.course_titles)

    @classmethod
    def from_files(cls, model: Any, catalogue_dir: Union[str, "os.PathLike[str]"], course_ids: Sequence[str],
                   learner_ids: Sequence[str], *, history: Any = None, history_timestamps: Optional[np.ndarray] = None,
                   allow_unknown_courses: bool = False, allow_unknown_learners: bool = False) -> "Ranker":
        """A ranker from a catalogue directory (courses.csv, course_skills.csv, prerequisites.csv,
        sessions.csv, obligations.csv, learners.csv, learner_skills.csv; see the README)."""
        data = read_catalogue(catalogue_dir, course_ids, learner_ids, allow_unknown_courses=allow_unknown_courses,
                              allow_unknown_learners=allow_unknown_learners)
        return cls(model, data["courses"], data["learners"], prerequisites=data["prerequisites"],
                   sessions=data["sessions"], obligations=data["obligations"], history=history,
                   history_timestamps=history_timestamps)

    @classmethod
    def from_academy(cls, model: Any, seed: int = 42, learners: int = 5000, courses: int = 600,
                     mean_enrolments: float = 12.0) -> "Ranker":
        """A ranker over the synthetic academy (same arguments as :func:`learnrec.generate_academy`):
        its catalogue, skills, goals, obligations, prerequisites, sessions and lifecycle states.
        ``model`` must have been trained on that academy's matrix."""
        core_model = getattr(model, "_model", model)
        if not isinstance(core_model, _core.Model):
            raise TypeError("model must be a fitted learnrec model (fit() it first) or a learnrec._core.Model")
        self = cls.__new__(cls)
        self.model = model
        self._ranker = _core.academy_ranker(core_model, seed, learners, courses, mean_enrolments)
        self.model_version = _model_version_of(model, core_model)
        self.course_ids = list(self._ranker.course_ids)
        self._course_index = {cid: i for i, cid in enumerate(self.course_ids)}
        self.learner_ids = list(self._ranker.learner_ids) or None
        self.course_titles = list(self._ranker.course_titles)
        return self

    def _course(self, ref: Any) -> int:
        ref = _plain(ref)
        if isinstance(ref, str):
            if ref not in self._course_index:
                raise LearnrecError(f"unknown course id '{ref}'")
            return self._course_index[ref]
        return int(ref)

    def _history(self, history: Any, timestamps: Optional[np.ndarray]):
        if history is None:
            return None, None, [], None
        if scipy.sparse.issparse(history):
            coo = scipy.sparse.csr_matrix(history).tocoo()
            rows = coo.row.astype(np.int32)
            cols = coo.col.astype(np.int32)
            positive = coo.data > 0
            outcomes = np.where(positive, "completed", "dropped").tolist()
            if timestamps is not None:
                csr = scipy.sparse.csr_matrix(history)
                ts = np.asarray(timestamps, dtype=np.int64)
                if ts.shape != (csr.nnz,):
                    raise ValueError(f"history_timestamps has shape {ts.shape}, expected ({csr.nnz},)")
                times = ts.copy()  # tocoo keeps the CSR order of stored entries
            else:
                times = np.full(rows.shape, _FOREVER, dtype=np.int64)
            times = np.where(positive, times, _NEVER).astype(np.int64)
            return rows, cols, outcomes, times
        recs = _records(history, "history")
        rows = np.array([int(r["learner"]) for r in recs], dtype=np.int32)
        cols = np.array([self._course(r["course"]) for r in recs], dtype=np.int32)
        outcomes = [str(r["outcome"]) for r in recs]
        # A completion without a date never expires (as for a matrix without timestamps).
        times = np.array([to_timestamp(r["completed_at"]) if r.get("completed_at") is not None
                          else (_FOREVER if str(r["outcome"]) in ("completed", "passed") else _NEVER)
                          for r in recs], dtype=np.int64)
        return rows, cols, outcomes, times

    def recommend(self, learners: Any, now: Any, rules: Any = None, **overrides: Any) -> Recommendations:
        """Ranked courses for learners (model indices) at time ``now``.

        ``rules`` is a :class:`RankingRules`, a dict in the JSON format, a JSON file path, or None
        (defaults); keyword arguments override single settings (``k=5, gap_boost=0.5``).
        """
        r = self._rules(rules, overrides)
        ids = np.ascontiguousarray(np.atleast_1d(np.asarray(learners)), dtype=np.int32)
        if ids.ndim != 1:
            raise ValueError("learners must be an index or a 1-D sequence of indices")
        raw = self._ranker.recommend(ids, to_timestamp(now), r)
        return Recommendations(ids, raw, self.course_ids, self.course_titles, self.learner_ids, self.model_version)

    def why_not(self, learner: Any, course: Any, now: Any, rules: Any = None, **overrides: Any) -> Dict[str, Any]:
        """Why ``course`` is or is not in ``learner``'s list at ``now`` (learnrec::ranking::Ranker::why_not).

        ``learner`` is a model index or a learner id, ``course`` a model index or a course id;
        ``rules`` and ``overrides`` as in :meth:`recommend`. Returns a dict: ``rank`` (1-based, or
        None when absent), ``removed_by`` (the first rule keeping it out, None when present),
        ``rules`` (every such rule: already_taken, in_progress, dropped, language, format, region,
        session, prerequisites, excluded, substituted, obligations_fill_list, diversity,
        below_kth_score), ``text``, ``score`` / ``model_score`` / ``score_rank`` (its final and
        model scores, its rank among admissible courses), ``kth_course_id`` / ``kth_score`` (the
        last course placed by score), ``obligation_due``, ``pinned``, ``missing_prerequisites``,
        ``substitute_course_id`` and ``history`` (outcome, completed_at, expires). The answer is
        the same ranking recommend() computes, so ``rank`` equals the course's position there.
        """
        r = self._rules(rules, overrides)
        ref = _plain(learner)
        if isinstance(ref, str):
            if self.learner_ids is None or ref not in self.learner_ids:
                raise LearnrecError(f"unknown learner id '{ref}'")
            index = self.learner_ids.index(ref)
        else:
            index = int(ref)
        out = _core.ranker_why_not(self._ranker, index, self._course(course), to_timestamp(now), r)
        out["learner"] = index
        out["learner_id"] = self.learner_ids[index] if self.learner_ids is not None else None
        out["model_version"] = self.model_version
        return out

    def recommend_new(self, user_items: Any = None, now: Any = None, rules: Any = None, *, queries: Any = None,
                      learners: Any = None, history: Any = None, history_timestamps: Optional[np.ndarray] = None,
                      **overrides: Any) -> Recommendations:
        """Ranked courses for learners the model was not trained on (new hires, or everyone when
        serving a saved model), by the same rules.

        Give either ``user_items`` (new learners x model courses, scipy sparse: the model folds them
        in, as ``recalculate_user=True`` does) or ``queries`` (one embedding per learner, e.g.
        ``HybridModel.user_embeddings_from_features``). ``learners`` are their records (as in the
        constructor; values the catalogue never mentions match nothing), ``history`` what they
        took (as in the constructor, rows = new learners; None = nothing, so pass
        ``history=user_items`` to keep taken courses out). Row i of the result is learner i; its
        ``learners`` attribute holds row numbers and ``learner_id`` in records is None.
        """
        if now is None:
            raise TypeError("recommend_new() needs `now` (a date, datetime or epoch seconds)")
        if (user_items is None) == (queries is None):
            raise ValueError("give user_items (folded in) or queries, not both and not neither")
        r = self._rules(rules, overrides)
        core = getattr(self.model, "_model", self.model)
        rows = None
        n = 0
        if user_items is not None:
            rows = as_core_csr(user_items, "user_items", cols=core.num_courses, cols_meaning="the model has courses:")
            n = int(rows.shape[0])
        else:
            q = np.asarray(queries)
            if q.dtype not in (np.float32, np.float64) or q.ndim != 2:
                raise ValueError(f"queries must be a 2-D float array, got {q.dtype} with shape {q.shape}")
            if not np.isfinite(q).all():
                raise ValueError("queries contain NaN or infinity")
            queries = np.ascontiguousarray(q, dtype=np.float32)
            n = queries.shape[0]
        facts = None
        if learners is not None:
            facts = [{k: _plain(v) for k, v in row.items()} for row in _records(learners, "learners")]
            for i, row in enumerate(facts):
                row.setdefault("id", f"new-{i}")
                row["id"] = str(row["id"])
        h_rows, h_cols, h_outcomes, h_times = self._history(history, history_timestamps)
        raw = self._ranker.recommend_new(rows, queries, facts, h_rows, h_cols, h_outcomes, h_times,
                                         to_timestamp(now), r)
        return Recommendations(np.arange(n, dtype=np.int32), raw, self.course_ids, self.course_titles, None,
                               self.model_version)

    def _rules(self, rules: Any, overrides: Dict[str, Any]) -> RankingRules:
        if rules is None:
            r = RankingRules()
        elif isinstance(rules, RankingRules):
            r = load_rules("{}")
            for name in _RULE_NAMES:
                setattr(r, name, getattr(rules, name))
        else:
            r = load_rules(rules)
        for name, value in overrides.items():
            if name not in _RULE_NAMES:
                raise TypeError(f"unknown ranking rule '{name}' (known: {', '.join(_RULE_NAMES)})")
            setattr(r, name, value)
        r.validate()
        return r


_RULE_NAMES = [name for name in dir(RankingRules) if not name.startswith("_") and name != "validate"]


def read_catalogue(catalogue_dir: Union[str, "os.PathLike[str]"], course_ids: Sequence[str],
                   learner_ids: Sequence[str], *, allow_unknown_courses: bool = False,
                   allow_unknown_learners: bool = False) -> Dict[str, Any]:
    """Reads a catalogue directory into the plain records :class:`Ranker` takes (keys ``courses``,
    ``learners``, ``prerequisites``, ``sessions``, ``obligations``). Errors name file and line."""
    return _core.read_catalogue_dir(os.fspath(catalogue_dir), [str(c) for c in course_ids],
                                    [str(x) for x in learner_ids], allow_unknown_courses, allow_unknown_learners)
