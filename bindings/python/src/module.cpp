// learnrec._core — the pybind11 module behind the `learnrec` Python package.
//
// Design:
//  - CsrView borrows the three numpy arrays of a CSR matrix (int64 indptr, int32 indices, float32
//    data, C-contiguous) and keeps them alive; it never converts. The Python layer
//    (learnrec._validation) converts scipy matrices to exactly those dtypes first, so a float32 /
//    int32 matrix reaches C++ without copying its O(nnz) arrays (indptr, O(rows), is converted to
//    int64 when scipy stores it as int32). Every CsrView is validated on construction, so nothing
//    downstream can index out of bounds.
//  - Models are exposed through the C++ seam: _core.Model (recommend / recommend_rows /
//    similar_courses for any model), FactorModel (embeddings, similar learners), AlsModel,
//    BprModel, PopularityModel, ItemItemModel (EaseModel, GfcfModel) and ItemKnnModel. They are immutable and shared with numpy through shared_ptr holders: the
//    factor arrays handed to Python point into the model and keep it alive; they are read-only.
//  - Every call that does real work releases the GIL. learnrec's OpenMP teams are sized per call
//    (num_threads), so nothing here changes process-wide thread state.
//  - learnrec::Error becomes learnrec.LearnrecError (a ValueError).
#include "common.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// Only what the bindings use (not the umbrella header), so unrelated headers never slow or break this TU.
#include "learnrec/data/csr.hpp"
#include "learnrec/data/csv.hpp"
#include "learnrec/error.hpp"
#include "learnrec/eval/metrics.hpp"
#include "learnrec/eval/split.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/model/update.hpp"
#include "learnrec/model/bpr.hpp"
#include "learnrec/model/ease.hpp"
#include "learnrec/model/gfcf.hpp"
#include "learnrec/model/item_item.hpp"
#include "learnrec/model/item_knn.hpp"
#include "learnrec/model/factor_model.hpp"
#include "learnrec/model/model.hpp"
#include "learnrec/model/popularity.hpp"
#include "learnrec/retrieval/recommend.hpp"
#include "learnrec/retrieval/topk.hpp"

#ifndef LEARNREC_VERSION
#define LEARNREC_VERSION "unknown"
#endif

namespace py = pybind11;
using namespace learnrec;

using namespace learnrec::python;

namespace learnrec::python {
void register_hybrid(py::module_& m);  // hybrid.cpp
}  // namespace learnrec::python

// Defined in the other translation units of this module.
namespace learnrec::python {
void register_io(py::module_& m);
void register_data(py::module_& m);
void register_ranking(py::module_& m);  // ranking.cpp
void register_campaign(py::module_& m);  // campaign.cpp
void register_allocation(py::module_& m);  // allocation.cpp
void register_xapi(py::module_& m);     // xapi_bindings.cpp
void register_path(py::module_& m);     // path.cpp
void register_text(py::module_& m);     // text.cpp
void register_fresh(py::module_& m);    // fresh.cpp
}  // namespace learnrec::python

namespace {

// ---- ALS trainer -----------------------------------------------------------------------------

/// AlsTrainer plus the arrays it borrows; step() and model() are serialised by a mutex.
class PyAlsTrainer {
public:
    PyAlsTrainer(const PyCsr& user_items, const AlsConfig& config) : input_(user_items) {
        py::gil_scoped_release release;
        trainer_ = std::make_unique<AlsTrainer>(input_.view, config);
    }

    IterationInfo step() {
        std::lock_guard<std::mutex> lock(mutex_);
        return live().step();
    }
    std::shared_ptr<AlsModel> model() {
        std::lock_guard<std::mutex> lock(mutex_);
        return std::make_shared<AlsModel>(live().model());
    }
    std::shared_ptr<AlsModel> release() {
        std::lock_guard<std::mutex> lock(mutex_);
        auto m = std::make_shared<AlsModel>(std::move(live()).release());
        trainer_.reset();
        return m;
    }
    double loss() {
        std::lock_guard<std::mutex> lock(mutex_);
        return live().loss();
    }
    int iteration() {
        std::lock_guard<std::mutex> lock(mutex_);
        return live().iteration();
    }
    const AlsConfig& config() {
        std::lock_guard<std::mutex> lock(mutex_);
        return live().config();
    }
    std::uintptr_t data_pointer() const { return reinterpret_cast<std::uintptr_t>(input_.view.data.data()); }
    std::uintptr_t indices_pointer() const { return reinterpret_cast<std::uintptr_t>(input_.view.indices.data()); }
    std::uintptr_t indptr_pointer() const { return reinterpret_cast<std::uintptr_t>(input_.view.indptr.data()); }

private:
    AlsTrainer& live() {
        if (!trainer_) throw Error("AlsTrainer", "the trainer was released; create a new one to train again");
        return *trainer_;
    }
    PyCsr input_;  // keeps the borrowed arrays alive for the trainer's lifetime
    std::unique_ptr<AlsTrainer> trainer_;
    std::mutex mutex_;
};

// ---- BPR trainer -----------------------------------------------------------------------------

/// BprTrainer plus the arrays it borrows (for its constructor only: BPR copies the positives);
/// step() and model() are serialised by a mutex.
class PyBprTrainer {
public:
    PyBprTrainer(const PyCsr& user_items, const BprConfig& config) : input_(user_items) {
        py::gil_scoped_release release;
        trainer_ = std::make_unique<BprTrainer>(input_.view, config);
    }

