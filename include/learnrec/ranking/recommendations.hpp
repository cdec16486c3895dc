// learnrec ranking — the ranked result per learner: course ids, final and model scores, reasons.
//
// Row i belongs to the i-th requested learner; each row has k slots, best first, padded with
// course -1, scores NaN and no reasons when fewer than k courses qualify. Pinned (mandatory, due
// soon) courses come first; the position is the order to show, the final score is the rule-adjusted
// relevance (model score + skill-gap boost), which MMR and pinning may reorder.
// Thread safety: a plain value. Complexity: reasons_of is O(1).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "learnrec/data/interactions.hpp"
#include "learnrec/types.hpp"

namespace learnrec::ranking {

enum class ReasonKind : std::uint8_t {
    mandatory,              ///< an obligation applies: `date` = due date
    renewal,                ///< a completed certification expired or expires soon: `date` = expiry
    skill_gap,              ///< `skill` is a gap the course closes; `level` = the target level
    prerequisite_for,       ///< proposed because `course` needs it first
    because_completed,      ///< similar to the completed `course`; `value` = similarity
    popular_in_department,  ///< among the most completed in the learner's department (`text` names it)
};

struct Reason {
    ReasonKind kind = ReasonKind::mandatory;
    index_t course = -1;
    std::string skill;
    int level = 0;
    timestamp_t date = 0;
    float value = 0.0f;
    std::string text;  ///< in plain terms, e.g. "mandatory, due 2027-03-01"
};

struct Recommendations {
    index_t learners = 0;
    index_t k = 0;
    std::vector<index_t> ids;              ///< learners * k
    std::vector<float> scores;             ///< final scores
    std::vector<float> model_scores;       ///< the model's own scores
    std::vector<std::uint8_t> mandatory;   ///< 1 when an obligation applies
    std::vector<offset_t> reason_offsets;  ///< learners * k + 1
    std::vector<Reason> reasons;

    std::size_t slot(index_t learner, index_t rank) const noexcept {
        return static_cast<std::size_t>(learner) * static_cast<std::size_t>(k) + static_cast<std::size_t>(rank);
    }
    std::span<const index_t> ids_of(index_t learner) const {
        return std::span<const index_t>(ids).subspan(slot(learner, 0), static_cast<std::size_t>(k));
    }
    std::span<const Reason> reasons_of(index_t learner, index_t rank) const {
        const auto s = slot(learner, rank);
        return std::span<const Reason>(reasons).subspan(
            static_cast<std::size_t>(reason_offsets[s]),
            static_cast<std::size_t>(reason_offsets[s + 1] - reason_offsets[s]));
    }
    /// Number of real (non-padding) results of a learner.
    index_t count(index_t learner) const noexcept {
        index_t n = 0;
        while (n < k && ids[slot(learner, n)] >= 0) ++n;
        return n;
    }
};

/// "mandatory", "renewal", "skill_gap", "prerequisite_for", "because_completed", "popular_in_department".
std::string_view to_string(ReasonKind kind);

}  // namespace learnrec::ranking
