// learnrec allocation — the settings of `learnrec allocate` from the rules file.
//
// The ranking rules file (ranking/files.hpp) with one more section, every key optional:
//   {"allocation": {"max_per_learner": 1, "fairness": 0.0, "utility_steps": 1000,
//                   "candidates_per_learner": 10, "horizon_days": 180, "min_host_fit": 0.5,
//                   "mip_max_candidates": 200000, "mip_seconds": 60, "bound_steps": 8},
//    ... the ranking rules ...}
// An unknown key or a wrong type is an error naming the file and the key path.
// Thread safety: reentrant. Complexity: linear in the file.
#pragma once

#include <filesystem>
#include <string_view>

#include "learnrec/allocation/allocator.hpp"
#include "learnrec/ranking/rules.hpp"

namespace learnrec::allocation {

struct AllocationSettings {
    ranking::RankingRules ranking;
    AllocationRules allocation;
};

AllocationSettings parse_allocation_rules_json(std::string_view text, std::string_view source_name);
AllocationSettings read_allocation_rules_json(const std::filesystem::path& path);

}  // namespace learnrec::allocation
