// Helpers shared by the translation units of learnrec._core: strict numpy views, the borrowed
// CSR wrapper, retrieval calls that release the GIL, and conversions back to numpy.
// Everything is inline so each binding file (module.cpp, hybrid.cpp, ranking.cpp, ...) can include it.
#pragma once

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
#include <type_traits>
#include <utility>
#include <vector>

#include "learnrec/data/events.hpp"
#include "learnrec/data/interactions.hpp"
#include "learnrec/detail/kernels.hpp"
#include "learnrec/data/csr.hpp"
#include "learnrec/error.hpp"
#include "learnrec/model/factor_model.hpp"
#include "learnrec/model/model.hpp"
#include "learnrec/retrieval/recommend.hpp"
#include "learnrec/retrieval/topk.hpp"

namespace learnrec::python {

namespace py = pybind11;
using namespace learnrec;

// ---- numpy helpers --------------------------------------------------------------------------

template <class T>
using CArray = py::array_t<T, py::array::c_style>;

/// `obj` as a 1-D C-contiguous array of exactly T, without conversion; TypeError otherwise.
template <class T>
inline CArray<T> strict_vector(const py::handle& obj, const char* name) {
    if (!py::isinstance<CArray<T>>(obj)) {
        const std::string got = py::isinstance<py::array>(obj)
                                    ? std::string(py::str(obj.attr("dtype"))) + " array"
                                    : std::string(py::str(py::type::of(obj).attr("__name__")));
        throw py::type_error(std::string(name) + " must be a C-contiguous numpy array of " +
                             std::string(py::str(py::dtype::of<T>())) + ", got " + got +
                             " (learnrec's Python layer converts before calling _core)");
    }
    auto a = py::reinterpret_borrow<CArray<T>>(obj);
    if (a.ndim() != 1)
        throw py::value_error(std::string(name) + " must be 1-dimensional, got " + std::to_string(a.ndim()) +
                              " dimensions");
    return a;
}

template <class T>
inline std::span<const T> span_of(const CArray<T>& a) {
    return {a.data(), static_cast<std::size_t>(a.size())};
}

/// Optional index list (None -> empty span, kept alive by the returned array).
struct IndexList {
    std::optional<CArray<index_t>> array;
    std::span<const index_t> span() const { return array ? span_of(*array) : std::span<const index_t>{}; }
};
inline IndexList optional_indices(const py::object& obj, const char* name) {
    IndexList out;
    if (!obj.is_none()) out.array = strict_vector<index_t>(obj, name);
    return out;
}

/// `compute()` with the GIL released (its result must not be a Python object).
template <class Compute>
auto released(Compute&& compute) {
    py::gil_scoped_release release;
    return compute();
}

/// Moves a vector into a numpy array (no copy): the array owns the vector through a capsule.
template <class T>
inline py::array_t<T> to_numpy(std::vector<T>&& v, std::vector<py::ssize_t> shape) {
    auto* owned = new std::vector<T>(std::move(v));
    py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>(std::move(shape), owned->data(), owner);
}

/// A read-only numpy view of a row-major matrix owned by `base` (the Python object keeping it alive).
inline py::array_t<float> readonly_view(const RowMatrix& m, py::handle base) {
    const auto rows = static_cast<py::ssize_t>(m.rows());
    const auto cols = static_cast<py::ssize_t>(m.cols());
    py::array_t<float> a({rows, cols},
                         {cols * static_cast<py::ssize_t>(sizeof(float)), static_cast<py::ssize_t>(sizeof(float))},
                         m.data(), base);
    a.attr("setflags")(py::arg("write") = false);
    return a;
}

inline py::array_t<float> readonly_view(const Vector& v, py::handle base) {
    py::array_t<float> a({static_cast<py::ssize_t>(v.size())}, {static_cast<py::ssize_t>(sizeof(float))}, v.data(),
                         base);
    a.attr("setflags")(py::arg("write") = false);
    return a;
}

/// Binds the read-only property `name` of model class M: a numpy view of what `get` returns
/// (a matrix or vector the model owns), keeping the model alive.
template <class Class, class M, class T>
void def_view(Class& cls, const char* name, const T& (M::*get)() const, const char* doc) {
    cls.def_property_readonly(
        name, [get](py::object self) { return readonly_view((self.cast<const M&>().*get)(), self); }, doc);
}

/// A row-major matrix moved into a numpy array (no copy).
inline py::array_t<float> to_numpy(RowMatrix&& m) {
    auto* owned = new RowMatrix(std::move(m));
    py::capsule owner(owned, [](void* p) { delete static_cast<RowMatrix*>(p); });
    const auto rows = static_cast<py::ssize_t>(owned->rows());
    const auto cols = static_cast<py::ssize_t>(owned->cols());
    return py::array_t<float>({rows, cols},
                              {cols * static_cast<py::ssize_t>(sizeof(float)), static_cast<py::ssize_t>(sizeof(float))},
                              owned->data(), owner);
}

/// Copies a 2-D float32 array into a RowMatrix (any strides).
inline RowMatrix to_row_matrix(const py::array_t<float, py::array::forcecast>& a, const char* name) {
    if (a.ndim() != 2) throw py::value_error(std::string(name) + " must be 2-dimensional");
    RowMatrix m(a.shape(0), a.shape(1));
    auto r = a.unchecked<2>();
    for (py::ssize_t i = 0; i < a.shape(0); ++i)
        for (py::ssize_t j = 0; j < a.shape(1); ++j) m(i, j) = r(i, j);
    return m;
}

/// The (ids, scores) pair of a TopK as numpy arrays of shape (queries, k), without copying.
inline py::tuple topk_to_numpy(TopK&& top) {
    const std::vector<py::ssize_t> shape{top.queries, top.k};
    auto ids = to_numpy(std::move(top.ids), shape);
    auto scores = to_numpy(std::move(top.scores), shape);
    return py::make_tuple(std::move(ids), std::move(scores));
}

inline index_t checked_dim(std::int64_t n, const char* what) {
    if (n < 0 || n > std::numeric_limits<index_t>::max())
        throw py::value_error(std::string(what) + " " + std::to_string(n) + " is outside [0, 2^31)");
    return static_cast<index_t>(n);
}

// ---- CSR -------------------------------------------------------------------------------------

/// A validated, borrowed CSR matrix: holds references to its numpy arrays.
struct PyCsr {
    CArray<offset_t> indptr;
    CArray<index_t> indices;
    CArray<float> data;
    CsrView view;
    std::string name;

