// learnrec allocation — two-sided fit of a learner and a gig or work package.
//
// Learner side (interest, in [0, 1]): 0.5 x the share of the opportunity's taught skills that are
// among the learner's target skills, each weighted by the part of the gap it closes
// (min(taught, target) - current) / target, plus 0.5 x the model's interest: the share of the
// learner's own ranked list (the model's top courses after the rules) that teaches one of those
// skills, weighted by rank (1 / (1 + rank)). The model part is how recommender preference enters.
// Host side (requirement, in [0, 1]): the mean over required skills of min(1, current / required)
// (current levels = the highest level of a course the learner completed that teaches the skill);
// 1 without requirements. Hard constraints make it 0: no shared language (when both sides list
// languages), or a location that is neither remote, the learner's country or region, nor a place
// the learner's mobility accepts (LearnerFacts::mobility: "anywhere", the location itself, or the
// location's region, Opportunity::region).
// Expectations: skills the learner's goal in their own words names (`goal_skills`, e.g. extracted by
// text::SkillVocabulary from LearnerFacts::goal) count on the learner side like target skills, up
// to the level the opportunity teaches ("learner: your goal \"...\" names ml").
// Fit = the harmonic mean 2 i h / (i + h) of the two sides, as reciprocal recommenders combine
// both parties' preferences: high only when BOTH sides are, and 0 when either is. A pair is a
// candidate when h >= min_host_fit and i > 0.
// Reasons are plain text on both sides ("learner: closes your gap in python (target 3)", "host:
// python level 2 of 2 required", "host: speaks en", "host: remote").
//
// Thread safety: pure functions. Complexity: O(skills of both sides) per pair.
#pragma once

#include <string>
#include <vector>

#include "learnrec/allocation/opportunity.hpp"
#include "learnrec/ranking/learners.hpp"

namespace learnrec::allocation {

/// A learner's current level per skill (from completed courses), sorted by skill.
using SkillLevels = std::vector<ranking::CourseSkill>;

struct TwoSidedFit {
    double interest = 0.0;  ///< learner side, [0, 1]
    double host = 0.0;      ///< host side, [0, 1]
    double fit = 0.0;       ///< harmonic mean of both
    std::vector<std::string> reasons;  ///< "learner: ...", "host: ..."
};

/// `ranked_skills`: the skills taught by the learner's ranked courses, one list per rank (best
/// first); may be empty (no model part: interest is the goal part alone, doubled to keep [0, 1]).
/// `explain`: fill reasons (they cost string formatting).
TwoSidedFit two_sided_fit(const ranking::LearnerFacts& learner, const SkillLevels& current,
                          const std::vector<std::vector<std::string>>& ranked_skills, const Opportunity& opportunity,
                          bool explain = true, const std::vector<std::string>& goal_skills = {});

}  // namespace learnrec::allocation
