// learnrec — the model seam.
//
// Every model (ALS, popularity; BPR, EASE, item-kNN, hybrid later) presents this interface to
// retrieval, evaluation, persistence and serving. A trained model is an immutable value: all
// members are const, so one instance can be shared across threads as std::shared_ptr<const Model>.
//
// Scoring is split in two so retrieval never needs to know the model type:
//   1. the model turns learners into a QueryBlock (embeddings for factor models, history rows for
//      item-item models), either by index or by folding in interaction rows;
//   2. retrieval asks for score tiles (queries x a range of courses) and selects top-k in place.
// A model may also declare the form of its scores (scoring()): retrieval, ranking and tools then
// take the fast path that form allows without knowing the model's type.
// Thread safety: every const member function may be called concurrently.
#pragma once

#include <span>
#include <string_view>

#include "learnrec/data/csr.hpp"
#include "learnrec/error.hpp"
#include "learnrec/types.hpp"

namespace learnrec {

/// A batch of queries prepared by a model. Which member is used depends on the model.
struct QueryBlock {
    RowMatrix embeddings;  // factor models: one row per query
    CsrMatrix history;     // item-item models: one interaction row per query
    index_t count = 0;     // number of queries
};

class FactorModel;

/// How a model's scores are formed, for callers that can do better than score tiles: at most one
/// member is set; none for a model that is reached only through the seam (popularity, say).
/// Pointers refer into the model and live as long as it.
struct ScoringForm {
    /// Dot products of learner and course embeddings (ALS, BPR, hybrid): retrieval may shortlist
    /// in reduced precision, ranking compares course embeddings directly.
    const FactorModel* factors = nullptr;
    /// A dense course x course matrix B (EASE, GF-CF): score = history row x B, and course i's
    /// similarity to course j is B(i, j).
    const RowMatrix* course_matrix = nullptr;
    /// Sparse neighbours S, courses x courses (item-kNN): score = history row x S, and course i's
    /// similarity to course j is S(i, j) (0 when j is not among i's neighbours).
    const CsrMatrix* neighbours = nullptr;
};

class Model {
public:
    virtual ~Model() = default;

    /// Short type name ("als", "popularity", ...), used in files and messages.
    virtual std::string_view kind() const noexcept = 0;
    virtual index_t num_learners() const noexcept = 0;
    virtual index_t num_courses() const noexcept = 0;

    /// Queries for learners seen in training. Throws Error for an index out of range.
    virtual QueryBlock learner_queries(std::span<const index_t> learners) const = 0;

    /// Queries for learners known only by their interaction rows (num_courses() columns),
    /// e.g. new learners: the model's fold-in. Never looks learners up.
    virtual QueryBlock fold_in(const CsrView& rows, int num_threads = 0) const = 0;

    /// out[(q - q0) * ld + (c - c0)] = affinity of query q for course c, q in [q0, q1), c in [c0, c1).
    virtual void score(const QueryBlock& queries, index_t q0, index_t q1, index_t c0, index_t c1, float* out,
                       std::size_t ld) const = 0;

    /// Queries that represent courses, for course-to-course similarity.
    virtual QueryBlock course_queries(std::span<const index_t> courses) const = 0;

    /// Like score(), for course queries: similarity of each query course to courses [c0, c1).
    virtual void score_similar(const QueryBlock& queries, index_t q0, index_t q1, index_t c0, index_t c1, float* out,
                               std::size_t ld) const = 0;

    /// The form of this model's scores (see ScoringForm); the default declares none.
    virtual ScoringForm scoring() const noexcept { return {}; }

    /// Learner features the model embeds beside its ids (0, the default: none). A model with
    /// features places a learner known only by a profile: fold_in_with_features.
    virtual index_t learner_features() const noexcept { return 0; }

    /// fold_in() for learners with feature rows as well (learners x learner_features() columns).
    /// The default serves models without learner features and takes zero feature columns only.
    virtual QueryBlock fold_in_with_features(const CsrView& rows, const CsrView& features, int num_threads = 0) const {
        LEARNREC_CHECK(features.cols == 0, "the {} model embeds no learner features, got {} feature columns", kind(),
                       features.cols);
        return fold_in(rows, num_threads);
    }

protected:
    Model() = default;
    Model(const Model&) = default;
    Model(Model&&) = default;
    Model& operator=(const Model&) = default;
    Model& operator=(Model&&) = default;
};

}  // namespace learnrec