    PyCsr(const py::object& indptr_obj, const py::object& indices_obj, const py::object& data_obj,
          std::pair<std::int64_t, std::int64_t> shape, std::string what)
        : indptr(strict_vector<offset_t>(indptr_obj, "indptr")),
          indices(strict_vector<index_t>(indices_obj, "indices")),
          data(strict_vector<float>(data_obj, "data")),
          name(std::move(what)) {
        view.rows = checked_dim(shape.first, "number of rows");
        view.cols = checked_dim(shape.second, "number of columns");
        view.indptr = span_of(indptr);
        view.indices = span_of(indices);
        view.data = span_of(data);
        // Shape consistency first (validate() reads indptr[0] and indptr.back()).
        if (view.indptr.size() != static_cast<std::size_t>(view.rows) + 1)
            LEARNREC_FAIL_AT("CsrView", "{}: indptr has {} entries, expected rows + 1 = {}", name,
                                                view.indptr.size(), static_cast<std::size_t>(view.rows) + 1);
        py::gil_scoped_release release;
        view.validate(name.c_str());
    }
};

// ---- retrieval -------------------------------------------------------------------------------

inline TopK run_topk(const Model& model, const QueryBlock& queries, index_t k, const CandidateFilter& filter, int threads,
              bool similar, bool reduced_precision = true) {
    if (!similar) return model_topk(model, queries, k, filter, threads, reduced_precision);
    return topk(queries.count, model.num_courses(), k,
                [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
                    model.score_similar(queries, q0, q1, c0, c1, out, ld);
                },
                filter, threads);
}

inline void check_exclusions(const PyCsr* exclude, std::size_t queries, index_t courses) {
    if (!exclude) return;
    LEARNREC_CHECK(static_cast<std::size_t>(exclude->view.rows) == queries,
                   "{} has {} rows but {} queries were given: pass one row per query", exclude->name,
                   exclude->view.rows, queries);
    LEARNREC_CHECK(exclude->view.cols == courses, "{} has {} columns but the model has {} courses", exclude->name,
                   exclude->view.cols, courses);
}

/// The frame of every top-k call: validates allow / deny (None or int32 indices), runs
/// `rank(allow, deny)` with the GIL released and hands its TopK to numpy without copying.
template <class Rank>
py::tuple released_topk(const py::object& allow_obj, const py::object& deny_obj, Rank&& rank) {
    const auto allow = optional_indices(allow_obj, "allow");
    const auto deny = optional_indices(deny_obj, "deny");
    TopK top;
    {
        py::gil_scoped_release release;
        top = rank(allow.span(), deny.span());
    }
    return topk_to_numpy(std::move(top));
}

inline RecommendOptions options_of(index_t k, std::span<const index_t> allow, std::span<const index_t> deny,
                                   int num_threads) {
    RecommendOptions options;
    options.k = k;
    options.allow = allow;
    options.deny = deny;
    options.num_threads = num_threads;
    return options;
}

inline py::tuple model_recommend(const Model& model, const py::object& learners_obj, const PyCsr* exclude, index_t k,
                                 const py::object& allow_obj, const py::object& deny_obj, int num_threads,
                                 bool reduced_precision) {
    const auto learners = strict_vector<index_t>(learners_obj, "learners");
    return released_topk(allow_obj, deny_obj, [&](auto allow, auto deny) {
        check_exclusions(exclude, static_cast<std::size_t>(learners.size()), model.num_courses());
        const QueryBlock queries = model.learner_queries(span_of(learners));
        // Row q of `exclude` belongs to query q (implicit's convention: user_items[userids]).
        const CandidateFilter filter{exclude ? &exclude->view : nullptr, {}, allow, deny, {}};
        return run_topk(model, queries, k, filter, num_threads, false, reduced_precision);
    });
}

inline py::tuple model_recommend_rows(const Model& model, const PyCsr& rows, bool exclude_own, index_t k,
                                      const py::object& allow_obj, const py::object& deny_obj, int num_threads) {
    return released_topk(allow_obj, deny_obj, [&](auto allow, auto deny) {
        return recommend_from_rows(model, rows.view, exclude_own, options_of(k, allow, deny, num_threads));
    });
}

inline py::tuple model_similar_courses(const Model& model, const py::object& courses_obj, index_t k,
                                       const py::object& allow_obj, const py::object& deny_obj, int num_threads) {
    const auto courses = strict_vector<index_t>(courses_obj, "courses");
    return released_topk(allow_obj, deny_obj, [&](auto allow, auto deny) {
        return similar_courses(model, span_of(courses), options_of(k, allow, deny, num_threads));
    });
}

/// Top-k courses of a factor model for learners given as embeddings (one row each, as many columns
/// as the model's embeddings); `exclude` has one row per embedding, or is None. What hybrid
/// cold start and learnrec.distributed's workers score with: the same fused kernel as recommend().
inline py::tuple factor_recommend_embeddings(const FactorModel& model,
                                             const py::array_t<float, py::array::forcecast>& embeddings,
                                             const std::optional<PyCsr>& exclude, index_t k,
                                             const py::object& allow_obj, const py::object& deny_obj,
                                             int num_threads) {
    RowMatrix e = to_row_matrix(embeddings, "embeddings");
    return released_topk(allow_obj, deny_obj, [&](auto allow, auto deny) {
        LEARNREC_CHECK(e.cols() == model.factors(), "embeddings have {} columns, the model has {} factors", e.cols(),
                       model.factors());
        LEARNREC_CHECK(e.allFinite(), "embeddings contain NaN or infinity");
        check_exclusions(exclude ? &*exclude : nullptr, static_cast<std::size_t>(e.rows()), model.num_courses());
        QueryBlock queries;
        queries.count = static_cast<index_t>(e.rows());
        queries.embeddings = std::move(e);
        const CandidateFilter filter{exclude ? &exclude->view : nullptr, {}, allow, deny, {}};
        return run_topk(model, queries, k, filter, num_threads, false);
    });
}

/// Rows scaled to unit length (zero rows stay zero: similar to nothing).
inline RowMatrix normalized_rows(RowMatrix m) {
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
        const float n = m.row(r).norm();
        if (n > 0.0f) m.row(r) /= n;
    }
    return m;
}

