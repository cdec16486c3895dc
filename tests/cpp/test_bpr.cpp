// BPR: ranking quality on the academy, determinism, threads, the bias column, fold-in.
#include <random>

#include <catch2/catch.hpp>

#include "learnrec/data/academy.hpp"
#include "learnrec/eval/metrics.hpp"
#include "learnrec/eval/split.hpp"
#include "learnrec/model/bpr.hpp"
#include "learnrec/model/popularity.hpp"

using namespace learnrec;

namespace {

CsrMatrix small_data() {
    std::mt19937_64 rng(3);
    std::vector<Triplet> t;
    for (index_t u = 0; u < 200; ++u) {
        const index_t group = u % 4;
        for (int j = 0; j < 8; ++j) t.push_back({u, static_cast<index_t>(group * 20 + static_cast<index_t>(rng() % 20)), 1.0f});
    }
    return CsrMatrix::from_triplets(200, 80, t);
}

BprConfig small_config(int threads) {
    BprConfig c;
    c.factors = 16;
    c.iterations = 30;
    c.learning_rate = 0.1f;
    c.num_threads = threads;
    return c;
}

}  // namespace

TEST_CASE("BPR beats most-popular at holdout recall@10 on the academy", "[bpr]") {
    const auto academy = generate_academy(AcademyConfig{});
    const auto split = holdout_split(academy.interactions.matrix, 0.2, 1);
    BprConfig c;
    c.factors = 32;
    c.iterations = 40;
    c.num_threads = 2;
    const auto bpr = fit_bpr(split.train, c);
    const auto popularity = PopularityModel::fit(split.train);
    const double bpr_recall = evaluate(bpr, split.train, split.test, 10, 2).recall;
    const double pop_recall = evaluate(popularity, split.train, split.test, 10, 2).recall;
    INFO("bpr " << bpr_recall << " popularity " << pop_recall);
    CHECK(bpr_recall > 1.2 * pop_recall);
}

TEST_CASE("BPR trains deterministically with one thread", "[bpr]") {
    const auto data = small_data();
    const auto a = fit_bpr(data, small_config(1));
    const auto b = fit_bpr(data, small_config(1));
    CHECK(a.user_factors() == b.user_factors());
    CHECK(a.item_factors() == b.item_factors());
}

TEST_CASE("BPR trains with 2 threads to finite factors", "[bpr]") {
    const auto data = small_data();
    const auto model = fit_bpr(data, small_config(2));
    CHECK(model.user_factors().allFinite());
    CHECK(model.item_factors().allFinite());
    CHECK(model.item_factors().cwiseAbs().maxCoeff() > 0.0f);
}

TEST_CASE("BPR keeps the course bias in the last column with the learners' side fixed at 1", "[bpr]") {
    const auto data = small_data();
    const auto model = fit_bpr(data, small_config(1));
    REQUIRE(model.factors() == 17);
    CHECK((model.user_factors().col(16).array() == 1.0f).all());
    auto no_bias = small_config(1);
    no_bias.item_bias = false;
    CHECK(fit_bpr(data, no_bias).factors() == 16);
}

TEST_CASE("BPR ranks more sampled triples correctly as epochs go", "[bpr]") {
    const auto data = small_data();
    BprTrainer trainer(data, small_config(1));
    const auto first = trainer.step();
    BprIterationInfo last;
    for (int i = 0; i < 29; ++i) last = trainer.step();
    CHECK(first.iteration == 1);
    CHECK(last.iteration == 30);
    CHECK(last.samples == data.nnz());
    CHECK(last.correct > first.correct);
    CHECK(last.correct > 0.8);
    CHECK(last.skipped > 0.0);  // 8 of 80 courses are each learner's own: about 1 draw in 10 is skipped
    CHECK(last.skipped < 0.2);
}

TEST_CASE("BPR stops when the callback returns false", "[bpr]") {
    const auto data = small_data();
    int calls = 0;
    const auto model = fit_bpr(data, small_config(1), [&](const BprIterationInfo& info) {
        ++calls;
        return info.iteration < 3;
    });
    CHECK(calls == 3);
}

TEST_CASE("BPR never takes negative feedback as a positive", "[bpr]") {
    const auto data = CsrMatrix::from_triplets(3, 5, std::vector<Triplet>{{0, 1, -1.0f}, {1, 2, -2.0f}, {2, 4, -1.0f}});
    BprTrainer trainer(data, small_config(1));
    CHECK(trainer.step().samples == 0);
}

TEST_CASE("BPR fold-in of a row is the same in any batch and with any thread count", "[bpr]") {
    const auto data = small_data();
    const auto model = fit_bpr(data, small_config(1));
    const std::vector<index_t> pick{5, 17, 42};
    const auto rows = data.select_rows(pick);
    const auto batch = model.fold_in_learners(rows, 2);
    const index_t one = 17;
    const auto alone = model.fold_in_learners(data.select_rows({&one, 1}), 1);
    CHECK(batch.row(1) == alone.row(0));
}

TEST_CASE("BPR fold-in of a training row recovers the learner's taste", "[bpr]") {
    const auto data = small_data();
    const auto model = fit_bpr(data, small_config(1));
    // Learner 6 is in group 2 (courses 40-59): folded in, their best unseen courses are in the group.
    const index_t learner = 6;
    const auto top = recommend_from_rows(model, data.select_rows({&learner, 1}));
    for (auto c : top.ids_of(0)) CHECK((c >= 40 && c < 60));
}

TEST_CASE("BPR fold-in of an empty row ranks by the course bias", "[bpr]") {
    const auto data = small_data();
    const auto model = fit_bpr(data, small_config(1));
    const CsrMatrix empty(1, 80);
    const auto x = model.fold_in_learners(empty);
    CHECK(x.leftCols(16).isZero());
    CHECK(x(0, 16) == 1.0f);
}

TEST_CASE("BPR rejects invalid configurations", "[bpr]") {
    const auto data = small_data();
    auto c = small_config(1);
    c.negatives = 0;
    CHECK_THROWS_AS(fit_bpr(data, c), Error);
    c = small_config(1);
    c.learning_rate = 0.0f;
    CHECK_THROWS_AS(fit_bpr(data, c), Error);
    c = small_config(1);
    CHECK_THROWS_AS(BprModel(RowMatrix::Zero(2, 5), RowMatrix::Zero(3, 5), c), Error);  // 16 + bias expected
}
