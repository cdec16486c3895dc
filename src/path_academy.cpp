// learnrec path — the planner's inputs straight from a generated academy (path/inputs.hpp).
#include <algorithm>

#include "learnrec/path/inputs.hpp"
#include "learnrec/ranking/academy.hpp"
#include "learnrec/text/index.hpp"

namespace learnrec::path {

PlanningData academy_planning_data(const Academy& academy) {
    PlanningData out;
    out.courses = academy.interactions.courses;
    out.learners = academy.interactions.learners;
    out.vocabulary = text::academy_skill_vocabulary();
    auto inputs = ranking::academy_ranking_inputs(academy);
    out.catalogue = std::move(inputs.catalogue);
    out.learner_facts = std::move(inputs.learners);
    for (const auto& c : academy.courses) out.course_hours.push_back(c.duration_hours);
    out.targets.resize(academy.learners.size());
    for (std::size_t l = 0; l < academy.learners.size(); ++l) {
        const auto& p = academy.learners[l];
        for (std::size_t k = 0; k < p.target_skills.size(); ++k)
            out.targets[l].push_back({p.target_skills[k].skill,
                                      k < p.current_skills.size() ? p.current_skills[k].level : 0,
                                      p.target_skills[k].level});
    }
    for (const auto& r : academy.role_profiles) {
        RoleProfile profile{r.role, {}};
        for (const auto& s : r.skills) profile.skills.push_back({s.skill, s.level});
        out.role_profiles.push_back(std::move(profile));
    }
    for (const auto& w : academy.workforce_plan)
        out.workforce_plan.push_back({w.skill, w.department, w.year, w.level, w.people});
    out.opportunities = allocation::academy_opportunities(academy);
    out.events = academy_event_log(academy).events;
    std::stable_sort(out.events.begin(), out.events.end(), [](const LifecycleEvent& a, const LifecycleEvent& b) {
        return a.learner != b.learner ? a.learner < b.learner : a.time < b.time;
    });
    return out;
}

}  // namespace learnrec::path
