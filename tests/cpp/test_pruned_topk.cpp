// Pruned batch top-k (detail/pruned_topk.hpp): scanning the courses by decreasing norm and
// stopping each learner once ||u|| x the largest norm left is below its k-th score must give
// exactly the results of a full sort. Tagged [topk][recommend], so ctest runs these on every
// instruction-set path (LEARNREC_ISA=baseline / avx2, and the CPU's widest).
//
// The factors have skewed norms (a few large courses, a long tail of small ones), as ALS gives
// on implicit feedback, so that most learners do stop early.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "learnrec/detail/pruned_topk.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/retrieval/recommend.hpp"
#include "test_support.hpp"

using namespace learnrec;
using namespace learnrec::test_support;

namespace {

AlsConfig config_for(index_t d) {
    AlsConfig c;
    c.factors = d;
    c.num_threads = 1;
    return c;
}

/// Course c's row scaled by an integer that falls with c (popularity): 1 + 24 / (1 + c / 16),
/// applied to a permutation of the rows so that norm order and index order differ.
RowMatrix skewed(RowMatrix m) {
    const auto n = static_cast<index_t>(m.rows());
    for (index_t c = 0; c < n; ++c) {
        const index_t rank = (c * 7919) % n;
        m.row(c) *= static_cast<float>(1 + 24 / (1 + rank / 16));
    }
    return m;
}

bool row_contains(const CsrView& m, index_t r, index_t c) {
    const auto ix = m.row(r).indices;
    return std::find(ix.begin(), ix.end(), c) != ix.end();
}

/// The plain float32 path: topk() over model.score in course-index order, no pruning.
TopK unpruned(const AlsModel& model, const QueryBlock& queries, index_t k, const CandidateFilter& filter) {
    return topk(queries.count, model.num_courses(), k,
                [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
                    model.score(queries, q0, q1, c0, c1, out, ld);
                },
                filter, 1);
}

/// Every row of `got` is the full sort of the exact (double) dot products over the eligible
/// courses: same ids, same scores, padding after. Valid when the float scores are exact
/// (integer factors).
template <class Eligible>
void require_full_sort(const TopK& got, const AlsModel& model, std::span<const index_t> who, index_t k,
                       Eligible&& eligible) {
    REQUIRE(got.queries == static_cast<index_t>(who.size()));
    for (index_t q = 0; q < got.queries; ++q) {
        INFO("query " << q);
        const index_t u = who[static_cast<std::size_t>(q)];
        const auto want = full_sort_topk(
            model.num_courses(), k, [&](index_t c) { return dot(model.user_factors(), u, model.item_factors(), c); },
            [&](index_t c) { return eligible(u, c); });
        const auto ids = got.ids_of(q);
        const auto scores = got.scores_of(q);
        for (std::size_t i = 0; i < static_cast<std::size_t>(k); ++i) {
            if (i < want.size()) {
                REQUIRE(ids[i] == want[i].id);
                REQUIRE(scores[i] == static_cast<float>(want[i].score));
            } else {
                REQUIRE(ids[i] == -1);
                REQUIRE(scores[i] == -std::numeric_limits<float>::infinity());
            }
        }
    }
}

}  // namespace

TEST_CASE("pruned batch top-k equals a full sort on integer factors with skewed norms and many ties",
          "[topk][recommend]") {
    // Integer factors: float dot products are exact, and thousands of scores tie, also with the
    // k-th score, where the lower course index must win although courses arrive in norm order.
    const index_t learners = 200, courses = 3000, d = 12;
    const AlsModel model(integer_factors(learners, d, 2, 301), skewed(integer_factors(courses, d, 1, 302)),
                         config_for(d));
    const auto history = random_interactions(learners, courses, 0, 150, 0.1, 303);
    const CsrView hv = history.view();
    const auto who = iota_indices(learners);
    const QueryBlock queries = model.learner_queries(who);
    const CandidateFilter filter{&hv, who, {}, {}, {}};
    const TopK got = detail::factor_topk_pruned(model, queries, 10, filter, 2);
    require_full_sort(got, model, who, 10, [&](index_t u, index_t c) { return !row_contains(hv, u, c); });
}

TEST_CASE("pruned batch top-k gives the float32 scan's ids and scores on real-valued skewed factors",
          "[topk][recommend]") {
    // Real-valued scores are rounded floats: the pruned scan must return the very floats and ids
    // of the unpruned scan over the same kernel (itself checked against a full sort in test_topk).
    const index_t learners = 150, courses = 5000, d = 40;
    const AlsModel model(random_factors(learners, d, 311), skewed(random_factors(courses, d, 312)), config_for(d));
    const auto history = random_interactions(learners, courses, 0, 200, 0.1, 313);
    const CsrView hv = history.view();
    const auto who = random_subset(learners, 120, 314);
    const QueryBlock queries = model.learner_queries(who);
    const std::vector<index_t> deny{0, 7, 4242};
    const CandidateFilter filter{&hv, who, {}, deny, [](index_t q, index_t c) { return (c + q) % 11 != 0; }};
    for (const index_t k : {1, 10, 100}) {
        INFO("k " << k);
        for (const int threads : {1, 2}) {
            const TopK got = detail::factor_topk_pruned(model, queries, k, filter, threads);
            const TopK want = unpruned(model, queries, k, filter);
            CHECK(got.ids == want.ids);
            CHECK(got.scores == want.scores);
        }
    }
}

