"""Type stubs for learnrec._core, the pybind11 module behind the learnrec package."""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

__version__: str

_Ids = npt.NDArray[np.int32]
_Scores = npt.NDArray[np.float32]
_CsrParts = Tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float32], Tuple[int, int]]

class LearnrecError(ValueError):
    """Every error learnrec raises on purpose (learnrec::Error)."""

class CsrView:
    """A validated CSR matrix borrowing numpy arrays (int64 indptr, int32 indices, float32 data)."""

    def __init__(
        self,
        indptr: npt.NDArray[np.int64],
        indices: npt.NDArray[np.int32],
        data: npt.NDArray[np.float32],
        shape: Tuple[int, int],
        name: str = "matrix",
    ) -> None: ...
    @property
    def shape(self) -> Tuple[int, int]: ...
    @property
    def rows(self) -> int: ...
    @property
    def cols(self) -> int: ...
    @property
    def nnz(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def indptr(self) -> npt.NDArray[np.int64]: ...
    @property
    def indices(self) -> npt.NDArray[np.int32]: ...
    @property
    def data(self) -> npt.NDArray[np.float32]: ...
    def data_pointer(self) -> int: ...

class AlsSolver:
    """Least-squares solver of each ALS half-step."""

    cg: "AlsSolver"
    cholesky: "AlsSolver"
    __members__: Dict[str, "AlsSolver"]
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...
    def __init__(self, value: int) -> None: ...
    def __int__(self) -> int: ...
    def __index__(self) -> int: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class AlsConfig:
    """Hyperparameters of implicit ALS (learnrec::AlsConfig)."""

    factors: int
    regularization: float
    alpha: float
    iterations: int
    solver: AlsSolver
    cg_steps: int
    seed: int
    num_threads: int
    calculate_loss: bool
    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.01,
        alpha: float = 1.0,
        iterations: int = 15,
        solver: AlsSolver = ...,
        cg_steps: int = 3,
        seed: int = 42,
        num_threads: int = 0,
        calculate_loss: bool = True,
    ) -> None: ...
    def validate(self) -> None: ...

class IterationInfo:
    """What one ALS iteration reports."""

    @property
    def iteration(self) -> int: ...
    @property
    def seconds(self) -> float: ...
    @property
    def loss(self) -> float: ...

class Model:
    """Any trained learnrec model (the C++ seam). Immutable; every method releases the GIL."""

    @property
    def kind(self) -> str: ...
    @property
    def num_learners(self) -> int: ...
    @property
    def num_courses(self) -> int: ...
    def recommend(
        self,
        learners: _Ids,
        exclude: Optional[CsrView],
        k: int,
        allow: Optional[_Ids] = None,
        deny: Optional[_Ids] = None,
        num_threads: int = 0,
        reduced_precision: bool = True,
    ) -> Tuple[_Ids, _Scores]: ...
    def recommend_rows(
        self,
        rows: CsrView,
        exclude_own: bool,
        k: int,
        allow: Optional[_Ids] = None,
        deny: Optional[_Ids] = None,
        num_threads: int = 0,
    ) -> Tuple[_Ids, _Scores]: ...
    def similar_courses(
        self,
        courses: _Ids,
        k: int,
        allow: Optional[_Ids] = None,
        deny: Optional[_Ids] = None,
        num_threads: int = 0,
    ) -> Tuple[_Ids, _Scores]: ...

class FactorModel(Model):
    """A model scoring by dot products of embeddings."""

    @property
    def factors(self) -> int: ...
    @property
    def user_factors(self) -> npt.NDArray[np.float32]: ...
    @property
    def item_factors(self) -> npt.NDArray[np.float32]: ...
    @property
    def panels_built(self) -> bool: ...
    def similar_learners(
        self,
        learners: _Ids,
        k: int,
        allow: Optional[_Ids] = None,
        deny: Optional[_Ids] = None,
        num_threads: int = 0,
    ) -> Tuple[_Ids, _Scores]: ...
    def similar_courses_to(
        self,
        embeddings: npt.ArrayLike,
        k: int,
        allow: Optional[_Ids] = None,
        deny: Optional[_Ids] = None,
        num_threads: int = 0,
    ) -> Tuple[_Ids, _Scores]: ...

