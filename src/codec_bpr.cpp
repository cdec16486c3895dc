// learnrec — the "bpr" model's codec: its payload in model files and its hyperparameters.
#include "config_fields.hpp"

#include "learnrec/model/bpr.hpp"

namespace learnrec::detail {
namespace {

// "bpr": BprConfig, learner factors, course factors (config.columns() wide: factors + bias).
const auto kFields = std::tuple{field("factors", &BprConfig::factors),
    field("learning_rate", &BprConfig::learning_rate), field("regularization", &BprConfig::regularization),
    field("iterations", &BprConfig::iterations), field("negatives", &BprConfig::negatives),
    choice("sampling", &BprConfig::sampling, BprNegativeSampling::popularity, "BPR negative sampling"),
    field("verify_negative_samples", &BprConfig::verify_negative_samples), field("item_bias", &BprConfig::item_bias),
    field("fold_in_epochs", &BprConfig::fold_in_epochs), field("seed", &BprConfig::seed),
    threads(&BprConfig::num_threads)};

void save_factors(const BprModel& m, PayloadWriter& out) {
    out.matrix(m.user_factors());
    out.matrix(m.item_factors());
}

// The config is valid, so factors > 0: the matrices below cannot be zero-width.
std::shared_ptr<const Model> load_factors(PayloadReader& in, const BprConfig& c) {
    RowMatrix user = in.matrix("learner factors");
    RowMatrix item = in.matrix("course factors");
    if (user.cols() != c.columns() || item.cols() != c.columns())
        in.fail(fmt::format("factor matrices have {} and {} columns, the config expects {}", user.cols(), item.cols(),
                            c.columns()));
    return std::make_shared<const BprModel>(std::move(user), std::move(item), c);
}

}  // namespace

Codec codec_bpr() { return make_config_codec<BprModel, kFields, save_factors, load_factors>(1); }

}  // namespace learnrec::detail
