"""learnrec.distributed's engine-neutral kernel, in process: a block scored from model bytes equals
model.recommend on the same learners (ids, exclusions, embeddings, rules), the model is loaded once
per process, and chunked reading of CSV / Parquet equals the whole-file reader."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

import learnrec
from learnrec.distributed import kernel
from learnrec.distributed.chunks import read_interactions_chunked

from conftest import random_interactions


@pytest.fixture(scope="module")
def trained():
    user_items = random_interactions(learners=80, courses=50, per_learner=6, seed=3)
    model = learnrec.ImplicitALS(factors=8, iterations=4, random_state=5, num_threads=1).fit(user_items, show_progress=False)
    return model, user_items, kernel.model_payload(model)


def test_a_block_of_learner_ids_scores_as_model_recommend(trained):
    model, user_items, payload = trained
    ids = np.arange(10, 40)
    got = kernel.score_block(payload, ids, exclude=user_items[ids], N=7)
    want = model.recommend(ids, user_items[ids], N=7)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_exclusions_as_lists_of_course_indices_equal_a_csr(trained):
    model, user_items, payload = trained
    ids = np.arange(0, 20)
    lists = [user_items[u].indices for u in ids]
    got = kernel.score_block(payload, ids, exclude=lists, N=5)
    want = kernel.score_block(payload, ids, exclude=user_items[ids], N=5)
    np.testing.assert_array_equal(got[0], want[0])


def test_new_learners_given_as_embeddings_score_like_their_trained_rows(trained):
    model, user_items, payload = trained
    ids = np.arange(5, 25)
    got = kernel.score_block(payload, embeddings=model.user_factors[ids], exclude=user_items[ids], N=6)
    want = model.recommend(ids, user_items[ids], N=6)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1], rtol=1e-6)


def test_embeddings_of_the_wrong_width_are_refused(trained):
    _, _, payload = trained
    with pytest.raises(ValueError, match="factors"):
        kernel.score_block(payload, embeddings=np.ones((2, 3), dtype=np.float32), N=3)


def test_a_model_is_loaded_once_per_process_whatever_the_number_of_blocks(trained):
    _, user_items, payload = trained
    kernel.clear_cache()
    for start in range(0, 80, 20):
        ids = np.arange(start, start + 20)
        kernel.score_block(bytes(payload), ids, exclude=user_items[ids], N=3)
    assert kernel.cache_info()["loads"] == 1


def test_bytes_that_are_not_a_model_file_are_refused():
    with pytest.raises(ValueError, match="magic"):
        kernel.model_payload(b"not a model" * 10)


def test_a_corrupted_payload_is_refused_by_its_checksum(trained):
    _, _, payload = trained
    bad = bytearray(payload)
    bad[-5] ^= 0xFF
    kernel.clear_cache()
    with pytest.raises(learnrec.LearnrecError, match="checksum"):
        kernel.score_block(bytes(bad), np.arange(3), N=3)


def test_frames_score_as_long_rows_without_padding(trained):
    pd = pytest.importorskip("pandas")
    model, user_items, payload = trained
    ids = np.arange(30, 45)
    frame = pd.DataFrame({"learner": ids, "exclude": [user_items[u].indices for u in ids]})
    out = kernel.score_frame(payload, frame, 4)
    want_ids, want_scores = model.recommend(ids, user_items[ids], N=4)
    assert list(out.columns) == ["learner", "rank", "course", "score"]
    assert len(out) == int((want_ids >= 0).sum())
    first = out[out["rank"] == 1].set_index("learner")["course"]
    np.testing.assert_array_equal(first.loc[ids].to_numpy(), want_ids[:, 0])


def test_ranker_rules_in_a_block_equal_the_rankers_own_answer(trained):
    model = learnrec.ImplicitALS(factors=8, iterations=3, random_state=1, num_threads=1)
    user_items, _, _ = learnrec.generate_academy(seed=7, learners=300, courses=60)
    model.fit(user_items, show_progress=False)
    payload = kernel.model_payload(model)
    factory = _academy_ranker
    got_ids, got_scores = kernel.score_block(payload, np.arange(50, 90), N=5, ranker=(factory, "academy-7"),
                                             now="2026-06-01")
    ranker = learnrec.ranking.Ranker.from_academy(model, seed=7, learners=300, courses=60)
    want = ranker.recommend(np.arange(50, 90), "2026-06-01", k=5)
    np.testing.assert_array_equal(got_ids, np.asarray(want.ids))
    np.testing.assert_array_equal(got_scores, np.asarray(want.scores))


def _academy_ranker(model):
    return learnrec.ranking.Ranker.from_academy(model, seed=7, learners=300, courses=60)


def _write_log(path, user_items, parquet=False):
    pd = pytest.importorskip("pandas")
    coo = user_items.tocoo()
    frame = pd.DataFrame({"learner_id": [f"L{r:04d}" for r in coo.row], "course_id": [f"C{c:03d}" for c in coo.col],
                          "weight": coo.data.astype(np.float32)})
    frame = frame.sample(frac=1.0, random_state=0)  # first appearance != index order
    if parquet:
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_chunked_reading_equals_the_whole_file_reader(tmp_path, ext):
    pytest.importorskip("pyarrow")
    user_items = random_interactions(learners=120, courses=30, per_learner=5, seed=9)
    path = tmp_path / f"log.{ext}"
    _write_log(path, user_items, parquet=(ext == "parquet"))
    if ext == "csv":
        want, want_learners, want_courses = learnrec.read_interactions(path)
    else:
        _write_log(tmp_path / "same.csv", user_items)
        want, want_learners, want_courses = learnrec.read_interactions(tmp_path / "same.csv")
    got, learners, courses = read_interactions_chunked(path, batch_rows=97)  # many small batches
    assert list(learners.to_pylist()) == list(want_learners)
    assert list(courses.to_pylist()) == list(want_courses)
    assert got.dtype == np.float32 and (got != want).nnz == 0


def test_chunked_reading_sums_duplicate_pairs_and_defaults_weights_to_one(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "log.csv"
    path.write_text("learner_id,course_id\nA,x\nB,y\nA,x\n007,y\n7,y\n")
    m, learners, courses = read_interactions_chunked(path, batch_rows=2)
    assert learners.to_pylist() == ["A", "B", "007", "7"] and courses.to_pylist() == ["x", "y"]
    np.testing.assert_array_equal(m.toarray(), [[2, 0], [0, 1], [0, 1], [0, 1]])
