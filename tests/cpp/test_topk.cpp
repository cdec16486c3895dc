// Top-k specification: the fused, tiled top-k equals a plain full sort (std::sort by score
// descending, then course index ascending) of scores computed with double loops.
//
// Sizes deliberately straddle the 64-query block and the 1024-course tile (130 x 2500).
// Exact comparisons are used whenever the scorer's floats are known exactly (the custom scorer
// rounds a double dot product; integer-valued embeddings make float dot products exact);
// real-valued model scores are compared with an absolute tolerance stated in each test.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "learnrec/model/als.hpp"
#include "learnrec/retrieval/recommend.hpp"
#include "learnrec/retrieval/topk.hpp"
#include "test_support.hpp"

using namespace learnrec;
using namespace learnrec::test_support;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

/// A FactorModel-like scorer: score(q, c) = float(U[q] . V[c]) with the dot product in double,
/// so the oracle knows every float exactly.
struct DotScorer {
    const RowMatrix* U;
    const RowMatrix* V;
    float operator()(index_t q, index_t c) const { return static_cast<float>(dot(*U, q, *V, c)); }
    TileScorer tile() const {
        return [this](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
            for (index_t q = q0; q < q1; ++q)
                for (index_t c = c0; c < c1; ++c) out[static_cast<std::size_t>(q - q0) * ld + static_cast<std::size_t>(c - c0)] = (*this)(q, c);
        };
    }
};

/// The rows of `got` equal the oracle exactly: same ids, same scores, -1 / -inf padding after.
template <class Oracle>
void require_equals_oracle(const TopK& got, index_t queries, index_t k, Oracle&& oracle_row) {
    REQUIRE(got.queries == queries);
    REQUIRE(got.k == k);
    REQUIRE(got.ids.size() == static_cast<std::size_t>(queries) * static_cast<std::size_t>(k));
    REQUIRE(got.scores.size() == got.ids.size());
    for (index_t q = 0; q < queries; ++q) {
        INFO("query " << q);
        const std::vector<Ranked> want = oracle_row(q);
        std::vector<index_t> want_ids(static_cast<std::size_t>(k), -1);
        std::vector<float> want_scores(static_cast<std::size_t>(k), -kInf);
        for (std::size_t i = 0; i < want.size(); ++i) {
            want_ids[i] = want[i].id;
            want_scores[i] = static_cast<float>(want[i].score);
        }
        const auto ids = got.ids_of(q);
        const auto scores = got.scores_of(q);
        REQUIRE(std::vector<index_t>(ids.begin(), ids.end()) == want_ids);
        REQUIRE(std::vector<float>(scores.begin(), scores.end()) == want_scores);
        REQUIRE(got.count(q) == static_cast<index_t>(want.size()));
    }
}

/// Like require_equals_oracle for scores known only to within `tol`: position i holds a course
/// whose oracle score is within tol of the oracle's i-th score (near-ties may swap), the reported
/// score is within tol of it too, and no course repeats.
template <class Oracle, class Score>
void require_close_to_oracle(const TopK& got, index_t queries, index_t k, Oracle&& oracle_row, Score&& score, double tol) {
    REQUIRE(got.queries == queries);
    REQUIRE(got.k == k);
    for (index_t q = 0; q < queries; ++q) {
        INFO("query " << q);
        const std::vector<Ranked> want = oracle_row(q);
        const auto ids = got.ids_of(q);
        const auto scores = got.scores_of(q);
        REQUIRE(got.count(q) == static_cast<index_t>(want.size()));
        std::set<index_t> seen;
        for (std::size_t i = 0; i < want.size(); ++i) {
            INFO("rank " << i << ": got course " << ids[i] << ", oracle course " << want[i].id);
            REQUIRE(ids[i] >= 0);
            REQUIRE(seen.insert(ids[i]).second);
            REQUIRE(std::abs(static_cast<double>(scores[i]) - want[i].score) <= tol);
            REQUIRE(std::abs(score(q, ids[i]) - want[i].score) <= tol);
        }
        for (auto i = want.size(); i < static_cast<std::size_t>(k); ++i) {
            REQUIRE(ids[i] == -1);
            REQUIRE(scores[i] == -kInf);
        }
    }
}

struct Fixture {
    index_t queries, courses, d;
    RowMatrix U, V;
    DotScorer scorer;
    Fixture(index_t q, index_t c, index_t dim, std::uint64_t seed)
        : queries(q), courses(c), d(dim), U(random_factors(q, dim, seed)), V(random_factors(c, dim, seed + 1)),
          scorer{&U, &V} {}
    template <class Eligible>
    std::vector<Ranked> oracle(index_t q, index_t k, Eligible&& eligible) const {
        return full_sort_topk(courses, k, [&](index_t c) { return static_cast<double>(scorer(q, c)); },
                              [&](index_t c) { return eligible(q, c); });
    }
    std::vector<Ranked> oracle(index_t q, index_t k) const {
        return oracle(q, k, [](index_t, index_t) { return true; });
    }
};

