"""Summarizes benchmarks/service/run.sh's results directory: a Markdown table on stdout,
summary.json and service_load.png (matplotlib) beside the results."""
import json
import re
import sys
from pathlib import Path

out = Path(sys.argv[1])


def result(path):
    m = re.search(r"RESULT (\{.*\})", path.read_text())
    return json.loads(m.group(1)) if m else None


runs = {}
for mode in ("steady", "reload"):
    for c in (1, 8, 64):
        r = result(out / f"wrk_{mode}_{c}.txt")
        lines = (out / f"reloads_{mode}_{c}.txt").read_text().split()
        codes = lines[0::2]
        r["reloads"] = len(codes)
        r["reloads_ok"] = codes.count("200")
        r["reload_s_mean"] = (sum(map(float, lines[1::2])) / len(codes)) if codes else None
        ticks, tck = map(int, (out / f"cpu_{mode}_{c}.txt").read_text().split())
        r["server_cpu_us_per_request"] = 1e6 * ticks / tck / max(r["requests"], 1)
        runs[f"{mode}_{c}"] = r
inproc = {t: json.loads((out / f"inprocess_{t}.json").read_text()) for t in (1, 2) if (out / f"inprocess_{t}.json").exists()}
rss = dict(line.split() for line in (out / "rss.txt").read_text().splitlines())
rss_reloads = [line.split() for line in (out / "rss_reloads.txt").read_text().splitlines()[1:]]
failed = int(rss_reloads[-1][1]) if rss_reloads and rss_reloads[-1][0] == "failed_reloads" else None
rss_points = [(int(r[0]), int(r[1])) for r in rss_reloads if r[0].isdigit()]

full_path = out / "rss_reloads_full.txt"
full_rows = [line.split() for line in full_path.read_text().splitlines()[1:]] if full_path.exists() else []
full_points = [(int(a), int(b)) for a, b, *_ in full_rows]
full_codes = [row[2] for row in full_rows[1:]]
full_seconds = [float(row[3]) for row in full_rows[1:]]


def slope(points, first):
    """Least-squares slope of RSS (KiB) per reload over the points from reload `first` on."""
    pts = [(x, y) for x, y in points if x >= first]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / den if den else None