/// Cosine top-k of the given embeddings against the model's course embeddings.
inline py::tuple factor_similar_courses_to(const FactorModel& model, const py::array_t<float, py::array::forcecast>& emb,
                                           index_t k, const py::object& allow_obj, const py::object& deny_obj,
                                           int num_threads) {
    RowMatrix queries_raw = to_row_matrix(emb, "embeddings");
    return released_topk(allow_obj, deny_obj, [&](auto allow, auto deny) {
        LEARNREC_CHECK(queries_raw.cols() == model.factors(), "embeddings have {} columns, the model has {} factors",
                       queries_raw.cols(), model.factors());
        QueryBlock queries;
        queries.count = static_cast<index_t>(queries_raw.rows());
        queries.embeddings = normalized_rows(std::move(queries_raw));
        const CandidateFilter filter{nullptr, {}, allow, deny, {}};
        return run_topk(model, queries, k, filter, num_threads, true);
    });
}

/// Cosine similarity between learner embeddings: top-k learners for each given learner.
/// Costs O(learners * factors) per call for the norms, plus the scoring of a top-k.
inline py::tuple factor_similar_learners(const FactorModel& model, const py::object& learners_obj, index_t k,
                                         const py::object& allow_obj, const py::object& deny_obj, int num_threads) {
    const auto learners = strict_vector<index_t>(learners_obj, "learners");
    return released_topk(allow_obj, deny_obj, [&](auto allow, auto deny) {
        const RowMatrix& users = model.user_factors();
        const index_t n = model.num_learners();
        Vector inverse_norms(n);
        for (index_t u = 0; u < n; ++u) {
            const float norm = users.row(u).norm();
            inverse_norms[u] = norm > 0.0f ? 1.0f / norm : 0.0f;
        }
        const auto ls = span_of(learners);
        RowMatrix queries(static_cast<Eigen::Index>(ls.size()), users.cols());
        for (std::size_t i = 0; i < ls.size(); ++i) {
            LEARNREC_CHECK(ls[i] >= 0 && ls[i] < n, "learner index {} outside [0, {})", ls[i], n);
            queries.row(static_cast<Eigen::Index>(i)) = users.row(ls[i]) * inverse_norms[ls[i]];
        }
        const CandidateFilter filter{nullptr, {}, allow, deny, {}};
        return topk(static_cast<index_t>(ls.size()), n, k,
                    [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
                        detail::gemm_nt(queries, q0, q1 - q0, users, c0, c1 - c0, out, ld);
                        for (index_t q = q0; q < q1; ++q) {
                            float* row = out + static_cast<std::size_t>(q - q0) * ld;
                            for (index_t c = c0; c < c1; ++c) row[c - c0] *= inverse_norms[c];
                        }
                    },
                    filter, num_threads);
    });
}

