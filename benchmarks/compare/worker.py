"""One measurement of learnrec or a peer, in its own process; prints one JSON object on stdout.

Run by benchmarks/compare/run.py (one process per measurement, so that peak memory, thread pools and
caches never leak from one library into another). Each task loads its data first, records the
resident set size (RSS) after imports and loading, resets the kernel's peak-RSS mark, runs, and
reports seconds plus the peak RSS above that baseline.

    python worker.py als --lib implicit --data gowalla:DIR --factors 64 --solver cg --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Callable, Dict, List, Tuple

import numpy as np
import scipy.sparse as sp

# ---- memory -----------------------------------------------------------------------------------------


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


class PeakMemory:
    """Peak RSS growth of this process over a region (Linux: VmHWM after clear_refs 5)."""

    def __enter__(self) -> "PeakMemory":
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
        self.baseline_kib = _status_kib("VmRSS")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.peak_mib = (_status_kib("VmHWM") - self.baseline_kib) / 1024.0


# ---- data -------------------------------------------------------------------------------------------


def _read_lists(path: str) -> Tuple[np.ndarray, np.ndarray]:
    rows: List[int] = []
    cols: List[int] = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            u = int(parts[0])
            items = [int(x) for x in parts[1:]]
            rows.extend([u] * len(items))
            cols.extend(items)
    return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)


def _csr(rows: np.ndarray, cols: np.ndarray, shape: Tuple[int, int]) -> sp.csr_matrix:
    m = sp.csr_matrix((np.ones(rows.size, dtype=np.float32), (rows, cols)), shape=shape)
    m.sum_duplicates()
    m.data[:] = 1.0
    m.indices = m.indices.astype(np.int32)
    return m


def load_gowalla(directory: str) -> Tuple[sp.csr_matrix, sp.csr_matrix]:
    tr_r, tr_c = _read_lists(os.path.join(directory, "train.txt"))
    te_r, te_c = _read_lists(os.path.join(directory, "test.txt"))
    shape = (int(max(tr_r.max(), te_r.max())) + 1, int(max(tr_c.max(), te_c.max())) + 1)
    return _csr(tr_r, tr_c, shape), _csr(te_r, te_c, shape)


def synthetic(nnz: int, cache: str) -> sp.csr_matrix:
    """Power-law interactions: learners = nnz / 25, courses = nnz / 50 (at least 1,000), Zipf(0.8)
    course popularity and lognormal learner activity; seed fixed, cached as .npz."""
    path = os.path.join(cache, f"synthetic_{nnz}.npz")
    if os.path.exists(path):
        return sp.load_npz(path).tocsr()
    rng = np.random.default_rng(20261129)
    learners = max(nnz // 25, 100)
    courses = max(nnz // 50, 1000)
    activity = rng.lognormal(0.0, 1.0, learners)
    counts = np.maximum(1, np.round(activity / activity.sum() * nnz)).astype(np.int64)
    counts = np.minimum(counts, courses // 2)
    rows = np.repeat(np.arange(learners, dtype=np.int64), counts)
    pop = 1.0 / np.arange(1, courses + 1) ** 0.8
    cdf = np.cumsum(pop / pop.sum())
    cols = np.searchsorted(cdf, rng.random(rows.size)).astype(np.int64)
    cols = rng.permutation(courses)[np.minimum(cols, courses - 1)]
    m = _csr(rows, cols, (learners, courses))
    os.makedirs(cache, exist_ok=True)
    sp.save_npz(path, m, compressed=False)
    return m


def load(spec: str, cache: str) -> Tuple[sp.csr_matrix, Any]:
    kind, _, arg = spec.partition(":")
    if kind == "gowalla":
        return load_gowalla(arg)
    if kind == "academy":
        import learnrec

        user_items, _, _ = learnrec.generate_academy(seed=int(arg or 42))
        return learnrec.holdout_split(user_items, test_fraction=0.2, random_state=int(arg or 42))
    if kind == "synthetic":
        return synthetic(int(float(arg)), cache), None
    raise SystemExit(f"unknown data spec {spec!r} (gowalla:DIR or synthetic:NNZ)")


def recall_at(user_factors: np.ndarray, item_factors: np.ndarray, train: sp.csr_matrix, test: Any, k: int,
              threads: int) -> float:
    """recall@k of any factor model, computed by one code path for every library (LightGCN protocol)."""
    if test is None:
        return float("nan")
    import learnrec

    cfg = learnrec._core.AlsConfig(factors=user_factors.shape[1], num_threads=threads)
    model = learnrec._core.AlsModel(np.ascontiguousarray(user_factors, dtype=np.float32),
                                    np.ascontiguousarray(item_factors, dtype=np.float32), cfg)
    return float(learnrec.ranking_metrics_at_k(model, train, test, K=k, num_threads=threads)["recall"])


# ---- tasks ------------------------------------------------------------------------------------------


def task_als(a: argparse.Namespace) -> Dict[str, Any]:
    train, test = load(a.data, a.cache)
    from implicit.cpu import _als  # the loss both libraries are measured with (same objective)

    times: List[float] = []
    callback = lambda it, sec, loss: times.append(sec)  # noqa: E731
    with PeakMemory() as mem:
        t0, c0 = time.perf_counter(), time.process_time()
        if a.lib == "learnrec":
            import learnrec

            model = learnrec.ImplicitALS(factors=a.factors, regularization=a.regularization, alpha=a.alpha,
                                         iterations=a.iterations, solver=a.solver, random_state=1,
                                         num_threads=a.threads, calculate_training_loss=False)
            model.fit(train, show_progress=False, callback=callback)
        else:
            from implicit.cpu.als import AlternatingLeastSquares

            model = AlternatingLeastSquares(factors=a.factors, regularization=a.regularization, alpha=a.alpha,
                                            iterations=a.iterations, use_cg=a.solver == "cg",
                                            calculate_training_loss=False, random_state=1,
                                            num_threads=a.threads)
            model.fit(train, show_progress=False, callback=callback)
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
    # Outside the measured region: learnrec's factors are read-only views into the model, and the
    # copies made here for the loss are the harness's memory, not the library's.
    X, Y = np.array(model.user_factors), np.array(model.item_factors)
    loss = _als.calculate_loss((train * np.float32(a.alpha)).tocsr(), X, Y, a.regularization, num_threads=a.threads)
    return dict(seconds_per_iteration=float(np.median(times)), total_seconds=total,
                cpu_seconds_per_iteration=cpu / a.iterations, loss=float(loss),
                recall20=recall_at(X, Y, train, test, 20, a.threads), peak_mib=mem.peak_mib)


def task_bpr(a: argparse.Namespace) -> Dict[str, Any]:
    train, test = load(a.data, a.cache)
    with PeakMemory() as mem:
        t0, c0 = time.perf_counter(), time.process_time()
        if a.lib == "learnrec":
            import learnrec

            model = learnrec.BayesianPersonalizedRanking(factors=a.factors, iterations=a.iterations, random_state=1,
                                                         num_threads=a.threads)
            model.fit(train, show_progress=False)
        else:
            from implicit.cpu.bpr import BayesianPersonalizedRanking

            model = BayesianPersonalizedRanking(factors=a.factors, iterations=a.iterations, random_state=1,
                                                num_threads=a.threads)
            model.fit(train, show_progress=False)
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
    X, Y = np.array(model.user_factors), np.array(model.item_factors)
    return dict(seconds_per_epoch=total / a.iterations, total_seconds=total, cpu_seconds_per_epoch=cpu / a.iterations,
                recall20=recall_at(X, Y, train, test, 20, a.threads), peak_mib=mem.peak_mib)


def _factors(users: int, items: int, d: int) -> Tuple[np.ndarray, np.ndarray]:
    # The same factors for every library: scores and selections are then directly comparable.
    rng = np.random.default_rng(7)
    return (rng.standard_normal((users, d), dtype=np.float32) * 0.1,
            rng.standard_normal((items, d), dtype=np.float32) * 0.1)


def task_topk(a: argparse.Namespace) -> Dict[str, Any]:
    """Batch top-10 for every learner (with the already-taken filter, except faiss which lacks it),
    and the single-learner p50 latency."""
    if a.data.startswith("courses:"):
        items = int(float(a.data.split(":")[1]))
        users = a.queries
        train = None
    else:
        train, _ = load(a.data, a.cache)
        users, items = train.shape
    X, Y = _factors(users, items, a.factors)
    queries = np.arange(users, dtype=np.int32)
    filt = a.filter and train is not None and a.lib != "faiss"  # faiss has no per-query exclusion
    if a.lib == "learnrec":
        import learnrec

        model = learnrec.ImplicitALS(factors=a.factors, num_threads=a.threads)
        model._model = learnrec._core.AlsModel(X, Y, learnrec._core.AlsConfig(factors=a.factors, num_threads=a.threads))
        batch = lambda: model.recommend(queries, train if filt else None, N=10, filter_already_liked_items=filt)  # noqa
        single = lambda u: model.recommend(u, train[u] if filt else None, N=10, filter_already_liked_items=filt)  # noqa
        if a.float32:  # the float32 kernel alone, without the reduced-precision shortlists
            assert not filt, "--float32 measures the unfiltered kernel"
            batch = lambda: model._model.recommend(queries, None, 10, num_threads=a.threads,  # noqa: E731
                                                   reduced_precision=False)
    elif a.lib == "implicit":
        from implicit.cpu.als import AlternatingLeastSquares

        model = AlternatingLeastSquares(factors=a.factors, num_threads=a.threads)
        model.user_factors, model.item_factors = X, Y
        batch = lambda: model.recommend(queries, train if filt else None, N=10, filter_already_liked_items=filt)  # noqa
        single = lambda u: model.recommend(u, train[u] if filt else None, N=10, filter_already_liked_items=filt)  # noqa
    else:
        import faiss

        faiss.omp_set_num_threads(a.threads)  # faiss's own API for its thread count (this process only)
        index = faiss.IndexFlatIP(a.factors)
        index.add(Y)
        batch = lambda: index.search(X, 10)  # noqa: E731
        single = lambda u: index.search(X[u : u + 1], 10)  # noqa: E731
    batch()  # warm-up: page in factors, build caches
    runs, cpu_runs = [], []
    for _ in range(a.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        batch()
        runs.append(time.perf_counter() - t0)
        cpu_runs.append(time.process_time() - c0)
    rng = np.random.default_rng(3)
    lat, cpu_lat = [], []
    for u in rng.integers(0, users, size=a.singles):
        t0, c0 = time.perf_counter(), time.process_time()
        single(int(u))
        lat.append(time.perf_counter() - t0)
        cpu_lat.append(time.process_time() - c0)
    best = min(runs)
    flops = 2.0 * users * items * a.factors
    # CPU seconds (all threads of the process): the work done, robust when other jobs share the cores.
    return dict(batch_seconds=best, learners_per_second=users / best, gflops=flops / best / 1e9,
                batch_cpu_seconds=min(cpu_runs), gflops_cpu=flops / min(cpu_runs) / 1e9 * a.threads,
                single_p50_ms=float(np.median(lat) * 1e3), single_p50_cpu_ms=float(np.median(cpu_lat) * 1e3),
                filtered=bool(filt), queries=users, courses=items)


def task_hybrid(a: argparse.Namespace) -> Dict[str, Any]:
    """One WARP epoch of learnrec's HybridModel and of LightFM on OULAD with learner and course
    features (same factors, loss, features and threads), by benchmarks/cold_start.py's protocol."""
    from pathlib import Path

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    import cold_start  # benchmarks/cold_start.py

    data = cold_start.load_oulad(Path(a.data.split(":", 1)[1]))
    times = cold_start.epoch_times(data, threads=a.threads, repeats=a.repeat)
    return dict(seconds_per_epoch=times["learnrec"], peer_seconds_per_epoch=times.get("LightFM"))


