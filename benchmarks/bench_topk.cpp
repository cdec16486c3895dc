// Benchmark: batch top-10 through learnrec::recommend() over an AlsModel with random factors,
// at 10k and 100k courses and d = 64 / 128, plus single-query latency.
//
// Arguments: courses / d / threads (state.range 0..2); threads defaults to 2.
// Environment (optional): LEARNREC_BENCH_QUERIES  batch size (default 2048)
//                         LEARNREC_BENCH_THREADS  comma-separated thread counts (default 2)
//                         LEARNREC_ISA           baseline | avx2 | avx512: the instruction-set path (README)
// Counters (rates, shown as x/s): queries, and GFLOP = 2 * queries * courses * d (the scoring work;
// selection and filtering are extra). Times are wall-clock (UseRealTime): the work runs on an
// OpenMP team.
//
// Build: g++ -std=c++20 -O3 -I include -I /usr/include/eigen3 -fopenmp benchmarks/bench_topk.cpp
//        -lfmt -lbenchmark -lpthread -o /tmp/bench_topk
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "learnrec/isa.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/retrieval/recommend.hpp"

#include "bench_factors.hpp"

namespace {

using namespace learnrec;
using bench::random_factors;

std::vector<long> env_list(const char* name, std::vector<long> fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    std::vector<long> out;
    std::stringstream ss(v);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(std::strtol(item.c_str(), nullptr, 10));
    return out.empty() ? fallback : out;
}

index_t batch_size() {
    const char* v = std::getenv("LEARNREC_BENCH_QUERIES");
    return v && *v ? static_cast<index_t>(std::strtol(v, nullptr, 10)) : 2048;
}

/// One model per (courses, d), built on first use and kept for every benchmark over it.
const AlsModel& model(index_t courses, index_t d) {
    static std::map<std::pair<index_t, index_t>, std::unique_ptr<AlsModel>> cache;
    auto& m = cache[{courses, d}];
    if (!m) {
        AlsConfig cfg;
        cfg.factors = d;
        m = std::make_unique<AlsModel>(random_factors(batch_size(), d, 1), random_factors(courses, d, 2), cfg);
    }
    return *m;
}

void BM_recommend_batch(benchmark::State& state) {
    const auto courses = static_cast<index_t>(state.range(0));
    const auto d = static_cast<index_t>(state.range(1));
    const AlsModel& m = model(courses, d);
    const index_t queries = m.num_learners();
    std::vector<index_t> learners(static_cast<std::size_t>(queries));
    for (index_t i = 0; i < queries; ++i) learners[static_cast<std::size_t>(i)] = i;
    RecommendOptions opt;
    opt.k = 10;
    opt.num_threads = static_cast<int>(state.range(2));
    for (auto _ : state) {
        auto top = recommend(m, learners, nullptr, opt);
        benchmark::DoNotOptimize(top.ids.data());
        benchmark::ClobberMemory();
    }
    const double iterations = static_cast<double>(state.iterations());
    state.counters["queries"] = benchmark::Counter(static_cast<double>(queries) * iterations, benchmark::Counter::kIsRate);
    state.counters["GFLOP"] = benchmark::Counter(
        2.0 * static_cast<double>(queries) * static_cast<double>(courses) * static_cast<double>(d) * iterations / 1e9,
        benchmark::Counter::kIsRate);
}

void BM_recommend_single(benchmark::State& state) {
    const auto courses = static_cast<index_t>(state.range(0));
    const auto d = static_cast<index_t>(state.range(1));
    const AlsModel& m = model(courses, d);
    RecommendOptions opt;
    opt.k = 10;
    opt.num_threads = static_cast<int>(state.range(2));
    index_t next = 0;
    for (auto _ : state) {
        const index_t learner = next;
        next = (next + 1) % m.num_learners();
        auto top = recommend(m, std::span<const index_t>(&learner, 1), nullptr, opt);
        benchmark::DoNotOptimize(top.ids.data());
    }
    state.counters["queries"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
    state.counters["GFLOP"] = benchmark::Counter(
        2.0 * static_cast<double>(courses) * static_cast<double>(d) * static_cast<double>(state.iterations()) / 1e9,
        benchmark::Counter::kIsRate);
}

void register_all() {
    const auto threads = env_list("LEARNREC_BENCH_THREADS", {2});
    auto* batch = benchmark::RegisterBenchmark("recommend_top10/batch", BM_recommend_batch);
    auto* single = benchmark::RegisterBenchmark("recommend_top10/single", BM_recommend_single);
    for (long courses : {10000L, 100000L})
        for (long d : {64L, 128L})
            for (long t : threads) {
                batch->Args({courses, d, t});
                single->Args({courses, d, t});
            }
    batch->ArgNames({"courses", "d", "threads"})->UseRealTime()->Unit(benchmark::kMillisecond);
    single->ArgNames({"courses", "d", "threads"})->UseRealTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace

int main(int argc, char** argv) {
    register_all();
    // Which instruction-set path ran (LEARNREC_ISA=baseline|avx2|avx512 forces a narrower one).
    benchmark::AddCustomContext("learnrec_isa", std::string(learnrec::isa_name(learnrec::active_isa())));
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
