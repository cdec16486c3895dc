// learnrec — recommendations and similar courses for any Model, through the fused top-k.
//
// Thread safety: every function here is reentrant and only reads the model.
// Complexity: as topk(): O(learners * courses * d) for factor models, plus fold-in when used.
#pragma once

#include <limits>
#include <optional>
#include <span>

#include <algorithm>
#include <vector>

#include "learnrec/model/factor_model.hpp"
#include "learnrec/model/model.hpp"
#include "learnrec/retrieval/topk.hpp"

namespace learnrec {

namespace detail {

/// Queries up to this many are scored from the half-precision copy first (memory-bound regime)...
inline constexpr index_t kShortlistMaxQueries = 8;
/// ...when the float32 course factors are this large: below, they stay in cache and the shortlist's
/// fixed costs (a second pass over k' candidates) outweigh the bytes it saves (measured with
/// bench_topk: 10k courses x d 128, 5 MB, got slower; 100k courses x d 64, 26 MB, 3x faster).
inline constexpr std::size_t kShortlistMinBytes = std::size_t{8} << 20;

/// Exact top-k of a factor model for a few queries, moving half the bytes: a shortlist of
/// k' = 2k + 16 courses by half-precision scores, re-scored with the float32 kernel. With tau the
/// k'-th shortlisted approximate score and B the error bound of the half scores, any course left
/// out scores at most tau + B exactly; when the k-th exact score of the shortlist is above that,
/// the shortlist holds the exact top-k (ties included). Otherwise, or when no half copy exists,
/// std::nullopt: the caller scores exactly.
inline std::optional<TopK> factor_topk_shortlist(const FactorModel& model, const QueryBlock& queries, index_t k,
                                                 const CandidateFilter& filter, int num_threads) {
    const index_t courses = model.num_courses();
    const index_t d = model.factors();
    if (model.half_items().empty() || queries.count == 0 || d == 0) return std::nullopt;
    const index_t kp = std::min<index_t>(courses, 2 * k + 16);
    const TopK approx = topk(queries.count, courses, kp,
                             [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
                                 model.score_approximate(queries, q0, q1, c0, c1, out, ld);
                             },
                             filter, num_threads);
    TopK out;
    out.queries = queries.count;
    out.k = k;
    out.ids.assign(static_cast<std::size_t>(queries.count) * static_cast<std::size_t>(k), -1);
    out.scores.assign(out.ids.size(), -std::numeric_limits<float>::infinity());
    std::vector<float> panel(kPanel);
    std::vector<Candidate> exact;
    for (index_t q = 0; q < queries.count; ++q) {
        const auto ids = approx.ids_of(q);
        const auto scores = approx.scores_of(q);
        const index_t n = approx.count(q);
        exact.clear();
        for (index_t j = 0; j < n; ++j) {
            // The float32 kernel on the candidate's panel: the very score exact retrieval computes.
            const index_t c = ids[static_cast<std::size_t>(j)];
            const index_t p0 = c / kPanel * kPanel;
            model.score(queries, q, q + 1, p0, std::min<index_t>(p0 + kPanel, courses), panel.data(), kPanel);
            exact.push_back({panel[static_cast<std::size_t>(c - p0)], c});
        }
        std::sort(exact.begin(), exact.end(), ranks_before);
        const index_t take = std::min<index_t>(k, n);
        if (n == kp && take > 0) {  // courses may be left out: prove they cannot qualify
            const double tau = scores[static_cast<std::size_t>(kp - 1)];
            const double bound = half_score_error_bound(
                queries.embeddings.data() + static_cast<std::size_t>(q) * static_cast<std::size_t>(d), d,
                model.half_items().max_norm);
            if (!(static_cast<double>(exact[static_cast<std::size_t>(take - 1)].score) > tau + bound)) return std::nullopt;
        }
        for (index_t j = 0; j < take; ++j) {
            const auto o = static_cast<std::size_t>(q) * static_cast<std::size_t>(k) + static_cast<std::size_t>(j);
            out.ids[o] = exact[static_cast<std::size_t>(j)].id;
            out.scores[o] = exact[static_cast<std::size_t>(j)].score;
        }
    }
    return out;
}

}  // namespace detail

/// Exact top-k of any model's learner queries (the path every recommend call takes): a few
/// queries of a factor model go through the half-precision shortlist, everything else through
/// topk() with the model's scorer. Both give identical results.
inline TopK model_topk(const Model& model, const QueryBlock& queries, index_t k, const CandidateFilter& filter,
                       int num_threads) {
    const auto* factor = dynamic_cast<const FactorModel*>(&model);
    if (factor && queries.count <= detail::kShortlistMaxQueries &&
        static_cast<std::size_t>(factor->num_courses()) * static_cast<std::size_t>(factor->factors()) * sizeof(float) >=
            detail::kShortlistMinBytes) {
        LEARNREC_CHECK(k > 0, "k must be positive, got {}", k);
        if (auto shortlisted = detail::factor_topk_shortlist(*factor, queries, k, filter, num_threads))
            return std::move(*shortlisted);
    }
    return topk(queries.count, model.num_courses(), k,
                [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
                    model.score(queries, q0, q1, c0, c1, out, ld);
                },
                filter, num_threads);
}

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
    return model_topk(model, queries, options.k, filter, options.num_threads);
}

/// Top-k for learners given by interaction rows (new or updated learners): the model folds
/// them in, and their own courses are excluded when `exclude_own` is set.
inline TopK recommend_from_rows(const Model& model, const CsrView& rows, bool exclude_own = true,
                                const RecommendOptions& options = {}) {
    LEARNREC_CHECK(rows.cols == model.num_courses(), "rows have {} columns, the model has {} courses", rows.cols,
                   model.num_courses());
    const QueryBlock queries = model.fold_in(rows, options.num_threads);
    CandidateFilter filter{exclude_own ? &rows : nullptr, {}, options.allow, options.deny, options.predicate};
    return model_topk(model, queries, options.k, filter, options.num_threads);
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
