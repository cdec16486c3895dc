"""Ranking through the Python API against the plain top-k, on the embedded academy.

The C++ figure (bench_ranking) says what the ranking layer costs; this says what Python adds on
top: results arrive as numpy columns, and reason dicts or texts are built only when asked. Both
calls rank every learner of the academy at k = 10 with the same model and threads.

    .venv/bin/python benchmarks/python_ranking.py [--learners 5000] [--courses 600] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np

import learnrec
from learnrec.ranking import Ranker, to_timestamp


def best_of(fn, repeats):
    """(median wall seconds, median CPU seconds of the process: every thread's user + system time)."""
    wall, cpu = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=5000)
    parser.add_argument("--courses", type=int, default=600)
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    user_items, _, _ = learnrec.generate_academy(seed=42, learners=args.learners, courses=args.courses)
    model = learnrec.ImplicitALS(factors=args.factors, iterations=10, random_state=1,
                                 num_threads=args.threads).fit(user_items, show_progress=False)
    ranker = Ranker.from_academy(model, seed=42, learners=args.learners, courses=args.courses)
    everyone = np.arange(args.learners, dtype=np.int32)
    rules = dict(k=10, gap_boost=0.5, renewal_days=30, prerequisites="hold_back", mmr_lambda=0.8, explain=True,
                 num_threads=args.threads)
    now = "2026-02-01"

    # What Python adds: the same request straight to the C++ binding (rules already built).
    core_rules = ranker._rules(None, rules)
    stamp = to_timestamp(now)
    ranker.recommend(everyone, now, **rules)  # warm-up: caches the Ranker builds on its first request
    # Interleaved rounds, so that a change of machine load hits both calls alike.
    plain_runs, ranked_runs, core_runs = [], [], []
    for _ in range(args.repeats):
        plain_runs.append(best_of(lambda: model.recommend(everyone, user_items, N=10), 1))
        ranked_runs.append(best_of(lambda: ranker.recommend(everyone, now, **rules), 1))
        core_runs.append(best_of(lambda: ranker._ranker.recommend(everyone, stamp, core_rules), 1))
    med = lambda runs, i: statistics.median(r[i] for r in runs)  # noqa: E731
    plain, ranked, core = [(med(r, 0), med(r, 1)) for r in (plain_runs, ranked_runs, core_runs)]
    with_records = best_of(lambda: ranker.recommend(everyone, now, **rules).records(), max(1, args.repeats // 2))
    result = ranker.recommend(everyone, now, **rules)
    figures = {
        "learners": args.learners, "courses": args.courses, "factors": args.factors, "threads": args.threads,
        "isa": os.environ.get("LEARNREC_ISA", "widest the CPU has"),
        "plain_topk_s": plain[0], "ranked_columns_s": ranked[0], "core_call_s": core[0],
        "ranked_with_records_s": with_records[0],
        "plain_topk_cpu_s": plain[1], "ranked_columns_cpu_s": ranked[1], "core_call_cpu_s": core[1],
        "ratio_columns": ranked[0] / plain[0], "ratio_columns_cpu": ranked[1] / plain[1],
        "ratio_core_call": core[0] / plain[0], "ratio_with_records": with_records[0] / plain[0],
        "reasons": int(result.reason_offsets[-1]),
    }
    print(f"academy {args.learners} learners x {args.courses} courses, {args.factors} factors, "
          f"{args.threads} threads, ISA {figures['isa']}, medians of {args.repeats} interleaved rounds "
          f"(wall ms / CPU ms of every thread)")
    print(f"  plain top-10 (model.recommend)              {plain[0] * 1e3:8.1f} / {plain[1] * 1e3:8.1f}")
    print(f"  ranked, all rules + MMR + reasons (columns) {ranked[0] * 1e3:8.1f} / {ranked[1] * 1e3:8.1f}  "
          f"{figures['ratio_columns']:.2f}x wall, {figures['ratio_columns_cpu']:.2f}x CPU")
    print(f"  the same C++ call without the Python layer  {core[0] * 1e3:8.1f} / {core[1] * 1e3:8.1f}  "
          f"{figures['ratio_core_call']:.2f}x wall")
    print(f"  ranked, then .records() (a dict per course) {with_records[0] * 1e3:8.1f} / {with_records[1] * 1e3:8.1f}  "
          f"{figures['ratio_with_records']:.2f}x wall")
    print(f"  {figures['reasons']} reasons")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)


if __name__ == "__main__":
    main()
