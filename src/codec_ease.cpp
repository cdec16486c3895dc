// learnrec — the "ease" model's codec: its payload in model files and its hyperparameters.
#include "codec_item_item.hpp"
#include "config_fields.hpp"

#include "learnrec/model/ease.hpp"

namespace learnrec::detail {
namespace {

// "ease": EaseConfig, the training query rows (CSR), the course x course matrix B.
const auto kFields = std::tuple{field("lambda", &EaseConfig::lambda),
    choice("weights", &EaseConfig::weights, EaseWeights::as_given, "EASE weights"), threads(&EaseConfig::num_threads),
    setting("memory_budget_bytes", &EaseConfig::memory_budget_bytes)};

std::shared_ptr<const Model> load_matrices(PayloadReader& in, const EaseConfig& c) {
    CsrMatrix train = in.csr("training rows");
    RowMatrix b = read_course_matrix(in, train);
    return std::make_shared<const EaseModel>(std::move(train), std::move(b), c);
}

}  // namespace

Codec codec_ease() { return make_config_codec<EaseModel, kFields, save_item_item_matrices<EaseModel>, load_matrices>(1); }

}  // namespace learnrec::detail
