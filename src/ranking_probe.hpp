// learnrec ranking (internal) — one (learner, course) asked rule by rule through the Ranker's own
// request state: what Ranker::why_not (src/ranking_why_not.cpp) needs from src/ranking_engine.cpp.
#pragma once

#include <vector>

#include "learnrec/ranking/ranker.hpp"

namespace learnrec::detail {

using ranking::HistoryEntry;
using ranking::kNever;
using ranking::RankingRules;

enum class TakenAs : std::uint8_t { not_taken, completed, in_progress, dropped };

struct CourseProbe {
    bool admitted = false;  ///< the top-k predicate (every rule together)
    bool eligible = true;   ///< the eligibility class bit
    bool language = true, format = true, region = true, session = true;  ///< each eligibility rule alone
    TakenAs taken = TakenAs::not_taken;                                  ///< excluded by the lifecycle rule, as what
    bool has_history = false;
    HistoryEntry history{};
    timestamp_t expires = std::numeric_limits<timestamp_t>::max();
    std::vector<index_t> missing;  ///< prerequisites not completed (any mode)
    bool held_back = false;        ///< missing under hold_back
    index_t substitute = -1;       ///< substitute mode: the prerequisite shown instead
    timestamp_t obligation_due = kNever;
    bool pinned = false;          ///< among the learner's pinned obligations
    index_t pinned_count = 0;
    bool pinned_overflow = false;  ///< due within the window but cut by k
    float model_score = 0.0f;
    float final_score = 0.0f;
    index_t score_rank = 0;  ///< 1-based among admitted courses by final score; 0 when not admitted
    index_t open_rank = 0;   ///< same, not counting pinned courses (they are placed first, apart)
};

/// The rules of `rules` at `now` on (trained learner, course), as recommend() applies them.
CourseProbe probe_course(const ranking::Ranker::State& state, index_t learner, index_t course, timestamp_t now,
                         const RankingRules& rules);

}  // namespace learnrec::detail