bool row_contains(const CsrView& m, index_t r, index_t c) {
    const auto ix = m.row(r).indices;
    return std::find(ix.begin(), ix.end(), c) != ix.end();
}

AlsConfig config_for(index_t d) {
    AlsConfig c;
    c.factors = d;
    c.num_threads = 1;
    return c;
}

}  // namespace

// ---- topk() with a custom TileScorer ---------------------------------------------------------------

TEST_CASE("topk of one query equals a full sort of its scores (2500 courses, k 10)", "[topk]") {
    const Fixture f(1, 2500, 16, 101);
    const auto got = topk(1, f.courses, 10, f.scorer.tile(), {}, 1);
    require_equals_oracle(got, 1, 10, [&](index_t q) { return f.oracle(q, 10); });
}

TEST_CASE("topk of a batch of 130 queries x 2500 courses equals a full sort per query", "[topk]") {
    const Fixture f(130, 2500, 16, 102);
    for (index_t k : {1, 10, 37}) {
        INFO("k = " << k);
        const auto got = topk(f.queries, f.courses, k, f.scorer.tile(), {}, 2);
        require_equals_oracle(got, f.queries, k, [&](index_t q) { return f.oracle(q, k); });
    }
}

TEST_CASE("topk skips each query's own row of a sorted exclusion matrix", "[topk]") {
    const Fixture f(130, 2500, 16, 103);
    const auto history = random_interactions(130, 2500, 0, 300, 0.1, 7);
    CandidateFilter filter;
    const CsrView hv = history.view();
    filter.exclude = &hv;
    const auto got = topk(f.queries, f.courses, 20, f.scorer.tile(), filter, 2);
    require_equals_oracle(got, f.queries, 20, [&](index_t q) {
        return f.oracle(q, 20, [&](index_t qq, index_t c) { return !row_contains(hv, qq, c); });
    });
}

TEST_CASE("topk maps query q to the exclusion row named by exclude_rows at q", "[topk]") {
    const Fixture f(130, 2500, 16, 104);
    const auto history = random_interactions(400, 2500, 0, 300, 0.0, 8);
    const CsrView hv = history.view();
    std::vector<index_t> rows(130);
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<index_t>((i * 97 + 13) % 400);
    rows[5] = rows[6];  // two queries may share a row
    CandidateFilter filter;
    filter.exclude = &hv;
    filter.exclude_rows = rows;
    const auto got = topk(f.queries, f.courses, 15, f.scorer.tile(), filter, 2);
    require_equals_oracle(got, f.queries, 15, [&](index_t q) {
        return f.oracle(q, 15, [&](index_t qq, index_t c) { return !row_contains(hv, rows[static_cast<std::size_t>(qq)], c); });
    });
}

TEST_CASE("topk honours exclusion rows whose indices are unsorted", "[topk]") {
    const Fixture f(3, 2500, 8, 105);
    // A borrowed view as numpy might hand over: row 0 unsorted, row 1 empty, row 2 with a duplicate.
    const std::vector<offset_t> indptr{0, 4, 4, 7};
    const std::vector<index_t> indices{2400, 3, 1500, 7, 10, 10, 2};
    const std::vector<float> data{1, 1, 1, 1, 1, 1, 1};
    const CsrView hv{3, 2500, indptr, indices, data};
    REQUIRE_FALSE(hv.has_sorted_unique_indices());
    CandidateFilter filter;
    filter.exclude = &hv;
    // k = 2500 ranks every course, so every excluded course would otherwise appear.
    const auto got = topk(3, 2500, 2500, f.scorer.tile(), filter, 1);
    require_equals_oracle(got, 3, 2500, [&](index_t q) {
        return f.oracle(q, 2500, [&](index_t qq, index_t c) { return !row_contains(hv, qq, c); });
    });
    CHECK(got.count(0) == 2496);
    CHECK(got.count(1) == 2500);
    CHECK(got.count(2) == 2498);
}

TEST_CASE("topk returns only allow-listed courses", "[topk]") {
    const Fixture f(130, 2500, 16, 106);
    const auto allow = random_subset(2500, 300, 9);
    CandidateFilter filter;
    filter.allow = allow;
    const auto got = topk(f.queries, f.courses, 25, f.scorer.tile(), filter, 2);
    require_equals_oracle(got, f.queries, 25, [&](index_t q) {
        return f.oracle(q, 25, [&](index_t, index_t c) { return std::binary_search(allow.begin(), allow.end(), c); });
    });
}

