// learnrec path — internals shared by the planner's files (not installed).
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "learnrec/path/plan.hpp"

namespace learnrec::path::detail {

/// Where a course can go: a month span (self-paced) or a session.
struct Slot {
    int month;   ///< first month
    int span;    ///< months it spans
    timestamp_t start;
    timestamp_t end;
    std::int64_t session;  ///< -1 = self-paced
};

/// A course the learner could take, with everything the scheduler checks.
struct Candidate {
    index_t course;
    double hours;
    double preference;
    std::vector<int> prerequisites;  ///< candidate indices (prerequisites not completed yet)
    std::vector<Slot> slots;         ///< by time; already filtered by the deadline
};

/// Finds a slot for each of `set` (candidate indices, prerequisite-closed) such that prerequisites
/// end in an earlier month, each month's hours stay within `budget` and sessions do not overlap.
/// Depth-first, earliest slots first. Writes slot indices (aligned with `set`) to `chosen` when
/// given. Returns false when there is none, or when more than `node_limit` nodes were needed
/// (then `exhausted` is set).
bool schedule(std::span<const Candidate> candidates, std::span<const int> set, int months, double budget,
              std::vector<int>* chosen, std::int64_t& nodes, std::int64_t node_limit, bool& exhausted);

}  // namespace learnrec::path::detail