    BprIterationInfo step() {
        std::lock_guard<std::mutex> lock(mutex_);
        return live().step();
    }
    std::shared_ptr<BprModel> model() {
        std::lock_guard<std::mutex> lock(mutex_);
        return std::make_shared<BprModel>(live().model());
    }
    std::shared_ptr<BprModel> release() {
        std::lock_guard<std::mutex> lock(mutex_);
        auto m = std::make_shared<BprModel>(std::move(live()).release());
        trainer_.reset();
        return m;
    }
    int iteration() {
        std::lock_guard<std::mutex> lock(mutex_);
        return live().iteration();
    }
    const BprConfig& config() {
        std::lock_guard<std::mutex> lock(mutex_);
        return live().config();
    }

private:
    BprTrainer& live() {
        if (!trainer_) throw Error("BprTrainer", "the trainer was released; create a new one to train again");
        return *trainer_;
    }
    PyCsr input_;
    std::unique_ptr<BprTrainer> trainer_;
    std::mutex mutex_;
};

py::dict read_csv(const std::string& path, const std::vector<std::string>& ignored_columns, char delimiter) {
    CsvOptions options;
    options.ignored_columns = ignored_columns;
    options.delimiter = delimiter;
    Interactions data;
    {
        py::gil_scoped_release release;
        data = read_interactions_csv(std::filesystem::path(path), options);
    }
    return interactions_to_python(std::move(data));
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "learnrec's C++ core (pybind11). Use the `learnrec` package; this module is its implementation.";
    m.attr("__version__") = LEARNREC_VERSION;

    py::register_exception<Error>(m, "LearnrecError", PyExc_ValueError);

    // ---- data containers ---------------------------------------------------------------------
    py::class_<PyCsr>(m, "CsrView", R"doc(
A validated CSR matrix borrowing numpy arrays (no copy).

Arguments must be 1-D C-contiguous arrays of exactly int64 (indptr), int32 (indices) and float32
(data); nothing is converted here (TypeError otherwise). Construction validates structure and values
(monotone indptr, indices in range, finite non-zero weights) and raises LearnrecError naming `name`
and the first offending entry. The arrays are referenced, not copied: do not modify them while the
view (or a trainer using it) is alive.)doc")
        .def(py::init<const py::object&, const py::object&, const py::object&, std::pair<std::int64_t, std::int64_t>,
                      std::string>(),
             py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("shape"), py::arg("name") = "matrix")
        .def_property_readonly("shape", [](const PyCsr& c) { return py::make_tuple(c.view.rows, c.view.cols); },
                               "(rows, cols)")
        .def_property_readonly("rows", [](const PyCsr& c) { return c.view.rows; }, "Number of rows.")
        .def_property_readonly("cols", [](const PyCsr& c) { return c.view.cols; }, "Number of columns.")
        .def_property_readonly("nnz", [](const PyCsr& c) { return c.view.nnz(); }, "Number of stored entries.")
        .def_property_readonly("name", [](const PyCsr& c) { return c.name; }, "Name used in error messages.")
        .def_property_readonly("indptr", [](const PyCsr& c) { return c.indptr; }, "The borrowed indptr array.")
        .def_property_readonly("indices", [](const PyCsr& c) { return c.indices; }, "The borrowed indices array.")
        .def_property_readonly("data", [](const PyCsr& c) { return c.data; }, "The borrowed data array.")
        .def("data_pointer", [](const PyCsr& c) { return reinterpret_cast<std::uintptr_t>(c.view.data.data()); },
             "Address of the weights the view reads (compare with ndarray.ctypes.data).");

    // ---- configuration and training ----------------------------------------------------------
    py::enum_<AlsSolver>(m, "AlsSolver", "Least-squares solver of each ALS half-step.")
        .value("cg", AlsSolver::cg, "cg_steps of conjugate gradient, warm-started (implicit's default)")
        .value("cholesky", AlsSolver::cholesky, "exact solve per row");

    py::class_<AlsConfig>(m, "AlsConfig", "Hyperparameters of implicit ALS (learnrec::AlsConfig).")
        .def(py::init([](index_t factors, float regularization, float alpha, int iterations, AlsSolver solver,
                         int cg_steps, std::uint64_t seed, int num_threads, bool calculate_loss) {
                 AlsConfig c;
                 c.factors = factors;
                 c.regularization = regularization;
                 c.alpha = alpha;
                 c.iterations = iterations;
                 c.solver = solver;
                 c.cg_steps = cg_steps;
                 c.seed = seed;
                 c.num_threads = num_threads;
                 c.calculate_loss = calculate_loss;
                 return c;
             }),
             py::arg("factors") = 64, py::arg("regularization") = 0.01f, py::arg("alpha") = 1.0f,
             py::arg("iterations") = 15, py::arg("solver") = AlsSolver::cg, py::arg("cg_steps") = 3,
             py::arg("seed") = 42, py::arg("num_threads") = 0, py::arg("calculate_loss") = true)
        .def_readwrite("factors", &AlsConfig::factors, "Embedding dimension.")
        .def_readwrite("regularization", &AlsConfig::regularization, "L2 regularization.")
        .def_readwrite("alpha", &AlsConfig::alpha, "Confidence scale: c = alpha * |weight|.")
        .def_readwrite("iterations", &AlsConfig::iterations, "Number of iterations (fit_als).")
        .def_readwrite("solver", &AlsConfig::solver, "AlsSolver.cg or AlsSolver.cholesky.")
        .def_readwrite("cg_steps", &AlsConfig::cg_steps, "Conjugate-gradient steps per row solve.")
        .def_readwrite("seed", &AlsConfig::seed, "Seed of the factor initialisation.")
        .def_readwrite("num_threads", &AlsConfig::num_threads, "Threads per call (0 = every processor).")
        .def_readwrite("calculate_loss", &AlsConfig::calculate_loss, "Compute the training loss each iteration.")
        .def("validate", [](const AlsConfig& c) { c.validate(); }, "Raises LearnrecError on an invalid value.")
        .def("__repr__", [](const AlsConfig& c) {
            return fmt::format("AlsConfig(factors={}, regularization={}, alpha={}, iterations={}, solver={}, "
                               "cg_steps={}, seed={}, num_threads={}, calculate_loss={})",
                               c.factors, c.regularization, c.alpha, c.iterations,
                               c.solver == AlsSolver::cg ? "cg" : "cholesky", c.cg_steps, c.seed, c.num_threads,
                               c.calculate_loss ? "True" : "False");
        });

    py::class_<IterationInfo>(m, "IterationInfo", "What one ALS iteration reports.")
        .def_readonly("iteration", &IterationInfo::iteration, "1-based iteration number.")
        .def_readonly("seconds", &IterationInfo::seconds, "Wall time of the iteration.")
        .def_readonly("loss", &IterationInfo::loss, "Normalised training loss (NaN when not calculated).")
        .def("__repr__", [](const IterationInfo& i) {
            return fmt::format("IterationInfo(iteration={}, seconds={:.4f}, loss={})", i.iteration, i.seconds, i.loss);
        });

    // ---- models (the seam) --------------------------------------------------------------------
    py::class_<Model, std::shared_ptr<Model>>(m, "Model", R"doc(
Any trained learnrec model (the C++ seam learnrec::Model). Immutable and safe to use from many
threads; every method releases the GIL. Results are (ids, scores) arrays of shape (queries, k),
int32 and float32, best first, padded with -1 / -inf when fewer than k courses qualify.)doc")
        .def_property_readonly("kind", [](const Model& mo) { return std::string(mo.kind()); },
                               "Model type name: 'als', 'popularity', ...")
        .def_property_readonly("num_learners", &Model::num_learners, "Learners seen in training.")
        .def_property_readonly("num_courses", &Model::num_courses, "Courses (columns) the model scores.")
        .def("recommend", &model_recommend, py::arg("learners"), py::arg("exclude"), py::arg("k"),
             py::arg("allow") = py::none(), py::arg("deny") = py::none(), py::arg("num_threads") = 0,
             py::arg("reduced_precision") = true,
             R"doc(Top-k courses for learners seen in training.

learners: int32 array of learner indices. exclude: a CsrView with one row per learner (row q
belongs to learners[q]) whose courses are never returned, or None. allow: int32 course indices
to rank exclusively (None: all); deny: int32 course indices never returned. reduced_precision:
factor models may shortlist by half / bfloat16 scores first (identical results); False keeps to
the float32 kernel.)doc")
        .def("recommend_rows", &model_recommend_rows, py::arg("rows"), py::arg("exclude_own"), py::arg("k"),
             py::arg("allow") = py::none(), py::arg("deny") = py::none(), py::arg("num_threads") = 0,
             "Top-k for learners given by interaction rows (fold-in: new or updated learners); "
             "exclude_own drops each row's own courses.")
        .def("similar_courses", &model_similar_courses, py::arg("courses"), py::arg("k"),
             py::arg("allow") = py::none(), py::arg("deny") = py::none(), py::arg("num_threads") = 0,
             "Most similar courses to each given course (the course itself included unless denied).");

    py::class_<FactorModel, Model, std::shared_ptr<FactorModel>>(m, "FactorModel",
                                                                 "A model scoring by dot products of embeddings.")
        .def_property_readonly("factors", &FactorModel::factors, "Embedding dimension.")
        .def_property_readonly(
            "user_factors", [](py::object self) { return readonly_view(self.cast<const FactorModel&>().user_factors(), self); },
            "Learner embeddings (learners x factors, float32): a read-only view of the model's memory.")
        .def_property_readonly(
            "item_factors", [](py::object self) { return readonly_view(self.cast<const FactorModel&>().item_factors(), self); },
            "Course embeddings (courses x factors, float32): a read-only view of the model's memory.")
        .def_property_readonly("panels_built", &FactorModel::panels_built,
                               "Whether the scoring copies of the course factors exist yet (a diagnostic: the "
                               "first recommend builds them, training and loading never do).")
        .def("similar_learners", &factor_similar_learners, py::arg("learners"), py::arg("k"),
             py::arg("allow") = py::none(), py::arg("deny") = py::none(), py::arg("num_threads") = 0,
             "Top-k learners by cosine similarity of learner embeddings (the learner itself included).")
        .def("similar_courses_to", &factor_similar_courses_to, py::arg("embeddings"), py::arg("k"),
             py::arg("allow") = py::none(), py::arg("deny") = py::none(), py::arg("num_threads") = 0,
             "Top-k courses by cosine similarity to arbitrary course embeddings (e.g. folded-in courses).");

    py::class_<AlsModel, FactorModel, std::shared_ptr<AlsModel>>(m, "AlsModel", "A trained implicit ALS model.")
        .def(py::init([](const py::array_t<float, py::array::forcecast>& user_factors,
                         const py::array_t<float, py::array::forcecast>& item_factors, const AlsConfig& config) {
                 return std::make_shared<AlsModel>(to_row_matrix(user_factors, "user_factors"),
                                                   to_row_matrix(item_factors, "item_factors"), config);
             }),
             py::arg("user_factors"), py::arg("item_factors"), py::arg("config"),
             "Builds a model from factor matrices (copied), e.g. loaded from disk.")
        .def_property_readonly("config", &AlsModel::config, "The AlsConfig it was trained with.")
        .def(
            "fold_in_learners",
            [](const AlsModel& mo, const PyCsr& rows, int num_threads) {
                RowMatrix out;
                {
                    py::gil_scoped_release release;
                    out = mo.fold_in_learners(rows.view, num_threads);
                }
                return to_numpy(std::move(out));
            },
            py::arg("rows"), py::arg("num_threads") = 0,
            "Learner embeddings solved exactly from interaction rows over courses (one per row).")
        .def(
            "fold_in_courses",
            [](const AlsModel& mo, const PyCsr& rows, int num_threads) {
                RowMatrix out;
                {
                    py::gil_scoped_release release;
                    out = mo.fold_in_courses(rows.view, num_threads);
                }
                return to_numpy(std::move(out));
            },
            py::arg("rows"), py::arg("num_threads") = 0,
            "Course embeddings solved exactly from interaction rows over learners (one per row).")
        .def(
            "partial_fit_learners",
            [](const AlsModel& mo, const py::handle& indices, const PyCsr& rows, int num_threads) {
                const auto idx = strict_vector<index_t>(indices, "indices");
                py::gil_scoped_release release;
                return std::make_shared<AlsModel>(als_partial_fit_learners(mo, span_of(idx), rows.view, num_threads));
            },
            py::arg("indices"), py::arg("rows"), py::arg("num_threads") = 0,
            "A new model with learners indices[i] solved from rows[i] against the fixed courses (new indices grow it).")
        .def(
            "partial_fit_courses",
            [](const AlsModel& mo, const py::handle& indices, const PyCsr& columns, int num_threads) {
                const auto idx = strict_vector<index_t>(indices, "indices");
                py::gil_scoped_release release;
                return std::make_shared<AlsModel>(als_partial_fit_courses(mo, span_of(idx), columns.view, num_threads));
            },
            py::arg("indices"), py::arg("columns"), py::arg("num_threads") = 0,
            "A new model with courses indices[i] solved from columns[i] (over learners) against the fixed learners.");

    py::class_<PopularityModel, Model, std::shared_ptr<PopularityModel>>(
        m, "PopularityModel", "Most-popular baseline: courses ranked by learners with positive feedback.")
        .def_static(
            "fit",
            [](const PyCsr& user_items) {
                py::gil_scoped_release release;
                return std::make_shared<PopularityModel>(PopularityModel::fit(user_items.view));
            },
            py::arg("user_items"), "Counts learners with a positive weight per course.")
        .def_property_readonly(
            "popularity",
            [](py::object self) { return readonly_view(self.cast<const PopularityModel&>().popularity(), self); },
            "Per-course popularity (float32, read-only view).");

    py::class_<PyAlsTrainer>(m, "AlsTrainer", R"doc(
Stepwise implicit ALS training (learnrec::AlsTrainer). Borrows the CsrView's arrays (no copy of
the interactions; the transpose is built once). One iteration per step(), GIL released.)doc")
        .def(py::init<const PyCsr&, const AlsConfig&>(), py::arg("user_items"), py::arg("config"))
        .def("step", &PyAlsTrainer::step, py::call_guard<py::gil_scoped_release>(),
             "Runs one iteration (learners then courses) and returns its IterationInfo.")
        .def("model", &PyAlsTrainer::model, py::call_guard<py::gil_scoped_release>(),
             "The model trained so far (copies the factors; training can continue).")
        .def("release", &PyAlsTrainer::release, py::call_guard<py::gil_scoped_release>(),
             "The model trained so far, moving the factors out; the trainer cannot be used afterwards.")
        .def("loss", &PyAlsTrainer::loss, py::call_guard<py::gil_scoped_release>(), "Current training loss.")
        .def_property_readonly("iteration", &PyAlsTrainer::iteration, "Iterations run so far.")
        .def_property_readonly("config", &PyAlsTrainer::config, "The configuration.")
        .def("data_pointer", &PyAlsTrainer::data_pointer, "Address of the weights the trainer reads.")
        .def("indices_pointer", &PyAlsTrainer::indices_pointer, "Address of the column indices the trainer reads.")
        .def("indptr_pointer", &PyAlsTrainer::indptr_pointer, "Address of the row pointers the trainer reads.");