class AlsModel(FactorModel):
    """A trained implicit ALS model."""

    def __init__(self, user_factors: npt.ArrayLike, item_factors: npt.ArrayLike, config: AlsConfig) -> None: ...
    @property
    def config(self) -> AlsConfig: ...
    def fold_in_learners(self, rows: CsrView, num_threads: int = 0) -> npt.NDArray[np.float32]: ...
    def fold_in_courses(self, rows: CsrView, num_threads: int = 0) -> npt.NDArray[np.float32]: ...
    def partial_fit_learners(self, indices: np.ndarray, rows: CsrView, num_threads: int = 0) -> AlsModel: ...
    def partial_fit_courses(self, indices: np.ndarray, columns: CsrView, num_threads: int = 0) -> AlsModel: ...

class AlsDailyUpdater:
    def __init__(self, model: AlsModel, user_items: CsrView, num_threads: int = 0) -> None: ...
    def update(self, learners: np.ndarray, rows: CsrView, refresh: np.ndarray) -> Dict[str, int]: ...
    def model(self) -> AlsModel: ...
    @property
    def num_learners(self) -> int: ...
    @property
    def num_courses(self) -> int: ...

class PopularityModel(Model):
    """Most-popular baseline."""

    @staticmethod
    def fit(user_items: CsrView) -> "PopularityModel": ...
    @property
    def popularity(self) -> npt.NDArray[np.float32]: ...

class AlsTrainer:
    """Stepwise implicit ALS training; borrows the CsrView's arrays."""

    def __init__(self, user_items: CsrView, config: AlsConfig) -> None: ...
    def step(self) -> IterationInfo: ...
    def model(self) -> AlsModel: ...
    def release(self) -> AlsModel: ...
    def loss(self) -> float: ...
    @property
    def iteration(self) -> int: ...
    @property
    def config(self) -> AlsConfig: ...
    def data_pointer(self) -> int: ...
    def indices_pointer(self) -> int: ...
    def indptr_pointer(self) -> int: ...

def fit_als(user_items: CsrView, config: AlsConfig) -> AlsModel: ...
class BprNegativeSampling:
    """How BPR draws negative courses."""

    uniform: "BprNegativeSampling"
    popularity: "BprNegativeSampling"

class BprConfig:
    """Hyperparameters of BPR matrix factorisation."""

    factors: int
    learning_rate: float
    regularization: float
    iterations: int
    negatives: int
    sampling: BprNegativeSampling
    verify_negative_samples: bool
    item_bias: bool
    fold_in_epochs: int
    seed: int
    num_threads: int
    def __init__(
        self,
        factors: int = 64,
        learning_rate: float = 0.05,
        regularization: float = 0.01,
        iterations: int = 100,
        negatives: int = 1,
        sampling: BprNegativeSampling = ...,
        verify_negative_samples: bool = True,
        item_bias: bool = True,
        fold_in_epochs: int = 50,
        seed: int = 42,
        num_threads: int = 0,
    ) -> None: ...
    @property
    def columns(self) -> int: ...
    def validate(self) -> None: ...

class BprIterationInfo:
    """What one BPR epoch reports."""

    @property
    def iteration(self) -> int: ...
    @property
    def seconds(self) -> float: ...
    @property
    def correct(self) -> float: ...
    @property
    def skipped(self) -> float: ...
    @property
    def samples(self) -> int: ...

class BprModel(FactorModel):
    """A trained BPR model (last factor column: course bias; learners' last column is 1)."""

    def __init__(self, user_factors: npt.ArrayLike, item_factors: npt.ArrayLike, config: BprConfig) -> None: ...
    @property
    def config(self) -> BprConfig: ...
    def fold_in_learners(self, rows: CsrView, num_threads: int = 0) -> npt.NDArray[np.float32]: ...

