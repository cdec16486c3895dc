// Benchmark: one implicit-ALS iteration (AlsTrainer::step without the loss) at 32/64/128 factors,
// CG (3 steps) and Cholesky, on synthetic power-law data and optionally on a real interactions CSV.
//
// Environment (all optional):
//   LEARNREC_BENCH_LEARNERS      synthetic learners                  (default 50000)
//   LEARNREC_BENCH_COURSES       synthetic courses                   (default 10000)
//   LEARNREC_BENCH_INTERACTIONS  synthetic distinct (learner, course) pairs (default 1500000)
//   LEARNREC_BENCH_ZIPF          Zipf exponent of course popularity  (default 1.0)
//   LEARNREC_BENCH_THREADS       comma-separated thread counts       (default 2)
//   LEARNREC_BENCH_FACTORS       comma-separated factor counts       (default 32,64,128)
//   LEARNREC_ISA                 baseline, avx2 or avx512: the instruction-set path measured (README)
//   LEARNREC_BENCH_CSV           learnrec interactions CSV (learner_id,course_id[,weight]):
//                                benchmarked as the dataset "csv" as well
// Counters: interactions (a rate, shown as x/s: stored non-zeros per second of iteration wall time) and
// s/iter. Times are wall-clock (manual time = the step's own steady_clock duration), since the
// work runs on an OpenMP team.
//
// Manual build (the CSV reader is compiled code, so link src/csv.cpp):
//   g++ -std=c++20 -O3 -I include -I /usr/include/eigen3 -fopenmp benchmarks/bench_als.cpp src/csv.cpp
//       -lfmt -lbenchmark -lpthread -o /tmp/bench_als
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "learnrec/isa.hpp"
#include "learnrec/model/als.hpp"

#if __has_include("learnrec/data/csv.hpp")
#include "learnrec/data/csv.hpp"
#define LEARNREC_BENCH_HAVE_CSV 1
#else
#define LEARNREC_BENCH_HAVE_CSV 0
#endif

namespace {

using namespace learnrec;

long env_long(const char* name, long fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}
double env_double(const char* name, double fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtod(v, nullptr) : fallback;
}
std::vector<long> env_list(const char* name, std::vector<long> fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    std::vector<long> out;
    std::stringstream ss(v);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(std::strtol(item.c_str(), nullptr, 10));
    return out.empty() ? fallback : out;
}

/// Synthetic learners x courses log: course popularity is Zipf(s) over a random permutation of
/// the courses, learner activity is Zipf(0.5) (heavy-tailed but with no learner dominating);
/// repeated draws of a pair are summed, so weights are small positive counts.
CsrMatrix synthetic(index_t learners, index_t courses, std::int64_t interactions, double zipf, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    const auto cdf = [](index_t n, double s) {
        std::vector<double> c(static_cast<std::size_t>(n));
        double total = 0.0;
        for (index_t i = 0; i < n; ++i) c[static_cast<std::size_t>(i)] = total += std::pow(static_cast<double>(i) + 1.0, -s);
        for (auto& x : c) x /= total;
        return c;
    };
    const auto course_cdf = cdf(courses, zipf);
    const auto learner_cdf = cdf(learners, 0.5);
    std::vector<index_t> course_of_rank(static_cast<std::size_t>(courses)), learner_of_rank(static_cast<std::size_t>(learners));
    std::iota(course_of_rank.begin(), course_of_rank.end(), 0);
    std::iota(learner_of_rank.begin(), learner_of_rank.end(), 0);
    std::shuffle(course_of_rank.begin(), course_of_rank.end(), rng);
    std::shuffle(learner_of_rank.begin(), learner_of_rank.end(), rng);
    const auto draw = [&](const std::vector<double>& c) {
        const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
        return static_cast<std::size_t>(std::min<std::ptrdiff_t>(
            std::lower_bound(c.begin(), c.end(), u) - c.begin(), static_cast<std::ptrdiff_t>(c.size()) - 1));
    };
    // Draw events until `interactions` distinct pairs exist (repeats add to a pair's weight);
    // a pair space too small for the target stops after a bounded number of rounds.
    std::vector<Triplet> t;
    std::vector<std::uint64_t> keys;
    std::size_t distinct = 0;
    std::int64_t batch = interactions;
    for (int round = 0; round < 20 && static_cast<std::int64_t>(distinct) < interactions; ++round) {
        for (std::int64_t e = 0; e < batch; ++e) {
            const index_t u = learner_of_rank[draw(learner_cdf)];
            const index_t c = course_of_rank[draw(course_cdf)];
            t.push_back({u, c, 1.0f});
            keys.push_back(static_cast<std::uint64_t>(u) * static_cast<std::uint64_t>(courses) + static_cast<std::uint64_t>(c));
        }
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        distinct = keys.size();
        batch = std::max<std::int64_t>(1000, (interactions - static_cast<std::int64_t>(distinct)) * 3 / 2);
    }
    return CsrMatrix::from_triplets(learners, courses, t);
}

struct Dataset {
    std::string name;
    CsrMatrix matrix;
};

/// Datasets are built once, on first use, and shared by every benchmark over them.
std::map<std::string, std::unique_ptr<Dataset>>& datasets() {
    static std::map<std::string, std::unique_ptr<Dataset>> d;
    return d;
}

void bench_step(benchmark::State& state, const Dataset* data, index_t factors, AlsSolver solver) {
    AlsConfig cfg;
    cfg.factors = factors;
    cfg.solver = solver;
    cfg.cg_steps = 3;
    cfg.calculate_loss = false;
    cfg.num_threads = static_cast<int>(state.range(0));
    AlsTrainer trainer(data->matrix.view(), cfg);
    double seconds = 0.0;
    for (auto _ : state) {
        const auto start = std::chrono::steady_clock::now();
        const auto info = trainer.step();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        benchmark::DoNotOptimize(info);
        state.SetIterationTime(s);
        seconds += s;
    }
    const auto nnz = static_cast<double>(data->matrix.nnz());
    const auto iterations = static_cast<double>(state.iterations());
    state.counters["interactions"] = benchmark::Counter(nnz * iterations, benchmark::Counter::kIsRate);
    state.counters["s/iter"] = benchmark::Counter(seconds / iterations);
    state.counters["nnz"] = benchmark::Counter(nnz);
    state.SetLabel(data->name);
}

void register_dataset(const Dataset* d, const std::vector<long>& factor_list, const std::vector<long>& threads) {
    for (long f : factor_list)
        for (auto solver : {AlsSolver::cg, AlsSolver::cholesky}) {
            const std::string name = "als_step/" + d->name + "/" + (solver == AlsSolver::cg ? "cg3" : "cholesky") +
                                     "/d" + std::to_string(f);
            auto* b = benchmark::RegisterBenchmark(name.c_str(), bench_step, d, static_cast<index_t>(f), solver);
            b->ArgName("threads")->UseManualTime()->Unit(benchmark::kMillisecond);
            for (long t : threads) b->Arg(t);
        }
}

}  // namespace

