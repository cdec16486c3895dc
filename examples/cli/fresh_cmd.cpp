// learnrec CLI — `forget`, and model metadata for `train` / `inspect` (see fresh_cmd.hpp).
#include "fresh_cmd.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "learnrec/data/csv.hpp"
#include "learnrec/data/events.hpp"
#include "learnrec/io/forget.hpp"

namespace learnrec::cli {

ModelMetadata training_metadata(const Interactions& data, const std::string& trained_at) {
    ModelMetadata m;
    std::int64_t when = 0;
    if (!trained_at.empty()) {
        const auto t = parse_timestamp(trained_at);
        LEARNREC_CHECK(t.has_value(), "--trained-at '{}' is not a date or time (YYYY-MM-DD[THH:MM:SSZ] or epoch "
                       "seconds)", trained_at);
        when = *t;
    } else if (data.has_timestamps()) {
        when = *std::max_element(data.timestamps.begin(), data.timestamps.end());
    } else {
        when = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
    }
    m.trained_at = format_utc(when);
    m.data_fingerprint = data_fingerprint(data.matrix.view(), data.learners, data.courses);
    return m;
}

void print_metadata(const ModelBundle& bundle) {
    const ModelMetadata& m = bundle.metadata;
    const auto or_none = [](const std::string& s) { return s.empty() ? std::string("not recorded") : s; };
    fmt::print("  model version    {}\n", model_version(bundle));
    fmt::print("  data fingerprint {}\n", or_none(m.data_fingerprint));
    fmt::print("  trained at       {}\n", or_none(m.trained_at));
    fmt::print("  learnrec         {}\n", m.learnrec_version.empty() ? std::string("not recorded (format version 1 file)")
                                                                      : m.learnrec_version);
    fmt::print("  hyperparameters  {}\n", or_none(m.hyperparameters));
    for (const auto& line : m.history) fmt::print("  history          {}\n", line);
}

namespace {

struct ForgetFlags {
    std::string model, out, interactions, events, events_out, push_log, push_log_out;
    std::vector<std::string> learners;
    int threads = 0;
};

int run_forget(const ForgetFlags& f) {
    LEARNREC_CHECK(f.events_out.empty() || !f.events.empty(), "--events-out needs --events (the log to clean)");
    LEARNREC_CHECK(f.push_log_out.empty() || !f.push_log.empty(), "--push-log-out needs --push-log (the log to clean)");
    const ModelBundle bundle = load(f.model);
    // The courses they touched are re-solved on the training data: the data given, else the data
    // the file keeps (learnrec train --keep-training-data).
    const bool data_given = !f.interactions.empty() || !f.events.empty();
    LEARNREC_CHECK(data_given || bundle.training,
                   "{} keeps no training data, and forget re-solves the courses the learner touched on it: give "
                   "--interactions (the CSV the model was trained on) or --events, or train with --keep-training-data",
                   f.model);
    const ForgetResult result =
        data_given ? forget_learners(bundle,
                                     !f.interactions.empty() ? read_interactions_csv(f.interactions)
                                                             : apply_policy(read_events_csv(f.events)),
                                     f.learners, f.threads)
                   : forget_learners(bundle, f.learners, f.threads);
    save(result.bundle, f.out);
    fmt::print("Removed {} learner(s) from {}; re-solved {} course(s) they touched; wrote {}\n",
               result.report.learners_removed, f.model, result.report.courses_resolved.size(), f.out);
    if (!result.data_matches_fingerprint)
        fmt::print(stderr, "note: the training data given differs from the data the model recorded (fingerprint {}); "
                   "the re-solved courses reflect the data given\n",
                   bundle.metadata.data_fingerprint.empty() ? std::string("not recorded") : bundle.metadata.data_fingerprint);
    if (!f.events_out.empty()) {
        const auto removed = forget_in_log("events", f.events, f.events_out, f.learners);
        fmt::print("Removed {} event(s) of them from {}; wrote {}\n", removed, f.events, f.events_out);
    }
    if (!f.push_log.empty()) {
        const std::string out = f.push_log_out.empty() ? f.push_log : f.push_log_out;
        const auto removed = forget_in_log("push", f.push_log, out, f.learners);
        fmt::print("Removed {} push record(s) of them from {}; wrote {}\n", removed, f.push_log, out);
    }
    fmt::print("Next: retrain on the cleaned logs and replace this model (README, \"Forgetting a learner\").\n");
    return 0;
}

}  // namespace

Command add_forget_command(CLI::App& app) {
    auto flags = std::make_shared<ForgetFlags>();
    auto* cmd = app.add_subcommand("forget", "Remove learners from a model (courses they touched re-solved), an event log and a push log");
    cmd->add_option("--model", flags->model, "Model file (with ids)")->required()->check(CLI::ExistingFile);
    cmd->add_option("--learner", flags->learners, "Learner id to forget (repeatable)")->required();
    cmd->add_option("--out", flags->out, "Where to write the model without them")->required();
    cmd->add_option("--interactions", flags->interactions, "The interactions CSV the model was trained on (not needed "
                    "when the model file keeps its training data)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--events", flags->events, "Typed events CSV: the training data (when no --interactions) and the "
                    "log cleaned into --events-out")->check(CLI::ExistingFile);
    cmd->add_option("--events-out", flags->events_out, "Write the event log without them here (may be --events)");
    cmd->add_option("--push-log", flags->push_log, "Campaign push log (CSV or JSON Lines) to clean of them, "
                    "rewritten atomically in place unless --push-log-out")->check(CLI::ExistingFile);
    cmd->add_option("--push-log-out", flags->push_log_out, "Write the push log without them here instead");
    cmd->add_option("--threads", flags->threads, "Threads (0 = all processors)")->capture_default_str();
    return {cmd, [flags] { return run_forget(*flags); }};
}

}  // namespace learnrec::cli
