"""Cold-start evidence for learnrec's hybrid model (issue #5): one command, tables on stdout.

    PYTHONPATH=bindings/python python benchmarks/cold_start.py [--data ../shared/data/oulad] [--seeds 5]

Datasets
  OULAD     learner = id_student, course = module presentation (code_module + code_presentation, 22),
            positive = a registration (studentRegistration.csv); learner features: gender, region,
            highest_education, imd_band, age_band, disability (studentInfo.csv, every value a learner has
            across presentations); course features: module, presentation, semester.
  academy   learnrec's generated corporate academy (schema 2, seed 42) with learnrec.academy_features:
            learner tokens role, department, country, lang, region, seniority, goal (target skills); course
            tokens topic, format, lang, level, provider, skill, duration.

Protocols (each over --seeds seeds; mean and standard deviation over seeds)
  cold   learnrec.cold_start_split: 20 % of the learners held out whole; a held-out learner is scored
         from their features alone (the hybrid model without learner ids; LightFM the same way).
  warm   learnrec.holdout_split: 20 % of each learner's positives held out; courses of the training
         row are excluded; the hybrid model with learner ids against implicit ALS.
Metrics: recall@k = hits / |test courses|, NDCG@k with binary gains, over learners with test courses.
Baselines: most popular (training registrations), most popular within the learner's segment
(OULAD: region, and age band x highest education; academy: region, department, role x seniority), and
LightFM 1.17 with the same features and hyperparameters when it is installed.
Timing: one epoch (median of 5) of the hybrid model vs LightFM, same loss, factors and 2 threads, on
OULAD's full data with learner and course features.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp

import learnrec

try:  # optional peer
    import lightfm  # type: ignore

    HAVE_LIGHTFM = True
except ImportError:  # pragma: no cover - depends on the machine
    HAVE_LIGHTFM = False

Dataset = Dict[str, object]


# ---- data ------------------------------------------------------------------------------------


def one_hot(rows: Sequence[Sequence[str]], vocabulary: Optional[Dict[str, int]] = None) -> Tuple[sp.csr_matrix, List[str]]:
    """Rows of feature tokens -> binary float32 CSR (duplicates collapsed), and the token names."""
    vocab: Dict[str, int] = {} if vocabulary is None else vocabulary
    r, c = [], []
    for i, tokens in enumerate(rows):
        for t in set(tokens):
            if t not in vocab:
                vocab[t] = len(vocab)
            r.append(i)
            c.append(vocab[t])
    m = sp.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(len(rows), len(vocab)))
    m.sort_indices()
    names = [None] * len(vocab)
    for t, j in vocab.items():
        names[j] = t
    return m, names  # type: ignore[return-value]


def load_oulad(root: Path) -> Dataset:
    def read(name: str) -> List[Dict[str, str]]:
        with open(root / name, newline="") as f:
            return list(csv.DictReader(f))

    info = read("studentInfo.csv")
    registrations = read("studentRegistration.csv")
    students = sorted({int(r["id_student"]) for r in registrations} | {int(r["id_student"]) for r in info})
    sidx = {s: i for i, s in enumerate(students)}
    presentations = sorted({(r["code_module"], r["code_presentation"]) for r in registrations})
    cidx = {p: i for i, p in enumerate(presentations)}
    rows = [sidx[int(r["id_student"])] for r in registrations]
    cols = [cidx[(r["code_module"], r["code_presentation"])] for r in registrations]
    ui = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(students), len(presentations)))
    ui.data[:] = 1.0  # a repeated registration is still one positive
    ui.sort_indices()
    fields = ["gender", "region", "highest_education", "imd_band", "age_band", "disability"]
    tokens: List[List[str]] = [[] for _ in students]
    first: Dict[int, Dict[str, str]] = {}
    for r in info:
        i = sidx[int(r["id_student"])]
        tokens[i] += [f"{k}={r[k] or 'unknown'}" for k in fields]
        first.setdefault(i, r)
    user_features, user_names = one_hot(tokens)
    item_tokens = [[f"module={m}", f"presentation={p}", f"semester={p[-1]}"] for m, p in presentations]
    item_features, _ = one_hot(item_tokens)
    segments = {
        "region": np.array([first[i]["region"] for i in range(len(students))]),
        "age band x education": np.array(
            [first[i]["age_band"] + "|" + first[i]["highest_education"] for i in range(len(students))]
        ),
    }
    return {
        "name": "OULAD",
        "user_items": ui,
        "user_features": user_features,
        "item_features": item_features,
        "segments": segments,
    }


def load_academy(seed: int = 42) -> Dataset:
    ui, learners, _ = learnrec.generate_academy(seed=seed)
    ui = ui.tocsr().astype(np.float32)
    ui.data[:] = 1.0  # enrolled (1) and completed (3) are both one positive
    ui.sort_indices()
    user_features, _, item_features, _ = learnrec.academy_features(seed=seed)
    segments = {
        "region": np.asarray(learners["region"]),
        "department": np.asarray(learners["department"]),
        "role x seniority": np.array([f"{a}|{b}" for a, b in zip(learners["role"], learners["seniority"])]),
    }
    return {
        "name": "academy",
        "user_items": ui,
        "user_features": user_features,
        "item_features": item_features,
        "segments": segments,
    }


# ---- metrics ---------------------------------------------------------------------------------


def metrics(ranked: np.ndarray, test: sp.csr_matrix, learners: np.ndarray) -> Dict[str, float]:
    """recall@3, NDCG@3, recall@10 of ranked ids (one row per learner in `learners`)."""
    r3, n3, r10 = [], [], []
    discounts = 1.0 / np.log2(np.arange(2, 12))
    for row, u in enumerate(learners):
        truth = set(test.indices[test.indptr[u] : test.indptr[u + 1]].tolist())
        if not truth:
            continue
        top = ranked[row]
        hits = np.array([c in truth for c in top[:10]], dtype=float)
        r3.append(hits[:3].sum() / len(truth))
        r10.append(hits[:10].sum() / len(truth))
        ideal = discounts[: min(3, len(truth))].sum()
        n3.append((hits[:3] * discounts[:3]).sum() / ideal)
    return {"recall@3": float(np.mean(r3)), "ndcg@3": float(np.mean(n3)), "recall@10": float(np.mean(r10))}


def top_from_scores(scores: np.ndarray, exclude: Optional[sp.csr_matrix] = None, k: int = 10) -> np.ndarray:
    scores = np.array(scores, dtype=np.float64, copy=True)
    if exclude is not None:
        coo = exclude.tocoo()
        scores[coo.row, coo.col] = -np.inf
    order = np.argsort(-scores, axis=1, kind="stable")
    return order[:, :k]


# ---- methods ---------------------------------------------------------------------------------

HYBRID = dict(factors=32, loss="warp", learning_rate=0.05, max_sampled=10, iterations=30, normalize_features=False)
# The project's ALS settings for the academy (README demo).
ALS = dict(factors=64, regularization=5.0, alpha=10.0, iterations=15)


def popularity_scores(train: sp.csr_matrix, learners: np.ndarray) -> np.ndarray:
    pop = np.asarray(train.sum(axis=0)).ravel()
    return np.tile(pop, (len(learners), 1))


def segment_scores(train: sp.csr_matrix, segment: np.ndarray, learners: np.ndarray) -> np.ndarray:
    """Popularity among training learners of the same segment, ties broken by overall popularity."""
    pop = np.asarray(train.sum(axis=0)).ravel()
    by_segment: Dict[str, np.ndarray] = defaultdict(lambda: np.zeros(train.shape[1]))
    coo = train.tocoo()
    for u, c in zip(coo.row, coo.col):
        by_segment[segment[u]][c] += 1.0
    tie = pop / (pop.max() + 1.0)
    return np.stack([by_segment[segment[u]] + tie if segment[u] in by_segment else pop for u in learners])


def hybrid_cold(train, users, items, learners, seed, threads) -> np.ndarray:
    model = learnrec.HybridModel(**HYBRID, use_user_ids=False, random_state=seed, num_threads=threads)
    model.fit(train, user_features=users, item_features=items, show_progress=False)
    ids, _ = model.recommend(learners, None, N=10, filter_already_liked_items=False, user_features=users[learners])
    return ids


def lightfm_model(seed: int, loss: str = "warp"):
    from lightfm import LightFM  # type: ignore

    return LightFM(
        no_components=HYBRID["factors"],
        loss=loss,
        learning_rate=HYBRID["learning_rate"],
        max_sampled=HYBRID["max_sampled"],
        random_state=seed,
    )


def l1_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to sum 1 when the hybrid model normalises features (LightFM then gets the same input)."""
    if not HYBRID["normalize_features"]:
        return sp.csr_matrix(m, dtype=np.float32)
    sums = np.asarray(abs(m).sum(axis=1)).ravel()
    sums[sums == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / sums) @ m, dtype=np.float32)


