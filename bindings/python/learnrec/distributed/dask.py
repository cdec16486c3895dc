"""learnrec on Dask: every learner's top-N and push campaigns on a Dask cluster.

Run inside an active ``dask.distributed`` client (``Client(...)`` or ``with Client(...)``). The
model is scattered once (its model-file bytes, broadcast to every worker); each task scores one
block of learners with :func:`learnrec.distributed.kernel.score_block`, which loads the model once
per worker process. Requires ``pip install "learnrec[distributed]"``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp

from . import kernel

__all__ = ["recommend_all", "push_campaign", "scatter_model"]


def _client(client: Any = None) -> Any:
    if client is not None:
        return client
    try:
        from distributed import get_client
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError('learnrec.distributed.dask needs dask.distributed: pip install "learnrec[distributed]"') from e
    try:
        return get_client()
    except ValueError as e:
        raise RuntimeError("learnrec.distributed.recommend_all runs inside an active Dask client "
                           "(distributed.Client(...)); none was found") from e


def scatter_model(model: Any, client: Any = None) -> Any:
    """The model's bytes scattered to every worker once (a Future to pass to later calls)."""
    c = _client(client)
    # A fresh key per call, not the content hash: re-scattering bytes whose earlier future was just
    # released races with the scheduler forgetting that key, and the scatter can hang for good
    # (dask/distributed#8576; seen here in CI). Workers still load a model once: kernel's cache is
    # keyed by the bytes, not by the Dask key.
    return c.scatter(kernel.model_payload(model), broadcast=True, hash=False)


def _workers_threads(c: Any) -> int:
    info = c.scheduler_info().get("workers", {})
    return max(1, sum(int(w.get("nthreads", 1)) for w in info.values()))


def _score_range(payload: Any, start: int, stop: int, rows: Any, N: int, items: Any, filter_items: Any,
                 ranker: Any, now: Any, rules: Any, num_threads: int) -> Tuple[np.ndarray, np.ndarray]:
    ids = np.arange(start, stop, dtype=np.int32)
    return kernel.score_block(payload, ids, exclude=rows, N=N, items=items, filter_items=filter_items,
                              ranker=ranker, now=now, rules=rules, num_threads=num_threads)


