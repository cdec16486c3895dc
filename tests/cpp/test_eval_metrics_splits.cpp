// MAP, hit rate, MRR, AUC and coverage against hand-computed cases; time-based and cold-start splits.
#include <catch2/catch.hpp>

#include "learnrec/eval/metrics.hpp"
#include "learnrec/eval/split.hpp"

using namespace learnrec;

namespace {
TopK lists(index_t k, std::vector<std::vector<index_t>> rows) {
    TopK t;
    t.queries = static_cast<index_t>(rows.size());
    t.k = k;
    for (auto& r : rows) {
        r.resize(static_cast<std::size_t>(k), -1);
        for (auto c : r) {
            t.ids.push_back(c);
            t.scores.push_back(c < 0 ? -std::numeric_limits<float>::infinity() : 1.0f);
        }
    }
    return t;
}
}  // namespace

TEST_CASE("MAP, hit rate and MRR match a hand-computed case at k = 4", "[eval][metrics]") {
    // Learner 0: relevant {1, 3}; list 5 1 7 3 -> hits at positions 2 and 4.
    //   AP = (1/2 + 2/4) / min(4, 2) = 0.5; MRR = 1/2; hit = 1.
    // Learner 1: relevant {9}; list 2 4 6 8 -> no hit: AP 0, MRR 0, hit 0.
    const auto test = CsrMatrix::from_triplets(2, 10, std::vector<Triplet>{{0, 1, 1}, {0, 3, 1}, {1, 9, 1}});
    const std::vector<index_t> learners{0, 1};
    const auto m = ranking_metrics(lists(4, {{5, 1, 7, 3}, {2, 4, 6, 8}}), learners, test);
    CHECK(m.map == Approx(0.25));
    CHECK(m.mrr == Approx(0.25));
    CHECK(m.hit_rate == Approx(0.5));
}

TEST_CASE("AUC follows implicit's convention for the unranked tail", "[eval][metrics]") {
    // 10 candidate courses, relevant {1, 3}, list 5 1 7 3 (k = 4): negatives = 8.
    // In the list: negative 5 (0 relevant above), negative 7 (1 above) -> 1 pair; misses = 2.
    // Tail: (hits 2 + 0 * 0.5) * (8 - 2) = 12 pairs. AUC = 13 / (2 * 8) = 0.8125.
    const auto test = CsrMatrix::from_triplets(1, 10, std::vector<Triplet>{{0, 1, 1}, {0, 3, 1}});
    const std::vector<index_t> learners{0};
    CHECK(ranking_metrics(lists(4, {{5, 1, 7, 3}}), learners, test).auc == Approx(0.8125));
}

TEST_CASE("AUC counts only courses outside the training row as candidates", "[eval][metrics]") {
    // As above but two courses are in train: negatives = 6; tail 2 * (6 - 2) = 8; AUC = 9 / 12.
    const auto test = CsrMatrix::from_triplets(1, 10, std::vector<Triplet>{{0, 1, 1}, {0, 3, 1}});
    const auto train = CsrMatrix::from_triplets(1, 10, std::vector<Triplet>{{0, 0, 1}, {0, 2, 1}});
    const std::vector<index_t> learners{0};
    const CsrView train_view = train.view();
    CHECK(ranking_metrics(lists(4, {{5, 1, 7, 3}}), learners, test, &train_view).auc == Approx(0.75));
}

TEST_CASE("a perfect ranking has MAP, MRR, hit rate and AUC of 1", "[eval][metrics]") {
    const auto test = CsrMatrix::from_triplets(1, 6, std::vector<Triplet>{{0, 2, 1}, {0, 4, 1}});
    const std::vector<index_t> learners{0};
    const auto m = ranking_metrics(lists(3, {{4, 2, 0}}), learners, test);
    CHECK(m.map == Approx(1.0));
    CHECK(m.mrr == Approx(1.0));
    CHECK(m.hit_rate == Approx(1.0));
    CHECK(m.auc == Approx(1.0));
}

