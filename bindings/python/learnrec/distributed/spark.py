"""learnrec inside Spark: scoring with ``mapInPandas`` and import of Spark ALS models.

* :func:`recommend_all` scores a DataFrame of learners (``learner`` and optionally ``exclude``,
  an array of course indices, and ``embedding``, an array of floats) with a learnrec model
  broadcast as its model-file bytes; each Python worker loads it once and every task scores its
  batches with one native thread (Spark already runs one task per core). Output: one row per
  recommendation, ``learner, rank, course, score``.
* :func:`import_als` turns a trained ``pyspark.ml.recommendation.ALSModel`` (or its
  ``userFactors`` / ``itemFactors`` DataFrames) into a learnrec ``ImplicitALS``: train on the
  cluster, serve (rules, campaigns, the HTTP service) with learnrec.

PySpark and a Java runtime are the cluster's; learnrec does not depend on them.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from . import kernel

__all__ = ["broadcast_model", "recommend_all", "learners_frame", "import_als", "OUTPUT_SCHEMA"]

#: Spark schema of :func:`recommend_all`'s output.
OUTPUT_SCHEMA = "learner long, rank int, course int, score float"


def broadcast_model(spark: Any, model: Any) -> Any:
    """The model's bytes as a Spark broadcast variable (sent once per executor)."""
    return spark.sparkContext.broadcast(kernel.model_payload(model))


def learners_frame(spark: Any, user_items: Any = None, learners: Any = None, num_slices: Optional[int] = None) -> Any:
    """A Spark DataFrame ``learner long, exclude array<int>`` of model learners (all by default)
    with their courses from ``user_items`` (a scipy CSR, one row per model learner) to exclude."""
    import pandas as pd
    import scipy.sparse as sp

    if learners is None:
        if user_items is None:
            raise ValueError("give user_items or learners")
        learners = np.arange(user_items.shape[0], dtype=np.int64)
    learners = np.asarray(learners, dtype=np.int64)
    frame = pd.DataFrame({"learner": learners})
    if user_items is not None:
        m = sp.csr_matrix(user_items)
        frame["exclude"] = [m.indices[m.indptr[u]:m.indptr[u + 1]].astype(np.int32) for u in learners]
        schema = "learner long, exclude array<int>"
    else:
        schema = "learner long"
    df = spark.createDataFrame(frame, schema=schema)
    if num_slices:
        df = df.repartition(int(num_slices))
    return df


def recommend_all(learners: Any, model: Any, N: int = 10, *, ranker: Any = None, now: Any = None, rules: Any = None,
                  items: Any = None, filter_items: Any = None) -> Any:
    """Top-``N`` of every learner in the Spark DataFrame ``learners`` (see the module doc), as a
    DataFrame ``learner, rank, course, score`` (padding left out). ``model`` is a fitted model,
    its bytes, or a broadcast of :func:`broadcast_model`. Lazy, like any Spark transformation."""
    spark = learners.sparkSession
    bc = model if _is_broadcast(model) else broadcast_model(spark, model)
    n = int(N)
    options = dict(ranker=ranker, now=now, rules=rules, items=items, filter_items=filter_items)

    def score(batches: Any) -> Any:
        payload = bc.value  # deserialised once per Python worker; the model is cached by its envelope
        for pdf in batches:
            # one native thread: Spark runs a task per core already
            yield kernel.score_frame(payload, pdf, n, num_threads=1, **options)

    return learners.mapInPandas(score, schema=OUTPUT_SCHEMA)


def _is_broadcast(x: Any) -> bool:
    try:
        from pyspark.broadcast import Broadcast
    except ImportError:  # pragma: no cover
        return False
    return isinstance(x, Broadcast)


def _factors(frame: Any, what: str) -> Tuple[np.ndarray, np.ndarray]:
    """(ids, factors) of a Spark ``id int, features array<float>`` DataFrame, sorted by id."""
    pdf = frame.select("id", "features").toPandas()
    ids = pdf["id"].to_numpy(dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    ids = ids[order]
    if ids.size and np.any(ids[1:] == ids[:-1]):
        raise ValueError(f"{what} repeat an id")
    feats = pdf["features"].to_numpy()[order]
    if not len(feats):
        return ids, np.zeros((0, 0), dtype=np.float32)
    return ids, np.ascontiguousarray(np.stack([np.asarray(f, dtype=np.float32) for f in feats]))


def import_als(als: Any = None, *, estimator: Any = None, user_factors: Any = None, item_factors: Any = None,
               implicit_prefs: Optional[bool] = None, regularization: Optional[float] = None,
               alpha: Optional[float] = None, iterations: Optional[int] = None) -> Any:
    """A learnrec ``ImplicitALS`` with the factors of a Spark ALS model.

    ``als`` is a ``pyspark.ml.recommendation.ALSModel``; ``estimator`` the ``ALS`` that fitted it
    (an ALSModel does not keep ``implicitPrefs``, ``regParam``, ``alpha`` or ``maxIter``: they come
    from the estimator, or from the keyword arguments). Or give the ``user_factors`` /
    ``item_factors`` DataFrames (``id``, ``features``) and the parameters.
    Learners and courses are ordered by Spark id, and ``learner_ids`` / ``course_ids`` hold those
    ids as strings, so ``model.save(path)`` writes a file the CLI, the service and campaigns read.

    Only implicit-feedback models (``implicitPrefs=True``) are imported: an explicit model's
    factors predict ratings, and learnrec's fold-in and partial fits would treat them as
    confidences. Spark scales ``regParam`` by each row's count (ALS-WR); learnrec's
    regularisation is not scaled, so folded-in learners are solved with ``regParam`` as given
    (scores of the imported learners and courses are exactly Spark's dot products).
    """
    from .. import _core
    from ..persistence import _wrap

    if als is not None:
        user_factors = als.userFactors
        item_factors = als.itemFactors
    if estimator is not None:
        params = {p.name: v for p, v in estimator.extractParamMap().items()}
        implicit_prefs = params.get("implicitPrefs") if implicit_prefs is None else implicit_prefs
        regularization = params.get("regParam") if regularization is None else regularization
        alpha = params.get("alpha") if alpha is None else alpha
        iterations = params.get("maxIter") if iterations is None else iterations
    if user_factors is None or item_factors is None:
        raise ValueError("give a Spark ALSModel or both user_factors and item_factors")
    if implicit_prefs is None:
        raise ValueError("say whether the Spark model was trained with implicitPrefs (only True is imported)")
    if not implicit_prefs:
        raise ValueError("the Spark ALS model was trained on explicit ratings (implicitPrefs=False): learnrec's "
                         "ImplicitALS imports implicit-feedback models only")
    uids, uf = _factors(user_factors, "userFactors")
    iids, itf = _factors(item_factors, "itemFactors")
    if uf.shape[1] != itf.shape[1]:
        raise ValueError(f"userFactors have {uf.shape[1]} factors, itemFactors {itf.shape[1]}")
    config = _core.AlsConfig(factors=int(itf.shape[1]), regularization=float(regularization if regularization is not None else 0.1),
                             alpha=float(alpha if alpha is not None else 1.0),
                             iterations=int(iterations if iterations is not None else 10),
                             solver=_core.AlsSolver.cholesky, cg_steps=3, seed=0, num_threads=0, calculate_loss=False)
    config.validate()
    core = _core.AlsModel(uf, itf, config)
    meta = {"trained_at": "", "data_fingerprint": "",
            "history": [f"imported from Spark ALS: {uids.size} users, {iids.size} items, rank {itf.shape[1]}"]}
    return _wrap(core, [str(i) for i in uids], [str(i) for i in iids], meta)
