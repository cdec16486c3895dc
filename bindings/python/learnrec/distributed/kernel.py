"""The engine-neutral kernel: score one block of learners on whatever process runs it.

Dask tasks and Spark's ``mapInPandas`` both end here. A block is learners given by model index
(with the courses to exclude for each) or by embedding (new learners, vectors computed elsewhere);
the answer is the top-N as numpy columns, or a long pandas frame (``learner, rank, course, score``).

The model travels as its model-file bytes (``learnrec.to_bytes``): checked (magic, sizes, both
CRC-32s) when a worker loads them, exactly like a file. Loading is paid once per worker process:
:func:`model_from_payload` caches loaded models by the file's 64-byte envelope, which holds the
payload length and CRC-32 (a cheap identity of the bytes, no hashing of megabytes per task).
Rankers built on a worker are cached beside their model by the key their caller gives.

Nothing here imports Dask or Spark; engines import this module, never the reverse.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Dict, Hashable, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp

from .. import _core
from .._base import RecommenderBase
from ..persistence import from_bytes, to_bytes

__all__ = [
    "model_payload",
    "model_from_payload",
    "ranker_for",
    "score_block",
    "score_frame",
    "block_to_frame",
    "exclusions_csr",
    "cache_info",
    "clear_cache",
]

_HEADER = 64
# A few models at most per worker process (yesterday's and today's during a switch-over); each can
# be hundreds of MiB, so older ones are dropped rather than kept "just in case".
_CACHE_SIZE = 2
_lock = threading.Lock()
_models: "OrderedDict[bytes, RecommenderBase]" = OrderedDict()
_rankers: Dict[Tuple[bytes, Hashable], Any] = {}
_loads = 0


def model_payload(model: Any) -> bytes:
    """The bytes a model travels as: its model file (a fitted learnrec model or bytes already)."""
    if isinstance(model, (bytes, bytearray, memoryview)):
        data = bytes(model)
    else:
        data = to_bytes(model)
    if len(data) < _HEADER or data[:8] != b"\x89LRC\r\n\x1a\n":
        raise ValueError("not the bytes of a learnrec model file (bad magic or shorter than its 64-byte envelope)")
    return data


def _key(data: bytes) -> bytes:
    # Envelope = kind, sizes, payload length, payload CRC-32 and the header's own CRC-32.
    return bytes(data[:_HEADER])


def model_from_payload(data: Any, num_threads: int = 1) -> RecommenderBase:
    """The model these bytes hold, loaded at most once per process (later calls reuse it).

    ``num_threads`` is the native thread count each scoring call of this process uses: engines
    give one per task (Spark runs one task per core; Dask one per worker thread).
    """
    global _loads
    if isinstance(data, RecommenderBase):  # already a model (in-process use)
        return data
    data = bytes(data) if not isinstance(data, bytes) else data
    key = _key(data)
    with _lock:
        model = _models.get(key)
        if model is not None:
            _models.move_to_end(key)
    if model is None:
        model = from_bytes(data)  # validated before parsed, outside the lock (it can take a while)
        with _lock:
            model = _models.setdefault(key, model)
            _models.move_to_end(key)
            _loads += 1
            while len(_models) > _CACHE_SIZE:
                old, _ = _models.popitem(last=False)
                for rk in [rk for rk in _rankers if rk[0] == old]:
                    del _rankers[rk]
    model.num_threads = int(num_threads)
    return model


def ranker_for(data: Any, factory: Callable[[RecommenderBase], Any], key: Hashable) -> Any:
    """``factory(model)`` (e.g. ``lambda m: Ranker.from_files(m, "catalogue/", ...)``) built once per
    process and model; ``key`` names the factory (a picklable callable's identity is not stable
    across processes, so callers name it)."""
    model = model_from_payload(data)
    mkey = _key(model_payload(data)) if not isinstance(data, RecommenderBase) else (b"local", id(data))
    with _lock:
        ranker = _rankers.get((mkey, key))
    if ranker is None:
        ranker = factory(model)
        with _lock:
            ranker = _rankers.setdefault((mkey, key), ranker)
    return ranker


def cache_info() -> Dict[str, int]:
    """Models held by this process's cache and how many loads it has done (tests, diagnostics)."""
    with _lock:
        return {"models": len(_models), "loads": _loads, "rankers": len(_rankers)}


def clear_cache() -> None:
    global _loads
    with _lock:
        _models.clear()
        _rankers.clear()
        _loads = 0


