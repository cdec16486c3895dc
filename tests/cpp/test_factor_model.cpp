// FactorModel's scoring copies of the course factors (packed float32 panels, half precision) are
// built by the first retrieval, never by construction or training, exactly once even when many
// threads score a fresh model, and do not change a single score.
//
// Integer-valued factors keep every dot product exact in float, so scores are compared exactly
// with a plain Eigen product.
#include <latch>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "learnrec/model/als.hpp"
#include "learnrec/model/bpr.hpp"
#include "learnrec/model/hybrid.hpp"
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

QueryBlock all_queries(const Model& model) {
    std::vector<index_t> who(static_cast<std::size_t>(model.num_learners()));
    for (std::size_t i = 0; i < who.size(); ++i) who[i] = static_cast<index_t>(i);
    return model.learner_queries(who);
}

/// Every learner against every course through score(), one call per 1024-course tile as topk() does.
RowMatrix scores_of(const Model& model) {
    const QueryBlock q = all_queries(model);
    RowMatrix out(q.count, model.num_courses());
    for (index_t c0 = 0; c0 < model.num_courses(); c0 += 1024) {
        const index_t c1 = std::min<index_t>(c0 + 1024, model.num_courses());
        model.score(q, 0, q.count, c0, c1, out.data() + c0, static_cast<std::size_t>(model.num_courses()));
    }
    return out;
}

}  // namespace

TEST_CASE("constructing or copying a factor model does not build its scoring panels", "[factor_model]") {
    const AlsModel model(integer_factors(20, 5, 3, 1), integer_factors(300, 5, 3, 2), config_for(5));
    CHECK_FALSE(model.panels_built());
    const AlsModel copy = model;
    CHECK_FALSE(copy.panels_built());
}

TEST_CASE("training an ALS, BPR or hybrid model leaves its scoring panels unbuilt", "[factor_model]") {
    const CsrMatrix data = random_interactions(40, 90, 1, 8, 0.0, 3);
    AlsConfig als;
    als.factors = 6;
    als.iterations = 2;
    als.num_threads = 1;
    CHECK_FALSE(fit_als(data.view(), als).panels_built());
    BprConfig bpr;
    bpr.factors = 6;
    bpr.iterations = 2;
    bpr.num_threads = 1;
    CHECK_FALSE(fit_bpr(data.view(), bpr).panels_built());
    HybridConfig hybrid;
    hybrid.factors = 6;
    hybrid.iterations = 2;
    hybrid.num_threads = 1;
    CHECK_FALSE(fit_hybrid(data.view(), nullptr, nullptr, hybrid).panels_built());
}

TEST_CASE("a fresh factor model scores exactly the product of its factors, before and after its panels exist",
          "[factor_model]") {
    // 2500 courses: several 1024-course tiles and a last 16-course panel that is partly padding.
    const RowMatrix users = integer_factors(37, 7, 3, 10), items = integer_factors(2500, 7, 3, 11);
    const RowMatrix expected = users * items.transpose();
    const AlsModel model(users, items, config_for(7));
    REQUIRE_FALSE(model.panels_built());
    const RowMatrix first = scores_of(model);
    CHECK(model.panels_built());
    CHECK(first == expected);
    CHECK(scores_of(model) == expected);
}

TEST_CASE("the half-precision copy exists after the first retrieval on CPUs with F16C", "[factor_model]") {
    const AlsModel model(random_factors(10, 16, 20), random_factors(700, 16, 21), config_for(16));
    RecommendOptions opt;
    opt.k = 5;
    opt.num_threads = 1;
    const std::vector<index_t> who{0, 4};
    (void)recommend(model, who, nullptr, opt);
    CHECK(model.panels_built());
    CHECK(model.half_items().empty() == !detail::half_scoring_supported());
}

TEST_CASE("a copy of a scored factor model builds its own panels and a move keeps them", "[factor_model]") {
    AlsModel model(integer_factors(9, 4, 2, 30), integer_factors(500, 4, 2, 31), config_for(4));
    const RowMatrix expected = scores_of(model);
    REQUIRE(model.panels_built());

    const AlsModel copy = model;
    CHECK_FALSE(copy.panels_built());
    CHECK(scores_of(copy) == expected);

    const AlsModel moved = std::move(model);
    CHECK(moved.panels_built());
    CHECK(scores_of(moved) == expected);
    // The moved-from model is a valid empty one, not a dangling one.
    CHECK(model.num_courses() == 0);  // NOLINT(bugprone-use-after-move): that is the point
    CHECK_FALSE(model.panels_built());
}

TEST_CASE("threads scoring and recommending from a fresh factor model all get the same results",
          "[factor_model][concurrency]") {
    // 32768 courses x 64 factors are 8 MiB of float32: single-learner requests take the
    // half-precision shortlist (where the CPU has F16C), so both copies are raced for.
    const index_t learners = 12, courses = 32768, d = 64, threads = 6;
    const RowMatrix users = random_factors(learners, d, 40), items = random_factors(courses, d, 41);
    RecommendOptions opt;
    opt.k = 10;
    opt.num_threads = 1;
    const std::vector<index_t> who{3};
    const AlsModel reference(users, items, config_for(d));
    const RowMatrix expected_scores = scores_of(reference);
    const TopK expected = recommend(reference, who, nullptr, opt);

    const AlsModel model(users, items, config_for(d));
    REQUIRE_FALSE(model.panels_built());
    std::vector<RowMatrix> scores(static_cast<std::size_t>(threads));
    std::vector<TopK> tops(static_cast<std::size_t>(threads));
    std::latch start(threads);
    std::vector<std::thread> pool;
    for (index_t t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            const auto i = static_cast<std::size_t>(t);
            start.arrive_and_wait();  // all at once, so that several reach the unbuilt panels
            if (t % 2 == 0) {
                tops[i] = recommend(model, who, nullptr, opt);
                scores[i] = scores_of(model);
            } else {
                scores[i] = scores_of(model);
                tops[i] = recommend(model, who, nullptr, opt);
            }
        });
    for (auto& th : pool) th.join();
    for (std::size_t i = 0; i < scores.size(); ++i) {
        INFO("thread " << i);
        CHECK(scores[i] == expected_scores);
        CHECK(tops[i].ids == expected.ids);
        CHECK(tops[i].scores == expected.scores);
    }
}