    m.def(
        "fit_als",
        [](const PyCsr& user_items, const AlsConfig& config) {
            py::gil_scoped_release release;
            return std::make_shared<AlsModel>(fit_als(user_items.view, config));
        },
        py::arg("user_items"), py::arg("config"),
        "Trains implicit ALS entirely in C++ (learnrec::fit_als), for `config.iterations` iterations.");

    // ---- BPR ----------------------------------------------------------------------------------
    py::enum_<BprNegativeSampling>(m, "BprNegativeSampling", "How BPR draws negative courses.")
        .value("uniform", BprNegativeSampling::uniform, "every course equally likely (Rendle et al.)")
        .value("popularity", BprNegativeSampling::popularity, "in proportion to the course's positives (implicit)");

    py::class_<BprConfig>(m, "BprConfig", "Hyperparameters of BPR matrix factorisation (learnrec::BprConfig).")
        .def(py::init([](index_t factors, float learning_rate, float regularization, int iterations, int negatives,
                         BprNegativeSampling sampling, bool verify_negative_samples, bool item_bias,
                         int fold_in_epochs, std::uint64_t seed, int num_threads) {
                 BprConfig c;
                 c.factors = factors;
                 c.learning_rate = learning_rate;
                 c.regularization = regularization;
                 c.iterations = iterations;
                 c.negatives = negatives;
                 c.sampling = sampling;
                 c.verify_negative_samples = verify_negative_samples;
                 c.item_bias = item_bias;
                 c.fold_in_epochs = fold_in_epochs;
                 c.seed = seed;
                 c.num_threads = num_threads;
                 return c;
             }),
             py::arg("factors") = 64, py::arg("learning_rate") = 0.05f, py::arg("regularization") = 0.01f,
             py::arg("iterations") = 100, py::arg("negatives") = 1, py::arg("sampling") = BprNegativeSampling::uniform,
             py::arg("verify_negative_samples") = true, py::arg("item_bias") = true, py::arg("fold_in_epochs") = 50,
             py::arg("seed") = 42, py::arg("num_threads") = 0)
        .def_readwrite("factors", &BprConfig::factors, "Latent factors, not counting the bias column.")
        .def_readwrite("learning_rate", &BprConfig::learning_rate, "SGD learning rate.")
        .def_readwrite("regularization", &BprConfig::regularization, "L2 penalty on every updated parameter.")
        .def_readwrite("iterations", &BprConfig::iterations, "Epochs (fit_bpr).")
        .def_readwrite("negatives", &BprConfig::negatives, "Negative samples per positive and epoch.")
        .def_readwrite("sampling", &BprConfig::sampling, "BprNegativeSampling.uniform or .popularity.")
        .def_readwrite("verify_negative_samples", &BprConfig::verify_negative_samples,
                       "Skip negatives the learner has as positives.")
        .def_readwrite("item_bias", &BprConfig::item_bias, "Learn a course bias (an extra factor column).")
        .def_readwrite("fold_in_epochs", &BprConfig::fold_in_epochs, "SGD epochs over a new learner's row.")
        .def_readwrite("seed", &BprConfig::seed, "Seed of the initialisation and the samplers.")
        .def_readwrite("num_threads", &BprConfig::num_threads, "Threads (0 = every processor; 1 = deterministic).")
        .def_property_readonly("columns", &BprConfig::columns, "Columns of the factor matrices (factors + bias).")
        .def("validate", [](const BprConfig& c) { c.validate(); }, "Raises LearnrecError on an invalid value.")
        .def("__repr__", [](const BprConfig& c) {
            return fmt::format("BprConfig(factors={}, learning_rate={}, regularization={}, iterations={}, "
                               "negatives={}, sampling={}, verify_negative_samples={}, item_bias={}, "
                               "fold_in_epochs={}, seed={}, num_threads={})",
                               c.factors, c.learning_rate, c.regularization, c.iterations, c.negatives,
                               c.sampling == BprNegativeSampling::uniform ? "uniform" : "popularity",
                               c.verify_negative_samples ? "True" : "False", c.item_bias ? "True" : "False",
                               c.fold_in_epochs, c.seed, c.num_threads);
        });

