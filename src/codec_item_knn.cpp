// learnrec — the "item_knn" model's codec: its payload in model files and its hyperparameters.
#include "config_fields.hpp"

#include "learnrec/model/item_knn.hpp"

namespace learnrec::detail {
namespace {

// "item_knn": ItemKnnConfig, the training query rows (CSR), the neighbour matrix S (CSR).
const auto kFields = std::tuple{field("neighbours", &ItemKnnConfig::neighbours),
    choice("weighting", &ItemKnnConfig::weighting, ItemKnnWeighting::bm25, "item-kNN weighting"),
    field("bm25_k1", &ItemKnnConfig::bm25_k1), field("bm25_b", &ItemKnnConfig::bm25_b),
    field("binary", &ItemKnnConfig::binary), field("normalize", &ItemKnnConfig::normalize),
    threads(&ItemKnnConfig::num_threads)};

void save_matrices(const ItemKnnModel& m, PayloadWriter& out) {
    out.csr(m.training_rows());
    out.csr(m.similarity());
}
std::shared_ptr<const Model> load_matrices(PayloadReader& in, const ItemKnnConfig& c) {
    CsrMatrix train = in.csr("training rows");
    CsrMatrix similarity = in.csr("similarity matrix");
    // Square and matching the training rows, else the constructor throws. A CSR matrix costs
    // 8 bytes per row in the file, so its shape cannot outgrow the payload.
    return std::make_shared<const ItemKnnModel>(std::move(train), std::move(similarity), c);
}

}  // namespace

Codec codec_item_knn() { return make_config_codec<ItemKnnModel, kFields, save_matrices, load_matrices>(1); }

}  // namespace learnrec::detail
