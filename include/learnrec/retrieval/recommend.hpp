// learnrec — recommendations and similar courses for any Model, through the fused top-k.
//
// Thread safety: every function here is reentrant and only reads the model.
// Complexity: as topk(): O(learners * courses * d) for factor models, plus fold-in when used.
#pragma once

#include <limits>
#include <optional>
#include <span>

#include <algorithm>
#include <numeric>
#include <vector>

#include "learnrec/detail/parallel.hpp"
#include "learnrec/detail/pruned_topk.hpp"
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

/// Batches of more queries than kShortlistMaxQueries may be scored from the bfloat16 copy first
/// (compute-bound regime, when pruning by norm does not pay) if the catalogue has at least this
/// many courses: below, the shortlist's second pass weighs more than the multiply-adds it saves (bench_topk, 2 threads, top-10 of 2,048
/// queries: 10k courses 15 -> 21 ms at d = 64, 27 -> 30 ms at d = 128; 100k courses 162 -> 117 ms
/// and 303 -> 212 ms).
inline constexpr index_t kBf16MinCourses = 32768;

/// The queries' rows `which` of a factor model's query block, with `filter` re-addressed to them.
struct QuerySubset {
    QueryBlock queries;
    std::vector<index_t> exclude_rows;
    CandidateFilter filter;

    QuerySubset(const QueryBlock& all, std::span<const index_t> which, const CandidateFilter& original)
        : filter(original) {
        queries.count = static_cast<index_t>(which.size());
        queries.embeddings.resize(queries.count, all.embeddings.cols());
        for (std::size_t i = 0; i < which.size(); ++i)
            queries.embeddings.row(static_cast<Eigen::Index>(i)) = all.embeddings.row(which[i]);
        if (original.exclude) {
            for (auto q : which)
                exclude_rows.push_back(original.exclude_rows.empty() ? q
                                                                     : original.exclude_rows[static_cast<std::size_t>(q)]);
            filter.exclude_rows = exclude_rows;
        }
        if (original.predicate) {
            std::vector<index_t> map(which.begin(), which.end());
            filter.predicate = [pred = original.predicate, map = std::move(map)](index_t i, index_t c) {
                return pred(map[static_cast<std::size_t>(i)], c);
            };
        }
    }
};

