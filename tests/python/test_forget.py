"""Erasure from Python: learnrec.forget on model files (with given or kept training data) and logs."""

from __future__ import annotations

import numpy as np
import pytest

import learnrec
from conftest import random_interactions


def _saved(tmp_path, keep: bool):
    data = random_interactions(40, 20)
    model = learnrec.ImplicitALS(factors=6, iterations=4, regularization=0.5, solver="cholesky", random_state=3,
                                 num_threads=1, calculate_training_loss=False).fit(data, show_progress=False)
    learners = [f"L{i:03}" for i in range(40)]
    courses = [f"C{i:03}" for i in range(20)]
    path = tmp_path / "als.lrc"
    model.save(path, learner_ids=learners, course_ids=courses, training_data=data if keep else None)
    return path, data, learners, courses


def _write_interactions(path, data, learners, courses):
    coo = data.tocoo()
    rows = [f"{learners[r]},{courses[c]},{w}" for r, c, w in zip(coo.row, coo.col, coo.data)]
    path.write_text("learner_id,course_id,weight\n" + "\n".join(rows) + "\n")


def test_a_model_saved_with_its_training_data_loads_it_back(tmp_path):
    path, data, _, _ = _saved(tmp_path, keep=True)
    loaded = learnrec.load(path)
    assert loaded.metadata["format_version"] == 3
    assert loaded.metadata["training_interactions"] == data.nnz
    assert (loaded.training_data != data).nnz == 0


def test_a_model_saved_without_training_data_is_a_version_2_file(tmp_path):
    path, _, _, _ = _saved(tmp_path, keep=False)
    loaded = learnrec.load(path)
    assert loaded.metadata["format_version"] == 2
    assert loaded.metadata["training_interactions"] is None
    assert loaded.training_data is None


def test_resaving_a_loaded_model_keeps_its_training_data(tmp_path):
    path, data, _, _ = _saved(tmp_path, keep=True)
    again = tmp_path / "again.lrc"
    learnrec.load(path).save(again)
    assert again.read_bytes() == path.read_bytes()


def test_training_data_of_another_shape_is_refused(tmp_path):
    path, data, _, _ = _saved(tmp_path, keep=False)
    model = learnrec.load(path)
    with pytest.raises(ValueError, match="training_data has 39 rows"):
        model.save(tmp_path / "bad.lrc", training_data=data[:39])


def test_forget_from_the_kept_data_equals_forget_with_the_training_csv(tmp_path):
    path, data, learners, courses = _saved(tmp_path, keep=True)
    csv = tmp_path / "train.csv"
    _write_interactions(csv, data, learners, courses)
    a = learnrec.forget(path, ["L007"], tmp_path / "a.lrc", num_threads=1)
    b = learnrec.forget(path, ["L007"], tmp_path / "b.lrc", interactions=csv, num_threads=1)
    assert a["learners_removed"] == 1
    assert a["data_matches_fingerprint"] == b["data_matches_fingerprint"]
    np.testing.assert_array_equal(a["courses_resolved"], np.sort(data[7].indices))
    np.testing.assert_array_equal(a["courses_resolved"], b["courses_resolved"])
    ma, mb = learnrec.load(tmp_path / "a.lrc"), learnrec.load(tmp_path / "b.lrc")
    np.testing.assert_array_equal(ma.item_factors, mb.item_factors)
    assert "L007" not in list(ma.learner_ids)
    assert b"L007" not in (tmp_path / "a.lrc").read_bytes()
    assert ma.training_data.shape == (39, 20)
    assert ma.training_data.nnz == data.nnz - data[7].nnz


def test_forget_without_data_from_a_file_that_keeps_none_says_what_to_give(tmp_path):
    path, _, _, _ = _saved(tmp_path, keep=False)
    with pytest.raises(learnrec.LearnrecError, match="keep-training-data"):
        learnrec.forget(path, ["L001"], tmp_path / "out.lrc")
    assert not (tmp_path / "out.lrc").exists()


def test_forget_refuses_a_single_string_for_learner_ids(tmp_path):
    path, _, _, _ = _saved(tmp_path, keep=True)
    with pytest.raises(TypeError, match="sequence of str"):
        learnrec.forget(path, "L001", tmp_path / "out.lrc")


def test_forget_in_log_removes_the_learners_events(tmp_path):
    log = tmp_path / "events.csv"
    log.write_text("learner_id,course_id,event,timestamp\nL001,C001,enrolled,1000\nL002,C001,completed,2000\n"
                   "L001,C002,completed,3000\n")
    assert learnrec.forget_in_log("events", log, log, ["L001"]) == 2
    assert "L001" not in log.read_text()
    assert "L002" in log.read_text()


def test_a_model_fitted_without_ids_and_saved_with_ids_and_its_data_is_recognised_by_forget(tmp_path):
    path, _, _, _ = _saved(tmp_path, keep=True)
    report = learnrec.forget(path, ["L007"], tmp_path / "out.lrc", num_threads=1)
    assert report["data_matches_fingerprint"] is True


def test_ids_given_at_save_give_the_fingerprint_of_ids_known_at_fit(tmp_path):
    path, data, learners, courses = _saved(tmp_path, keep=True)
    known = learnrec.ImplicitALS(factors=6, iterations=1, random_state=3, num_threads=1, calculate_training_loss=False)
    known.learner_ids, known.course_ids = np.array(learners, dtype=object), np.array(courses, dtype=object)
    known.fit(data, show_progress=False)
    assert learnrec.load(path).metadata["data_fingerprint"] == known.metadata["data_fingerprint"]


def test_saving_other_training_data_than_the_fitted_keeps_the_fit_fingerprint(tmp_path):
    data = random_interactions(40, 20)
    model = learnrec.ImplicitALS(factors=6, iterations=2, random_state=3, num_threads=1,
                                 calculate_training_loss=False).fit(data, show_progress=False)
    fitted = model.metadata["data_fingerprint"]
    other = data.copy()
    other.data = other.data + 1.0
    model.save(tmp_path / "m.lrc", learner_ids=[f"L{i}" for i in range(40)], course_ids=[f"C{i}" for i in range(20)],
               training_data=other)
    assert learnrec.load(tmp_path / "m.lrc").metadata["data_fingerprint"] == fitted
