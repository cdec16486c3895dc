// learnrec._core — the hybrid (ids + features) model: HybridConfig, HybridTrainer, HybridModel.
// Registered by module.cpp after FactorModel, from which HybridModel derives.
#include <memory>
#include <optional>

#include "common.hpp"
#include "config.hpp"
#include "trainer.hpp"
#include "learnrec/model/hybrid.hpp"
#include "learnrec/model/update.hpp"

namespace learnrec::python {
namespace {

const CsrView* optional_view(const std::optional<PyCsr>& m) { return m ? &m->view : nullptr; }

}  // namespace

void register_hybrid(py::module_& m) {
    py::enum_<HybridLoss>(m, "HybridLoss", "Ranking loss of the hybrid model.")
        .value("warp", HybridLoss::warp, "weighted approximate-rank pairwise (LightFM's default)")
        .value("bpr", HybridLoss::bpr, "Bayesian personalised ranking");

    bind_config(m, "HybridConfig", "Hyperparameters of the hybrid model (learnrec::HybridConfig).",
                field("factors", &HybridConfig::factors, "Latent factors, not counting the bias column."),
                field("loss", &HybridConfig::loss, "HybridLoss.warp or HybridLoss.bpr."),
                field("learning_rate", &HybridConfig::learning_rate, "Adagrad's base learning rate."),
                field("user_alpha", &HybridConfig::user_alpha, "L2 penalty on learner table rows, per touch."),
                field("item_alpha", &HybridConfig::item_alpha, "L2 penalty on course table rows, per touch."),
                field("max_sampled", &HybridConfig::max_sampled, "WARP: most negatives drawn per positive."),
                field("iterations", &HybridConfig::iterations, "Epochs."),
                field("use_user_ids", &HybridConfig::use_user_ids, "An id embedding per training learner."),
                field("use_item_ids", &HybridConfig::use_item_ids, "An id embedding per training course."),
                field("normalize_features", &HybridConfig::normalize_features,
                      "Scale each (id + features) row to sum 1."),
                field("fold_in_regularization", &HybridConfig::fold_in_regularization,
                      "Pull of a folded-in learner's residual toward its feature embedding."),
                field("fold_in_epochs", &HybridConfig::fold_in_epochs, "Passes over a learner's row in fold-in."),
                field("seed", &HybridConfig::seed, "Seed of the initialisation and the samplers."),
                field("num_threads", &HybridConfig::num_threads, "Threads (0 = every processor; 1 = deterministic)."))
        .def_property_readonly("columns", &HybridConfig::columns, "Columns of the representations (factors + bias).");

    py::class_<HybridIterationInfo>(m, "HybridIterationInfo", "What one hybrid epoch reports.")
        .def_readonly("iteration", &HybridIterationInfo::iteration, "1-based epoch number.")
        .def_readonly("seconds", &HybridIterationInfo::seconds, "Wall time of the epoch.")
        .def_readonly("violations", &HybridIterationInfo::violations, "Fraction of positives that got an update.")
        .def_readonly("loss", &HybridIterationInfo::loss, "Mean loss of the updated triples before their update.")
        .def_readonly("samples", &HybridIterationInfo::samples, "Negatives drawn.")
        .def("__repr__", [](const HybridIterationInfo& i) {
            return fmt::format("HybridIterationInfo(iteration={}, seconds={:.4f}, violations={:.4f}, loss={:.4f}, "
                               "samples={})",
                               i.iteration, i.seconds, i.violations, i.loss, i.samples);
        });

    py::class_<HybridModel, FactorModel, std::shared_ptr<HybridModel>> hybrid(m, "HybridModel", R"doc(
A trained hybrid model: learner and course embeddings are sums of id and feature embeddings.
user_factors / item_factors are the precomputed representations of the training learners and the
model's courses ([x, 1] and [y, bias]); user_table / item_table the id rows (when used) followed by
the feature rows.)doc");
    def_rows_to_embeddings(hybrid, "learner_embeddings_from_features", &HybridModel::learner_embeddings_from_features,
                           "features", "[x, 1] representations of learners known only by their features (no id "
                           "embedding).");
    def_rows_to_embeddings(hybrid, "course_embeddings_from_features", &HybridModel::course_embeddings_from_features,
                           "features", "[y, bias] representations of courses known only by their features (no id "
                           "embedding).");
    def_view(hybrid, "user_table", &HybridModel::user_table, "Learner embedding table (float32, read-only view).");
    def_view(hybrid, "item_table", &HybridModel::item_table, "Course embedding table, bias last (float32, read-only view).");
    hybrid.def_property_readonly("config", &HybridModel::config, "The HybridConfig it was trained with.")
        .def_property_readonly("user_features", &HybridModel::user_features, "Learner features (columns).")
        .def_property_readonly("item_features", &HybridModel::item_features, "Course features (columns).")
        .def_property_readonly("trained_courses", &HybridModel::trained_courses,
                               "Courses present in training (the first ones; later ones came from with_courses).")
        .def(
            "with_courses",
            [](const HybridModel& mo, const PyCsr& features, int num_threads) {
                py::gil_scoped_release release;
                return std::make_shared<HybridModel>(mo.with_courses(features.view, num_threads));
            },
            py::arg("features"), py::arg("num_threads") = 0,
            "A new model with these courses appended, placed from their features.")
        .def(
            "fold_in_learners",
            [](const HybridModel& mo, const PyCsr& rows, int num_threads, const std::optional<PyCsr>& features) {
                return released_matrix([&] { return mo.fold_in_learners(rows.view, optional_view(features), num_threads); });
            },
            py::arg("rows"), py::arg("num_threads") = 0, py::arg("features") = py::none(),
            "Learner representations fitted to interaction rows on top of their features (None: zero features).")
        .def(
            "partial_fit_learners",
            [](const HybridModel& mo, const py::handle& indices, const PyCsr& rows, const std::optional<PyCsr>& features,
               int num_threads) {
                const auto idx = strict_vector<index_t>(indices, "indices");
                py::gil_scoped_release release;
                return std::make_shared<HybridModel>(
                    hybrid_partial_fit_learners(mo, span_of(idx), rows.view, optional_view(features), num_threads));
            },
            py::arg("indices"), py::arg("rows"), py::arg("features") = py::none(), py::arg("num_threads") = 0,
            "A new model with learners indices[i] re-fitted from rows[i] (and features) by fold-in.")
        .def(
            "partial_fit_courses",
            [](const HybridModel& mo, const py::handle& indices, const std::optional<PyCsr>& features,
               const std::optional<PyCsr>& user_items, int num_threads) {
                const auto idx = strict_vector<index_t>(indices, "indices");
                py::gil_scoped_release release;
                return std::make_shared<HybridModel>(hybrid_partial_fit_courses(
                    mo, span_of(idx), optional_view(features), optional_view(user_items), num_threads));
            },
            py::arg("indices"), py::arg("features") = py::none(), py::arg("user_items") = py::none(),
            py::arg("num_threads") = 0,
            "A new model with courses indices[i] re-placed from features[i] and/or fitted to their positives in "
            "user_items (learners x courses); new indices follow the model's courses.")
        .def("recommend_embeddings", &factor_recommend_embeddings, py::arg("embeddings"), py::arg("exclude"), py::arg("k"),
             py::arg("allow") = py::none(), py::arg("deny") = py::none(), py::arg("num_threads") = 0,
             "Top-k courses for given [x, 1] learner representations; exclude: a CsrView with one row per "
             "embedding, or None.");

    m.def(
        "hybrid_from_factors",
        [](const py::array_t<float, py::array::forcecast>& user_factors,
           const py::array_t<float, py::array::forcecast>& item_factors, const std::optional<PyCsr>& user_features,
           const std::optional<PyCsr>& item_features, const HybridConfig& config, float ridge) {
            RowMatrix users = to_row_matrix(user_factors, "user_factors");
            RowMatrix items = to_row_matrix(item_factors, "item_factors");
            py::gil_scoped_release release;
            return std::make_shared<HybridModel>(hybrid_from_factors(users, items, optional_view(user_features),
                                                                     optional_view(item_features), config, ridge));
        },
        py::arg("user_factors"), py::arg("item_factors"), py::arg("user_features"), py::arg("item_features"),
        py::arg("config"), py::arg("ridge") = 1.0f,
        "The least-squares hybrid variant (learnrec::hybrid_from_factors): feature embeddings by ridge regression "
        "of trained factors (e.g. ALS) on the features, id embeddings the remainders.");

    bind_trainer<HybridTrainer>(m, "HybridTrainer",
                                {R"doc(
Stepwise hybrid training (learnrec::HybridTrainer). One epoch per step(), GIL released; Hogwild
over num_threads threads (deterministic with 1). Feature matrices may be None (ids only on that side).)doc",
                                 "Runs one epoch and returns its HybridIterationInfo.",
                                 "The model trained so far (copies the embedding tables; training can continue).",
                                 "The model trained so far, moving the embedding tables out; the trainer cannot be "
                                 "used afterwards.",
                                 "Epochs run so far."})
        .def(py::init([](const PyCsr& user_items, const std::optional<PyCsr>& user_features,
                         const std::optional<PyCsr>& item_features, const HybridConfig& config) {
                 // The trainer copies what it needs from its inputs: nothing stays borrowed.
                 return std::make_unique<PyTrainer<HybridTrainer>>("HybridTrainer", std::nullopt, [&] {
                     return std::make_unique<HybridTrainer>(user_items.view, optional_view(user_features),
                                                            optional_view(item_features), config);
                 });
             }),
             py::arg("user_items"), py::arg("user_features"), py::arg("item_features"), py::arg("config"));
}

}  // namespace learnrec::python
