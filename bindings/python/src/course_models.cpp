// learnrec._core — models that score from course statistics or a course-by-course matrix:
// PopularityModel, ItemItemModel (EASE, GF-CF) and ItemKnnModel. Registered by module.cpp after Model.
#include <cstddef>
#include <memory>

#include "common.hpp"
#include "config.hpp"
#include "learnrec/model/ease.hpp"
#include "learnrec/model/gfcf.hpp"
#include "learnrec/model/item_item.hpp"
#include "learnrec/model/item_knn.hpp"
#include "learnrec/model/popularity.hpp"

namespace learnrec::python {

void register_course_models(py::module_& m) {
    py::class_<PopularityModel, Model, std::shared_ptr<PopularityModel>> popularity(
        m, "PopularityModel", "Most-popular baseline: courses ranked by learners with positive feedback.");
    popularity.def_static(
        "fit",
        [](const PyCsr& user_items) {
            py::gil_scoped_release release;
            return std::make_shared<PopularityModel>(PopularityModel::fit(user_items.view));
        },
        py::arg("user_items"), "Counts learners with a positive weight per course.");
    def_view(popularity, "popularity", &PopularityModel::popularity, "Per-course popularity (float32, read-only view).");

    py::class_<ItemItemModel, Model, std::shared_ptr<ItemItemModel>> item_item(m, "ItemItemModel", R"doc(
A model scoring through a dense course x course matrix B: score(c) = sum over the learner's row
(i, w) of w * B[i, c]. Fold-in is exact and free (the row is the query).)doc");
    def_view(item_item, "item_weights", &ItemItemModel::item_weights,
             "B (courses x courses, float32): a read-only view of the model's memory.");

    py::enum_<EaseWeights>(m, "EaseWeights", "How EASE turns interaction weights into X.")
        .value("binary", EaseWeights::binary, "positive feedback -> 1, negative feedback left out")
        .value("as_given", EaseWeights::as_given, "the weights as they are (negative feedback kept)");

    bind_config(m, "EaseConfig", "Hyperparameters of EASE (learnrec::EaseConfig).",
                field("lambda_", &EaseConfig::lambda, "L2 penalty added to the Gram matrix's diagonal."),
                field("weights", &EaseConfig::weights, "EaseWeights.binary or .as_given."),
                field("num_threads", &EaseConfig::num_threads, "Threads (0 = every processor)."),
                field("memory_budget_bytes", &EaseConfig::memory_budget_bytes,
                      "Memory budget for the dense matrix (0: three quarters of physical memory)."));

    // config() is inherited from ConfiguredItemItemModel<Config>, which Python does not know: bound
    // through a lambda on the derived class (pybind11 before 2.11 takes the base as `self`'s type).
    py::class_<EaseModel, ItemItemModel, std::shared_ptr<EaseModel>>(m, "EaseModel", "A trained EASE model.")
        .def_property_readonly(
            "config", [](const EaseModel& mo) { return mo.config(); }, "The EaseConfig it was trained with.");

    def_fit(m, "fit_ease", &fit_ease,
            "learnrec::fit_ease: B = I - P / diag(P) with P = (X'X + lambda I)^-1 (O(courses^3)).");

    bind_config(m, "GfcfConfig", "Hyperparameters of GF-CF (learnrec::GfcfConfig).",
                field("alpha", &GfcfConfig::alpha, "Weight of the ideal low-pass term (0: linear filter only)."),
                field("rank", &GfcfConfig::rank, "Singular vectors in the ideal low-pass filter."),
                field("oversample", &GfcfConfig::oversample, "Extra range-finder columns."),
                field("power_iterations", &GfcfConfig::power_iterations, "Range-finder power iterations."),
                field("seed", &GfcfConfig::seed, "Seed of the randomized range finder."),
                field("num_threads", &GfcfConfig::num_threads, "Threads (0 = every processor)."),
                field("memory_budget_bytes", &GfcfConfig::memory_budget_bytes,
                      "Memory budget for the dense matrix (0: three quarters of physical memory)."));

    py::class_<GfcfModel, ItemItemModel, std::shared_ptr<GfcfModel>>(m, "GfcfModel", "A trained GF-CF model.")
        .def_property_readonly(
            "config", [](const GfcfModel& mo) { return mo.config(); }, "The GfcfConfig it was trained with.");

    def_fit(m, "fit_gfcf", &fit_gfcf,
            "learnrec::fit_gfcf: linear filter plus alpha times the rank-`rank` ideal low-pass filter.");

    py::enum_<ItemKnnWeighting>(m, "ItemKnnWeighting", "Weighting of the course vectors in item-kNN.")
        .value("none", ItemKnnWeighting::none, "the values themselves (implicit's CosineRecommender)")
        .value("tfidf", ItemKnnWeighting::tfidf, "TF-IDF (implicit's TFIDFRecommender)")
        .value("bm25", ItemKnnWeighting::bm25, "BM25 (implicit's BM25Recommender)");

    bind_config(m, "ItemKnnConfig", "Hyperparameters of item-kNN (learnrec::ItemKnnConfig).",
                field("neighbours", &ItemKnnConfig::neighbours, "K: neighbours kept per course (itself included)."),
                field("weighting", &ItemKnnConfig::weighting, "ItemKnnWeighting.none, .tfidf or .bm25."),
                field("bm25_k1", &ItemKnnConfig::bm25_k1, "BM25 term saturation."),
                field("bm25_b", &ItemKnnConfig::bm25_b, "BM25 length normalisation."),
                field("binary", &ItemKnnConfig::binary, "Positive weights -> 1 (else kept as given)."),
                field("normalize", &ItemKnnConfig::normalize, "Cosine (else the dot product)."),
                field("num_threads", &ItemKnnConfig::num_threads, "Threads (0 = every processor)."));

    py::class_<ItemKnnModel, Model, std::shared_ptr<ItemKnnModel>>(
        m, "ItemKnnModel", "A trained item-kNN model: a sparse course x course neighbour matrix S.")
        .def_property_readonly("config", &ItemKnnModel::config, "The ItemKnnConfig it was trained with.")
        .def_property_readonly(
            "similarity",
            [](const ItemKnnModel& mo) { return csr_to_numpy(CsrMatrix::copy_of(mo.similarity())); },
            "S as (indptr, indices, data, shape) arrays (a copy): row i = neighbours of course i.");

    def_fit(m, "fit_item_knn", &fit_item_knn,
            "learnrec::fit_item_knn: keeps the K most similar courses of every course.");
}

}  // namespace learnrec::python
