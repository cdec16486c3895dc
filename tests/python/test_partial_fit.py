"""Incremental updates (implicit's partial_fit_users / partial_fit_items), model metadata and versions."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse

import learnrec
from conftest import random_interactions


def _als(**kw):
    params = dict(factors=6, iterations=4, regularization=0.5, alpha=4.0, solver="cholesky", random_state=3,
                  num_threads=2, calculate_training_loss=False)
    params.update(kw)
    return learnrec.ImplicitALS(**params)


def test_a_new_learner_from_partial_fit_users_equals_fold_in():
    full = random_interactions(60, 30)
    model = _als().fit(full[:59], show_progress=False)
    expected = model.recalculate_user(59, full[59])
    assert model.partial_fit_users([59], full[59]) is model
    assert model.user_factors.shape == (60, 6)
    np.testing.assert_array_equal(model.user_factors[59], expected)


def test_partial_fit_users_keeps_every_other_learner_and_course():
    full = random_interactions(60, 30)
    model = _als().fit(full, show_progress=False)
    users, items = model.user_factors.copy(), model.item_factors.copy()
    model.partial_fit_users([4, 9], full[[4, 9]])
    keep = np.setdiff1d(np.arange(60), [4, 9])
    np.testing.assert_array_equal(model.user_factors[keep], users[keep])
    np.testing.assert_array_equal(model.item_factors, items)


def test_partial_fit_users_grows_the_model_with_zero_rows_for_skipped_ids():
    full = random_interactions(60, 30)
    model = _als().fit(full, show_progress=False)
    model.partial_fit_users([62], full[0])
    assert model.user_factors.shape[0] == 63
    assert not model.user_factors[60:62].any()


def test_a_course_re_solved_by_partial_fit_items_equals_its_fold_in_against_the_learners():
    full = random_interactions(60, 30)
    model = _als().fit(full, show_progress=False)
    item_users = full.T.tocsr()
    expected = model.recalculate_item([2, 7], item_users[[2, 7]])
    model.partial_fit_items([2, 7, 30], item_users[[2, 7, 0]])
    assert model.item_factors.shape[0] == 31
    np.testing.assert_allclose(model.item_factors[[2, 7]], expected, rtol=1e-6, atol=1e-7)


def test_partial_fit_rejects_mismatched_rows_and_duplicate_ids():
    full = random_interactions(60, 30)
    model = _als().fit(full, show_progress=False)
    with pytest.raises(ValueError, match="rows but 1 userids"):
        model.partial_fit_users([1], full[[1, 2]])
    with pytest.raises(learnrec.LearnrecError, match="given twice"):
        model.partial_fit_users([1, 1], full[[1, 2]])


def test_hybrid_partial_fit_users_and_items_from_metadata():
    full = random_interactions(40, 20)
    features = scipy.sparse.random(21, 5, density=0.4, format="csr", dtype=np.float32, random_state=1)
    features.data[:] = 1.0
    model = learnrec.HybridModel(factors=4, iterations=3, random_state=1, num_threads=1, fold_in_epochs=5)
    model.fit(full[:39], show_progress=False)
    expected = model.recalculate_user(39, full[39])
    model.partial_fit_users([39], full[39])
    np.testing.assert_array_equal(model.user_factors[39], expected)
    model2 = learnrec.HybridModel(factors=4, iterations=3, random_state=1, num_threads=1).fit(
        full, item_features=features[:20], show_progress=False)
    placed = model2.item_embeddings_from_features(features[20])
    model2.partial_fit_items([20], features[20])
    np.testing.assert_array_equal(model2.item_factors[20], placed[0])
    with pytest.raises(learnrec.LearnrecError, match="without a gap"):
        model2.partial_fit_items([25], features[20])


def test_hybrid_partial_fit_items_refreshes_a_course_whose_metadata_changed():
    full = random_interactions(40, 20)
    features = scipy.sparse.random(21, 5, density=0.4, format="csr", dtype=np.float32, random_state=1)
    features.data[:] = 1.0
    model = learnrec.HybridModel(factors=4, iterations=3, random_state=1, num_threads=1, use_item_ids=False).fit(
        full, item_features=features[:20], show_progress=False)
    before = model.item_factors.copy()
    model.partial_fit_items([3], features[20])
    np.testing.assert_allclose(model.item_factors[3], model.item_embeddings_from_features(features[20])[0], rtol=1e-5)
    keep = np.setdiff1d(np.arange(20), [3])
    np.testing.assert_array_equal(model.item_factors[keep], before[keep])
    assert model.metadata["history"][-1].startswith("partial_fit_items: 1 course(s) from metadata")


def test_hybrid_partial_fit_items_fits_new_courses_to_the_learners_who_took_them():
    full = random_interactions(40, 22)
    features = scipy.sparse.random(22, 5, density=0.4, format="csr", dtype=np.float32, random_state=1)
    features.data[:] = 1.0
    model = learnrec.HybridModel(factors=4, iterations=3, random_state=1, num_threads=1, fold_in_epochs=8).fit(
        full[:, :20], item_features=features[:20], show_progress=False)
    placed = learnrec.HybridModel(factors=4, iterations=3, random_state=1, num_threads=1, fold_in_epochs=8).fit(
        full[:, :20], item_features=features[:20], show_progress=False).partial_fit_items([20, 21], features[20:])
    model.partial_fit_items([20, 21], features[20:], user_items=full)
    scores = model.user_factors @ model.item_factors.T
    scores_placed = placed.user_factors @ placed.item_factors.T
    for c in (20, 21):
        takers = full[:, c].nonzero()[0]
        assert scores[takers, c].mean() > scores_placed[takers, c].mean()


def test_saved_models_record_version_trained_at_fingerprint_and_hyperparameters(tmp_path):
    full = random_interactions(60, 30)
    model = _als()
    model.trained_at = "2026-06-01"
    model.fit(full, show_progress=False)
    path = tmp_path / "m.lrc"
    model.save(path)
    back = learnrec.load(path)
    meta = back.metadata
    assert meta["trained_at"] == "2026-06-01T00:00:00Z"
    assert meta["data_fingerprint"] == model.metadata["data_fingerprint"]
    assert meta["data_fingerprint"].startswith("sha1:")
    assert meta["learnrec_version"] == learnrec.__version__
    assert '"factors":6' in meta["hyperparameters"]
    assert meta["model_version"] == model.model_version == back.model_version
    assert meta["model_version"].startswith("als-") and meta["model_version"].endswith("-20260601T000000Z")
    assert pickle.loads(pickle.dumps(model)).model_version == model.model_version


def test_the_same_data_and_seed_give_the_same_bytes_on_any_thread_count():
    full = random_interactions(200, 50)
    out = set()
    for threads in (1, 2, 3):
        model = _als(num_threads=threads, solver="cg")
        model.trained_at = "2026-06-01"
        out.add(learnrec.to_bytes(model.fit(full, show_progress=False)))
    assert len(out) == 1


def test_partial_fit_changes_the_model_version_and_records_history():
    full = random_interactions(60, 30)
    model = _als()
    model.trained_at = "2026-06-01"
    model.fit(full[:59], show_progress=False)
    before = model.model_version
    model.partial_fit_users([59], full[59])
    assert model.model_version != before
    assert model.metadata["history"][-1].startswith("partial_fit_users: 1 learner(s)")


def test_the_daily_updater_keeps_the_model_current_from_changed_rows():
    full = random_interactions(80, 30)
    model = _als().fit(full[:60], show_progress=False)
    updater = learnrec.DailyUpdater(model, full[:60])
    before = model.item_factors.copy()
    stats = updater.update(np.arange(60, 80), full[60:80])
    assert stats["learners_added"] == 20 and stats["learners_solved"] == 20
    assert model.user_factors.shape == (80, 6)
    reference = _als().fit(full[:60], show_progress=False)
    reference.partial_fit_users(np.arange(60, 80), full[60:80])
    np.testing.assert_allclose(model.user_factors, reference.user_factors, rtol=1e-4, atol=1e-5)
    changed = np.unique(full[60:80].indices)
    assert stats["courses_solved"] == changed.size
    expected = reference.recalculate_item(changed, full.T.tocsr()[changed])
    np.testing.assert_allclose(model.item_factors[changed], expected, rtol=1e-3, atol=1e-5)
    untouched = np.setdiff1d(np.arange(30), changed)
    np.testing.assert_array_equal(model.item_factors[untouched], before[untouched])
    assert model.metadata["history"][-1].startswith("daily update: 20 learner(s)")


def test_the_daily_updater_with_a_course_change_tolerance_leaves_courses_waiting_until_flush():
    full = random_interactions(80, 30)
    model = _als().fit(full[:60], show_progress=False)
    exact = _als().fit(full[:60], show_progress=False)
    updater = learnrec.DailyUpdater(model, full[:60], course_change=1.0, course_max_updates=100)
    assert updater.staleness == {"learner_drift": 0.0, "course_change": 1.0, "course_max_updates": 100}
    rows = full[:60].tolil()
    rows[3, 29] = 2.0
    rows[7, 28] = 2.0
    rows = rows.tocsr()
    before = model.item_factors.copy()
    stats = updater.update([3, 7], rows[[3, 7]])
    assert stats["courses_solved"] == 0 and stats["courses_deferred"] >= 1
    np.testing.assert_array_equal(model.item_factors, before)
    flushed = updater.flush()
    assert flushed["courses_solved"] == stats["courses_deferred"] and flushed["courses_deferred"] == 0
    learnrec.DailyUpdater(exact, full[:60]).update([3, 7], rows[[3, 7]])
    np.testing.assert_allclose(model.item_factors, exact.item_factors, rtol=1e-5, atol=1e-6)
    assert model.metadata["history"][-1].startswith("daily update flushed:")


def test_the_daily_updater_with_a_learner_drift_tolerance_counts_the_learners_it_propagated():
    full = random_interactions(80, 30)
    model = _als().fit(full[:60], show_progress=False)
    updater = learnrec.DailyUpdater(model, full[:60], learner_drift=0.99)
    rows = full[:60].tolil()
    rows[5, 29] = 1.0
    stats = updater.update([5], rows.tocsr()[[5]])
    assert stats["learners_solved"] == 1 and stats["learners_propagated"] == 0
    with pytest.raises(ValueError, match="learner_drift"):
        learnrec.DailyUpdater(model, full[:60], learner_drift=1.5)


def test_the_daily_updater_publishes_batches_only_when_asked():
    full = random_interactions(80, 30)
    model = _als().fit(full[:60], show_progress=False)
    updater = learnrec.DailyUpdater(model, full[:60])
    published = model.model
    updater.update(np.arange(60, 70), full[60:70], publish=False)
    updater.update(np.arange(70, 80), full[70:80], publish=False)
    assert model.model is published and model.user_factors.shape == (60, 6)
    updater.publish()
    assert model.user_factors.shape == (80, 6)
    history = model.metadata["history"]
    assert history[-2].startswith("daily update: 10 learner(s)")
    assert history[-1].startswith("daily update: 10 learner(s)")
    # The same batches applied in one publishing update give the same factors.
    once = _als().fit(full[:60], show_progress=False)
    learnrec.DailyUpdater(once, full[:60]).update(np.arange(60, 70), full[60:70])
    np.testing.assert_allclose(model.user_factors[:70], once.user_factors, rtol=1e-5, atol=1e-6)