def exclusions_csr(exclude: Any, rows: int, courses: int) -> Optional[sp.csr_matrix]:
    """Per-learner exclusions as a float32 CSR (rows x courses): from a scipy matrix, or from a
    sequence of course-index arrays (one per learner; None or empty = nothing excluded)."""
    if exclude is None:
        return None
    if sp.issparse(exclude):
        m = sp.csr_matrix(exclude, dtype=np.float32)
        if m.shape != (rows, courses):
            raise ValueError(f"exclusions have shape {m.shape}, expected ({rows}, {courses})")
        return m
    if len(exclude) != rows:
        raise ValueError(f"{len(exclude)} exclusion lists for {rows} learners: give one per learner")
    lengths = np.fromiter((0 if e is None else len(e) for e in exclude), dtype=np.int64, count=rows)
    indptr = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = (np.concatenate([np.asarray(e, dtype=np.int64) for e in exclude if e is not None and len(e)])
               if indptr[-1] else np.empty(0, dtype=np.int64))
    if indices.size and (indices.min() < 0 or indices.max() >= courses):
        raise ValueError(f"an excluded course index is outside [0, {courses})")
    m = sp.csr_matrix((np.ones(indices.size, dtype=np.float32), indices.astype(np.int32), indptr),
                      shape=(rows, courses))
    m.sum_duplicates()
    return m


def score_block(
    model: Any,
    learners: Any = None,
    *,
    embeddings: Any = None,
    exclude: Any = None,
    N: int = 10,
    items: Any = None,
    filter_items: Any = None,
    ranker: Optional[Tuple[Callable[[RecommenderBase], Any], Hashable]] = None,
    now: Any = None,
    rules: Any = None,
    num_threads: int = 1,
) -> Tuple[np.ndarray, np.ndarray]:
    """Top-``N`` (ids, scores) of one block of learners: 2-D arrays, one row per learner, padded
    with -1 / -inf, exactly what ``model.recommend(learners, exclude, N)`` returns in process.

    Parameters
    ----------
    model
        Model-file bytes (cached per process, see :func:`model_from_payload`) or a fitted model.
    learners
        Model learner indices (int array). Not with ``embeddings``.
    embeddings
        One vector per new learner (queries x factors, float), for factor models (ALS, BPR,
        hybrid [x, 1] rows). Not with ``learners``.
    exclude
        Courses never returned, per learner: a scipy CSR with one row per learner (e.g.
        ``user_items[learners]``) or a sequence of course-index arrays. None: nothing excluded.
    items, filter_items
        As in ``model.recommend``: rank only these courses / never these courses.
    ranker
        ``(factory, key)``: rank with the Ranker's rules instead of the plain model top-k;
        ``factory(model)`` builds the Ranker on the worker once (see :func:`ranker_for`). The
        ranker's own history excludes taken courses of known learners; ``exclude`` is the history
        of embedded new learners. Needs ``now``; ``rules`` as in ``Ranker.recommend``.
    num_threads
        Native threads of this call (one per task in an engine).
    """
    m = model_from_payload(model, num_threads)
    if (learners is None) == (embeddings is None):
        raise ValueError("give learners (model indices) or embeddings, not both and not neither")
    core = m.model
    if learners is not None:
        ids = np.ascontiguousarray(np.asarray(learners).reshape(-1), dtype=np.int32)
        rows = ids.size
    else:
        q = np.asarray(embeddings, dtype=np.float32)
        if q.ndim == 1 and q.size == 0:
            q = q.reshape(0, 0)
        if q.ndim != 2:
            raise ValueError(f"embeddings must be 2-D (learners x factors), got shape {q.shape}")
        rows = q.shape[0]
    excl = exclusions_csr(exclude, rows, core.num_courses)

    if ranker is not None:
        if now is None:
            raise TypeError("scoring with a ranker needs `now`")
        factory, key = ranker
        r = ranker_for(model, factory, key)
        overrides = {"k": int(N)}
        if learners is not None:
            result = r.recommend(ids, now, rules, **overrides)
        else:
            result = r.recommend_new(queries=q, now=now, rules=rules, history=excl, **overrides)
        return _pad(np.asarray(result.ids), np.asarray(result.scores), N)

    if learners is not None:
        return m.recommend(ids, excl, N=N, filter_already_liked_items=excl is not None,
                           filter_items=filter_items, items=items)
    return _recommend_embeddings(m, q, excl, N, items, filter_items, num_threads)


