// bench_dense_fit — EASE and GF-CF fit times with the dense algebra through OpenBLAS/LAPACK or
// through Eigen (issue #18), on a "user item item ..." split, optionally cut to its most popular
// courses so the Eigen side finishes. One line per fit: wall and process CPU time (user + sys),
// peak RSS (of the process: with --backend both the second fit's includes the first B), and with
// --backend both the largest difference between the two backends' B.
//
//   bench_dense_fit --train /work/shared/data/gowalla/train.txt --model ease --backend both --courses 8000
//   OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 bench_dense_fit --train ... --model gfcf --backend blas
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "learnrec/data/text_formats.hpp"
#include "learnrec/isa.hpp"
#include "learnrec/model/ease.hpp"
#include "learnrec/model/gfcf.hpp"
#include "bench_clock.hpp"

namespace {

using namespace learnrec;

double peak_rss_gib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / (1024.0 * 1024.0);
}

/// The columns of `m` restricted to its `keep` most-interacted courses (ties: lower index),
/// renumbered in their original order; every learner row is kept.
CsrMatrix most_popular_courses(const CsrMatrix& m, index_t keep) {
    std::vector<std::int64_t> count(static_cast<std::size_t>(m.cols()), 0);
    for (index_t u = 0; u < m.rows(); ++u)
        for (auto c : m.row(u).indices) ++count[static_cast<std::size_t>(c)];
    std::vector<index_t> order(static_cast<std::size_t>(m.cols()));
    std::iota(order.begin(), order.end(), index_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](index_t a, index_t b) { return count[static_cast<std::size_t>(a)] > count[static_cast<std::size_t>(b)]; });
    order.resize(static_cast<std::size_t>(keep));
    std::sort(order.begin(), order.end());
    std::vector<index_t> column(static_cast<std::size_t>(m.cols()), -1);
    for (std::size_t i = 0; i < order.size(); ++i) column[static_cast<std::size_t>(order[i])] = static_cast<index_t>(i);
    std::vector<Triplet> t;
    for (index_t u = 0; u < m.rows(); ++u) {
        const auto row = m.row(u);
        for (std::size_t j = 0; j < row.size(); ++j)
            if (const auto c = column[static_cast<std::size_t>(row.indices[j])]; c >= 0) t.push_back({u, c, row.weights[j]});
    }
    return CsrMatrix::from_triplets(m.rows(), keep, t);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Time EASE / GF-CF fits with the dense algebra through OpenBLAS or Eigen"};
    std::string train_path, model = "ease", backend = "blas";
    index_t courses = 0;
    int threads = 2;
    EaseConfig ease;
    GfcfConfig gfcf;
    app.add_option("--train", train_path, "Train file, one line per learner: `learner course course ...`")->required();
    app.add_option("--model", model, "ease or gfcf")->check(CLI::IsMember({"ease", "gfcf"}))->capture_default_str();
    app.add_option("--backend", backend, "blas, eigen, or both (then compares their B)")
        ->check(CLI::IsMember({"blas", "eigen", "both"}))
        ->capture_default_str();
    app.add_option("--courses", courses, "Keep only the N most popular courses (0: all)")->capture_default_str();
    app.add_option("--threads", threads, "num_threads of the fit (OpenBLAS: OPENBLAS_NUM_THREADS)")->capture_default_str();
    app.add_option("--ease-lambda", ease.lambda, "EASE L2 penalty")->capture_default_str();
    app.add_option("--gfcf-rank", gfcf.rank, "GF-CF singular vectors")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        CsrMatrix train = read_user_item_lists(train_path);
        if (courses > 0 && courses < train.cols()) train = most_popular_courses(train, courses);
        ease.num_threads = threads;
        gfcf.num_threads = threads;
        fmt::print("data: {} learners, {} courses, {} interactions; threads {}; LEARNREC_ISA path {}; BLAS {}\n",
                   train.rows(), train.cols(), train.nnz(), threads, isa_name(active_isa()),
                   detail::blas_description());

        std::vector<detail::DenseBackend> runs;
        if (backend != "eigen") runs.push_back(detail::DenseBackend::blas);
        if (backend != "blas") runs.push_back(detail::DenseBackend::eigen);
        std::unique_ptr<const ItemItemModel> first;
        for (const auto b : runs) {
            const auto wall0 = std::chrono::steady_clock::now();
            const double cpu0 = bench::process_cpu_seconds();
            // Held by pointer so B is never copied: peak RSS is the fit's own.
            std::unique_ptr<const ItemItemModel> fitted;
            if (model == "ease")
                fitted = std::make_unique<const EaseModel>(detail::fit_ease_with(train, ease, b));
            else
                fitted = std::make_unique<const GfcfModel>(detail::fit_gfcf_with(train, gfcf, b));
            const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
            const double cpu = bench::process_cpu_seconds() - cpu0;
            fmt::print("{} {} courses={}: wall {:.2f} s, cpu {:.2f} s (cpu/wall {:.2f}), peak RSS {:.2f} GiB\n", model,
                       b == detail::DenseBackend::blas ? "blas" : "eigen", train.cols(), wall, cpu, cpu / wall,
                       peak_rss_gib());
            std::fflush(stdout);
            if (runs.size() == 1) break;
            if (!first) {
                first = std::move(fitted);  // the second fit's peak RSS includes this B
            } else {
                const RowMatrix& weights = fitted->item_weights();
                const float diff = (first->item_weights() - weights).cwiseAbs().maxCoeff();
                const float scale = weights.cwiseAbs().maxCoeff();
                fmt::print("max |B_blas - B_eigen| = {:.3g} (max |B| = {:.3g})\n", diff, scale);
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_dense_fit: %s\n", e.what());
        return 1;
    }
    return 0;
}
