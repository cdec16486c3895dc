"""xAPI statements (from a learning record store) as typed lifecycle events.

``read_xapi`` reads JSON Lines, a JSON array or an LRS response ``{"statements": [...]}`` and
returns an :class:`XapiLog`: its ``events`` (a :class:`learnrec.Events`, ready for
:func:`learnrec.events_to_interactions` and :func:`learnrec.course_states`), what each statement's
result said (columns aligned with the events) and what was counted rather than turned into events
(unknown verbs, verbs without lifecycle meaning, voided, duplicate, unmapped and malformed
statements). The mapping of verbs and the rules are those of ``learnrec/data/xapi.hpp`` (README:
"xAPI in").
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Dict, Mapping, Optional, Union

import numpy as np

from . import _core
from .data import Events

__all__ = ["XapiLog", "read_xapi"]

_RULES = ("last_segment", "regex", "table_only")


@dataclasses.dataclass(frozen=True)
class XapiLog:
    """Events read from xAPI statements, plus what the statements' results said.

    ``score_scaled`` (float32, NaN = absent), ``success`` and ``completion`` (int8: 1, 0, or -1 when
    absent), ``duration_seconds`` (float64, NaN = absent) and ``statement_ids`` are aligned with
    ``events``. ``stats`` counts statements, events, voiding/voided/unmatched voids, duplicate ids,
    unmapped objects, malformed (skipped) statements, ``unknown_verbs`` and ``ignored_verbs``
    (IRI -> count), the first ``malformed_examples`` ("file:line: reason") and a ``summary`` text.
    """

    events: Events
    score_scaled: np.ndarray
    success: np.ndarray
    completion: np.ndarray
    duration_seconds: np.ndarray
    statement_ids: np.ndarray
    stats: Dict[str, Any]

    def __len__(self) -> int:
        return len(self.events)


def read_xapi(
    path: Union[str, "os.PathLike[str]"],
    *,
    course_map: Union[None, Mapping[str, str], str, "os.PathLike[str]"] = None,
    course_rule: str = "last_segment",
    course_pattern: Optional[str] = None,
    prefer_mbox: bool = False,
    skip_malformed: bool = False,
    verbs: Optional[Mapping[str, Optional[str]]] = None,
    max_statement_bytes: int = 1 << 16,
    max_depth: int = 32,
) -> XapiLog:
    """Reads xAPI statements into typed lifecycle events.

    ``course_map``: object IRI -> course id, as a dict or a CSV ``object_iri,course_id``; objects
    not in it (nor their cmi5 parent/grouping activities) go through ``course_rule``:
    ``"last_segment"`` (the IRI's last path segment), ``"regex"`` (group 1 of ``course_pattern``)
    or ``"table_only"``. The learner is the actor's account name, else its mailbox without
    ``mailto:`` (``prefer_mbox=True`` reverses that). ``verbs`` adds or overrides verb IRIs: a
    kind name from :data:`learnrec.LIFECYCLE_KINDS`, or None for "known, no lifecycle meaning".
    A malformed statement raises LearnrecError naming ``file:line`` unless ``skip_malformed``,
    which skips it and reports it in ``stats``. Statements above ``max_statement_bytes`` or nested
    deeper than ``max_depth`` are malformed (checked before parsing).
    """
    if course_rule not in _RULES:
        raise ValueError(f"course_rule must be one of {', '.join(_RULES)}, got {course_rule!r}")
    if course_pattern is not None and course_rule == "last_segment":
        course_rule = "regex"
    table: Dict[str, str] = {}
    csv_path = ""
    if isinstance(course_map, Mapping):
        table = {str(k): str(v) for k, v in course_map.items()}
    elif course_map is not None:
        csv_path = os.fspath(course_map)
    raw = _core.read_xapi(
        os.fspath(path),
        table,
        csv_path,
        course_rule,
        course_pattern or "",
        bool(prefer_mbox),
        bool(skip_malformed),
        dict(verbs or {}),
        int(max_statement_bytes),
        int(max_depth),
    )
    events = Events._from_core(raw, raw["learner_ids"], raw["course_ids"])
    ids = np.empty(len(raw["statement_ids"]), dtype=object)
    ids[:] = raw["statement_ids"]
    return XapiLog(events, raw["score_scaled"], raw["success"], raw["completion"], raw["duration_seconds"], ids,
                   raw["stats"])