def _pad(ids: np.ndarray, scores: np.ndarray, n: int) -> Tuple[np.ndarray, np.ndarray]:
    if ids.ndim == 2 and ids.shape[1] < n:
        pad = n - ids.shape[1]
        ids = np.pad(ids, ((0, 0), (0, pad)), constant_values=-1)
        scores = np.pad(scores, ((0, 0), (0, pad)), constant_values=-np.inf)
    return ids.astype(np.int32, copy=False), scores.astype(np.float32, copy=False)


def _recommend_embeddings(m: RecommenderBase, q: np.ndarray, excl: Optional[sp.csr_matrix], N: int, items: Any,
                          filter_items: Any, num_threads: int) -> Tuple[np.ndarray, np.ndarray]:
    from .._base import _candidates
    from .._validation import as_core_csr

    core = m.model
    allow, deny = _candidates(filter_items, items, core.num_courses, "filter_items", "items", "courses")
    n = int(N) if allow is None else min(int(N), allow.size)
    if n == 0 or q.shape[0] == 0 or core.num_courses == 0:
        return (np.full((q.shape[0], int(N)), -1, dtype=np.int32), np.full((q.shape[0], int(N)), -np.inf, dtype=np.float32))
    rows = None if excl is None else as_core_csr(excl, "exclude", rows=q.shape[0], rows_meaning="embeddings were",
                                                  cols=core.num_courses, cols_meaning="the model has courses:")
    k = min(n, core.num_courses)
    if isinstance(core, _core.HybridModel):
        ids, scores = core.recommend_embeddings(np.ascontiguousarray(q), rows, k, allow, deny, num_threads)
    elif isinstance(core, _core.FactorModel):
        ids, scores = _core.factor_recommend_embeddings(core, np.ascontiguousarray(q), rows, k, allow, deny,
                                                        num_threads)
    else:
        raise TypeError(f"a {core.kind!r} model has no learner embeddings: score new learners from their rows")
    return _pad(ids, scores, int(N))


def block_to_frame(keys: np.ndarray, ids: np.ndarray, scores: np.ndarray) -> Any:
    """Long pandas frame ``learner, rank, course, score`` of a block's top-N (padding left out);
    ``keys[i]`` names row i (a model index or any id the engine carries)."""
    import pandas as pd

    n, k = ids.shape
    keep = ids.reshape(-1) >= 0
    slots = np.flatnonzero(keep)
    return pd.DataFrame({
        "learner": np.asarray(keys)[slots // k] if n else np.asarray(keys)[:0],
        "rank": (slots % k + 1).astype(np.int32),
        "course": ids.reshape(-1)[keep].astype(np.int32),
        "score": scores.reshape(-1)[keep].astype(np.float32),
    })


#: Columns score_frame reads: ``learner`` (int: the model index, or just a key when ``embedding``
#: is given), optionally ``exclude`` (array of course indices) and ``embedding`` (array of floats).
FRAME_COLUMNS = ("learner", "exclude", "embedding")


def score_frame(model: Any, frame: Any, N: int = 10, *, num_threads: int = 1, **options: Any) -> Any:
    """:func:`score_block` on a pandas frame of learners (see ``FRAME_COLUMNS``), answering the
    long frame of :func:`block_to_frame`: the shape Spark's ``mapInPandas`` and Dask's
    ``map_partitions`` exchange."""
    keys = frame["learner"].to_numpy()
    exclude = list(frame["exclude"]) if "exclude" in frame.columns else None
    if "embedding" in frame.columns:
        emb = frame["embedding"].to_list()
        q = np.asarray([np.asarray(e, dtype=np.float32) for e in emb], dtype=np.float32) if emb else None
        if q is None:
            q = np.empty((0, model_from_payload(model, num_threads).model.factors), dtype=np.float32)
        ids, scores = score_block(model, embeddings=q, exclude=exclude, N=N, num_threads=num_threads, **options)
    else:
        ids, scores = score_block(model, keys, exclude=exclude, N=N, num_threads=num_threads, **options)
    return block_to_frame(keys, ids, scores)


def blocks(n: int, size: int) -> Sequence[Tuple[int, int]]:
    """[start, stop) ranges of ``size`` learners covering ``range(n)``."""
    size = max(1, int(size))
    return [(s, min(n, s + size)) for s in range(0, n, size)]