TEST_CASE("topk never returns deny-listed courses", "[topk]") {
    const Fixture f(130, 2500, 16, 107);
    // Deny each query's unfiltered favourites so the deny-list certainly matters.
    std::set<index_t> denied;
    for (index_t q = 0; q < 130; q += 10)
        for (const auto& r : f.oracle(q, 5)) denied.insert(r.id);
    const std::vector<index_t> deny(denied.begin(), denied.end());
    CandidateFilter filter;
    filter.deny = deny;
    const auto got = topk(f.queries, f.courses, 10, f.scorer.tile(), filter, 2);
    require_equals_oracle(got, f.queries, 10, [&](index_t q) {
        return f.oracle(q, 10, [&](index_t, index_t c) { return !denied.count(c); });
    });
}

TEST_CASE("topk keeps only courses the per-query predicate accepts", "[topk]") {
    const Fixture f(130, 2500, 16, 108);
    const auto eligible = [](index_t q, index_t c) { return (q + c) % 3 != 0; };
    CandidateFilter filter;
    filter.predicate = eligible;
    const auto got = topk(f.queries, f.courses, 10, f.scorer.tile(), filter, 2);
    require_equals_oracle(got, f.queries, 10, [&](index_t q) { return f.oracle(q, 10, eligible); });
}

TEST_CASE("topk applies exclusions, allow-list, deny-list and predicate together", "[topk]") {
    const Fixture f(130, 2500, 16, 109);
    const auto history = random_interactions(130, 2500, 0, 400, 0.0, 10);
    const CsrView hv = history.view();
    const auto allow = random_subset(2500, 1200, 11);
    const auto deny = random_subset(2500, 400, 12);
    const auto pred = [](index_t q, index_t c) { return (q * 7 + c) % 5 != 0; };
    CandidateFilter filter{&hv, {}, allow, deny, pred};
    const auto got = topk(f.queries, f.courses, 12, f.scorer.tile(), filter, 2);
    require_equals_oracle(got, f.queries, 12, [&](index_t q) {
        return f.oracle(q, 12, [&](index_t qq, index_t c) {
            return !row_contains(hv, qq, c) && std::binary_search(allow.begin(), allow.end(), c) &&
                   !std::binary_search(deny.begin(), deny.end(), c) && pred(qq, c);
        });
    });
}

TEST_CASE("tied scores go to the lower course index, across tiles too", "[topk]") {
    // Integer embeddings in {-1, 0, 1}, d = 3: only 7 distinct scores over 2500 courses.
    const RowMatrix U = integer_factors(130, 3, 1, 110);
    const RowMatrix V = integer_factors(2500, 3, 1, 111);
    const DotScorer s{&U, &V};
    for (index_t k : {1, 10, 700, 1500}) {
        INFO("k = " << k);
        const auto got = topk(130, 2500, k, s.tile(), {}, 2);
        require_equals_oracle(got, 130, k, [&](index_t q) {
            return full_sort_topk(2500, k, [&](index_t c) { return static_cast<double>(s(q, c)); },
                                  [](index_t) { return true; });
        });
    }
}

TEST_CASE("with fewer than k eligible courses, rows are padded with -1 and -inf and count() is the real length",
          "[topk]") {
    const Fixture f(70, 2500, 8, 112);
    const std::vector<index_t> allow{5, 1030, 2048, 2499};
    CandidateFilter filter;
    filter.allow = allow;
    filter.predicate = [](index_t q, index_t c) { return q % 2 == 0 || c != 1030; };  // odd queries: 3 left
    const auto got = topk(70, 2500, 10, f.scorer.tile(), filter, 2);
    require_equals_oracle(got, 70, 10, [&](index_t q) {
        return f.oracle(q, 10, [&](index_t qq, index_t c) {
            return std::binary_search(allow.begin(), allow.end(), c) && filter.predicate(qq, c);
        });
    });
    for (index_t q = 0; q < 70; ++q) CHECK(got.count(q) == (q % 2 == 0 ? 4 : 3));
}

TEST_CASE("k larger than the number of courses returns every course ranked, then padding", "[topk]") {
    const Fixture f(66, 30, 8, 113);
    const auto got = topk(66, 30, 50, f.scorer.tile(), {}, 2);
    require_equals_oracle(got, 66, 50, [&](index_t q) { return f.oracle(q, 50); });
    for (index_t q = 0; q < 66; ++q) CHECK(got.count(q) == 30);
}

