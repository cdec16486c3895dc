// learnrec allocation — internal: the exact MIP (CBC) for parts of the allocation a flow cannot
// express (model and reasons in src/allocation_mip.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "learnrec/allocation/allocator.hpp"

namespace learnrec::allocation::detail {

struct MipPart {
    bool solved = false;          ///< a solution was found and written into `chosen`
    bool proven_optimal = false;  ///< every stage proven optimal by CBC
    index_t learners = 0;         ///< learners in the part
    double seconds = 0.0;
};

/// The lexicographic optimum (mandatory, skill-gap, sum of `low_weight` + `fair` per learner served)
/// over the candidates `part` (indices into `candidates`; every candidate of a place that is asked
/// for more than it has must be in the part). Writes the part's entries of `chosen` when solved.
MipPart solve_part_exactly(const std::vector<Opportunity>& opportunities, std::span<const Candidate> candidates,
                           std::span<const std::size_t> part, const std::vector<std::int64_t>& low_weight,
                           int max_per_learner, std::int64_t fair, double seconds, std::vector<std::uint8_t>& chosen);

}  // namespace learnrec::allocation::detail
