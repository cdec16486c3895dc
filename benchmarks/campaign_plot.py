"""Plots campaign time and peak RSS against the number of learners from campaign_speed.jsonl.

    .venv/bin/python benchmarks/campaign_plot.py benchmarks/results/campaign_speed.jsonl \
        benchmarks/results/campaign_speed.png
The last run per size is plotted (each line of the JSONL file is one `campaign_replay speed` run);
CPU seconds when the runs recorded them, else wall seconds.
"""

from __future__ import annotations

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src: str, dst: str) -> None:
    runs = {}
    with open(src) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                runs[r["learners"]] = r
    sizes = sorted(runs)
    courses = sorted({runs[n]["courses"] for n in sizes})
    note = " x ".join(f"{c:,}" for c in courses) + " courses"
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    # CPU seconds (user + sys, both threads) when the run recorded them: wall time on a shared,
    # loaded host says more about the neighbours than about the code.
    cpu = all("campaign_cpu_s" in runs[n] for n in sizes)
    suffix = "_cpu_s" if cpu else "_s"
    series = [("plain_topk", "plain batch top-10"), ("ranker", "Ranker, all rules"),
              ("campaign", "campaign (all rules, push log)")]
    for key, label in series:
        if all(key + suffix in runs[n] for n in sizes):
            a.plot(sizes, [runs[n][key + suffix] for n in sizes], "o-", label=label)
    a.set(xscale="log", yscale="log", xlabel=f"learners ({note})",
          ylabel="CPU seconds (2 threads)" if cpu else "seconds (2 threads, loaded host)")
    a.legend()
    b.plot(sizes, [runs[n]["campaign_peak_rss_above_base_mib"] for n in sizes], "o-", label="campaign peak RSS")
    b.axhline(256, color="grey", ls="--", label="goal: 256 MiB")
    b.set(xscale="log", xlabel=f"learners ({note})", ylabel="MiB above the loaded process")
    b.legend()
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