def with_ids(features: sp.csr_matrix) -> sp.csr_matrix:
    return sp.hstack([sp.identity(features.shape[0], format="csr", dtype=np.float32), features], format="csr")


def lightfm_cold(train, users, items, learners, seed, threads) -> np.ndarray:
    model = lightfm_model(seed)
    uf = l1_rows(users)
    itf = l1_rows(with_ids(items))  # as learnrec: course ids + features, learners by features only
    model.fit(train.tocoo(), user_features=uf, item_features=itf, epochs=HYBRID["iterations"], num_threads=threads)
    n_items = train.shape[1]
    scores = np.stack(
        [
            model.predict(int(u), np.arange(n_items), user_features=uf, item_features=itf, num_threads=threads)
            for u in learners
        ]
    )
    return top_from_scores(scores)


def hybrid_warm(train, users, items, learners, seed, threads) -> np.ndarray:
    model = learnrec.HybridModel(**HYBRID, random_state=seed, num_threads=threads)
    model.fit(train, user_features=users, item_features=items, show_progress=False)
    ids, _ = model.recommend(learners, train[learners], N=10)
    return ids


def fit_als(train, seed, threads):
    return learnrec.ImplicitALS(**ALS, random_state=seed, num_threads=threads).fit(train, show_progress=False)


