"""Batch top-10 for every Gowalla learner on *trained* ALS factors: implicit's batch `recommend`
(already-taken courses filtered) and faiss IndexFlatIP + search (no filter: faiss has none), side
by side with learnrec's C++ benchmark bench_topk_trained on the very same factors (issue #18).

    python benchmarks/compare/topk_trained.py \
        --gowalla ../shared/data/gowalla --factors 64 --cache /tmp/lr_factors \
        --bench build/benchmarks/bench_topk_trained --isa avx2 --repeat 3

The factors are trained once by implicit (ALS, CG, 15 iterations, seed 1) and written to
<cache>/gowalla_d<d>_{users,items}.f32 (raw float32, row-major); bench_topk_trained reads them and
the training split. The peers run with OpenBLAS and faiss forced to the kernels of the path
(OPENBLAS_CORETYPE Haswell / Nehalem / SkylakeX, FAISS_OPT_LEVEL avx2 / generic / avx512), learnrec
with LEARNREC_ISA. Everything is timed twice: 1 thread in process CPU seconds (the work done,
robust on a shared machine) and 2 threads wall-clock; the median of --repeat runs each.

Peers: implicit, faiss-cpu, numpy and scipy in the Python running this script (`.venv` made by
scripts/test.sh has implicit; add `pip install faiss-cpu`); bench_topk_trained is built with the
benchmarks (`cmake --build build --target bench_topk_trained`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CORETYPE = {"avx512": "SkylakeX", "avx2": "Haswell", "baseline": "Nehalem"}
# faiss loads its AVX2 / AVX-512 build by CPU unless told otherwise.
FAISS_OPT = {"avx512": "avx512", "avx2": "avx2", "baseline": "generic"}


def load_train(path):
    import numpy as np, scipy.sparse as sp
    rows, cols = [], []
    for line in open(path):
        parts = line.split()
        if len(parts) > 1:
            u = int(parts[0]); rows += [u] * (len(parts) - 1); cols += [int(x) for x in parts[1:]]
    return sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)))


def train(a):
    import numpy as np
    from implicit.cpu.als import AlternatingLeastSquares
    base = os.path.join(a.cache, f"gowalla_d{a.factors}")
    if os.path.exists(base + "_items.f32"):
        return base
    os.makedirs(a.cache, exist_ok=True)
    m = load_train(os.path.join(a.gowalla, "train.txt"))
    model = AlternatingLeastSquares(factors=a.factors, iterations=15, num_threads=2, random_state=1)
    model.fit(m, show_progress=False)
    np.ascontiguousarray(model.user_factors, np.float32).tofile(base + "_users.f32")
    np.ascontiguousarray(model.item_factors, np.float32).tofile(base + "_items.f32")
    return base


PEER = r"""
import json, os, sys, time
import numpy as np
sys.path.insert(0, os.path.dirname(sys.argv[1]))
from topk_trained import load_train
script, base, train_txt, d, threads, repeat, lib = sys.argv[1:8]
d, threads, repeat = int(d), int(threads), int(repeat)
X = np.fromfile(base + "_users.f32", np.float32).reshape(-1, d)
Y = np.fromfile(base + "_items.f32", np.float32).reshape(-1, d)
if lib == "implicit":
    from implicit.cpu.als import AlternatingLeastSquares
    m = load_train(train_txt)
    model = AlternatingLeastSquares(factors=d, num_threads=threads)
    model.user_factors, model.item_factors = X, Y
    q = np.arange(X.shape[0])
    run = lambda: model.recommend(q, m[q], N=10, filter_already_liked_items=True)
else:
    import faiss
    faiss.omp_set_num_threads(threads)
    index = faiss.IndexFlatIP(d); index.add(Y)
    run = lambda: index.search(X, 10)
run()
cpu, wall = [], []
for _ in range(repeat):
    t0, c0 = time.perf_counter(), time.process_time(); run()
    wall.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
cpu.sort(); wall.sort()
print(json.dumps(dict(cpu=cpu[len(cpu)//2], wall=wall[len(wall)//2])))
"""


def peer(a, base, lib, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               OPENBLAS_CORETYPE=CORETYPE[a.isa], FAISS_OPT_LEVEL=FAISS_OPT[a.isa])
    out = subprocess.run([sys.executable, "-c", PEER, os.path.abspath(__file__), base,
                          os.path.join(a.gowalla, "train.txt"), str(a.factors), str(threads), str(a.repeat), lib],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def learnrec(a, base, threads, binary):
    env = dict(os.environ, LEARNREC_ISA=a.isa)
    out = subprocess.run([binary, base, os.path.join(a.gowalla, "train.txt"), str(a.factors), str(threads),
                          str(a.repeat)], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gowalla", required=True)
    p.add_argument("--factors", type=int, default=64)
    p.add_argument("--cache", default="/tmp/lr_factors")
    p.add_argument("--bench", required=True, help="bench_topk_trained binary")
    p.add_argument("--before", help="another bench_topk_trained (e.g. built against main) for an A/B")
    p.add_argument("--isa", default="avx2", choices=list(CORETYPE))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--skip-peers", action="store_true")
    a = p.parse_args()
    base = train(a)
    load = lambda: os.getloadavg()[0]
    rows = []
    for threads in (1, 2):
        row = dict(threads=threads, isa=a.isa, d=a.factors, load_start=load())
        row["learnrec"] = learnrec(a, base, threads, a.bench)
        if a.before:
            row["before"] = learnrec(a, base, threads, a.before)
        if not a.skip_peers:
            row["implicit"] = peer(a, base, "implicit", threads)
            row["faiss"] = peer(a, base, "faiss", threads)
        row["load_end"] = load()
        rows.append(row)
        print(json.dumps(row), flush=True)
    for r in rows:
        key = "cpu" if r["threads"] == 1 else "wall"
        lr = r["learnrec"][key]
        parts = [f"{a.isa} d={a.factors} {r['threads']}T {key}: learnrec {lr:.3f}"]
        for other in ("before", "implicit", "faiss"):
            if other in r:
                parts.append(f"{other} {r[other][key]:.3f} (ratio {lr / r[other][key]:.2f})")
        parts.append(f"load {r['load_start']:.1f}-{r['load_end']:.1f}")
        print(", ".join(parts))


if __name__ == "__main__":
    main()
