"""Loading learnrec model files: ``learnrec.load(path)``.

A model file holds one trained C++ model and, optionally, the ids of its learners and courses.
:meth:`RecommenderBase.save` writes it; pickling a fitted model goes through the same bytes, so a
pickle is checked exactly like a file when it is loaded back. The format (envelope, checksums,
guarantees) is documented in the README, section "Model files".
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from . import _core
from ._base import _CLASSES_BY_KIND, RecommenderBase
from ._validation import LearnrecError, core_to_scipy


def _wrap(model: Any, learner_ids: Optional[list], course_ids: Optional[list], metadata: Optional[dict] = None,
          training: Any = None) -> RecommenderBase:
    kind = model.kind
    cls = _CLASSES_BY_KIND.get(kind)
    if cls is None:
        raise LearnrecError(
            f"the model file holds a {kind!r} model, which no Python class of this learnrec wraps "
            f"(wrapped kinds: {', '.join(sorted(_CLASSES_BY_KIND))})"
        )
    obj = cls(**cls._init_kwargs_from(model))
    obj._model = model
    obj.learner_ids = None if learner_ids is None else np.asarray(learner_ids, dtype=object)
    obj.course_ids = None if course_ids is None else np.asarray(course_ids, dtype=object)
    obj.metadata = dict(metadata or {})
    obj.training_data = None if training is None else core_to_scipy(training)
    return obj


def load(path: "os.PathLike[str] | str") -> RecommenderBase:
    """Loads a model file written by ``model.save(path)`` (or by the C++ ``learnrec::save``).

    Returns an instance of the class that wrote it (``ImplicitALS``, ``BayesianPersonalizedRanking``,
    ``EASE``, ...), fitted, with the saved hyperparameters (``num_threads`` is lowered to this
    machine's processor count when the file asks for more), and with ``learner_ids`` /
    ``course_ids`` set to object arrays of str when the file holds ids (None otherwise), and
    ``metadata`` to what the file records (learnrec_version, trained_at, data_fingerprint,
    hyperparameters, history; empty strings for a format version 1 file) plus its model_version,
    format_version and training_interactions (the number kept, or None), and ``training_data`` to
    the kept training interactions (a scipy CSR matrix) when the file keeps them (None otherwise).

    Raises
    ------
    LearnrecError
        The file is missing, truncated, corrupted (checksum), of another format, of a newer format
        version, or holds a model this version cannot read; the message says which.
    """
    return _wrap(*_core.load_model(os.fspath(path), with_metadata=True))


def from_bytes(data: bytes) -> RecommenderBase:
    """Like :func:`load`, from the bytes of a model file (e.g. a database column)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    return _wrap(*_core.model_from_bytes(bytes(data), with_metadata=True))


def to_bytes(model: RecommenderBase, learner_ids: Any = None, course_ids: Any = None) -> bytes:
    """The bytes ``model.save`` would write (ids default to the model's ``learner_ids`` / ``course_ids``)."""
    from ._base import _id_list

    learners = _id_list(model.learner_ids if learner_ids is None else learner_ids)
    courses = _id_list(model.course_ids if course_ids is None else course_ids)
    training = model._training_view(None)
    return _core.model_to_bytes(model.model, learners, courses, model._file_metadata(learners, courses, training),
                                training)


def model_file_kinds() -> Tuple[str, ...]:
    """The model kinds this build can save and load."""
    return tuple(_core.model_file_kinds())


def forget(
    model_path: "os.PathLike[str] | str",
    learner_ids: Sequence[str],
    out_path: "os.PathLike[str] | str",
    *,
    interactions: "os.PathLike[str] | str | None" = None,
    num_threads: int = 0,
) -> Dict[str, Any]:
    """Erases learners from a saved ALS model, as ``learnrec forget`` does.

    Their ids and factor rows are removed and every course they touched is re-solved without them,
    on the training interactions: the CSV at ``interactions`` when given, else the data the file
    keeps (saved with ``training_data=``, or ``learnrec train --keep-training-data``); the file
    written atomically to ``out_path`` (which may be ``model_path``) holds nothing of theirs. The
    full retrain on the cleaned logs (:func:`forget_in_log`) should follow (README, "Forgetting a
    learner").

    Returns a dict: learners_removed, courses_resolved (course indices, numpy int32),
    data_matches_fingerprint (whether the data used is the data the model recorded) and the new
    model_version.

    Raises
    ------
    LearnrecError
        An unknown learner id, a model other than ALS, a file without ids, or no training data
        (neither given nor kept); the message says which.
    """
    if isinstance(learner_ids, str):
        raise TypeError("learner_ids must be a sequence of str, not a single str: wrap it in a list")
    return _core.forget_model_file(os.fspath(model_path), [str(i) for i in learner_ids], os.fspath(out_path),
                                   "" if interactions is None else os.fspath(interactions), int(num_threads))


def forget_in_log(
    kind: str, path: "os.PathLike[str] | str", out: "os.PathLike[str] | str", learner_ids: Sequence[str]
) -> int:
    """Rewrites a log without any record of the learners, atomically (``out`` may be ``path``).

    ``kind``: ``"events"`` (typed lifecycle events CSV) or ``"push"`` (a campaign push log, CSV or
    JSON Lines). Returns the number of records removed.
    """
    if isinstance(learner_ids, str):
        raise TypeError("learner_ids must be a sequence of str, not a single str: wrap it in a list")
    return _core.forget_in_log(kind, os.fspath(path), os.fspath(out), [str(i) for i in learner_ids])
