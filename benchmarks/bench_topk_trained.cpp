// Benchmark: batch top-10 for every learner of a data set on trained factors, with each learner's
// training courses excluded (the "already taken" filter): the learnrec side of
// benchmarks/compare/topk_trained.py, which trains the factors (implicit ALS on Gowalla) and times
// implicit's batch recommend and faiss IndexFlatIP on the same ones (benchmarks/README.md, issue #18).
//
//   bench_topk_trained <factors base> <train.txt> <d> <threads> <repeat>
//
// reads <base>_users.f32 and <base>_items.f32 (raw float32, row-major, d columns) and the training
// split (lines "learner course course ..."), and prints one JSON line: the median over `repeat`
// runs of process CPU seconds and wall seconds of recommend() (after one warm-up run, which builds
// the scoring copies). Where the library has the pruned top-k, it also counts the learners whose
// ids differ from those of the unpruned float32 scan in course-index order ("differ", untimed).
// Built against another checkout's headers and library it gives the "before" side of an A/B.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "learnrec/model/als.hpp"
#include "learnrec/retrieval/recommend.hpp"
#include "bench_clock.hpp"

namespace {

using namespace learnrec;

RowMatrix read_f32(const std::string& path, index_t cols) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        std::exit(2);
    }
    const auto bytes = static_cast<std::size_t>(in.tellg());
    const auto rows = static_cast<index_t>(bytes / sizeof(float) / static_cast<std::size_t>(cols));
    RowMatrix m(rows, cols);
    in.seekg(0);
    in.read(reinterpret_cast<char*>(m.data()), static_cast<std::streamsize>(m.size() * sizeof(float)));
    return m;
}

CsrMatrix read_lists(const std::string& path, index_t rows, index_t cols) {
    std::vector<std::vector<index_t>> lists(static_cast<std::size_t>(rows));
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        std::istringstream ss(line);
        long u = 0;
        if (!(ss >> u) || u < 0 || u >= rows) continue;
        for (long c; ss >> c;)
            if (c >= 0 && c < cols) lists[static_cast<std::size_t>(u)].push_back(static_cast<index_t>(c));
    }
    std::vector<offset_t> indptr{0};
    std::vector<index_t> indices;
    for (auto& l : lists) {
        std::sort(l.begin(), l.end());
        l.erase(std::unique(l.begin(), l.end()), l.end());
        indices.insert(indices.end(), l.begin(), l.end());
        indptr.push_back(static_cast<offset_t>(indices.size()));
    }
    std::vector<float> data(indices.size(), 1.0f);
    return CsrMatrix(rows, cols, std::move(indptr), std::move(indices), std::move(data));
}

template <class Run>
std::pair<double, double> median_time(int repeat, Run&& run) {
    std::vector<double> cpu, wall;
    for (int r = 0; r < repeat; ++r) {
        const double c0 = bench::process_cpu_seconds();
        const auto w0 = std::chrono::steady_clock::now();
        run();
        wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count());
        cpu.push_back(bench::process_cpu_seconds() - c0);
    }
    std::sort(cpu.begin(), cpu.end());
    std::sort(wall.begin(), wall.end());
    return {cpu[cpu.size() / 2], wall[wall.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: %s <factors base> <train.txt> <d> <threads> <repeat>\n", argv[0]);
        return 2;
    }
    const std::string base = argv[1];
    const auto d = static_cast<index_t>(std::atoi(argv[3]));
    const int threads = std::atoi(argv[4]);
    const int repeat = std::max(1, std::atoi(argv[5]));
    RowMatrix users = read_f32(base + "_users.f32", d);
    RowMatrix items = read_f32(base + "_items.f32", d);
    const CsrMatrix train = read_lists(argv[2], static_cast<index_t>(users.rows()), static_cast<index_t>(items.rows()));
    AlsConfig cfg;
    cfg.factors = d;
    const AlsModel model(std::move(users), std::move(items), cfg);
    std::vector<index_t> learners(static_cast<std::size_t>(model.num_learners()));
    for (std::size_t i = 0; i < learners.size(); ++i) learners[i] = static_cast<index_t>(i);
    const CsrView history = train.view();
    RecommendOptions options;
    options.k = 10;
    options.num_threads = threads;
    TopK result = recommend(model, learners, &history, options);  // warm-up: builds the scoring copies
    const auto [cpu, wall] = median_time(repeat, [&] { result = recommend(model, learners, &history, options); });
    std::string extra;
#if __has_include("learnrec/detail/pruned_topk.hpp")
    {
        const QueryBlock queries = model.learner_queries(learners);
        const CandidateFilter filter{&history, learners, {}, {}, {}};
        auto unpruned = [&] {
            return topk(queries.count, model.num_courses(), options.k,
                        [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
                            model.score(queries, q0, q1, c0, c1, out, ld);
                        },
                        filter, threads);
        };
        const TopK reference = unpruned();
        std::size_t differ = 0;
        for (index_t q = 0; q < reference.queries; ++q) {
            const auto a = reference.ids_of(q), b = result.ids_of(q);
            if (!std::equal(a.begin(), a.end(), b.begin())) ++differ;
        }
        std::fprintf(stderr, "learners whose top-%d ids differ from the unpruned float32 scan: %zu of %d\n",
                     static_cast<int>(options.k), differ, static_cast<int>(reference.queries));
        extra = ", \"differ\": " + std::to_string(differ);
    }
#endif
    std::printf("{\"cpu\": %.4f, \"wall\": %.4f, \"learners\": %d, \"courses\": %d, \"d\": %d, \"threads\": %d%s}\n",
                cpu, wall, static_cast<int>(model.num_learners()), static_cast<int>(model.num_courses()),
                static_cast<int>(d), threads, extra.c_str());
    return 0;
}
