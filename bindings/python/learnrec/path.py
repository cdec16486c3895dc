"""Learning paths: from the yearly skills review to a dated plan per learner, and team plans.

:func:`plan` gives one learner's plan for a horizon (12 months by default) and a time budget per
month or per quarter: ordered, dated steps (course, session, gig or work package; month, hours,
reasons) that close the gaps between current and target skill levels, with obligations before
their due dates and prerequisites first. With ``now`` the year is re-planned: the steps done before
it (completed, failed, dropped) are kept as they happened and the rest is planned again.
Gaps it cannot close are listed in ``unmet`` with why ("no course", "no session", "budget").
:func:`plan_team` aggregates a department's, a country's or the company's plans: seats per course
per quarter and country, and skill coverage against the strategic workforce plan.

Example::

    data = learnrec.path.academy_planning()            # or read_planning("academy_dir")
    p = learnrec.path.plan(data, "L000004", start="2026-01", hours_per_month=16)
    p.steps            # pandas DataFrame: step, course_id, title, format, month, months, hours, ...
    p.unmet            # pandas DataFrame: skill, course_id, current, target, why, detail
    learnrec.path.plot_timeline(p)
    team = learnrec.path.plan_team(data, department="Sales")
    team.seats.pivot_table(index="course_id", columns="quarter", values="seats", aggfunc="sum")
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core

PlanningData = _core.PlanningData

__all__ = ["PlanningData", "LearningPlan", "TeamPlan", "read_planning", "academy_planning", "plan", "plan_team",
           "plot_timeline", "plot_seats"]


def _month(start: str) -> Tuple[int, int]:
    if not isinstance(start, str) or len(start) != 7 or start[4] != "-" or not (start[:4] + start[5:]).isdigit():
        raise ValueError(f"start must be 'YYYY-MM', got {start!r}")
    year, month = int(start[:4]), int(start[5:])
    if not 1 <= month <= 12:
        raise ValueError(f"start month must be 01..12, got {start!r}")
    return year, month


def _frame(columns: dict) -> Any:
    import pandas as pd

    return pd.DataFrame({k: list(v) if isinstance(v, list) else v for k, v in columns.items()})


@dataclasses.dataclass
class LearningPlan:
    """One learner's plan. ``steps`` and ``unmet`` are pandas DataFrames."""

    learner: str
    steps: Any
    unmet: Any
    total_hours: float
    preference: float
    lower_bound_hours: float
    optimal: bool

    def to_dict(self) -> dict:
        """The CLI's JSON shape: learner, steps (course_id, month, hours, reasons, ...), unmet (skill, why, ...)."""
        return {
            "learner": self.learner,
            "steps": self.steps.to_dict("records"),
            "unmet": self.unmet.to_dict("records"),
            "total_hours": self.total_hours,
            "optimal": self.optimal,
        }


@dataclasses.dataclass
class TeamPlan:
    """Aggregated plans: ``seats`` (quarter, country, course_id, format, seats) and ``coverage``
    (department, skill, year, level, people_now, people_planned, people_needed) DataFrames."""

    learners: int
    hours: float
    steps: int
    unmet: int
    optimal: int
    seats: Any
    coverage: Any
    opportunity_steps: int = 0


def read_planning(directory: Union[str, "os.PathLike[str]"]) -> PlanningData:
    """Reads a catalogue directory as ``learnrec academy --out DIR`` writes it (courses with
    duration_hours, learners, learner_skills with current levels, prerequisites, sessions,
    obligations, role_profiles, workforce_plan, events). Errors name file and line."""
    return _core.read_planning_dir(os.fspath(directory))


def academy_planning(seed: int = 42, learners: int = 5000, courses: int = 600, mean_enrolments: float = 12.0) -> PlanningData:
    """The synthetic academy's planning data, generated in memory (same as reading its export)."""
    return _core.academy_planning_data(int(seed), int(learners), int(courses), float(mean_enrolments))


def _settings(start: str = "2026-01", months: int = 12, hours_per_month: Optional[float] = None,
              hours_per_quarter: float = 0.0, now: Optional[str] = None, failed: str = "retake",
              gig_hours_per_week: float = 4.0, work_package_hours_per_week: float = 4.0,
              options_per_gap: int = 12) -> dict:
    """The planner's options (the keywords :func:`plan` and :func:`plan_team` share, with their
    defaults) as the core functions take them (a quarterly budget alone: no monthly one)."""
    year, month = _month(start)
    if failed not in ("retake", "replace"):
        raise ValueError(f"failed must be 'retake' or 'replace', got {failed!r}")
    if hours_per_month is None:
        hours_per_month = 0.0 if hours_per_quarter > 0 else 24.0
    first_month = 0
    if now is not None:
        now_year, now_month = _month(now)
        first_month = (now_year - year) * 12 + now_month - month
    return dict(start_year=year, start_month=month, months=int(months), hours_per_month=float(hours_per_month),
                hours_per_quarter=float(hours_per_quarter), first_month=int(first_month),
                retake_failed=failed == "retake", gig_hours_per_week=float(gig_hours_per_week),
                work_package_hours_per_week=float(work_package_hours_per_week), options_per_gap=int(options_per_gap))


