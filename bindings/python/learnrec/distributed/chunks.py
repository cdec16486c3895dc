"""Interactions read in chunks from CSV or Parquet (pyarrow), never all as Python objects.

Training on one machine past what fits as Python rows: the log is streamed in record batches,
learner and course ids are coded into integer indices batch by batch (Arrow's hash kernels on each
batch's distinct ids; the id tables themselves stay Arrow string arrays), and only three numpy
columns (int32 learner, int32 course, float32 weight: 12 bytes per interaction) grow until the
CSR is built. Peak memory is about 12 bytes per interaction for the columns plus the CSR being
built (another ~12), plus one batch.
"""

from __future__ import annotations

import os
from typing import Any, Iterator, Optional, Tuple, Union

import numpy as np
import scipy.sparse as sp

__all__ = ["read_interactions_chunked", "iter_batches"]

PathLike = Union[str, "os.PathLike[str]"]


def iter_batches(path: PathLike, columns: Tuple[str, ...], batch_rows: int = 1 << 20,
                 format: Optional[str] = None) -> Iterator[Any]:
    """Arrow record batches of ``columns`` from a CSV or Parquet file (format from the extension)."""
    path = os.fspath(path)
    if format is None:
        format = "parquet" if path.lower().endswith((".parquet", ".pq")) else "csv"
    if format == "parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        names = set(pf.schema_arrow.names)
        yield from pf.iter_batches(batch_size=batch_rows, columns=[c for c in columns if c in names])
    elif format == "csv":
        import pyarrow as pa
        import pyarrow.csv as pacsv

        # ids are strings whatever they look like (L0001 and 0001 must stay distinct from 1)
        types = {"learner_id": pa.string(), "course_id": pa.string()}
        # ~64 bytes a row: block_size sets how many rows one batch holds
        reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=max(1 << 10, batch_rows * 64)),
                                convert_options=pacsv.ConvertOptions(column_types=types,
                                                                     include_columns=list(columns),
                                                                     include_missing_columns=True))
        for batch in reader:
            yield batch
    else:
        raise ValueError(f"format must be 'csv' or 'parquet', got {format!r}")


class _Coder:
    """Integer codes for ids in order of first appearance, kept as one Arrow array."""

    def __init__(self) -> None:
        import pyarrow as pa

        self.values = pa.array([], type=pa.string())
        self.chunks: list = []

    def encode(self, column: Any) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        column = column.cast(pa.string())
        if column.null_count:
            raise ValueError("an id is empty (null) in the interaction log")
        encoded = pc.dictionary_encode(column)
        local = encoded.dictionary
        known = pc.index_in(local, value_set=self.values)
        missing = pc.is_null(known)
        fresh = pc.filter(local, missing)
        base = len(self.values)
        if len(fresh):
            self.values = pa.concat_arrays([self.values, fresh])
        # local code -> global code: known ones from index_in, new ones numbered after `base`
        mapping = known.to_numpy(zero_copy_only=False)
        miss = missing.to_numpy(zero_copy_only=False)
        mapping = np.where(miss, 0, np.nan_to_num(mapping, nan=0)).astype(np.int64)
        mapping[miss] = base + np.arange(int(miss.sum()), dtype=np.int64)
        return mapping[encoded.indices.to_numpy(zero_copy_only=False)].astype(np.int32)


def read_interactions_chunked(path: PathLike, batch_rows: int = 1 << 20, format: Optional[str] = None,
                              ) -> Tuple[sp.csr_matrix, Any, Any]:
    """Reads ``learner_id,course_id[,weight]`` from a CSV or Parquet file in batches.

    Returns ``(user_items, learner_ids, course_ids)`` like :func:`learnrec.read_interactions`:
    a learners x courses float32 CSR (duplicate pairs summed, missing weight = 1) and the ids as
    pyarrow string arrays in order of first appearance (``.to_numpy(zero_copy_only=False)`` gives
    an object array when one is wanted). Needs pyarrow (the ``parquet`` extra).
    """
    learners, courses = _Coder(), _Coder()
    cap = 1 << 20
    rows = np.empty(cap, dtype=np.int32)
    cols = np.empty(cap, dtype=np.int32)
    vals = np.empty(cap, dtype=np.float32)
    n = 0
    for batch in iter_batches(path, ("learner_id", "course_id", "weight"), batch_rows, format):
        names = batch.schema.names
        if "learner_id" not in names or "course_id" not in names:
            raise ValueError(f"{os.fspath(path)}: needs columns learner_id and course_id, has {', '.join(names)}")
        m = batch.num_rows
        if n + m > cap:
            cap = max(cap * 2, n + m)
            rows, cols, vals = (np.resize(a, cap) for a in (rows, cols, vals))
        rows[n:n + m] = learners.encode(batch.column(names.index("learner_id")))
        cols[n:n + m] = courses.encode(batch.column(names.index("course_id")))
        w = batch.column(names.index("weight")) if "weight" in names else None
        if w is None or w.null_count == m:
            vals[n:n + m] = 1.0
        else:
            if w.null_count:
                raise ValueError(f"{os.fspath(path)}: a weight is empty")
            vals[n:n + m] = w.to_numpy(zero_copy_only=False).astype(np.float32)
        n += m
    shape = (len(learners.values), len(courses.values))
    coo = sp.coo_matrix((vals[:n], (rows[:n], cols[:n])), shape=shape)
    del rows, cols, vals
    matrix = coo.tocsr()
    del coo
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix.astype(np.float32, copy=False), learners.values, courses.values
