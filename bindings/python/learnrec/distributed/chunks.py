"""Interactions read in chunks from CSV or Parquet (pyarrow), never all as Python objects.

Training on one machine past what fits as Python rows: the log is streamed in record batches,
learner and course ids are coded into integer indices (Arrow's hash kernels on each batch, then
once on the batches' distinct ids: linear in the log; the id tables stay Arrow string arrays), and only three numpy
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
    """Integer codes for ids in order of first appearance, in linear time.

    Each batch is dictionary-encoded on its own (its distinct ids, in first-appearance order); codes
    are provisional offsets into the concatenation of the batch dictionaries. :meth:`finish`
    encodes that concatenation once (first appearance across batches is preserved) and maps every
    provisional code to its global one: one hash pass over the distinct ids of each batch, never a
    lookup table rebuilt per batch.
    """

    def __init__(self) -> None:
        self.dictionaries: list = []
        self.size = 0

    def encode(self, column: Any) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        column = column.cast(pa.string())
        if column.null_count:
            raise ValueError("an id is empty (null) in the interaction log")
        encoded = pc.dictionary_encode(column)
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64) + self.size
        self.dictionaries.append(encoded.dictionary)
        self.size += len(encoded.dictionary)
        return codes

    def finish(self) -> Tuple[Any, np.ndarray]:
        """(ids in first-appearance order, provisional code -> global code)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if not self.dictionaries:
            return pa.array([], type=pa.string()), np.empty(0, dtype=np.int32)
        merged = pc.dictionary_encode(pa.concat_arrays(self.dictionaries))
        self.dictionaries = []
        return merged.dictionary, merged.indices.to_numpy(zero_copy_only=False).astype(np.int32)


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
    # provisional codes (offsets into the batches' dictionaries) until finish() maps them
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
    learner_ids, learner_map = learners.finish()
    course_ids, course_map = courses.finish()
    rows = learner_map[rows[:n]]
    cols = course_map[cols[:n]]
    shape = (len(learner_ids), len(course_ids))
    coo = sp.coo_matrix((vals[:n], (rows, cols)), shape=shape)
    del rows, cols, vals
    matrix = coo.tocsr()
    del coo
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix.astype(np.float32, copy=False), learner_ids, course_ids