    py::class_<BprIterationInfo>(m, "BprIterationInfo", "What one BPR epoch reports.")
        .def_readonly("iteration", &BprIterationInfo::iteration, "1-based epoch number.")
        .def_readonly("seconds", &BprIterationInfo::seconds, "Wall time of the epoch.")
        .def_readonly("correct", &BprIterationInfo::correct,
                      "Fraction of updated triples ranked correctly before their update (implicit's 'correct').")
        .def_readonly("skipped", &BprIterationInfo::skipped, "Fraction of drawn triples skipped.")
        .def_readonly("samples", &BprIterationInfo::samples, "Triples drawn.")
        .def("__repr__", [](const BprIterationInfo& i) {
            return fmt::format("BprIterationInfo(iteration={}, seconds={:.4f}, correct={:.4f}, skipped={:.4f}, "
                               "samples={})",
                               i.iteration, i.seconds, i.correct, i.skipped, i.samples);
        });

    py::class_<BprModel, FactorModel, std::shared_ptr<BprModel>>(
        m, "BprModel", "A trained BPR model (the last factor column is the course bias; learners' is 1).")
        .def(py::init([](const py::array_t<float, py::array::forcecast>& user_factors,
                         const py::array_t<float, py::array::forcecast>& item_factors, const BprConfig& config) {
                 return std::make_shared<BprModel>(to_row_matrix(user_factors, "user_factors"),
                                                   to_row_matrix(item_factors, "item_factors"), config);
             }),
             py::arg("user_factors"), py::arg("item_factors"), py::arg("config"),
             "Builds a model from factor matrices (copied; config.columns() wide), e.g. loaded from disk.")
        .def_property_readonly("config", &BprModel::config, "The BprConfig it was trained with.")
        .def(
            "fold_in_learners",
            [](const BprModel& mo, const PyCsr& rows, int num_threads) {
                RowMatrix out;
                {
                    py::gil_scoped_release release;
                    out = mo.fold_in_learners(rows.view, num_threads);
                }
                return to_numpy(std::move(out));
            },
            py::arg("rows"), py::arg("num_threads") = 0,
            "Learner embeddings fitted by SGD to interaction rows with the course factors fixed (deterministic "
            "per row).");