TEST_CASE("NaN scores are never returned", "[topk]") {
    const Fixture f(130, 2500, 8, 114);
    // Every 7th course scores NaN, and query 3 scores NaN everywhere.
    const auto nan_at = [](index_t q, index_t c) { return q == 3 || c % 7 == 0; };
    const auto score = [&](index_t q, index_t c) {
        return nan_at(q, c) ? std::numeric_limits<float>::quiet_NaN() : f.scorer(q, c);
    };
    const TileScorer tile = [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
        for (index_t q = q0; q < q1; ++q)
            for (index_t c = c0; c < c1; ++c) out[static_cast<std::size_t>(q - q0) * ld + static_cast<std::size_t>(c - c0)] = score(q, c);
    };
    const auto got = topk(130, 2500, 2500, tile, {}, 2);
    require_equals_oracle(got, 130, 2500, [&](index_t q) {
        return full_sort_topk(2500, 2500, [&](index_t c) { return static_cast<double>(score(q, c)); },
                              [](index_t) { return true; });
    });
    CHECK(got.count(3) == 0);
    CHECK(got.count(0) == 2500 - 358);  // 358 multiples of 7 in [0, 2500)
}

TEST_CASE("topk gives identical results on 1 and 2 threads", "[topk]") {
    const Fixture f(130, 2500, 16, 115);
    const auto allow = random_subset(2500, 2000, 13);
    CandidateFilter filter;
    filter.allow = allow;
    filter.predicate = [](index_t q, index_t c) { return (q ^ c) % 11 != 0; };
    const auto one = topk(130, 2500, 40, f.scorer.tile(), filter, 1);
    const auto two = topk(130, 2500, 40, f.scorer.tile(), filter, 2);
    CHECK(one.ids == two.ids);
    CHECK(one.scores == two.scores);
}

TEST_CASE("a few queries split the catalogue across threads and still equal a full sort, ties included", "[topk]") {
    // 3 queries (fewer than one query block) over 5000 courses (5 tiles): the catalogue is split
    // between the threads and the parts merged. Integer factors make many ties across parts.
    const RowMatrix U = integer_factors(3, 3, 1, 120);
    const RowMatrix V = integer_factors(5000, 3, 1, 121);
    const DotScorer s{&U, &V};
    CandidateFilter filter;
    filter.predicate = [](index_t q, index_t c) { return (q + c) % 7 != 0; };
    for (index_t k : {1, 10, 1200}) {
        for (int threads : {1, 2, 3}) {
            INFO("k = " << k << ", threads = " << threads);
            const auto got = topk(3, 5000, k, s.tile(), filter, threads);
            require_equals_oracle(got, 3, k, [&](index_t q) {
                return full_sort_topk(5000, k, [&](index_t c) { return static_cast<double>(s(q, c)); },
                                      [&](index_t c) { return (q + c) % 7 != 0; });
            });
        }
    }
}

TEST_CASE("topk of zero queries is empty", "[topk]") {
    const Fixture f(1, 100, 4, 116);
    const auto got = topk(0, 100, 5, f.scorer.tile(), {}, 2);
    CHECK(got.queries == 0);
    CHECK(got.k == 5);
    CHECK(got.ids.empty());
    CHECK(got.scores.empty());
}

TEST_CASE("topk rejects a non-positive k, out-of-range filters and mis-shaped exclusions", "[topk]") {
    const Fixture f(4, 100, 4, 117);
    const auto tile = f.scorer.tile();
    CHECK_THROWS_WITH(topk(4, 100, 0, tile), Catch::Contains("k must be positive"));
    const std::vector<index_t> bad{3, 100};
    CandidateFilter allow;
    allow.allow = bad;
    CHECK_THROWS_WITH(topk(4, 100, 5, tile, allow), Catch::Contains("allow-list contains course index 100"));
    CandidateFilter deny;
    deny.deny = bad;
    CHECK_THROWS_WITH(topk(4, 100, 5, tile, deny), Catch::Contains("deny-list contains course index 100"));

    const auto history = random_interactions(3, 100, 1, 5, 0.0, 14);
    const CsrView hv = history.view();
    CandidateFilter rows_mismatch;
    rows_mismatch.exclude = &hv;  // 3 rows for 4 queries
    CHECK_THROWS_AS(topk(4, 100, 5, tile, rows_mismatch), Error);
    const std::vector<index_t> map{0, 1, 2, 3};
    CandidateFilter map_out_of_range;
    map_out_of_range.exclude = &hv;
    map_out_of_range.exclude_rows = map;
    CHECK_THROWS_WITH(topk(4, 100, 5, tile, map_out_of_range), Catch::Contains("exclusion row 3 outside [0, 3)"));
    const auto wide = random_interactions(4, 120, 1, 5, 0.0, 15);
    const CsrView wv = wide.view();
    CandidateFilter cols_mismatch;
    cols_mismatch.exclude = &wv;
    CHECK_THROWS_WITH(topk(4, 100, 5, tile, cols_mismatch), Catch::Contains("120 columns"));
}

// ---- recommend() / recommend_from_rows() / similar_courses() over an AlsModel -------------------