/// `compute()` (a RowMatrix: embeddings folded in, placed from features, ...) with the GIL
/// released, moved into numpy.
template <class Compute>
py::array_t<float> released_matrix(Compute&& compute) {
    return to_numpy(released(std::forward<Compute>(compute)));
}

/// Binds `name(rows, num_threads=0)` of model class M: the member `method(view, threads)` giving
/// one embedding per row of a CsrView (fold-in, embeddings from features).
template <class Class, class M>
void def_rows_to_embeddings(Class& cls, const char* name, RowMatrix (M::*method)(const CsrView&, int) const,
                            const char* arg, const char* doc) {
    cls.def(
        name,
        [method](const M& mo, const PyCsr& rows, int num_threads) {
            return released_matrix([&] { return (mo.*method)(rows.view, num_threads); });
        },
        py::arg(arg), py::arg("num_threads") = 0, doc);
}

/// Binds `fit_<kind>(user_items, config)`: trains entirely in C++ with the GIL released.
template <class M, class Config, class... Rest>
void def_fit(py::module_& m, const char* name, M (*fit)(const CsrView&, const Config&, Rest...), const char* doc) {
    m.def(
        name,
        [fit](const PyCsr& user_items, const Config& config) {
            py::gil_scoped_release release;
            return std::make_shared<M>(fit(user_items.view, config, std::decay_t<Rest>{}...));
        },
        py::arg("user_items"), py::arg("config"), doc);
}

