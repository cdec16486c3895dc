// learnrec path — the model's preference among courses that close the same gap.
//
// The planner only compares preferences between plans of equal hours, so any monotone score will
// do: the model's own score of each catalogue course for the learner.
// Thread safety: reentrant (models are const). Complexity: one score row, O(courses x model cost).
#pragma once

#include <vector>

#include "learnrec/data/id_map.hpp"
#include "learnrec/model/model.hpp"

namespace learnrec::path {

/// One score per course of `catalogue_courses`, matched by id to the model's `model_courses`;
/// courses the model does not know get the lowest score it gives. Throws Error for a learner index
/// out of the model's range or a model without course ids.
std::vector<float> model_preference(const Model& model, const IdMap& model_courses, index_t model_learner,
                                    const IdMap& catalogue_courses);

}  // namespace learnrec::path
