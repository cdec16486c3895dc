// learnrec — internal: the academy's scarce opportunities (session ids, gigs, work packages).
#pragma once

#include <filesystem>

#include "learnrec/data/academy.hpp"

namespace learnrec::detail {

/// Names every session ("S000001" in the sessions' order) and draws the gigs and work packages
/// (schema 2; own random stream). Model in data/academy.hpp.
void add_academy_opportunities(Academy& academy, const AcademyConfig& config);

/// opportunities.csv in the format allocation::read_opportunities_csv reads.
void write_academy_opportunities_csv(const Academy& academy, const std::filesystem::path& directory);

}  // namespace learnrec::detail
