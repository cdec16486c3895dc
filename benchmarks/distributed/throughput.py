"""Learners scored per second per core: learnrec in process, on Dask (2 worker processes x 1 thread),
inside Spark local[2] (mapInPandas, one native thread per task), and Spark's own
recommendForAllUsers, all on the same factors (a Spark implicit ALS model imported into learnrec).

    scripts/spark_test.sh --co -q                      # (once) Java + pyspark in .venv
    .venv/bin/python benchmarks/distributed/throughput.py --learners 100000 --courses 5000 --rank 64

Each engine runs every learner's top-10 twice; the second (warm: JVM, workers and model loaded)
run is reported. Spark outputs are forced with the "noop" sink (everything computed, nothing
written). Without exclusions for every engine (recommendForAllUsers has none), plus learnrec with
each learner's courses excluded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import resource
import time

import numpy as np


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def timed(fn, repeat: int = 2):
    out = None
    for _ in range(repeat):
        w, c = time.perf_counter(), cpu()
        out = fn()
        w, c = time.perf_counter() - w, cpu() - c
    return w, c, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--learners", type=int, default=100_000)
    ap.add_argument("--courses", type=int, default=5000)
    ap.add_argument("--rank", type=int, default=64)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "results", "distributed_throughput.json"))
    a = ap.parse_args()

    import pandas as pd
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import SparkSession

    import learnrec
    from learnrec.distributed import spark as lspark

    rows = []

    def report(engine: str, cores: int, wall: float, cpu_s, n: int, note: str = "") -> None:
        row = {"engine": engine, "cores": cores, "learners": n, "wall_s": round(wall, 3),
               "cpu_s": None if cpu_s is None else round(cpu_s, 3),
               "learners_per_s_per_core": round(n / wall / cores), "load": load(), "note": note}
        rows.append(row)
        print(json.dumps(row), flush=True)

    user_items, _, _ = learnrec.generate_academy(seed=42, learners=a.learners, courses=a.courses)
    n = user_items.shape[0]
    # Spark starts its Python workers with PYSPARK_PYTHON (else the first python3 on PATH)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (SparkSession.builder.master("local[2]").appName("learnrec-throughput")
             .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.ui.enabled", "false").config("spark.driver.memory", "3g")
             .config("spark.sql.shuffle.partitions", "4")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
    coo = user_items.tocoo()
    ratings = spark.createDataFrame(pd.DataFrame({"user": coo.row.astype(np.int32), "item": coo.col.astype(np.int32),
                                                  "rating": coo.data.astype(np.float32)})).repartition(4).cache()
    t = time.perf_counter()
    estimator = ALS(rank=a.rank, maxIter=2, regParam=0.1, alpha=10.0, implicitPrefs=True, userCol="user",
                    itemCol="item", ratingCol="rating", seed=1)
    als = estimator.fit(ratings)
    print(f"spark ALS fit: {time.perf_counter() - t:.1f} s", flush=True)
    model = lspark.import_als(als, estimator=estimator)
    # The imported model holds the learners and courses Spark saw (ordered by Spark id): the
    # exclusions are the academy's rows and columns of those ids.
    users = np.asarray([int(x) for x in model.learner_ids])
    items = np.asarray([int(x) for x in model.course_ids])
    scored = users.size
    ui = user_items[users][:, items].tocsr()

    # in process
    model.num_threads = 1
    w, c, _ = timed(lambda: model.recommend(np.arange(scored), None, N=10, filter_already_liked_items=False))
    report("learnrec in process", 1, w, c, scored, "1 native thread")
    w, c, _ = timed(lambda: model.recommend(np.arange(scored), ui, N=10))
    report("learnrec in process", 1, w, c, scored, "1 thread, own courses excluded")

    # Dask: two worker processes, one thread each
    try:
        import distributed

        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                           dashboard_address=None, worker_dashboard_address=None)
        with distributed.Client(cluster) as client:
            from learnrec.distributed import dask as ldask

            fut = ldask.scatter_model(model, client)
            w, _, _ = timed(lambda: ldask.recommend_all(fut, None, N=10, filter_already_liked_items=False))
            report("learnrec on Dask", 2, w, None, scored, "2 workers x 1 thread, model scattered once")
            w, _, _ = timed(lambda: ldask.recommend_all(fut, ui, N=10))
            report("learnrec on Dask", 2, w, None, scored, "2 workers x 1 thread, own courses excluded")
        cluster.close()
    except ImportError:
        print("dask not installed: skipped", flush=True)

    # Spark: learnrec in mapInPandas vs recommendForAllUsers, same factors
    bc = lspark.broadcast_model(spark, model)
    plain = spark.range(scored).withColumnRenamed("id", "learner").repartition(8).cache()
    plain.count()
    with_excl = lspark.learners_frame(spark, ui, num_slices=8).cache()
    with_excl.count()
    w, _, _ = timed(lambda: lspark.recommend_all(plain, bc, N=10).write.format("noop").mode("overwrite").save())
    report("learnrec in Spark local[2]", 2, w, None, scored, "mapInPandas, 1 native thread per task")
    w, _, _ = timed(lambda: lspark.recommend_all(with_excl, bc, N=10).write.format("noop").mode("overwrite").save())
    report("learnrec in Spark local[2]", 2, w, None, scored, "mapInPandas, own courses excluded")
    w, _, _ = timed(lambda: als.recommendForAllUsers(10).write.format("noop").mode("overwrite").save())
    report("Spark recommendForAllUsers local[2]", 2, w, None, scored, "Spark MLlib, same factors")
    spark.stop()

    meta = {"learners": scored, "courses": len(model.course_ids), "rank": a.rank, "cpu": _cpu_name(),
            "rows": rows}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(meta, f, indent=1)


def _cpu_name() -> str:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


if __name__ == "__main__":
    main()