def als_warm(train, users, items, learners, seed, threads) -> np.ndarray:
    ids, _ = fit_als(train, seed, threads).recommend(learners, train[learners], N=10)
    return ids


def least_squares_cold(train, users, items, learners, seed, threads) -> np.ndarray:
    model = learnrec.HybridModel.from_factors(fit_als(train, seed, threads), users, items, use_user_ids=False,
                                              normalize_features=HYBRID["normalize_features"], num_threads=threads)
    ids, _ = model.recommend(learners, None, N=10, filter_already_liked_items=False, user_features=users[learners])
    return ids


def least_squares_warm(train, users, items, learners, seed, threads) -> np.ndarray:
    model = learnrec.HybridModel.from_factors(fit_als(train, seed, threads), users, items,
                                              normalize_features=HYBRID["normalize_features"], num_threads=threads)
    ids, _ = model.recommend(learners, train[learners], N=10)
    return ids


# ---- protocols -------------------------------------------------------------------------------


def summarise(runs: List[Dict[str, float]]) -> Dict[str, Tuple[float, float]]:
    return {k: (float(np.mean([r[k] for r in runs])), float(np.std([r[k] for r in runs]))) for k in runs[0]}


def cold(data: Dataset, seeds: Sequence[int], threads: int) -> Dict[str, Dict[str, Tuple[float, float]]]:
    ui: sp.csr_matrix = data["user_items"]  # type: ignore[assignment]
    users: sp.csr_matrix = data["user_features"]  # type: ignore[assignment]
    items: sp.csr_matrix = data["item_features"]  # type: ignore[assignment]
    segments: Dict[str, np.ndarray] = data["segments"]  # type: ignore[assignment]
    runs: Dict[str, List[Dict[str, float]]] = defaultdict(list)
    for seed in seeds:
        train, test, _ = learnrec.cold_start_split(ui, 0.2, random_state=seed)
        # The held-out learners are the rows of test (every one has a positive).
        learners = np.flatnonzero(np.diff(test.indptr) > 0).astype(np.int32)
        runs["most popular"].append(metrics(top_from_scores(popularity_scores(train, learners)), test, learners))
        for name, seg in segments.items():
            ranked = top_from_scores(segment_scores(train, seg, learners))
            runs[f"popular in segment ({name})"].append(metrics(ranked, test, learners))
        runs["learnrec hybrid (features)"].append(metrics(hybrid_cold(train, users, items, learners, seed, threads),
                                                          test, learners))
        runs["learnrec hybrid, least-squares variant (ALS + ridge)"].append(
            metrics(least_squares_cold(train, users, items, learners, seed, threads), test, learners))
        if HAVE_LIGHTFM:
            runs["LightFM (same features)"].append(metrics(lightfm_cold(train, users, items, learners, seed, threads),
                                                           test, learners))
    return {k: summarise(v) for k, v in runs.items()}


