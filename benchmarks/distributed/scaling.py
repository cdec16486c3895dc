"""Scaling curve on one machine: chunked reading, ALS training and a push campaign for 1M, 10M and
50M interactions of the synthetic academy; wall time, CPU time (user+sys) and peak memory (max RSS)
of each phase, each phase in its own process so peaks do not mix.

    .venv/bin/python benchmarks/distributed/scaling.py --sizes 1e6 1e7 5e7 --out benchmarks/results/scaling.json
    .venv/bin/python benchmarks/distributed/scaling.py --plot benchmarks/results/scaling.json   # -> scaling.png

Data: generate_academy(seed=42, courses=5000, mean_enrolments=20, learners=size/20), written once to
Parquet (learner_id, course_id, weight) and a catalogue directory (courses.csv, learners.csv) under
--work. Phases: read (learnrec.distributed.read_interactions_chunked from Parquet), train (read +
ImplicitALS factors 64, --iterations CG iterations, 2 threads, save), campaign (learnrec.campaign.push
of k=5 to every learner, 2 threads, CSV output, empty push log).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

PREPARE = r"""
import sys, numpy as np, pyarrow as pa, pyarrow.parquet as pq, learnrec
size, work = int(float(sys.argv[1])), sys.argv[2]
learners = max(1000, size // 20)
m, L, C = learnrec.generate_academy(seed=42, learners=learners, courses=5000, mean_enrolments=20.0)
coo = m.tocoo()
lid = pa.array(L["id"].astype(str)); cid = pa.array(C["id"].astype(str))
writer = None
step = 5_000_000
for s in range(0, coo.nnz, step):
    r = coo.row[s:s+step]; c = coo.col[s:s+step]
    t = pa.table({"learner_id": lid.take(pa.array(r)), "course_id": cid.take(pa.array(c)),
                  "weight": pa.array(coo.data[s:s+step])})
    writer = writer or pq.ParquetWriter(f"{work}/interactions.parquet", t.schema)
    writer.write_table(t)
writer.close()
import pyarrow.csv as pacsv, os
os.makedirs(f"{work}/catalogue", exist_ok=True)
pacsv.write_csv(pa.table({"course_id": cid, "format": pa.array(C["format"].astype(str))}), f"{work}/catalogue/courses.csv")
pacsv.write_csv(pa.table({"learner_id": lid, "country": pa.array(L["country"].astype(str))}), f"{work}/catalogue/learners.csv")
print(m.shape[0], m.shape[1], m.nnz)
"""

READ = r"""
import sys, time
from learnrec.distributed import read_interactions_chunked
t = time.perf_counter(); m, l, c = read_interactions_chunked(sys.argv[1] + "/interactions.parquet")
print(m.shape[0], m.shape[1], m.nnz, time.perf_counter() - t)
"""

TRAIN = r"""
import sys, time, learnrec
from learnrec.distributed import read_interactions_chunked
work, iters = sys.argv[1], int(sys.argv[2])
m, l, c = read_interactions_chunked(work + "/interactions.parquet")
t = time.perf_counter()
model = learnrec.ImplicitALS(factors=64, regularization=5.0, alpha=10.0, iterations=iters, num_threads=2,
                             random_state=1, calculate_training_loss=False).fit(m, show_progress=False)
fit = time.perf_counter() - t
model.save(work + "/model.lrc", learner_ids=l.to_pylist(), course_ids=c.to_pylist())
print(fit)
"""

# 50M: generating the academy at 2.5M learners in one process peaks near 22 GiB (the generator holds
# every table), more than this shared machine can give. The 50M log is therefore the 10M academy
# replicated: copies with learner ids prefixed "s<k>-" (a platform serving k companies that share one
# catalogue), streamed from the 10M Parquet file batch by batch (peak: one batch).
REPLICATE = r"""
import sys, pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq, pyarrow.csv as pacsv, os
src, work, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(work + "/catalogue", exist_ok=True)
writer = None
for k in range(copies):
    for b in pq.ParquetFile(src + "/interactions.parquet").iter_batches(batch_size=1 << 20):
        t = pa.table({"learner_id": pc.binary_join_element_wise(f"s{k}", b.column(0), "-"), "course_id": b.column(1),
                      "weight": b.column(2)})
        writer = writer or pq.ParquetWriter(work + "/interactions.parquet", t.schema)
        writer.write_table(t)
writer.close()
learners = pacsv.read_csv(src + "/catalogue/learners.csv", convert_options=pacsv.ConvertOptions(
    column_types={"learner_id": pa.string()}))
parts = [pa.table({"learner_id": pc.binary_join_element_wise(f"s{k}", learners.column(0), "-"),
                   "country": learners.column(1)}) for k in range(copies)]
pacsv.write_csv(pa.concat_tables(parts), work + "/catalogue/learners.csv")
import shutil; shutil.copyfile(src + "/catalogue/courses.csv", work + "/catalogue/courses.csv")
print("ok")
"""

CAMPAIGN = r"""
import sys, time, learnrec
work = sys.argv[1]
t = time.perf_counter()
r = learnrec.campaign.push(work + "/model.lrc", work + "/catalogue", log=work + "/log.csv", out=work + "/push.csv",
                           now="2026-06-01", campaign="w1", k=5, num_threads=2)
print(time.perf_counter() - t, r["learners_reached"], r["pushes"])
"""


def timed(code: str, *args: str) -> dict:
    """Runs `code` in a fresh interpreter under /usr/bin/time: wall, user+sys, max RSS, stdout."""
    cmd = ["/usr/bin/time", "-f", "TIME %e %U %S %M", sys.executable, "-c", code, *args]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr[-3000:])
    line = [x for x in p.stderr.splitlines() if x.startswith("TIME ")][-1].split()
    return {"wall_s": float(line[1]), "cpu_s": float(line[2]) + float(line[3]), "max_rss_mib": int(line[4]) / 1024,
            "out": p.stdout.strip()}


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run(sizes, work_root: str, iterations: int, out: str) -> None:
    results = json.load(open(out)) if os.path.exists(out) else []
    for size in sizes:
        work = os.path.join(work_root, f"n{int(size)}")
        os.makedirs(work, exist_ok=True)
        row = {"interactions_target": int(size), "load_before": load()}
        if not os.path.exists(os.path.join(work, "interactions.parquet")):
            if size > 2e7:
                src = os.path.join(work_root, "n10000000")
                row["prepare"] = timed(REPLICATE, src, work, str(int(round(size / 1e7))))
                row["replicated_from"] = "n10000000"
            else:
                row["prepare"] = timed(PREPARE, str(size), work)
            print("prepared", json.dumps(row["prepare"]), flush=True)
        r = timed(READ, work)
        learners, courses, nnz, secs = r["out"].split()
        row.update(learners=int(learners), courses=int(courses), interactions=int(nnz), read=r)
        print("read", json.dumps(r), flush=True)
        row["train"] = timed(TRAIN, work, str(iterations))
        row["train"]["fit_s"] = float(row["train"]["out"])
        row["iterations"] = iterations
        print("train", json.dumps(row["train"]), flush=True)
        if os.path.exists(os.path.join(work, "log.csv")):
            os.unlink(os.path.join(work, "log.csv"))
        row["campaign"] = timed(CAMPAIGN, work)
        row["load_after"] = load()
        print(json.dumps(row), flush=True)
        results = [x for x in results if x["interactions_target"] != int(size)] + [row]
        with open(out + ".tmp", "w") as f:
            json.dump(results, f, indent=1)
        os.replace(out + ".tmp", out)
        for name in ("push.csv", "log.csv"):  # large, not needed again
            p = os.path.join(work, name)
            if os.path.exists(p):
                os.unlink(p)


def plot(path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(json.load(open(path)), key=lambda r: r["interactions"])
    n = [r["interactions"] / 1e6 for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(n, [r["read"]["wall_s"] for r in rows], "o-", label="read (chunked Parquet)")
    a.plot(n, [r["train"]["fit_s"] for r in rows], "o-", label=f"ALS fit ({rows[0]['iterations']} it., 2 threads)")
    a.plot(n, [r["campaign"]["wall_s"] for r in rows], "o-", label="push campaign (k=5, 2 threads)")
    a.set_xscale("log"); a.set_yscale("log"); a.set_xlabel("interactions (millions)"); a.set_ylabel("wall time (s)")
    a.legend(fontsize=8); a.grid(True, which="both", alpha=0.3)
    b.plot(n, [r["read"]["max_rss_mib"] / 1024 for r in rows], "o-", label="read")
    b.plot(n, [r["train"]["max_rss_mib"] / 1024 for r in rows], "o-", label="read + train")
    b.plot(n, [r["campaign"]["max_rss_mib"] / 1024 for r in rows], "o-", label="campaign")
    b.axhline(24, color="red", ls="--", lw=1, label="machine (24 GiB)")
    b.set_xscale("log"); b.set_xlabel("interactions (millions)"); b.set_ylabel("peak RSS (GiB)")
    b.legend(fontsize=8); b.grid(True, which="both", alpha=0.3)
    fig.suptitle("learnrec on one machine (2 cores, shared by 8 sessions)")
    fig.tight_layout()
    fig.savefig(os.path.splitext(path)[0] + ".png", dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="*", type=float, default=[1e6, 1e7, 5e7])
    ap.add_argument("--work", default="/tmp/learnrec-scaling")
    ap.add_argument("--iterations", type=int, default=3, help="ALS iterations (the 50M run used 1)")
    ap.add_argument("--out", default=os.path.join(HERE, "..", "results", "scaling.json"))
    ap.add_argument("--plot", help="plot a results file instead of measuring")
    a = ap.parse_args()
    if a.plot:
        plot(a.plot)
    else:
        run(a.sizes, a.work, a.iterations, a.out)


if __name__ == "__main__":
    main()
