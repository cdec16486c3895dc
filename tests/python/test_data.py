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
    assert set(learners) == {"id", "role", "department", "country", "language"}
    assert set(courses) == {"id", "title", "topic", "format", "language", "level", "duration_hours"}
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
    assert pd.DataFrame(courses).shape == (30, 7)
    assert pd.DataFrame(learners).shape == (100, 5)


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
