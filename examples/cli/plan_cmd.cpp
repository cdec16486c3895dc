// learnrec CLI — `learnrec plan`: from the skills review to a dated plan per learner (path/plan.hpp),
// or a team's seats per quarter and skill coverage against the workforce plan (path/team.hpp).
//
// Contract for scripts: `--learner ID --format json` prints {"learner", "steps": [{"step", "course_id",
// "month" (YYYY-MM), "hours", "reasons", ...}], "unmet": [{"skill", "why", ...}], ...}.
#include "plan_cmd.hpp"

#include <charconv>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "learnrec/error.hpp"
#include "learnrec/io/model_file.hpp"
#include "learnrec/path/inputs.hpp"
#include "learnrec/path/preference.hpp"
#include "learnrec/path/rules.hpp"
#include "learnrec/path/team.hpp"
#include "learnrec/ranking/calendar.hpp"

namespace learnrec::cli {
namespace {

using json = nlohmann::ordered_json;

struct Flags {
    std::string catalogue, learner, model, from = "2026-01", targets = "review", format = "table", rules, now, failed;
    std::vector<std::string> skills;
    bool team = false;
    std::string department, country;
    path::PlanOptions options;
    // Given on the command line: they override the rules file's planning section.
    std::optional<int> months, exact_limit, options_per_gap;
    std::optional<double> hours_per_month, hours_per_quarter, gig_hours, work_package_hours;
    int threads = 0;
};

void parse_from(const std::string& text, path::PlanOptions& o) {
    unsigned y = 0, m = 0;
    const bool ok = text.size() == 7 && text[4] == '-' &&
                    std::from_chars(text.data(), text.data() + 4, y).ptr == text.data() + 4 &&
                    std::from_chars(text.data() + 5, text.data() + 7, m).ptr == text.data() + 7 && m >= 1 && m <= 12;
    LEARNREC_CHECK(ok, "--from '{}' is not YYYY-MM", text);
    o.start_year = static_cast<int>(y);
    o.start_month = static_cast<int>(m);
}

/// Defaults, then the rules file's "planning" section, then the flags given.
void resolve_options(Flags& f) {
    if (!f.rules.empty()) f.options = path::read_planning_rules_json(f.rules, f.options);
    if (f.months) f.options.months = *f.months;
    if (f.hours_per_quarter) {
        f.options.hours_per_quarter = *f.hours_per_quarter;
        if (!f.hours_per_month) f.options.hours_per_month = 0.0;  // a quarterly budget alone
    }
    if (f.hours_per_month) f.options.hours_per_month = *f.hours_per_month;
    if (f.gig_hours) f.options.gig_hours_per_week = *f.gig_hours;
    if (f.work_package_hours) f.options.work_package_hours_per_week = *f.work_package_hours;
    if (f.options_per_gap) f.options.options_per_gap = *f.options_per_gap;
    if (f.exact_limit) f.options.exact_limit = *f.exact_limit;
    if (!f.failed.empty()) f.options.retake_failed = f.failed == "retake";
    parse_from(f.from, f.options);
    if (!f.now.empty()) {
        path::PlanOptions now = f.options;
        parse_from(f.now, now);
        f.options.first_month = (now.start_year - f.options.start_year) * 12 + (now.start_month - f.options.start_month);
        LEARNREC_CHECK(f.options.first_month >= 0 && f.options.first_month < f.options.months,
                       "--now {} is not within the plan ({} + {} months)", f.now, f.from, f.options.months);
    }
    f.options.validate();
}

std::vector<path::SkillTarget> parse_skills(const std::vector<std::string>& items) {
    std::vector<path::SkillTarget> out;
    for (const auto& item : items) {
        const auto colon = item.rfind(':');
        int level = 0;
        const bool ok = colon != std::string::npos && colon > 0 &&
                        std::from_chars(item.data() + colon + 1, item.data() + item.size(), level).ptr ==
                            item.data() + item.size() &&
                        level >= 1;
        LEARNREC_CHECK(ok, "--skill '{}' is not skill:level (level >= 1)", item);
        out.push_back({item.substr(0, colon), 0, level});
    }
    return out;
}

json plan_json(const path::PlanningData& d, const path::Plan& p, const path::PlanOptions& o) {
    json steps = json::array();
    for (std::size_t k = 0; k < p.steps.size(); ++k) {
        const auto& s = p.steps[k];
        json step;
        if (s.opportunity >= 0) {
            const auto& op = d.opportunities[static_cast<std::size_t>(s.opportunity)];
            step = {{"step", k + 1},
                    {"course_id", ""},
                    {"opportunity_id", op.id},
                    {"kind", allocation::to_string(op.kind)},
                    {"title", op.title},
                    {"host_department", op.host_department},
                    {"location", op.location.empty() ? "remote" : op.location},
                    {"start", ranking::format_date(op.start)},
                    {"end", ranking::format_date(op.end)}};
        } else {
            const auto& c = d.catalogue.courses[static_cast<std::size_t>(s.course)];
            step = {{"step", k + 1},
                    {"course_id", d.courses.id(s.course)},
                    {"kind", s.session >= 0 ? "session" : "course"},
                    {"title", c.title},
                    {"format", c.format}};
        }
        step["month"] = path::month_label(o, s.month);
        step["months"] = s.months;
        step["hours"] = s.hours;
        step["status"] = path::to_string(s.status);
        step["reasons"] = s.reasons;
        if (s.session >= 0) {
            const auto& ses = d.catalogue.sessions[static_cast<std::size_t>(s.session)];
            step["session"] = {{"start", ranking::format_date(ses.start)},
                               {"end", ranking::format_date(ses.end)},
                               {"location", ses.location.empty() ? "online" : ses.location}};
        }
        steps.push_back(std::move(step));
    }
    json unmet = json::array();
    for (const auto& u : p.unmet) {
        json item{{"skill", u.skill}, {"why", u.why}, {"detail", u.detail}};
        if (!u.course_id.empty()) item["course_id"] = u.course_id;
        else {
            item["current"] = u.current;
            item["target"] = u.target;
        }
        unmet.push_back(std::move(item));
    }
    return json{{"learner", p.learner},
                {"from", path::month_label(o, 0)},
                {"months", o.months},
                {"hours_per_month", o.hours_per_month},
                {"hours_per_quarter", o.hours_per_quarter},
                {"replanned_from", o.first_month > 0 ? json(path::month_label(o, o.first_month)) : json(nullptr)},
                {"total_hours", p.total_hours},
                {"optimal", p.optimal},
                {"lower_bound_hours", p.lower_bound_hours},
                {"steps", std::move(steps)},
                {"unmet", std::move(unmet)}};
}

int run_learner(const Flags& f, const path::PlanningData& d, path::TargetSource source) {
    const index_t l = d.learners.at(f.learner, "learner");
    // Events before the first month still open are what was done; those inside the plan are its past steps.
    const path::PlanLearner learner =
        path::planning_learner(d, l, path::month_start(f.options, f.options.first_month), source, parse_skills(f.skills),
                               path::month_start(f.options, 0));
    std::vector<float> preference;
    std::string version;  // of the model that ordered equal options (JSON output)
    if (!f.model.empty()) {
        const ModelBundle bundle = load(f.model);
        version = model_version(bundle);
        if (auto row = bundle.learners.find(f.learner))
            preference = path::model_preference(*bundle.model, bundle.courses, *row, d.courses);
        else
            fmt::print(stderr, "note: {} does not know learner '{}': plans without a preference\n", f.model, f.learner);
    }
    const path::Plan p = path::plan_path(d.catalogue, d.course_hours, learner, f.options, preference, d.opportunities);
    if (f.format == "json") {
        json out = plan_json(d, p, f.options);
        if (!version.empty()) out["model_version"] = version;
        fmt::print("{}\n", out.dump(2));
        return 0;
    }
    const std::string budget =
        f.options.hours_per_quarter > 0.0
            ? fmt::format("{:g} h/quarter{}", f.options.hours_per_quarter,
                          f.options.hours_per_month > 0.0 ? fmt::format(", {:g} h/month", f.options.hours_per_month) : "")
            : fmt::format("{:g} h/month", f.options.hours_per_month);
    fmt::print("Plan for {} from {} over {} months ({}){}: {} steps, {:g} h{}\n", p.learner, path::month_label(f.options, 0),
               f.options.months, budget,
               f.options.first_month > 0 ? fmt::format(", re-planned from {}", path::month_label(f.options, f.options.first_month)) : "",
               p.steps.size(), p.total_hours,
               p.optimal ? " (optimal)" : fmt::format(" (heuristic, >= {:g} h)", p.lower_bound_hours));
    for (std::size_t k = 0; k < p.steps.size(); ++k) {
        const auto& s = p.steps[k];
        std::string reasons;
        for (const auto& r : s.reasons) reasons += (reasons.empty() ? "" : "; ") + r;
        const std::string id = s.opportunity >= 0 ? d.opportunities[static_cast<std::size_t>(s.opportunity)].id
                                                  : d.courses.id(s.course);
        fmt::print("  {:>2}. {}  {:<7} {:>5g} h  {}\n", k + 1, path::month_label(f.options, s.month), id, s.hours, reasons);
    }
    for (const auto& u : p.unmet)
        fmt::print("  unmet: {} ({}): {}\n", u.skill.empty() ? u.course_id : u.skill, u.why, u.detail);
    return 0;
}

int run_team(const Flags& f, const path::PlanningData& d, path::TargetSource source) {
    const path::TeamPlan t = path::plan_team(d, {f.department, f.country}, f.options, source, f.threads);
    if (f.format == "json") {
        json seats = json::array(), coverage = json::array();
        for (const auto& s : t.seats)
            seats.push_back({{"course_id", s.course_id}, {"quarter", s.quarter}, {"country", s.country},
                             {"format", s.format}, {"seats", s.seats}});
        for (const auto& c : t.coverage)
            coverage.push_back({{"department", c.department}, {"skill", c.skill}, {"year", c.year}, {"level", c.level},
                                {"people_now", c.people_now}, {"people_planned", c.people_planned},
                                {"people_needed", c.people_needed}});
        fmt::print("{}\n", json{{"learners", t.learners.size()},
                                {"hours", t.hours},
                                {"steps", t.steps},
                                {"opportunity_steps", t.opportunities},
                                {"unmet", t.unmet},
                                {"optimal_plans", t.optimal},
                                {"seats", std::move(seats)},
                                {"coverage", std::move(coverage)}}
                               .dump(2));
        return 0;
    }
    fmt::print("Team plan: {} learners, {} steps, {:.0f} h, {} gaps unmet, {} plans proven optimal\n",
               t.learners.size(), t.steps, t.hours, t.unmet, t.optimal);
    fmt::print("quarter,country,course_id,format,seats\n");
    for (const auto& s : t.seats) fmt::print("{},{},{},{},{}\n", s.quarter, s.country, s.course_id, s.format, s.seats);
    fmt::print("department,skill,year,level,people_now,people_planned,people_needed\n");
    for (const auto& c : t.coverage)
        fmt::print("{},{},{},{},{},{},{}\n", c.department, c.skill, c.year, c.level, c.people_now, c.people_planned,
                   c.people_needed);
    return 0;
}

}  // namespace

Command add_plan_command(CLI::App& app) {
    auto f = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand("plan", "A learner's dated learning plan (or a team's seats and skill coverage)");
    cmd->add_option("--catalogue", f->catalogue, "Catalogue directory (as `learnrec academy --out` writes)")->required();
    auto* learner = cmd->add_option("--learner", f->learner, "Learner id");
    auto* team = cmd->add_flag("--team", f->team, "Plan a team: every learner (of --department / --country)");
    learner->excludes(team);
    cmd->add_option("--department", f->department, "With --team: only this department");
    cmd->add_option("--country", f->country, "With --team: only this country");
    cmd->add_option("--model", f->model, "Model file: preference among courses of equal hours");
    cmd->add_option("--from", f->from, "First month of the plan, YYYY-MM")->capture_default_str();
    cmd->add_option("--now", f->now, "Re-plan: the months before YYYY-MM are past (its events are kept as steps)");
    cmd->add_option("--rules", f->rules, "Rules file: its \"planning\" section sets the options below (flags win)");
    cmd->add_option("--months", f->months, "Horizon in months [12]");
    cmd->add_option("--hours-per-month", f->hours_per_month, "Monthly time budget [24]");
    cmd->add_option("--hours-per-quarter", f->hours_per_quarter,
                    "Budget per calendar quarter (alone: no monthly budget; with --hours-per-month: both hold)");
    cmd->add_option("--failed", f->failed, "A failed course is retaken or replaced by another [retake]")
        ->check(CLI::IsMember({"retake", "replace"}));
    cmd->add_option("--gig-hours-per-week", f->gig_hours, "Hours a gig takes per week (0 = no gigs) [4]");
    cmd->add_option("--work-package-hours-per-week", f->work_package_hours,
                    "Hours a work package takes per week (0 = no work packages) [4]");
    cmd->add_option("--options-per-gap", f->options_per_gap, "Cheapest options kept per skill gap [12]");
    cmd->add_option("--targets", f->targets, "Targets from the skills review, the role's profile or the learner's goal in words (learners.csv goal)")
        ->capture_default_str()
        ->check(CLI::IsMember({"review", "role", "goal"}));
    cmd->add_option("--skill", f->skills, "A target for this request, skill:level (repeatable; replaces --targets)");
    cmd->add_option("--exact-limit", f->exact_limit, "Branch and bound up to this many candidates [40]");
    cmd->add_option("--threads", f->threads, "Threads for --team (0 = all)")->capture_default_str();
    cmd->add_option("--format", f->format, "table or json")->capture_default_str()->check(CLI::IsMember({"table", "json"}));
    return {cmd, [f] {
                LEARNREC_CHECK(!f->learner.empty() || f->team, "plan needs --learner ID or --team");
                resolve_options(*f);
                const auto source = !f->skills.empty()       ? path::TargetSource::given
                                    : f->targets == "role" ? path::TargetSource::role
                                    : f->targets == "goal" ? path::TargetSource::goal
                                                           : path::TargetSource::review;
                const path::PlanningData d = path::read_planning_dir(f->catalogue);
                return f->team ? run_team(*f, d, source) : run_learner(*f, d, source);
            }};
}

}  // namespace learnrec::cli