/// Exact top-k of a factor model from reduced-precision scores: a shortlist of kp courses per
/// query by `approx` scores, re-scored with the float32 kernel. With tau the kp-th shortlisted
/// approximate score and B = bound(query) the error bound of the approximate scores, any course
/// left out scores at most tau + B exactly; when the k-th exact score of the shortlist is above
/// that, the shortlist holds the exact top-k (ties included). Queries where that proof fails are
/// scored exactly (in one batch). Results are identical to exact scoring.
template <class ApproxScore, class Bound>
TopK factor_topk_reduced(const FactorModel& model, const QueryBlock& queries, index_t k, index_t kp,
                         const CandidateFilter& filter, int num_threads, const ApproxScore& approx, const Bound& bound) {
    const index_t courses = model.num_courses();
    const index_t d = model.factors();
    kp = std::min(courses, kp);
    const TopK shortlist = topk(queries.count, courses, kp, approx, filter, num_threads);
    TopK out;
    out.queries = queries.count;
    out.k = k;
    out.ids.assign(static_cast<std::size_t>(queries.count) * static_cast<std::size_t>(k), -1);
    out.scores.assign(out.ids.size(), -std::numeric_limits<float>::infinity());
    std::vector<std::uint8_t> proven(static_cast<std::size_t>(queries.count), 1);
    parallel_for(0, queries.count, num_threads, [&](std::int64_t qq) {
        const auto q = static_cast<index_t>(qq);
        thread_local PackedPanels packed;
        thread_local std::vector<float> rescored;
        thread_local std::vector<Candidate> exact;
        const auto ids = shortlist.ids_of(q);
        const auto scores = shortlist.scores_of(q);
        const index_t n = shortlist.count(q);
        // The candidates' factors packed side by side and scored by the float32 kernel: each
        // course's score comes from the same kernel lane arithmetic (one multiply-add per factor,
        // in order) as in exact retrieval, so it is the very same float.
        const auto& items = model.item_factors();
        packed.courses = n;
        packed.dim = d;
        packed.data.assign(static_cast<std::size_t>((n + kPanel - 1) / kPanel) * static_cast<std::size_t>(d) * kPanel,
                           0.0f);
        for (index_t j = 0; j < n; ++j) {
            float* panel = packed.data.data() + static_cast<std::size_t>(j / kPanel) * static_cast<std::size_t>(d) * kPanel;
            const float* row = items.row(ids[static_cast<std::size_t>(j)]).data();
            for (index_t f = 0; f < d; ++f)
                panel[static_cast<std::size_t>(f) * kPanel + static_cast<std::size_t>(j % kPanel)] = row[f];
        }
        rescored.resize(static_cast<std::size_t>(std::max<index_t>(n, 1)));
        if (n > 0)
            score_panels(queries.embeddings.data() + static_cast<std::size_t>(q) * static_cast<std::size_t>(d),
                         static_cast<std::size_t>(d), 1, packed, 0, n, rescored.data(), static_cast<std::size_t>(n));
        exact.clear();
        for (index_t j = 0; j < n; ++j) exact.push_back({rescored[static_cast<std::size_t>(j)], ids[static_cast<std::size_t>(j)]});
        std::sort(exact.begin(), exact.end(), ranks_before);
        const index_t take = std::min<index_t>(k, n);
        if (n == kp && take > 0) {  // courses may be left out: prove they cannot qualify
            const double tau = scores[static_cast<std::size_t>(kp - 1)];
            const double b = bound(queries.embeddings.data() + static_cast<std::size_t>(q) * static_cast<std::size_t>(d));
            if (!(static_cast<double>(exact[static_cast<std::size_t>(take - 1)].score) > tau + b)) {
                proven[static_cast<std::size_t>(q)] = 0;
                return;
            }
        }
        for (index_t j = 0; j < take; ++j) {
            const auto o = static_cast<std::size_t>(q) * static_cast<std::size_t>(k) + static_cast<std::size_t>(j);
            out.ids[o] = exact[static_cast<std::size_t>(j)].id;
            out.scores[o] = exact[static_cast<std::size_t>(j)].score;
        }
    });
    std::vector<index_t> unproven;
    for (index_t q = 0; q < queries.count; ++q)
        if (!proven[static_cast<std::size_t>(q)]) unproven.push_back(q);
    if (!unproven.empty()) {
        const QuerySubset sub(queries, unproven, filter);
        const TopK exact = topk(sub.queries.count, courses, k,
                                [&](index_t q0, index_t q1, index_t c0, index_t c1, float* o, std::size_t ld) {
                                    model.score(sub.queries, q0, q1, c0, c1, o, ld);
                                },
                                sub.filter, num_threads);
        for (std::size_t i = 0; i < unproven.size(); ++i) {
            const auto src = i * static_cast<std::size_t>(k);
            const auto dst = static_cast<std::size_t>(unproven[i]) * static_cast<std::size_t>(k);
            std::copy_n(exact.ids.begin() + static_cast<std::ptrdiff_t>(src), k, out.ids.begin() + static_cast<std::ptrdiff_t>(dst));
            std::copy_n(exact.scores.begin() + static_cast<std::ptrdiff_t>(src), k,
                        out.scores.begin() + static_cast<std::ptrdiff_t>(dst));
        }
    }
    return out;
}

/// factor_topk_reduced with a shortlist of k' = 2k + 16 from the course copy in half precision or,
/// with `Bf16`, in bfloat16, and that copy's error bound.
template <bool Bf16>
TopK factor_topk_shortlisted(const FactorModel& model, const QueryBlock& queries, index_t k,
                             const CandidateFilter& filter, int num_threads) {
    const index_t d = model.factors();
    const float max_norm = Bf16 ? model.bf16_items().max_norm : model.half_items().max_norm;
    return factor_topk_reduced(
        model, queries, k, 2 * k + 16, filter, num_threads,
        [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
            if constexpr (Bf16)
                model.score_bf16(queries, q0, q1, c0, c1, out, ld);
            else
                model.score_approximate(queries, q0, q1, c0, c1, out, ld);
        },
        [&](const float* q) {
            return Bf16 ? bf16_score_error_bound(q, d, max_norm) : half_score_error_bound(q, d, max_norm);
        });
}

/// A few queries, memory-bound: the half-precision copy moves half the bytes.
inline TopK factor_topk_half(const FactorModel& model, const QueryBlock& queries, index_t k,
                             const CandidateFilter& filter, int num_threads) {
    return factor_topk_shortlisted<false>(model, queries, k, filter, num_threads);
}

/// A batch, compute-bound: bfloat16 pairs give twice the products per instruction (in bench_topk's
/// runs the proof failed for 0 to 27 of 2,048 queries, which are then scored exactly).
inline TopK factor_topk_bf16(const FactorModel& model, const QueryBlock& queries, index_t k,
                             const CandidateFilter& filter, int num_threads) {
    return factor_topk_shortlisted<true>(model, queries, k, filter, num_threads);
}

