// learnrec ranking — the ranked result per learner: course ids, final and model scores, reasons.
//
// Row i belongs to the i-th requested learner; each row has k slots, best first, padded with
// course -1, scores -inf and no reasons when fewer than k courses qualify (as TopK pads). Pinned (mandatory, due
// soon) courses come first; the position is the order to show, the final score is the rule-adjusted
// relevance (model score + skill-gap boost), which MMR and pinning may reorder.
//
// A Reason is structured data (a kind plus codes, a level, a date, a similarity); its plain-terms
// text is rendered on demand by text(), from names the result shares with its Ranker. A batch for
// a whole company holds millions of reasons, most never displayed; rendering at display time also
// leaves the wording (or its language) to the caller.
// Thread safety: a plain value. Complexity: reasons_of is O(1); text() is O(length of the text).
#pragma once

#include <cstdint>
#include <memory>
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
    popular_in_department,  ///< among the most completed in the learner's `department`
    new_course,             ///< a campaign's exploration slot: new in the catalogue since `date`
    matches_goal,           ///< the learner's stated goal matches it: `terms` = what matched, `value` = score
};

/// Trivially copyable: a batch moves millions of these.
struct Reason {
    ReasonKind kind = ReasonKind::mandatory;
    index_t course = -1;      ///< prerequisite_for, because_completed: the course it refers to
    index_t skill = -1;       ///< skill_gap: index into ReasonNames::skills
    index_t department = -1;  ///< popular_in_department: index into ReasonNames::departments
    int level = 0;            ///< skill_gap: the target level
    timestamp_t date = 0;     ///< mandatory: due date; renewal: expiry
    float value = 0.0f;       ///< because_completed: similarity; matches_goal: the goal's score (0..1]
    index_t terms = -1;       ///< matches_goal: index into Recommendations::goal_terms
};

/// The names reasons refer to by index, shared by every result of one Ranker.
struct ReasonNames {
    std::vector<std::string> courses;  ///< display titles (the id when a course has no title)
    std::vector<std::string> skills;
    std::vector<std::string> departments;
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
    std::shared_ptr<const ReasonNames> names;  ///< what reasons' indices refer to
    timestamp_t now = 0;                       ///< the request's time ("expired" or "expires")
    /// What matches_goal reasons quote (the request's GoalMatches::terms); null without goals.
    std::shared_ptr<const std::vector<std::string>> goal_terms;
    /// The version of the model that ranked them (Ranker::set_model_version; empty when not set).
    std::string model_version;

    /// The reason in plain terms, e.g. "mandatory, due 2027-03-01" or "closes your gap in
    /// cybersecurity (target level 3)".
    std::string text(const Reason& reason) const;
    /// The same text appended to `out`: a writer of many rows reuses one buffer instead of
    /// allocating a string per reason.
    void append_text(std::string& out, const Reason& reason) const;
    /// The skill a skill_gap reason names; empty for other kinds.
    std::string_view skill(const Reason& reason) const;
    /// The department a popular_in_department reason names; empty for other kinds.
    std::string_view department(const Reason& reason) const;
    /// The words of the learner's goal a matches_goal reason quotes; empty for other kinds.
    std::string_view goal_text(const Reason& reason) const;
    /// The display title of a reason's course; empty when it refers to none.
    std::string_view course_title(const Reason& reason) const;

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

/// "mandatory", "renewal", "skill_gap", "prerequisite_for", "because_completed", "popular_in_department",
/// "new_course", "matches_goal".
std::string_view to_string(ReasonKind kind);

}  // namespace learnrec::ranking