    py::class_<PyBprTrainer>(m, "BprTrainer", R"doc(
Stepwise BPR training (learnrec::BprTrainer). One epoch per step(), GIL released; Hogwild over
num_threads threads (deterministic with 1).)doc")
        .def(py::init<const PyCsr&, const BprConfig&>(), py::arg("user_items"), py::arg("config"))
        .def("step", &PyBprTrainer::step, py::call_guard<py::gil_scoped_release>(),
             "Runs one epoch and returns its BprIterationInfo.")
        .def("model", &PyBprTrainer::model, py::call_guard<py::gil_scoped_release>(),
             "The model trained so far (copies the factors; training can continue).")
        .def("release", &PyBprTrainer::release, py::call_guard<py::gil_scoped_release>(),
             "The model trained so far, moving the factors out; the trainer cannot be used afterwards.")
        .def_property_readonly("iteration", &PyBprTrainer::iteration, "Epochs run so far.")
        .def_property_readonly("config", &PyBprTrainer::config, "The configuration.");

    m.def(
        "fit_bpr",
        [](const PyCsr& user_items, const BprConfig& config) {
            py::gil_scoped_release release;
            return std::make_shared<BprModel>(fit_bpr(user_items.view, config));
        },
        py::arg("user_items"), py::arg("config"),
        "Trains BPR entirely in C++ (learnrec::fit_bpr), for `config.iterations` epochs.");

