// learnrec — the "popularity" model's codec: its payload in model files and its hyperparameters.
#include "model_payload.hpp"

#include "learnrec/model/popularity.hpp"

namespace learnrec::detail {
namespace {

// "popularity": number of learners, popularity per course.
void save(const PopularityModel& m, PayloadWriter& out) {
    out.i32(m.num_learners());
    out.vector(m.popularity());
}
std::shared_ptr<const Model> load(PayloadReader& in, std::uint32_t) {
    const index_t learners = in.i32("number of learners");
    Vector popularity = in.vector("popularity");
    return std::make_shared<const PopularityModel>(learners, std::move(popularity));
}

nlohmann::ordered_json hyperparameters(const PopularityModel&) { return nlohmann::ordered_json::object(); }

}  // namespace

Codec codec_popularity() { return make_codec<PopularityModel, save, hyperparameters>(1, load); }

}  // namespace learnrec::detail