def warm(data: Dataset, seeds: Sequence[int], threads: int) -> Dict[str, Dict[str, Tuple[float, float]]]:
    ui: sp.csr_matrix = data["user_items"]  # type: ignore[assignment]
    users: sp.csr_matrix = data["user_features"]  # type: ignore[assignment]
    items: sp.csr_matrix = data["item_features"]  # type: ignore[assignment]
    runs: Dict[str, List[Dict[str, float]]] = defaultdict(list)
    for seed in seeds:
        train, test = learnrec.holdout_split(ui, 0.2, random_state=seed)
        learners = np.flatnonzero(np.diff(test.indptr) > 0).astype(np.int32)
        runs["most popular"].append(
            metrics(top_from_scores(popularity_scores(train, learners), train[learners]), test, learners)
        )
        runs["learnrec hybrid (ids + features)"].append(
            metrics(hybrid_warm(train, users, items, learners, seed, threads), test, learners)
        )
        runs["learnrec hybrid, least-squares variant (ALS + ridge)"].append(
            metrics(least_squares_warm(train, users, items, learners, seed, threads), test, learners))
        runs["learnrec ImplicitALS"].append(metrics(als_warm(train, users, items, learners, seed, threads), test,
                                                    learners))
    return {k: summarise(v) for k, v in runs.items()}


def epoch_times(data: Dataset, threads: int = 2, repeats: int = 5) -> Dict[str, float]:
    """Median seconds of one WARP epoch for learnrec and LightFM (same factors, features, threads)."""
    ui: sp.csr_matrix = data["user_items"]  # type: ignore[assignment]
    users = data["user_features"]
    items = data["item_features"]
    model = learnrec.HybridModel(**HYBRID, random_state=1, num_threads=threads)
    config = model.config()
    from learnrec._validation import as_core_csr

    trainer = learnrec._core.HybridTrainer(
        as_core_csr(ui, "user_items"), as_core_csr(users, "user_features"), as_core_csr(items, "item_features"), config
    )
    ours = []
    for _ in range(repeats + 1):
        t0 = time.perf_counter()
        trainer.step()
        ours.append(time.perf_counter() - t0)
    out = {"learnrec": float(np.median(ours[1:]))}
    if HAVE_LIGHTFM:
        lfm = lightfm_model(1)
        uf, itf = l1_rows(with_ids(users)), l1_rows(with_ids(items))
        coo = ui.tocoo()
        theirs = []
        for _ in range(repeats + 1):
            t0 = time.perf_counter()
            lfm.fit_partial(coo, user_features=uf, item_features=itf, epochs=1, num_threads=threads)
            theirs.append(time.perf_counter() - t0)
        out["LightFM"] = float(np.median(theirs[1:]))
    return out


def table(title: str, results: Dict[str, Dict[str, Tuple[float, float]]]) -> str:
    lines = [f"### {title}", "", "| method | recall@3 | NDCG@3 | recall@10 |", "| --- | --- | --- | --- |"]
    for name, r in results.items():
        cells = [f"{r[k][0]:.4f} ± {r[k][1]:.4f}" for k in ("recall@3", "ndcg@3", "recall@10")]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=here.parent / "shared" / "data" / "oulad")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-academy", action="store_true")
    args = parser.parse_args()
    seeds = list(range(1, args.seeds + 1))
    datasets: List[Callable[[], Dataset]] = []
    if (args.data / "studentRegistration.csv").exists():
        datasets.append(lambda: load_oulad(args.data))
    else:
        print(f"OULAD not found under {args.data}: skipped")
    if not args.skip_academy:
        datasets.append(load_academy)
    print(f"learnrec {learnrec.__version__}; LightFM {'%s' % lightfm.__version__ if HAVE_LIGHTFM else 'not installed'}")
    print(f"seeds {seeds}, threads {args.threads}, hybrid {HYBRID}, ALS {ALS}\n")
    for load in datasets:
        data = load()
        ui = data["user_items"]
        print(f"## {data['name']}: {ui.shape[0]} learners x {ui.shape[1]} courses, {ui.nnz} positives, "  # type: ignore[attr-defined]
              f"{data['user_features'].shape[1]} learner features, {data['item_features'].shape[1]} course features\n")  # type: ignore[attr-defined]
        print(table(f"{data['name']}: cold-start learners (20 % held out whole)", cold(data, seeds, args.threads)))
        print()
        print(table(f"{data['name']}: warm learners (20 % of each learner's positives held out)",
                    warm(data, seeds, args.threads)))
        print()
        if data["name"] == "OULAD":
            t = epoch_times(data, threads=args.threads)
            line = f"one WARP epoch, {args.threads} threads, {HYBRID['factors']} factors: learnrec {t['learnrec'] * 1e3:.1f} ms"
            if "LightFM" in t:
                line += f", LightFM {t['LightFM'] * 1e3:.1f} ms, ratio {t['learnrec'] / t['LightFM']:.2f}x"
            print(line + "\n")


if __name__ == "__main__":
    main()