    // ---- item-item models ---------------------------------------------------------------------
    py::class_<ItemItemModel, Model, std::shared_ptr<ItemItemModel>>(m, "ItemItemModel", R"doc(
A model scoring through a dense course x course matrix B: score(c) = sum over the learner's row
(i, w) of w * B[i, c]. Fold-in is exact and free (the row is the query).)doc")
        .def_property_readonly(
            "item_weights",
            [](py::object self) { return readonly_view(self.cast<const ItemItemModel&>().item_weights(), self); },
            "B (courses x courses, float32): a read-only view of the model's memory.");

    py::enum_<EaseWeights>(m, "EaseWeights", "How EASE turns interaction weights into X.")
        .value("binary", EaseWeights::binary, "positive feedback -> 1, negative feedback left out")
        .value("as_given", EaseWeights::as_given, "the weights as they are (negative feedback kept)");

    py::class_<EaseConfig>(m, "EaseConfig", "Hyperparameters of EASE (learnrec::EaseConfig).")
        .def(py::init([](float lambda_, EaseWeights weights, int num_threads, std::size_t memory_budget_bytes) {
                 EaseConfig c;
                 c.lambda = lambda_;
                 c.weights = weights;
                 c.num_threads = num_threads;
                 c.memory_budget_bytes = memory_budget_bytes;
                 return c;
             }),
             py::arg("lambda_") = 200.0f, py::arg("weights") = EaseWeights::binary, py::arg("num_threads") = 0,
             py::arg("memory_budget_bytes") = 0)
        .def_readwrite("lambda_", &EaseConfig::lambda, "L2 penalty added to the Gram matrix's diagonal.")
        .def_readwrite("weights", &EaseConfig::weights, "EaseWeights.binary or .as_given.")
        .def_readwrite("num_threads", &EaseConfig::num_threads, "Threads (0 = every processor).")
        .def_readwrite("memory_budget_bytes", &EaseConfig::memory_budget_bytes,
                       "Memory budget for the dense matrix (0: three quarters of physical memory).")
        .def("validate", [](const EaseConfig& c) { c.validate(); }, "Raises LearnrecError on an invalid value.")
        .def("__repr__", [](const EaseConfig& c) {
            return fmt::format("EaseConfig(lambda_={}, weights={}, num_threads={}, memory_budget_bytes={})", c.lambda,
                               c.weights == EaseWeights::binary ? "binary" : "as_given", c.num_threads,
                               c.memory_budget_bytes);
        });

    py::class_<EaseModel, ItemItemModel, std::shared_ptr<EaseModel>>(m, "EaseModel", "A trained EASE model.")
        .def_property_readonly("config", &EaseModel::config, "The EaseConfig it was trained with.");

    m.def(
        "fit_ease",
        [](const PyCsr& user_items, const EaseConfig& config) {
            py::gil_scoped_release release;
            return std::make_shared<EaseModel>(fit_ease(user_items.view, config));
        },
        py::arg("user_items"), py::arg("config"),
        "learnrec::fit_ease: B = I - P / diag(P) with P = (X'X + lambda I)^-1 (O(courses^3)).");

