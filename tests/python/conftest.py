"""Shared fixtures: small deterministic matrices and one factory per learnrec model class."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

import learnrec

# Every model class behind the implicit-compatible surface. Add new models (BPR, EASE, kNN,
# hybrids) here and the contract suite runs on them.
MODEL_FACTORIES = {
    "ImplicitALS": lambda: learnrec.ImplicitALS(factors=8, iterations=5, random_state=7, num_threads=2),
    "ImplicitALS-cholesky": lambda: learnrec.ImplicitALS(
        factors=8, iterations=5, solver="cholesky", random_state=7, num_threads=2
    ),
    "PopularityModel": lambda: learnrec.PopularityModel(num_threads=2),
    # One thread: BPR's Hogwild training is deterministic only then (the contract checks random_state).
    "BayesianPersonalizedRanking": lambda: learnrec.BayesianPersonalizedRanking(
        factors=8, iterations=20, random_state=7, num_threads=1
    ),
    "EASE": lambda: learnrec.EASE(regularization=10.0, num_threads=2),
    "ItemKNN": lambda: learnrec.ItemKNN(K=10, num_threads=2),
    "ItemKNN-bm25": lambda: learnrec.ItemKNN(K=10, weighting="bm25", num_threads=2),
    "GFCF": lambda: learnrec.GFCF(rank=8, random_state=7, num_threads=2),
    # Ids only (the contract passes no features); one thread: Hogwild is deterministic only then.
    "HybridModel": lambda: learnrec.HybridModel(factors=8, iterations=20, random_state=7, num_threads=1),
}


def random_interactions(learners: int = 60, courses: int = 40, per_learner: int = 6, seed: int = 0):
    """learners x courses float32 CSR (int32 indices), `per_learner` distinct courses each, weights 1 or 3."""
    rng = np.random.default_rng(seed)
    # Skewed course popularity so that models have something to learn.
    p = 1.0 / np.arange(1, courses + 1) ** 0.8
    p /= p.sum()
    rows, cols, vals = [], [], []
    for u in range(learners):
        chosen = rng.choice(courses, size=per_learner, replace=False, p=p)
        rows += [u] * per_learner
        cols += list(chosen)
        vals += list(rng.choice([1.0, 3.0], size=per_learner))
    m = scipy.sparse.csr_matrix(
        (np.array(vals, dtype=np.float32), (np.array(rows), np.array(cols))), shape=(learners, courses)
    )
    m.sort_indices()
    m.indices = m.indices.astype(np.int32)
    m.indptr = m.indptr.astype(np.int32)
    return m


@pytest.fixture
def user_items():
    return random_interactions()


@pytest.fixture(scope="session")
def academy():
    """A small academy: (user_items, learners table, courses table)."""
    return learnrec.generate_academy(seed=7, learners=800, courses=120)


@pytest.fixture(params=sorted(MODEL_FACTORIES))
def make_model(request):
    return MODEL_FACTORIES[request.param]


@pytest.fixture
def fitted(make_model, user_items):
    return make_model().fit(user_items, show_progress=False)
