// Benchmark (issue #18): batch top-10 scoring throughput of learnrec's active instruction-set path
// against the machine's sgemm (CBLAS: OpenBLAS from Debian), side by side in one process, in
// process CPU seconds (the machine is shared, so wall-clock time says little).
//
// Rows, for each d:
//   sgemm bare       cblas_sgemm of 256-learner blocks against every course (scores only, no selection)
//   sgemm tiles+topk cblas_sgemm per (64 learners x 1,024 courses) tile into an L2-sized buffer,
//                    then learnrec's selection (topk() with a BLAS TileScorer)
//   learnrec kernel  the path's scoring kernel alone, tile by tile as topk() calls it (no selection)
//   learnrec float32 recommend's float32 path (reduced_precision = false): the path's register-tiled
//                    kernel with the top-10 selection fused
//   learnrec default recommend as shipped (bfloat16 shortlist where the CPU and path have it)
// GFLOP/s counts the scoring work only: 2 * learners * courses * d.
//
// Usage: bench_scoring_blas [learners courses [d...]]   (default: Gowalla's 29,858 x 40,981, d 64 128)
// Environment: LEARNREC_ISA=baseline|avx2|avx512 forces learnrec's path; OPENBLAS_CORETYPE=Haswell
// (Nehalem, SkylakeX) forces OpenBLAS's kernels to match; OPENBLAS_NUM_THREADS=1 keeps it on one
// thread like learnrec (num_threads = 1 here). LEARNREC_BENCH_REPEAT: runs per row (median; default 3).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include <cblas.h>

#include "learnrec/isa.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/retrieval/recommend.hpp"

#include "bench_factors.hpp"
#include "bench_clock.hpp"

namespace {

using namespace learnrec;
using bench::random_factors;

template <class F>
double median_cpu(int repeat, F&& run) {
    std::vector<double> t;
    for (int r = 0; r < repeat; ++r) {
        const double t0 = bench::process_cpu_seconds();
        run();
        t.push_back(bench::process_cpu_seconds() - t0);
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    index_t learners = 29858, courses = 40981;
    std::vector<index_t> dims{64, 128};
    if (argc >= 3) {
        learners = static_cast<index_t>(std::strtol(argv[1], nullptr, 10));
        courses = static_cast<index_t>(std::strtol(argv[2], nullptr, 10));
    }
    if (argc >= 4) {
        dims.clear();
        for (int i = 3; i < argc; ++i) dims.push_back(static_cast<index_t>(std::strtol(argv[i], nullptr, 10)));
    }
    const char* rep = std::getenv("LEARNREC_BENCH_REPEAT");
    const int repeat = rep && *rep ? std::max(1, std::atoi(rep)) : 3;
    const char* core = std::getenv("OPENBLAS_CORETYPE");
    std::printf("learnrec path %s, OpenBLAS core %s (OPENBLAS_CORETYPE=%s), %d x %d, 1 thread, median of %d, CPU s\n",
                std::string(isa_name(active_isa())).c_str(), openblas_get_corename(), core ? core : "", learners,
                courses, repeat);
    std::printf("%-5s %-18s %10s %10s %12s\n", "d", "method", "CPU s", "GFLOP/s", "vs sgemm");
    for (index_t d : dims) {
        AlsConfig cfg;
        cfg.factors = d;
        const AlsModel model(random_factors(learners, d, 1), random_factors(courses, d, 2), cfg);
        const RowMatrix& U = model.user_factors();
        const RowMatrix& V = model.item_factors();
        std::vector<index_t> all(static_cast<std::size_t>(learners));
        for (index_t i = 0; i < learners; ++i) all[static_cast<std::size_t>(i)] = i;
        const double gflop = 2.0 * learners * static_cast<double>(courses) * d / 1e9;

        constexpr index_t block = 256;
        std::vector<float> scores(static_cast<std::size_t>(block) * static_cast<std::size_t>(courses));
        const double t_sgemm = median_cpu(repeat, [&] {
            for (index_t q0 = 0; q0 < learners; q0 += block) {
                const index_t nq = std::min(block, learners - q0);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, courses, d, 1.0f,
                            U.data() + static_cast<std::size_t>(q0) * static_cast<std::size_t>(d), d, V.data(), d, 0.0f,
                            scores.data(), courses);
            }
        });
        const QueryBlock queries = model.learner_queries(all);
        TopK tiles_top;
        const double t_tiles = median_cpu(repeat, [&] {
            tiles_top = topk(learners, courses, 10,
                             [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
                                 cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, q1 - q0, c1 - c0, d, 1.0f,
                                             U.data() + static_cast<std::size_t>(q0) * static_cast<std::size_t>(d), d,
                                             V.data() + static_cast<std::size_t>(c0) * static_cast<std::size_t>(d), d,
                                             0.0f, out, static_cast<int>(ld));
                             },
                             {}, 1);
        });
        // The kernel alone, tile by tile as topk() calls it, without the selection.
        const detail::PackedPanels packed = detail::PackedPanels::pack(V);
        std::vector<float> tile(static_cast<std::size_t>(detail::kQueryBlock) * detail::kCourseTile);
        const double t_kernel = median_cpu(repeat, [&] {
            for (index_t q0 = 0; q0 < learners; q0 += detail::kQueryBlock)
                for (index_t c0 = 0; c0 < courses; c0 += detail::kCourseTile)
                    detail::score_panels(U.data() + static_cast<std::size_t>(q0) * static_cast<std::size_t>(d),
                                         static_cast<std::size_t>(d), std::min(detail::kQueryBlock, learners - q0),
                                         packed, c0, std::min(c0 + detail::kCourseTile, courses), tile.data(),
                                         detail::kCourseTile);
        });
        TopK f32_top;
        const double t_f32 = median_cpu(repeat, [&] { f32_top = model_topk(model, queries, 10, {}, 1, false); });
        TopK def_top;
        const double t_def = median_cpu(repeat, [&] { def_top = model_topk(model, queries, 10, {}, 1, true); });
        std::size_t same = 0;
        for (std::size_t i = 0; i < f32_top.ids.size(); ++i) same += f32_top.ids[i] == tiles_top.ids[i];
        auto row = [&](const char* name, double t) {
            std::printf("%-5d %-18s %10.3f %10.1f %12.2f\n", d, name, t, gflop / t, t / t_sgemm);
        };
        row("sgemm bare", t_sgemm);
        row("sgemm tiles+topk", t_tiles);
        row("learnrec kernel", t_kernel);
        row("learnrec float32", t_f32);
        row("learnrec default", t_def);
        std::printf("      top-10 ids equal (float32 kernel vs sgemm tiles): %zu of %zu\n", same, f32_top.ids.size());
        std::fflush(stdout);
    }
    return 0;
}
