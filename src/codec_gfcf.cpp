// learnrec — the "gfcf" model's codec: its payload in model files and its hyperparameters.
#include "codec_item_item.hpp"
#include "config_fields.hpp"

#include "learnrec/model/gfcf.hpp"

namespace learnrec::detail {
namespace {

// "gfcf": GfcfConfig, the training query rows (binary CSR), the course x course matrix B.
const auto kFields = std::tuple{field("alpha", &GfcfConfig::alpha), field("rank", &GfcfConfig::rank),
    field("oversample", &GfcfConfig::oversample), field("power_iterations", &GfcfConfig::power_iterations),
    field("seed", &GfcfConfig::seed), threads(&GfcfConfig::num_threads),
    setting("memory_budget_bytes", &GfcfConfig::memory_budget_bytes)};

std::shared_ptr<const Model> load_matrices(PayloadReader& in, const GfcfConfig& c) {
    CsrMatrix train = in.csr("training rows");
    for (float w : train.data())
        if (w != 1.0f) in.fail(fmt::format("training rows hold weight {}, expected binary query rows", w));
    RowMatrix weights = read_course_matrix(in, train);
    return std::make_shared<const GfcfModel>(std::move(train), std::move(weights), c);
}

}  // namespace

Codec codec_gfcf() { return make_config_codec<GfcfModel, kFields, save_item_item_matrices<GfcfModel>, load_matrices>(1); }

}  // namespace learnrec::detail
