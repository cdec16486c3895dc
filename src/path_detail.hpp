// learnrec path — internals shared by the planner's files (not installed).
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "learnrec/path/plan.hpp"

namespace learnrec::path::detail {

/// Where a candidate can go: a month span (self-paced) or fixed dates (a session, a gig, a work package).
struct Slot {
    int month;   ///< first month
    int span;    ///< months it spans
    timestamp_t start;
    timestamp_t end;
    std::int64_t session;  ///< -1 = not a session
    bool dated = false;    ///< fixed dates: never overlaps another dated slot of the plan
};

/// A course or opportunity the learner could take, with everything the scheduler checks.
struct Candidate {
    index_t course;  ///< -1 for an opportunity
    double hours;
    double preference;
    std::vector<int> prerequisites;  ///< candidate indices (prerequisites not completed yet)
    std::vector<Slot> slots;         ///< by time; already filtered by the deadline
    std::int64_t opportunity = -1;   ///< index into the planner's opportunities, or -1
};

/// The time budget: each month within `per_month` (when > 0) and each calendar quarter within
/// `per_quarter` (when > 0); `quarter[m]` numbers the quarter of plan month m; `spent` is what the
/// learner already spent per plan month (re-planning) and `quarter_spent` per quarter.
struct Budget {
    double per_month = 0.0;
    double per_quarter = 0.0;
    std::vector<int> quarter;
    std::vector<double> spent;
    std::vector<double> quarter_spent;
    int first_month = 0;  ///< months before it are past: nothing new goes there
};

/// Finds a slot for each of `set` (candidate indices, prerequisite-closed) such that prerequisites
/// end in an earlier month, the budget holds and dated slots do not overlap. Depth-first, earliest
/// slots first. Writes slot indices (aligned with `set`) to `chosen` when given. Returns false when
/// there is none, or when more than `node_limit` nodes were needed (then `exhausted` is set).
bool schedule(std::span<const Candidate> candidates, std::span<const int> set, const Budget& budget,
              std::vector<int>* chosen, std::int64_t& nodes, std::int64_t node_limit, bool& exhausted);

}  // namespace learnrec::path::detail