TEST_CASE("recommend() over an AlsModel equals a full sort of dot products minus each learner's history",
          "[topk][recommend]") {
    // Integer embeddings (exact float dot products, many ties); d = 13 is not a multiple of the
    // kernel's 8-query or 16-course blocks.
    const index_t learners = 300, courses = 2500, d = 13;
    const AlsModel model(integer_factors(learners, d, 2, 120), integer_factors(courses, d, 2, 121), config_for(d));
    const auto history = random_interactions(learners, courses, 0, 200, 0.1, 16);
    const CsrView hv = history.view();
    std::vector<index_t> who(130);
    for (std::size_t i = 0; i < who.size(); ++i) who[i] = static_cast<index_t>((i * 211 + 5) % learners);
    who[100] = who[3];  // a learner may appear twice
    RecommendOptions opt;
    opt.k = 20;
    opt.num_threads = 2;
    const auto got = recommend(model, who, &hv, opt);
    require_equals_oracle(got, 130, 20, [&](index_t q) {
        const index_t u = who[static_cast<std::size_t>(q)];
        return full_sort_topk(courses, 20, [&](index_t c) { return dot(model.user_factors(), u, model.item_factors(), c); },
                              [&](index_t c) { return !row_contains(hv, u, c); });
    });
}

TEST_CASE("recommend() without a history ranks every course", "[topk][recommend]") {
    const index_t d = 8;
    const AlsModel model(integer_factors(130, d, 3, 122), integer_factors(2500, d, 3, 123), config_for(d));
    const auto who = iota_indices(130);
    RecommendOptions opt;
    opt.k = 10;
    opt.num_threads = 2;
    const auto got = recommend(model, who, nullptr, opt);
    require_equals_oracle(got, 130, 10, [&](index_t q) {
        return full_sort_topk(2500, 10, [&](index_t c) { return dot(model.user_factors(), q, model.item_factors(), c); },
                              [](index_t) { return true; });
    });
}

TEST_CASE("recommend() over real-valued factors matches the double oracle (abs tol 1e-4)", "[topk][recommend]") {
    const index_t d = 64;
    const AlsModel model(random_factors(200, d, 124), random_factors(2500, d, 125), config_for(d));
    const auto history = random_interactions(200, 2500, 0, 100, 0.0, 17);
    const CsrView hv = history.view();
    const auto who = iota_indices(130, 35);
    RecommendOptions opt;
    opt.k = 10;
    opt.num_threads = 2;
    const auto got = recommend(model, who, &hv, opt);
    const auto score = [&](index_t q, index_t c) {
        return dot(model.user_factors(), who[static_cast<std::size_t>(q)], model.item_factors(), c);
    };
    require_close_to_oracle(
        got, 130, 10,
        [&](index_t q) {
            return full_sort_topk(2500, 10, [&](index_t c) { return score(q, c); },
                                  [&](index_t c) { return !row_contains(hv, who[static_cast<std::size_t>(q)], c); });
        },
        score, 1e-4);
}

TEST_CASE("recommend() applies the allow-list, deny-list and predicate of its options", "[topk][recommend]") {
    const index_t d = 8;
    const AlsModel model(integer_factors(130, d, 2, 126), integer_factors(2500, d, 2, 127), config_for(d));
    const auto allow = random_subset(2500, 900, 18);
    const auto deny = random_subset(2500, 300, 19);
    const auto who = iota_indices(130);
    RecommendOptions opt;
    opt.k = 15;
    opt.allow = allow;
    opt.deny = deny;
    opt.predicate = [](index_t q, index_t c) { return (q + 2 * c) % 4 != 1; };
    opt.num_threads = 2;
    const auto got = recommend(model, who, nullptr, opt);
    require_equals_oracle(got, 130, 15, [&](index_t q) {
        return full_sort_topk(2500, 15, [&](index_t c) { return dot(model.user_factors(), q, model.item_factors(), c); },
                              [&](index_t c) {
                                  return std::binary_search(allow.begin(), allow.end(), c) &&
                                         !std::binary_search(deny.begin(), deny.end(), c) && opt.predicate(q, c);
                              });
    });
}

TEST_CASE("recommend() over an AlsModel gives identical results on 1 and 2 threads", "[topk][recommend]") {
    const index_t d = 32;
    const AlsModel model(random_factors(300, d, 128), random_factors(2500, d, 129), config_for(d));
    const auto history = random_interactions(300, 2500, 0, 100, 0.0, 20);
    const CsrView hv = history.view();
    const auto who = iota_indices(300);
    RecommendOptions opt;
    opt.k = 25;
    opt.num_threads = 1;
    const auto one = recommend(model, who, &hv, opt);
    opt.num_threads = 2;
    const auto two = recommend(model, who, &hv, opt);
    CHECK(one.ids == two.ids);
    CHECK(one.scores == two.scores);
}