/// The constructor of a factor model class from its two factor matrices (copied) and its config.
template <class M, class Config>
auto factor_model_init() {
    return py::init([](const py::array_t<float, py::array::forcecast>& user_factors,
                       const py::array_t<float, py::array::forcecast>& item_factors, const Config& config) {
        return std::make_shared<M>(to_row_matrix(user_factors, "user_factors"),
                                   to_row_matrix(item_factors, "item_factors"), config);
    });
}

// ---- data ------------------------------------------------------------------------------------

/// (indptr int64, indices int32, data float32, (rows, cols)) arrays owning a copy-free move of `m`.
inline py::tuple csr_to_numpy(CsrMatrix&& m) {
    auto* owned = new CsrMatrix(std::move(m));
    py::capsule owner(owned, [](void* p) { delete static_cast<CsrMatrix*>(p); });
    auto arr = [&](const auto& v) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        // Writeable on purpose: scipy may sort or sum duplicates in place; nothing else reads `owned`.
        return py::array_t<T>({static_cast<py::ssize_t>(v.size())}, {static_cast<py::ssize_t>(sizeof(T))}, v.data(),
                              owner);
    };
    return py::make_tuple(arr(owned->indptr()), arr(owned->indices()), arr(owned->data()),
                          py::make_tuple(owned->rows(), owned->cols()));
}

/// A numpy column of n values get(0), ..., get(n - 1).
template <class T, class F>
py::array_t<T> column(std::size_t n, F&& get) {
    std::vector<T> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = get(i);
    return to_numpy(std::move(v), {static_cast<py::ssize_t>(n)});
}

/// Events as parallel arrays (learner, course int32; kind uint8; time int64; value float32).
inline py::dict events_to_python(const std::vector<LifecycleEvent>& events) {
    const auto n = events.size();
    py::dict out;
    out["learner"] = column<index_t>(n, [&](std::size_t k) { return events[k].learner; });
    out["course"] = column<index_t>(n, [&](std::size_t k) { return events[k].course; });
    out["kind"] = column<std::uint8_t>(n, [&](std::size_t k) { return static_cast<std::uint8_t>(events[k].kind); });
    out["time"] = column<timestamp_t>(n, [&](std::size_t k) { return events[k].time; });
    out["value"] = column<float>(n, [&](std::size_t k) { return events[k].value; });
    return out;
}

inline py::list id_list(const IdMap& ids) {
    py::list out(static_cast<std::size_t>(ids.size()));
    for (index_t i = 0; i < ids.size(); ++i) out[static_cast<std::size_t>(i)] = py::str(ids.id(i));
    return out;
}

inline py::dict interactions_to_python(Interactions&& in) {
    py::dict out;
    out["learner_ids"] = id_list(in.learners);
    out["course_ids"] = id_list(in.courses);
    if (in.has_timestamps())
        out["timestamps"] = to_numpy(std::move(in.timestamps), {static_cast<py::ssize_t>(in.matrix.nnz())});
    else
        out["timestamps"] = py::none();
    out["matrix"] = csr_to_numpy(std::move(in.matrix));
    return out;
}

}  // namespace learnrec::python
