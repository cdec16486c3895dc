// learnrec — the "bpr" model's codec: its payload in model files and its hyperparameters.
#include "model_payload.hpp"

#include "learnrec/model/bpr.hpp"

namespace learnrec::detail {
namespace {

// "bpr": BprConfig, learner factors, course factors (config.columns() wide: factors + bias).
void save(const BprModel& m, PayloadWriter& out) {
    const auto& c = m.config();
    out.i32(c.factors);
    out.f32(c.learning_rate);
    out.f32(c.regularization);
    out.i32(c.iterations);
    out.i32(c.negatives);
    out.u32(static_cast<std::uint32_t>(c.sampling));
    out.u8(c.verify_negative_samples ? 1 : 0);
    out.u8(c.item_bias ? 1 : 0);
    out.i32(c.fold_in_epochs);
    out.u64(c.seed);
    out.i32(0);  // num_threads: a run-time setting; files do not depend on it
    out.matrix(m.user_factors());
    out.matrix(m.item_factors());
}
std::shared_ptr<const Model> load(PayloadReader& in, std::uint32_t) {
    BprConfig c;
    c.factors = in.i32("factors");
    c.learning_rate = in.f32("learning_rate");
    c.regularization = in.f32("regularization");
    c.iterations = in.i32("iterations");
    c.negatives = in.i32("negatives");
    const auto sampling = in.u32("sampling");
    if (sampling > static_cast<std::uint32_t>(BprNegativeSampling::popularity))
        in.fail(fmt::format("unknown BPR negative sampling {}", sampling));
    c.sampling = static_cast<BprNegativeSampling>(sampling);
    c.verify_negative_samples = in.boolean("verify_negative_samples");
    c.item_bias = in.boolean("item_bias");
    c.fold_in_epochs = in.i32("fold_in_epochs");
    c.seed = in.u64("seed");
    c.num_threads = clamp_threads(in.i32("num_threads"));
    c.validate();  // factors > 0, so the matrices below cannot be zero-width
    RowMatrix user = in.matrix("learner factors");
    RowMatrix item = in.matrix("course factors");
    if (user.cols() != c.columns() || item.cols() != c.columns())
        in.fail(fmt::format("factor matrices have {} and {} columns, the config expects {}", user.cols(), item.cols(),
                            c.columns()));
    return std::make_shared<const BprModel>(std::move(user), std::move(item), c);
}

nlohmann::ordered_json hyperparameters(const BprModel& model) {
    const auto& c = model.config();
    return {{"factors", c.factors}, {"learning_rate", json_number(c.learning_rate)}, {"regularization", json_number(c.regularization)},
        {"iterations", c.iterations}, {"negatives", c.negatives}, {"sampling", static_cast<int>(c.sampling)},
        {"verify_negative_samples", c.verify_negative_samples}, {"item_bias", c.item_bias},
        {"fold_in_epochs", c.fold_in_epochs}, {"seed", c.seed}};
}

}  // namespace

Codec codec_bpr() { return make_codec<BprModel, save, hyperparameters>(1, load); }

}  // namespace learnrec::detail
