// learnrec allocation — the market: every learner's candidate opportunities, from the Ranker.
//
// Sessions: the Ranker ranks each learner's courses with all its rules (eligibility, already
// taken, obligations pinned, skill-gap boost, prerequisites) and require_session on; going down
// that list (3 x candidates_per_learner courses), every open session (places > 0, starting within
// the horizon, online or in the learner's country or region) of a ranked course is a candidate,
// utility = max(0, the course's final score). Priority: mandatory when the course is mandatory
// for the learner and the session ENDS by the due date; else skill_gap when the Ranker gave a
// skill-gap reason; else preference.
// Gigs and work packages: the two-sided fit (allocation/fit.hpp) of the learner with each one
// teaching a skill the learner targets, names in a stated goal, or that the learner's top-N ranked courses teach (an inverted
// index by skill, so the cost is per learner, not learners x opportunities); candidate when the
// host side reaches min_host_fit; utility = the fit; priority skill_gap when it closes a target
// skill, else preference.
// Each learner keeps the candidates_per_learner best candidates by (priority, utility): the top-N
// pruning that keeps the flow small (100,000 learners x 10 candidates = 1M arcs).
//
// Thread safety: reentrant (the Ranker is shared read-only). Complexity: the Ranker's request for
// 3N courses per learner + O(learners x (N x sessions per course + fitted gigs x skills)).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "learnrec/allocation/allocator.hpp"
#include "learnrec/allocation/fit.hpp"
#include "learnrec/allocation/opportunity.hpp"
#include "learnrec/ranking/ranker.hpp"
#include "learnrec/text/skills.hpp"

namespace learnrec::allocation {

struct Market {
    std::vector<index_t> learners;           ///< model learner index of market learner i
    std::vector<Opportunity> opportunities;  ///< the catalogue's sessions, then the gigs and work packages
    std::vector<Candidate> candidates;       ///< Candidate::learner indexes `learners`
    std::vector<std::string> reasons;        ///< per candidate, "; "-separated, both sides for gigs
    double seconds = 0.0;                    ///< time to build (ranking included)
};

/// The current level per skill of each of the Ranker's learners: for every completed course, the
/// skills it teaches at its levels, the highest per skill. One SkillLevels per model learner.
std::vector<SkillLevels> current_skill_levels(const ranking::Ranker& ranker);

/// Candidates for `learners` (model indices) at `now`. `extra` = gigs and work packages (an empty
/// Opportunity::region is filled with the region of the learners who live in its country).
/// `ranking_rules`: the Ranker's rules (k, require_session and session_horizon_days are set here).
/// `vocabulary`: phrases naming skills in learners' goals (LearnerFacts::goal), e.g. the catalogue's
/// skill_synonyms.csv; the catalogue's and the opportunities' skill names are always phrases. Used
/// only when some learner states a goal: the skills it names join the two-sided fit (fit.hpp).
Market build_market(const ranking::Ranker& ranker, std::span<const index_t> learners, std::vector<Opportunity> extra,
                    timestamp_t now, ranking::RankingRules ranking_rules, const AllocationRules& rules,
                    text::SkillVocabulary vocabulary = {});

}  // namespace learnrec::allocation