class BprTrainer:
    """Stepwise BPR training; one epoch per step(), GIL released."""

    def __init__(self, user_items: CsrView, config: BprConfig) -> None: ...
    def step(self) -> BprIterationInfo: ...
    def model(self) -> BprModel: ...
    def release(self) -> BprModel: ...
    @property
    def iteration(self) -> int: ...
    @property
    def config(self) -> BprConfig: ...

def fit_bpr(user_items: CsrView, config: BprConfig) -> BprModel: ...

class ItemItemModel(Model):
    """A model scoring through a dense course x course matrix B (the learner's row is the query)."""

    @property
    def item_weights(self) -> npt.NDArray[np.float32]: ...

class EaseWeights:
    """How EASE turns interaction weights into X."""

    binary: "EaseWeights"
    as_given: "EaseWeights"

class EaseConfig:
    """Hyperparameters of EASE."""

    lambda_: float
    weights: EaseWeights
    num_threads: int
    memory_budget_bytes: int
    def __init__(
        self, lambda_: float = 200.0, weights: EaseWeights = ..., num_threads: int = 0, memory_budget_bytes: int = 0
    ) -> None: ...
    def validate(self) -> None: ...

class EaseModel(ItemItemModel):
    """A trained EASE model."""

    @property
    def config(self) -> EaseConfig: ...

def fit_ease(user_items: CsrView, config: EaseConfig) -> EaseModel: ...

class GfcfConfig:
    """Hyperparameters of GF-CF."""

    alpha: float
    rank: int
    oversample: int
    power_iterations: int
    seed: int
    num_threads: int
    memory_budget_bytes: int
    def __init__(
        self,
        alpha: float = 0.3,
        rank: int = 256,
        oversample: int = 64,
        power_iterations: int = 4,
        seed: int = 42,
        num_threads: int = 0,
        memory_budget_bytes: int = 0,
    ) -> None: ...
    def validate(self) -> None: ...

class GfcfModel(ItemItemModel):
    """A trained GF-CF model."""

    @property
    def config(self) -> GfcfConfig: ...

def fit_gfcf(user_items: CsrView, config: GfcfConfig) -> GfcfModel: ...

class ItemKnnWeighting:
    """Weighting of the course vectors in item-kNN."""

    none: "ItemKnnWeighting"
    tfidf: "ItemKnnWeighting"
    bm25: "ItemKnnWeighting"

class ItemKnnConfig:
    """Hyperparameters of item-kNN."""

    neighbours: int
    weighting: ItemKnnWeighting
    bm25_k1: float
    bm25_b: float
    binary: bool
    normalize: bool
    num_threads: int
    def __init__(
        self,
        neighbours: int = 20,
        weighting: ItemKnnWeighting = ...,
        bm25_k1: float = 1.2,
        bm25_b: float = 0.75,
        binary: bool = True,
        normalize: bool = True,
        num_threads: int = 0,
    ) -> None: ...
    def validate(self) -> None: ...

class ItemKnnModel(Model):
    """A trained item-kNN model: a sparse course x course neighbour matrix."""

    @property
    def config(self) -> ItemKnnConfig: ...
    @property
    def similarity(self) -> _CsrParts: ...

def fit_item_knn(user_items: CsrView, config: ItemKnnConfig) -> ItemKnnModel: ...

def holdout_split(user_items: CsrView, test_fraction: float, seed: int) -> Tuple[_CsrParts, _CsrParts]: ...
def leave_last_k_out(user_items: CsrView, timestamps: np.ndarray, k: int) -> Tuple[_CsrParts, _CsrParts]: ...
def cold_start_split(user_items: CsrView, fraction: float, seed: int) -> Tuple[_CsrParts, _CsrParts, np.ndarray]: ...
def evaluate(model: Model, train: CsrView, test: CsrView, k: int, num_threads: int = 0) -> Dict[str, Any]: ...
def read_interactions_csv(path: str, ignored_columns: Sequence[str] = ..., delimiter: str = ",") -> Dict[str, Any]: ...
def generate_academy(
    seed: int = 42, learners: int = 5000, courses: int = 600, mean_enrolments: float = 12.0, schema_version: int = 2
) -> Dict[str, Any]: ...

