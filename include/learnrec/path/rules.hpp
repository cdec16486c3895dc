// learnrec path — the planner's settings from the rules file.
//
// The ranking rules file (ranking/files.hpp) with one more section, every key optional:
//   {"planning": {"months": 12, "hours_per_month": 24, "hours_per_quarter": 0,
//                 "failed": "retake" | "replace", "gig_hours_per_week": 4,
//                 "work_package_hours_per_week": 4, "options_per_gap": 12, "exact_limit": 40,
//                 "node_limit": 200000},
//    ... the ranking rules ...}
// Keys override `defaults` (PlanOptions, path/plan.hpp); a budget given only per quarter
// ("hours_per_quarter" without "hours_per_month") turns the monthly one off. An unknown key, a
// wrong type or an invalid value is an error naming the file and the key path.
// Thread safety: reentrant. Complexity: linear in the file.
#pragma once

#include <filesystem>
#include <string_view>

#include "learnrec/path/plan.hpp"

namespace learnrec::path {

PlanOptions parse_planning_rules_json(std::string_view text, std::string_view source_name, PlanOptions defaults = {});
PlanOptions read_planning_rules_json(const std::filesystem::path& path, PlanOptions defaults = {});

}  // namespace learnrec::path
