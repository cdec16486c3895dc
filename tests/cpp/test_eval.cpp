// Evaluation specification: holdout_split, ranking metrics against hand-computed cases, and
// evaluate() of the popularity baseline. Metric values are checked to 1e-12 relative.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "learnrec/eval/metrics.hpp"
#include "learnrec/eval/split.hpp"
#include "learnrec/model/popularity.hpp"
#include "test_support.hpp"

using namespace learnrec;
using namespace learnrec::test_support;
using Catch::Matchers::Contains;

namespace {

using Entry = std::tuple<index_t, index_t, float>;

std::set<Entry> entries(const CsrView& m) {
    std::set<Entry> out;
    for (index_t r = 0; r < m.rows; ++r) {
        const auto row = m.row(r);
        for (std::size_t j = 0; j < row.size(); ++j) out.insert({r, row.indices[j], row.weights[j]});
    }
    return out;
}

bool same_matrix(const CsrMatrix& a, const CsrMatrix& b) {
    return a.rows() == b.rows() && a.cols() == b.cols() && a.indptr() == b.indptr() && a.indices() == b.indices() &&
           a.data() == b.data();
}

bool vec_equal(std::span<const index_t> a, std::span<const index_t> b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

TopK ranked_lists(index_t k, std::vector<std::vector<index_t>> rows) {
    TopK t;
    t.queries = static_cast<index_t>(rows.size());
    t.k = k;
    for (auto& r : rows) {
        REQUIRE(r.size() == static_cast<std::size_t>(k));
        for (auto c : r) {
            t.ids.push_back(c);
            t.scores.push_back(c >= 0 ? 1.0f : -std::numeric_limits<float>::infinity());
        }
    }
    return t;
}

const double kLog3 = std::log2(3.0);  // 1 / log2(i + 2) at rank i = 1

}  // namespace

// ---- holdout_split ------------------------------------------------------------------------------

TEST_CASE("holdout_split puts every interaction in exactly one of train and test", "[eval][split]") {
    const auto data = random_interactions(300, 120, 0, 30, 0.15, 401);
    const auto s = holdout_split(data, 0.2, 7);
    CHECK(s.train.rows() == data.rows());
    CHECK(s.train.cols() == data.cols());
    CHECK(s.test.rows() == data.rows());
    CHECK(s.test.cols() == data.cols());
    const auto train = entries(s.train), test = entries(s.test), all = entries(data);
    std::set<std::pair<index_t, index_t>> train_pairs;
    for (const auto& [u, c, w] : train) train_pairs.insert({u, c});
    for (const auto& [u, c, w] : test) CHECK_FALSE(train_pairs.count({u, c}));  // disjoint
    std::set<Entry> both = train;
    both.insert(test.begin(), test.end());
    CHECK(both == all);  // train + test = original, weights unchanged
    CHECK(s.train.nnz() + s.test.nnz() == data.nnz());
    CHECK(s.test.nnz() > 0);
}

TEST_CASE("holdout_split moves round(fraction x positives) of each learner to test, at least 1, never all",
          "[eval][split]") {
    const auto data = random_interactions(300, 120, 0, 30, 0.15, 402);
    const double fraction = 0.3;
    const auto s = holdout_split(data, fraction, 8);
    for (index_t u = 0; u < data.rows(); ++u) {
        const auto row = data.row(u);
        std::size_t positives = 0;
        for (auto w : row.weights) positives += w > 0.0f;
        std::size_t want = 0;
        if (positives >= 2)
            want = std::clamp<std::size_t>(static_cast<std::size_t>(std::llround(fraction * static_cast<double>(positives))), 1,
                                           positives - 1);
        INFO("learner " << u << " with " << positives << " positives");
        CHECK(s.test.row(u).size() == want);
    }
}

TEST_CASE("holdout_split is reproducible from its seed", "[eval][split]") {
    const auto data = random_interactions(200, 100, 0, 25, 0.1, 403);
    const auto a = holdout_split(data, 0.25, 11);
    const auto b = holdout_split(data, 0.25, 11);
    CHECK(same_matrix(a.train, b.train));
    CHECK(same_matrix(a.test, b.test));
}

TEST_CASE("holdout_split with different seeds gives different test sets", "[eval][split]") {
    const auto data = random_interactions(200, 100, 2, 25, 0.1, 404);
    const auto a = holdout_split(data, 0.25, 11);
    const auto b = holdout_split(data, 0.25, 12);
    CHECK_FALSE(same_matrix(a.test, b.test));
    CHECK(a.test.nnz() == b.test.nnz());  // the sizes depend on the data only
}

TEST_CASE("a learner's split depends only on the seed and their own row", "[eval][split]") {
    auto base = random_interactions(50, 60, 2, 20, 0.0, 405);
    // Change learner 10's row; every other learner's split must stay the same.
    std::vector<Triplet> t;
    for (index_t u = 0; u < base.rows(); ++u) {
        const auto row = base.row(u);
        if (u == 10) {
            for (index_t c = 0; c < 30; ++c) t.push_back({u, c, 1.0f});
            continue;
        }
        for (std::size_t j = 0; j < row.size(); ++j) t.push_back({u, row.indices[j], row.weights[j]});
    }
    const auto changed = CsrMatrix::from_triplets(50, 60, t);
    const auto a = holdout_split(base, 0.2, 3);
    const auto b = holdout_split(changed, 0.2, 3);
    for (index_t u = 0; u < 50; ++u) {
        if (u == 10) continue;
        INFO("learner " << u);
        CHECK(vec_equal(a.test.row(u).indices, b.test.row(u).indices));
    }
}

TEST_CASE("a learner with a single positive keeps it in train", "[eval][split]") {
    const std::vector<Triplet> t{{0, 3, 1.0f}, {1, 0, 2.0f}, {1, 1, -1.0f}, {1, 2, -3.0f}, {2, 4, 1.0f}, {2, 5, 1.0f}};
    const auto data = CsrMatrix::from_triplets(3, 6, t);
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
        const auto s = holdout_split(data, 0.9, seed);
        CHECK(s.test.row(0).size() == 0);
        CHECK(s.test.row(1).size() == 0);  // one positive plus negatives
        CHECK(s.train.row(0).size() == 1);
        CHECK(s.test.row(2).size() == 1);  // two positives: one moves, one stays
        CHECK(s.train.row(2).size() == 1);
    }
}