    py::class_<GfcfConfig>(m, "GfcfConfig", "Hyperparameters of GF-CF (learnrec::GfcfConfig).")
        .def(py::init([](float alpha, index_t rank, index_t oversample, int power_iterations, std::uint64_t seed,
                         int num_threads, std::size_t memory_budget_bytes) {
                 GfcfConfig c;
                 c.alpha = alpha;
                 c.rank = rank;
                 c.oversample = oversample;
                 c.power_iterations = power_iterations;
                 c.seed = seed;
                 c.num_threads = num_threads;
                 c.memory_budget_bytes = memory_budget_bytes;
                 return c;
             }),
             py::arg("alpha") = 0.3f, py::arg("rank") = 256, py::arg("oversample") = 64,
             py::arg("power_iterations") = 4, py::arg("seed") = 42, py::arg("num_threads") = 0,
             py::arg("memory_budget_bytes") = 0)
        .def_readwrite("alpha", &GfcfConfig::alpha, "Weight of the ideal low-pass term (0: linear filter only).")
        .def_readwrite("rank", &GfcfConfig::rank, "Singular vectors in the ideal low-pass filter.")
        .def_readwrite("oversample", &GfcfConfig::oversample, "Extra range-finder columns.")
        .def_readwrite("power_iterations", &GfcfConfig::power_iterations, "Range-finder power iterations.")
        .def_readwrite("seed", &GfcfConfig::seed, "Seed of the randomized range finder.")
        .def_readwrite("num_threads", &GfcfConfig::num_threads, "Threads (0 = every processor).")
        .def_readwrite("memory_budget_bytes", &GfcfConfig::memory_budget_bytes,
                       "Memory budget for the dense matrix (0: three quarters of physical memory).")
        .def("validate", [](const GfcfConfig& c) { c.validate(); }, "Raises LearnrecError on an invalid value.")
        .def("__repr__", [](const GfcfConfig& c) {
            return fmt::format("GfcfConfig(alpha={}, rank={}, oversample={}, power_iterations={}, seed={}, "
                               "num_threads={}, memory_budget_bytes={})",
                               c.alpha, c.rank, c.oversample, c.power_iterations, c.seed, c.num_threads,
                               c.memory_budget_bytes);
        });

    py::class_<GfcfModel, ItemItemModel, std::shared_ptr<GfcfModel>>(m, "GfcfModel", "A trained GF-CF model.")
        .def_property_readonly("config", &GfcfModel::config, "The GfcfConfig it was trained with.");

    m.def(
        "fit_gfcf",
        [](const PyCsr& user_items, const GfcfConfig& config) {
            py::gil_scoped_release release;
            return std::make_shared<GfcfModel>(fit_gfcf(user_items.view, config));
        },
        py::arg("user_items"), py::arg("config"),
        "learnrec::fit_gfcf: linear filter plus alpha times the rank-`rank` ideal low-pass filter.");

    py::enum_<ItemKnnWeighting>(m, "ItemKnnWeighting", "Weighting of the course vectors in item-kNN.")
        .value("none", ItemKnnWeighting::none, "the values themselves (implicit's CosineRecommender)")
        .value("tfidf", ItemKnnWeighting::tfidf, "TF-IDF (implicit's TFIDFRecommender)")
        .value("bm25", ItemKnnWeighting::bm25, "BM25 (implicit's BM25Recommender)");

    py::class_<ItemKnnConfig>(m, "ItemKnnConfig", "Hyperparameters of item-kNN (learnrec::ItemKnnConfig).")
        .def(py::init([](index_t neighbours, ItemKnnWeighting weighting, float bm25_k1, float bm25_b, bool binary,
                         bool normalize, int num_threads) {
                 ItemKnnConfig c;
                 c.neighbours = neighbours;
                 c.weighting = weighting;
                 c.bm25_k1 = bm25_k1;
                 c.bm25_b = bm25_b;
                 c.binary = binary;
                 c.normalize = normalize;
                 c.num_threads = num_threads;
                 return c;
             }),
             py::arg("neighbours") = 20, py::arg("weighting") = ItemKnnWeighting::none, py::arg("bm25_k1") = 1.2f,
             py::arg("bm25_b") = 0.75f, py::arg("binary") = true, py::arg("normalize") = true,
             py::arg("num_threads") = 0)
        .def_readwrite("neighbours", &ItemKnnConfig::neighbours, "K: neighbours kept per course (itself included).")
        .def_readwrite("weighting", &ItemKnnConfig::weighting, "ItemKnnWeighting.none, .tfidf or .bm25.")
        .def_readwrite("bm25_k1", &ItemKnnConfig::bm25_k1, "BM25 term saturation.")
        .def_readwrite("bm25_b", &ItemKnnConfig::bm25_b, "BM25 length normalisation.")
        .def_readwrite("binary", &ItemKnnConfig::binary, "Positive weights -> 1 (else kept as given).")
        .def_readwrite("normalize", &ItemKnnConfig::normalize, "Cosine (else the dot product).")
        .def_readwrite("num_threads", &ItemKnnConfig::num_threads, "Threads (0 = every processor).")
        .def("validate", [](const ItemKnnConfig& c) { c.validate(); }, "Raises LearnrecError on an invalid value.")
        .def("__repr__", [](const ItemKnnConfig& c) {
            const char* w = c.weighting == ItemKnnWeighting::none ? "none"
                            : c.weighting == ItemKnnWeighting::tfidf ? "tfidf"
                                                                      : "bm25";
            return fmt::format("ItemKnnConfig(neighbours={}, weighting={}, bm25_k1={}, bm25_b={}, binary={}, "
                               "normalize={}, num_threads={})",
                               c.neighbours, w, c.bm25_k1, c.bm25_b, c.binary ? "True" : "False",
                               c.normalize ? "True" : "False", c.num_threads);
        });

