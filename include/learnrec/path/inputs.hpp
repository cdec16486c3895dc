// learnrec path — the planner's inputs from a catalogue directory, and a learner's targets.
//
// read_planning_dir reads what ranking/files.hpp reads (courses, skills, prerequisites, sessions,
// obligations, learners, learner_skills) with the course and learner ids of courses.csv and
// learners.csv, plus (each file optional unless said):
//   courses.csv         duration_hours (or hours): required, > 0, per course
//   learner_skills.csv  learner_id,skill,level[,current_level]  (level = target; current 0 when absent)
//   role_profiles.csv   role,skill,level                        ("what a data engineer needs")
//   workforce_plan.csv  skill,department,year,level,people      (the strategic workforce plan)
//   events.csv          learner_id,course_id,event,timestamp[,value]  (what was done: completed,
//                       passed, failed, dropped; data/events.hpp)
//   opportunities.csv   gigs and work packages (allocation/opportunity.hpp, read by its reader)
// `learnrec academy --out DIR` writes all of them.
// Errors: Error("<file>:<line>", ...) for a malformed row, an unknown id or a bad number.
// Thread safety: reentrant; PlanningData is a plain value. Complexity: linear in the files.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <optional>

#include "learnrec/allocation/opportunity.hpp"
#include "learnrec/data/academy.hpp"
#include "learnrec/data/events.hpp"
#include "learnrec/data/id_map.hpp"
#include "learnrec/path/plan.hpp"
#include "learnrec/text/skills.hpp"

namespace learnrec::path {

struct RoleProfile {
    std::string role;
    std::vector<ranking::SkillGoal> skills;
};

/// People needed in `department` at `level` or above in `skill` by the end of `year`.
struct WorkforceTarget {
    std::string skill;
    std::string department;
    int year = 0;
    int level = 1;
    int people = 0;
};

struct PlanningData {
    IdMap courses;
    IdMap learners;
    ranking::Catalogue catalogue;
    std::vector<ranking::LearnerFacts> learner_facts;  ///< one per learner
    std::vector<float> course_hours;                  ///< one per course
    std::vector<std::vector<SkillTarget>> targets;    ///< per learner: review targets with current levels
    std::vector<RoleProfile> role_profiles;
    std::vector<WorkforceTarget> workforce_plan;
    std::vector<LifecycleEvent> events;               ///< over `learners` x `courses`, by learner then time
    text::SkillVocabulary vocabulary;                 ///< skill_synonyms.csv: goals in words -> skills
    std::vector<allocation::Opportunity> opportunities;  ///< gigs and work packages (opportunities.csv)
};

PlanningData read_planning_dir(const std::filesystem::path& dir);

/// The same from a generated academy without files (what read_planning_dir reads from its export).
PlanningData academy_planning_data(const Academy& academy);

/// Where a learner's targets come from.
enum class TargetSource {
    review,  ///< learner_skills.csv / learners.csv target_skills (the yearly skills review)
    role,    ///< the role's profile in role_profiles.csv
    goal,    ///< the skills the learner's goal in their own words names (learners.csv `goal`), at level 2
    given    ///< the request's own list
};

/// The learner as the planner sees it: facts, targets (current levels from learner_skills.csv,
/// raised by courses completed before `before`), completed and failed courses from the events
/// before `before` (re-planning keeps what was done; a failure may be retaken or replaced).
/// Re-planning: with `period_start` (the plan's first month), the completed, failed and dropped
/// events from it until `before` also become the learner's `past` steps.
/// Throws Error for an unknown role profile (source role), an empty `given` list (source given), or
/// a goal that is missing or names no skill of the vocabulary (source goal).
PlanLearner planning_learner(const PlanningData& data, index_t learner, timestamp_t before,
                             TargetSource source = TargetSource::review, const std::vector<SkillTarget>& given = {},
                             std::optional<timestamp_t> period_start = std::nullopt);

}  // namespace learnrec::path
