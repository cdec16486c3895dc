// learnrec path — model scores as the planner's preference (path/preference.hpp).
#include "learnrec/path/preference.hpp"

#include <algorithm>
#include <limits>

#include "learnrec/error.hpp"

namespace learnrec::path {

std::vector<float> model_preference(const Model& model, const IdMap& model_courses, index_t model_learner,
                                    const IdMap& catalogue_courses) {
    LEARNREC_CHECK(model_courses.size() == model.num_courses(),
                   "the model has no course ids ({} ids for {} courses): save it with its ids", model_courses.size(),
                   model.num_courses());
    LEARNREC_CHECK(model_learner >= 0 && model_learner < model.num_learners(),
                   "learner index {} is out of the model's range ({} learners)", model_learner, model.num_learners());
    const index_t who[] = {model_learner};
    const QueryBlock q = model.learner_queries(who);
    std::vector<float> scores(static_cast<std::size_t>(model.num_courses()));
    if (!scores.empty()) model.score(q, 0, 1, 0, model.num_courses(), scores.data(), scores.size());
    const float lowest = scores.empty() ? 0.0f : *std::min_element(scores.begin(), scores.end());
    std::vector<float> out(static_cast<std::size_t>(catalogue_courses.size()), lowest);
    for (index_t c = 0; c < catalogue_courses.size(); ++c)
        if (auto m = model_courses.find(catalogue_courses.id(c))) out[static_cast<std::size_t>(c)] = scores[static_cast<std::size_t>(*m)];
    return out;
}

}  // namespace learnrec::path
