// learnrec allocation — internal: a proven upper bound on the allocation's objective where the
// flow cannot express a learner's clashes (model and reasons in src/allocation_bound.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "learnrec/allocation/allocator.hpp"

namespace learnrec::allocation::detail {

/// The solver's network, as allocate() laid it out: candidates in `order` (grouped by learner,
/// `spans` per learner), each with its conflict group (-1: none) and tiered integer weight.
struct FlowLayout {
    const std::vector<Opportunity>& opportunities;
    std::span<const Candidate> candidates;
    std::span<const index_t> order;
    std::span<const std::pair<std::size_t, std::size_t>> spans;
    std::span<const index_t> group_of;          ///< per position in `order`
    std::span<const std::uint8_t> group_exact;  ///< per group: its candidates pairwise conflict
    std::span<const std::int64_t> weight;       ///< per position in `order`
    int max_per_learner = 1;
    std::int64_t fair = 0;           ///< bonus of a learner's first place
    std::int64_t learner_units = 0;  ///< flow sent (learners x max_per_learner)
};

struct Bound {
    std::int64_t value = 0;  ///< >= the objective of every feasible allocation
    int solves = 0;          ///< flow solves spent
    /// The best relaxed answer that broke no clash (per position in `order`), when one beat `lower`;
    /// else empty. Its objective is `feasible_value`.
    std::vector<std::uint8_t> feasible;
    std::int64_t feasible_value = 0;
};

/// The Lagrangian bound: the clash constraints of the groups that are not cliques (one per maximal
/// clique of a group) are moved into the objective with multipliers >= 0, so each evaluation is one
/// min-cost flow; `steps` subgradient steps (Polyak steps toward `lower`, the objective of a known
/// feasible allocation) tighten it. Stops early once the bound reaches `lower`, or when a relaxed
/// answer breaks no clash and pays no multiplier (then it is optimal and the bound is its value).
Bound lagrangian_bound(const FlowLayout& layout, std::int64_t lower, int steps);

}  // namespace learnrec::allocation::detail
