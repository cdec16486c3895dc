// learnrec CLI — `learnrec why-not`: why a course is or is not in a learner's ranked list
// (ranking/why_not.hpp), for a saved model, a catalogue directory and the learner's history.
#include "why_not_cmd.hpp"

#include <ctime>
#include <limits>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "events_input.hpp"
#include "learnrec/campaign/campaign.hpp"
#include "learnrec/data/csv.hpp"
#include "learnrec/io/model_file.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/ranking/files.hpp"
#include "learnrec/ranking/ranker.hpp"

namespace learnrec::cli {

using namespace learnrec::ranking;

namespace {

struct Flags {
    std::string model, catalogue, learner, course, now, rules, events, interactions, format = "table";
    std::string log, campaign;  // --log: answer as `learnrec push` would for this learner
    index_t k = 10;
    int threads = 0;
    XapiFlags xapi;
};

nlohmann::json date_or_null(timestamp_t t) {
    if (t == kNever || t == std::numeric_limits<timestamp_t>::max()) return nullptr;
    return format_date(t);
}

/// The learners' history in the model's index space: from typed events or xAPI (--events), or
/// from an interactions CSV (--interactions: every interaction completed at its time), else empty.
LearnerHistory history_of(const Flags& f, const IdMap& learners, const IdMap& courses) {
    if (!f.events.empty()) {
        const EventLog log = read_event_file(f.events, f.xapi);
        std::vector<LifecycleEvent> events;
        for (const auto& e : log.events) {
            const auto l = learners.find(log.learners.id(e.learner));
            const auto c = courses.find(log.courses.id(e.course));
            if (l && c) events.push_back({*l, *c, e.kind, e.time, e.value});
        }
        return LearnerHistory::from_states(LearnerCourseStates::from_events(events, learners.size(), courses.size()));
    }
    LearnerHistory h(learners.size(), courses.size());
    if (!f.interactions.empty()) {
        const Interactions data = read_interactions_csv(f.interactions);
        for (index_t r = 0; r < data.matrix.rows(); ++r) {
            const auto l = learners.find(data.learners.id(r));
            if (!l) continue;
            const auto row = data.matrix.row(r);
            const auto first = static_cast<std::size_t>(data.matrix.view().indptr[static_cast<std::size_t>(r)]);
            for (std::size_t j = 0; j < row.indices.size(); ++j) {
                const auto c = courses.find(data.courses.id(row.indices[j]));
                if (!c) continue;
                if (row.weights[j] <= 0.0f)
                    h.set(*l, *c, CourseState::dropped);
                else
                    h.set(*l, *c, CourseState::completed,
                          data.timestamps.empty() ? std::numeric_limits<timestamp_t>::max() : data.timestamps[first + j]);
            }
        }
    } else {
        fmt::print(stderr, "note: no --events or --interactions: nothing counts as already taken\n");
    }
    h.finish();
    return h;
}

timestamp_t now_of(const Flags& f) {
    if (f.now.empty()) return std::time(nullptr);
    const auto t = parse_timestamp(f.now);
    LEARNREC_CHECK(t.has_value(), "--now '{}' is not a date (YYYY-MM-DD)", f.now);
    return *t;
}

nlohmann::json answer_json(const Flags& f, const WhyNot& w, const Catalogue& cat, const std::string& text, timestamp_t now) {
    nlohmann::json rule_names = nlohmann::json::array();
    for (auto r : w.rules) rule_names.push_back(std::string(to_string(r)));
    nlohmann::json missing = nlohmann::json::array();
    for (auto c : w.missing_prerequisites) missing.push_back(cat.course_name(c));
    return nlohmann::json{
        {"learner_id", f.learner},
        {"course_id", f.course},
        {"rank", w.present() ? nlohmann::json(w.rank) : nlohmann::json(nullptr)},
        {"removed_by", w.present() ? nlohmann::json(nullptr) : nlohmann::json(std::string(to_string(w.removed_by())))},
        {"rules", rule_names},
        {"text", text},
        {"score", w.score},
        {"model_score", w.model_score},
        {"score_rank", w.score_rank > 0 ? nlohmann::json(w.score_rank) : nlohmann::json(nullptr)},
        {"shown", w.shown},
        {"kth_course_id", w.kth_course >= 0 ? nlohmann::json(cat.course_name(w.kth_course)) : nlohmann::json(nullptr)},
        {"kth_score", w.kth_score},
        {"mandatory", w.mandatory},
        {"obligation_due", date_or_null(w.obligation_due)},
        {"pinned", w.pinned},
        {"missing_prerequisites", missing},
        {"substitute_course_id", w.substitute >= 0 ? nlohmann::json(cat.course_name(w.substitute)) : nlohmann::json(nullptr)},
        {"history", w.has_history ? nlohmann::json{{"outcome", std::string(outcome_name(w.history.state))},
                                                   {"completed_at", date_or_null(w.history.completed_at)},
                                                   {"expires", date_or_null(w.expires)}}
                                  : nlohmann::json(nullptr)},
        {"now", format_date(now)}};
}

/// --log: the learner ranked as `learnrec push` ranks them (its audience, rules and k), with what
/// the push log holds back.
int run_with_log(const Flags& f) {
    LEARNREC_CHECK(f.interactions.empty(), "--log answers as `learnrec push` does, whose history comes from --events; "
                   "drop --interactions");
    campaign::CampaignSpec spec;
    spec.id = f.campaign;
    spec.now = now_of(f);
    spec.k = f.k;
    spec.num_threads = f.threads;
    if (!f.rules.empty()) spec.settings = campaign::read_campaign_settings(f.rules);
    const campaign::Audience audience = campaign::load_audience(f.model, f.catalogue, f.events, f.threads);
    const campaign::PushWhyNot p = campaign::why_not_pushed(audience, spec, f.log, f.learner, f.course);
    const Catalogue& cat = audience.ranker->catalogue();
    if (f.format != "json") {
        fmt::print("{}\n", p.text(cat));
        return 0;
    }
    nlohmann::json out = answer_json(f, p.answer, cat, p.text(cat), spec.now);
    const auto date = [](timestamp_t t) { return t == kNever ? nlohmann::json(nullptr) : nlohmann::json(format_date(t)); };
    out["push_log"] = {{"rule", p.hold.rule == campaign::PushHoldRule::none ? nlohmann::json(nullptr)
                                                                           : nlohmann::json(std::string(to_string(p.hold.rule)))},
                       {"pushes", p.hold.pushes},
                       {"unanswered", p.hold.unanswered},
                       {"last_pushed", date(p.hold.last_pushed)},
                       {"dismissed_at", date(p.hold.dismissed_at)}};
    out["model_version"] = audience.model_version;
    fmt::print("{}\n", out.dump(2));
    return 0;
}

int run(const Flags& f) {
    if (!f.log.empty()) return run_with_log(f);
    ModelBundle bundle = load(f.model);
    const Model& model = *bundle.model;
    LEARNREC_CHECK(bundle.courses.size() == model.num_courses() && bundle.learners.size() == model.num_learners(),
                   "{} has no learner and course ids: save it with ids (learnrec train --save)", f.model);
    const index_t learner = bundle.learners.at(f.learner, "learner");
    const index_t course = bundle.courses.at(f.course, "course");
    // Rows about learners the model never saw (no interactions when it was trained) are skipped, and said so.
    CatalogueOptions options;
    options.allow_unknown_learners = true;
    CatalogueData files = read_catalogue_dir(f.catalogue, bundle.courses, bundle.learners, options);
    if (files.skipped_rows > 0)
        fmt::print(stderr, "note: skipped {} catalogue rows about learners not in the model\n", files.skipped_rows);
    LearnerHistory history = history_of(f, bundle.learners, bundle.courses);
    const Ranker ranker(bundle.model, std::move(files.catalogue), std::move(files.learners), std::move(history));
    RankingRules rules = f.rules.empty() ? RankingRules{} : read_rules_json(f.rules);
    rules.k = f.k;
    rules.num_threads = f.threads;
    const timestamp_t now = now_of(f);
    const WhyNot w = ranker.why_not(learner, course, now, rules);
    const Catalogue& cat = ranker.catalogue();
    if (f.format != "json") {
        fmt::print("{}\n", w.text(cat));
        return 0;
    }
    nlohmann::json out = answer_json(f, w, cat, w.text(cat), now);
    out["model_version"] = model_version(bundle);
    fmt::print("{}\n", out.dump(2));
    return 0;
}

}  // namespace

Command add_why_not_command(CLI::App& app) {
    auto f = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand("why-not", "Why a course is (or is not) in a learner's ranked list: its rank, or "
                                              "the rules that keep it out");
    cmd->add_option("--model", f->model, "Model file with learner and course ids (learnrec train --save)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--catalogue", f->catalogue, "Directory of catalogue CSVs (as for recommend --catalogue)")
        ->required()
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--learner", f->learner, "Learner id (one of the model's)")->required();
    cmd->add_option("--course", f->course, "Course id (one of the model's)")->required();
    cmd->add_option("--now", f->now, "Date of the request, YYYY-MM-DD (default: today)");
    cmd->add_option("--rules", f->rules, "Ranking rules (JSON; see the README)")->check(CLI::ExistingFile);
    cmd->add_option("--events", f->events,
                    "Typed events CSV or xAPI statements: the learners' history ('already taken')")
        ->check(CLI::ExistingFile);
    cmd->add_option("--interactions", f->interactions,
                    "Interactions CSV as history when there are no --events (every interaction completed)")
        ->check(CLI::ExistingFile);
    cmd->add_option("-k,--top", f->k, "Length of the list")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--threads", f->threads, "Threads (0 = all processors)")->capture_default_str();
    cmd->add_option("--format", f->format, "table or json")->capture_default_str()->check(CLI::IsMember({"table", "json"}));
    cmd->add_option("--log", f->log, "Push log (CSV or JSON Lines): answer as `learnrec push` would for this learner, "
                                      "naming what the log holds back (rules and k as push's; --events is a CSV)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--campaign", f->campaign, "With --log: the campaign id whose own records are not memory "
                                               "(as a re-run of it)");
    add_xapi_flags(*cmd, f->xapi);
    return {cmd, [f] { return run(*f); }};
}

}  // namespace learnrec::cli
