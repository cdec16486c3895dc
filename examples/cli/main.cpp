// learnrec — command-line tool: a host program that links the library directly.
//
//   learnrec demo                         generate the academy, train ALS, show recommendations
//   learnrec train --interactions F.csv [--save M.lrc]   train ALS on a CSV log (holdout recall, model file)
//   learnrec recommend --interactions F.csv [--model M.lrc] --learner ID [--learner ID ...] [-k 10] [--format json]
//                      [--goal "TEXT" [--goal-language fr]]   (goals in the learner's words, blended)
//       ... [--rules rules.json] [--catalogue DIR] [--now YYYY-MM-DD] [--events F.csv]   (the ranking layer)
//   learnrec inspect M.lrc                 what a model file holds (kind, sizes, ids, version, data fingerprint)
//   learnrec forget --model M.lrc --learner ID --out N.lrc (--interactions F.csv | --events E.csv [--events-out])
//   learnrec academy --out DIR            write the synthetic academy as CSV files
//   learnrec push --model M.lrc --catalogue DIR --log PUSHLOG --out FILE --now DATE --campaign ID   push campaign
//   learnrec allocate --model M.lrc --catalogue DIR --now YYYY-MM-DD --out A.csv [--rules R.json]   scarce places
//   learnrec plan --catalogue DIR --learner ID [--format json]   a dated learning plan (plan_cmd.cpp)
//   learnrec coldstart-demo               hybrid model: a new hire's top-10 from a profile, then fold-in
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "academy_cmd.hpp"
#include "demo/demo.hpp"
#include "push_cmd.hpp"
#include "allocate_cmd.hpp"
#include "fresh_cmd.hpp"
#include "plan_cmd.hpp"
#include "learnrec/learnrec.hpp"
#include "ranking_cmd.hpp"
#include "why_not_cmd.hpp"

namespace {

using namespace learnrec;

using TrainFlags = demo::AlsFlags;
using demo::add_als_flags;
using demo::finish;
using demo::progress;

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string json_escape(std::string_view s) {
    std::string out;
    for (char ch : s) {
        switch (ch) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(ch) < 0x20)
                    out += fmt::format("\\u{:04x}", static_cast<unsigned>(ch));
                else
                    out += ch;
        }
    }
    return out;
}

int run_train(const std::string& path, const std::vector<std::string>& ignored, TrainFlags& flags, double holdout,
              const std::string& save_path, const std::string& trained_at, bool keep_training_data) {
    CsvOptions csv;
    csv.ignored_columns = ignored;
    const auto t0 = std::chrono::steady_clock::now();
    const Interactions data = read_interactions_csv(path, csv);
    fmt::print("Read {}: {} learners, {} courses, {} interactions in {:.2f} s\n", path, data.matrix.rows(),
               data.matrix.cols(), data.matrix.nnz(), seconds_since(t0));
    const AlsConfig config = finish(flags);
    if (holdout > 0.0) {
        const Split split = holdout_split(data.matrix, holdout, config.seed);
        const auto t1 = std::chrono::steady_clock::now();
        const AlsModel als = fit_als(split.train, config, progress(config.iterations));
        fmt::print("Trained on {:.0f}% in {:.2f} s\n", 100.0 * (1.0 - holdout), seconds_since(t1));
        const auto a = evaluate(als, split.train, split.test, 10, config.num_threads);
        const auto p = evaluate(PopularityModel::fit(split.train), split.train, split.test, 10, config.num_threads);
        fmt::print("recall@10: ALS {:.4f}, most popular {:.4f} ({} learners with held-out courses)\n", a.recall,
                   p.recall, a.learners);
        if (save_path.empty()) return 0;
        // The held-out model only measures; the saved one must know every interaction.
        fmt::print("Training on all interactions for the saved model\n");
    }
    const auto t1 = std::chrono::steady_clock::now();
    auto als = std::make_shared<const AlsModel>(fit_als(data.matrix, config, progress(config.iterations)));
    fmt::print("Trained in {:.2f} s\n", seconds_since(t1));
    if (!save_path.empty()) {
        ModelBundle bundle{als, data.learners, data.courses, cli::training_metadata(data, trained_at)};
        if (keep_training_data) bundle.training = std::make_shared<const CsrMatrix>(data.matrix);
        save(bundle, save_path);
        fmt::print("Saved the model with its learner and course ids{} to {}\n  model version {}\n",
                   keep_training_data ? " and its training data" : "", save_path, model_version(bundle));
    }
    return 0;
}

