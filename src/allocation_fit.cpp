// learnrec allocation — two-sided fit of a learner and a gig or work package (model in allocation/fit.hpp).
#include "learnrec/allocation/fit.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace learnrec::allocation {

namespace {

int level_of(const SkillLevels& current, std::string_view skill) {
    const auto it = std::lower_bound(current.begin(), current.end(), skill,
                                     [](const ranking::CourseSkill& s, std::string_view k) { return s.skill < k; });
    return it != current.end() && it->skill == skill ? it->level : 0;
}

}  // namespace

TwoSidedFit two_sided_fit(const ranking::LearnerFacts& learner, const SkillLevels& current,
                          const std::vector<std::vector<std::string>>& ranked_skills, const Opportunity& o,
                          bool explain, const std::vector<std::string>& goal_skills) {
    TwoSidedFit out;
    // ---- learner side: goals the opportunity closes, and what the model says the learner likes ----
    double goal = 0.0;
    double model = 0.0;
    for (const auto& t : o.taught) {
        bool targeted = false;
        for (const auto& g : learner.target_skills) {
            if (g.skill != t.skill) continue;
            targeted = true;
            const int now = level_of(current, t.skill);
            const int reach = std::min(t.level, g.level);
            if (reach > now) {
                goal += static_cast<double>(reach - now) / static_cast<double>(g.level);
                if (explain)
                    out.reasons.push_back(fmt::format("learner: closes your gap in {} (level {} of target {})",
                                                      t.skill, reach, g.level));
            }
        }
        // The learner's expectations in their own words: a skill their goal names counts as a target
        // up to the level the opportunity teaches.
        if (!targeted && std::find(goal_skills.begin(), goal_skills.end(), t.skill) != goal_skills.end()) {
            const int now = level_of(current, t.skill);
            if (t.level > now) {
                goal += static_cast<double>(t.level - now) / static_cast<double>(t.level);
                if (explain)
                    out.reasons.push_back(fmt::format("learner: your goal \"{}\" names {}", learner.goal, t.skill));
            }
        }
        for (std::size_t r = 0; r < ranked_skills.size(); ++r) {
            const auto& skills = ranked_skills[r];
            if (std::find(skills.begin(), skills.end(), t.skill) == skills.end()) continue;
            const double w = 1.0 / (1.0 + static_cast<double>(r));
            if (w > model) {
                model = w;
                if (explain)
                    out.reasons.push_back(
                        fmt::format("learner: your course #{} in your recommendations teaches {}", r + 1, t.skill));
            }
            break;
        }
    }
    if (!o.taught.empty()) goal /= static_cast<double>(o.taught.size());
    out.interest = ranked_skills.empty() ? goal : 0.5 * goal + 0.5 * model;

    // ---- host side: requirements, language, place ---------------------------------------------------
    double host = 1.0;
    auto would_go = [&](const std::string& place) {
        return !place.empty() && std::find(learner.mobility.begin(), learner.mobility.end(), place) != learner.mobility.end();
    };
    if (o.location.empty()) {
        if (explain) out.reasons.push_back("host: remote");
    } else if (o.location == learner.country || o.location == learner.region) {
        if (explain) out.reasons.push_back(fmt::format("host: based in {}, where you work", o.location));
    } else if (would_go("anywhere") || would_go(o.location) || would_go(o.region)) {
        if (explain)
            out.reasons.push_back(fmt::format("host: based in {}, where you would go (mobility {})", o.location,
                                              fmt::join(learner.mobility, ";")));
    } else {
        host = 0.0;
        if (explain)
            out.reasons.push_back(fmt::format("host: based in {}, neither where you work nor where you would go",
                                              o.location));
    }
    if (host > 0.0 && !o.languages.empty() && !learner.languages.empty()) {
        const auto shared = std::find_first_of(o.languages.begin(), o.languages.end(), learner.languages.begin(),
                                               learner.languages.end());
        if (shared == o.languages.end()) {
            host = 0.0;
            if (explain) out.reasons.push_back("host: no language in common");
        } else if (explain) {
            out.reasons.push_back(fmt::format("host: works in {}, which you speak", *shared));
        }
    }
    if (host > 0.0 && !o.required.empty()) {
        double sum = 0.0;
        for (const auto& q : o.required) {
            const int have = level_of(current, q.skill);
            sum += std::min(1.0, static_cast<double>(have) / static_cast<double>(q.level));
            if (explain)
                out.reasons.push_back(fmt::format("host: {} level {} of {} required", q.skill, have, q.level));
        }
        host = sum / static_cast<double>(o.required.size());
    }
    out.host = host;
    out.fit = out.interest + out.host > 0.0 ? 2.0 * out.interest * out.host / (out.interest + out.host) : 0.0;
    return out;
}

}  // namespace learnrec::allocation
