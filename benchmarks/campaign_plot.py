"""Plots campaign time and peak RSS against the number of learners from campaign_speed.jsonl.

    .venv/bin/python benchmarks/campaign_plot.py benchmarks/results/campaign_speed.jsonl \
        benchmarks/results/campaign_speed.png
The last run per size is plotted (each line of the JSONL file is one `campaign_replay speed` run).
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
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(sizes, [runs[n]["plain_topk_s"] for n in sizes], "o-", label="plain batch top-10")
    a.plot(sizes, [runs[n]["campaign_s"] for n in sizes], "o-", label="campaign (all rules, push log)")
    a.set(xscale="log", yscale="log", xlabel="learners (x 5,000 courses)", ylabel="seconds (2 threads, loaded host)")
    a.legend()
    b.plot(sizes, [runs[n]["campaign_peak_rss_above_base_mib"] for n in sizes], "o-", label="campaign peak RSS")
    b.axhline(256, color="grey", ls="--", label="goal: 256 MiB")
    b.set(xscale="log", xlabel="learners (x 5,000 courses)", ylabel="MiB above the loaded process")
    b.legend()
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
