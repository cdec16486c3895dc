// learnrec ranking — what the rules need to know about learners: segment (role, department,
// country, region), languages and formats they can take, and target skills.
//
// learners[i] describes the model's learner i. Empty lists mean "no restriction".
// Thread safety: a plain value. Complexity: validate() is O(total size).
#pragma once

#include <string>
#include <vector>

namespace learnrec::ranking {

/// A skill a learner aims at, from personal goals or the team's skills review.
struct SkillGoal {
    std::string skill;
    int level = 1;  ///< target level, >= 1
};

struct LearnerFacts {
    std::string id;
    std::string role;
    std::string department;
    std::string country;
    std::string region;
    std::vector<std::string> languages;  ///< spoken; empty: any course language
    std::vector<std::string> formats;    ///< formats the learner can take; empty: all
    std::vector<SkillGoal> target_skills;
    /// What the learner wrote about what they want to learn, in their own words and language
    /// ("je veux me former à l'IA générative"); text/goals.hpp turns it into goal scores.
    std::string goal;
    /// Where else the learner would go for a gig or work package (learners.csv `mobility`, ';'-separated):
    /// empty = own country or region only; a region name ("EMEA": any of its countries), countries,
    /// or "anywhere". Read by the host side of allocation/fit.hpp; the ranking does not use it.
    std::vector<std::string> mobility;
};

/// Throws Error for a target level < 1 or a duplicated target skill (naming the learner).
void validate_learners(const std::vector<LearnerFacts>& learners);

}  // namespace learnrec::ranking