    py::class_<ItemKnnModel, Model, std::shared_ptr<ItemKnnModel>>(
        m, "ItemKnnModel", "A trained item-kNN model: a sparse course x course neighbour matrix S.")
        .def_property_readonly("config", &ItemKnnModel::config, "The ItemKnnConfig it was trained with.")
        .def_property_readonly(
            "similarity",
            [](const ItemKnnModel& mo) { return csr_to_numpy(CsrMatrix::copy_of(mo.similarity())); },
            "S as (indptr, indices, data, shape) arrays (a copy): row i = neighbours of course i.");

    m.def(
        "fit_item_knn",
        [](const PyCsr& user_items, const ItemKnnConfig& config) {
            py::gil_scoped_release release;
            return std::make_shared<ItemKnnModel>(fit_item_knn(user_items.view, config));
        },
        py::arg("user_items"), py::arg("config"),
        "learnrec::fit_item_knn: keeps the K most similar courses of every course.");

    // ---- evaluation ---------------------------------------------------------------------------
    m.def(
        "holdout_split",
        [](const PyCsr& user_items, double test_fraction, std::uint64_t seed) {
            Split split;
            {
                py::gil_scoped_release release;
                split = holdout_split(user_items.view, test_fraction, seed);
            }
            return py::make_tuple(csr_to_numpy(std::move(split.train)), csr_to_numpy(std::move(split.test)));
        },
        py::arg("user_items"), py::arg("test_fraction"), py::arg("seed"),
        "learnrec::holdout_split: ((indptr, indices, data, shape) of train, same of test).");

    m.def(
        "leave_last_k_out",
        [](const PyCsr& user_items, py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> timestamps,
           index_t k) {
            Split split;
            {
                py::gil_scoped_release release;
                split = leave_last_k_out(user_items.view,
                                         std::span<const std::int64_t>(timestamps.data(),
                                                                       static_cast<std::size_t>(timestamps.size())),
                                         k);
            }
            return py::make_tuple(csr_to_numpy(std::move(split.train)), csr_to_numpy(std::move(split.test)));
        },
        py::arg("user_items"), py::arg("timestamps"), py::arg("k"),
        "learnrec::leave_last_k_out: each learner's k most recent positives to test.");

    m.def(
        "cold_start_split",
        [](const PyCsr& user_items, double fraction, std::uint64_t seed) {
            ColdStartSplit split;
            {
                py::gil_scoped_release release;
                split = cold_start_split(user_items.view, fraction, seed);
            }
            // An explicit shape: the (count) constructor gave the array a zero stride.
            py::array_t<index_t> learners(std::vector<py::ssize_t>{static_cast<py::ssize_t>(split.learners.size())});
            std::copy(split.learners.begin(), split.learners.end(), learners.mutable_data());
            return py::make_tuple(csr_to_numpy(std::move(split.train)), csr_to_numpy(std::move(split.test)), learners);
        },
        py::arg("user_items"), py::arg("fraction"), py::arg("seed"),
        "learnrec::cold_start_split: (train, test, held-out learner indices).");

    m.def(
        "evaluate",
        [](const Model& model, const PyCsr& train, const PyCsr& test, index_t k, int num_threads) {
            RankingMetrics r;
            {
                py::gil_scoped_release release;
                r = evaluate(model, train.view, test.view, k, num_threads);
            }
            py::dict out;
            out["recall"] = r.recall;
            out["precision"] = r.precision;
            out["ndcg"] = r.ndcg;
            out["map"] = r.map;
            out["hit_rate"] = r.hit_rate;
            out["mrr"] = r.mrr;
            out["auc"] = r.auc;
            out["coverage"] = r.coverage;
            out["learners"] = r.learners;
            return out;
        },
        py::arg("model"), py::arg("train"), py::arg("test"), py::arg("k"), py::arg("num_threads") = 0,
        "learnrec::evaluate: recall, precision and NDCG at k over learners with test courses.");

    // ---- data ---------------------------------------------------------------------------------
    m.def("read_interactions_csv", &read_csv, py::arg("path"), py::arg("ignored_columns") = std::vector<std::string>{},
          py::arg("delimiter") = ',',
          "learnrec::read_interactions_csv: dict with matrix (indptr, indices, data, shape), learner_ids, "
          "course_ids, timestamps (int64 per stored entry, or None).");

    // ---- other areas (one translation unit each) ---------------------------------------------
    register_data(m);  // data_bindings.cpp: academy, features, typed events
    register_io(m);    // io_bindings.cpp: model files, pickling
    register_ranking(m);
    register_campaign(m);  // campaign.cpp: push campaigns
    register_allocation(m);  // allocation.cpp: after Ranker, which it takes
    register_xapi(m);  // xapi_bindings.cpp: xAPI statements, Ranker why-not
    register_path(m);  // path.cpp: learning paths
    register_text(m);  // text.cpp: after the Ranker and RankingRules it extends
    register_fresh(m);  // fresh.cpp: after AlsModel
    register_hybrid(m);  // hybrid.cpp: after FactorModel, from which HybridModel derives
}
