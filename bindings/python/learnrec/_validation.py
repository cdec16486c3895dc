"""Input conversion and checks shared by every learnrec model (internal).

Conversions follow implicit 0.7 where it has a convention and are explicit otherwise:

* A ``scipy.sparse`` matrix (or array) in CSR format with float32 weights and int32 column indices
  is used in place: its ``data`` and ``indices`` buffers are handed to C++ without copying. Only
  ``indptr`` is converted to int64 (learnrec's row offsets), an O(rows) copy.
* Other sparse formats (COO, CSC, ...) and dense 2-D arrays are converted to CSR with a
  :class:`ConversionWarning`, as implicit does.
* Other weight dtypes (float64, int, ...) are converted to float32: with a ConversionWarning where
  the copy matters (``fit``, whose trainer borrows the matrix for the whole training), silently for
  the per-call ``user_items`` rows of ``recommend`` and friends.
* The C++ side validates structure and values (monotone indptr, indices in range, finite non-zero
  weights) and raises :class:`LearnrecError` naming the first bad entry.
"""

from __future__ import annotations

import numbers
import time
import warnings
from typing import Any, Optional, Tuple

import numpy as np
import scipy.sparse

from . import _core

LearnrecError = _core.LearnrecError

_INT32_MAX = np.iinfo(np.int32).max


class ConversionWarning(UserWarning):
    """An input was copied or converted to the layout learnrec computes on (CSR, float32, int32)."""


class UnknownIdError(LearnrecError, IndexError):  # type: ignore[misc]
    """An id is outside the range the model was fit on (both a ValueError and an IndexError)."""


def check_core_build(pybind11_version: Tuple[int, int], numpy_version: Optional[str] = None) -> None:
    """Refuses a ``_core`` built with a pybind11 older than 2.12 under numpy 2 or newer.

    Such a module (e.g. a CMake build against Debian 12's pybind11 2.10) reads numpy 2's dtypes
    with numpy 1's layout: every array it returns would silently hold zeros.
    """
    numpy_version = np.__version__ if numpy_version is None else numpy_version
    numpy_major = int(numpy_version.split(".")[0])
    if numpy_major >= 2 and tuple(pybind11_version) < (2, 12):
        built = ".".join(str(v) for v in pybind11_version)
        raise ImportError(
            f"learnrec._core was built with pybind11 {built}, which predates numpy 2 (numpy {numpy_version} is "
            "installed): its arrays would be wrong. Rebuild it with pybind11 >= 2.12 (pip install 'pybind11>=2.12', "
            "then cmake -Dpybind11_DIR=$(python3 -m pybind11 --cmakedir), or pip install . which does both), "
            "or use numpy < 2.")


def _warn(message: str, stacklevel: int) -> None:
    warnings.warn(message, ConversionWarning, stacklevel=stacklevel + 1)


def to_csr(matrix: Any, name: str, *, warn_dtype: bool, stacklevel: int = 3) -> Any:
    """``matrix`` as a scipy CSR matrix with float32 data and int32 indices (copies only if needed)."""
    if scipy.sparse.issparse(matrix):
        if matrix.format != "csr":
            start = time.perf_counter()
            matrix = matrix.tocsr()
            _warn(
                f"{name}: expected a CSR matrix, converted a {matrix.__class__.__name__} from another "
                f"format to CSR in {time.perf_counter() - start:.3f} s (pass CSR to avoid the copy)",
                stacklevel,
            )
    elif isinstance(matrix, np.ndarray):
        if matrix.ndim != 2:
            raise ValueError(f"{name} must be 2-dimensional, got an array of shape {matrix.shape}")
        _warn(
            f"{name}: expected a scipy.sparse CSR matrix, converted a dense {matrix.shape} array "
            "(zeros are dropped)",
            stacklevel,
        )
        matrix = scipy.sparse.csr_matrix(np.asarray(matrix))
    else:
        raise TypeError(
            f"{name} must be a scipy.sparse CSR matrix (learners x courses), got {type(matrix).__name__}"
        )
    if matrix.dtype != np.float32:
        if warn_dtype:
            _warn(
                f"{name}: weights are {matrix.dtype}, converted to float32 (a copy of the O(nnz) data; "
                "pass float32 to train without copying)",
                stacklevel,
            )
        matrix = matrix.astype(np.float32)
    if matrix.indices.dtype != np.int32 or not matrix.indices.flags.c_contiguous:
        if matrix.shape[1] > _INT32_MAX:
            raise ValueError(f"{name} has {matrix.shape[1]} columns; learnrec supports at most 2^31 - 1")
        if warn_dtype and matrix.indices.dtype != np.int32:
            _warn(f"{name}: column indices are {matrix.indices.dtype}, converted to int32 (a copy)", stacklevel)
        matrix = scipy.sparse.csr_matrix(
            (matrix.data, np.ascontiguousarray(matrix.indices, dtype=np.int32), matrix.indptr),
            shape=matrix.shape,
            copy=False,
        )
    return matrix


