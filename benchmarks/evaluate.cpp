// learnrec_evaluate — trains models on a benchmark split and prints ranking quality and timings.
//
//   learnrec_evaluate --train train.txt --test test.txt --model gfcf --model als --k 20 --threads 2
//   learnrec_evaluate --interactions log.csv --holdout 0.2 --model als
//   learnrec_evaluate --train train.txt --validation 0.1 ...   (tune on a split of train; test unused)
//
// Protocol (LightGCN): every learner with test items is ranked over all courses not in their
// training row; recall@k = hits / |test|, NDCG@k binary with the ideal over min(k, |test|).
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "learnrec/data/csv.hpp"
#include "learnrec/data/text_formats.hpp"
#include "learnrec/eval/metrics.hpp"
#include "learnrec/eval/split.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/model/bpr.hpp"
#include "learnrec/model/ease.hpp"
#include "learnrec/model/item_knn.hpp"
#include "learnrec/model/gfcf.hpp"
#include "learnrec/model/popularity.hpp"

namespace {

using namespace learnrec;

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Train learnrec models on a benchmark split and report recall, NDCG and precision at k"};
    std::string train_path, test_path, csv_path;
    double holdout = 0.2, validation = 0.0;
    std::vector<std::string> models{"popularity", "als"};
    index_t k = 20;
    int threads = 2;
    std::uint64_t seed = 42;
    AlsConfig als;
    std::string solver = "cg";
    GfcfConfig gfcf;
    BprConfig bpr;
    EaseConfig ease;
    ItemKnnConfig knn;

    app.add_option("--train", train_path, "Train file, one line per user: `user item item ...`");
    app.add_option("--test", test_path, "Test file in the same format");
    app.add_option("--interactions", csv_path, "learnrec CSV (learner_id,course_id[,weight][,timestamp]) to split");
    app.add_option("--holdout", holdout, "Test fraction per learner for --interactions")->capture_default_str();
    app.add_option("--validation", validation,
                   "Carve this fraction of each learner's training items as validation and report on it "
                   "(the test file is not read): for tuning")
        ->capture_default_str();
    app.add_option("--model", models, "popularity, als, gfcf, bpr, ease, item_knn (repeatable)")->capture_default_str();
    app.add_option("-k", k, "Cut-off")->capture_default_str();
    app.add_option("--threads", threads, "Threads for training and evaluation")->capture_default_str();
    app.add_option("--seed", seed, "Seed for splits and models")->capture_default_str();
    app.add_option("--factors", als.factors, "ALS factors")->capture_default_str();
    app.add_option("--iterations", als.iterations, "ALS iterations")->capture_default_str();
    app.add_option("--regularization", als.regularization, "ALS regularization")->capture_default_str();
    app.add_option("--alpha", als.alpha, "ALS confidence scale")->capture_default_str();
    app.add_option("--solver", solver, "ALS solver: cg or cholesky")->capture_default_str();
    app.add_option("--cg-steps", als.cg_steps, "ALS CG steps")->capture_default_str();
    app.add_option("--gfcf-alpha", gfcf.alpha, "GF-CF weight of the ideal low-pass term")->capture_default_str();
    app.add_option("--gfcf-rank", gfcf.rank, "GF-CF singular vectors")->capture_default_str();
    app.add_option("--gfcf-power-iterations", gfcf.power_iterations, "GF-CF range-finder power iterations")
        ->capture_default_str();
    app.add_option("--bpr-factors", bpr.factors, "BPR factors")->capture_default_str();
    app.add_option("--bpr-epochs", bpr.iterations, "BPR epochs")->capture_default_str();
    app.add_option("--bpr-learning-rate", bpr.learning_rate, "BPR learning rate")->capture_default_str();
    app.add_option("--bpr-regularization", bpr.regularization, "BPR regularization")->capture_default_str();
    app.add_option("--ease-lambda", ease.lambda, "EASE L2 penalty")->capture_default_str();
    app.add_option("--knn-neighbours", knn.neighbours, "item-kNN neighbours per course")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        CsrMatrix train, test;
        const auto t_read = std::chrono::steady_clock::now();
        if (!csv_path.empty()) {
            const auto data = read_interactions_csv(csv_path);
            auto split = holdout_split(data.matrix, holdout, seed);
            train = std::move(split.train);
            test = std::move(split.test);
        } else {
            LEARNREC_CHECK(!train_path.empty(), "give --train (and --test or --validation) or --interactions");
            train = read_user_item_lists(train_path);
            if (validation > 0.0) {
                auto split = holdout_split(train, validation, seed);
                train = std::move(split.train);
                test = std::move(split.test);
            } else {
                LEARNREC_CHECK(!test_path.empty(), "give --test, or --validation to tune on a split of train");
                test = read_user_item_lists(test_path, train.rows(), train.cols());
                // Test ids beyond the training shape widen both sides consistently.
                if (test.rows() != train.rows() || test.cols() != train.cols()) {
                    auto indptr = train.indptr();
                    indptr.resize(static_cast<std::size_t>(test.rows()) + 1, indptr.back());
                    train = CsrMatrix(test.rows(), test.cols(), std::move(indptr), train.indices(), train.data());
                }
            }
        }
        if (validation > 0.0 && !csv_path.empty()) {
            auto split = holdout_split(train, validation, seed);
            train = std::move(split.train);
            test = std::move(split.test);
        }
        fmt::print("data: {} learners, {} courses, {} train and {} {} interactions (read in {:.1f} s)\n",
                   train.rows(), train.cols(), train.nnz(), test.nnz(), validation > 0.0 ? "validation" : "test",
                   seconds_since(t_read));