TEST_CASE("recommend() for a batch equals a full sort on skewed factors, ties included", "[topk][recommend]") {
    const index_t learners = 90, courses = 2100, d = 9;
    const AlsModel model(integer_factors(learners, d, 3, 321), skewed(integer_factors(courses, d, 2, 322)),
                         config_for(d));
    const auto history = random_interactions(learners, courses, 0, 80, 0.0, 323);
    const CsrView hv = history.view();
    const auto who = iota_indices(learners);
    RecommendOptions opt;
    opt.k = 25;
    opt.num_threads = 2;
    const TopK got = recommend(model, who, &hv, opt);
    require_full_sort(got, model, who, 25, [&](index_t u, index_t c) { return !row_contains(hv, u, c); });
}

TEST_CASE("pruned top-k pads the row of a learner who has taken every course", "[topk][recommend]") {
    const index_t learners = 20, courses = 700, d = 8;
    const AlsModel model(integer_factors(learners, d, 2, 331), skewed(integer_factors(courses, d, 2, 332)),
                         config_for(d));
    std::vector<Triplet> t;
    for (index_t c = 0; c < courses; ++c) t.push_back({5, c, 1.0f});  // learner 5 took everything
    for (index_t u = 0; u < learners; ++u)
        if (u != 5) t.push_back({u, (u * 37) % courses, 1.0f});
    const auto history = CsrMatrix::from_triplets(learners, courses, t);
    const CsrView hv = history.view();
    const auto who = iota_indices(learners);
    const QueryBlock queries = model.learner_queries(who);
    const TopK got = detail::factor_topk_pruned(model, queries, 10, CandidateFilter{&hv, who, {}, {}, {}}, 2);
    CHECK(got.count(5) == 0);
    require_full_sort(got, model, who, 10, [&](index_t u, index_t c) { return !row_contains(hv, u, c); });
}

TEST_CASE("pruned top-k with k above the courses left returns all of them ranked, then padding", "[topk][recommend]") {
    const index_t learners = 12, courses = 40, d = 6;
    const AlsModel model(integer_factors(learners, d, 2, 341), skewed(integer_factors(courses, d, 2, 342)),
                         config_for(d));
    const auto history = random_interactions(learners, courses, 5, 15, 0.0, 343);
    const CsrView hv = history.view();
    const auto who = iota_indices(learners);
    const QueryBlock queries = model.learner_queries(who);
    const TopK got = detail::factor_topk_pruned(model, queries, 60, CandidateFilter{&hv, who, {}, {}, {}}, 2);
    for (index_t q = 0; q < learners; ++q)
        CHECK(got.count(q) == courses - static_cast<index_t>(hv.row(q).size()));
    require_full_sort(got, model, who, 60, [&](index_t u, index_t c) { return !row_contains(hv, u, c); });
}

TEST_CASE("pruned top-k of learners whose scores are all zero ranks courses by index", "[topk][recommend]") {
    // A zero learner vector: every score is 0 and the bound is 0, never below the k-th score, so
    // nothing is pruned and the ties go to the lowest indices.
    const index_t courses = 1500, d = 5;
    RowMatrix users = integer_factors(10, d, 2, 351);
    users.row(3).setZero();
    const AlsModel model(std::move(users), skewed(integer_factors(courses, d, 2, 352)), config_for(d));
    const auto who = iota_indices(10);
    const QueryBlock queries = model.learner_queries(who);
    const TopK got = detail::factor_topk_pruned(model, queries, 10, {}, 1);
    require_full_sort(got, model, who, 10, [](index_t, index_t) { return true; });
    CHECK(got.ids_of(3)[0] == 0);
}

TEST_CASE("on factors with skewed norms the pruned scan scores a minority of the learner-course pairs",
          "[topk][recommend]") {
    const index_t learners = 128, courses = 8000, d = 16;
    const AlsModel model(random_factors(learners, d, 361), skewed(random_factors(courses, d, 362)), config_for(d));
    const auto who = iota_indices(learners);
    const QueryBlock queries = model.learner_queries(who);
    detail::PruneStats stats;
    const TopK got = detail::factor_topk_pruned(model, queries, 10, {}, 2, &stats);
    CHECK(stats.total == std::int64_t{learners} * courses);
    CHECK(stats.fraction() < 0.5);
    CHECK(got.ids == unpruned(model, queries, 10, {}).ids);
}

TEST_CASE("on factors of equal norms the pruned scan scores every pair", "[topk][recommend]") {
    // ||u|| ||v|| bounds every score and is the same for every course: no tile can be skipped.
    const index_t learners = 70, courses = 3000, d = 16;
    RowMatrix items = random_factors(courses, d, 372);
    items.rowwise().normalize();
    const AlsModel model(random_factors(learners, d, 371), std::move(items), config_for(d));
    const auto who = iota_indices(learners);
    const QueryBlock queries = model.learner_queries(who);
    detail::PruneStats stats;
    const TopK got = detail::factor_topk_pruned(model, queries, 10, {}, 2, &stats);
    CHECK(stats.scored.load() == stats.total);
    CHECK(got.ids == unpruned(model, queries, 10, {}).ids);
}
