// learnrec path — a learner's dated learning plan: from current skill levels to target levels
// within a horizon and a time budget (per month or per quarter), with prerequisites, sessions,
// obligations, gigs and work packages.
//
// The planner picks a set of courses and opportunities and a month (or dates) for each:
//  - guarantees: prerequisites in an earlier month than what needs them (or already completed);
//    each month's hours within `hours_per_month` and each calendar quarter's within
//    `hours_per_quarter` (counting hours already spent in it when re-planning); chosen sessions,
//    gigs and work packages never overlap in time; an obligation finishes by its due date; no
//    course or opportunity twice; completed courses are kept, never planned again.
//  - gigs and work packages (allocation/opportunity.hpp, opportunities.csv) close the skills they
//    teach (`taught`, up to the level) like courses. They run on their own dates, start and end
//    inside the horizon, need an open place, a language of the learner (or none), the learner's
//    country or region (or remote), a host department other than the learner's, and the skills the
//    host requires (`required`) at the learner's current level. They cost `gig_hours_per_week` or
//    `work_package_hours_per_week` for each week they run (rounded up), spread evenly over the
//    months they touch.
//  - re-planning: `first_month` > 0 means the months before it are past. The learner's `past`
//    steps (what was completed, failed or dropped in them) are shown as they happened and count
//    against their month's and quarter's budget; nothing new is placed before `first_month`. A
//    failed course is retaken when `retake_failed`, else left out so that another course replaces
//    it (the step says which).
//  - objective, in this order: most obligations met, most skill gaps closed, fewest total hours,
//    highest model preference (sum of the preference of the chosen courses).
//  - gaps left are reported in `unmet` with why: "no course" (nothing the learner can take teaches
//    the skill at the target level), "no session" (the courses that do are only given in sessions,
//    none open in the horizon and the learner's country), "budget" (they exist but do not fit the
//    months and hours with the rest of the plan). An obligation already overdue at the start is
//    planned without a deadline ("mandatory, overdue since d").
//  - each gap keeps its `options_per_gap` cheapest options (hours with prerequisites, then
//    preference); a plan counts as optimal only when no gap lost an option that way.
//  - exact branch and bound when the candidates are at most `exact_limit` (and it finishes within
//    `node_limit` nodes): `optimal` is then true. Otherwise a greedy heuristic (gaps with fewest
//    options first, cheapest option that still schedules) with `lower_bound_hours`, a bound no plan
//    closing the same gaps can go below.
// An obligation's course is assigned: its language and format do not rule it out (its sessions'
// places still do). A course taught in sessions can only be taken in one of its sessions (start month, the place is
// the learner's country or region, or online); a self-paced course of h hours takes ceil(h / budget)
// consecutive months, h / that each.
// Thread safety: plan_path is reentrant (plan many learners from many threads on one catalogue).
// Complexity: the heuristic is O(gaps x options x schedule); branch and bound is exponential in the
// gaps in the worst case, bounded by node_limit.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "learnrec/allocation/opportunity.hpp"
#include "learnrec/data/events.hpp"
#include "learnrec/ranking/catalogue.hpp"
#include "learnrec/ranking/learners.hpp"

namespace learnrec::path {

/// A skill gap: from `current` (0 = none) to `target`. Met when current >= target.
struct SkillTarget {
    std::string skill;
    int current = 0;
    int target = 1;
};

/// Something the learner did inside the plan's period before `PlanOptions::first_month`.
struct PastStep {
    index_t course;
    timestamp_t time;      ///< when it ended (the event's time)
    CourseState state;     ///< completed (a pass counts as completed), failed or dropped
};

struct PlanLearner {
    ranking::LearnerFacts facts;      ///< id, role, department, country, region, languages, formats
    std::vector<SkillTarget> targets;  ///< what to reach by the horizon (facts.target_skills is not read)
    std::vector<index_t> completed;    ///< done: kept, never planned again, satisfy prerequisites
    std::vector<index_t> failed;       ///< failed attempts: may be retaken (said in the reasons) or replaced
    std::vector<PastStep> past;        ///< re-planning: shown as steps; a completed one is also in `completed`
};

struct PlanOptions {
    int start_year = 2026;
    int start_month = 1;            ///< 1..12: the plan's month 0
    int months = 12;                ///< horizon, 1..120
    double hours_per_month = 24.0;  ///< the monthly time budget; 0 = none (then hours_per_quarter > 0)
    double hours_per_quarter = 0.0; ///< the budget per calendar quarter; 0 = none
    int first_month = 0;            ///< re-planning: months before it are past (0..months-1)
    bool retake_failed = true;      ///< a failed course may be planned again; false: replace it
    double gig_hours_per_week = 4.0;           ///< a gig's cost in the budget; 0 = no gigs
    double work_package_hours_per_week = 4.0;  ///< a work package's cost; 0 = no work packages
    int options_per_gap = 12;       ///< the cheapest options kept per gap (bounds the search), >= 1
    int exact_limit = 40;           ///< branch and bound up to this many candidates (<= 64)
    std::int64_t node_limit = 200000;  ///< search nodes before the best plan found so far is returned

