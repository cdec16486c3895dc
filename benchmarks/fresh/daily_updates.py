"""Daily incremental updates against a nightly full retrain on the academy (issue #21).

Time split of the academy's typed events: the model is trained on everything before day 0, then
each of 30 days it is updated with that day's events only (learnrec.DailyUpdater: the learners with
events are re-solved from their rows so far, then the courses whose column changed, from the
per-course normal equations the updater keeps), while a second model is retrained from scratch
every night on all events so far (same hyperparameters and seed). After each day both are scored on the positive (learner, course) pairs
that first appear in the following `--horizon` days: recall@10 over the courses not yet taken.

    .venv/bin/python benchmarks/fresh/daily_updates.py --learners 20000 --courses 1200 --threads 2 \
        --out benchmarks/fresh/results

writes results.json, table.md and recall.png there. `--learner-drift` / `--course-change` /
`--course-max-updates` give the updater staleness bounds (DailyUpdater); a second, exact updater then
runs on a copy of the day-0 model side by side, and both are timed and scored. Timings are wall and CPU (user + sys, all
threads) seconds measured side by side in one run; the machine's load average is recorded with them.
The update's time is split into the changed rows sliced from scipy, the C++ update and publishing
the new model. At large scales `--retrain-days 10,20,30` retrains (and compares recall) on those
days only; the update still runs every day.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pickle
import resource
import time
from pathlib import Path

import numpy as np

import learnrec
from learnrec.evaluation import ranking_metrics_at_k

DAY = 86400


def subset(events: learnrec.Events, mask: np.ndarray) -> learnrec.Events:
    return dataclasses.replace(
        events,
        learners=events.learners[mask],
        courses=events.courses[mask],
        kinds=events.kinds[mask],
        timestamps=events.timestamps[mask],
        values=events.values[mask],
    )


def matrix(events: learnrec.Events, mask: np.ndarray):
    user_items, _, _ = learnrec.events_to_interactions(subset(events, mask))
    return user_items  # negative sums (dropped courses) stay: ALS's negative feedback


def positives_after(events, t0, t1, known):
    """Pairs with a positive event in [t0, t1) that are not in `known` (CSR), as a CSR of ones."""
    m = matrix(events, (events.timestamps >= t0) & (events.timestamps < t1))
    m.data[:] = (m.data > 0).astype(np.float32)
    m.eliminate_zeros()
    seen = known.copy()
    seen.data[:] = 1.0
    new = m - m.multiply(seen)
    new.eliminate_zeros()
    new = new.tocsr().astype(np.float32)
    new.sort_indices()
    return new


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--learners", type=int, default=20000)
    p.add_argument("--courses", type=int, default=1200)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--horizon", type=int, default=7, help="days of future pairs each evaluation scores")
    p.add_argument("--factors", type=int, default=64)
    p.add_argument("--iterations", type=int, default=15)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--retrain-days", default="all",
                   help="comma-separated days with a nightly retrain and the recall comparison (a retrain does "
                        "not depend on earlier ones), or 'all'")
    p.add_argument("--learner-drift", type=float, default=0.0, help="DailyUpdater learner_drift (0: exact)")
    p.add_argument("--course-change", type=float, default=0.0, help="DailyUpdater course_change (0: exact)")
    p.add_argument("--course-max-updates", type=int, default=7, help="DailyUpdater course_max_updates")
    p.add_argument("--out", type=Path, default=Path("benchmarks/fresh/results"))
    a = p.parse_args()
    bounded = a.learner_drift > 0 or a.course_change > 0

    tables = learnrec.academy_tables(seed=a.seed, learners=a.learners, courses=a.courses)
    events = tables["events"]
    t = events.timestamps
    t_end = int(t.max())
    day0 = t_end - (a.days + a.horizon) * DAY
    params = dict(factors=a.factors, regularization=5.0, alpha=10.0, iterations=a.iterations, random_state=7,
                  num_threads=a.threads, calculate_training_loss=False)

    base = matrix(events, t < day0)
    incremental = learnrec.ImplicitALS(**params)
    incremental.trained_at = str(np.datetime64(day0, "s"))
    start = time.perf_counter()
    incremental.fit(base, show_progress=False)
    first_fit = time.perf_counter() - start
    print(f"{len(events)} events, {base.shape[0]} learners x {base.shape[1]} courses; day 0 = "
          f"{np.datetime64(day0, 's')}; {base.nnz} pairs before it; full fit {first_fit:.2f} s", flush=True)

    exact_model = pickle.loads(pickle.dumps(incremental)) if bounded else None
    start, cpu0 = time.perf_counter(), cpu_seconds()
    updater = learnrec.DailyUpdater(incremental, base, learner_drift=a.learner_drift, course_change=a.course_change,
                                    course_max_updates=a.course_max_updates)
    setup_s, setup_cpu = time.perf_counter() - start, cpu_seconds() - cpu0
    print(f"daily updater built in {setup_s * 1000:.1f} ms ({setup_cpu * 1000:.1f} ms CPU); staleness "
          f"{updater.staleness}", flush=True)
    exact_updater = learnrec.DailyUpdater(exact_model, base) if bounded else None

    retrain_days = set(range(1, a.days + 1)) if a.retrain_days == "all" else {int(x) for x in a.retrain_days.split(",")}
    rows = []
    for d in range(1, a.days + 1):
        t0, t1 = day0 + (d - 1) * DAY, day0 + d * DAY
        today = (t >= t0) & (t < t1)
        current = matrix(events, t < t1)
        learners = np.unique(events.learners[today]).astype(np.int32)
        courses = np.unique(events.courses[today]).astype(np.int32)

        # The three stages timed one by one: the changed rows sliced from scipy, the C++ update,
        # publishing the new immutable model into the Python object.
        start, cpu0 = time.perf_counter(), cpu_seconds()
        changed_rows = current[learners]
        rows_s, rows_cpu = time.perf_counter() - start, cpu_seconds() - cpu0
        start, cpu0 = time.perf_counter(), cpu_seconds()
        stats = updater.update(learners, changed_rows, publish=False)
        solve_s, solve_cpu = time.perf_counter() - start, cpu_seconds() - cpu0
        start, cpu0 = time.perf_counter(), cpu_seconds()
        updater.publish()
        publish_s, publish_cpu = time.perf_counter() - start, cpu_seconds() - cpu0
        update_s, update_cpu = rows_s + solve_s + publish_s, rows_cpu + solve_cpu + publish_cpu
        row = dict(day=d, events=int(today.sum()), learners=int(learners.size), courses=int(courses.size),
                   courses_solved=int(stats["courses_solved"]), courses_waiting=int(stats["courses_deferred"]),
                   learners_propagated=int(stats["learners_propagated"]), pairs_changed=int(stats["pairs_changed"]),
                   update_s=update_s, update_cpu_s=update_cpu, rows_cpu_s=rows_cpu, solve_cpu_s=solve_cpu,
                   publish_cpu_s=publish_cpu, load=os.getloadavg()[0])
        if exact_updater is not None:
            start, cpu0 = time.perf_counter(), cpu_seconds()
            exact_updater.update(learners, current[learners])
            row |= dict(exact_update_s=time.perf_counter() - start, exact_update_cpu_s=cpu_seconds() - cpu0)
        line = (f"day {d:2d}: {row['events']:6d} events, {learners.size:6d} learners, {stats['courses_solved']:5d} courses | "
                f"update {update_s * 1000:8.2f} ms ({update_cpu * 1000:7.2f} ms CPU: rows {rows_cpu * 1000:.2f}, "
                f"C++ {solve_cpu * 1000:.2f}, publish {publish_cpu * 1000:.2f})")
        if d in retrain_days:
            nightly = learnrec.ImplicitALS(**params)
            start, cpu0 = time.perf_counter(), cpu_seconds()
            nightly.fit(current, show_progress=False)
            retrain_s, retrain_cpu = time.perf_counter() - start, cpu_seconds() - cpu0
            future = positives_after(events, t1, t1 + a.horizon * DAY, current)
            r_inc = ranking_metrics_at_k(incremental, current, future, K=10, num_threads=a.threads)["recall"]
            r_full = ranking_metrics_at_k(nightly, current, future, K=10, num_threads=a.threads)["recall"]
            row |= dict(retrain_s=retrain_s, retrain_cpu_s=retrain_cpu, recall_incremental=r_inc,
                        recall_retrain=r_full, test_pairs=int(future.nnz))
            if exact_updater is not None:
                row["recall_exact"] = ranking_metrics_at_k(exact_model, current, future, K=10,
                                                           num_threads=a.threads)["recall"]
            line += (f" | retrain {retrain_s:6.2f} s ({retrain_cpu:6.2f} s CPU): {100 * update_s / retrain_s:5.2f} % wall, "
                     f"{100 * update_cpu / max(retrain_cpu, 1e-9):5.2f} % CPU | "
                     f"recall@10 incremental {r_inc:.4f}, retrain {r_full:.4f}")
        rows.append(row)
        print(line + f" | load {row['load']:.1f}", flush=True)

    a.out.mkdir(parents=True, exist_ok=True)
    evaluated = [r for r in rows if "retrain_s" in r]
    last = evaluated[-1]
    median_update_cpu = float(np.median([r["update_cpu_s"] for r in rows]))
    median_retrain_cpu = float(np.median([r["retrain_cpu_s"] for r in evaluated]))
    summary = dict(
        args=vars(a) | {"out": str(a.out)},
        final_day=last["day"],
        final_gap_relative=(last["recall_retrain"] - last["recall_incremental"]) / last["recall_retrain"],
        mean_gap_relative=float(np.mean([(r["recall_retrain"] - r["recall_incremental"]) / r["recall_retrain"]
                                         for r in evaluated])),
        median_update_cpu_s=median_update_cpu,
        median_update_s=float(np.median([r["update_s"] for r in rows])),
        median_retrain_cpu_s=median_retrain_cpu,
        median_retrain_s=float(np.median([r["retrain_s"] for r in evaluated])),
        median_update_over_retrain_cpu=median_update_cpu / median_retrain_cpu,
        median_stage_cpu_s={k: float(np.median([r[k] for r in rows])) for k in ("rows_cpu_s", "solve_cpu_s", "publish_cpu_s")},
        staleness=updater.staleness,
        median_exact_update_cpu_s=float(np.median([r["exact_update_cpu_s"] for r in rows])) if bounded else None,
        final_gap_relative_exact=((last["recall_retrain"] - last["recall_exact"]) / last["recall_retrain"]) if bounded
        else None,
        updater_setup_s=setup_s,
        updater_setup_cpu_s=setup_cpu,
        first_fit_s=first_fit,
        base_pairs=int(base.nnz),
        days=rows,
    )
    (a.out / "results.json").write_text(json.dumps(summary, indent=1))
    lines = ["| day | events | learners | courses re-solved | update wall / CPU (ms) | of which CPU: rows, C++, publish (ms) | "
             "retrain wall / CPU (s) | update / retrain CPU | recall@10 incremental | recall@10 retrain | gap |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    if bounded:
        lines[0] += " exact updater CPU (ms) | exact / retrain CPU | recall@10 exact | exact gap |"
        lines[1] += " ---: | ---: | ---: | ---: |"
    shown = {1, 2, 5, 10, 15, 20, 25, 30} | {r["day"] for r in evaluated}
    for r in rows:
        if r["day"] not in shown:
            continue
        line = (f"| {r['day']} | {r['events']} | {r['learners']} | {r['courses_solved']} | "
                f"{r['update_s'] * 1000:.2f} / {r['update_cpu_s'] * 1000:.2f} | "
                f"{r['rows_cpu_s'] * 1000:.2f}, {r['solve_cpu_s'] * 1000:.2f}, {r['publish_cpu_s'] * 1000:.2f} | ")
        if "retrain_s" in r:
            gap = (r["recall_retrain"] - r["recall_incremental"]) / r["recall_retrain"]
            line += (f"{r['retrain_s']:.2f} / {r['retrain_cpu_s']:.2f} | "
                     f"{100 * r['update_cpu_s'] / max(r['retrain_cpu_s'], 1e-9):.2f} % | "
                     f"{r['recall_incremental']:.4f} | {r['recall_retrain']:.4f} | {100 * gap:+.2f} % |")
        else:
            line += "(no retrain that day) | | | | |"
        if bounded:
            line += f" {r['exact_update_cpu_s'] * 1000:.2f} |"
            if "retrain_s" in r:
                gap = (r["recall_retrain"] - r["recall_exact"]) / r["recall_retrain"]
                line += (f" {100 * r['exact_update_cpu_s'] / max(r['retrain_cpu_s'], 1e-9):.2f} % | "
                         f"{r['recall_exact']:.4f} | {100 * gap:+.2f} % |")
            else:
                line += " | | |"
        lines.append(line)
    (a.out / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if bounded:
        print(f"exact updater alongside: median {1000 * summary['median_exact_update_cpu_s']:.2f} ms CPU "
              f"({100 * summary['median_exact_update_cpu_s'] / median_retrain_cpu:.2f} % of the retrain), day "
              f"{last['day']} gap {100 * summary['final_gap_relative_exact']:+.2f} %")
    print(f"day {last['day']} relative gap {100 * summary['final_gap_relative']:+.2f} %; median update "
          f"{1000 * median_update_cpu:.2f} ms CPU vs median retrain {median_retrain_cpu:.2f} s CPU: "
          f"{100 * summary['median_update_over_retrain_cpu']:.2f} %; stages (median CPU ms) "
          + ", ".join(f"{k} {1000 * v:.2f}" for k, v in summary["median_stage_cpu_s"].items()))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    days = [r["day"] for r in evaluated]
    ax.plot(days, [r["recall_retrain"] for r in evaluated], "o-", label="nightly full retrain")
    if bounded:
        ax.plot(days, [r["recall_exact"] for r in evaluated], "^:", label="DailyUpdater, exact")
        ax.plot(days, [r["recall_incremental"] for r in evaluated], "s--",
                label=f"DailyUpdater, learner_drift {a.learner_drift:g}, course_change {a.course_change:g}")
    else:
        ax.plot(days, [r["recall_incremental"] for r in evaluated], "s--", label="DailyUpdater (day 0 model + daily updates)")
    ax.set_xlabel("day after the initial training")
    ax.set_ylabel(f"recall@10 (next {a.horizon} days)")
    ax.set_title(f"academy {a.learners} learners x {a.courses} courses, ALS {a.factors} factors")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(a.out / "recall.png", dpi=110)


if __name__ == "__main__":
    main()
