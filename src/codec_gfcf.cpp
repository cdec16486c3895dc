// learnrec — the "gfcf" model's codec: its payload in model files and its hyperparameters.
#include "model_payload.hpp"

#include "learnrec/model/gfcf.hpp"

namespace learnrec::detail {
namespace {

// "gfcf": GfcfConfig, the training query rows (binary CSR), the course x course matrix B.
void save(const GfcfModel& m, PayloadWriter& out) {
    const auto& c = m.config();
    out.f32(c.alpha);
    out.i32(c.rank);
    out.i32(c.oversample);
    out.i32(c.power_iterations);
    out.u64(c.seed);
    out.i32(0);  // num_threads: a run-time setting; files do not depend on it
    out.u64(c.memory_budget_bytes);
    out.csr(m.training_rows());
    out.matrix(m.item_weights());
}
std::shared_ptr<const Model> load(PayloadReader& in, std::uint32_t) {
    GfcfConfig c;
    c.alpha = in.f32("alpha");
    c.rank = in.i32("rank");
    c.oversample = in.i32("oversample");
    c.power_iterations = in.i32("power_iterations");
    c.seed = in.u64("seed");
    c.num_threads = clamp_threads(in.i32("num_threads"));
    c.memory_budget_bytes = static_cast<std::size_t>(in.u64("memory_budget_bytes"));
    c.validate();
    CsrMatrix train = in.csr("training rows");
    for (float w : train.data())
        if (w != 1.0f) in.fail(fmt::format("training rows hold weight {}, expected binary query rows", w));
    RowMatrix weights = in.matrix("course matrix");
    if (weights.rows() != weights.cols() || weights.rows() != train.cols())
        in.fail(fmt::format("course matrix is {} x {} for {} courses", weights.rows(), weights.cols(), train.cols()));
    return std::make_shared<const GfcfModel>(std::move(train), std::move(weights), c);
}

nlohmann::ordered_json hyperparameters(const GfcfModel& model) {
    const auto& c = model.config();
    return {{"alpha", json_number(c.alpha)}, {"rank", c.rank}, {"oversample", c.oversample},
        {"power_iterations", c.power_iterations}, {"seed", c.seed}};
}

}  // namespace

Codec codec_gfcf() { return make_codec<GfcfModel, save, hyperparameters>(1, load); }

}  // namespace learnrec::detail