/// Maps `data`'s course indices to the model's, through the ids (the model file's order may differ
/// from the CSV's). Courses the model does not know cannot be excluded and are reported.
std::vector<index_t> course_index_map(const IdMap& model_courses, const IdMap& data_courses) {
    std::vector<index_t> map(static_cast<std::size_t>(data_courses.size()), -1);
    std::size_t unknown = 0;
    for (index_t c = 0; c < data_courses.size(); ++c) {
        const auto found = model_courses.find(data_courses.id(c));
        if (found) map[static_cast<std::size_t>(c)] = *found; else ++unknown;
    }
    if (unknown > 0)
        fmt::print(stderr, "note: {} course(s) of the interactions are unknown to the model and cannot be recommended\n",
                   unknown);
    return map;
}

int run_recommend(const std::string& path, const std::vector<std::string>& ignored,
                  const std::vector<std::string>& learner_ids, index_t k, const std::string& format,
                  TrainFlags& flags, const std::string& model_path, const cli::RankingFlags& ranking) {
    CsvOptions csv;
    csv.ignored_columns = ignored;
    const Interactions data = read_interactions_csv(path, csv);
    const AlsConfig config = finish(flags);
    std::vector<index_t> rows;
    for (const auto& id : learner_ids) rows.push_back(data.learners.at(id, "learner"));
    if (ranking.requested()) {
        // A model trained on this CSV ranks its own learners; any other model file ranks them as
        // new learners, folded in from their CSV rows (courses matched by id).
        std::shared_ptr<const Model> model;
        std::string version;
        if (model_path.empty()) {
            model = std::make_shared<const AlsModel>(fit_als(data.matrix, config, progress(config.iterations)));
            // Trained here: the version of the file `train --save` would write from the same data.
            version = model_version(ModelBundle{model, data.learners, data.courses, cli::training_metadata(data, "")});
        } else {
            ModelBundle bundle = load(model_path);
            LEARNREC_CHECK(bundle.courses.size() == bundle.model->num_courses(), "{} has no course ids: save it with "
                           "ids (learnrec train --save, or model.save(path, course_ids=...))", model_path);
            if (!std::ranges::equal(bundle.learners.ids(), data.learners.ids()) ||
                !std::ranges::equal(bundle.courses.ids(), data.courses.ids()))
                return cli::run_ranked_recommend_new(bundle.model, bundle.courses, data, rows, learner_ids, k, format,
                                                     ranking, config.num_threads, model_version(bundle));
            model = bundle.model;
            version = model_version(bundle);
        }
        return cli::run_ranked_recommend(model, data, rows, learner_ids, k, format, ranking, config.num_threads, version);
    }
    RecommendOptions options;
    options.k = k;
    options.num_threads = config.num_threads;
    TopK top;
    IdMap course_ids = data.courses;
    std::string version;  // of the model file answering (JSON output)
    if (model_path.empty()) {
        auto als = std::make_shared<const AlsModel>(fit_als(data.matrix, config, progress(config.iterations)));
        const CsrView history = data.matrix.view();
        top = recommend(*als, rows, &history, options);
        if (format == "json")
            version = model_version(ModelBundle{als, data.learners, data.courses, cli::training_metadata(data, "")});
    } else {
        // A trained model: each learner's history rows (re-indexed to the model's courses) both
        // exclude what was taken and fold the learner in, so learners newer than the model work too.
        ModelBundle bundle = load(model_path);
        LEARNREC_CHECK(bundle.courses.size() == bundle.model->num_courses(), "{} has no course ids: save it with ids "
                       "(learnrec train --save, or model.save(path, course_ids=...))", model_path);
        const auto to_model = course_index_map(bundle.courses, data.courses);
        std::vector<Triplet> triplets;
        for (std::size_t q = 0; q < learner_ids.size(); ++q) {
            const auto r = data.matrix.row(rows[q]);
            for (std::size_t j = 0; j < r.indices.size(); ++j) {
                const index_t c = to_model[static_cast<std::size_t>(r.indices[j])];
                if (c >= 0) triplets.push_back({static_cast<index_t>(q), c, r.weights[j]});
            }
        }
        const CsrMatrix history =
            CsrMatrix::from_triplets(static_cast<index_t>(learner_ids.size()), bundle.model->num_courses(), triplets);
        top = recommend_from_rows(*bundle.model, history.view(), true, options);
        if (format == "json") version = model_version(bundle);
        course_ids = std::move(bundle.courses);
    }
    const IdMap& courses_out = course_ids;
    if (format == "json") {
        fmt::print("[");
        for (std::size_t i = 0; i < learner_ids.size(); ++i) {
            fmt::print("{}{{\"learner_id\": \"{}\", \"recommendations\": [", i ? ", " : "", json_escape(learner_ids[i]));
            const auto ids = top.ids_of(static_cast<index_t>(i));
            const auto scores = top.scores_of(static_cast<index_t>(i));
            for (std::size_t r = 0; r < ids.size() && ids[r] >= 0; ++r)
                fmt::print("{}{{\"rank\": {}, \"course_id\": \"{}\", \"score\": {}}}", r ? ", " : "", r + 1,
                           json_escape(courses_out.id(ids[r])), scores[r]);
            fmt::print("]");
            if (!version.empty()) fmt::print(", \"model_version\": \"{}\"", version);
            fmt::print("}}");
        }
        fmt::print("]\n");
    } else {
        fmt::print("{:<20} {:>4}  {:<20} {:>10}\n", "learner_id", "rank", "course_id", "score");
        for (std::size_t i = 0; i < learner_ids.size(); ++i) {
            const auto ids = top.ids_of(static_cast<index_t>(i));
            const auto scores = top.scores_of(static_cast<index_t>(i));
            for (std::size_t r = 0; r < ids.size() && ids[r] >= 0; ++r)
                fmt::print("{:<20} {:>4}  {:<20} {:>10.4f}\n", learner_ids[i], r + 1, courses_out.id(ids[r]),
                           scores[r]);
        }
    }
    return 0;
}

