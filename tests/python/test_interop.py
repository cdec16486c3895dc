"""learnrec models used where implicit (0.7) models are expected. Skipped without implicit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import learnrec

implicit = pytest.importorskip("implicit", reason="implicit is not installed (pip install learnrec[compare])")
pytest.importorskip("implicit.evaluation")


def test_implicit_ranking_metrics_at_k_runs_on_a_learnrec_model_unchanged(academy):
    from implicit.evaluation import ranking_metrics_at_k

    train, test = learnrec.holdout_split(academy[0], random_state=0)
    model = learnrec.ImplicitALS(factors=16, regularization=5.0, alpha=10.0, random_state=0)
    model.fit(train, show_progress=False)
    theirs = ranking_metrics_at_k(model, train, test, K=10, show_progress=False)
    ours = learnrec.ranking_metrics_at_k(model, train, test, K=10)
    assert theirs["ndcg"] == pytest.approx(ours["ndcg"], rel=1e-6)  # same lists, same NDCG definition
    assert theirs["precision"] > 0


def test_learnrec_als_matches_implicit_quality_with_the_same_hyperparameters(academy):
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.evaluation import ranking_metrics_at_k

    train, test = learnrec.holdout_split(academy[0], random_state=0)
    params = dict(factors=16, regularization=5.0, alpha=10.0, iterations=15, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # implicit's BLAS thread warning
        theirs = AlternatingLeastSquares(num_threads=1, **params)
        theirs.fit(train, show_progress=False)
    ours = learnrec.ImplicitALS(**params).fit(train, show_progress=False)
    ndcg_theirs = ranking_metrics_at_k(theirs, train, test, K=10, show_progress=False)["ndcg"]
    ndcg_ours = ranking_metrics_at_k(ours, train, test, K=10, show_progress=False)["ndcg"]
    assert ndcg_ours == pytest.approx(ndcg_theirs, rel=0.1)


def test_implicit_readme_quick_start_runs_with_learnrec(academy):
    user_item_data = academy[0]
    userid, itemid = 3, 5

    # implicit's README, with implicit.als.AlternatingLeastSquares replaced by learnrec.ImplicitALS:
    # initialize a model
    model = learnrec.ImplicitALS(factors=50)

    # train the model on a sparse matrix of user/item/confidence weights
    model.fit(user_item_data)

    # recommend items for a user
    recommendations = model.recommend(userid, user_item_data[userid])

    # find related items
    related = model.similar_items(itemid)

    assert len(recommendations[0]) == 10 and len(related[0]) == 10
    assert np.all(np.isin(recommendations[0], user_item_data[userid].indices, invert=True))
