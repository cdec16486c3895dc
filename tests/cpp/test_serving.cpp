// Serving: hot-swapping models under concurrent readers.
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "learnrec/model/als.hpp"
#include "learnrec/model/popularity.hpp"
#include "learnrec/serving/model_handle.hpp"

using namespace learnrec;

namespace {

CsrMatrix serving_data(index_t learners, index_t courses, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<Triplet> t;
    for (index_t u = 0; u < learners; ++u)
        for (int j = 0; j < 6; ++j) t.push_back({u, static_cast<index_t>(rng() % static_cast<std::uint64_t>(courses)), 1.0f});
    return CsrMatrix::from_triplets(learners, courses, t);
}

std::shared_ptr<const AlsModel> serving_model(index_t courses, std::uint64_t seed) {
    AlsConfig c;
    c.factors = 8;
    c.iterations = 3;
    c.num_threads = 1;
    return std::make_shared<const AlsModel>(fit_als(serving_data(60, courses, seed), c));
}

bool same(const TopK& a, const TopK& b) { return a.ids == b.ids && a.scores == b.scores; }

}  // namespace

TEST_CASE("a handle serves the model it was given and publish returns the previous one", "[serving]") {
    const auto a = std::make_shared<const PopularityModel>(2, Vector::LinSpaced(5, 0.0f, 4.0f));
    const auto b = std::make_shared<const PopularityModel>(2, Vector::LinSpaced(7, 6.0f, 0.0f));
    ModelHandle handle(a);
    CHECK(handle.current() == a);
    CHECK(handle.generation() == 1);
    CHECK(handle.publish(b) == a);
    CHECK(handle.current() == b);
    CHECK(handle.generation() == 2);
    const index_t learner = 0;
    CHECK(handle.recommend({&learner, 1}, nullptr).ids_of(0)[0] == 0);  // b's most popular course
}

TEST_CASE("recommending from a handle with no model throws", "[serving]") {
    ModelHandle handle;
    CHECK(handle.current() == nullptr);
    const index_t learner = 0;
    CHECK_THROWS_WITH(handle.recommend({&learner, 1}, nullptr), Catch::Matchers::Contains("no model"));
}

TEST_CASE("a reader's snapshot keeps its model alive after a newer one is published", "[serving]") {
    ModelHandle handle(std::make_shared<const PopularityModel>(2, Vector::Ones(3)));
    const auto snapshot = handle.current();
    std::weak_ptr<const Model> watch = snapshot;
    handle.publish(std::make_shared<const PopularityModel>(2, Vector::Ones(9)));
    CHECK(snapshot->num_courses() == 3);
    CHECK(watch.use_count() == 1);
}

TEST_CASE("concurrent readers each see exactly one of the published models and replaced models are freed",
          "[serving]") {
    // Two distinguishable models (40 vs 50 courses, different factors); 1,000 fresh copies of
    // them are published alternately while 8 threads recommend in a loop.
    const auto model_a = serving_model(40, 1);
    const auto model_b = serving_model(50, 2);
    RecommendOptions options;
    options.k = 5;
    options.num_threads = 1;
    std::vector<TopK> expected_a, expected_b;
    for (index_t u = 0; u < 60; ++u) {
        expected_a.push_back(recommend(*model_a, {&u, 1}, nullptr, options));
        expected_b.push_back(recommend(*model_b, {&u, 1}, nullptr, options));
        REQUIRE(!same(expected_a.back(), expected_b.back()));
    }

    ModelHandle handle(std::make_shared<const AlsModel>(*model_a));
    constexpr int kReaders = 8;
    constexpr int kPublishes = 1000;
    std::atomic<bool> stop{false};
    std::atomic<long> calls{0}, errors{0}, mixed{0}, saw_a{0}, saw_b{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < kReaders; ++r) {
        readers.emplace_back([&, r] {
            index_t u = static_cast<index_t>(r);
            while (!stop.load(std::memory_order_relaxed)) {
                try {
                    const TopK top = handle.recommend({&u, 1}, nullptr, options);
                    const auto i = static_cast<std::size_t>(u);
                    if (same(top, expected_a[i]))
                        saw_a.fetch_add(1, std::memory_order_relaxed);
                    else if (same(top, expected_b[i]))
                        saw_b.fetch_add(1, std::memory_order_relaxed);
                    else
                        mixed.fetch_add(1, std::memory_order_relaxed);
                } catch (...) {
                    errors.fetch_add(1, std::memory_order_relaxed);
                }
                calls.fetch_add(1, std::memory_order_relaxed);
                u = (u + 7) % 60;
            }
        });
    }

    std::vector<std::weak_ptr<const Model>> published;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    for (int i = 0; i < kPublishes; ++i) {
        auto next = i % 2 == 0 ? std::make_shared<const AlsModel>(*model_b) : std::make_shared<const AlsModel>(*model_a);
        published.push_back(next);
        handle.publish(std::move(next));
        // Let the readers make a call or so on each model (bounded, so the test stays short on
        // 2 cores with 9 threads).
        const long seen = calls.load();
        while (calls.load() <= seen && std::chrono::steady_clock::now() < deadline) {
        }
    }
    const auto writer_done = std::chrono::steady_clock::now();
    stop = true;
    for (auto& t : readers) t.join();

    INFO("writer left " << std::chrono::duration<double>(deadline - writer_done).count() << " s before the deadline");
    INFO("calls " << calls.load() << ", model a " << saw_a.load() << ", model b " << saw_b.load());
    CHECK(errors.load() == 0);
    CHECK(mixed.load() == 0);
    CHECK(saw_a.load() > 0);
    CHECK(saw_b.load() > 0);
    CHECK(calls.load() >= kPublishes);
    // Every replaced model is gone; the last one is held by the handle alone.
    int alive = 0;
    for (int i = 0; i + 1 < kPublishes; ++i) alive += published[static_cast<std::size_t>(i)].expired() ? 0 : 1;
    CHECK(alive == 0);
    CHECK(published.back().use_count() == 1);
    handle.publish(nullptr);
    CHECK(published.back().expired());
}
