// learnrec — the "als" model's codec: its payload in model files and its hyperparameters.
#include "model_payload.hpp"

#include "learnrec/model/als.hpp"

namespace learnrec::detail {
namespace {

// "als": AlsConfig, learner factors, course factors. AlsModel rebuilds its Gram caches.
void save(const AlsModel& m, PayloadWriter& out) {
    LEARNREC_CHECK(m.factors() > 0 || (m.num_learners() == 0 && m.num_courses() == 0),
                   "an ALS model with 0 factors cannot be saved");
    const auto& c = m.config();
    out.i32(c.factors);
    out.f32(c.regularization);
    out.f32(c.alpha);
    out.i32(c.iterations);
    out.u32(static_cast<std::uint32_t>(c.solver));
    out.i32(c.cg_steps);
    out.u64(c.seed);
    out.i32(0);  // num_threads: a run-time setting; files do not depend on it
    out.u8(c.calculate_loss ? 1 : 0);
    out.matrix(m.user_factors());
    out.matrix(m.item_factors());
}
std::shared_ptr<const Model> load(PayloadReader& in, std::uint32_t) {
    AlsConfig c;
    c.factors = in.i32("factors");
    c.regularization = in.f32("regularization");
    c.alpha = in.f32("alpha");
    c.iterations = in.i32("iterations");
    const auto solver = in.u32("solver");
    if (solver > static_cast<std::uint32_t>(AlsSolver::cholesky)) in.fail(fmt::format("unknown ALS solver {}", solver));
    c.solver = static_cast<AlsSolver>(solver);
    c.cg_steps = in.i32("cg_steps");
    c.seed = in.u64("seed");
    c.num_threads = clamp_threads(in.i32("num_threads"));
    c.calculate_loss = in.boolean("calculate_loss");
    c.validate();
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

nlohmann::ordered_json hyperparameters(const AlsModel& model) {
    const auto& c = model.config();
    return {{"factors", c.factors}, {"regularization", json_number(c.regularization)}, {"alpha", json_number(c.alpha)},
        {"iterations", c.iterations}, {"solver", c.solver == AlsSolver::cg ? "cg" : "cholesky"},
        {"cg_steps", c.cg_steps}, {"seed", c.seed}};
}

}  // namespace

Codec codec_als() { return make_codec<AlsModel, save, hyperparameters>(1, load); }

}  // namespace learnrec::detail