# ---- data_bindings.cpp: academy features, feature and event CSVs, weighting policy ------------
LIFECYCLE_KINDS: Tuple[str, ...]
COURSE_STATES: Tuple[str, ...]

def academy_features(
    seed: int = 42, learners: int = 5000, courses: int = 600, mean_enrolments: float = 12.0, schema_version: int = 2
) -> Dict[str, Any]: ...
def read_features_csv(
    path: str,
    ids: Sequence[str],
    delimiter: str = ",",
    allow_unknown_ids: bool = False,
    vocabulary: Optional[Sequence[str]] = None,
    ignored_columns: Sequence[str] = ...,
) -> Dict[str, Any]: ...
def read_events_csv(path: str, ignored_columns: Sequence[str] = ..., delimiter: str = ",") -> Dict[str, Any]: ...
def apply_policy(
    learner: np.ndarray,
    course: np.ndarray,
    kind: np.ndarray,
    time: np.ndarray,
    value: np.ndarray,
    learners: int,
    courses: int,
    weights: Sequence[float],
    rating_center: float,
    half_life_days: float,
    reference_time: Optional[int],
    dropped: str,
) -> Dict[str, Any]: ...
def course_states(
    learner: np.ndarray,
    course: np.ndarray,
    kind: np.ndarray,
    time: np.ndarray,
    value: np.ndarray,
    learners: int,
    courses: int,
) -> Dict[str, np.ndarray]: ...
def events_from_columns(
    learner_ids: Sequence[str],
    course_ids: Sequence[str],
    kinds: Sequence[str],
    timestamps: np.ndarray,
    values: np.ndarray,
) -> Dict[str, Any]: ...

# ---- model files (io_bindings.cpp) ---------------------------------------------------------------
MODEL_FILE_VERSION: int

def save_model(
    model: Model,
    path: str,
    learner_ids: Optional[Sequence[str]] = None,
    course_ids: Optional[Sequence[str]] = None,
    metadata: Optional[Dict[str, Any]] = None,
) -> None: ...
def load_model(path: str, with_metadata: bool = False) -> Tuple[Any, ...]: ...
def model_to_bytes(
    model: Model,
    learner_ids: Optional[Sequence[str]] = None,
    course_ids: Optional[Sequence[str]] = None,
    metadata: Optional[Dict[str, Any]] = None,
) -> bytes: ...
def model_from_bytes(data: bytes, with_metadata: bool = False) -> Tuple[Any, ...]: ...
# fresh (#21): model metadata and versions
LEARNREC_VERSION: str
def model_version(
    model: Model,
    learner_ids: Optional[Sequence[str]] = None,
    course_ids: Optional[Sequence[str]] = None,
    metadata: Optional[Dict[str, Any]] = None,
) -> str: ...
def data_fingerprint(
    data: CsrView, learner_ids: Optional[Sequence[str]] = None, course_ids: Optional[Sequence[str]] = None
) -> str: ...
def format_utc(seconds: int) -> str: ...
def model_file_kinds() -> List[str]: ...
# ---- ranking (bindings/python/src/ranking.cpp; use learnrec.ranking) ------------------------------

class RankingRules:
    """Settings of the ranking rules (learnrec::ranking::RankingRules)."""

    k: int
    exclude_in_progress: bool
    exclude_dropped: bool
    renewal_days: int
    obligations: bool
    obligation_window_days: int
    gap_boost: float
    prerequisites: str  # "hold_back", "substitute" or "ignore"
    match_language: bool
    match_format: bool
    match_region: bool
    require_session: bool
    session_horizon_days: int
    mmr_lambda: float
    diversity_source: str  # "embeddings" or "topics"
    mmr_pool: int
    explain: bool
    similarity_threshold: float
    popular_top: int
    min_score: float
    num_threads: int
    def __init__(self) -> None: ...
    def validate(self) -> None: ...