def plan(
    data: PlanningData,
    learner: str,
    *,
    targets: str = "review",
    skills: Optional[Sequence[Tuple[str, int]]] = None,
    preference: Optional[np.ndarray] = None,
    exact_limit: int = 40,
    **settings: Any,
) -> LearningPlan:
    """Plans one learner (by id) from ``start`` (YYYY-MM) over ``months`` months.

    ``targets``: "review" (learner_skills.csv / the skills review) or "role" (the role's profile);
    ``skills``: [(skill, level), ...] for this request instead. ``preference``: one score per course
    (``data.course_ids`` order), e.g. a model's scores, breaking ties between plans of equal hours.
    Events before ``start`` are kept: completed courses are not planned again, failed ones are
    retaken (``failed="retake"``) or replaced by another course (``"replace"``). ``now`` (YYYY-MM)
    re-plans: the months before it are past, shown with what happened in them (``status``).
    Budget: ``hours_per_month`` (24 unless only ``hours_per_quarter`` is given) and/or
    ``hours_per_quarter``. Gigs and work packages of the data cost ``*_hours_per_week`` (0 = none).
    The GIL is released while planning. ``settings``: the keywords of :func:`_settings` (``start``,
    ``months``, ``hours_per_month``, ``hours_per_quarter``, ``now``, ``failed``,
    ``gig_hours_per_week``, ``work_package_hours_per_week``, ``options_per_gap``).
    """
    options = _settings(**settings)
    given = [(str(s), int(level)) for s, level in (skills or [])]
    source = "given" if given else targets
    if source not in ("review", "role", "given"):
        raise ValueError(f"targets must be 'review' or 'role', got {targets!r}")
    pref = None
    if preference is not None:
        pref = np.asarray(preference, dtype=np.float32)
        if pref.ndim != 1 or not np.all(np.isfinite(pref)):
            raise ValueError("preference must be a 1-D array of finite scores, one per course")
    out = _core.plan_learner(data, str(learner), targets=source, skills=given, exact_limit=int(exact_limit),
                             preference=pref, **options)
    return LearningPlan(out["learner"], _frame(out["steps"]), _frame(out["unmet"]), out["total_hours"],
                        out["preference"], out["lower_bound_hours"], out["optimal"])


def plan_team(
    data: PlanningData,
    *,
    department: str = "",
    country: str = "",
    targets: str = "review",
    exact_limit: int = 40,
    num_threads: int = 0,
    **settings: Any,
) -> TeamPlan:
    """Plans every learner of a department and/or country ("" = any; both empty = the company) on
    ``num_threads`` threads (0 = all) and aggregates seats per quarter and coverage at the horizon;
    ``settings`` as in :func:`plan`."""
    if targets not in ("review", "role"):
        raise ValueError(f"targets must be 'review' or 'role', got {targets!r}")
    options = _settings(**settings)
    out = _core.plan_team(data, str(department), str(country), targets=targets, exact_limit=int(exact_limit),
                          num_threads=int(num_threads), **options)
    return TeamPlan(out["learners"], out["hours"], out["steps"], out["unmet"], out["optimal"], _frame(out["seats"]),
                    _frame(out["coverage"]), out["opportunity_steps"])


def plot_timeline(p: LearningPlan, ax: Any = None) -> Any:
    """A Gantt-like timeline of the plan's steps (one bar per step over its months). Returns the axes."""
    import matplotlib.pyplot as plt
    import pandas as pd

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.5 + 0.45 * max(1, len(p.steps))))
    if len(p.steps):
        months = pd.PeriodIndex(p.steps["month"], freq="M")
        first = months.min()
        offsets = [(m - first).n for m in months]
        labels = [f"{r.course_id or r.opportunity_id} {r.title[:40]} ({r.hours:g} h)" for r in p.steps.itertuples()]
        ax.barh(range(len(offsets)), p.steps["months"], left=offsets, color="tab:blue")
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ticks = range(0, max(o + m for o, m in zip(offsets, p.steps["months"])) + 1)
        ax.set_xticks(list(ticks), [str(first + t) for t in ticks], rotation=45)
    ax.set_title(f"Learning plan of {p.learner}: {p.total_hours:g} h, {len(p.unmet)} gaps unmet")
    return ax


def plot_seats(team: TeamPlan, top: int = 15, ax: Any = None) -> Any:
    """Seats per quarter for the ``top`` courses with most seats (stacked bars). Returns the axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    table = team.seats.pivot_table(index="quarter", columns="course_id", values="seats", aggfunc="sum", fill_value=0)
    keep = table.sum().sort_values(ascending=False).index[:top]
    table[keep].plot.bar(stacked=True, ax=ax, legend=len(keep) <= 15)
    ax.set_ylabel("seats")
    ax.set_title(f"Seats per quarter ({team.learners} learners, top {len(keep)} courses)")
    return ax