int run_inspect(const std::string& path) {
    const ModelBundle bundle = load(path);  // validates envelope, checksums and payload
    const Model& m = *bundle.model;
    fmt::print("{}: a valid learnrec model file (format version {})\n", path, bundle.format_version);
    fmt::print("  kind         {}\n  learners     {}\n  courses      {}\n", m.kind(), m.num_learners(), m.num_courses());
    const ScoringForm form = m.scoring();
    if (form.factors) fmt::print("  factors      {}\n", form.factors->factors());
    const auto show_ids = [](const char* what, const IdMap& ids) {
        if (ids.size() == 0) {
            fmt::print("  {:<12} none stored\n", what);
            return;
        }
        std::vector<std::string> first;
        for (index_t i = 0; i < std::min<index_t>(ids.size(), 3); ++i) first.push_back(ids.id(i));
        fmt::print("  {:<12} {} ids ({}{})\n", what, ids.size(), fmt::join(first, ", "), ids.size() > 3 ? ", ..." : "");
    };
    show_ids("learner ids", bundle.learners);
    show_ids("course ids", bundle.courses);
    if (bundle.training)
        fmt::print("  training     {} interactions kept (learnrec forget needs no --interactions)\n", bundle.training->nnz());
    else
        fmt::print("  training     not kept\n");
    cli::print_metadata(bundle);
    return 0;
}

}  // namespace

void add_coldstart_demo(CLI::App& app);  // hybrid_cmd.cpp

