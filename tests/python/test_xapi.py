"""learnrec.read_xapi: xAPI statements into typed lifecycle events (the sample in tests/data/xapi)."""

from __future__ import annotations

import math
import pathlib

import numpy as np
import pytest

import learnrec

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "xapi"
ADL = "http://adlnet.gov/expapi/verbs/"


def read(**kwargs):
    return learnrec.read_xapi(DATA / "statements.jsonl", course_map=DATA / "course_map.csv", **kwargs)


def kinds_of(log, learner, course):
    ev = log.events
    lids = list(ev.learner_ids)
    cids = list(ev.course_ids)
    mask = (ev.learners == lids.index(learner)) & (ev.courses == cids.index(course))
    return list(ev.kind_names[mask])


def test_every_verb_of_the_sample_maps_to_its_lifecycle_kind():
    log = read()
    assert len(log) == 18
    assert kinds_of(log, "L001", "C001") == ["enrolled", "started", "completed"]
    assert kinds_of(log, "L001", "C003") == ["passed"]
    assert kinds_of(log, "bruno.keller@example.com", "C042") == ["started"]  # cmi5 AU, course in grouping
    assert kinds_of(log, "bruno.keller@example.com", "C004") == ["completed"]  # progressed + completion
    assert kinds_of(log, "bruno.keller@example.com", "C005") == ["failed"]  # completed + success false
    assert kinds_of(log, "L003", "C007-CLASS") == ["completed", "rated"]  # attended, rated
    assert kinds_of(log, "L003", "C011") == ["dropped"]  # abandoned


def test_results_are_columns_aligned_with_the_events():
    log = read()
    i = int(np.flatnonzero(log.events.kind_names == "passed")[0])
    assert log.score_scaled[i] == pytest.approx(0.92)
    assert log.success[i] == 1 and log.completion[i] == -1
    assert log.duration_seconds[i] == pytest.approx(2730.5)
    assert log.statement_ids[i] == "00000000-0000-4000-8000-000000000005"
    assert math.isnan(log.score_scaled[0]) and log.success[0] == -1


def test_voiding_unknown_verbs_and_duplicates_are_reported():
    stats = read().stats
    assert (stats["voiding"], stats["voided"], stats["unmatched_voids"]) == (3, 2, 1)
    assert stats["unknown_verbs"] == {"https://example.com/verbs/bookmarked": 2}
    assert stats["ignored_verbs"] == {ADL + "experienced": 1, ADL + "terminated": 1}
    assert stats["duplicate_ids"] == 1
    assert "bookmarked x2" in stats["summary"]


def test_the_account_wins_over_the_mailbox_unless_asked():
    assert "L003" in read().events.learner_ids
    assert "carla.rossi@example.com" in read(prefer_mbox=True).events.learner_ids


def test_a_malformed_statement_names_file_and_line():
    with pytest.raises(learnrec.LearnrecError, match=r"malformed\.jsonl:2: not JSON"):
        learnrec.read_xapi(DATA / "malformed.jsonl")


def test_skip_malformed_reports_each_skipped_statement():
    log = learnrec.read_xapi(DATA / "malformed.jsonl", skip_malformed=True)
    assert len(log) == 2
    assert log.stats["malformed"] == 6
    assert ":7: a Group actor" in log.stats["malformed_examples"][5]


def test_course_rules_and_caller_verbs():
    log = learnrec.read_xapi(DATA / "statements.jsonl", course_rule="table_only",
                             course_map={"https://lms.example.com/course/C001": "DP-101"})
    assert list(log.events.course_ids) == ["DP-101"]
    assert log.stats["unmapped_objects"] > 0
    log = learnrec.read_xapi(DATA / "statements.jsonl", course_pattern=r"/course/(C00[12])$",
                             verbs={ADL + "launched": None})
    assert set(log.events.course_ids) == {"C001", "C002"}
    assert log.stats["ignored_verbs"][ADL + "launched"] == 1
    with pytest.raises(learnrec.LearnrecError, match="unknown event kind"):
        learnrec.read_xapi(DATA / "statements.jsonl", verbs={ADL + "launched": "began"})


def test_xapi_events_feed_the_weighting_policy_and_states():
    log = read()
    user_items, learner_ids, course_ids = learnrec.events_to_interactions(log.events)
    assert user_items.shape == (3, len(course_ids))
    assert user_items.nnz > 0
    states = learnrec.course_states(log.events)
    lrn = list(log.events.learner_ids).index("L001")
    assert states.status(lrn, list(log.events.course_ids).index("C003"))["state"] == "passed"
    assert states.status(lrn, list(log.events.course_ids).index("C001"))["state"] == "completed"
