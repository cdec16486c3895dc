"""learnrec past one machine: scoring, campaigns and data loading inside Dask and Spark.

Optional: ``pip install "learnrec[distributed]"`` brings Dask (dask[distributed]); PySpark and a
Java runtime are the cluster's own (``scripts/spark_test.sh`` installs them for the tests). The
core package never imports this one, and this one imports an engine only when it is used.

* :mod:`.kernel` — the engine-neutral kernel: one block of learners scored against a model that
  travels as its model-file bytes and is loaded once per worker process.
* :mod:`.dask` — :func:`recommend_all` (the contract for scripts: inside an active Dask client,
  ``recommend_all(model, user_items, N=10)`` returns ``(ids, scores)`` equal to
  ``model.recommend(all learners, user_items, N=10)``) and :func:`push_campaign`.
* :mod:`.spark` — scoring with ``mapInPandas`` (model broadcast as bytes, one native thread per
  task) and import of a Spark ALS model.
* :mod:`.chunks` — interactions read in chunks from CSV or Parquet, never as Python objects.
"""

from __future__ import annotations

from typing import Any

from . import kernel
from .chunks import read_interactions_chunked

__all__ = ["kernel", "recommend_all", "push_campaign", "read_interactions_chunked"]


def recommend_all(model: Any, user_items: Any = None, N: int = 10, **options: Any) -> Any:
    """Every learner's top-N on the active Dask client: see :func:`learnrec.distributed.dask.recommend_all`."""
    from .dask import recommend_all as run

    return run(model, user_items, N, **options)


def push_campaign(*args: Any, **options: Any) -> Any:
    """A push campaign in blocks on the active Dask client: see :func:`learnrec.distributed.dask.push_campaign`."""
    from .dask import push_campaign as run

    return run(*args, **options)
