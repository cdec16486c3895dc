"""Interaction data: reading CSV logs and generating the synthetic academy."""

from __future__ import annotations

import os
from typing import Any, Dict, Sequence, Tuple, Union

import numpy as np
import scipy.sparse

from . import _core
from ._validation import core_to_scipy


def _object_array(values: Sequence[str]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def read_interactions(
    path: Union[str, "os.PathLike[str]"],
    ignored_columns: Sequence[str] = (),
    delimiter: str = ",",
) -> Tuple[scipy.sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Reads an interaction log ``learner_id,course_id[,weight][,timestamp]`` (with a header).

    Uses learnrec's C++ reader (RFC 4180 quoting, UTF-8 BOM, CRLF; strict: every problem raises
    LearnrecError naming ``file:line``). Duplicate (learner, course) pairs are summed; a missing
    weight column means weight 1. Columns other than those four are an error unless listed in
    ``ignored_columns``.

    Returns
    -------
    (user_items, learner_ids, course_ids)
        A learners x courses float32 CSR matrix, and object arrays of the external ids: row ``u``
        is learner ``learner_ids[u]``, column ``i`` is course ``course_ids[i]`` (order of first
        appearance in the file).
    """
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"delimiter must be a single character, got {delimiter!r}")
    if isinstance(ignored_columns, str):
        ignored_columns = [ignored_columns]
    result = _core.read_interactions_csv(os.fspath(path), [str(c) for c in ignored_columns], delimiter)
    return (
        core_to_scipy(result["matrix"]),
        _object_array(result["learner_ids"]),
        _object_array(result["course_ids"]),
    )


def generate_academy(
    seed: int = 42, learners: int = 5000, courses: int = 600, mean_enrolments: float = 12.0
) -> Tuple[scipy.sparse.csr_matrix, Dict[str, np.ndarray], Dict[str, np.ndarray]]:
    """Generates learnrec's deterministic synthetic corporate academy (the default dataset).

    Same arguments, same output on every platform. Weights are 1 (enrolled) or 3 (completed).

    Returns
    -------
    (user_items, learners, courses)
        A learners x courses float32 CSR matrix and two tables as dicts of equal-length numpy
        arrays (``pandas.DataFrame(table)`` works directly). Row ``u`` of the matrix is
        ``learners[...][u]``, column ``i`` is ``courses[...][i]``.

        learners: id, role, department, country, language (comma-separated, preferred first).
        courses: id, title, topic, format, language, level (int32, 1-3), duration_hours (float32).
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**64:
        raise ValueError(f"seed must be an integer in [0, 2^64), got {seed!r}")
    result = _core.generate_academy(int(seed), int(learners), int(courses), float(mean_enrolments))

    def table(columns: Dict[str, Any]) -> Dict[str, np.ndarray]:
        return {name: values if isinstance(values, np.ndarray) else _object_array(values) for name, values in columns.items()}

    return core_to_scipy(result["matrix"]), table(result["learners"]), table(result["courses"])
