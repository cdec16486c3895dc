"""learnrec.HybridModel: features, cold start on both sides, fold-in, validation, the notebook."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import learnrec

LEARNERS, COURSES = 90, 30


def group_data(learners: int = LEARNERS, seed: int = 3) -> sp.csr_matrix:
    """Learner u takes 5 courses of topic u % 3 (courses 10 t .. 10 t + 9)."""
    rng = np.random.default_rng(seed)
    rows, cols = [], []
    for u in range(learners):
        chosen = rng.choice(10, size=5, replace=False) + 10 * (u % 3)
        rows += [u] * 5
        cols += chosen.tolist()
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(learners, COURSES))
    m.sort_indices()
    return m


def learner_features(ids) -> sp.csr_matrix:
    """Columns 0..2: the learner's group; 3..6: a noise attribute."""
    ids = np.asarray(ids)
    rows = np.repeat(np.arange(ids.size), 2)
    cols = np.stack([ids % 3, 3 + ids % 4], axis=1).ravel()
    return sp.csr_matrix((np.ones(rows.size, dtype=np.float32), (rows, cols)), shape=(ids.size, 7))


def course_features(ids) -> sp.csr_matrix:
    """Columns 0..2: the course's topic; 3..4: its format."""
    ids = np.asarray(ids)
    rows = np.repeat(np.arange(ids.size), 2)
    cols = np.stack([(ids // 10) % 3, 3 + ids % 2], axis=1).ravel()
    return sp.csr_matrix((np.ones(rows.size, dtype=np.float32), (rows, cols)), shape=(ids.size, 5))


def fitted(**kwargs) -> learnrec.HybridModel:
    params = dict(factors=8, iterations=30, random_state=3, num_threads=1)
    params.update(kwargs)
    features = params.pop("features", True)
    model = learnrec.HybridModel(**params)
    if features:
        return model.fit(group_data(), user_features=learner_features(np.arange(LEARNERS)),
                         item_features=course_features(np.arange(COURSES)), show_progress=False)
    return model.fit(group_data(), show_progress=False)


def test_a_learner_with_only_features_gets_finite_deterministic_scores_for_their_group():
    model = fitted(use_user_ids=False)
    newcomers = np.arange(LEARNERS, LEARNERS + 6)
    ids, scores = model.recommend(newcomers, None, N=5, filter_already_liked_items=False,
                                  user_features=learner_features(newcomers))
    again_ids, again_scores = model.recommend(newcomers, None, N=5, filter_already_liked_items=False,
                                              user_features=learner_features(newcomers))
    assert np.isfinite(scores).all()
    np.testing.assert_array_equal(ids, again_ids)
    np.testing.assert_array_equal(scores, again_scores)
    for row, u in enumerate(newcomers):
        assert set((ids[row] // 10).tolist()) == {u % 3}


def test_user_features_mean_the_ids_are_not_looked_up():
    model = fitted(use_user_ids=False)
    ids, _ = model.recommend(10_000, None, N=3, filter_already_liked_items=False, user_features=learner_features([2]))
    assert ids.shape == (3,)
    assert set((ids // 10).tolist()) == {2}


def test_user_embeddings_from_features_match_recommend_scores():
    model = fitted(use_user_ids=False)
    x = model.user_embeddings_from_features(learner_features([0, 1]))
    assert x.shape == (2, 9)
    np.testing.assert_array_equal(x[:, -1], 1.0)
    ids, scores = model.recommend([0, 1], None, N=4, filter_already_liked_items=False,
                                  user_features=learner_features([0, 1]))
    expected = x @ model.item_factors.T
    np.testing.assert_allclose(scores, np.take_along_axis(expected, ids, axis=1), rtol=1e-5)


def test_recalculate_user_with_features_moves_toward_the_new_enrolments():
    model = fitted(use_user_ids=False)
    profile = learner_features([0])  # group 0
    first = sp.csr_matrix((np.ones(2, dtype=np.float32), ([0, 0], [10, 11])), shape=(1, COURSES))
    before = model.user_embeddings_from_features(profile)[0]
    after = model.recalculate_user(0, first, user_features=profile)
    neighbours = model.item_factors[12:20]
    assert (neighbours @ after).mean() > (neighbours @ before).mean() + 0.1
    ids, _ = model.recommend(0, first, N=10, recalculate_user=True, user_features=profile)
    assert not {10, 11} & set(ids.tolist())
    assert {1} <= set((ids // 10).tolist())


def test_a_new_course_is_recommended_from_its_features_after_add_items():
    train = group_data()[:, : COURSES - 1]
    model = learnrec.HybridModel(factors=8, iterations=30, use_item_ids=False, random_state=3, num_threads=1)
    model.fit(train, item_features=course_features(np.arange(COURSES - 1)), show_progress=False)
    extended = model.add_items(course_features([COURSES - 1]))
    assert model.model.num_courses == COURSES - 1  # the original is unchanged
    assert extended.model.num_courses == COURSES
    wide = sp.hstack([train, sp.csr_matrix((LEARNERS, 1), dtype=np.float32)], format="csr")
    topic2 = np.arange(2, LEARNERS, 3)
    ids, _ = extended.recommend(topic2, wide[topic2], N=10)
    assert np.mean([(COURSES - 1) in row for row in ids.tolist()]) >= 0.9
    others = np.arange(0, LEARNERS, 3)  # topic 0: their own ten courses come first
    ids, _ = extended.recommend(others, None, N=10, filter_already_liked_items=False)
    assert not any((COURSES - 1) in row for row in ids.tolist())


def test_item_embeddings_from_features_have_the_bias_last():
    model = fitted(use_item_ids=False)
    y = model.item_embeddings_from_features(course_features(np.arange(COURSES)))
    np.testing.assert_allclose(y, model.item_factors, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("loss", ["warp", "bpr"])
def test_fit_is_deterministic_with_one_thread_and_a_seed(loss):
    a = fitted(loss=loss, iterations=5)
    b = fitted(loss=loss, iterations=5)
    np.testing.assert_array_equal(a.item_factors, b.item_factors)
    np.testing.assert_array_equal(a.user_factors, b.user_factors)


def test_callback_sees_each_epoch_and_false_stops():
    seen = []

    def callback(iteration, seconds, loss):
        seen.append((iteration, seconds, loss))
        return iteration < 2

    model = learnrec.HybridModel(factors=4, iterations=10, random_state=1, num_threads=1)
    model.fit(group_data(), show_progress=False, callback=callback)
    assert [s[0] for s in seen] == [0, 1, 2]
    assert all(s[1] >= 0 and np.isfinite(s[2]) for s in seen)
    assert model.iterations_run == 3


def test_invalid_hyperparameters_raise_clear_errors():
    with pytest.raises(ValueError, match="loss"):
        learnrec.HybridModel(loss="hinge")
    with pytest.raises(learnrec.LearnrecError, match="max_sampled"):
        learnrec.HybridModel(max_sampled=0).fit(group_data(), show_progress=False)
    with pytest.raises(learnrec.LearnrecError, match="learning_rate"):
        learnrec.HybridModel(learning_rate=-1.0).fit(group_data(), show_progress=False)


def test_feature_matrices_with_the_wrong_rows_or_nan_raise():
    with pytest.raises(ValueError, match="user_features has 89 rows"):
        learnrec.HybridModel(factors=4, iterations=1).fit(group_data(), user_features=learner_features(np.arange(89)),
                                                           show_progress=False)
    bad = learner_features(np.arange(LEARNERS))
    bad.data[3] = np.nan
    with pytest.raises(learnrec.LearnrecError, match="non-finite"):
        learnrec.HybridModel(factors=4, iterations=1).fit(group_data(), user_features=bad, show_progress=False)
    model = fitted(use_user_ids=False, iterations=2)
    with pytest.raises(ValueError, match="columns"):
        model.recommend(0, None, filter_already_liked_items=False, user_features=sp.csr_matrix((1, 9), dtype=np.float32))
    with pytest.raises(ValueError, match="2 rows but 1 id"):
        model.recommend(0, None, filter_already_liked_items=False, user_features=learner_features([0, 1]))


def test_without_ids_or_features_a_side_has_no_representation():
    with pytest.raises(learnrec.LearnrecError, match="learners have no representation"):
        learnrec.HybridModel(use_user_ids=False, iterations=1).fit(group_data(), show_progress=False)


def test_from_factors_keeps_the_factor_models_recommendations_and_places_new_learners():
    data = group_data()
    als = learnrec.ImplicitALS(factors=8, iterations=5, random_state=1, num_threads=1).fit(data, show_progress=False)
    hybrid = learnrec.HybridModel.from_factors(als, learner_features(np.arange(LEARNERS)),
                                               course_features(np.arange(COURSES)), ridge=0.1, num_threads=1)
    assert hybrid.factors == 8
    np.testing.assert_allclose(hybrid.item_factors[:, :8], als.item_factors, atol=1e-4)
    learners = np.arange(30)
    ids_als, _ = als.recommend(learners, data[learners], N=5)
    ids_hybrid, _ = hybrid.recommend(learners, data[learners], N=5)
    np.testing.assert_array_equal(ids_hybrid, ids_als)
    newcomers = np.arange(LEARNERS, LEARNERS + 3)
    ids, scores = hybrid.recommend(newcomers, None, N=3, filter_already_liked_items=False,
                                   user_features=learner_features(newcomers))
    assert np.isfinite(scores).all()
    for row, u in enumerate(newcomers):
        assert set((ids[row] // 10).tolist()) == {u % 3}


NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "notebooks" / "cold_start.ipynb"


def test_cold_start_notebook_executes_top_to_bottom(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "after their first enrolments" in text
