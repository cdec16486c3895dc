// learnrec — the "hybrid" model's codec: its payload in model files and its hyperparameters.
#include "config_fields.hpp"

#include "learnrec/model/hybrid.hpp"

namespace learnrec::detail {
namespace {

// "hybrid": HybridConfig, feature counts, trained courses, the two embedding tables and the
// precomputed learner and course representations.
const auto kFields = std::tuple{field("factors", &HybridConfig::factors),
    choice("loss", &HybridConfig::loss, "hybrid loss", {"warp", "bpr"}), field("learning_rate", &HybridConfig::learning_rate),
    field("user_alpha", &HybridConfig::user_alpha), field("item_alpha", &HybridConfig::item_alpha),
    field("max_sampled", &HybridConfig::max_sampled), field("iterations", &HybridConfig::iterations),
    field("use_user_ids", &HybridConfig::use_user_ids), field("use_item_ids", &HybridConfig::use_item_ids),
    field("normalize_features", &HybridConfig::normalize_features),
    field("fold_in_regularization", &HybridConfig::fold_in_regularization),
    field("fold_in_epochs", &HybridConfig::fold_in_epochs), field("seed", &HybridConfig::seed),
    threads(&HybridConfig::num_threads)};

void save_tables(const HybridModel& m, PayloadWriter& out) {
    out.i32(m.user_features());
    out.i32(m.item_features());
    out.i32(m.trained_courses());
    out.matrix(m.user_table());
    out.matrix(m.item_table());
    out.matrix(m.user_factors());
    out.matrix(m.item_factors());
}
// The config is valid, so factors > 0: no matrix below can be zero-width.
std::shared_ptr<const Model> load_tables(PayloadReader& in, const HybridConfig& c) {
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

}  // namespace

Codec codec_hybrid() { return make_config_codec<HybridModel, kFields, save_tables, load_tables>(1); }

}  // namespace learnrec::detail
