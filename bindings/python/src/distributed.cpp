// learnrec._core — what learnrec.distributed's engine-neutral kernel needs beyond the model seam:
// top-k for learners given as embeddings (new learners scored on a worker from vectors computed
// elsewhere, e.g. by a Spark job) against any factor model, with per-learner exclusions.
// Registered by module.cpp after FactorModel.
#include "common.hpp"

namespace learnrec::python {
namespace {

py::tuple factor_recommend_embeddings(const FactorModel& model, const py::array_t<float, py::array::forcecast>& embeddings,
                                      const std::optional<PyCsr>& exclude, index_t k, const py::object& allow_obj,
                                      const py::object& deny_obj, int num_threads) {
    RowMatrix e = to_row_matrix(embeddings, "embeddings");
    const auto allow = optional_indices(allow_obj, "allow");
    const auto deny = optional_indices(deny_obj, "deny");
    TopK top;
    {
        py::gil_scoped_release release;
        LEARNREC_CHECK(e.cols() == model.factors(), "embeddings have {} columns, the model has {} factors", e.cols(),
                       model.factors());
        LEARNREC_CHECK(e.allFinite(), "embeddings contain NaN or infinity");
        check_exclusions(exclude ? &*exclude : nullptr, static_cast<std::size_t>(e.rows()), model.num_courses());
        QueryBlock queries;
        queries.count = static_cast<index_t>(e.rows());
        queries.embeddings = std::move(e);
        // Row q of `exclude` belongs to embedding q, as in Model.recommend.
        const CandidateFilter filter{exclude ? &exclude->view : nullptr, {}, allow.span(), deny.span(), {}};
        top = run_topk(model, queries, k, filter, num_threads, false);
    }
    return topk_to_numpy(std::move(top));
}

}  // namespace

void register_distributed(py::module_& m) {
    m.def("factor_recommend_embeddings", &factor_recommend_embeddings, py::arg("model"), py::arg("embeddings"),
          py::arg("exclude"), py::arg("k"), py::arg("allow") = py::none(), py::arg("deny") = py::none(),
          py::arg("num_threads") = 0,
          "Top-k courses of a factor model (ALS, BPR) for learners given as embeddings (queries x factors); "
          "exclude: a CsrView with one row per embedding, or None. Same fused kernel as Model.recommend.");
}

}  // namespace learnrec::python
