"""Training memory: fit never builds the scoring copies of the course factors (the first
recommend does), and trainers hand their tables to the model instead of copying them."""

from __future__ import annotations

import pytest

import learnrec
from learnrec import _core
from learnrec._validation import as_core_csr

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


def test_a_released_hybrid_trainer_refuses_to_train_again(user_items):
    config = learnrec.HybridModel(factors=8, iterations=2, random_state=7, num_threads=1).config()
    rows = as_core_csr(user_items, "user_items")
    trainer = _core.HybridTrainer(rows, None, None, config)
    trainer.step()
    released = trainer.release()
    assert released.num_courses == user_items.shape[1]
    with pytest.raises(learnrec.LearnrecError, match="released"):
        trainer.step()