TEST_CASE("negative weights always stay in train", "[eval][split]") {
    const auto data = random_interactions(300, 80, 1, 30, 0.3, 406);
    const auto s = holdout_split(data, 0.5, 9);
    for (const auto& [u, c, w] : entries(s.test)) CHECK(w > 0.0f);
    std::size_t negatives = 0, train_negatives = 0;
    for (auto w : data.data()) negatives += w < 0.0f;
    for (auto w : s.train.data()) train_negatives += w < 0.0f;
    CHECK(train_negatives == negatives);
    CHECK(negatives > 0);
}

TEST_CASE("holdout_split rejects a fraction outside (0, 1)", "[eval][split]") {
    const auto data = random_interactions(5, 5, 1, 3, 0.0, 407);
    for (double f : {0.0, 1.0, -0.5, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
        INFO("fraction " << f);
        CHECK_THROWS_WITH(holdout_split(data, f, 1), Contains("test_fraction must be in (0, 1)"));
    }
}

// ---- ranking metrics ----------------------------------------------------------------------------

TEST_CASE("ranking_metrics matches hand-computed recall, precision and NDCG at k = 3", "[eval][metrics]") {
    // Learner 0: T = {1, 4},          R = [4, 2, 1]  -> hits at ranks 0 and 2
    //   recall 2/2, precision 2/3, DCG = 1 + 1/log2(4) = 1.5, IDCG over min(3, 2) = 2 ranks = 1 + 1/log2(3)
    // Learner 1: T = {0, 2, 3, 5, 6}, R = [7, 3, -1] -> a hit at rank 1; padding never counts
    //   recall 1/5, precision 1/3, DCG = 1/log2(3), IDCG over min(3, 5) = 3 ranks = 1 + 1/log2(3) + 1/2
    // Learner 2: empty test row -> not in the average
    const std::vector<Triplet> t{{0, 1, 1.0f}, {0, 4, 1.0f}, {1, 0, 1.0f}, {1, 2, 2.0f},
                                 {1, 3, 1.0f}, {1, 5, 1.0f}, {1, 6, 1.0f}};
    const auto test = CsrMatrix::from_triplets(3, 8, t);
    const auto ranked = ranked_lists(3, {{4, 2, 1}, {7, 3, -1}, {0, 1, 2}});
    const std::vector<index_t> learners{0, 1, 2};
    const auto m = ranking_metrics(ranked, learners, test);
    const double ndcg0 = 1.5 / (1.0 + 1.0 / kLog3);               // 0.91972078914818...
    const double ndcg1 = (1.0 / kLog3) / (1.0 + 1.0 / kLog3 + 0.5);  // 0.29608191096586...
    CHECK(m.learners == 2);
    CHECK(m.recall == Approx((1.0 + 0.2) / 2.0).epsilon(1e-12));          // 0.6
    CHECK(m.precision == Approx((2.0 / 3.0 + 1.0 / 3.0) / 2.0).epsilon(1e-12));  // 0.5
    CHECK(m.ndcg == Approx((ndcg0 + ndcg1) / 2.0).epsilon(1e-12));       // 0.60790135005702...
    CHECK(m.ndcg == Approx(0.6079013500570264).epsilon(1e-12));
}

TEST_CASE("a perfect ranking has NDCG 1 whether |T| is below or above k", "[eval][metrics]") {
    const std::vector<Triplet> t{{0, 2, 1.0f}, {1, 0, 1.0f}, {1, 1, 1.0f}, {1, 2, 1.0f}, {1, 3, 1.0f}, {1, 4, 1.0f}};
    const auto test = CsrMatrix::from_triplets(2, 6, t);
    const auto ranked = ranked_lists(3, {{2, 5, -1}, {4, 0, 3}});
    const std::vector<index_t> learners{0, 1};
    const auto m = ranking_metrics(ranked, learners, test);
    CHECK(m.ndcg == Approx(1.0).epsilon(1e-12));
    CHECK(m.recall == Approx((1.0 + 3.0 / 5.0) / 2.0).epsilon(1e-12));
    CHECK(m.precision == Approx((1.0 / 3.0 + 1.0) / 2.0).epsilon(1e-12));
}

TEST_CASE("ranking_metrics ignores negative test entries and learners with only negatives", "[eval][metrics]") {
    const std::vector<Triplet> t{{0, 1, 1.0f}, {0, 2, -1.0f}, {1, 3, -2.0f}};
    const auto test = CsrMatrix::from_triplets(2, 4, t);
    const auto ranked = ranked_lists(2, {{2, 1}, {3, 0}});
    const std::vector<index_t> learners{0, 1};
    const auto m = ranking_metrics(ranked, learners, test);
    CHECK(m.learners == 1);
    CHECK(m.recall == Approx(1.0));
    CHECK(m.precision == Approx(0.5));
    CHECK(m.ndcg == Approx((1.0 / kLog3) / 1.0).epsilon(1e-12));  // hit at rank 1, IDCG over 1 rank
}

TEST_CASE("ranked list q is scored against the test row of the q-th learner", "[eval][metrics]") {
    const std::vector<Triplet> t{{0, 0, 1.0f}, {3, 2, 1.0f}};
    const auto test = CsrMatrix::from_triplets(4, 3, t);
    const auto ranked = ranked_lists(1, {{2}, {0}});
    const std::vector<index_t> learners{3, 0};
    const auto m = ranking_metrics(ranked, learners, test);
    CHECK(m.learners == 2);
    CHECK(m.recall == Approx(1.0));
}

TEST_CASE("ranking_metrics with no learner holding test items is all zeros", "[eval][metrics]") {
    const CsrMatrix test(2, 3);
    const auto ranked = ranked_lists(2, {{0, 1}, {1, 2}});
    const std::vector<index_t> learners{0, 1};
    const auto m = ranking_metrics(ranked, learners, test);
    CHECK(m.learners == 0);
    CHECK(m.recall == 0.0);
    CHECK(m.precision == 0.0);
    CHECK(m.ndcg == 0.0);
}

TEST_CASE("ranking_metrics rejects a learner list of another length", "[eval][metrics]") {
    const CsrMatrix test(2, 3);
    const auto ranked = ranked_lists(1, {{0}, {1}});
    const std::vector<index_t> learners{0};
    CHECK_THROWS_WITH(ranking_metrics(ranked, learners, test), Contains("2 ranked lists for 1 learners"));
}

// ---- popularity and evaluate() -------------------------------------------------------------------

TEST_CASE("popularity counts learners with positive weight only", "[eval][popularity]") {
    const std::vector<Triplet> t{{0, 0, 5.0f}, {1, 0, 1.0f}, {2, 0, -1.0f}, {0, 1, -2.0f},
                                 {1, 1, -1.0f}, {2, 2, 0.5f}};
    const auto data = CsrMatrix::from_triplets(3, 4, t);
    const auto m = PopularityModel::fit(data);
    CHECK(m.num_learners() == 3);
    CHECK(m.num_courses() == 4);
    CHECK(m.popularity() == Vector{{2.0f, 0.0f, 1.0f, 0.0f}});
}

TEST_CASE("evaluate() of the popularity model matches a hand-computed case at k = 2", "[eval][popularity]") {
    // Train:                      popularity (positives): c0 3, c1 2, c2 1, c3 0 (only a negative), c4 1
    //   u0: c0 c1   u1: c0 c2   u2: c0 c1 c3(-1)   u3: c4
    // Test:  u0: c2 c3   u1: c1   u2: -   u3: c0
    // Top-2 over courses not in train (ties to the lower index):
    //   u0: [c2, c4] -> 1 hit of 2: recall 1/2, precision 1/2, NDCG 1 / (1 + 1/log2 3)
    //   u1: [c1, c4] -> recall 1,   precision 1/2, NDCG 1
    //   u2: no test items, not evaluated
    //   u3: [c0, c1] -> recall 1,   precision 1/2, NDCG 1
    const std::vector<Triplet> train_t{{0, 0, 1.0f}, {0, 1, 1.0f}, {1, 0, 1.0f}, {1, 2, 1.0f},
                                       {2, 0, 1.0f}, {2, 1, 1.0f}, {2, 3, -1.0f}, {3, 4, 1.0f}};
    const std::vector<Triplet> test_t{{0, 2, 1.0f}, {0, 3, 1.0f}, {1, 1, 1.0f}, {3, 0, 1.0f}};
    const auto train = CsrMatrix::from_triplets(4, 5, train_t);
    const auto test = CsrMatrix::from_triplets(4, 5, test_t);
    const auto model = PopularityModel::fit(train);
    CHECK(model.popularity() == Vector{{3.0f, 2.0f, 1.0f, 0.0f, 1.0f}});

    const std::vector<index_t> who{0, 1, 3};
    const CsrView history = train.view();
    RecommendOptions opt;
    opt.k = 2;
    const auto ranked = recommend(model, who, &history, opt);
    CHECK(ranked.ids == std::vector<index_t>{2, 4, 1, 4, 0, 1});

    for (int threads : {1, 2}) {
        const auto m = evaluate(model, train, test, 2, threads);
        CHECK(m.learners == 3);
        CHECK(m.recall == Approx((0.5 + 1.0 + 1.0) / 3.0).epsilon(1e-12));
        CHECK(m.precision == Approx(0.5).epsilon(1e-12));
        CHECK(m.ndcg == Approx((1.0 / (1.0 + 1.0 / kLog3) + 2.0) / 3.0).epsilon(1e-12));  // 0.87104906426...
    }
}

TEST_CASE("evaluate() rejects train and test of different shapes", "[eval]") {
    const CsrMatrix train(3, 4), test(3, 5);
    const auto model = PopularityModel::fit(train);
    CHECK_THROWS_WITH(evaluate(model, train, test, 5), Contains("train is 3 x 4 but test is 3 x 5"));
}
