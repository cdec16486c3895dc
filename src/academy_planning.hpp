// learnrec — the academy's planning aspect (src/academy_planning.cpp), called from academy.cpp.
#pragma once

#include <filesystem>

#include "learnrec/data/academy.hpp"

namespace learnrec::detail {

/// Fills current_skills, role_profiles and workforce_plan of a schema-2 academy (new streams only).
void add_academy_planning(Academy& academy, const AcademyConfig& config);

/// learner_skills.csv, role_profiles.csv and workforce_plan.csv (nothing at schema 1).
void write_academy_planning_csv(const Academy& academy, const std::filesystem::path& directory);

}  // namespace learnrec::detail
