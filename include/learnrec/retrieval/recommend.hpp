// learnrec — recommendations and similar courses for any Model, through the fused top-k.
//
// Thread safety: every function here is reentrant and only reads the model.
// Complexity: as topk(): O(learners * courses * d) for factor models, plus fold-in when used.
#pragma once

#include <span>

#include "learnrec/model/model.hpp"
#include "learnrec/retrieval/topk.hpp"

namespace learnrec {

struct RecommendOptions {
    index_t k = 10;
    /// Courses never to return for any learner / the only ones to return (empty: all).
    std::span<const index_t> deny;
    std::span<const index_t> allow;
    /// Per-learner eligibility, called with (position of the learner in the request, course).
    CoursePredicate predicate;
    int num_threads = 0;
};

/// Top-k for learners seen in training. When `history` is given (learners x courses, typically
/// the training matrix), each learner's own row of it is excluded: "already taken".
inline TopK recommend(const Model& model, std::span<const index_t> learners, const CsrView* history,
                      const RecommendOptions& options = {}) {
    if (history)
        LEARNREC_CHECK(history->rows == model.num_learners() && history->cols == model.num_courses(),
                       "history is {} x {} but the model has {} learners x {} courses", history->rows, history->cols,
                       model.num_learners(), model.num_courses());
    const QueryBlock queries = model.learner_queries(learners);
    CandidateFilter filter{history, history ? learners : std::span<const index_t>{}, options.allow, options.deny,
                           options.predicate};
    return topk(queries.count, model.num_courses(), options.k,
                [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
                    model.score(queries, q0, q1, c0, c1, out, ld);
                },
                filter, options.num_threads);
}

/// Top-k for learners given by interaction rows (new or updated learners): the model folds
/// them in, and their own courses are excluded when `exclude_own` is set.
inline TopK recommend_from_rows(const Model& model, const CsrView& rows, bool exclude_own = true,
                                const RecommendOptions& options = {}) {
    LEARNREC_CHECK(rows.cols == model.num_courses(), "rows have {} columns, the model has {} courses", rows.cols,
                   model.num_courses());
    const QueryBlock queries = model.fold_in(rows, options.num_threads);
    CandidateFilter filter{exclude_own ? &rows : nullptr, {}, options.allow, options.deny, options.predicate};
    return topk(queries.count, model.num_courses(), options.k,
                [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
                    model.score(queries, q0, q1, c0, c1, out, ld);
                },
                filter, options.num_threads);
}

/// Most similar courses to each given course (cosine for factor models); the course itself is
/// included, as in implicit, unless denied.
inline TopK similar_courses(const Model& model, std::span<const index_t> courses, const RecommendOptions& options = {}) {
    const QueryBlock queries = model.course_queries(courses);
    CandidateFilter filter{nullptr, {}, options.allow, options.deny, options.predicate};
    return topk(queries.count, model.num_courses(), options.k,
                [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
                    model.score_similar(queries, q0, q1, c0, c1, out, ld);
                },
                filter, options.num_threads);
}

}  // namespace learnrec
