"""Data helpers (CSV reader, academy generator) and evaluation helpers (split, metrics)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

import learnrec


def test_generate_academy_returns_a_matrix_and_two_aligned_tables():
    user_items, learners, courses = learnrec.generate_academy(seed=3, learners=300, courses=50)
    assert isinstance(user_items, scipy.sparse.csr_matrix)
    assert user_items.shape == (300, 50) and user_items.dtype == np.float32
    assert set(learners) == {"id", "role", "department", "country", "language", "region", "seniority", "target_skills"}
    assert set(courses) == {
        "id", "title", "topic", "format", "language", "level", "duration_hours",
        "provider", "skills", "validity_months", "has_exam",
    }
    assert all(len(col) == 300 for col in learners.values())
    assert all(len(col) == 50 for col in courses.values())
    assert learners["id"][0] == "L000001" and courses["id"][0] == "C0001"
    assert set(np.unique(user_items.data)) <= {1.0, 3.0}


def test_generate_academy_is_deterministic():
    a, la, ca = learnrec.generate_academy(seed=9, learners=200, courses=40)
    b, lb, cb = learnrec.generate_academy(seed=9, learners=200, courses=40)
    assert (a != b).nnz == 0
    np.testing.assert_array_equal(ca["title"], cb["title"])
    c, _, _ = learnrec.generate_academy(seed=10, learners=200, courses=40)
    assert (a != c).nnz > 0


def test_academy_tables_load_into_pandas():
    pd = pytest.importorskip("pandas")
    _, learners, courses = learnrec.generate_academy(learners=100, courses=30)
    assert pd.DataFrame(courses).shape == (30, 11)
    assert pd.DataFrame(learners).shape == (100, 8)


def test_generate_academy_rejects_an_invalid_size():
    with pytest.raises(learnrec.LearnrecError):
        learnrec.generate_academy(learners=0)


def test_read_interactions_returns_matrix_and_id_arrays(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("learner_id,course_id,weight\nalice,py101,1\nbob,py101,3\nalice,sql,2\nalice,py101,1\n")
    user_items, learner_ids, course_ids = learnrec.read_interactions(path)
    assert list(learner_ids) == ["alice", "bob"] and list(course_ids) == ["py101", "sql"]
    assert user_items.dtype == np.float32
    np.testing.assert_array_equal(user_items.toarray(), [[2.0, 2.0], [3.0, 0.0]])  # duplicates summed


def test_read_interactions_skips_ignored_columns(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("learner_id,source,course_id\nl1,web,c1\nl2,app,c1\n")
    with pytest.raises(learnrec.LearnrecError, match="source"):
        learnrec.read_interactions(path)
    user_items, _, _ = learnrec.read_interactions(str(path), ignored_columns=["source"])
    assert user_items.shape == (2, 1)


def test_read_interactions_errors_name_the_file_and_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("learner_id,course_id,weight\nl1,c1,1\nl1,c2,lots\n")
    with pytest.raises(learnrec.LearnrecError, match=r"bad\.csv:3"):
        learnrec.read_interactions(path)


def test_read_interactions_of_a_missing_file_raises(tmp_path):
    with pytest.raises(learnrec.LearnrecError, match="missing.csv"):
        learnrec.read_interactions(tmp_path / "missing.csv")


def test_holdout_split_partitions_the_interactions(academy):
    user_items = academy[0]
    train, test = learnrec.holdout_split(user_items, test_fraction=0.2, random_state=1)
    assert train.shape == test.shape == user_items.shape
    assert abs((train + test) - user_items).sum() == 0
    assert train.multiply(test).nnz == 0
    assert 0.15 < test.nnz / user_items.nnz < 0.25


def test_holdout_split_is_deterministic(academy):
    a_train, a_test = learnrec.holdout_split(academy[0], random_state=4)
    b_train, b_test = learnrec.holdout_split(academy[0], random_state=4)
    assert (a_test != b_test).nnz == 0 and (a_train != b_train).nnz == 0


def test_ranking_metrics_at_k_reports_every_metric(academy):
    train, test = learnrec.holdout_split(academy[0], random_state=0)
    model = learnrec.ImplicitALS(factors=16, regularization=5.0, alpha=10.0, random_state=0)
    metrics = learnrec.ranking_metrics_at_k(model.fit(train, show_progress=False), train, test, K=10)
    assert set(metrics) == {"recall", "precision", "ndcg", "map", "hit_rate", "mrr", "auc", "coverage"}
    assert all(0.0 < v <= 1.0 for v in metrics.values())


def test_ranking_metrics_at_k_accepts_any_learnrec_model(academy):
    train, test = learnrec.holdout_split(academy[0], random_state=0)
    metrics = learnrec.ranking_metrics_at_k(learnrec.PopularityModel().fit(train), train, test, K=5)
    assert metrics["recall"] > 0


def test_metrics_include_map_hit_rate_mrr_auc_and_coverage():
    user_items, _, _ = learnrec.generate_academy(seed=3, learners=400, courses=60)
    train, test = learnrec.holdout_split(user_items, test_fraction=0.2, random_state=1)
    model = learnrec.ImplicitALS(factors=8, iterations=3, random_state=0, num_threads=1).fit(train, show_progress=False)
    metrics = learnrec.ranking_metrics_at_k(model, train, test, K=10)
    for key in ("recall", "precision", "ndcg", "map", "hit_rate", "mrr", "auc", "coverage"):
        assert 0.0 <= metrics[key] <= 1.0, key
    assert metrics["hit_rate"] >= metrics["mrr"] > 0.0


def test_cold_start_split_holds_out_whole_learners():
    user_items, _, _ = learnrec.generate_academy(seed=3, learners=400, courses=60)
    train, test, held = learnrec.cold_start_split(user_items, fraction=0.25, random_state=5)
    assert len(held) > 0
    assert train[held].nnz == 0
    assert test[held].nnz == user_items[held].nnz
    np.testing.assert_array_equal(held, np.flatnonzero(np.diff(test.indptr)))  # distinct, ascending
    again = learnrec.cold_start_split(user_items, fraction=0.25, random_state=5)[2]
    assert list(again) == list(held)


def test_leave_last_k_out_moves_the_most_recent_interactions():
    import scipy.sparse as sp

    m = sp.csr_matrix(np.array([[1, 1, 1, 0]], dtype=np.float32))
    train, test = learnrec.leave_last_k_out(m, np.array([30, 10, 20], dtype=np.int64), k=1)
    assert list(test.indices) == [0]
    assert sorted(train.indices) == [1, 2]


# ---- academy schema 2 ----------------------------------------------------------------------------


def test_schema_1_tables_keep_their_columns_and_values():
    m1, l1, c1 = learnrec.generate_academy(seed=4, learners=200, courses=40, schema_version=1)
    m2, l2, c2 = learnrec.generate_academy(seed=4, learners=200, courses=40)
    assert set(l1) == {"id", "role", "department", "country", "language"}
    assert set(c1) == {"id", "title", "topic", "format", "language", "level", "duration_hours"}
    assert (m1 != m2).nnz == 0
    for name in l1:
        np.testing.assert_array_equal(l1[name], l2[name])
    for name in c1:
        np.testing.assert_array_equal(c1[name], c2[name])


def test_schema_2_columns_hold_skill_lists_and_typed_values():
    _, learners, courses = learnrec.generate_academy(seed=4, learners=200, courses=40)
    assert set(learners["region"]) <= {"EMEA", "Americas", "APAC"}
    assert set(learners["seniority"]) <= {"junior", "mid", "senior"}
    for skills in list(learners["target_skills"]) + list(courses["skills"]):
        assert isinstance(skills, list)
        for item in skills:
            skill, level = item.rsplit(":", 1)
            assert skill and 1 <= int(level) <= 3
    assert all(1 <= len(s) <= 3 for s in courses["skills"])
    assert courses["validity_months"].dtype == np.int32
    assert courses["has_exam"].dtype == np.bool_
    assert "internal" in set(courses["provider"])


def test_an_unknown_schema_version_is_rejected():
    with pytest.raises(learnrec.LearnrecError, match="schema_version 3"):
        learnrec.generate_academy(learners=10, courses=10, schema_version=3)


def test_academy_tables_hold_obligations_prerequisites_sessions_and_events():
    t = learnrec.academy_tables(seed=6, learners=400, courses=80)
    n_courses = len(t["courses"]["id"])
    assert set(t["obligations"]["scope"]) <= {"all", "role", "department", "country", "learner"}
    assert set(t["obligations"]["course_id"]) <= set(t["courses"]["id"])
    level = t["courses"]["level"]
    pre = t["prerequisites"]
    assert len(pre["course"]) > 0
    np.testing.assert_array_equal(level[pre["course"]], level[pre["requires_course"]] + 1)  # acyclic
    assert np.all((t["sessions"]["course"] >= 0) & (t["sessions"]["course"] < n_courses))
    assert np.all(t["sessions"]["end"] > t["sessions"]["start"])
    assert set(t["skills_review"]) == {"department", "role", "skill", "level"}
    events = t["events"]
    assert isinstance(events, learnrec.Events)
    assert set(events.kind_names) == set(learnrec.LIFECYCLE_KINDS)
    assert np.all(np.diff(events.timestamps) >= 0)
    # enrolled + completed events are the interactions: weights 1 and 3
    user_items = t["user_items"]
    enrolled = events.kinds == learnrec.LIFECYCLE_KINDS.index("enrolled")
    assert enrolled.sum() == user_items.nnz


def test_academy_features_align_with_the_interaction_matrix():
    user_items, learners, courses = learnrec.generate_academy(seed=2, learners=150, courses=30)
    uf, unames, itf, inames = learnrec.academy_features(seed=2, learners=150, courses=30)
    assert isinstance(uf, scipy.sparse.csr_matrix) and isinstance(itf, scipy.sparse.csr_matrix)
    assert uf.shape == (150, len(unames)) and itf.shape == (30, len(inames))
    assert uf.dtype == np.float32 and uf.indices.dtype == np.int32
    assert set(np.unique(uf.data)) == {1.0}
    row = set(unames[uf[0].indices])
    assert f"role={learners['role'][0]}" in row and f"country={learners['country'][0]}" in row
    assert {f"goal={s.rsplit(':', 1)[0]}" for s in learners["target_skills"][0]} <= row
    course_row = set(inames[itf[3].indices])
    assert f"topic={courses['topic'][3]}" in course_row and f"level={courses['level'][3]}" in course_row
    assert any(name.startswith("duration=") for name in course_row)


# ---- feature CSV ---------------------------------------------------------------------------------


def test_read_features_aligns_rows_to_ids_and_sums_duplicates(tmp_path):
    path = tmp_path / "features.csv"
    path.write_text("learner_id,feature,weight\nbob,role=engineer,1\nalice,lang=fr,0.5\nalice,lang=fr,0.25\n")
    features, names = learnrec.read_features(path, ["alice", "bob", "carol"])
    assert features.shape == (3, 2) and features.dtype == np.float32 and features.indices.dtype == np.int32
    assert list(names) == ["role=engineer", "lang=fr"]
    np.testing.assert_array_equal(features.toarray(), [[0.0, 0.75], [1.0, 0.0], [0.0, 0.0]])


def test_read_features_with_a_fixed_vocabulary(tmp_path):
    path = tmp_path / "features.csv"
    path.write_text("course_id,feature\nc1,b\n")
    features, names = learnrec.read_features(path, ["c1"], vocabulary=["a", "b"])
    assert list(names) == ["a", "b"]
    np.testing.assert_array_equal(features.toarray(), [[0.0, 1.0]])
    path.write_text("course_id,feature\nc1,zzz\n")
    with pytest.raises(learnrec.LearnrecError, match=r"features\.csv:2.*unknown feature 'zzz'"):
        learnrec.read_features(path, ["c1"], vocabulary=["a", "b"])


def test_read_features_errors_name_file_line_and_id(tmp_path):
    path = tmp_path / "features.csv"
    path.write_text("learner_id,feature,weight\nalice,a,1\nzoe,a,1\n")
    with pytest.raises(learnrec.LearnrecError, match=r"features\.csv:3.*unknown learner_id 'zoe'"):
        learnrec.read_features(path, ["alice"])
    features, _ = learnrec.read_features(path, ["alice"], allow_unknown_ids=True)
    assert features.nnz == 1
    path.write_text("learner_id,feature,weight\nalice,a,0\n")
    with pytest.raises(learnrec.LearnrecError, match=r"features\.csv:2.*weight '0'"):
        learnrec.read_features(path, ["alice"])


# ---- typed events --------------------------------------------------------------------------------

EVENTS_CSV = """learner_id,course_id,event,timestamp,value
alice,py,enrolled,2025-01-01,
alice,py,completed,2025-01-11,
alice,py,rated,2025-01-12,5
bob,py,enrolled,2025-01-01,
bob,py,dropped,2025-01-20,
bob,sql,assigned,2025-01-02,
"""


def test_read_events_returns_typed_arrays(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(EVENTS_CSV)
    events = learnrec.read_events(path)
    assert len(events) == 6
    assert list(events.learner_ids) == ["alice", "bob"] and list(events.course_ids) == ["py", "sql"]
    assert events.kinds.dtype == np.uint8 and events.timestamps.dtype == np.int64
    assert list(events.kind_names) == ["enrolled", "completed", "rated", "enrolled", "dropped", "assigned"]
    assert events.values[2] == 5.0 and events.timestamps[0] == 1735689600


def test_read_events_errors_name_file_and_line(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("learner_id,course_id,event,timestamp\nalice,py,watched,2025-01-01\n")
    with pytest.raises(learnrec.LearnrecError, match=r"events\.csv:2.*unknown event 'watched'"):
        learnrec.read_events(path)


def test_events_to_interactions_applies_the_default_weights(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(EVENTS_CSV)
    events = learnrec.read_events(path)
    user_items, learner_ids, course_ids, stats = learnrec.events_to_interactions(events, return_stats=True)
    # alice: enrolled 1 + completed 3 + rated 5 stars (+2); bob/py: 1 - 1 = 0 (left out); bob/sql: assigned 0
    np.testing.assert_array_equal(user_items.toarray(), [[6.0, 0.0], [0.0, 0.0]])
    assert stats == {"contributing_events": 5, "ignored_events": 1, "cancelled_pairs": 1}
    assert list(learner_ids) == ["alice", "bob"]


def test_events_to_interactions_honours_the_policy(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(EVENTS_CSV)
    events = learnrec.read_events(path)
    ignore, _, _ = learnrec.events_to_interactions(events, dropped="ignore", weights={"assigned": 0.5})
    np.testing.assert_array_equal(ignore.toarray(), [[6.0, 0.0], [1.0, 0.5]])
    # One half-life before the reference time halves a weight.
    policy = learnrec.WeightingPolicy(half_life_days=10.0, reference_time=1735689600 + 10 * 86400)
    decayed, _, _ = learnrec.events_to_interactions(events, policy, weights={"completed": 0.0, "rated": 0.0})
    assert decayed[0, 0] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="unknown event kinds"):
        learnrec.events_to_interactions(events, weights={"watched": 1.0})
    with pytest.raises(learnrec.LearnrecError, match="dropped"):
        learnrec.events_to_interactions(events, weights={"dropped": 1.0})


def test_academy_lifecycle_weights_train_a_model():
    t = learnrec.academy_tables(seed=3, learners=300, courses=50)
    user_items, _, _ = learnrec.events_to_interactions(t["events"], half_life_days=180.0)
    assert user_items.shape == t["user_items"].shape
    model = learnrec.ImplicitALS(factors=8, iterations=3, random_state=0, num_threads=1)
    model.fit(user_items, show_progress=False)
    ids, _ = model.recommend(0, user_items[0], N=5)
    assert len(ids) == 5


def test_course_states_follow_the_latest_event(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(EVENTS_CSV)
    states = learnrec.course_states(learnrec.read_events(path))
    alice = states.status(0, 0)
    assert alice["state"] == "completed" and alice["rating"] == 5.0
    assert alice["completed_at"] == 1735689600 + 10 * 86400
    assert states.status(1, 0)["state"] == "dropped"
    assert states.status(1, 1)["state"] == "assigned"
    assert states.status(1, 1)["completed_at"] == learnrec.CourseStates.NEVER
    assert states.status(0, 1)["state"] == "none"  # alice never saw sql
    assert list(states.indptr) == [0, 1, 3]
    assert learnrec.COURSE_STATES[0] == "none"


def test_events_from_columns_matches_the_csv_reader(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(EVENTS_CSV)
    from_csv = learnrec.read_events(path)
    days = np.array(["2025-01-01", "2025-01-11", "2025-01-12", "2025-01-01", "2025-01-20", "2025-01-02"],
                    dtype="datetime64[D]")
    events = learnrec.events_from_columns(
        ["alice", "alice", "alice", "bob", "bob", "bob"],
        ["py", "py", "py", "py", "py", "sql"],
        ["enrolled", "completed", "rated", "enrolled", "dropped", "assigned"],
        days,
        [np.nan, np.nan, 5.0, np.nan, 0.0, np.nan],
    )
    for field in ("learners", "courses", "kinds", "timestamps", "values", "learner_ids", "course_ids"):
        np.testing.assert_array_equal(getattr(events, field), getattr(from_csv, field), err_msg=field)


def test_events_from_columns_errors_name_the_row():
    with pytest.raises(learnrec.LearnrecError, match="row 1: unknown event 'watched'"):
        learnrec.events_from_columns(["a", "a"], ["c", "c"], ["enrolled", "watched"], [0, 1])
    with pytest.raises(learnrec.LearnrecError, match="row 0: .*needs a value"):
        learnrec.events_from_columns(["a"], ["c"], ["rated"], [0])
    with pytest.raises(TypeError, match="timestamp"):
        learnrec.events_from_columns(["a"], ["c"], ["enrolled"], [0.5])
