"""Training memory: fit never builds the scoring copies of the course factors (the first
recommend does)."""

from __future__ import annotations

import pytest

import learnrec

FACTOR_MODELS = {
    "ImplicitALS": lambda: learnrec.ImplicitALS(factors=8, iterations=3, random_state=7, num_threads=2),
    "BayesianPersonalizedRanking": lambda: learnrec.BayesianPersonalizedRanking(
        factors=8, iterations=3, random_state=7, num_threads=1
    ),
    "HybridModel": lambda: learnrec.HybridModel(factors=8, iterations=3, random_state=7, num_threads=1),
}


@pytest.mark.parametrize("name", sorted(FACTOR_MODELS))
def test_fit_leaves_the_scoring_panels_to_the_first_recommend(name, user_items):
    model = FACTOR_MODELS[name]().fit(user_items, show_progress=False)
    assert not model.model.panels_built
    model.recommend(0, user_items[0], N=5)
    assert model.model.panels_built

