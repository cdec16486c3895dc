// learnrec path — team and workforce view: the plans of a department, a country or the company,
// aggregated for L&D (hours, seats per course per quarter and country) and compared with the
// strategic workforce plan (people at the target level at the horizon vs people needed).
//
// Thread safety: reentrant; plan_team plans learners on `num_threads` threads (0 = all) and
// rethrows the first error on the calling thread. Complexity: one plan_path per learner of the team.
#pragma once

#include <string>
#include <vector>

#include "learnrec/path/inputs.hpp"

namespace learnrec::path {

/// Which learners: those matching every non-empty field (all empty = the whole company).
struct TeamFilter {
    std::string department;
    std::string country;
};

/// Seats to open: learners planned on `course_id` in `quarter` ("2026-Q1") in `country`.
struct SeatDemand {
    std::string course_id;
    std::string quarter;
    std::string country;
    std::string format;
    int seats = 0;
};

/// Skill coverage of a department at the horizon against the workforce plan's line for `year`.
struct SkillCoverage {
    std::string department;
    std::string skill;
    int year = 0;
    int level = 1;
    int people_now = 0;      ///< learners at `level` or above today
    int people_planned = 0;  ///< learners at `level` or above once their plans are done
    int people_needed = 0;   ///< the workforce plan's target
};

struct TeamPlan {
    std::vector<index_t> learners;  ///< planned learners (indices of PlanningData::learners)
    std::vector<Plan> plans;        ///< aligned with `learners`
    double hours = 0.0;
    std::size_t steps = 0;          ///< planned steps (past ones of a re-plan are not counted)
    std::size_t opportunities = 0;  ///< planned steps that are gigs or work packages
    std::size_t unmet = 0;
    std::size_t optimal = 0;        ///< plans proven optimal
    std::vector<SeatDemand> seats;  ///< by quarter, country, course
    std::vector<SkillCoverage> coverage;  ///< lines of the workforce plan of the team's departments
};

/// Plans every learner of the team (targets from `source`; events before the start are kept; with
/// options.first_month > 0 the months before it are re-planned from the events in them) with the
/// data's gigs and work packages, and aggregates. Coverage compares against the workforce plan year
/// the horizon ends in.
TeamPlan plan_team(const PlanningData& data, const TeamFilter& filter, const PlanOptions& options,
                   TargetSource source = TargetSource::review, int num_threads = 0);

}  // namespace learnrec::path
