// detail::parallel_for / parallel_team: every index once, the first exception on the caller, and
// one thread outside a parallel region runs on the caller with no OpenMP region at all (the HTTP
// service calls the Ranker with one thread per request; a region of one still cost six futex calls).
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "learnrec/detail/parallel.hpp"

namespace {

using learnrec::detail::parallel_for;
using learnrec::detail::parallel_team;
using learnrec::detail::thread_index;

// Nesting level of OpenMP regions around the caller (0 when none), -1 when built without OpenMP.
int region_level() {
#if defined(_OPENMP)
    return omp_get_level();
#else
    return -1;
#endif
}

}  // namespace

TEST_CASE("parallel_for with one thread visits the indices in order on the calling thread", "[parallel]") {
    const auto caller = std::this_thread::get_id();
    std::vector<std::int64_t> seen;
    bool on_caller = true;
    parallel_for(3, 11, 1, [&](std::int64_t i) {
        seen.push_back(i);
        on_caller = on_caller && std::this_thread::get_id() == caller;
    });
    CHECK(seen == std::vector<std::int64_t>{3, 4, 5, 6, 7, 8, 9, 10});
    CHECK(on_caller);
}

TEST_CASE("parallel_for with one thread opens no OpenMP region and reports thread index 0", "[parallel]") {
    std::vector<int> levels;
    std::vector<int> indices;
    parallel_for(0, 4, 1, [&](std::int64_t) {
        levels.push_back(region_level());
        indices.push_back(thread_index());
    });
#if defined(_OPENMP)
    CHECK(levels == std::vector<int>(4, 0));
#endif
    CHECK(indices == std::vector<int>(4, 0));
}

TEST_CASE("parallel_for with one thread rethrows the first exception on the caller and skips the rest",
          "[parallel]") {
    std::vector<std::int64_t> seen;
    auto call = [&] {
        parallel_for(0, 10, 1, [&](std::int64_t i) {
            seen.push_back(i);
            if (i == 3) throw std::runtime_error("index 3");
        });
    };
    CHECK_THROWS_WITH(call(), "index 3");
    CHECK(seen == std::vector<std::int64_t>{0, 1, 2, 3});
}

TEST_CASE("parallel_for over a single index runs it on the caller whatever the thread count", "[parallel]") {
    const auto caller = std::this_thread::get_id();
    int calls = 0;
    bool on_caller = false;
    parallel_for(5, 6, 8, [&](std::int64_t i) {
        calls += i == 5 ? 1 : 100;
        on_caller = std::this_thread::get_id() == caller;
    });
    CHECK(calls == 1);
    CHECK(on_caller);
}

TEST_CASE("parallel_for with several threads visits every index exactly once", "[parallel]") {
    constexpr std::int64_t n = 1000;
    std::vector<std::atomic<int>> visits(n);
    parallel_for(0, n, 3, [&](std::int64_t i) { visits[static_cast<std::size_t>(i)].fetch_add(1); }, 7);
    int wrong = 0;
    for (const auto& v : visits) wrong += v.load() != 1;
    CHECK(wrong == 0);
}

TEST_CASE("parallel_for with several threads rethrows a body's exception on the caller", "[parallel]") {
    auto call = [] {
        parallel_for(0, 100, 2, [](std::int64_t i) {
            if (i == 42) throw std::runtime_error("index 42");
        });
    };
    CHECK_THROWS_WITH(call(), "index 42");
}

TEST_CASE("parallel_for with one thread inside an active team indexes its own team of one", "[parallel]") {
    // Per-thread scratch is sized by the inner call's thread count, so thread_index() must be 0
    // there, not the outer thread's index.
    std::mutex mutex;
    std::vector<int> inner_indices;
    parallel_team(2, [&](int, int) {
        parallel_for(0, 3, 1, [&](std::int64_t) {
            const int t = thread_index();
            std::lock_guard<std::mutex> lock(mutex);
            inner_indices.push_back(t);
        });
    });
    CHECK(inner_indices.size() % 3 == 0);
    CHECK(inner_indices == std::vector<int>(inner_indices.size(), 0));
}

TEST_CASE("parallel_team with one thread runs the body once on the caller as thread 0 of 1", "[parallel]") {
    const auto caller = std::this_thread::get_id();
    std::vector<std::pair<int, int>> calls;
    bool on_caller = false;
    parallel_team(1, [&](int id, int count) {
        calls.emplace_back(id, count);
        on_caller = std::this_thread::get_id() == caller;
    });
    CHECK(calls == std::vector<std::pair<int, int>>{{0, 1}});
    CHECK(on_caller);
}

TEST_CASE("parallel_team with one thread rethrows the body's exception on the caller", "[parallel]") {
    CHECK_THROWS_WITH(parallel_team(1, [](int, int) { throw std::runtime_error("team of one"); }), "team of one");
}
