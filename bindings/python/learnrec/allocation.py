"""Few places, many learners: classroom seats, gigs and work packages allocated fairly and well.

:func:`allocate` takes a :class:`learnrec.ranking.Ranker`, builds every learner's candidate places
from the ranked lists (open sessions of ranked courses; gigs and work packages by two-sided fit from
an ``opportunities.csv``), and solves one optimal assignment in C++ (GIL released): no place
over-filled, at most ``max_per_learner`` places each, no date clash, and the lexicographic optimum of
(mandatory placements before the due date, skill-gap placements, total utility). ``fairness > 0``
adds a bonus for each learner's first place (a concave utility: more learners served once).

Example::

    ranker = learnrec.ranking.Ranker.from_academy(model, seed=42)
    result = learnrec.allocation.allocate(ranker, now="2026-01-01", max_per_learner=1)
    result.assignment()          # columns: learner, opportunity_id, kind, course, start, priority, utility, reasons
    pandas.DataFrame(result.assignment())
    result.waiting()             # ranked waiting list per place
    result.demand()              # places, filled, demand, unserved: where to open another session

:func:`solve` runs the same solver on candidates you computed yourself (columns in, a boolean
column out). Errors raise :class:`learnrec.LearnrecError` naming what is wrong.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

from . import _core
from ._validation import LearnrecError
from .ranking import Ranker, load_rules, to_timestamp

__all__ = ["Allocation", "PRIORITIES", "allocate", "read_opportunities", "solve"]

PRIORITIES = ("mandatory", "skill_gap", "preference")


class Allocation:
    """The result of :func:`allocate`: columns (dicts of numpy arrays / lists) ready for pandas."""

    def __init__(self, raw: Dict[str, Any]) -> None:
        self._raw = raw
        self.inexact_groups: int = int(raw["inexact_groups"])
        #: learners whose date clashes are not cliques: proven optimal by the upper bound, or solved
        #: exactly by CBC (``mip_learners`` of them, with the learners they compete with) in
        #: ``mip_seconds``; ``proven_optimal`` when all of it is.
        self.open_learners: int = int(raw["open_learners"])
        self.mip_learners: int = int(raw["mip_learners"])
        self.mip_seconds: float = float(raw["mip_seconds"])
        self.proven_optimal: bool = bool(raw["proven_optimal"])
        self.total_utility: float = float(raw["total_utility"])
        #: the solver's objective (tier bonuses + weights) and a proven upper bound on the optimum's;
        #: equal when ``proven_optimal``. Tier by tier: the mandatory count proven maximal, at most
        #: ``skill_gap_headroom`` more skill-gap placements, ``weight_gap`` (share of the lowest tier).
        self.objective: int = int(raw["objective"])
        self.objective_bound: int = int(raw["objective_bound"])
        self.mandatory_proven: bool = bool(raw["mandatory_proven"])
        self.skill_gap_headroom: int = int(raw["skill_gap_headroom"])
        self.weight_gap: float = float(raw["weight_gap"])
        self.bound_solves: int = int(raw["bound_solves"])
        self.market_seconds: float = float(raw["market_seconds"])
        self.solver_seconds: float = float(raw["solver_seconds"])

    def candidates(self) -> Dict[str, Any]:
        """Every candidate: learner (model index), opportunity (row of :meth:`opportunities`), utility,
        priority, reasons, chosen (bool)."""
        c = dict(self._raw["candidates"])
        c["chosen"] = np.asarray(c["chosen"], dtype=bool)
        return c

    def opportunities(self) -> Dict[str, Any]:
        """Every opportunity: opportunity_id, kind, course, start, end, location, places, filled, demand, unserved."""
        return dict(self._raw["opportunities"])

    def assignment(self) -> Dict[str, Any]:
        """The places given: learner, opportunity_id, kind, course, start, end, priority, utility, reasons."""
        c = self.candidates()
        o = self._raw["opportunities"]
        rows = np.flatnonzero(c["chosen"])
        opp = np.asarray(c["opportunity"])[rows]
        return {
            "learner": np.asarray(c["learner"])[rows],
            "opportunity_id": [o["opportunity_id"][k] for k in opp],
            "kind": [o["kind"][k] for k in opp],
            "course": np.asarray(o["course"])[opp],
            "start": np.asarray(o["start"])[opp].astype("datetime64[s]"),
            "end": np.asarray(o["end"])[opp].astype("datetime64[s]"),
            "priority": [c["priority"][k] for k in rows],
            "utility": np.asarray(c["utility"])[rows],
            "reasons": [c["reasons"][k] for k in rows],
        }

    def waiting(self) -> Dict[str, Any]:
        """Ranked waiting list per place: opportunity_id, position, learner, priority, utility, placed_elsewhere."""
        w = self._raw["waiting"]
        c = self._raw["candidates"]
        o = self._raw["opportunities"]
        cand = np.asarray(w["candidate"])
        return {
            "opportunity_id": [o["opportunity_id"][k] for k in w["opportunity"]],
            "position": np.asarray(w["position"]),
            "learner": np.asarray(c["learner"])[cand],
            "priority": [c["priority"][k] for k in cand],
            "utility": np.asarray(c["utility"])[cand],
            "placed_elsewhere": np.asarray(w["placed_elsewhere"], dtype=bool),
        }

    def demand(self) -> Dict[str, Any]:
        """Per opportunity: places, filled, demand (learners who wanted it), waiting, unserved."""
        o = self._raw["opportunities"]
        return {
            "opportunity_id": list(o["opportunity_id"]),
            "kind": list(o["kind"]),
            "places": np.asarray(o["places"]),
            "filled": np.asarray(o["filled"]),
            "demand": np.asarray(o["demand"]),
            "waiting": np.asarray(o["demand"]) - np.asarray(o["filled"]),
            "unserved": np.asarray(o["unserved"]),
        }


def allocate(ranker: Ranker, now: Any, learners: Optional[Sequence[int]] = None,
             opportunities: Union[None, str, "os.PathLike[str]"] = None, rules: Any = None, *,
             max_per_learner: int = 1, fairness: float = 0.0, utility_steps: int = 1000,
             candidates_per_learner: int = 10, horizon_days: int = 180, min_host_fit: float = 0.5,
             num_threads: int = 0) -> Allocation:
    """Candidates from ``ranker``'s lists at ``now``, then the optimal allocation.

    ``learners``: model indices (default: every learner of the ranker). ``opportunities``: path of an
    ``opportunities.csv`` with gigs and work packages (sessions come from the ranker's catalogue).
    ``rules``: ranking rules (path, JSON text, dict or RankingRules) used to rank the candidates.
    """
    if not isinstance(ranker, Ranker):
        raise TypeError(f"ranker must be a learnrec.ranking.Ranker, got {type(ranker).__name__}")
    core = ranker._ranker
    ids = None
    if learners is not None:
        arr = np.asarray(list(learners))
        if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
            raise LearnrecError("learners must be a 1-D sequence of model indices (integers)")
        ids = [int(x) for x in arr]
    r = rules if isinstance(rules, _core.RankingRules) else (load_rules(rules) if rules is not None else _core.RankingRules())
    raw = _core.allocate_market(core, ids, to_timestamp(now),
                                os.fspath(opportunities) if opportunities is not None else "", r,
                                max_per_learner=max_per_learner, fairness=fairness, utility_steps=utility_steps,
                                candidates_per_learner=candidates_per_learner, horizon_days=horizon_days,
                                min_host_fit=min_host_fit, num_threads=num_threads)
    return Allocation(raw)


def _column(table: Any, name: str, default: Any = None) -> Any:
    if name in table:
        return np.asarray(table[name])
    if default is None:
        raise LearnrecError(f"missing column '{name}'")
    return default


def solve(learners: int, opportunities: Any, candidates: Any, *, max_per_learner: int = 1, fairness: float = 0.0,
          utility_steps: int = 1000) -> np.ndarray:
    """The optimal allocation of your own candidates; returns a boolean column ``chosen`` (one per candidate).

    ``opportunities``: a DataFrame or dict of columns ``places`` and optional ``start``, ``end`` (dates;
    overlapping dates clash for one learner) and ``course`` (two sessions of one course clash; -1 = none).
    ``candidates``: columns ``learner``, ``opportunity`` (row of ``opportunities``), ``utility`` (>= 0) and
    optional ``priority`` (``"mandatory"``, ``"skill_gap"``, ``"preference"`` or 0/1/2).
    """
    places = _column(opportunities, "places").astype(np.int64)
    n = len(places)
    def dates(name: str) -> np.ndarray:
        if name not in opportunities:
            return np.zeros(n, dtype=np.int64)
        v = np.asarray(opportunities[name])
        if np.issubdtype(v.dtype, np.datetime64):
            return v.astype("datetime64[s]").astype(np.int64)
        return np.asarray([to_timestamp(x) for x in v], dtype=np.int64)
    start, end = dates("start"), dates("end")
    if "end" not in opportunities:
        end = start.copy()
    course = _column(opportunities, "course", np.full(n, -1)).astype(np.int32)
    learner = _column(candidates, "learner").astype(np.int32)
    opp = _column(candidates, "opportunity").astype(np.int32)
    utility = _column(candidates, "utility").astype(np.float64)
    if np.isnan(utility).any():
        raise LearnrecError("utility contains NaN: every candidate needs a finite utility >= 0")
    prio = candidates["priority"] if "priority" in candidates else np.full(len(learner), 2)
    prio = np.asarray([PRIORITIES.index(p) if isinstance(p, str) else int(p) for p in prio], dtype=np.int32) \
        if len(learner) else np.zeros(0, dtype=np.int32)
    raw = _core.allocate_candidates(int(learners), places, start, end, course, learner, opp, utility, prio,
                                    max_per_learner=max_per_learner, fairness=fairness, utility_steps=utility_steps)
    return np.asarray(raw["chosen"], dtype=bool)


def read_opportunities(path: Union[str, "os.PathLike[str]"]) -> Dict[str, Any]:
    """``opportunities.csv`` (gigs, work packages) as columns; errors name file and line."""
    return _core.read_opportunities_csv(os.fspath(path))
