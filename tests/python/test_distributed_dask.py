"""learnrec.distributed on Dask: on a LocalCluster of two worker processes (loopback), every learner's
top-N equals the in-process answer (the scripts' contract), over arrays and over a Dask DataFrame of
learner blocks; the model is scattered once and loaded once per worker; its bytes come back from a
worker unchanged; a push campaign in blocks equals the in-process campaign. Skipped without dask."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

import learnrec

distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed (extra 'distributed')")
pd = pytest.importorskip("pandas")

from learnrec.distributed import kernel  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, worker_dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def trained():
    user_items, _, _ = learnrec.generate_academy(seed=11, learners=1500, courses=120)
    model = learnrec.ImplicitALS(factors=16, iterations=3, random_state=2, num_threads=1).fit(user_items, show_progress=False)
    return model, user_items


def test_recommend_all_in_a_dask_client_equals_model_recommend_for_every_learner(client, trained):
    model, user_items = trained
    ids, scores = learnrec.distributed.recommend_all(model, user_items, N=10)
    want_ids, want_scores = model.recommend(np.arange(user_items.shape[0]), user_items, N=10)
    assert isinstance(ids, np.ndarray) and isinstance(scores, np.ndarray)
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_array_equal(scores, want_scores)


def test_a_dask_dataframe_of_learner_blocks_gives_the_same_rows(client, trained):
    dd = pytest.importorskip("dask.dataframe")
    model, user_items = trained
    learners = np.arange(0, user_items.shape[0], 3)
    pa = pytest.importorskip("pyarrow")
    # an Arrow list column: Dask keeps it as is (object columns would be converted to strings)
    exclude = pd.Series([user_items[u].indices.tolist() for u in learners], dtype=pd.ArrowDtype(pa.list_(pa.int32())))
    frame = pd.DataFrame({"learner": learners.astype(np.int64), "exclude": exclude})
    out = learnrec.distributed.recommend_all(model, dd.from_pandas(frame, npartitions=4), N=5).compute()
    want_ids, want_scores = model.recommend(learners, user_items[learners], N=5)
    out = out.sort_values(["learner", "rank"])
    got_ids = out["course"].to_numpy().reshape(len(learners), 5)
    np.testing.assert_array_equal(got_ids, want_ids)
    np.testing.assert_array_equal(out["score"].to_numpy().reshape(len(learners), 5), want_scores)


def test_the_model_is_scattered_once_and_loaded_once_per_worker(client, trained):
    from learnrec.distributed import dask as ldask

    model, user_items = trained
    client.run(kernel.clear_cache)
    future = ldask.scatter_model(model, client)
    for _ in range(2):
        ldask.recommend_all(future, user_items, N=3, block_size=200)
    loads = client.run(lambda: kernel.cache_info()["loads"])
    assert sorted(loads.values()) == [1, 1]


def test_model_bytes_come_back_from_a_worker_byte_identical(client, trained):
    model, _ = trained
    payload = kernel.model_payload(model)
    back = client.submit(lambda b: learnrec.to_bytes(kernel.model_from_payload(b)), payload, pure=False).result()
    assert back == payload


def test_a_push_campaign_in_blocks_on_dask_equals_the_in_process_campaign(client, tmp_path):
    courses = [f"C{c}" for c in range(12)]
    learners = [f"L{u:02d}" for u in range(40)]
    rng = np.random.default_rng(0)
    dense = (rng.random((40, 12)) < 0.3).astype(np.float32)
    model = learnrec.ImplicitALS(factors=4, iterations=4, random_state=0, num_threads=1).fit(
        scipy.sparse.csr_matrix(dense), show_progress=False)
    model.save(tmp_path / "m.lrc", learner_ids=learners, course_ids=courses)
    cat = tmp_path / "catalogue"
    cat.mkdir()
    (cat / "courses.csv").write_text("course_id,format\n" + "".join(f"{c},e-learning\n" for c in courses))
    (cat / "learners.csv").write_text("learner_id,country\n" + "".join(f"{u},France\n" for u in learners))
    for week, now in (("w1", "2026-06-01"), ("w2", "2026-06-08")):  # the second week reads the first's log
        learnrec.campaign.push(tmp_path / "m.lrc", cat, log=tmp_path / "log_local.csv", out=tmp_path / f"{week}_local.csv",
                               now=now, campaign=week, k=3, num_threads=1)
        report = learnrec.distributed.push_campaign(tmp_path / "m.lrc", cat, log=tmp_path / "log_dask.csv",
                                                    out=tmp_path / f"{week}_dask.csv", now=now, campaign=week,
                                                    learners=learners, block_size=15, k=3, num_threads=1)
        local = learnrec.campaign.read_campaign(tmp_path / f"{week}_local.csv")
        on_dask = learnrec.campaign.read_campaign(tmp_path / f"{week}_dask.csv")
        key = ["learner_id", "rank"]
        pd.testing.assert_frame_equal(local.sort_values(key).reset_index(drop=True),
                                      on_dask.sort_values(key).reset_index(drop=True))
        assert report["pushes"] == len(local) and len(report["blocks"]) == 3
    local_log = learnrec.campaign.read_push_log(tmp_path / "log_local.csv")
    dask_log = learnrec.campaign.read_push_log(tmp_path / "log_dask.csv")
    cols = ["campaign", "learner_id", "course_id", "event"]
    pd.testing.assert_frame_equal(local_log[cols].sort_values(cols).reset_index(drop=True),
                                  dask_log[cols].sort_values(cols).reset_index(drop=True))
