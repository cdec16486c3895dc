"""Each instruction-set path of learnrec against implicit / OpenBLAS forced to the matching kernels,
side by side in one run, one thread, in CPU seconds (robust when other jobs share the cores).

    python benchmarks/compare/isa_paths.py --build build --gowalla ../shared/data/gowalla --isa avx2 baseline

For every path: learnrec's C++ benchmarks (bench_als on Gowalla's training split, CG with 3 steps,
and bench_topk: top-10 of 2,048 queries over 100,000 courses) run with LEARNREC_ISA=<path>;
implicit 0.7 (its CG ALS, cg_steps=3, and its batch recommend) and a bare numpy sgemm of the scoring
shape run with OPENBLAS_CORETYPE set to the matching OpenBLAS kernels (Haswell for avx2, Nehalem
for baseline, SkylakeX for avx512). Everything runs on 1 thread and is timed in process CPU
seconds, the median of --repeat runs. The full, wall-clock comparison with the Python package is
run.py (--isa); this script needs only the C++ build and implicit, so it also runs where the Python
package is not built.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Dict, List

CORETYPE = {"avx512": "SkylakeX", "avx2": "Haswell", "baseline": "Nehalem"}

PEER = r"""
import json, sys, time
import numpy as np, scipy.sparse as sp
task, arg, d, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
out = []
if task == "als":
    from implicit.cpu.als import AlternatingLeastSquares
    rows, cols = [], []
    for line in open(arg):
        parts = line.split()
        if len(parts) > 1:
            u = int(parts[0]); rows += [u] * (len(parts) - 1); cols += [int(x) for x in parts[1:]]
    m = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)))
    for _ in range(repeat):
        model = AlternatingLeastSquares(factors=d, iterations=3, use_cg=True, num_threads=1, random_state=1,
                                        calculate_training_loss=False)
        times = []
        c0 = [time.process_time()]
        def cb(it, sec, loss):
            times.append(time.process_time() - c0[0]); c0[0] = time.process_time()
        model.fit(m, show_progress=False, callback=cb)
        out.append(sorted(times)[len(times) // 2])
elif task == "topk":
    from implicit.cpu.als import AlternatingLeastSquares
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (2048, d)).astype(np.float32); Y = rng.uniform(-1, 1, (int(arg), d)).astype(np.float32)
    model = AlternatingLeastSquares(factors=d, num_threads=1)
    model.user_factors, model.item_factors = X, Y
    q = np.arange(2048)
    model.recommend(q, None, N=10, filter_already_liked_items=False)
    for _ in range(repeat):
        c0 = time.process_time(); model.recommend(q, None, N=10, filter_already_liked_items=False)
        out.append(time.process_time() - c0)
elif task == "sgemm":
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (2048, d)).astype(np.float32); Y = rng.uniform(-1, 1, (int(arg), d)).astype(np.float32)
    X @ Y.T
    for _ in range(repeat):
        c0 = time.process_time(); X @ Y.T; out.append(time.process_time() - c0)
print(json.dumps(sorted(out)[len(out) // 2]))
"""


def peer(task: str, arg: str, d: int, isa: str, repeat: int) -> float:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", OPENBLAS_CORETYPE=CORETYPE[isa])
    proc = subprocess.run([sys.executable, "-c", PEER, task,
                           arg, str(d), str(repeat)], env=env, capture_output=True, text=True, check=True)
    return float(proc.stdout.strip().splitlines()[-1])


def bench(binary: str, filt: str, isa: str, repeat: int, extra: Dict[str, str]) -> Dict[str, float]:
    """Median CPU seconds per benchmark name (1 thread: the main thread's CPU time is all the work)."""
    env = dict(os.environ, LEARNREC_ISA=isa, LEARNREC_BENCH_THREADS="1", **extra)
    proc = subprocess.run([binary, f"--benchmark_filter={filt}", f"--benchmark_repetitions={repeat}",
                           "--benchmark_format=json"], env=env, capture_output=True, text=True, check=True)
    runs: Dict[str, List[float]] = {}
    for b in json.loads(proc.stdout)["benchmarks"]:
        if b.get("run_type") == "iteration":
            unit = {"ms": 1e-3, "us": 1e-6, "ns": 1e-9, "s": 1.0}[b["time_unit"]]
            runs.setdefault(b["run_name"], []).append(b["cpu_time"] * unit)
    return {name: statistics.median(v) for name, v in runs.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build")
    p.add_argument("--gowalla", default=os.path.join("..", "shared", "data", "gowalla"))
    p.add_argument("--isa", nargs="+", default=["avx2"], choices=sorted(CORETYPE))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--courses", type=int, default=100_000)
    a = p.parse_args()
    train = os.path.join(a.gowalla, "train.txt")
    csv = os.path.join(a.build, "gowalla_train.csv")
    if not os.path.exists(csv):
        with open(train) as f, open(csv + ".tmp", "w") as o:
            o.write("learner_id,course_id\n")
            for line in f:
                parts = line.split()
                for c in parts[1:]:
                    o.write(f"{parts[0]},{c}\n")
        os.replace(csv + ".tmp", csv)
    rows = []
    for isa in a.isa:
        als = bench(os.path.join(a.build, "benchmarks", "bench_als"), "csv/cg3", isa, a.repeat,
                    {"LEARNREC_BENCH_CSV": csv, "LEARNREC_BENCH_FACTORS": "64,128", "LEARNREC_BENCH_LEARNERS": "1000",
                     "LEARNREC_BENCH_COURSES": "100", "LEARNREC_BENCH_INTERACTIONS": "1000"})
        for d in (64, 128):
            mine = next(v for k, v in als.items() if f"/d{d}/" in k)
            theirs = peer("als", train, d, isa, a.repeat)
            rows.append((isa, f"ALS CG iteration (3 steps), Gowalla, d={d}", "implicit", mine, theirs, "<= 0.5"))
        topk = bench(os.path.join(a.build, "benchmarks", "bench_topk"), f"batch/courses:{a.courses}/", isa, a.repeat, {})
        for d in (64, 128):
            mine = next(v for k, v in topk.items() if f"/d:{d}/" in k)
            rows.append((isa, f"top-10 of 2,048 queries, {a.courses:,} courses, d={d}", "implicit", mine,
                         peer("topk", str(a.courses), d, isa, a.repeat), "<= 0.5"))
            sgemm = peer("sgemm", str(a.courses), d, isa, a.repeat)
            rows.append((isa, f"  same, vs a bare sgemm (scores only, no selection), d={d}", "OpenBLAS sgemm", mine,
                         sgemm, "<= 1/0.7 = 1.43"))
    print("| path | measurement | peer | learnrec CPU s | peer CPU s | ratio | target |")
    print("|---|---|---|---|---|---|---|")
    for isa, what, who, mine, theirs, target in rows:
        print(f"| {isa} | {what} | {who} ({CORETYPE[isa]}) | {mine:.3f} | {theirs:.3f} | {mine / theirs:.2f} | {target} |")


if __name__ == "__main__":
    main()