TEST_CASE("recommend() rejects a history whose shape differs from the model's", "[topk][recommend]") {
    const AlsModel model(random_factors(10, 4, 130), random_factors(50, 4, 131), config_for(4));
    const auto history = random_interactions(10, 49, 1, 3, 0.0, 21);
    const CsrView hv = history.view();
    const std::vector<index_t> who{0, 1};
    CHECK_THROWS_WITH(recommend(model, who, &hv), Catch::Contains("history is 10 x 49"));
    const std::vector<index_t> bad{10};
    CHECK_THROWS_AS(recommend(model, bad, nullptr), Error);
}

TEST_CASE("recommend_from_rows() ranks the folded-in embeddings and excludes the rows' own courses (abs tol 1e-4)",
          "[topk][recommend]") {
    const index_t d = 16;
    const AlsModel model(random_factors(400, d, 132), random_factors(2500, d, 133), config_for(d));
    const auto rows = random_interactions(130, 2500, 1, 60, 0.1, 22);
    const CsrView rv = rows.view();
    const RowMatrix folded = model.fold_in_learners(rv, 1);
    const auto score = [&](index_t q, index_t c) { return dot(folded, q, model.item_factors(), c); };
    RecommendOptions opt;
    opt.k = 10;
    opt.num_threads = 2;
    SECTION("excluding own courses") {
        const auto got = recommend_from_rows(model, rv, true, opt);
        require_close_to_oracle(
            got, 130, 10,
            [&](index_t q) {
                return full_sort_topk(2500, 10, [&](index_t c) { return score(q, c); },
                                      [&](index_t c) { return !row_contains(rv, q, c); });
            },
            score, 1e-4);
    }
    SECTION("keeping own courses") {
        const auto got = recommend_from_rows(model, rv, false, opt);
        require_close_to_oracle(
            got, 130, 10,
            [&](index_t q) {
                return full_sort_topk(2500, 10, [&](index_t c) { return score(q, c); }, [](index_t) { return true; });
            },
            score, 1e-4);
    }
}

TEST_CASE("similar_courses() equals a full sort by cosine similarity, the course itself first (abs tol 1e-5)",
          "[topk][recommend]") {
    const index_t d = 24;
    RowMatrix items = random_factors(2500, d, 134);
    items.row(17).setZero();  // a zero vector is similar to nothing: every cosine with it is 0
    const AlsModel model(random_factors(20, d, 135), items, config_for(d));
    std::vector<index_t> which = iota_indices(130, 1000);
    which[0] = 17;
    RecommendOptions opt;
    opt.k = 12;
    opt.num_threads = 2;
    const auto got = similar_courses(model, which, opt);
    const auto score = [&](index_t q, index_t c) {
        return cosine(model.item_factors(), which[static_cast<std::size_t>(q)], model.item_factors(), c);
    };
    require_close_to_oracle(
        got, 130, 12,
        [&](index_t q) {
            return full_sort_topk(2500, 12, [&](index_t c) { return score(q, c); }, [](index_t) { return true; });
        },
        score, 1e-5);
    for (index_t q = 1; q < 130; ++q) CHECK(got.ids_of(q)[0] == which[static_cast<std::size_t>(q)]);
    // Course 17: all similarities are 0, so the ties go to the lowest indices.
    const auto z = got.ids_of(0);
    CHECK(std::vector<index_t>(z.begin(), z.end()) == iota_indices(12));
}

// ---- the half-precision shortlist for a few queries ------------------------------------------------

namespace {

RowMatrix gaussian_factors(index_t rows, index_t d, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> g(0.0f, 0.3f);
    RowMatrix m(rows, d);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = g(rng);
    return m;
}

/// The plain float32 path, bypassing the shortlist: topk() over model.score.
TopK exact_topk(const Model& model, const QueryBlock& queries, index_t k, const CandidateFilter& filter) {
    return topk(queries.count, model.num_courses(), k,
                [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
                    model.score(queries, q0, q1, c0, c1, out, ld);
                },
                filter, 1);
}

/// For learners `who` (their history excluded, `predicate` applied): the reduced-precision
/// `shortlist` (when the CPU has it) and recommend() on 1 and 2 threads give exactly the float32
/// path's ids and scores.
template <class Shortlist>
void check_shortlist_is_exact(const AlsModel& model, const CsrView& hv, const std::vector<index_t>& who, index_t k,
                              CoursePredicate predicate, bool supported, const Shortlist& shortlist) {
    RecommendOptions opt;
    opt.k = k;
    opt.predicate = std::move(predicate);
    const QueryBlock queries = model.learner_queries(who);
    const CandidateFilter filter{&hv, who, {}, {}, opt.predicate};
    const TopK expected = exact_topk(model, queries, opt.k, filter);
    if (supported) {
        const TopK shortlisted = shortlist(model, queries, opt.k, filter, 2);
        CHECK(shortlisted.ids == expected.ids);
        CHECK(shortlisted.scores == expected.scores);
    }
    for (int threads : {1, 2}) {
        opt.num_threads = threads;
        const TopK got = recommend(model, who, &hv, opt);
        CHECK(got.ids == expected.ids);
        CHECK(got.scores == expected.scores);
    }
}

}  // namespace

