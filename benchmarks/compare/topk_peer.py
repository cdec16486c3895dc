"""implicit's batch top-10 and a bare numpy sgemm on random factors of a given shape, 1 thread,
process CPU seconds (median of `repeat`): the peer rows of bench_scoring_blas (benchmarks/README.md,
"AVX2 scoring against the machine's sgemm").

    OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
        python benchmarks/compare/topk_peer.py 29858 40981 64 3
"""

import sys, time
import numpy as np
from implicit.cpu.als import AlternatingLeastSquares
nq, nc, d, repeat = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(1)
X = rng.uniform(-1, 1, (nq, d)).astype(np.float32); Y = rng.uniform(-1, 1, (nc, d)).astype(np.float32)
model = AlternatingLeastSquares(factors=d, num_threads=1)
model.user_factors, model.item_factors = X, Y
q = np.arange(nq)
model.recommend(q[:64], None, N=10, filter_already_liked_items=False)
ti, ts = [], []
for _ in range(repeat):
    c0 = time.process_time(); model.recommend(q, None, N=10, filter_already_liked_items=False); ti.append(time.process_time() - c0)
    c0 = time.process_time()
    for b in range(0, nq, 256): X[b:b+256] @ Y.T
    ts.append(time.process_time() - c0)
g = 2 * nq * nc * d / 1e9
ti.sort(); ts.sort()
print(f"d={d} implicit recommend {ti[len(ti)//2]:.3f} s ({g/ti[len(ti)//2]:.1f} GFLOP/s), numpy sgemm 256-blocks {ts[len(ts)//2]:.3f} s ({g/ts[len(ts)//2]:.1f} GFLOP/s)")
