// learnrec — internal: the academy learners' mobility (model in src/academy_mobility.cpp).
#pragma once

#include "learnrec/data/academy.hpp"

namespace learnrec::detail {

/// Fills LearnerProfile::mobility (schema 2; own random stream).
void add_academy_mobility(Academy& academy, const AcademyConfig& config);

}  // namespace learnrec::detail
