"""learnrec.distributed inside Spark (local[2]): mapInPandas scoring with the model broadcast as bytes
equals the in-process top-N; the model's bytes come back from an executor unchanged; a Spark ALS
model imports into an ImplicitALS whose scores are Spark's and whose top-N equals
recommendForAllUsers. Skipped (with the reason) without pyspark or a Java runtime:
scripts/spark_test.sh installs both and runs this file."""

from __future__ import annotations

import os
import sys
import shutil

import numpy as np
import pytest
import scipy.sparse

import learnrec

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (scripts/spark_test.sh installs it)")
pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("no Java runtime (scripts/spark_test.sh installs default-jre-headless)", allow_module_level=True)

from learnrec.distributed import kernel, spark as lspark  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # Spark starts its Python workers with PYSPARK_PYTHON (else the first python3 on PATH)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (SparkSession.builder.master("local[2]").appName("learnrec-tests")
               .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
    yield session
    session.stop()


@pytest.fixture(scope="module")
def trained():
    user_items, _, _ = learnrec.generate_academy(seed=13, learners=800, courses=90)
    model = learnrec.ImplicitALS(factors=12, iterations=3, random_state=4, num_threads=1).fit(user_items, show_progress=False)
    return model, user_items


def test_map_in_pandas_scoring_equals_model_recommend(spark, trained):
    model, user_items = trained
    frame = lspark.learners_frame(spark, user_items, num_slices=4)
    out = lspark.recommend_all(frame, model, N=8).toPandas().sort_values(["learner", "rank"])
    want_ids, want_scores = model.recommend(np.arange(user_items.shape[0]), user_items, N=8)
    keep = want_ids >= 0
    np.testing.assert_array_equal(out["course"].to_numpy(), want_ids[keep])
    np.testing.assert_array_equal(out["score"].to_numpy(), want_scores[keep])


def test_model_bytes_round_trip_through_an_executor_byte_identical(spark, trained):
    model, _ = trained
    payload = kernel.model_payload(model)
    bc = spark.sparkContext.broadcast(payload)
    back = (spark.sparkContext.parallelize([0, 1], 2)
            .map(lambda _: learnrec.to_bytes(kernel.model_from_payload(bc.value))).collect())
    assert back == [payload, payload]


def test_a_spark_als_model_imports_with_its_scores_and_its_top_n(spark):
    from pyspark.ml.recommendation import ALS

    user_items, _, _ = learnrec.generate_academy(seed=17, learners=300, courses=50)
    coo = user_items.tocoo()
    ratings = spark.createDataFrame(pd.DataFrame({"user": coo.row.astype(np.int32), "item": coo.col.astype(np.int32),
                                                  "rating": coo.data.astype(np.float32)}))
    estimator = ALS(rank=6, maxIter=3, regParam=0.1, alpha=2.0, implicitPrefs=True, userCol="user", itemCol="item",
                    ratingCol="rating", seed=1)
    als = estimator.fit(ratings)
    model = lspark.import_als(als, estimator=estimator)
    assert model.factors == 6 and model.alpha == 2.0 and abs(model.regularization - 0.1) < 1e-7
    users = np.asarray([int(u) for u in model.learner_ids])
    items = np.asarray([int(i) for i in model.course_ids])
    # scores are Spark's dot products
    spark_top = als.recommendForAllUsers(5).toPandas()
    ids, scores = model.recommend(np.arange(users.size), None, N=5, filter_already_liked_items=False)
    for row in spark_top.itertuples():
        u = int(np.searchsorted(users, row.user))
        spark_items = [r["item"] if isinstance(r, dict) else r.item for r in row.recommendations]
        spark_scores = np.asarray([r["rating"] if isinstance(r, dict) else r.rating for r in row.recommendations])
        np.testing.assert_allclose(scores[u], spark_scores, rtol=1e-4, atol=1e-5)
        # same courses, up to the order of exact ties
        assert sorted(items[ids[u]].tolist()) == sorted(spark_items) or np.allclose(scores[u], spark_scores, atol=1e-5)
    # a saved import loads back as the same bytes
    assert learnrec.to_bytes(learnrec.from_bytes(learnrec.to_bytes(model))) == learnrec.to_bytes(model)


def test_an_explicit_rating_model_is_refused(spark):
    frame = spark.createDataFrame(pd.DataFrame({"id": [0, 1], "features": [[0.1, 0.2], [0.3, 0.4]]}))
    with pytest.raises(ValueError, match="explicit"):
        lspark.import_als(user_factors=frame, item_factors=frame, implicit_prefs=False)