TEST_CASE("the half-precision shortlist for a few learners gives exactly the float32 results", "[topk][recommend]") {
    const index_t learners = 40, courses = 9000, d = 24;
    const AlsModel model(gaussian_factors(learners, d, 130), gaussian_factors(courses, d, 131), config_for(d));
    const auto history = random_interactions(learners, courses, 0, 300, 0.1, 17);
    const CsrView hv = history.view();
    const std::vector<index_t> who{3, 17, 17, 29};
    check_shortlist_is_exact(model, hv, who, 15, [](index_t q, index_t c) { return (c + q) % 5 != 0; },
                             detail::half_scoring_supported(), detail::factor_topk_half);
}

TEST_CASE("the shortlist scores exactly the queries whose top-k ties around the cut leave unproven", "[topk][recommend]") {
    // Integer factors in {-1, 0, 1}: thousands of courses tie at each score, so the k-th exact score
    // never clears the shortlist's cut plus the error bound; those queries are scored exactly.
    const index_t courses = 6000, d = 3;
    const AlsModel model(integer_factors(5, d, 1, 140), integer_factors(courses, d, 1, 141), config_for(d));
    const std::vector<index_t> who{0, 1, 4};
    const QueryBlock queries = model.learner_queries(who);
    if (detail::half_scoring_supported()) {
        const TopK shortlisted = detail::factor_topk_half(model, queries, 10, {}, 1);
        const TopK expected = exact_topk(model, queries, 10, {});
        CHECK(shortlisted.ids == expected.ids);
        CHECK(shortlisted.scores == expected.scores);
    }
    RecommendOptions opt;
    opt.k = 10;
    const TopK got = recommend(model, who, nullptr, opt);
    const TopK expected = exact_topk(model, queries, 10, {});
    CHECK(got.ids == expected.ids);
    CHECK(got.scores == expected.scores);
}

TEST_CASE("the half-precision error bound holds for every course", "[topk][recommend]") {
    if (!detail::half_scoring_supported()) return;  // nothing to bound: the copy is never built
    const index_t courses = 4100, d = 37;
    const AlsModel model(gaussian_factors(3, d, 150), gaussian_factors(courses, d, 151), config_for(d));
    REQUIRE_FALSE(model.half_items().empty());
    const std::vector<index_t> who{0, 1, 2};
    const QueryBlock queries = model.learner_queries(who);
    std::vector<float> approx(static_cast<std::size_t>(courses) * 3), exact(approx.size());
    model.score_approximate(queries, 0, 3, 0, courses, approx.data(), courses);
    model.score(queries, 0, 3, 0, courses, exact.data(), courses);
    for (index_t q = 0; q < 3; ++q) {
        const double bound = detail::half_score_error_bound(queries.embeddings.row(q).data(), d,
                                                            model.half_items().max_norm);
        double worst = 0.0;
        for (index_t c = 0; c < courses; ++c) {
            const auto i = static_cast<std::size_t>(q) * courses + static_cast<std::size_t>(c);
            worst = std::max(worst, std::fabs(static_cast<double>(approx[i]) - exact[i]));
        }
        INFO("query " << q << ": worst error " << worst << ", bound " << bound);
        CHECK(worst <= bound);
        CHECK(worst > 0.0);  // the half copy really is approximate
    }
}

TEST_CASE("half-precision scores of a course range equal those of the whole catalogue", "[topk][recommend]") {
    // The kernel scores several panels at once where enough remain and single panels otherwise; a
    // course's score must not depend on which (the catalogue is split across threads and tiles).
    if (!detail::half_scoring_supported()) return;
    const index_t courses = 16 * 13 + 5, d = 19;
    const AlsModel model(gaussian_factors(3, d, 160), gaussian_factors(courses, d, 161), config_for(d));
    const std::vector<index_t> who{0, 1, 2};
    const QueryBlock queries = model.learner_queries(who);
    std::vector<float> whole(static_cast<std::size_t>(courses) * 3);
    model.score_approximate(queries, 0, 3, 0, courses, whole.data(), courses);
    for (index_t c0 : {0, 16, 48, 112, 192, 208}) {
        for (index_t c1 : {c0 + 1, c0 + 16, c0 + 37, c0 + 64, courses}) {
            if (c1 > courses || c1 <= c0) continue;
            const auto width = static_cast<std::size_t>(c1 - c0);
            std::vector<float> part(width * 3);
            model.score_approximate(queries, 0, 3, c0, c1, part.data(), width);
            for (index_t q = 0; q < 3; ++q)
                for (index_t c = c0; c < c1; ++c) {
                    INFO("query " << q << ", course " << c << ", range [" << c0 << ", " << c1 << ")");
                    REQUIRE(part[static_cast<std::size_t>(q) * width + static_cast<std::size_t>(c - c0)] ==
                            whole[static_cast<std::size_t>(q) * courses + static_cast<std::size_t>(c)]);
                }
        }
    }
}

