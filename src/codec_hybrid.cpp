// learnrec — the "hybrid" model's codec: its payload in model files and its hyperparameters.
#include "model_payload.hpp"

#include "learnrec/model/hybrid.hpp"

namespace learnrec::detail {
namespace {

// "hybrid": HybridConfig, feature counts, trained courses, the two embedding tables and the
// precomputed learner and course representations.
void save(const HybridModel& m, PayloadWriter& out) {
    const auto& c = m.config();
    out.i32(c.factors);
    out.u32(static_cast<std::uint32_t>(c.loss));
    out.f32(c.learning_rate);
    out.f32(c.user_alpha);
    out.f32(c.item_alpha);
    out.i32(c.max_sampled);
    out.i32(c.iterations);
    out.u8(c.use_user_ids ? 1 : 0);
    out.u8(c.use_item_ids ? 1 : 0);
    out.u8(c.normalize_features ? 1 : 0);
    out.f32(c.fold_in_regularization);
    out.i32(c.fold_in_epochs);
    out.u64(c.seed);
    out.i32(0);  // num_threads: a run-time setting; files do not depend on it
    out.i32(m.user_features());
    out.i32(m.item_features());
    out.i32(m.trained_courses());
    out.matrix(m.user_table());
    out.matrix(m.item_table());
    out.matrix(m.user_factors());
    out.matrix(m.item_factors());
}
std::shared_ptr<const Model> load(PayloadReader& in, std::uint32_t) {
    HybridConfig c;
    c.factors = in.i32("factors");
    const auto loss = in.u32("loss");
    if (loss > static_cast<std::uint32_t>(HybridLoss::bpr)) in.fail(fmt::format("unknown hybrid loss {}", loss));
    c.loss = static_cast<HybridLoss>(loss);
    c.learning_rate = in.f32("learning_rate");
    c.user_alpha = in.f32("user_alpha");
    c.item_alpha = in.f32("item_alpha");
    c.max_sampled = in.i32("max_sampled");
    c.iterations = in.i32("iterations");
    c.use_user_ids = in.boolean("use_user_ids");
    c.use_item_ids = in.boolean("use_item_ids");
    c.normalize_features = in.boolean("normalize_features");
    c.fold_in_regularization = in.f32("fold_in_regularization");
    c.fold_in_epochs = in.i32("fold_in_epochs");
    c.seed = in.u64("seed");
    c.num_threads = clamp_threads(in.i32("num_threads"));
    c.validate();  // factors > 0, so no matrix below can be zero-width
    const index_t user_features = in.i32("learner feature count");
    const index_t item_features = in.i32("course feature count");
    const index_t trained_courses = in.i32("trained course count");
    if (user_features < 0 || item_features < 0 || trained_courses < 0)
        in.fail(fmt::format("negative counts: {} learner features, {} course features, {} trained courses",
                            user_features, item_features, trained_courses));
    RowMatrix user_table = in.matrix("learner table");
    RowMatrix item_table = in.matrix("course table");
    RowMatrix user = in.matrix("learner representations");
    RowMatrix item = in.matrix("course representations");
    if (user.cols() != c.columns() || item.cols() != c.columns())
        in.fail(fmt::format("representations have {} and {} columns, the config expects {}", user.cols(), item.cols(),
                            c.columns()));
    // The constructor checks the tables' shapes against the counts and every value for NaN.
    return std::make_shared<const HybridModel>(std::move(user), std::move(item), std::move(user_table),
                                               std::move(item_table), user_features, item_features, trained_courses,
                                               c);
}

nlohmann::ordered_json hyperparameters(const HybridModel& model) {
    const auto& c = model.config();
    return {{"factors", c.factors}, {"loss", c.loss == HybridLoss::warp ? "warp" : "bpr"},
        {"learning_rate", json_number(c.learning_rate)}, {"user_alpha", json_number(c.user_alpha)}, {"item_alpha", json_number(c.item_alpha)},
        {"max_sampled", c.max_sampled}, {"iterations", c.iterations}, {"use_user_ids", c.use_user_ids},
        {"use_item_ids", c.use_item_ids}, {"normalize_features", c.normalize_features},
        {"fold_in_regularization", json_number(c.fold_in_regularization)}, {"fold_in_epochs", c.fold_in_epochs},
        {"seed", c.seed}};
}

}  // namespace

Codec codec_hybrid() { return make_codec<HybridModel, save, hyperparameters>(1, load); }

}  // namespace learnrec::detail
