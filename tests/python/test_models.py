"""Behaviour of the BPR, EASE, item-kNN and GF-CF model classes (the contract suite covers the rest)."""

from __future__ import annotations

import numpy as np
import scipy.sparse

import learnrec


def test_bpr_with_a_random_state_and_one_thread_is_deterministic(user_items):
    def fit():
        return learnrec.BayesianPersonalizedRanking(factors=8, iterations=10, random_state=3, num_threads=1).fit(
            user_items, show_progress=False
        )

    a, b = fit(), fit()
    np.testing.assert_array_equal(a.user_factors, b.user_factors)
    np.testing.assert_array_equal(a.item_factors, b.item_factors)


def test_bpr_callback_returning_false_stops_training(user_items):
    calls = []

    def callback(iteration, elapsed, correct):
        calls.append((iteration, elapsed, correct))
        return iteration < 2

    model = learnrec.BayesianPersonalizedRanking(factors=8, iterations=20, random_state=3, num_threads=1)
    model.fit(user_items, show_progress=False, callback=callback)
    assert [c[0] for c in calls] == [0, 1, 2]
    assert model.iterations_run == 3
    assert all(0.0 <= c[2] <= 1.0 for c in calls)


def test_ease_equals_its_closed_form_on_a_tiny_matrix():
    x = np.array([[1, 1, 0, 0], [0, 1, 1, 0], [1, 0, 1, 1], [0, 0, 1, 1], [1, 1, 1, 0]], dtype=np.float32)
    lam = 2.0
    model = learnrec.EASE(regularization=lam, num_threads=1).fit(scipy.sparse.csr_matrix(x), show_progress=False)
    xd = x.astype(np.float64)
    p = np.linalg.inv(xd.T @ xd + lam * np.eye(4))
    expected = np.eye(4) - p / np.diag(p)
    np.testing.assert_allclose(model.item_weights, expected, atol=1e-5)


def test_item_knn_similar_items_returns_the_item_itself_first(user_items):
    model = learnrec.ItemKNN(K=10, num_threads=1).fit(user_items, show_progress=False)
    courses = np.unique(user_items.indices)[:10]  # courses with learners (cosine is defined)
    ids, _ = model.similar_items(courses, N=5)
    np.testing.assert_array_equal(ids[:, 0], courses)


def test_gfcf_beats_popularity_on_the_academy(academy):
    user_items, _, _ = academy
    train, test = learnrec.holdout_split(user_items, test_fraction=0.2)
    gfcf = learnrec.GFCF(rank=32, random_state=7, num_threads=2).fit(train, show_progress=False)
    popularity = learnrec.PopularityModel(num_threads=2).fit(train, show_progress=False)
    ours = learnrec.ranking_metrics_at_k(gfcf, train, test, K=10)
    baseline = learnrec.ranking_metrics_at_k(popularity, train, test, K=10)
    assert ours["ndcg"] > baseline["ndcg"]
