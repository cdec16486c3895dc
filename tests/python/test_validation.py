"""Input validation and conversion: what is converted (with a warning), what is rejected."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse

import learnrec


@pytest.fixture
def als():
    return learnrec.ImplicitALS(factors=4, iterations=2, random_state=0, num_threads=1)


def test_float64_weights_are_converted_to_float32_with_a_warning(als, user_items):
    with pytest.warns(learnrec.ConversionWarning, match="float64"):
        als.fit(user_items.astype(np.float64), show_progress=False)
    assert als.user_factors.dtype == np.float32


def test_int64_indices_are_converted_with_a_warning(als, user_items):
    m = user_items.copy()
    m.indices = m.indices.astype(np.int64)
    m.indptr = m.indptr.astype(np.int64)
    with pytest.warns(learnrec.ConversionWarning, match="int64"):
        als.fit(m, show_progress=False)


def test_conversion_warning_is_a_user_warning():
    assert issubclass(learnrec.ConversionWarning, UserWarning)


@pytest.mark.parametrize("fmt", ["coo", "csc", "lil"])
def test_non_csr_sparse_input_is_converted_with_a_warning(als, user_items, fmt):
    with pytest.warns(learnrec.ConversionWarning, match="CSR"):
        als.fit(user_items.asformat(fmt), show_progress=False)
    assert als.user_factors.shape[0] == user_items.shape[0]


def test_dense_input_is_converted_with_a_warning(als, user_items):
    with pytest.warns(learnrec.ConversionWarning, match="dense"):
        als.fit(user_items.toarray(), show_progress=False)


def test_csr_array_is_accepted_like_csr_matrix(als, user_items):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        als.fit(scipy.sparse.csr_array(user_items), show_progress=False)


def test_a_list_is_rejected_with_type_error(als):
    with pytest.raises(TypeError, match="CSR"):
        als.fit([[1.0, 0.0], [0.0, 1.0]], show_progress=False)


def test_nan_weight_raises_learnrec_error_naming_the_entry(als, user_items):
    m = user_items.copy()
    m.data[5] = np.nan
    with pytest.raises(learnrec.LearnrecError, match="non-finite"):
        als.fit(m, show_progress=False)


def test_explicit_zero_weight_raises_learnrec_error(als, user_items):
    m = user_items.copy()
    m.data[0] = 0.0
    with pytest.raises(learnrec.LearnrecError, match="weight 0"):
        als.fit(m, show_progress=False)


def test_column_index_out_of_range_raises_learnrec_error(als, user_items):
    m = user_items.copy()
    m.indices[3] = 10_000
    with pytest.raises(learnrec.LearnrecError, match="outside"):
        als.fit(m, show_progress=False)


def test_learnrec_error_is_a_value_error():
    assert issubclass(learnrec.LearnrecError, ValueError)


def test_out_of_range_userid_raises_index_error_naming_the_range(als, user_items):
    als.fit(user_items, show_progress=False)
    n = user_items.shape[0]
    with pytest.raises(IndexError, match=rf"userid {n} is outside \[0, {n}\)"):
        als.recommend(n, user_items[0])


def test_out_of_range_id_errors_are_also_value_errors(als, user_items):
    als.fit(user_items, show_progress=False)
    with pytest.raises(ValueError):
        als.recommend(-1, user_items[0])


def test_out_of_range_itemid_raises_index_error(als, user_items):
    als.fit(user_items, show_progress=False)
    with pytest.raises(IndexError, match="itemid"):
        als.similar_items(user_items.shape[1])


def test_out_of_range_course_in_items_raises_index_error(als, user_items):
    als.fit(user_items, show_progress=False)
    with pytest.raises(IndexError, match="items"):
        als.recommend(0, user_items[0], items=[0, user_items.shape[1]])


def test_wrong_number_of_user_items_rows_raises_value_error_naming_the_counts(als, user_items):
    als.fit(user_items, show_progress=False)
    with pytest.raises(ValueError, match="has 3 rows but 2 userids"):
        als.recommend([0, 1], user_items[:3])


def test_a_scalar_userid_needs_exactly_one_row(als, user_items):
    als.fit(user_items, show_progress=False)
    with pytest.raises(ValueError, match="has 60 rows but 1 userid"):
        als.recommend(0, user_items)


def test_wrong_number_of_user_items_columns_raises_value_error(als, user_items):
    als.fit(user_items, show_progress=False)
    with pytest.raises(ValueError, match="columns"):
        als.recommend(0, user_items[0, :10])


def test_nan_in_recommend_rows_raises_learnrec_error(als, user_items):
    als.fit(user_items, show_progress=False)
    row = user_items[0].copy()
    row.data[0] = np.nan
    with pytest.raises(learnrec.LearnrecError):
        als.recommend(0, row)


def test_a_bool_userid_raises_type_error(als, user_items):
    als.fit(user_items, show_progress=False)
    with pytest.raises(TypeError, match="integers"):
        als.recommend(True, user_items[0])


def test_a_userid_beyond_int32_raises_index_error(als, user_items):
    als.fit(user_items, show_progress=False)
    with pytest.raises(IndexError, match=r"userid 2147483648 is outside \[0, 2\^31\)"):
        als.recommend(2**31, user_items[0])


def test_a_scalar_userid_gives_the_row_of_a_one_learner_batch(als, user_items):
    als.fit(user_items, show_progress=False)
    for userid in (0, np.int64(5), user_items.shape[0] - 1):
        ids, scores = als.recommend(userid, user_items[int(userid)], N=7)
        batch_ids, batch_scores = als.recommend([int(userid)], user_items[int(userid)], N=7)
        assert ids.ndim == 1 and ids.dtype == np.int32 and scores.dtype == np.float32
        np.testing.assert_array_equal(ids, batch_ids[0])
        np.testing.assert_array_equal(scores, batch_scores[0])


def test_a_scalar_userid_with_fewer_eligible_courses_than_n_returns_only_those(als, user_items):
    als.fit(user_items, show_progress=False)
    ids, scores = als.recommend(0, user_items[0], N=10, items=[1, 2, 3])
    assert ids.size == scores.size <= 3
    only_two, _ = als.recommend(0, None, N=10, filter_already_liked_items=False, items=[2, 3])
    assert sorted(only_two.tolist()) == [2, 3]


def test_float_ids_raise_type_error(als, user_items):
    als.fit(user_items, show_progress=False)
    with pytest.raises(TypeError, match="integers"):
        als.recommend(0.5, user_items[0])


def test_non_positive_n_raises_value_error(als, user_items):
    als.fit(user_items, show_progress=False)
    with pytest.raises(ValueError, match="N"):
        als.recommend(0, user_items[0], N=0)


def test_float64_factors_dtype_is_rejected():
    with pytest.raises(ValueError, match="float32"):
        learnrec.ImplicitALS(dtype=np.float64)


def test_unknown_solver_is_rejected():
    with pytest.raises(ValueError, match="solver"):
        learnrec.ImplicitALS(solver="sgd")


@pytest.mark.parametrize("use_cg, solver", [(True, "cg"), (False, "cholesky")])
def test_use_cg_maps_to_the_solver_as_in_implicit(use_cg, solver):
    model = learnrec.ImplicitALS(use_cg=use_cg)
    assert model.solver == solver and model.use_cg == use_cg


def test_invalid_hyperparameter_raises_learnrec_error_at_fit(user_items):
    with pytest.raises(learnrec.LearnrecError, match="factors"):
        learnrec.ImplicitALS(factors=0).fit(user_items, show_progress=False)


def test_negative_num_threads_is_rejected():
    with pytest.raises(ValueError, match="num_threads"):
        learnrec.ImplicitALS(num_threads=-1)


@pytest.mark.parametrize(
    "random_state", [None, 3, np.int64(3), np.random.RandomState(1), np.random.default_rng(1)]
)
def test_random_state_accepts_none_int_randomstate_and_generator(user_items, random_state):
    model = learnrec.ImplicitALS(factors=4, iterations=1, random_state=random_state)
    model.fit(user_items, show_progress=False)
    assert model.user_factors.shape == (user_items.shape[0], 4)


def test_random_state_of_another_type_raises_type_error(user_items):
    with pytest.raises(TypeError, match="random_state"):
        learnrec.ImplicitALS(random_state="seed").fit(user_items, show_progress=False)


def test_core_csr_view_rejects_wrong_dtypes_instead_of_converting(user_items):
    with pytest.raises(TypeError, match="int64"):
        learnrec._core.CsrView(user_items.indptr, user_items.indices, user_items.data, user_items.shape)


def test_a_core_built_with_pybind11_before_2_12_is_refused_under_numpy_2():
    from learnrec._validation import check_core_build

    with pytest.raises(ImportError, match=r"pybind11 2\.10.*numpy 2\.1\.0.*pybind11 >= 2\.12"):
        check_core_build((2, 10), "2.1.0")


def test_a_core_built_with_pybind11_before_2_12_is_accepted_under_numpy_1():
    from learnrec._validation import check_core_build

    check_core_build((2, 10), "1.26.4")


def test_the_installed_core_passes_its_own_build_check():
    from learnrec._validation import check_core_build

    assert len(learnrec._core._pybind11_version) == 2
    check_core_build(learnrec._core._pybind11_version)