def recommend_all(model: Any, user_items: Any = None, N: int = 10, *, learners: Optional[Sequence[int]] = None,
                  filter_already_liked_items: bool = True, items: Any = None, filter_items: Any = None,
                  ranker: Any = None, now: Any = None, rules: Any = None, block_size: Optional[int] = None,
                  num_threads: int = 1, client: Any = None) -> Any:
    """Top-``N`` courses of every learner, computed on the active Dask cluster.

    With ``user_items`` a scipy matrix (learners x courses) or None: returns ``(ids, scores)``,
    numpy arrays of shape (learners, N) equal to ``model.recommend(range(learners), user_items,
    N=N)`` in process (padded with -1 / -inf the same way). ``learners`` restricts to those model
    indices (rows of the result in that order; ``user_items`` still has one row per model learner).

    With ``user_items`` a Dask DataFrame of learner blocks (columns ``learner`` and optionally
    ``exclude``, lists of course indices, and ``embedding``, see ``kernel.FRAME_COLUMNS``; give
    list columns an Arrow dtype, ``pd.ArrowDtype(pa.list_(pa.int32()))``: Dask turns object
    columns into strings):
    returns a lazy Dask DataFrame ``learner, rank, course, score`` (one row per recommendation).

    ``model`` is a fitted learnrec model, its bytes, or the Future of :func:`scatter_model` (reuse
    it across calls: the model is then sent once). ``ranker=(factory, key)`` ranks with the
    Ranker's rules (see ``kernel.score_block``; needs ``now``). ``num_threads`` native threads per
    task; blocks default to about four per worker thread.
    """
    c = _client(client)
    payload = model if _is_future(model) else scatter_model(model, c)

    if _is_dask_frame(user_items):
        meta = {"learner": user_items["learner"].dtype, "rank": np.int32, "course": np.int32, "score": np.float32}
        import pandas as pd

        meta_frame = pd.DataFrame({k: pd.Series(dtype=v) for k, v in meta.items()})
        return user_items.map_partitions(_score_partition, payload, N, num_threads=num_threads, items=items,
                                         filter_items=filter_items, ranker=ranker, now=now, rules=rules,
                                         meta=meta_frame)

    local = kernel.model_from_payload(c.gather(payload) if _is_future(model) else kernel.model_payload(model))
    n = local.model.num_learners
    order = None if learners is None else np.asarray(learners, dtype=np.int64).reshape(-1)
    if order is not None and order.size and (order.min() < 0 or order.max() >= n):
        raise IndexError(f"a learner index is outside [0, {n})")
    total = n if order is None else order.size
    if filter_already_liked_items and ranker is None:
        if user_items is None:
            raise ValueError("user_items is required when filter_already_liked_items is set")
        user_items = sp.csr_matrix(user_items)
        if user_items.shape[0] != n:
            raise ValueError(f"user_items has {user_items.shape[0]} rows, the model has {n} learners")
    if block_size is None:
        block_size = max(256, -(-total // (4 * _workers_threads(c))))
    futures = []
    for start, stop in kernel.blocks(total, block_size):
        if order is None:
            sel = None
            rows = user_items[start:stop] if filter_already_liked_items and ranker is None else None
        else:
            sel = order[start:stop]
            rows = user_items[sel] if filter_already_liked_items and ranker is None else None
        if sel is None:
            futures.append(c.submit(_score_range, payload, start, stop, rows, N, items, filter_items, ranker, now,
                                    rules, num_threads, pure=False))
        else:
            futures.append(c.submit(_score_ids, payload, sel, rows, N, items, filter_items, ranker, now, rules,
                                    num_threads, pure=False))
    parts = c.gather(futures)
    if not parts:
        return np.empty((0, N), dtype=np.int32), np.empty((0, N), dtype=np.float32)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _score_partition(frame: Any, payload: Any, N: int, **options: Any) -> Any:
    # map_partitions passes the partition first; the kernel takes the model first
    return kernel.score_frame(payload, frame, N, **options)


def _score_ids(payload: Any, ids: np.ndarray, rows: Any, N: int, items: Any, filter_items: Any, ranker: Any,
               now: Any, rules: Any, num_threads: int) -> Tuple[np.ndarray, np.ndarray]:
    return kernel.score_block(payload, ids, exclude=rows, N=N, items=items, filter_items=filter_items,
                              ranker=ranker, now=now, rules=rules, num_threads=num_threads)


def _is_future(x: Any) -> bool:
    try:
        from distributed import Future
    except ImportError:  # pragma: no cover
        return False
    return isinstance(x, Future)


def _is_dask_frame(x: Any) -> bool:
    try:
        import dask.dataframe as dd
    except ImportError:
        return False
    return isinstance(x, dd.DataFrame)


# ---- push campaigns --------------------------------------------------------------------------

def _campaign_block(learners: List[str], model: str, catalogue: str, log: str, workdir: str, block: int,
                    options: Dict[str, Any]) -> Dict[str, Any]:
    from .. import campaign

    # Each block reads the whole push log (what was pushed to its learners before) from its own
    # copy, so blocks never append to one file concurrently; the records the block adds are the
    # copy's new tail, which the client appends to the real log in block order.
    own_log = os.path.join(workdir, f"log-{block:06d}.csv")
    before = 0
    if os.path.exists(log):
        shutil.copyfile(log, own_log)
        before = os.path.getsize(own_log)
    out = os.path.join(workdir, f"out-{block:06d}.csv")
    report = campaign.push(model, catalogue, log=own_log, out=out, learners=learners, format="csv", **options)
    with open(own_log, "rb") as f:
        f.seek(before)
        tail = f.read()
    return {"report": report, "out": out, "log_tail": tail, "had_header": before > 0}


def push_campaign(model: Any, catalogue: Any, *, log: Any, out: Any, now: str, campaign: str, learners: Sequence[str],
                  block_size: int = 5000, client: Any = None, **options: Any) -> Dict[str, Any]:
    """A push campaign (``learnrec.campaign.push``) run in blocks of ``learners`` on the Dask cluster.

    ``learners`` are the targeted learner ids (e.g. the ``learner_id`` column of the catalogue's
    learners.csv, filtered by the caller); paths (model file, catalogue, log, events, rules) must be
    readable by every worker (a shared filesystem, as with any Dask file input). Each block ranks
    its learners with all rules against the current push log; the pushed records are appended to
    ``log`` and the rows written to ``out`` (CSV, atomically) in block order, so the result equals
    one in-process campaign over the same learners. Returns ``{"blocks": [reports], "learners":
    reached, "pushes": rows}``.
    """
    c = _client(client)
    model, catalogue, log, out = (os.path.abspath(os.fspath(p)) for p in (model, catalogue, log, out))
    opts = dict(options, now=str(now), campaign=str(campaign))
    for key in ("rules", "events"):
        if opts.get(key):
            opts[key] = os.path.abspath(os.fspath(opts[key]))
    ids = [str(x) for x in learners]
    workdir = tempfile.mkdtemp(prefix=".campaign-dask-", dir=os.path.dirname(out))
    try:
        futures = [c.submit(_campaign_block, ids[s:e], model, catalogue, log, workdir, b, opts, pure=False)
                   for b, (s, e) in enumerate(kernel.blocks(len(ids), block_size))]
        parts = c.gather(futures)
        _append_tails(log, parts)
        _concatenate_outputs(out, [p["out"] for p in parts], workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    reports = [p["report"] for p in parts]
    return {"blocks": reports, "learners": sum(int(r.get("learners_reached", 0)) for r in reports),
            "pushes": sum(int(r.get("pushes", 0)) for r in reports)}


def _append_tails(log: str, parts: List[Dict[str, Any]]) -> None:
    tails = []
    for p in parts:
        tail = p["log_tail"]
        if not p["had_header"] and tail:
            # A block that started from no log wrote the header first: keep it once.
            first, _, rest = tail.partition(b"\n")
            if tails or os.path.exists(log):
                tail = rest
            else:
                tail = first + b"\n" + rest
        tails.append(tail)
    data = b"".join(tails)
    if not data:
        return
    with open(log, "ab") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _concatenate_outputs(out: str, paths: List[str], workdir: str) -> None:
    staged = os.path.join(workdir, "merged.csv")
    with open(staged, "wb") as dst:
        for i, p in enumerate(paths):
            with open(p, "rb") as src:
                header = src.readline()
                if i == 0:
                    dst.write(header)
                shutil.copyfileobj(src, dst)
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(staged, out)
