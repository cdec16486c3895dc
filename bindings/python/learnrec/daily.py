"""Daily updates of an ImplicitALS model without a full retrain (learnrec::AlsDailyUpdater)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np

from . import _core
from ._validation import as_core_csr, as_ids
from .als import ImplicitALS


class DailyUpdater:
    """Keeps an :class:`ImplicitALS` current from the learners whose rows changed.

    ``DailyUpdater(model, user_items)`` starts from a fitted model and the matrix it was fitted on
    (copied). Each :meth:`update` takes the changed learners' whole current rows: those learners
    are re-solved against the courses (their fold-in), then every course whose column changed (a
    pair added, removed or re-weighted) against the updated learners, from per-course normal
    equations the updater keeps, so the cost follows the changed rows, not the data set (see
    ``model/daily_update.hpp``). Ids past the model's learners or columns past its courses add
    them. After each update ``model`` holds the new immutable C++ model (its history records the
    update). Learners and courses not touched keep their factors, as with ``partial_fit_users`` /
    ``partial_fit_items``.

    Bounded staleness (all zero, the default, is exact): with ``learner_drift`` > 0 a re-solved
    learner whose factors moved by less than that relative distance from the ones their courses'
    equations hold leaves those there, and only the pairs they changed update the equations; with
    ``course_change`` > 0 a changed course is re-solved once its changed pairs since its last solve
    reach that fraction of its column, or after ``course_max_updates`` updates (new courses and
    ``refresh_items`` at once); :meth:`flush` solves every course that waits. ``learner_drift=0.5,
    course_change=0.05`` cut the daily update's CPU about 2.5 times at 100,000 learners with the
    same recall (benchmarks/README.md, issue #21).
    """

    def __init__(self, model: ImplicitALS, user_items: Any, *, learner_drift: float = 0.0,
                 course_change: float = 0.0, course_max_updates: int = 7) -> None:
        if not isinstance(model, ImplicitALS):
            raise TypeError(f"DailyUpdater updates an ImplicitALS, got {type(model).__name__}")
        core = model.model
        rows = as_core_csr(user_items, "user_items", rows=core.num_learners, rows_meaning="the model has learners:",
                           cols=core.num_courses, cols_meaning="the model has courses:")
        self.model = model
        self._updater = _core.AlsDailyUpdater(core, rows, int(model.num_threads))
        self._updater.set_staleness(float(learner_drift), float(course_change), int(course_max_updates))
        self._pending: List[str] = []

    @property
    def staleness(self) -> Dict[str, float]:
        """The staleness bounds: ``learner_drift``, ``course_change``, ``course_max_updates``."""
        return dict(self._updater.staleness)

    def update(self, userids: Any, user_items: Any, refresh_items: Optional[Any] = None,
               publish: bool = True) -> Dict[str, int]:
        """Re-solves learners ``userids`` from their rows ``user_items`` (one per id, over courses) and
        the courses whose data changed (plus ``refresh_items``); returns counts of what was solved.

        With ``publish=False`` the updater's state moves on but ``model`` keeps the last published
        model: several batches can then be applied and published once with :meth:`publish`, which
        copies both factor tables (O((learners + courses) x factors^2) with the model's caches)."""
        _, ids = as_ids(userids, "userids")
        rows = as_core_csr(user_items, "user_items", rows=ids.size, rows_meaning="userids were")
        refresh = np.ascontiguousarray(
            np.zeros(0, dtype=np.int32) if refresh_items is None else as_ids(refresh_items, "refresh_items")[1],
            dtype=np.int32)
        stats = self._updater.update(ids, rows, refresh)
        self._pending.append(
            f"daily update: {stats['learners_solved']} learner(s), {stats['courses_solved']} course(s) re-solved")
        if publish:
            self.publish()
        return dict(stats)

    def flush(self, publish: bool = True) -> Dict[str, int]:
        """Solves every course whose changes wait under ``course_change`` (afterwards each course is its
        half-step on all the data given); returns counts of what was solved."""
        stats = self._updater.flush()
        if stats["courses_solved"]:
            self._pending.append(f"daily update flushed: {stats['courses_solved']} waiting course(s) re-solved")
        if publish:
            self.publish()
        return dict(stats)

    def publish(self) -> None:
        """Sets ``model`` to the updater's current state (a new immutable C++ model; the old one stays
        valid for whoever holds it) and records the updates since the last publish in its history.
        The learner table of a model published before and no longer held anywhere is reused: only the
        rows changed since are copied."""
        self.model._model = self._updater.publish()
        for line in self._pending:
            self.model._record_update(line)
        self._pending = []
