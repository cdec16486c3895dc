#include "demo.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "learnrec/eval/metrics.hpp"
#include "learnrec/eval/split.hpp"
#include "learnrec/model/popularity.hpp"
#include "learnrec/retrieval/recommend.hpp"

namespace learnrec::demo {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

IterationCallback progress(int total) {
    return [total](const IterationInfo& info) {
        fmt::print(stderr, "\r  iteration {:>3}/{}  loss {:.6f}  {:.3f} s", info.iteration, total, info.loss,
                   info.seconds);
        if (info.iteration == total) fmt::print(stderr, "\n");
        std::fflush(stderr);
        return true;
    };
}

void add_als_flags(CLI::App& cmd, AlsFlags& f) {
    cmd.add_option("--factors", f.als.factors, "Embedding dimension")->capture_default_str()->check(CLI::PositiveNumber);
    cmd.add_option("--iterations", f.als.iterations, "ALS iterations")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd.add_option("--regularization", f.als.regularization, "L2 regularization")->capture_default_str();
    cmd.add_option("--alpha", f.als.alpha, "Confidence scale: c = alpha * weight")->capture_default_str();
    cmd.add_option("--solver", f.solver, "cg (conjugate gradient) or cholesky (exact)")
        ->capture_default_str()
        ->check(CLI::IsMember({"cg", "cholesky"}));
    cmd.add_option("--cg-steps", f.als.cg_steps, "Conjugate-gradient steps per solve")->capture_default_str();
    cmd.add_option("--seed", f.als.seed, "Random seed")->capture_default_str();
    cmd.add_option("--threads", f.als.num_threads, "Threads (0 = all processors)")->capture_default_str();
}

AlsConfig finish(AlsFlags& f) {
    f.als.solver = f.solver == "cholesky" ? AlsSolver::cholesky : AlsSolver::cg;
    f.als.validate();
    return f.als;
}

void add_flags(CLI::App& cmd, Options& o) {
    cmd.add_option("--learners", o.learners, "Learners to generate")->capture_default_str();
    cmd.add_option("--courses", o.courses, "Courses to generate")->capture_default_str();
    cmd.add_option("--data-seed", o.data_seed, "Seed of the generated academy and the split")->capture_default_str();
    cmd.add_option("--show", o.show, "Learners to show")->capture_default_str();
    add_als_flags(cmd, o.training);
}

int run(Options o, const AfterTraining& after_training) {
    const AlsConfig config = finish(o.training);

    const auto t0 = std::chrono::steady_clock::now();
    AcademyConfig academy_config;
    academy_config.seed = o.data_seed;
    academy_config.learners = o.learners;
    academy_config.courses = o.courses;
    const Academy academy = generate_academy(academy_config);
    const auto& m = academy.interactions.matrix;
    fmt::print("Generated academy (schema v{}, seed {}): {} learners, {} courses, {} enrolments in {:.2f} s\n",
               academy.schema_version, o.data_seed, m.rows(), m.cols(), m.nnz(), seconds_since(t0));

    const Split split = holdout_split(m, 0.2, o.data_seed);
    fmt::print("Training implicit ALS: {} factors, {} iterations, {} solver, alpha {}, regularization {}\n",
               config.factors, config.iterations, o.training.solver, config.alpha, config.regularization);
    const auto t1 = std::chrono::steady_clock::now();
    auto als = std::make_shared<const AlsModel>(fit_als(split.train, config, progress(config.iterations)));
    fmt::print("Trained in {:.2f} s\n\n", seconds_since(t1));
    if (after_training) after_training(academy, als, config.num_threads);

    std::vector<index_t> who;
    const index_t stride = std::max<index_t>(1, m.rows() / std::max(1, o.show));
    for (index_t u = 0; u < m.rows() && static_cast<int>(who.size()) < o.show; u += stride)
        if (split.train.row(u).size() >= 3) who.push_back(u);
    RecommendOptions options;
    options.k = 10;
    options.num_threads = config.num_threads;
    const CsrView train_view = split.train.view();
    const TopK top = recommend(*als, who, &train_view, options);
    for (std::size_t i = 0; i < who.size(); ++i) {
        const auto& p = academy.learners[static_cast<std::size_t>(who[i])];
        fmt::print("Learner {} — {} in {}, {} ({})\n", p.id, p.role, p.department, p.country, p.language);
        fmt::print("  has taken:\n");
        for (auto c : split.train.row(who[i]).indices) {
            const auto& info = academy.courses[static_cast<std::size_t>(c)];
            fmt::print("    - {} [{}, {}]\n", info.title, info.format, info.language);
        }
        fmt::print("  top-10 recommendations:\n");
        const auto ids = top.ids_of(static_cast<index_t>(i));
        const auto scores = top.scores_of(static_cast<index_t>(i));
        for (std::size_t r = 0; r < ids.size() && ids[r] >= 0; ++r) {
            const auto& info = academy.courses[static_cast<std::size_t>(ids[r])];
            fmt::print("    {:>2}. {:<55} {:<10} {:<3} score {:.3f}\n", r + 1, info.title, info.format, info.language,
                       scores[r]);
        }
        fmt::print("\n");
    }

    const auto popularity = PopularityModel::fit(split.train);
    const auto als_metrics = evaluate(*als, split.train, split.test, 10, config.num_threads);
    const auto pop_metrics = evaluate(popularity, split.train, split.test, 10, config.num_threads);
    fmt::print("Holdout evaluation (20% of each learner's courses, {} learners):\n", als_metrics.learners);
    fmt::print("  {:<14} recall@10 {:.4f}  NDCG@10 {:.4f}\n", "ALS", als_metrics.recall, als_metrics.ndcg);
    fmt::print("  {:<14} recall@10 {:.4f}  NDCG@10 {:.4f}\n", "most popular", pop_metrics.recall, pop_metrics.ndcg);
    return als_metrics.recall > pop_metrics.recall ? 0 : 3;
}

}  // namespace learnrec::demo