TEST_CASE("catalogue coverage is the share of courses in any evaluated list", "[eval][metrics]") {
    const auto test = CsrMatrix::from_triplets(3, 10, std::vector<Triplet>{{0, 1, 1}, {1, 2, 1}});
    const std::vector<index_t> learners{0, 1, 2};  // learner 2 has no test items: not evaluated
    const auto m = ranking_metrics(lists(3, {{1, 2, 3}, {3, 4, -1}, {7, 8, 9}}), learners, test);
    CHECK(m.coverage == Approx(0.4));  // {1, 2, 3, 4} of 10
    CHECK(m.learners == 2);
}

TEST_CASE("metrics are the same on 1 and 2 threads", "[eval][metrics]") {
    std::vector<Triplet> t;
    std::vector<std::vector<index_t>> rows;
    for (index_t u = 0; u < 300; ++u) {
        t.push_back({u, u % 17, 1.0f});
        t.push_back({u, (u * 7) % 23, 1.0f});
        rows.push_back({u % 23, (u * 3) % 23, (u * 5) % 23 == u % 23 ? 22 : (u * 5) % 23});
    }
    const auto test = CsrMatrix::from_triplets(300, 23, t);
    std::vector<index_t> learners(300);
    std::iota(learners.begin(), learners.end(), 0);
    const auto ranked = lists(3, rows);
    const auto a = ranking_metrics(ranked, learners, test, nullptr, 1);
    const auto b = ranking_metrics(ranked, learners, test, nullptr, 2);
    CHECK(a.recall == b.recall);
    CHECK(a.map == b.map);
    CHECK(a.auc == b.auc);
}

TEST_CASE("leave-last-k-out moves each learner's k most recent positives to test", "[eval][split]") {
    // Learner 0: courses 0..3 at times 10, 40, 30, 20 -> last 2 are courses 1 and 2.
    // Learner 1: one positive stays in train; learner 2: a negative stays in train.
    const auto m = CsrMatrix::from_triplets(
        3, 5, std::vector<Triplet>{{0, 0, 1}, {0, 1, 1}, {0, 2, 1}, {0, 3, 1}, {1, 4, 1}, {2, 0, -1}, {2, 1, 1}, {2, 2, 1}});
    const std::vector<std::int64_t> ts{10, 40, 30, 20, 5, 99, 1, 2};
    const auto s = leave_last_k_out(m, ts, 2);
    const auto t0 = s.test.row(0).indices;
    CHECK(std::vector<index_t>(t0.begin(), t0.end()) == std::vector<index_t>{1, 2});
    CHECK(s.train.row(0).size() == 2);
    CHECK(s.test.row(1).size() == 0);
    CHECK(s.train.row(1).size() == 1);
    // Learner 2: two positives, so only one (the later, course 2) moves; the negative stays.
    CHECK(s.test.row(2).size() == 1);
    CHECK(s.test.row(2).indices[0] == 2);
    CHECK(s.train.row(2).size() == 2);
}

TEST_CASE("leave-last-k-out needs one timestamp per interaction", "[eval][split]") {
    const auto m = CsrMatrix::from_triplets(1, 3, std::vector<Triplet>{{0, 0, 1}, {0, 1, 1}});
    const std::vector<std::int64_t> ts{1};
    CHECK_THROWS_WITH(leave_last_k_out(m, ts, 1), Catch::Contains("1 timestamps for 2 interactions"));
}

TEST_CASE("cold-start split holds out whole learners, reproducibly by seed", "[eval][split]") {
    std::vector<Triplet> t;
    for (index_t u = 0; u < 100; ++u)
        for (index_t j = 0; j < 3; ++j) t.push_back({u, (u + j) % 20, 1.0f});
    const auto m = CsrMatrix::from_triplets(100, 20, t);
    const auto a = cold_start_split(m, 0.2, 7);
    const auto b = cold_start_split(m, 0.2, 7);
    const auto c = cold_start_split(m, 0.2, 8);
    CHECK(a.learners.size() == 20);
    CHECK(a.learners == b.learners);
    CHECK(a.learners != c.learners);
    for (index_t u = 0; u < 100; ++u) {
        const bool held = std::binary_search(a.learners.begin(), a.learners.end(), u);
        CHECK(a.train.row(u).size() == (held ? 0u : 3u));
        CHECK(a.test.row(u).size() == (held ? 3u : 0u));
    }
    CHECK(a.train.nnz() + a.test.nnz() == m.nnz());
}