/// Pruning pays when a probe of this many learners scores at most this fraction of their
/// (learner, course) pairs; above it, on AVX512_BF16, the unpruned bfloat16 shortlist is faster
/// (it does twice the products per instruction: 0.92x the sgemm's time against 1.05x for the
/// float32 kernel, benchmarks/README.md), e.g. on factors whose norms are all alike.
inline constexpr index_t kPruneProbe = 64;
inline constexpr double kPruneMaxFraction = 0.6;

/// A batch of a factor model: pruned by norm (detail/pruned_topk.hpp), unless the CPU has
/// AVX512_BF16 and scores bfloat16 well over 1x as fast as float32 (bf16_shortlist_pays), the
/// catalogue is large and a probe of the first learners shows that pruning would score most of
/// the courses anyway; then the bfloat16 shortlist.
inline TopK factor_topk_batch(const FactorModel& model, const QueryBlock& queries, index_t k,
                              const CandidateFilter& filter, int num_threads, bool reduced_precision) {
    if (reduced_precision && queries.count >= 2 * kPruneProbe && model.num_courses() >= kBf16MinCourses &&
        bf16_scoring_supported() && bf16_shortlist_pays()) {
        std::vector<index_t> first(static_cast<std::size_t>(kPruneProbe));
        std::iota(first.begin(), first.end(), index_t{0});
        const QuerySubset probe(queries, first, filter);
        PruneStats stats;
        factor_topk_pruned(model, probe.queries, k, probe.filter, num_threads, &stats);
        if (stats.fraction() > kPruneMaxFraction && !model.bf16_items().empty())
            return factor_topk_bf16(model, queries, k, filter, num_threads);
    }
    return factor_topk_pruned(model, queries, k, filter, num_threads);
}

}  // namespace detail

/// Exact top-k of any model's learner queries (the path every recommend call takes). Factor
/// models: a few queries over a large catalogue shortlist by half-precision scores (memory-bound:
/// half the bytes); a batch scans the courses by decreasing norm and stops each learner once no
/// course left can enter its top k (pruned_topk.hpp), or, where that would prune little and the
/// CPU scores bfloat16 pairs fast enough (AVX512_BF16 at well over the float32 rate, e.g. Zen 4),
/// shortlists by bfloat16 scores.
/// Everything else goes through topk() with the model's scorer. All paths give identical
/// results; `reduced_precision = false` keeps to float32 scores (the pruned scan for a batch), to
/// measure them or to save the memory of the reduced copies.
inline TopK model_topk(const Model& model, const QueryBlock& queries, index_t k, const CandidateFilter& filter,
                       int num_threads, bool reduced_precision = true) {
    const FactorModel* factor = model.scoring().factors;
    if (reduced_precision && factor && queries.count > 0 && factor->factors() > 0) {
        LEARNREC_CHECK(k > 0, "k must be positive, got {}", k);
        const auto bytes =
            static_cast<std::size_t>(factor->num_courses()) * static_cast<std::size_t>(factor->factors()) * sizeof(float);
        if (queries.count <= detail::kShortlistMaxQueries) {
            if (bytes >= detail::kShortlistMinBytes && !factor->half_items().empty())
                return detail::factor_topk_half(*factor, queries, k, filter, num_threads);
        }
    }
    if (factor && queries.count > detail::kShortlistMaxQueries && factor->factors() > 0)
        return detail::factor_topk_batch(*factor, queries, k, filter, num_threads, reduced_precision);
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
    /// Factor models may shortlist by half or bfloat16 scores before the exact float32 pass
    /// (model_topk); the results are identical either way. Batches are pruned by norm either way.
    bool reduced_precision = true;
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
    return model_topk(model, queries, options.k, filter, options.num_threads, options.reduced_precision);
}

/// Top-k for learners given by interaction rows (new or updated learners): the model folds
/// them in, and their own courses are excluded when `exclude_own` is set.
inline TopK recommend_from_rows(const Model& model, const CsrView& rows, bool exclude_own = true,
                                const RecommendOptions& options = {}) {
    LEARNREC_CHECK(rows.cols == model.num_courses(), "rows have {} columns, the model has {} courses", rows.cols,
                   model.num_courses());
    const QueryBlock queries = model.fold_in(rows, options.num_threads);
    CandidateFilter filter{exclude_own ? &rows : nullptr, {}, options.allow, options.deny, options.predicate};
    return model_topk(model, queries, options.k, filter, options.num_threads, options.reduced_precision);
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
