"""The implicit 0.7 recommender contract, checked on every learnrec model class."""

from __future__ import annotations

import numpy as np
import pytest

import learnrec


def liked(user_items, u):
    return set(user_items[u].indices.tolist())


def test_fit_returns_self(make_model, user_items):
    model = make_model()
    assert model.fit(user_items, show_progress=False) is model


def test_recommend_for_a_scalar_id_returns_1d_int32_ids_and_float32_scores(fitted, user_items):
    ids, scores = fitted.recommend(3, user_items[3], N=5)
    assert ids.shape == (5,) and scores.shape == (5,)
    assert ids.dtype == np.int32 and scores.dtype == np.float32


def test_recommend_for_an_array_of_ids_returns_2d_arrays(fitted, user_items):
    userids = np.array([0, 5, 9])
    ids, scores = fitted.recommend(userids, user_items[userids], N=4)
    assert ids.shape == (3, 4) and scores.shape == (3, 4)


def test_recommend_scores_are_sorted_best_first(fitted, user_items):
    _, scores = fitted.recommend(np.arange(10), user_items[:10], N=8)
    assert np.all(np.diff(scores, axis=1) <= 0)


def test_batch_recommend_equals_one_call_per_learner(fitted, user_items):
    userids = np.arange(12)
    ids, scores = fitted.recommend(userids, user_items[userids], N=6)
    for row, u in enumerate(userids):
        one_ids, one_scores = fitted.recommend(u, user_items[u], N=6)
        np.testing.assert_array_equal(ids[row], one_ids)
        np.testing.assert_allclose(scores[row], one_scores, rtol=1e-5)


def test_filter_already_liked_items_excludes_the_rows_courses(fitted, user_items):
    userids = np.arange(20)
    ids, _ = fitted.recommend(userids, user_items[userids], N=10)
    for row, u in enumerate(userids):
        assert not liked(user_items, u) & set(ids[row].tolist())


def test_without_filtering_liked_courses_can_be_returned_and_user_items_may_be_none(fitted, user_items):
    n = user_items.shape[1]
    ids, _ = fitted.recommend(0, None, N=n, filter_already_liked_items=False)
    assert sorted(ids.tolist()) == list(range(n))


def test_filter_items_are_never_returned(fitted, user_items):
    banned = [0, 1, 2, 3]
    ids, _ = fitted.recommend(np.arange(10), user_items[:10], N=10, filter_items=banned)
    assert not set(ids.ravel().tolist()) & set(banned)


def test_items_restricts_ranking_to_the_given_courses(fitted, user_items):
    allowed = [5, 7, 11, 13, 17, 19]
    ids, _ = fitted.recommend(0, user_items[0], N=10, items=allowed, filter_already_liked_items=False)
    assert set(ids.tolist()) == set(allowed)


def test_items_caps_n_at_their_number_as_in_implicit(fitted, user_items):
    ids, _ = fitted.recommend([0, 1], user_items[[0, 1]], N=10, items=[5, 7, 11], filter_already_liked_items=False)
    assert ids.shape == (2, 3)


def test_items_and_filter_items_together_raise_value_error(fitted, user_items):
    with pytest.raises(ValueError, match="both"):
        fitted.recommend(0, user_items[0], items=[1, 2], filter_items=[3])


def test_n_larger_than_the_catalogue_pads_2d_results_with_minus_one_and_minus_inf(fitted, user_items):
    n_courses = user_items.shape[1]
    ids, scores = fitted.recommend([0, 1], user_items[[0, 1]], N=n_courses + 10)
    assert ids.shape == (2, n_courses + 10)
    for row, u in enumerate([0, 1]):
        real = n_courses - len(liked(user_items, u))
        assert np.all(ids[row, :real] >= 0)
        assert np.all(ids[row, real:] == -1)
        assert np.all(np.isneginf(scores[row, real:]))


def test_n_larger_than_the_catalogue_shortens_1d_results(fitted, user_items):
    n_courses = user_items.shape[1]
    ids, scores = fitted.recommend(0, user_items[0], N=n_courses + 10)
    assert len(ids) == len(scores) == n_courses - len(liked(user_items, 0))
    assert np.all(ids >= 0)


def test_similar_items_returns_1d_for_a_scalar_and_2d_for_an_array(fitted):
    ids, scores = fitted.similar_items(4, N=5)
    assert ids.shape == scores.shape == (5,)
    ids, scores = fitted.similar_items(np.array([4, 6]), N=5)
    assert ids.shape == scores.shape == (2, 5)


def test_similar_items_respects_filter_items_and_items(fitted):
    ids, _ = fitted.similar_items(4, N=10, filter_items=[4, 0, 1])
    assert not {0, 1, 4} & set(ids.tolist())
    ids, _ = fitted.similar_items(4, N=10, items=[2, 3, 9])
    assert set(ids.tolist()) == {2, 3, 9}


def test_same_random_state_gives_identical_results(make_model, user_items):
    a = make_model().fit(user_items, show_progress=False)
    b = make_model().fit(user_items, show_progress=False)
    userids = np.arange(user_items.shape[0])
    ids_a, scores_a = a.recommend(userids, user_items)
    ids_b, scores_b = b.recommend(userids, user_items)
    np.testing.assert_array_equal(ids_a, ids_b)
    np.testing.assert_array_equal(scores_a, scores_b)


def test_recalculate_user_recommends_for_a_learner_unseen_in_training(fitted, user_items):
    new_learner = user_items[[0]]  # the rows stand for a learner the model never saw
    unseen_id = user_items.shape[0] + 100
    ids, _ = fitted.recommend(unseen_id, new_learner, N=5, recalculate_user=True)
    assert len(ids) == 5
    assert not set(ids.tolist()) & liked(user_items, 0)


def test_an_unfitted_model_raises_learnrec_error(make_model, user_items):
    with pytest.raises(learnrec.LearnrecError, match="not fitted"):
        make_model().recommend(0, user_items[0])


def test_models_share_the_base_class(fitted):
    assert isinstance(fitted, learnrec.RecommenderBase)
    assert isinstance(fitted.model, learnrec._core.Model)
