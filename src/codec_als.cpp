// learnrec — the "als" model's codec: its payload in model files and its hyperparameters.
#include "config_fields.hpp"

#include "learnrec/model/als.hpp"

namespace learnrec::detail {
namespace {

// "als": AlsConfig, learner factors, course factors. AlsModel rebuilds its Gram caches.
const auto kFields = std::tuple{field("factors", &AlsConfig::factors),
    field("regularization", &AlsConfig::regularization), field("alpha", &AlsConfig::alpha),
    field("iterations", &AlsConfig::iterations), choice("solver", &AlsConfig::solver, "ALS solver", {"cg", "cholesky"}),
    field("cg_steps", &AlsConfig::cg_steps), field("seed", &AlsConfig::seed), threads(&AlsConfig::num_threads),
    setting("calculate_loss", &AlsConfig::calculate_loss)};

void save_factors(const AlsModel& m, PayloadWriter& out) {
    LEARNREC_CHECK(m.factors() > 0 || (m.num_learners() == 0 && m.num_courses() == 0),
                   "an ALS model with 0 factors cannot be saved");
    out.matrix(m.user_factors());
    out.matrix(m.item_factors());
}

std::shared_ptr<const Model> load_factors(PayloadReader& in, const AlsConfig& c) {
    RowMatrix user = in.matrix("learner factors");
    RowMatrix item = in.matrix("course factors");
    if (user.cols() != item.cols())
        in.fail(fmt::format("learner factors have {} columns but course factors {}", user.cols(), item.cols()));
    // Zero-width factors would cost nothing in the file but O(rows) in derived state (norms,
    // packed panels): 2^31 rows for free. Training never makes them.
    if (item.cols() == 0 && (user.rows() > 0 || item.rows() > 0))
        in.fail(fmt::format("factor matrices of {} and {} rows have no columns", user.rows(), item.rows()));
    check_gram_size(in, static_cast<index_t>(item.cols()));
    return std::make_shared<const AlsModel>(std::move(user), std::move(item), c);
}

}  // namespace

Codec codec_als() { return make_config_codec<AlsModel, kFields, save_factors, load_factors>(1); }

}  // namespace learnrec::detail
