"""learnrec — course recommendations for learning platforms.

Implicit-feedback embeddings (ALS, BPR), item-item models (EASE, item-kNN, GF-CF) and an exact, filterable top-k, computed by a C++20 core, with
the interface of the ``implicit`` package (0.7): ``learnrec.ImplicitALS`` is a drop-in for
``implicit.als.AlternatingLeastSquares`` and works with ``implicit.evaluation``.

Quick start::

    import learnrec

    user_items, learners, courses = learnrec.generate_academy(seed=42)
    train, test = learnrec.holdout_split(user_items, test_fraction=0.2)
    model = learnrec.ImplicitALS(factors=64, regularization=5.0, alpha=10.0, random_state=42).fit(train)
    ids, scores = model.recommend(0, train[0], N=10)
    print(courses["title"][ids])
    print(learnrec.ranking_metrics_at_k(model, train, test, K=10))
    model.save("als.lrc")          # learnrec.load("als.lrc") gives it back; pickle works too
"""

from __future__ import annotations

from . import _core
from ._validation import check_core_build

check_core_build(getattr(_core, "_pybind11_version", (0, 0)))

from ._base import RecommenderBase
from ._validation import ConversionWarning, LearnrecError, UnknownIdError
from .als import ImplicitALS
from .daily import DailyUpdater
from .bpr import BayesianPersonalizedRanking
from .data import (
    COURSE_STATES,
    LIFECYCLE_KINDS,
    CourseStates,
    Events,
    WeightingPolicy,
    academy_features,
    academy_tables,
    course_states,
    events_from_columns,
    events_to_interactions,
    generate_academy,
    read_events,
    read_features,
    read_interactions,
)
from .ease import EASE
from .evaluation import cold_start_split, holdout_split, leave_last_k_out, ranking_metrics_at_k
from .gfcf import GFCF
from .hybrid import HybridModel
from .item_knn import ItemKNN
from .persistence import forget, forget_in_log, from_bytes, load, model_file_kinds, to_bytes
from .popularity import PopularityModel
from . import campaign, ranking
from . import ranking
from . import allocation
from .xapi import XapiLog, read_xapi
from . import path
from . import text

__version__: str = _core.__version__

__all__ = [
    "XapiLog",
    "read_xapi",
    "BayesianPersonalizedRanking",
    "ConversionWarning",
    "DailyUpdater",
    "EASE",
    "GFCF",
    "HybridModel",
    "ImplicitALS",
    "ItemKNN",
    "LearnrecError",
    "PopularityModel",
    "RecommenderBase",
    "UnknownIdError",
    "generate_academy",
    "holdout_split",
    "leave_last_k_out",
    "load",
    "forget",
    "forget_in_log",
    "from_bytes",
    "to_bytes",
    "model_file_kinds",
    "cold_start_split",
    "campaign",
    "allocation",
    "ranking",
    "path",
    "text",
    "ranking_metrics_at_k",
    "read_interactions",
    "__version__",
    "COURSE_STATES",
    "CourseStates",
    "LIFECYCLE_KINDS",
    "Events",
    "WeightingPolicy",
    "academy_features",
    "academy_tables",
    "course_states",
    "events_from_columns",
    "events_to_interactions",
    "read_events",
    "read_features",
]
