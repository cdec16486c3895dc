// learnrec — the "ease" model's codec: its payload in model files and its hyperparameters.
#include "model_payload.hpp"

#include "learnrec/model/ease.hpp"

namespace learnrec::detail {
namespace {

// "ease": EaseConfig, the training query rows (CSR), the course x course matrix B.
void save(const EaseModel& m, PayloadWriter& out) {
    const auto& c = m.config();
    out.f32(c.lambda);
    out.u32(static_cast<std::uint32_t>(c.weights));
    out.i32(0);  // num_threads: a run-time setting; files do not depend on it
    out.u64(c.memory_budget_bytes);
    out.csr(m.training_rows());
    out.matrix(m.item_weights());
}
std::shared_ptr<const Model> load(PayloadReader& in, std::uint32_t) {
    EaseConfig c;
    c.lambda = in.f32("lambda");
    const auto weights = in.u32("weights");
    if (weights > static_cast<std::uint32_t>(EaseWeights::as_given))
        in.fail(fmt::format("unknown EASE weights {}", weights));
    c.weights = static_cast<EaseWeights>(weights);
    c.num_threads = clamp_threads(in.i32("num_threads"));
    c.memory_budget_bytes = static_cast<std::size_t>(in.u64("memory_budget_bytes"));
    c.validate();
    CsrMatrix train = in.csr("training rows");
    RowMatrix b = in.matrix("course matrix");
    if (b.rows() != b.cols() || b.rows() != train.cols())
        in.fail(fmt::format("course matrix is {} x {} for {} courses", b.rows(), b.cols(), train.cols()));
    return std::make_shared<const EaseModel>(std::move(train), std::move(b), c);
}

nlohmann::ordered_json hyperparameters(const EaseModel& model) {
    const auto& c = model.config();
    return {{"lambda", json_number(c.lambda)}, {"weights", static_cast<int>(c.weights)}};
}

}  // namespace

Codec codec_ease() { return make_codec<EaseModel, save, hyperparameters>(1, load); }

}  // namespace learnrec::detail
