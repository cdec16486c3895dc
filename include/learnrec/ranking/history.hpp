// learnrec ranking — each learner's state per course ("already taken"), as the lifecycle rule reads it.
//
// One entry per (learner, course) the learner has touched: the current state and, separately,
// when the course was last completed (a learner can fail a renewal after an earlier success).
// Built from typed lifecycle states (LearnerCourseStates), from an interaction matrix (every
// positive interaction = completed at its timestamp) or entry by entry.
// Thread safety: immutable after build; const members are safe from many threads.
// Complexity: build O(n log n); lookups O(log d) for d courses of the learner.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "learnrec/data/csr.hpp"
#include "learnrec/data/events.hpp"
#include "learnrec/data/interactions.hpp"

namespace learnrec::ranking {

/// A state as histories name it (CLI, service and Python): "in_progress" for enrolled and started,
/// "completed" for completed and passed, else to_string(state).
std::string_view outcome_name(CourseState state);

inline constexpr timestamp_t kNever = std::numeric_limits<timestamp_t>::min();

struct HistoryEntry {
    index_t course;
    CourseState state;  ///< never CourseState::none
    timestamp_t completed_at = kNever;  ///< last completion (or pass); kNever when never completed
};

class LearnerHistory {
public:
    LearnerHistory() = default;
    /// An empty history for `learners` learners and `courses` courses.
    LearnerHistory(index_t learners, index_t courses);

    /// Every positive entry of `matrix` is a completion at its timestamp (aligned with the
    /// non-zeros) or, without timestamps, a completion that never expires; negative entries
    /// (negative feedback) are dropped courses.
    static LearnerHistory from_interactions(const CsrView& matrix, std::span<const timestamp_t> timestamps = {});

    /// From typed lifecycle states, each pair's state as it is; completed_at = the last completion or pass.
    static LearnerHistory from_states(const LearnerCourseStates& states);

    /// Records one fact; later calls for the same pair update the state, and completed_at keeps
    /// the latest completion. Throws Error for CourseState::none. Call finish() before use.
    void set(index_t learner, index_t course, CourseState state, timestamp_t completed_at = kNever);
    void finish();

    index_t num_learners() const noexcept { return learners_; }
    index_t num_courses() const noexcept { return courses_; }
    /// The learner's entries, sorted by course.
    std::span<const HistoryEntry> of(index_t learner) const;
    /// The entry for (learner, course), or nullptr.
    const HistoryEntry* find(index_t learner, index_t course) const;

private:
    index_t learners_ = 0;
    index_t courses_ = 0;
    std::vector<offset_t> offsets_;
    std::vector<HistoryEntry> entries_;
    std::vector<std::pair<index_t, HistoryEntry>> pending_;
};

}  // namespace learnrec::ranking