        als.seed = seed;
        als.num_threads = threads;
        als.calculate_loss = false;
        als.solver = solver == "cholesky" ? AlsSolver::cholesky : AlsSolver::cg;
        gfcf.seed = seed;
        gfcf.num_threads = threads;
        bpr.seed = seed;
        bpr.num_threads = threads;
        ease.num_threads = threads;
        knn.num_threads = threads;
        const std::map<std::string, std::function<std::shared_ptr<const Model>()>> fitters{
            {"popularity", [&] { return std::make_shared<const PopularityModel>(PopularityModel::fit(train)); }},
            {"als", [&] { return std::make_shared<const AlsModel>(fit_als(train, als)); }},
            {"gfcf", [&] { return std::make_shared<const GfcfModel>(fit_gfcf(train, gfcf)); }},
            {"bpr", [&] { return std::make_shared<const BprModel>(fit_bpr(train, bpr)); }},
            {"ease", [&] { return std::make_shared<const EaseModel>(fit_ease(train, ease)); }},
            {"item_knn", [&] { return std::make_shared<const ItemKnnModel>(fit_item_knn(train, knn)); }},
        };

        fmt::print("\n| model | recall@{} | NDCG@{} | precision@{} | train s | eval s |\n|---|---|---|---|---|---|\n", k,
                   k, k);
        for (const auto& name : models) {
            const auto it = fitters.find(name);
            LEARNREC_CHECK(it != fitters.end(), "unknown model '{}'", name);
            const auto t0 = std::chrono::steady_clock::now();
            const auto model = it->second();
            const double train_s = seconds_since(t0);
            const auto t1 = std::chrono::steady_clock::now();
            const auto m = evaluate(*model, train, test, k, threads);
            const double eval_s = seconds_since(t1);
            fmt::print("| {} | {:.4f} | {:.4f} | {:.4f} | {:.1f} | {:.1f} |\n", name, m.recall, m.ndcg, m.precision,
                       train_s, eval_s);
            std::fflush(stdout);
        }
    } catch (const Error& e) {
        fmt::print(stderr, "learnrec_evaluate: error: {}\n", e.what());
        return 2;
    }
    return 0;
}
