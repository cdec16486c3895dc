"""Memory sharing: factors are read-only views of the immutable C++ model; inputs are borrowed."""

from __future__ import annotations

import gc
import warnings

import numpy as np
import pytest

import learnrec


@pytest.fixture
def als(user_items):
    return learnrec.ImplicitALS(factors=8, iterations=3, random_state=1, num_threads=1).fit(
        user_items, show_progress=False
    )


def test_two_reads_of_user_factors_share_memory(als):
    assert np.shares_memory(als.user_factors, als.user_factors)
    assert np.shares_memory(als.item_factors, als.item_factors)


def test_factors_are_float32_and_not_writeable(als):
    for factors in (als.user_factors, als.item_factors):
        assert factors.dtype == np.float32
        assert not factors.flags.writeable
        with pytest.raises(ValueError):
            factors[0, 0] = 1.0


def test_factors_keep_the_model_alive_after_refit_and_deletion(als, user_items):
    before = als.user_factors
    snapshot = before.copy()
    als.fit(user_items[:, :20].tocsr(), show_progress=False)  # a different model
    del als
    gc.collect()
    np.testing.assert_array_equal(before, snapshot)


def test_factors_are_none_before_fit():
    assert learnrec.ImplicitALS().user_factors is None


def test_fit_borrows_a_float32_csr_with_int32_indices_without_copying(user_items):
    trainer = learnrec.ImplicitALS(factors=4)._make_trainer(user_items)
    assert trainer.data_pointer() == user_items.data.ctypes.data
    assert trainer.indices_pointer() == user_items.indices.ctypes.data


def test_fit_of_a_canonical_matrix_emits_no_warning(user_items):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        learnrec.ImplicitALS(factors=4, iterations=1).fit(user_items, show_progress=False)


def test_indptr_is_the_only_array_converted(user_items):
    # scipy stores int32 indptr; learnrec's row offsets are int64: an O(rows) copy.
    trainer = learnrec.ImplicitALS(factors=4)._make_trainer(user_items)
    assert trainer.indptr_pointer() != user_items.indptr.ctypes.data
    user_items.indptr = user_items.indptr.astype(np.int64)
    trainer = learnrec.ImplicitALS(factors=4)._make_trainer(user_items)
    assert trainer.indptr_pointer() == user_items.indptr.ctypes.data


def test_a_float64_matrix_is_copied(user_items):
    m = user_items.astype(np.float64)
    with pytest.warns(learnrec.ConversionWarning):
        trainer = learnrec.ImplicitALS(factors=4)._make_trainer(m)
    assert trainer.data_pointer() != m.data.ctypes.data


def test_popularity_is_a_read_only_view(user_items):
    model = learnrec.PopularityModel().fit(user_items, show_progress=False)
    assert np.shares_memory(model.popularity, model.popularity)
    assert not model.popularity.flags.writeable