int main(int argc, char** argv) {
    CLI::App app{"learnrec: course recommendations for learning platforms"};
    app.require_subcommand(1);

    demo::Options demo_options;
    auto* demo_cmd = app.add_subcommand("demo", "Generate the embedded academy, train ALS, recommend and evaluate");
    demo::add_flags(*demo_cmd, demo_options);
    cli::RankingFlags demo_ranking;
    cli::add_ranking_flags(*demo_cmd, demo_ranking);

    TrainFlags train_flags;
    std::string train_path;
    std::vector<std::string> train_ignored;
    double holdout = 0.0;
    auto* train = app.add_subcommand("train", "Train implicit ALS on an interactions CSV");
    train->add_option("--interactions", train_path, "CSV with learner_id,course_id[,weight][,timestamp]")
        ->required()
        ->check(CLI::ExistingFile);
    train->add_option("--ignore-column", train_ignored, "Extra CSV column to ignore (repeatable)");
    train->add_option("--holdout", holdout, "Hold out this fraction of each learner's courses and report recall@10")
        ->check(CLI::Range(0.0, 0.9));
    std::string train_save;
    auto* train_save_opt =
        train->add_option("--save", train_save, "Write the trained model (with learner and course ids) to this file");
    bool train_keep = false;
    train->add_flag("--keep-training-data", train_keep, "Keep the interactions in the model file (format version 3), "
                    "so that `learnrec forget` re-solves from the file alone; they are personal data, handle the "
                    "file like the event log")->needs(train_save_opt);
    std::string train_at;
    train->add_option("--trained-at", train_at, "Recorded training time (default: the data's latest timestamp, else "
                      "now); fixed, the same data and seed give the same file bytes");
    add_als_flags(*train, train_flags);

    TrainFlags rec_flags;
    std::string rec_path, rec_format = "table";
    std::vector<std::string> rec_ignored, rec_learners;
    index_t rec_k = 10;
    auto* rec = app.add_subcommand("recommend", "Print top-k for learners of an interactions CSV (training first, or from --model)");
    rec->add_option("--interactions", rec_path, "CSV with learner_id,course_id[,weight][,timestamp]")
        ->required()
        ->check(CLI::ExistingFile);
    rec->add_option("--ignore-column", rec_ignored, "Extra CSV column to ignore (repeatable)");
    rec->add_option("--learner", rec_learners, "Learner id (repeatable)")->required();
    rec->add_option("-k,--top", rec_k, "Courses per learner")->capture_default_str()->check(CLI::PositiveNumber);
    rec->add_option("--format", rec_format, "table or json")->capture_default_str()->check(CLI::IsMember({"table", "json"}));
    std::string rec_model;
    rec->add_option("--model", rec_model, "Model file (learnrec train --save) instead of training on the CSV")
        ->check(CLI::ExistingFile);
    add_als_flags(*rec, rec_flags);
    cli::RankingFlags rec_ranking;
    cli::add_ranking_flags(*rec, rec_ranking);
    cli::add_events_flag(*rec, rec_ranking);
    cli::add_goal_flags(*rec, rec_ranking.goals);

    std::string inspect_path;
    auto* inspect = app.add_subcommand("inspect", "Validate a model file and print what it holds");
    inspect->add_option("model", inspect_path, "Model file")->required()->check(CLI::ExistingFile);
    const auto academy_cmd = learnrec::cli::add_academy_command(app);
    const auto push_cmd = learnrec::cli::add_push_command(app);
    const auto allocate_cmd = learnrec::cli::add_allocate_command(app);
    const auto why_not_cmd = learnrec::cli::add_why_not_command(app);
    const auto forget_cmd = learnrec::cli::add_forget_command(app);
    const auto plan_cmd = learnrec::cli::add_plan_command(app);
    add_coldstart_demo(app);

    CLI11_PARSE(app, argc, argv);
    try {
        if (*demo_cmd) {
            demo::AfterTraining ranked;
            if (demo_ranking.requested())
                ranked = [&](const Academy& academy, std::shared_ptr<const AlsModel> als, int threads) {
                    cli::run_ranked_demo(academy, std::move(als), demo_ranking, threads);
                };
            return demo::run(demo_options, ranked);
        }
        if (*train) return run_train(train_path, train_ignored, train_flags, holdout, train_save, train_at, train_keep);
        if (*rec)
            return run_recommend(rec_path, rec_ignored, rec_learners, rec_k, rec_format, rec_flags, rec_model,
                                 rec_ranking);
        if (*inspect) return run_inspect(inspect_path);
        if (*academy_cmd.app) return academy_cmd.run();
        if (*push_cmd.app) return push_cmd.run();
        if (*allocate_cmd.app) return allocate_cmd.run();
        if (*why_not_cmd.app) return why_not_cmd.run();
        if (*forget_cmd.app) return forget_cmd.run();
        if (*plan_cmd.app) return plan_cmd.run();
    } catch (const learnrec::Error& e) {
        fmt::print(stderr, "\nlearnrec: error: {}\n", e.what());
        return 2;
    }
    return 0;
}
