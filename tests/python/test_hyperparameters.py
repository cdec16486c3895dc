"""Each model declares its hyperparameters once (learnrec._hyper.Hypers): the constructor, get_params,
the repr, config() and learnrec.load all follow that one table."""

from __future__ import annotations

import inspect

import pytest

import learnrec
from conftest import MODEL_FACTORIES

MODELS = sorted(MODEL_FACTORIES)


@pytest.mark.parametrize("name", MODELS)
def test_get_params_rebuilds_an_unfitted_model_with_the_same_hyperparameters(name):
    model = MODEL_FACTORIES[name]()
    copy = type(model)(**model.get_params())
    assert copy.get_params() == model.get_params()
    assert not copy.is_fitted


@pytest.mark.parametrize("name", MODELS)
def test_the_signature_lists_every_hyperparameter_with_its_default(name):
    model = MODEL_FACTORIES[name]()
    cls = type(model)
    parameters = inspect.signature(cls).parameters
    fresh = cls()
    for key, value in fresh.get_params().items():
        if key == "num_threads":
            continue  # 0 is kept as given; the check is that the name is there
        assert parameters[key].default == value, key
    assert "num_threads" in parameters


@pytest.mark.parametrize("name", MODELS)
def test_the_repr_shows_every_hyperparameter_as_a_keyword_argument(name):
    model = MODEL_FACTORIES[name]()
    text = repr(model)
    assert text.startswith(type(model).__name__ + "(")
    for key, value in model.get_params().items():
        assert f"{key}={value!r}" in text


@pytest.mark.parametrize("name", MODELS)
def test_an_unknown_keyword_is_a_type_error_naming_the_class(name):
    cls = type(MODEL_FACTORIES[name]())
    with pytest.raises(TypeError, match=cls.__name__):
        cls(no_such_hyperparameter=1)


def test_positional_arguments_follow_the_declared_order():
    model = learnrec.ImplicitALS(16, 0.1, 2.0, 3)
    assert (model.factors, model.regularization, model.alpha, model.iterations) == (16, 0.1, 2.0, 3)


def test_config_casts_each_hyperparameter_to_its_declared_type():
    model = learnrec.ImplicitALS(factors=8.0, regularization=1, iterations=2, random_state=5)
    config = model.config()
    assert (config.factors, config.regularization, config.iterations, config.seed) == (8, 1.0, 2, 5)
    assert isinstance(config.factors, int) and isinstance(config.regularization, float)


def test_config_maps_renamed_hyperparameters_to_their_cpp_fields():
    knn = learnrec.ItemKNN(K=7, weighting="bm25", K1=1.5, B=0.5).config()
    assert (knn.neighbours, knn.weighting, knn.bm25_k1, knn.bm25_b) == (7, learnrec._core.ItemKnnWeighting.bm25, 1.5, 0.5)
    assert learnrec.EASE(regularization=3.0).config().lambda_ == 3.0


def test_a_choice_outside_its_options_is_rejected_at_construction_and_at_config():
    with pytest.raises(ValueError, match="weighting"):
        learnrec.ItemKNN(weighting="jaccard")
    model = learnrec.HybridModel()
    model.loss = "hinge"
    with pytest.raises(ValueError, match="loss"):
        model.config()


def test_use_cg_still_overrides_the_solver():
    assert learnrec.ImplicitALS(solver="cg", use_cg=False).solver == "cholesky"
    assert learnrec.ImplicitALS(solver="cholesky", use_cg=True).solver == "cg"


# Models with a C++ configuration: the file keeps it (the popularity baseline has none to keep).
CONFIGURED = [name for name in MODELS if type(MODEL_FACTORIES[name]())._hyper.config is not None]


@pytest.mark.parametrize("name", CONFIGURED)
def test_a_saved_model_loads_with_the_hyperparameters_it_was_trained_with(name, user_items, tmp_path):
    model = MODEL_FACTORIES[name]().fit(user_items, show_progress=False)
    path = tmp_path / "model.lrm"
    model.save(path)
    loaded = learnrec.load(path).get_params()
    expected = model.get_params()
    if "random_state" in expected:
        expected["random_state"] = model.model.config.seed  # the seed the fit drew
    assert loaded.keys() == expected.keys()
    del expected["num_threads"]  # a machine setting: load lowers it to this machine, files may not keep it
    for key, value in expected.items():
        if isinstance(value, float):
            assert loaded[key] == pytest.approx(value, rel=1e-6), key  # float32 in the file
        else:
            assert loaded[key] == value, key