    /// Throws Error on a month outside 1..12, months outside 1..120, a negative budget or no budget
    /// at all, first_month outside 0..months-1, negative opportunity hours, options_per_gap < 1 or
    /// an exact_limit outside 0..64.
    void validate() const;
    /// The hours one month can take: hours_per_month, else the whole quarter's.
    double month_capacity() const { return hours_per_month > 0.0 ? hours_per_month : hours_per_quarter; }
};

enum class StepStatus : std::uint8_t { planned, completed, failed, dropped };
/// "planned", "completed", "failed", "dropped".
std::string_view to_string(StepStatus status);

/// One dated step. Months count from the start month (0 = the first month).
struct Step {
    index_t course;             ///< -1 for a gig or work package
    int month;                  ///< first month
    int months = 1;             ///< months it spans (self-paced courses longer than a month's budget)
    double hours;
    std::int64_t session = -1;  ///< index into catalogue.sessions, or -1 (self-paced)
    std::int64_t opportunity = -1;  ///< index into the opportunities given to plan_path, or -1
    timestamp_t start = 0, end = 0; ///< dates: the session's or opportunity's, else the months'
    StepStatus status = StepStatus::planned;  ///< past steps (re-planning) say what happened
    std::vector<std::string> reasons;  ///< "closes skill python from level 1 to 2", "prerequisite of step 3 (C0042)",
                                       ///< "mandatory, due 2026-06-30", "retake after a failed attempt",
                                       ///< "replaces C0042 (failed)", "completed 2026-03-12"
};

struct Unmet {
    std::string skill;      ///< the skill; empty for an obligation
    std::string course_id;  ///< the obligation's course; empty for a skill
    int current = 0;
    int target = 0;
    std::string why;     ///< "no course", "no session" or "budget"
    std::string detail;  ///< for people
};

struct Plan {
    std::string learner;
    std::vector<Step> steps;  ///< by month, then session start, then course index
    std::vector<Unmet> unmet;
    double total_hours = 0.0;        ///< planned steps only (past ones are not counted)
    double preference = 0.0;         ///< sum of the steps' preference
    double lower_bound_hours = 0.0;  ///< no plan closing the same gaps needs fewer hours
    bool optimal = false;            ///< proven optimal by branch and bound (no option cut per gap)
    bool options_cut = false;        ///< some gap had more than options_per_gap options
    std::int64_t nodes = 0;          ///< search nodes spent
};

/// `course_hours[c]` > 0 for every course the learner could take; `preference` is empty or one
/// score per course (the model's); `opportunities` are gigs and work packages (sessions among them
/// are ignored: the catalogue's sessions are the courses'). Throws Error on sizes that do not match
/// the catalogue, a course index out of range, or a candidate course without positive hours.
Plan plan_path(const ranking::Catalogue& catalogue, std::span<const float> course_hours, const PlanLearner& learner,
               const PlanOptions& options = {}, std::span<const float> preference = {},
               std::span<const allocation::Opportunity> opportunities = {});

/// "YYYY-MM" of month `month` of the plan.
std::string month_label(const PlanOptions& options, int month);
/// UTC timestamp of the first second of month `month` of the plan (month may be `options.months`).
timestamp_t month_start(const PlanOptions& options, int month);

/// Whether an obligation applies to this learner (scope learner, role, country, department, all).
bool obligation_applies(const ranking::Obligation& obligation, const ranking::LearnerFacts& learner);

}  // namespace learnrec::path
