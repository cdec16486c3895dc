// learnrec._core — BPR matrix factorisation: BprConfig, BprModel, BprTrainer, fit_bpr.
// Registered by module.cpp after FactorModel, from which BprModel derives.
#include <cstdint>
#include <memory>

#include "common.hpp"
#include "config.hpp"
#include "trainer.hpp"
#include "learnrec/model/bpr.hpp"

namespace learnrec::python {

void register_bpr(py::module_& m) {
    py::enum_<BprNegativeSampling>(m, "BprNegativeSampling", "How BPR draws negative courses.")
        .value("uniform", BprNegativeSampling::uniform, "every course equally likely (Rendle et al.)")
        .value("popularity", BprNegativeSampling::popularity, "in proportion to the course's positives (implicit)");

    bind_config(m, "BprConfig", "Hyperparameters of BPR matrix factorisation (learnrec::BprConfig).",
                field("factors", &BprConfig::factors, "Latent factors, not counting the bias column."),
                field("learning_rate", &BprConfig::learning_rate, "SGD learning rate."),
                field("regularization", &BprConfig::regularization, "L2 penalty on every updated parameter."),
                field("iterations", &BprConfig::iterations, "Epochs (fit_bpr)."),
                field("negatives", &BprConfig::negatives, "Negative samples per positive and epoch."),
                field("sampling", &BprConfig::sampling, "BprNegativeSampling.uniform or .popularity."),
                field("verify_negative_samples", &BprConfig::verify_negative_samples,
                      "Skip negatives the learner has as positives."),
                field("item_bias", &BprConfig::item_bias, "Learn a course bias (an extra factor column)."),
                field("fold_in_epochs", &BprConfig::fold_in_epochs, "SGD epochs over a new learner's row."),
                field("seed", &BprConfig::seed, "Seed of the initialisation and the samplers."),
                field("num_threads", &BprConfig::num_threads, "Threads (0 = every processor; 1 = deterministic)."))
        .def_property_readonly("columns", &BprConfig::columns, "Columns of the factor matrices (factors + bias).");

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

    py::class_<BprModel, FactorModel, std::shared_ptr<BprModel>> bpr(
        m, "BprModel", "A trained BPR model (the last factor column is the course bias; learners' is 1).");
    bpr.def(factor_model_init<BprModel, BprConfig>(), py::arg("user_factors"), py::arg("item_factors"),
            py::arg("config"),
            "Builds a model from factor matrices (copied; config.columns() wide), e.g. loaded from disk.")
        .def_property_readonly("config", &BprModel::config, "The BprConfig it was trained with.");
    def_rows_to_embeddings(bpr, "fold_in_learners", &BprModel::fold_in_learners, "rows",
                           "Learner embeddings fitted by SGD to interaction rows with the course factors fixed "
                           "(deterministic per row).");

    bind_trainer<BprTrainer>(m, "BprTrainer",
                             {R"doc(
Stepwise BPR training (learnrec::BprTrainer). One epoch per step(), GIL released; Hogwild over
num_threads threads (deterministic with 1).)doc",
                              "Runs one epoch and returns its BprIterationInfo.",
                              "The model trained so far (copies the factors; training can continue).",
                              "The model trained so far, moving the factors out; the trainer cannot be used afterwards.",
                              "Epochs run so far."})
        .def(py::init([](const PyCsr& user_items, const BprConfig& config) {
                 // BPR copies the positives in its constructor: nothing stays borrowed.
                 return std::make_unique<PyTrainer<BprTrainer>>("BprTrainer", std::nullopt, [&] {
                     return std::make_unique<BprTrainer>(user_items.view, config);
                 });
             }),
             py::arg("user_items"), py::arg("config"));

    def_fit(m, "fit_bpr", &fit_bpr, "Trains BPR entirely in C++ (learnrec::fit_bpr), for `config.iterations` epochs.");
}

}  // namespace learnrec::python
