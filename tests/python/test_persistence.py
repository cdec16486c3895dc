"""Model files from Python: model.save / learnrec.load / pickle, for every model class (contract)."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

import learnrec
from conftest import MODEL_FACTORIES


def _recommendations(model, user_items):
    ids = np.arange(user_items.shape[0], dtype=np.int32)
    return model.recommend(ids, user_items, N=5)


def test_save_then_load_gives_identical_recommendations(fitted, user_items, tmp_path):
    path = tmp_path / "model.lrc"
    fitted.save(path)
    loaded = learnrec.load(path)
    expected_ids, expected_scores = _recommendations(fitted, user_items)
    got_ids, got_scores = _recommendations(loaded, user_items)
    np.testing.assert_array_equal(got_ids, expected_ids)
    np.testing.assert_array_equal(got_scores, expected_scores)


def test_load_returns_the_class_that_saved_with_its_hyperparameters(fitted, tmp_path):
    path = tmp_path / "model.lrc"
    fitted.save(str(path))
    loaded = learnrec.load(str(path))
    assert type(loaded) is type(fitted)
    for name in ("factors", "regularization", "alpha", "iterations", "solver", "cg_steps", "learning_rate", "K",
                 "weighting", "rank"):
        if hasattr(fitted, name):
            assert getattr(loaded, name) == pytest.approx(getattr(fitted, name)), name
    assert loaded.model.kind == fitted.model.kind


def test_pickle_round_trip_gives_identical_recommendations(fitted, user_items):
    clone = pickle.loads(pickle.dumps(fitted))
    assert type(clone) is type(fitted)
    expected_ids, expected_scores = _recommendations(fitted, user_items)
    got_ids, got_scores = _recommendations(clone, user_items)
    np.testing.assert_array_equal(got_ids, expected_ids)
    np.testing.assert_array_equal(got_scores, expected_scores)


def test_bytes_round_trip_matches_the_file_bytes(fitted, tmp_path):
    path = tmp_path / "model.lrc"
    fitted.save(path)
    data = learnrec.to_bytes(fitted)
    assert data == path.read_bytes()
    assert learnrec.from_bytes(data).model.kind == fitted.model.kind


def test_every_python_model_class_has_a_file_format():
    kinds = set(learnrec.model_file_kinds())
    for make in MODEL_FACTORIES.values():
        assert make()._kind in kinds


def test_ids_are_stored_and_restored(user_items, tmp_path):
    model = learnrec.PopularityModel().fit(user_items, show_progress=False)
    learners = [f"L{i:03d}" for i in range(user_items.shape[0])]
    courses = [f"C{j:03d}" for j in range(user_items.shape[1])]
    path = tmp_path / "pop.lrc"
    model.save(path, learner_ids=learners, course_ids=courses)
    loaded = learnrec.load(path)
    assert list(loaded.learner_ids) == learners
    assert list(loaded.course_ids) == courses
    # Saved again without arguments, the loaded ids are kept.
    loaded.save(tmp_path / "again.lrc")
    assert list(learnrec.load(tmp_path / "again.lrc").course_ids) == courses


def test_a_file_without_ids_loads_with_ids_none(user_items, tmp_path):
    model = learnrec.PopularityModel().fit(user_items, show_progress=False)
    model.save(tmp_path / "pop.lrc")
    loaded = learnrec.load(tmp_path / "pop.lrc")
    assert loaded.learner_ids is None and loaded.course_ids is None


def test_ids_of_the_wrong_length_are_rejected(user_items, tmp_path):
    model = learnrec.PopularityModel().fit(user_items, show_progress=False)
    with pytest.raises(learnrec.LearnrecError, match="course_ids has 2 ids but the model has 40"):
        model.save(tmp_path / "pop.lrc", course_ids=["a", "b"])
    assert not (tmp_path / "pop.lrc").exists()


def test_duplicate_ids_are_rejected(user_items, tmp_path):
    model = learnrec.PopularityModel().fit(user_items, show_progress=False)
    courses = ["same"] * user_items.shape[1]
    with pytest.raises(learnrec.LearnrecError, match="duplicate id 'same'"):
        model.save(tmp_path / "pop.lrc", course_ids=courses)


def test_non_string_ids_are_a_type_error(user_items, tmp_path):
    model = learnrec.PopularityModel().fit(user_items, show_progress=False)
    with pytest.raises(TypeError, match="element 0 is int"):
        model.save(tmp_path / "pop.lrc", course_ids=list(range(user_items.shape[1])))


def test_saving_an_unfitted_model_raises(tmp_path):
    with pytest.raises(learnrec.LearnrecError, match="not fitted"):
        learnrec.ImplicitALS().save(tmp_path / "x.lrc")
    assert not (tmp_path / "x.lrc").exists()


def test_a_failed_save_leaves_the_existing_file_untouched(user_items, tmp_path):
    model = learnrec.PopularityModel().fit(user_items, show_progress=False)
    path = tmp_path / "pop.lrc"
    model.save(path)
    before = path.read_bytes()
    with pytest.raises(learnrec.LearnrecError):
        model.save(path, course_ids=["too", "few"])
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["pop.lrc"]


def test_saving_into_a_missing_directory_names_the_path(user_items, tmp_path):
    model = learnrec.PopularityModel().fit(user_items, show_progress=False)
    target = tmp_path / "no" / "such" / "dir" / "pop.lrc"
    with pytest.raises(learnrec.LearnrecError, match="no/such/dir"):
        model.save(target)


def test_loading_a_missing_file_raises(tmp_path):
    with pytest.raises(learnrec.LearnrecError, match="missing.lrc"):
        learnrec.load(tmp_path / "missing.lrc")


def test_a_truncated_file_is_rejected_as_truncated(user_items, tmp_path):
    model = learnrec.ImplicitALS(factors=4, iterations=2, random_state=1).fit(user_items, show_progress=False)
    path = tmp_path / "als.lrc"
    model.save(path)
    data = path.read_bytes()
    for cut in (0, 10, 63, 64, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:cut])
        with pytest.raises(learnrec.LearnrecError, match="truncated|bad magic"):
            learnrec.load(path)


def test_a_flipped_payload_bit_is_rejected_by_the_checksum(user_items, tmp_path):
    model = learnrec.ImplicitALS(factors=4, iterations=2, random_state=1).fit(user_items, show_progress=False)
    data = bytearray(learnrec.to_bytes(model))
    data[len(data) // 2] ^= 0x10
    with pytest.raises(learnrec.LearnrecError, match="checksum mismatch"):
        learnrec.from_bytes(bytes(data))


def test_a_file_of_another_format_is_rejected(tmp_path):
    path = tmp_path / "model.npz"
    np.savez(path, a=np.arange(10))
    with pytest.raises(learnrec.LearnrecError, match="not a learnrec model file"):
        learnrec.load(path)


def test_a_tampered_pickle_is_rejected(user_items):
    model = learnrec.PopularityModel().fit(user_items, show_progress=False)
    state = model.__getstate__()
    damaged = bytearray(state["_model_bytes"])
    damaged[-1] ^= 0xFF
    state["_model_bytes"] = bytes(damaged)
    clone = learnrec.PopularityModel.__new__(learnrec.PopularityModel)
    with pytest.raises(learnrec.LearnrecError, match="checksum mismatch"):
        clone.__setstate__(state)


def test_an_unfitted_model_pickles_unfitted():
    clone = pickle.loads(pickle.dumps(learnrec.ImplicitALS(factors=12)))
    assert not clone.is_fitted
    assert clone.factors == 12


def test_from_bytes_requires_bytes():
    with pytest.raises(TypeError, match="must be bytes"):
        learnrec.from_bytes("not bytes")
