// learnrec CLI — `learnrec push`: one push campaign over the targeted learners (campaign/campaign.hpp).
#include "push_cmd.hpp"

#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "learnrec/campaign/campaign.hpp"
#include "learnrec/data/csv.hpp"
#include "learnrec/error.hpp"

namespace learnrec::cli {

namespace {

struct PushFlags {
    std::string model, catalogue, log, out, now, campaign, rules, events, report, digests, format = "csv";
    index_t k = 0;  // 0: the rules file's k (10 without one)
    int threads = 0;
    bool quiet = false;
    campaign::Target target;
};

int run_push(const PushFlags& f) {
    const auto now = parse_timestamp(f.now);
    LEARNREC_CHECK(now.has_value(), "--now '{}' is not a date (YYYY-MM-DD)", f.now);
    campaign::CampaignSpec spec;
    spec.id = f.campaign;
    spec.now = *now;
    spec.k = f.k;
    spec.format = campaign::parse_output_format(f.format);
    spec.num_threads = f.threads;
    spec.target = f.target;
    spec.digests = f.digests;
    if (!f.rules.empty()) spec.settings = campaign::read_campaign_settings(f.rules);
    if (!f.quiet)
        spec.progress = [](std::size_t done, std::size_t total) {
            fmt::print(stderr, "\r  ranked {}/{} learners", done, total);
            if (done == total) fmt::print(stderr, "\n");
            std::fflush(stderr);
        };
    const campaign::Audience audience = campaign::load_audience(f.model, f.catalogue, f.events, f.threads);
    if (!audience.note.empty() && !f.quiet) fmt::print(stderr, "note: {}", audience.note);
    const campaign::CampaignReport report = campaign::run_campaign(audience, spec, f.log, f.out);
    if (!report.log_warning.empty()) fmt::print(stderr, "warning: {}\n", report.log_warning);
    fmt::print("{}", report.summary());
    fmt::print("wrote {} rows to {}; appended {} pushes to {}\n", report.pushes, f.out, report.logged, f.log);
    if (!f.digests.empty()) fmt::print("manager digests: {} in {}\n", report.digests, f.digests);
    if (!f.report.empty()) {
        campaign::write_report(report, f.report);
        fmt::print("report: {}\n", f.report);
    }
    return 0;
}

}  // namespace

Command add_push_command(CLI::App& app) {
    auto f = std::make_shared<PushFlags>();
    auto* cmd = app.add_subcommand("push", "Push campaign: every targeted learner's next courses, remembered in a push log");
    cmd->add_option("--model", f->model, "Model file saved with ids (learnrec train --save)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--catalogue", f->catalogue, "Catalogue directory (courses, learners, obligations, ...)")
        ->required()
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--log", f->log, "Push log (CSV, or JSON Lines for .jsonl), appended to; created if missing")
        ->required();
    cmd->add_option("--out", f->out, "Output file (written to a temporary file, renamed at the end)")->required();
    cmd->add_option("--now", f->now, "The campaign's date, YYYY-MM-DD")->required();
    cmd->add_option("--campaign", f->campaign, "Campaign id; re-running an id does not log its pushes twice")->required();
    cmd->add_option("--rules", f->rules, "Rules file (JSON: ranking rules, min_score, \"campaign\": {...})")
        ->check(CLI::ExistingFile);
    cmd->add_option("--k", f->k, "Courses per learner at most (default: the rules' k, else 10)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--format", f->format, "csv or jsonl")->capture_default_str()->check(CLI::IsMember({"csv", "jsonl"}));
    cmd->add_option("--events", f->events, "Typed lifecycle events CSV: what each learner already took")
        ->check(CLI::ExistingFile);
    cmd->add_option("--country", f->target.countries, "Target learners of this country (repeatable)");
    cmd->add_option("--region", f->target.regions, "Target learners of this region (repeatable)");
    cmd->add_option("--department", f->target.departments, "Target learners of this department (repeatable)");
    cmd->add_option("--role", f->target.roles, "Target learners of this role (repeatable)");
    cmd->add_option("--learner", f->target.learner_ids, "Target this learner id (repeatable)");
    cmd->add_option("--digests", f->digests,
                    "Also write one digest per manager (learners.csv manager_id) to this directory: JSON and Markdown");
    cmd->add_option("--report", f->report, "Also write the campaign report as JSON to this file");
    cmd->add_option("--threads", f->threads, "Threads (0 = all processors)")->capture_default_str();
    cmd->add_flag("--quiet", f->quiet, "No progress on stderr");
    return {cmd, [f] { return run_push(*f); }};
}

}  // namespace learnrec::cli