TEST_CASE("the bfloat16 error bound holds for every course, odd dimensions included", "[topk][recommend]") {
    if (!detail::bf16_scoring_supported()) return;  // nothing to bound: the copy is never built
    const index_t courses = 4100, d = 37;
    const AlsModel model(gaussian_factors(11, d, 160), gaussian_factors(courses, d, 161), config_for(d));
    REQUIRE_FALSE(model.bf16_items().empty());
    std::vector<index_t> who(11);
    std::iota(who.begin(), who.end(), 0);
    const QueryBlock queries = model.learner_queries(who);
    std::vector<float> approx(static_cast<std::size_t>(courses) * 11), exact(approx.size());
    model.score_bf16(queries, 0, 11, 0, courses, approx.data(), courses);
    model.score(queries, 0, 11, 0, courses, exact.data(), courses);
    for (index_t q = 0; q < 11; ++q) {
        const double bound =
            detail::bf16_score_error_bound(queries.embeddings.row(q).data(), d, model.bf16_items().max_norm);
        double worst = 0.0;
        for (index_t c = 0; c < courses; ++c) {
            const auto i = static_cast<std::size_t>(q) * courses + static_cast<std::size_t>(c);
            worst = std::max(worst, std::fabs(static_cast<double>(approx[i]) - exact[i]));
        }
        INFO("query " << q << ": worst error " << worst << ", bound " << bound);
        CHECK(worst <= bound);
        CHECK(worst > 0.0);  // the bfloat16 copy really is approximate
    }
}

TEST_CASE("the bfloat16 speed-up is measured exactly where the CPU can score bfloat16", "[topk][recommend]") {
    // The batch routes through the bfloat16 shortlist only when it pays (bf16_shortlist_pays);
    // without AVX512_BF16 (or on a forced narrower path) there is nothing to time.
    const double speedup = detail::bf16_speedup();
    if (detail::bf16_scoring_supported()) CHECK(speedup > 0.0);
    else CHECK(speedup == 0.0);
    CHECK(detail::bf16_shortlist_pays() == (speedup >= detail::kBf16MinSpeedup));
}

TEST_CASE("a batch shortlisted by bfloat16 scores gives exactly the float32 results", "[topk][recommend]") {
    // 150 learners: recommend() probes the pruned scan, which scores nearly every pair on these
    // factors of similar norms, so it takes the bfloat16 route where the CPU has it.
    const index_t learners = 300, courses = detail::kBf16MinCourses + 232, d = 32;
    const AlsModel model(gaussian_factors(learners, d, 170), gaussian_factors(courses, d, 171), config_for(d));
    const auto history = random_interactions(learners, courses, 0, 300, 0.1, 18);
    const CsrView hv = history.view();
    std::vector<index_t> who;
    for (index_t l = learners - 1; l >= 0; l -= 2) who.push_back(l);  // 150 learners, out of order
    check_shortlist_is_exact(model, hv, who, 12, [](index_t q, index_t c) { return (c + 3 * q) % 7 != 0; },
                             detail::bf16_scoring_supported(), detail::factor_topk_bf16);
}

TEST_CASE("a bfloat16 batch whose ties leave some queries unproven scores those exactly", "[topk][recommend]") {
    // Integer factors: massive ties, so most queries fail the proof; the exact pass must answer
    // them with their own exclusions and predicate (re-addressed to the subset).
    const index_t learners = 40, courses = 5000, d = 4;
    const AlsModel model(integer_factors(learners, d, 2, 180), integer_factors(courses, d, 2, 181), config_for(d));
    const auto history = random_interactions(learners, courses, 0, 100, 0.1, 19);
    const CsrView hv = history.view();
    std::vector<index_t> who(learners);
    std::iota(who.rbegin(), who.rend(), 0);
    const QueryBlock queries = model.learner_queries(who);
    const CoursePredicate odd_out = [](index_t q, index_t c) { return (c + q) % 3 != 0; };
    const CandidateFilter filter{&hv, who, {}, {}, odd_out};
    const TopK expected = exact_topk(model, queries, 10, filter);
    if (detail::bf16_scoring_supported()) {
        const TopK shortlisted = detail::factor_topk_bf16(model, queries, 10, filter, 2);
        CHECK(shortlisted.ids == expected.ids);
        CHECK(shortlisted.scores == expected.scores);
    }
}