int main(int argc, char** argv) {
    // Which instruction-set path ran (LEARNREC_ISA=baseline|avx2|avx512 forces a narrower one).
    benchmark::AddCustomContext("learnrec_isa", std::string(learnrec::isa_name(learnrec::active_isa())));
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    const auto learners = static_cast<index_t>(env_long("LEARNREC_BENCH_LEARNERS", 50000));
    const auto courses = static_cast<index_t>(env_long("LEARNREC_BENCH_COURSES", 10000));
    const auto interactions = static_cast<std::int64_t>(env_long("LEARNREC_BENCH_INTERACTIONS", 1500000));
    const double zipf = env_double("LEARNREC_BENCH_ZIPF", 1.0);
    const auto threads = env_list("LEARNREC_BENCH_THREADS", {2});
    const auto factor_list = env_list("LEARNREC_BENCH_FACTORS", {32, 64, 128});

    try {
        auto synth = std::make_unique<Dataset>(Dataset{"synthetic", synthetic(learners, courses, interactions, zipf, 42)});
        std::fprintf(stderr, "synthetic: %d learners x %d courses, %lld interactions (zipf %.2f)\n", learners, courses,
                     static_cast<long long>(synth->matrix.nnz()), zipf);
        register_dataset(synth.get(), factor_list, threads);
        datasets()["synthetic"] = std::move(synth);

        if (const char* path = std::getenv("LEARNREC_BENCH_CSV"); path && *path) {
#if LEARNREC_BENCH_HAVE_CSV
            auto x = read_interactions_csv(path);
            auto csv = std::make_unique<Dataset>(Dataset{"csv", std::move(x.matrix)});
            std::fprintf(stderr, "csv %s: %d learners x %d courses, %lld interactions\n", path, csv->matrix.rows(),
                         csv->matrix.cols(), static_cast<long long>(csv->matrix.nnz()));
            register_dataset(csv.get(), factor_list, threads);
            datasets()["csv"] = std::move(csv);
#else
            std::fprintf(stderr, "LEARNREC_BENCH_CSV is set but this build has no CSV reader; skipped\n");
#endif
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_als: %s\n", e.what());
        return 1;
    }

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