def parse_rules_json(text: str, source_name: str = "rules") -> RankingRules: ...
def read_rules_json(path: str) -> RankingRules: ...
def read_catalogue_dir(
    dir: str,
    course_ids: Sequence[str],
    learner_ids: Sequence[str],
    allow_unknown_courses: bool = False,
    allow_unknown_learners: bool = False,
) -> Dict[str, Any]: ...

class RankedReasons:
    """The reasons of one ranking result, kept in C++: dicts and texts are built only when asked."""

    def __len__(self) -> int: ...
    def slot(self, slot: int) -> List[Dict[str, Any]]: ...
    def all(self) -> List[List[Dict[str, Any]]]: ...
    def texts(self) -> List[str]: ...
    @property
    def skills(self) -> List[str]: ...
    @property
    def departments(self) -> List[str]: ...

def reason_kind_names() -> List[str]: ...

class Ranker:
    """The ranking layer over a trained model (learnrec::ranking::Ranker)."""

    def __init__(
        self,
        model: Model,
        courses: List[Dict[str, Any]],
        learners: Optional[List[Dict[str, Any]]],
        prerequisites: List[Tuple[int, int]],
        sessions: List[Dict[str, Any]],
        obligations: List[Dict[str, Any]],
        history_learners: Optional[np.ndarray],
        history_courses: Optional[np.ndarray],
        history_outcomes: List[str],
        history_completed_at: Optional[np.ndarray],
    ) -> None: ...
    def recommend(self, learners: np.ndarray, now: int, rules: RankingRules) -> Dict[str, Any]: ...
    def recommend_new(
        self,
        rows: Optional[CsrView],
        queries: Optional[np.ndarray],
        learners: Optional[List[Dict[str, Any]]],
        history_learners: Optional[np.ndarray],
        history_courses: Optional[np.ndarray],
        history_outcomes: List[str],
        history_completed_at: Optional[np.ndarray],
        now: int,
        rules: RankingRules,
    ) -> Dict[str, Any]: ...
    @property
    def course_ids(self) -> List[str]: ...
    @property
    def learner_ids(self) -> List[str]: ...
    @property
    def course_titles(self) -> List[str]: ...

def academy_ranker(
    model: Model, seed: int = 42, learners: int = 5000, courses: int = 600, mean_enrolments: float = 12.0
) -> Ranker: ...
# ---- hybrid (ids + features) model: bindings/python/src/hybrid.cpp ----
class HybridLoss:
    """Ranking loss of the hybrid model."""

    warp: "HybridLoss"
    bpr: "HybridLoss"
    __members__: Dict[str, "HybridLoss"]

class HybridConfig:
    """Hyperparameters of the hybrid model (learnrec::HybridConfig)."""

    factors: int
    loss: HybridLoss
    learning_rate: float
    user_alpha: float
    item_alpha: float
    max_sampled: int
    iterations: int
    use_user_ids: bool
    use_item_ids: bool
    normalize_features: bool
    fold_in_regularization: float
    fold_in_epochs: int
    seed: int
    num_threads: int
    def __init__(
        self,
        factors: int = 32,
        loss: HybridLoss = ...,
        learning_rate: float = 0.05,
        user_alpha: float = 0.0,
        item_alpha: float = 0.0,
        max_sampled: int = 10,
        iterations: int = 30,
        use_user_ids: bool = True,
        use_item_ids: bool = True,
        normalize_features: bool = True,
        fold_in_regularization: float = 1.0,
        fold_in_epochs: int = 30,
        seed: int = 42,
        num_threads: int = 0,
    ) -> None: ...
    @property
    def columns(self) -> int: ...
    def validate(self) -> None: ...

