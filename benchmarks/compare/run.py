"""learnrec against implicit, faiss and LightFM, side by side on one machine, in one run.

    python benchmarks/compare/run.py --shared ../shared/data            # the full comparison (~25 min)
    python benchmarks/compare/run.py --shared ../shared/data --quick    # smaller scaling sizes (~8 min)

Every measurement runs in its own process (benchmarks/compare/worker.py) with the same thread count
for every library (--threads, default 2) and OPENBLAS_NUM_THREADS=1 (implicit's recommendation; BLAS is
not on any measured path of learnrec). Peers missing from the environment are installed from PyPI
first (implicit, faiss-cpu, lightfm) unless --no-install.

--isa avx2 (or baseline, avx512) compares like with like on one machine: learnrec forced to that
instruction-set path (LEARNREC_ISA), OpenBLAS forced to the matching kernels (OPENBLAS_CORETYPE:
Haswell for avx2, Nehalem for baseline, SkylakeX for avx512; implicit and numpy run on it) and faiss
to its matching build (FAISS_OPT_LEVEL), for every worker of the run. Results then go to
results-<isa>/ and --update-readme fills the compare-<isa> block.

Writes to --out (default benchmarks/compare/results): results.json (every raw measurement),
table.md (the comparison table with ratios learnrec / peer and quality columns) and scaling.png
(ALS seconds per iteration from 1M to 50M interactions; top-k time from 1k to 1M courses). With
--update-readme, the table replaces the block between the compare markers of benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEERS = {"implicit": "implicit>=0.7,<0.8", "faiss": "faiss-cpu", "lightfm": "lightfm"}


def ensure_peers(install: bool) -> List[str]:
    missing = [name for name in PEERS if importlib.util.find_spec(name) is None]
    if missing and install:
        print(f"installing peers from PyPI: {', '.join(PEERS[m] for m in missing)}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *(PEERS[m] for m in missing)], check=False)
        missing = [name for name in PEERS if importlib.util.find_spec(name) is None]
    return missing


# --isa: learnrec's path and the peers' matching kernels (OpenBLAS core type, faiss build).
ISA_ENV = {
    "avx512": {"LEARNREC_ISA": "avx512", "OPENBLAS_CORETYPE": "SkylakeX", "FAISS_OPT_LEVEL": "avx512"},
    "avx2": {"LEARNREC_ISA": "avx2", "OPENBLAS_CORETYPE": "Haswell", "FAISS_OPT_LEVEL": "avx2"},
    "baseline": {"LEARNREC_ISA": "baseline", "OPENBLAS_CORETYPE": "Nehalem", "FAISS_OPT_LEVEL": "generic"},
}


class Runner:
    def __init__(self, threads: int, cache: str, isa_env: Optional[Dict[str, str]] = None) -> None:
        self.threads = threads
        self.cache = cache
        self.isa_env = isa_env or {}
        self.results: List[Dict[str, Any]] = []

    def __call__(self, task: str, lib: str, *args: str, **meta: Any) -> Optional[Dict[str, Any]]:
        cmd = [sys.executable, os.path.join(HERE, "worker.py"), task, "--lib", lib, "--threads", str(self.threads),
               "--cache", self.cache, *args]
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", OMP_NUM_THREADS=str(self.threads),
                   **self.isa_env)
        if task == "sgemm":
            env["OPENBLAS_NUM_THREADS"] = str(self.threads)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            print(f"  FAILED {task} {lib} {' '.join(args)}:\n{proc.stderr[-2000:]}", flush=True)
            return None
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result.update(meta)
        self.results.append(result)
        print(f"  {task:<6} {lib:<9} {' '.join(args):<60} {time.perf_counter() - t0:6.1f} s", flush=True)
        return result


def ratio(a: Optional[float], b: Optional[float]) -> str:
    return f"{a / b:.2f}" if a and b else "n/a"


def fmt_s(x: Optional[float]) -> str:
    if x is None:
        return "n/a"
    return f"{x * 1e3:.1f} ms" if x < 1 else f"{x:.2f} s"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "data"), help="folder with gowalla/, oulad/")
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    p.add_argument("--cache", default=os.path.join(ROOT, "build", "compare-cache"), help="synthetic data cache")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="scaling up to 10M interactions and 100k courses only")
    p.add_argument("--smoke", action="store_true", help="tiny sizes, no Gowalla: checks the harness in a minute")
    p.add_argument("--no-install", action="store_true", help="do not pip install missing peers")
    p.add_argument("--update-readme", action="store_true")
    p.add_argument("--isa", choices=sorted(ISA_ENV), help="force learnrec and the peers to one instruction set")
    p.add_argument("--cpu-time", action="store_true",
                   help="ratios of process CPU seconds (all threads) instead of wall-clock: the work done, robust "
                        "when other jobs share the cores; wall-clock on an idle machine is the real measure")
    a = p.parse_args()
    cpu_key = {"seconds_per_iteration": "cpu_seconds_per_iteration", "seconds_per_epoch": "cpu_seconds_per_epoch",
               "batch_seconds": "batch_cpu_seconds", "single_p50_ms": "single_p50_cpu_ms", "gflops": "gflops_cpu"}

    def key(k: str) -> str:
        return cpu_key.get(k, k) if a.cpu_time else k

    if a.isa and a.out == os.path.join(HERE, "results"):
        a.out = os.path.join(HERE, f"results-{a.isa}")
    missing = ensure_peers(not a.no_install)
    run = Runner(a.threads, a.cache, ISA_ENV.get(a.isa or ""))
    if a.isa:
        print(f"== forced paths: {ISA_ENV[a.isa]}", flush=True)
    gowalla = os.path.join(a.shared, "gowalla")
    have_gowalla = os.path.exists(os.path.join(gowalla, "train.txt")) and not a.smoke
    rows: List[List[str]] = []

    def pair(task: str, peer: str, args: List[str], time_key: str, target: str, label: str, data: str,
             quality: Tuple[str, ...] = ()) -> Tuple[Optional[Dict[str, Any]], Optional[Dict[str, Any]]]:
        """Runs learnrec then the peer on the same arguments and adds one table row."""
        mine = run(task, "learnrec", *args)
        theirs = run(task, peer, *args) if peer not in missing else None
        t1 = mine.get(key(time_key)) if mine else None
        t2 = theirs.get(key(time_key)) if theirs else None
        notes = []
        if mine and theirs:
            notes += [f"{key} {mine[key]:.4g} vs {theirs[key]:.4g}" for key in quality
                      if mine.get(key) == mine.get(key)]  # NaN: not measured on this data
            if "peak_mib" in mine:
                notes.append(f"peak MiB {mine['peak_mib']:.0f} vs {theirs['peak_mib']:.0f}")
            if task == "topk" and peer == "faiss":
                notes.append(f"{mine[key('gflops')]:.0f} vs {theirs[key('gflops')]:.0f} GFLOP/s")
        rows.append([label, data, peer, fmt_s(t1), fmt_s(t2), ratio(t1, t2), target, "; ".join(notes)])
        return mine, theirs

    print("== Gowalla (LightGCN split)" if have_gowalla else "== Gowalla missing: skipped", flush=True)
    if have_gowalla:
        g = f"gowalla:{gowalla}"
        for solver, target in (("cg", "<= 0.5"), ("cholesky", "<= 0.4")):
            for d in (64, 128):
                pair("als", "implicit", ["--data", g, "--factors", str(d), "--solver", solver],
                     "seconds_per_iteration", target, f"ALS {solver} iteration, d={d}", "Gowalla",
                     ("loss", "recall20"))
        pair("bpr", "implicit", ["--data", g, "--factors", "64", "--iterations", "100"], "seconds_per_epoch",
             "<= 0.67", "BPR epoch, d=64", "Gowalla", ("recall20",))
        for d in (64, 128):
            mine, theirs = pair("topk", "implicit", ["--data", g, "--factors", str(d), "--filter"], "batch_seconds",
                                "<= 0.5", f"batch top-10, all learners, filtered, d={d}", "Gowalla")
            if mine and theirs:
                p50 = key("single_p50_ms")
                rows.append([f"single learner p50, d={d}", "Gowalla", "implicit", f"{mine[p50]:.3f} ms",
                             f"{theirs[p50]:.3f} ms", ratio(mine[p50], theirs[p50]), "<= 0.5", ""])
            pair("topk", "faiss", ["--data", g, "--factors", str(d)], "batch_seconds", "<= 1.0",
                 f"batch top-10, all learners, unfiltered, d={d}", "Gowalla")

    oulad = os.path.join(a.shared, "oulad")
    if os.path.exists(os.path.join(oulad, "studentInfo.csv")) and not a.smoke:
        print("== OULAD with features: hybrid WARP epoch vs LightFM", flush=True)
        h = run("hybrid", "lightfm", "--data", f"oulad:{oulad}", "--repeat", "5")
        if h:
            rows.append(["hybrid WARP epoch (ids + features), d=32", "OULAD", "LightFM", fmt_s(h["seconds_per_epoch"]),
                         fmt_s(h["peer_seconds_per_epoch"]), ratio(h["seconds_per_epoch"], h["peer_seconds_per_epoch"]),
                         "<= 0.5", "both in one process (median of 5 epochs); quality: benchmarks/README.md, cold start"])

    print("== the embedded academy (5,000 learners x 600 courses, 80/20 holdout)", flush=True)
    for solver in ("cg", "cholesky"):
        pair("als", "implicit", ["--data", "academy:42", "--factors", "64", "--solver", solver, "--regularization",
                                 "5", "--alpha", "10"], "seconds_per_iteration", "<= 0.5" if solver == "cg" else "<= 0.4",
             f"ALS {solver} iteration, d=64", "academy", ("loss", "recall20"))
    pair("bpr", "implicit", ["--data", "academy:42", "--factors", "64", "--iterations", "100"], "seconds_per_epoch",
         "<= 0.67", "BPR epoch, d=64", "academy", ("recall20",))
    pair("topk", "implicit", ["--data", "academy:42", "--factors", "64", "--filter"], "batch_seconds", "<= 0.5",
         "batch top-10, all learners, filtered, d=64", "academy")

    print("== machine fp32 peak (numpy/OpenBLAS sgemm) and learnrec's scoring kernel", flush=True)
    peak = run("sgemm", "numpy", "--factors", "128")
    kernel = run("topk", "learnrec", "--data", "courses:100000", "--factors", "128", "--singles", "20", "--float32")
    g = key("gflops")
    if peak and kernel:
        rows.append(["scoring GFLOP/s, 2,048 x 100k courses, d=128", "synthetic", "OpenBLAS sgemm",
                     f"{kernel[g]:.0f}", f"{peak[g]:.0f}", ratio(kernel[g], peak[g]),
                     ">= 0.7 (of peak)", "float32 kernel, top-10 selection fused, vs a bare GEMM"])
    shortlist = run("topk", "learnrec", "--data", "courses:100000", "--factors", "128", "--singles", "20")
    if peak and shortlist:
        rows.append(["scoring GFLOP/s, 2,048 x 100k courses, d=128", "synthetic", "OpenBLAS sgemm",
                     f"{shortlist[g]:.0f}", f"{peak[g]:.0f}",
                     ratio(shortlist[g], peak[g]), "",
                     "default path: bfloat16 shortlist re-scored exactly (float32-equivalent GFLOP/s; "
                     "float32 where the CPU lacks AVX512_BF16)"])

    print("== scaling", flush=True)
    sizes = [100_000, 300_000] if a.smoke else [1_000_000, 10_000_000] + ([] if a.quick else [50_000_000])
    for nnz in sizes:
        pair("als", "implicit", ["--data", f"synthetic:{nnz}", "--factors", "64", "--iterations", "3"],
             "seconds_per_iteration", "<= 0.5", "ALS cg iteration, d=64", f"synthetic {nnz:,}", ("loss",))
    courses = [1_000, 10_000] if a.smoke else [1_000, 10_000, 100_000] + ([] if a.quick else [1_000_000])
    for n in courses:
        pair("topk", "faiss", ["--data", f"courses:{n}", "--factors", "64", "--singles", "50"], "batch_seconds",
             "<= 1.0", "top-10 of 2,048 queries, d=64", f"{n:,} courses")

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({"threads": a.threads, "isa": a.isa, "results": run.results, "missing_peers": missing}, f, indent=1)
    header = ["measurement", "data", "peer", "learnrec", "peer time", "ratio", "target", "quality / notes"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    table = "\n".join(lines)
    with open(os.path.join(a.out, "table.md"), "w") as f:
        f.write(table + "\n")
    print("\n" + table)
    plot(run.results, os.path.join(a.out, "scaling.png"))
    if a.update_readme:
        update_readme(table, f"compare-{a.isa}" if a.isa else "compare")


def plot(results: List[Dict[str, Any]], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for lib, style in (("learnrec", "o-"), ("implicit", "s--")):
        pts = sorted((int(float(r["data"].split(":")[1])), r["seconds_per_iteration"]) for r in results
                     if r["task"] == "als" and r["lib"] == lib and r["data"].startswith("synthetic"))
        if pts:
            ax1.plot([x for x, _ in pts], [y for _, y in pts], style, label=lib)
    ax1.set(xscale="log", yscale="log", xlabel="interactions", ylabel="seconds per ALS iteration (CG, d=64)",
            title="ALS iteration vs data size")
    for lib, style in (("learnrec", "o-"), ("faiss", "s--")):
        pts = sorted((r["courses"], r["batch_seconds"]) for r in results
                     if r["task"] == "topk" and r["lib"] == lib and r["data"].startswith("courses:")
                     and r["factors"] == 64)
        if pts:
            ax2.plot([x for x, _ in pts], [y for _, y in pts], style, label=lib)
    ax2.set(xscale="log", yscale="log", xlabel="courses", ylabel="seconds for 2,048 queries (top-10, d=64)",
            title="top-k vs catalogue size")
    for ax in (ax1, ax2):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle("learnrec vs peers, 2 threads, same machine and run")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def update_readme(table: str, block: str = "compare") -> None:
    path = os.path.join(ROOT, "benchmarks", "README.md")
    text = open(path).read()
    begin, end = f"<!-- {block}:begin -->", f"<!-- {block}:end -->"
    if begin not in text or end not in text:
        raise SystemExit(f"{path} has no {begin} ... {end} block")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(path, "w") as f:
        f.write(head + begin + "\n" + table + "\n" + end + tail)


if __name__ == "__main__":
    main()