def task_sgemm(a: argparse.Namespace) -> Dict[str, Any]:
    """The machine's practical fp32 peak: numpy (OpenBLAS) sgemm shaped like batch scoring
    (2,048 queries x d against 100,000 courses), with the BLAS thread count set by the caller."""
    X, Y = _factors(2048, 100_000, a.factors)
    X @ Y.T  # warm-up
    runs, cpu_runs = [], []
    for _ in range(a.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        X @ Y.T
        runs.append(time.perf_counter() - t0)
        cpu_runs.append(time.process_time() - c0)
    flops = 2.0 * 2048 * 100_000 * a.factors
    return dict(gflops=flops / min(runs) / 1e9, seconds=min(runs),
                gflops_cpu=flops / min(cpu_runs) / 1e9 * a.threads, cpu_seconds=min(cpu_runs))


def main(argv: List[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("task", choices=["als", "bpr", "topk", "sgemm", "hybrid"])
    p.add_argument("--lib", required=True, choices=["learnrec", "implicit", "faiss", "numpy", "lightfm"])
    p.add_argument("--data", default="none", help="gowalla:DIR, academy:SEED, synthetic:NNZ or (topk) courses:N")
    p.add_argument("--cache", default=os.path.join("build", "compare-cache"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--factors", type=int, default=64)
    p.add_argument("--iterations", type=int, default=15)
    p.add_argument("--solver", choices=["cg", "cholesky"], default="cg")
    p.add_argument("--regularization", type=float, default=0.01)
    p.add_argument("--alpha", type=float, default=1.0)
    p.add_argument("--filter", action="store_true", help="topk: exclude each learner's training courses")
    p.add_argument("--queries", type=int, default=2048, help="topk on courses:N: number of queries")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--singles", type=int, default=200)
    p.add_argument("--float32", action="store_true",
                   help="topk, learnrec: the float32 kernel only (no half / bfloat16 shortlist)")
    a = p.parse_args(argv)
    tasks: Dict[str, Callable[[argparse.Namespace], Dict[str, Any]]] = {"als": task_als, "bpr": task_bpr,
                                                                         "topk": task_topk, "sgemm": task_sgemm, "hybrid": task_hybrid}
    result = tasks[a.task](a)
    result.update(task=a.task, lib=a.lib, data=a.data.split("/")[-1] if "/" in a.data else a.data,
                  factors=a.factors, threads=a.threads)
    if a.task == "als":
        result["solver"] = a.solver
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
