// learnrec._core — the pybind11 module behind the `learnrec` Python package: the borrowed CSR
// view, the model seam (Model, FactorModel), and the registration of every other area.
//
// Design:
//  - CsrView borrows the three numpy arrays of a CSR matrix (int64 indptr, int32 indices, float32
//    data, C-contiguous) and keeps them alive; it never converts. The Python layer
//    (learnrec._validation) converts scipy matrices to exactly those dtypes first, so a float32 /
//    int32 matrix reaches C++ without copying its O(nnz) arrays (indptr, O(rows), is converted to
//    int64 when scipy stores it as int32). Every CsrView is validated on construction, so nothing
//    downstream can index out of bounds.
//  - Models are exposed through the C++ seam: _core.Model (recommend / recommend_rows /
//    similar_courses for any model) and FactorModel (embeddings, similar learners) here; each model
//    kind in its own file (als.cpp, bpr.cpp, course_models.cpp, hybrid.cpp). They are immutable and
//    shared with numpy through shared_ptr holders: the factor arrays handed to Python point into the
//    model and keep it alive; they are read-only. Trainers share one binding (trainer.hpp).
//  - Every call that does real work releases the GIL. learnrec's OpenMP teams are sized per call
//    (num_threads), so nothing here changes process-wide thread state.
//  - learnrec::Error becomes learnrec.LearnrecError (a ValueError).
#include "common.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "learnrec/data/csr.hpp"
#include "learnrec/error.hpp"
#include "learnrec/model/factor_model.hpp"
#include "learnrec/model/model.hpp"

#ifndef LEARNREC_VERSION
#define LEARNREC_VERSION "unknown"
#endif

namespace py = pybind11;
using namespace learnrec;
using namespace learnrec::python;

// Defined in the other translation units of this module.
namespace learnrec::python {
void register_als(py::module_& m);            // als.cpp
void register_bpr(py::module_& m);            // bpr.cpp
void register_course_models(py::module_& m);  // course_models.cpp: popularity, EASE, GF-CF, item-kNN
void register_evaluation(py::module_& m);     // evaluation.cpp: splits and metrics
void register_hybrid(py::module_& m);         // hybrid.cpp
void register_io(py::module_& m);
void register_data(py::module_& m);
void register_ranking(py::module_& m);     // ranking.cpp
void register_campaign(py::module_& m);    // campaign.cpp
void register_allocation(py::module_& m);  // allocation.cpp
void register_xapi(py::module_& m);        // xapi_bindings.cpp
void register_path(py::module_& m);        // path.cpp
void register_text(py::module_& m);        // text.cpp
void register_fresh(py::module_& m);       // fresh.cpp
void register_distributed(py::module_& m);  // distributed.cpp
}  // namespace learnrec::python

PYBIND11_MODULE(_core, m) {
    m.doc() = "learnrec's C++ core (pybind11). Use the `learnrec` package; this module is its implementation.";
    m.attr("__version__") = LEARNREC_VERSION;
    // The package refuses a module whose pybind11 predates numpy 2's array layout (see __init__.py).
    m.attr("_pybind11_version") = py::make_tuple(PYBIND11_VERSION_MAJOR, PYBIND11_VERSION_MINOR);

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

    py::class_<FactorModel, Model, std::shared_ptr<FactorModel>> factor(m, "FactorModel",
                                                                        "A model scoring by dot products of embeddings.");
    def_view(factor, "user_factors", &FactorModel::user_factors,
             "Learner embeddings (learners x factors, float32): a read-only view of the model's memory.");
    def_view(factor, "item_factors", &FactorModel::item_factors,
             "Course embeddings (courses x factors, float32): a read-only view of the model's memory.");
    factor.def_property_readonly("factors", &FactorModel::factors, "Embedding dimension.")
        .def_property_readonly("panels_built", &FactorModel::panels_built,
                               "Whether the scoring copies of the course factors exist yet (a diagnostic: the "
                               "first recommend builds them, training and loading never do).")
        .def("similar_learners", &factor_similar_learners, py::arg("learners"), py::arg("k"),
             py::arg("allow") = py::none(), py::arg("deny") = py::none(), py::arg("num_threads") = 0,
             "Top-k learners by cosine similarity of learner embeddings (the learner itself included).")
        .def("similar_courses_to", &factor_similar_courses_to, py::arg("embeddings"), py::arg("k"),
             py::arg("allow") = py::none(), py::arg("deny") = py::none(), py::arg("num_threads") = 0,
             "Top-k courses by cosine similarity to arbitrary course embeddings (e.g. folded-in courses).");

    // ---- model kinds, then other areas (one translation unit each) ----------------------------
    register_als(m);            // after FactorModel, from which AlsModel derives
    register_bpr(m);
    register_course_models(m);
    register_evaluation(m);
    register_data(m);  // data_bindings.cpp: CSV, academy, features, typed events
    register_io(m);    // io_bindings.cpp: model files, pickling
    register_ranking(m);
    register_campaign(m);  // campaign.cpp: push campaigns
    register_allocation(m);  // allocation.cpp: after Ranker, which it takes
    register_xapi(m);  // xapi_bindings.cpp: xAPI statements, Ranker why-not
    register_path(m);  // path.cpp: learning paths
    register_text(m);  // text.cpp: after the Ranker and RankingRules it extends
    register_fresh(m);  // fresh.cpp: after AlsModel
    register_hybrid(m);  // hybrid.cpp: after FactorModel, from which HybridModel derives
    register_distributed(m);  // distributed.cpp: learnrec.distributed's kernel
}