inproc_threads = max(inproc) if inproc else None
n_small = rss_points[-1][0] if rss_points else 0
slopes = {"small_all": slope(rss_points, 0), "small_after_warmup": slope(rss_points, n_small // 4),
          "small_second_half": slope(rss_points, n_small // 2),
          "full_all": slope(full_points, 0), "full_after_first": slope(full_points, 2)}
summary = {"runs": runs, "inprocess": inproc, "rss_kib": rss, "rss_across_reloads": rss_points,
           "failed_reloads_rss_run": failed, "rss_across_reloads_full": full_points,
           "full_reload_codes": full_codes, "full_reload_seconds": full_seconds,
           "rss_slope_kib_per_reload": slopes, "machine": (out / "machine.txt").read_text()}
# The CPU ratio against both in-process figures: one caller (the Ranker alone on a core) and two
# callers at once (as the server's two workers run: they share the caches and memory bandwidth).
print("| run | connections | requests/s | p50 ms | p99 ms | p99/p50 | non-2xx | reloads (ok) | service/in-process, wall | server CPU ms/request | service/in-process, CPU (1 thread) | service/in-process, CPU (2 threads) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for key, r in runs.items():
    mode, c = key.split("_")
    ratio = inproc[inproc_threads]["calls_per_s"] / r["rps"] if inproc else float("nan")
    r["ratio_vs_inprocess"] = ratio
    cpu_ratio = r["server_cpu_us_per_request"] / inproc[1]["cpu_us_per_call"] if inproc else float("nan")
    r["cpu_ratio_vs_inprocess"] = cpu_ratio
    cpu_ratio_2 = r["server_cpu_us_per_request"] / inproc[2]["cpu_us_per_call"] if 2 in inproc else float("nan")
    r["cpu_ratio_vs_inprocess_2_threads"] = cpu_ratio_2
    print(f"| {mode} | {c} | {r['rps']:.0f} | {r['p50_us'] / 1e3:.2f} | {r['p99_us'] / 1e3:.2f} | "
          f"{r['p99_us'] / max(r['p50_us'], 1):.1f} | {r['non2xx'] + r['socket_errors']} | "
          f"{r['reloads']} ({r['reloads_ok']}) | {ratio:.2f} | {r['server_cpu_us_per_request'] / 1e3:.2f} | {cpu_ratio:.2f} | "
          f"{cpu_ratio_2:.2f} |")
for t, r in inproc.items():
    print(f"\nIn process, {t} thread(s): {r['calls_per_s']:.0f} calls/s, p50 {r['p50_us'] / 1e3:.2f} ms, "
          f"p99 {r['p99_us'] / 1e3:.2f} ms, CPU {r['cpu_us_per_call'] / 1e3:.2f} ms/call")
if rss_points:
    print(f"\nRSS across {rss_points[-1][0]} reloads (small academy, with traffic): "
          f"{rss_points[0][1] / 1024:.0f} MiB at start, {rss_points[1][1] / 1024 if len(rss_points) > 1 else 0:.0f} MiB "
          f"after {rss_points[1][0] if len(rss_points) > 1 else 0}, {rss_points[-1][1] / 1024:.0f} MiB at the end; "
          f"failed reloads: {failed}")
    print("RSS slope, KiB per reload (least squares): " +
          ", ".join(f"{k} {v:.1f}" for k, v in slopes.items() if v is not None))
if full_points:
    print(f"\nRSS across {full_points[-1][0]} back-to-back reloads at full scale (with wrk -c8 traffic): "
          f"{full_points[0][1] / 1024:.0f} MiB before, {full_points[1][1] / 1024:.0f} MiB after the first, "
          f"{max(p[1] for p in full_points) / 1024:.0f} MiB at most, {full_points[-1][1] / 1024:.0f} MiB at the end; "
          f"answers {sorted(set(full_codes))}; reload {min(full_seconds):.1f}-{max(full_seconds):.1f} s "
          f"(mean {sum(full_seconds) / len(full_seconds):.1f} s)")
(out / "summary.json").write_text(json.dumps(summary, indent=2))

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\n(matplotlib not installed: no plot)")
    sys.exit(0)
fig, axes = plt.subplots(1, 3, figsize=(14, 4))
conns = [1, 8, 64]
for mode, style in (("steady", "o-"), ("reload", "s--")):
    axes[0].plot(conns, [runs[f"{mode}_{c}"]["rps"] for c in conns], style, label=mode)
    axes[1].plot(conns, [runs[f"{mode}_{c}"]["p50_us"] / 1e3 for c in conns], style, label=f"{mode} p50")
    axes[1].plot(conns, [runs[f"{mode}_{c}"]["p99_us"] / 1e3 for c in conns], style, alpha=0.5, label=f"{mode} p99")
if inproc:
    axes[0].axhline(inproc[inproc_threads]["calls_per_s"], color="gray", ls=":", label=f"in process ({inproc_threads} threads)")
for ax, title, ylabel in ((axes[0], "throughput", "requests/s"), (axes[1], "latency", "ms")):
    ax.set_xscale("log")
    ax.set_xticks(conns, [str(c) for c in conns])
    ax.set_xlabel("connections")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
axes[1].set_yscale("log")
if rss_points:
    axes[2].plot([p[0] for p in rss_points], [p[1] / 1024 for p in rss_points], "o-", label="5k x 600 academy")
if full_points:
    axes[2].plot([p[0] for p in full_points], [p[1] / 1024 for p in full_points], "s-", label="100k x 5k academy")
if rss_points or full_points:
    axes[2].set_xscale("symlog", linthresh=10)
    axes[2].set_xlabel("reloads (under wrk -c8 traffic)")
    axes[2].set_ylabel("RSS MiB")
    axes[2].set_ylim(bottom=0)
    axes[2].legend(fontsize=8)
    axes[2].set_title("RSS across reloads")
fig.suptitle("learnrec-serve, academy 100k learners x 5k courses, all rules, --threads 2, loopback")
fig.tight_layout()
fig.savefig(out / "service_load.png", dpi=110)
print(f"\nplot: {out / 'service_load.png'}")