class HybridIterationInfo:
    iteration: int
    seconds: float
    violations: float
    loss: float
    samples: int

class HybridModel(FactorModel):
    """A trained hybrid model; user_factors / item_factors are the precomputed representations."""

    @property
    def config(self) -> HybridConfig: ...
    @property
    def user_features(self) -> int: ...
    @property
    def item_features(self) -> int: ...
    @property
    def trained_courses(self) -> int: ...
    @property
    def user_table(self) -> npt.NDArray[np.float32]: ...
    @property
    def item_table(self) -> npt.NDArray[np.float32]: ...
    def learner_embeddings_from_features(self, features: CsrView, num_threads: int = 0) -> npt.NDArray[np.float32]: ...
    def course_embeddings_from_features(self, features: CsrView, num_threads: int = 0) -> npt.NDArray[np.float32]: ...
    def with_courses(self, features: CsrView, num_threads: int = 0) -> HybridModel: ...
    def fold_in_learners(
        self, rows: CsrView, num_threads: int = 0, features: Optional[CsrView] = None
    ) -> npt.NDArray[np.float32]: ...
    def partial_fit_learners(
        self, indices: np.ndarray, rows: CsrView, features: Optional[CsrView] = None, num_threads: int = 0
    ) -> HybridModel: ...
    def partial_fit_courses(
        self,
        indices: np.ndarray,
        features: Optional[CsrView] = None,
        user_items: Optional[CsrView] = None,
        num_threads: int = 0,
    ) -> HybridModel: ...
    def recommend_embeddings(
        self,
        embeddings: npt.ArrayLike,
        exclude: Optional[CsrView],
        k: int,
        allow: Optional[np.ndarray] = None,
        deny: Optional[np.ndarray] = None,
        num_threads: int = 0,
    ) -> Tuple[np.ndarray, np.ndarray]: ...

class HybridTrainer:
    """Stepwise hybrid training; one epoch per step(), GIL released."""

    def __init__(
        self,
        user_items: CsrView,
        user_features: Optional[CsrView],
        item_features: Optional[CsrView],
        config: HybridConfig,
    ) -> None: ...
    def step(self) -> HybridIterationInfo: ...
    def model(self) -> HybridModel: ...
    def release(self) -> HybridModel: ...
    @property
    def iteration(self) -> int: ...
    @property
    def config(self) -> HybridConfig: ...

def hybrid_from_factors(
    user_factors: npt.ArrayLike,
    item_factors: npt.ArrayLike,
    user_features: Optional[CsrView],
    item_features: Optional[CsrView],
    config: HybridConfig,
    ridge: float = 1.0,
) -> HybridModel: ...
# ---- push campaigns: bindings/python/src/campaign.cpp ----
def run_campaign(
    model: str,
    catalogue: str,
    log: str,
    out: str,
    now: str,
    campaign: str,
    rules: str = "",
    k: int = 0,
    format: str = "csv",
    events: str = "",
    countries: List[str] = ...,
    regions: List[str] = ...,
    departments: List[str] = ...,
    roles: List[str] = ...,
    learners: List[str] = ...,
    num_threads: int = 0,
    progress: Optional[Callable[[int, int], None]] = None,
) -> str: ...
def append_push_records(
    log: str, times: List[str], campaigns: List[str], learners: List[str], courses: List[str], events: List[str]
) -> None: ...
# ---- allocation (bindings/python/src/allocation.cpp; use learnrec.allocation) --------------------
def allocate_candidates(
    learners: int, places: Any, start: Any, end: Any, course: Any, learner: Any, opportunity: Any, utility: Any,
    priority: Any, max_per_learner: int = 1, fairness: float = 0.0, utility_steps: int = 1000,
) -> Dict[str, Any]: ...
def allocate_market(
    ranker: Ranker, learners: Optional[List[int]] = None, now: int = 0, opportunities_csv: str = "",
    ranking_rules: RankingRules = ..., max_per_learner: int = 1, fairness: float = 0.0, utility_steps: int = 1000,
    candidates_per_learner: int = 10, horizon_days: int = 180, min_host_fit: float = 0.5, num_threads: int = 0,
) -> Dict[str, Any]: ...
def read_opportunities_csv(path: str) -> Dict[str, Any]: ...

