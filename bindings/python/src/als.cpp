// learnrec._core — implicit ALS: AlsConfig, AlsModel (fold-in, incremental updates), AlsTrainer, fit_als.
// Registered by module.cpp after FactorModel, from which AlsModel derives.
#include <cstdint>
#include <memory>

#include "common.hpp"
#include "config.hpp"
#include "trainer.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/model/update.hpp"

namespace learnrec::python {
namespace {

using PyAls = PyTrainer<AlsTrainer>;

std::uintptr_t address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

/// Binds `name(indices, <rows_arg>, num_threads=0)`: a new model with the listed learners or
/// courses re-solved from their rows (`update(model, indices, view, threads)`).
template <class Class>
void def_partial_fit(Class& cls, const char* name,
                     AlsModel (*update)(const AlsModel&, std::span<const index_t>, const CsrView&, int),
                     const char* rows_arg, const char* doc) {
    cls.def(
        name,
        [update](const AlsModel& mo, const py::handle& indices, const PyCsr& rows, int num_threads) {
            const auto idx = strict_vector<index_t>(indices, "indices");
            py::gil_scoped_release release;
            return std::make_shared<AlsModel>(update(mo, span_of(idx), rows.view, num_threads));
        },
        py::arg("indices"), py::arg(rows_arg), py::arg("num_threads") = 0, doc);
}

}  // namespace

void register_als(py::module_& m) {
    py::enum_<AlsSolver>(m, "AlsSolver", "Least-squares solver of each ALS half-step.")
        .value("cg", AlsSolver::cg, "cg_steps of conjugate gradient, warm-started (implicit's default)")
        .value("cholesky", AlsSolver::cholesky, "exact solve per row");

    bind_config(m, "AlsConfig", "Hyperparameters of implicit ALS (learnrec::AlsConfig).",
                field("factors", &AlsConfig::factors, "Embedding dimension."),
                field("regularization", &AlsConfig::regularization, "L2 regularization."),
                field("alpha", &AlsConfig::alpha, "Confidence scale: c = alpha * |weight|."),
                field("iterations", &AlsConfig::iterations, "Number of iterations (fit_als)."),
                field("solver", &AlsConfig::solver, "AlsSolver.cg or AlsSolver.cholesky."),
                field("cg_steps", &AlsConfig::cg_steps, "Conjugate-gradient steps per row solve."),
                field("seed", &AlsConfig::seed, "Seed of the factor initialisation."),
                field("num_threads", &AlsConfig::num_threads, "Threads per call (0 = every processor)."),
                field("calculate_loss", &AlsConfig::calculate_loss, "Compute the training loss each iteration."));

    py::class_<IterationInfo>(m, "IterationInfo", "What one ALS iteration reports.")
        .def_readonly("iteration", &IterationInfo::iteration, "1-based iteration number.")
        .def_readonly("seconds", &IterationInfo::seconds, "Wall time of the iteration.")
        .def_readonly("loss", &IterationInfo::loss, "Normalised training loss (NaN when not calculated).")
        .def("__repr__", [](const IterationInfo& i) {
            return fmt::format("IterationInfo(iteration={}, seconds={:.4f}, loss={})", i.iteration, i.seconds, i.loss);
        });

    py::class_<AlsModel, FactorModel, std::shared_ptr<AlsModel>> als(m, "AlsModel", "A trained implicit ALS model.");
    als.def(factor_model_init<AlsModel, AlsConfig>(), py::arg("user_factors"), py::arg("item_factors"),
            py::arg("config"), "Builds a model from factor matrices (copied), e.g. loaded from disk.")
        .def_property_readonly("config", &AlsModel::config, "The AlsConfig it was trained with.");
    def_rows_to_embeddings(als, "fold_in_learners", &AlsModel::fold_in_learners, "rows",
                           "Learner embeddings solved exactly from interaction rows over courses (one per row).");
    def_rows_to_embeddings(als, "fold_in_courses", &AlsModel::fold_in_courses, "rows",
                           "Course embeddings solved exactly from interaction rows over learners (one per row).");
    def_partial_fit(als, "partial_fit_learners", &als_partial_fit_learners, "rows",
                    "A new model with learners indices[i] solved from rows[i] against the fixed courses (new "
                    "indices grow it).");
    def_partial_fit(als, "partial_fit_courses", &als_partial_fit_courses, "columns",
                    "A new model with courses indices[i] solved from columns[i] (over learners) against the fixed "
                    "learners.");

    bind_trainer<AlsTrainer>(m, "AlsTrainer",
                             {R"doc(
Stepwise implicit ALS training (learnrec::AlsTrainer). Borrows the CsrView's arrays (no copy of
the interactions; the transpose is built once). One iteration per step(), GIL released.)doc",
                              "Runs one iteration (learners then courses) and returns its IterationInfo.",
                              "The model trained so far (copies the factors; training can continue).",
                              "The model trained so far, moving the factors out; the trainer cannot be used afterwards.",
                              "Iterations run so far."})
        .def(py::init([](const PyCsr& user_items, const AlsConfig& config) {
                 return std::make_unique<PyAls>("AlsTrainer", user_items, [&] {
                     return std::make_unique<AlsTrainer>(user_items.view, config);
                 });
             }),
             py::arg("user_items"), py::arg("config"))
        .def(
            "loss", [](PyAls& t) { return t.with([](AlsTrainer& a) { return a.loss(); }); },
            py::call_guard<py::gil_scoped_release>(), "Current training loss.")
        .def(
            "data_pointer", [](const PyAls& t) { return address(t.input().view.data.data()); },
            "Address of the weights the trainer reads.")
        .def(
            "indices_pointer", [](const PyAls& t) { return address(t.input().view.indices.data()); },
            "Address of the column indices the trainer reads.")
        .def(
            "indptr_pointer", [](const PyAls& t) { return address(t.input().view.indptr.data()); },
            "Address of the row pointers the trainer reads.");

    def_fit(m, "fit_als", &fit_als,
            "Trains implicit ALS entirely in C++ (learnrec::fit_als), for `config.iterations` iterations.");
}

}  // namespace learnrec::python