def as_core_csr(
    matrix: Any,
    name: str,
    *,
    warn_dtype: bool = False,
    rows: Optional[int] = None,
    rows_meaning: str = "",
    cols: Optional[int] = None,
    cols_meaning: str = "",
    stacklevel: int = 3,
) -> "_core.CsrView":
    """A validated :class:`_core.CsrView` borrowing ``matrix``'s buffers (see the module docstring).

    ``rows``/``cols``, when given, are the expected shape; a mismatch raises ValueError naming both.
    """
    csr = to_csr(matrix, name, warn_dtype=warn_dtype, stacklevel=stacklevel + 1)
    n_rows, n_cols = csr.shape
    if rows is not None and n_rows != rows:
        plural = "row" if n_rows == 1 else "rows"
        raise ValueError(f"{name} has {n_rows} {plural} but {rows} {rows_meaning} given: pass one row per id, in order")
    if cols is not None and n_cols != cols:
        raise ValueError(f"{name} has {n_cols} columns but {cols_meaning} {cols}")
    data = csr.data if csr.data.flags.c_contiguous else np.ascontiguousarray(csr.data)
    # learnrec's row offsets are int64; scipy usually stores int32: an O(rows) conversion.
    indptr = np.ascontiguousarray(csr.indptr, dtype=np.int64)
    return _core.CsrView(indptr, csr.indices, data, (int(n_rows), int(n_cols)), name)


def core_to_scipy(parts: Tuple[np.ndarray, np.ndarray, np.ndarray, Tuple[int, int]]) -> scipy.sparse.csr_matrix:
    """A scipy CSR matrix from ``_core``'s (indptr int64, indices int32, data float32, shape)."""
    indptr, indices, data, shape = parts
    if indptr.size == 0 or indptr[-1] <= _INT32_MAX:
        indptr = indptr.astype(np.int32)  # scipy's usual index dtype; O(rows)
    return scipy.sparse.csr_matrix((data, indices, indptr), shape=tuple(shape), copy=False)


def as_ids(ids: Any, name: str) -> Tuple[bool, np.ndarray]:
    """(is_scalar, int32 array of ids). Integers only; values must fit int32 (checked later too)."""
    # One plain int (a single learner's request, where latency matters): no array inspection or
    # reductions. bool is an int subclass and is rejected below, as are ids out of int32 range.
    if type(ids) is int and 0 <= ids <= _INT32_MAX:
        return True, np.array((ids,), dtype=np.int32)
    arr = np.asarray(ids)
    scalar = arr.ndim == 0
    if scalar:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be an integer or a 1-D array of integers, got shape {arr.shape}")
    if arr.size == 0:
        return scalar, np.empty(0, dtype=np.int32)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be integers, got {arr.dtype}")
    low, high = int(arr.min()), int(arr.max())
    if low < 0 or high > _INT32_MAX:
        bad = low if low < 0 else high
        raise UnknownIdError(f"{name} {bad} is outside [0, 2^31)")
    return scalar, np.ascontiguousarray(arr, dtype=np.int32)


def check_range(ids: np.ndarray, upper: int, name: str, what: str) -> None:
    """Raises UnknownIdError when an id is outside [0, upper)."""
    if ids.size == 0:
        return
    if ids.size == 1:  # one id: a scalar comparison instead of two array reductions
        low = high = int(ids[0])
    else:
        low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= upper:
        bad = low if low < 0 else high
        raise UnknownIdError(f"{name} {bad} is outside [0, {upper}): the model was fit on {upper} {what}")


def as_count(n: Any, name: str) -> int:
    """A positive int (N, K)."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {n!r}")
    if int(n) <= 0:
        raise ValueError(f"{name} must be a positive integer, got {n}")
    return int(n)


def as_num_threads(n: Any) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or int(n) < 0:
        raise ValueError(f"num_threads must be an integer >= 0 (0 = every processor), got {n!r}")
    return int(n)


def seed_from(random_state: Any) -> int:
    """A 64-bit seed from None (fresh entropy), an int, a RandomState or a Generator."""
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0])
    if isinstance(random_state, (bool, np.bool_)):
        raise TypeError("random_state must be None, an int, a numpy RandomState or a Generator, got a bool")
    if isinstance(random_state, numbers.Integral):
        seed = int(random_state)
        if not 0 <= seed < 2**64:
            raise ValueError(f"random_state must be in [0, 2^64), got {seed}")
        return seed
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**63 - 1, dtype=np.int64))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**64, dtype=np.uint64))
    raise TypeError(
        f"random_state must be None, an int, a numpy RandomState or a Generator, got {type(random_state).__name__}"
    )
