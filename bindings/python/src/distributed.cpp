// learnrec._core — what learnrec.distributed's engine-neutral kernel needs beyond the model seam:
// top-k for learners given as embeddings (new learners scored on a worker from vectors computed
// elsewhere, e.g. by a Spark job) against any factor model, with per-learner exclusions.
// Registered by module.cpp after FactorModel; the body is common.hpp's, shared with the hybrid.
#include "common.hpp"

namespace learnrec::python {

void register_distributed(py::module_& m) {
    m.def("factor_recommend_embeddings", &factor_recommend_embeddings, py::arg("model"), py::arg("embeddings"),
          py::arg("exclude"), py::arg("k"), py::arg("allow") = py::none(), py::arg("deny") = py::none(),
          py::arg("num_threads") = 0,
          "Top-k courses of a factor model (ALS, BPR) for learners given as embeddings (queries x factors); "
          "exclude: a CsrView with one row per embedding, or None. Same fused kernel as Model.recommend.");
}

}  // namespace learnrec::python
