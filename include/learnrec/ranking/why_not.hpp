// learnrec ranking — "why not?": for a learner and a course, the course's rank in the learner's
// list, or every rule that keeps it out, with the facts behind each (Ranker::why_not).
//
// The answer is the Ranker's own: the rank comes from recommend() for that learner, and the rules
// are asked through the same precomputed codes, learner view and top-k predicate recommend() uses
// (src/ranking_engine.cpp), so it cannot disagree with the list. Rules, in the order listed:
//   already_taken  completed (or passed) and still valid: `taken_at`, `expires` (a certification)
//   in_progress    enrolled or started, with lifecycle.exclude_in_progress
//   dropped        dropped, with lifecycle.exclude_dropped
//   language, format, region
//                  the learner's languages / formats / country and region do not match the course's
//   session        the course runs in sessions and none is open (capacity, start within the
//                  horizon, in the learner's country/region or online)
//   prerequisites  prerequisites not completed (`missing_prerequisites`), under hold_back
//   push_log       left out by the request's limits (RequestLimits): in a push campaign, what the
//                  push log holds back (campaign::why_not_pushed says which of its rules, with dates)
//   excluded       the top-k predicate rejects it for a reason none of the above names (a rule
//                  added to the Ranker later answers here until it is named)
// and, for a course every rule admits:
//   substituted    prerequisites mode `substitute`: shown as its first missing prerequisite
//                  (`substitute`) instead
//   obligations_fill_list  obligations due within the window take all k places (the course's own
//                  obligation, if any, is less urgent)
//   diversity      among the best k by score, but MMR diversity chose others
//   below_kth_score its final score (`score`, rank `score_rank` among admissible courses) is below
//                  the last shown course's (`kth_score`, `kth_course`: the last one placed by
//                  score, after the pinned obligations)
// Obligation facts ride along: `obligation_due` when an obligation applies (pinned when due
// within the window), whatever the answer.
//
// Thread safety: a plain value. Complexity of Ranker::why_not: one recommend() for the learner,
// plus one full-catalogue scoring for the learner (O(C d + C log C)) and the eligibility codes of
// four single-rule requests (O(classes x C)).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "learnrec/ranking/catalogue.hpp"
#include "learnrec/ranking/history.hpp"

namespace learnrec::ranking {

enum class WhyNotRule : std::uint8_t {
    already_taken,
    in_progress,
    dropped,
    language,
    format,
    region,
    session,
    prerequisites,
    excluded,
    substituted,
    obligations_fill_list,
    diversity,
    below_kth_score,
    push_log,  ///< listed after prerequisites (see above); last here so the values stay stable
};

/// "already_taken", "in_progress", ... "below_kth_score", "push_log".
std::string_view to_string(WhyNotRule rule);

struct WhyNot {
    index_t learner = -1;
    index_t course = -1;
    index_t rank = 0;  ///< 1-based position in the learner's list; 0 when absent
    bool mandatory = false;             ///< shown as mandatory (present) or an obligation applies
    std::vector<WhyNotRule> rules;      ///< every rule keeping it out, in the order above; empty when present

    // Facts.
    bool has_history = false;
    HistoryEntry history{};                                          ///< when has_history
    timestamp_t expires = std::numeric_limits<timestamp_t>::max();   ///< a completed certification's expiry
    std::vector<index_t> missing_prerequisites;                      ///< not completed, in catalogue order
    index_t substitute = -1;                                         ///< substituted: the course shown instead
    timestamp_t obligation_due = kNever;                             ///< earliest applicable due date
    bool pinned = false;                                             ///< due within the obligation window
    float score = std::numeric_limits<float>::quiet_NaN();        ///< final score (model + skill-gap boost)
    float model_score = std::numeric_limits<float>::quiet_NaN();  ///< the model's own score
    index_t score_rank = 0;  ///< 1-based rank by final score among admissible courses; 0 when not admissible
                             ///< (admissible by the rules: courses a request's limits leave out still count)
    index_t shown = 0;       ///< courses in the learner's list
    index_t kth_course = -1;  ///< the list's last course placed by score (-1 when none)
    float kth_score = std::numeric_limits<float>::quiet_NaN();

    bool present() const noexcept { return rank > 0; }
    /// The first rule keeping it out (the one recommend() applies first).
    WhyNotRule removed_by() const { return rules.at(0); }
    /// The answer in plain terms, course ids from `catalogue`, e.g. "not proposed: already taken on
    /// 2025-03-01 (valid until 2027-03-01)" or "rank 3 of 10".
    std::string text(const Catalogue& catalogue) const;
};

}  // namespace learnrec::ranking