# ---- xapi_bindings.cpp: xAPI statements, Ranker why-not ----------------------------------------
def read_xapi(
    path: str,
    table: Dict[str, str],
    course_map_csv: str,
    rule: str,
    pattern: str,
    prefer_mbox: bool,
    skip_malformed: bool,
    verbs: Dict[str, Optional[str]],
    max_statement_bytes: int,
    max_depth: int,
) -> Dict[str, Any]: ...
def ranker_why_not(ranker: Ranker, learner: int, course: int, now: int, rules: RankingRules) -> Dict[str, Any]: ...

# ---- learning paths (path.cpp; learnrec.path wraps these) ----

class PlanningData:
    """The planner's inputs: catalogue, course hours, learners, targets with current levels."""

    @property
    def learner_ids(self) -> List[str]: ...
    @property
    def course_ids(self) -> List[str]: ...
    @property
    def departments(self) -> List[str]: ...

def read_planning_dir(directory: str) -> PlanningData: ...
def academy_planning_data(
    seed: int = 42, learners: int = 5000, courses: int = 600, mean_enrolments: float = 12.0
) -> PlanningData: ...
def plan_learner(
    data: PlanningData,
    learner: str,
    start_year: int,
    start_month: int,
    months: int,
    hours_per_month: float,
    targets: str,
    skills: List[Tuple[str, int]],
    exact_limit: int,
    preference: Optional[np.ndarray] = None,
) -> Dict[str, Any]: ...
def plan_team(
    data: PlanningData,
    department: str,
    country: str,
    start_year: int,
    start_month: int,
    months: int,
    hours_per_month: float,
    targets: str,
    exact_limit: int,
    num_threads: int,
) -> Dict[str, Any]: ...

# ---- text (text.cpp): goals in the learner's words ----------------------------------------------

class GoalMatches:
    @property
    def rows(self) -> int: ...
    def row(self, i: int) -> Tuple[np.ndarray, np.ndarray, List[str]]: ...

class TextIndex:
    def __init__(
        self,
        ids: List[str],
        titles: List[str],
        descriptions: List[str],
        topics: List[str],
        skills: List[Any],
        languages: List[Any],
        synonyms: List[Tuple[str, str, str]],
        academy_vocabulary: bool,
    ) -> None: ...
    @staticmethod
    def from_academy(seed: int = 42, learners: int = 5000, courses: int = 600) -> TextIndex: ...
    @property
    def num_courses(self) -> int: ...
    @property
    def num_terms(self) -> int: ...
    @property
    def course_ids(self) -> List[str]: ...
    def search(self, goal: str, language: str = "", limit: int = 0) -> Dict[str, Any]: ...
    def extract_skills(self, text: str) -> List[Dict[str, str]]: ...
    def goal_matches(self, goals: List[str], language: str = "", limit: int = 0) -> GoalMatches: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> TextIndex: ...
    def save(self, path: str) -> None: ...
    @staticmethod
    def load(path: str) -> TextIndex: ...

def academy_skill_phrases() -> List[Tuple[str, str, str]]: ...
def embedding_goal_matches(
    course_vectors: npt.ArrayLike, goal_vectors: npt.ArrayLike, limit: int = 50, num_threads: int = 0
) -> GoalMatches: ...

def campaign_why_not(
    model: str,
    catalogue: str,
    log: str,
    learner: str,
    course: str,
    now: str,
    campaign: str = "",
    rules: str = "",
    k: int = 0,
    events: str = "",
    num_threads: int = 0,
) -> Dict[str, Any]: ...
