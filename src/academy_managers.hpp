// learnrec — the academy's reporting lines (src/academy_managers.cpp), called from academy.cpp.
#pragma once

#include "learnrec/data/academy.hpp"

namespace learnrec::detail {

/// Fills LearnerProfile::manager_id of a schema-2 academy (a new stream only).
void add_academy_managers(Academy& academy, std::uint64_t seed);

}  // namespace learnrec::detail
