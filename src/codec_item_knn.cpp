// learnrec — the "item_knn" model's codec: its payload in model files and its hyperparameters.
#include "model_payload.hpp"

#include "learnrec/model/item_knn.hpp"

namespace learnrec::detail {
namespace {

// "item_knn": ItemKnnConfig, the training query rows (CSR), the neighbour matrix S (CSR).
void save(const ItemKnnModel& m, PayloadWriter& out) {
    const auto& c = m.config();
    out.i32(c.neighbours);
    out.u32(static_cast<std::uint32_t>(c.weighting));
    out.f32(c.bm25_k1);
    out.f32(c.bm25_b);
    out.u8(c.binary ? 1 : 0);
    out.u8(c.normalize ? 1 : 0);
    out.i32(0);  // num_threads: a run-time setting; files do not depend on it
    out.csr(m.training_rows());
    out.csr(m.similarity());
}
std::shared_ptr<const Model> load(PayloadReader& in, std::uint32_t) {
    ItemKnnConfig c;
    c.neighbours = in.i32("neighbours");
    const auto weighting = in.u32("weighting");
    if (weighting > static_cast<std::uint32_t>(ItemKnnWeighting::bm25))
        in.fail(fmt::format("unknown item-kNN weighting {}", weighting));
    c.weighting = static_cast<ItemKnnWeighting>(weighting);
    c.bm25_k1 = in.f32("bm25_k1");
    c.bm25_b = in.f32("bm25_b");
    c.binary = in.boolean("binary");
    c.normalize = in.boolean("normalize");
    c.num_threads = clamp_threads(in.i32("num_threads"));
    c.validate();
    CsrMatrix train = in.csr("training rows");
    CsrMatrix similarity = in.csr("similarity matrix");
    // Square and matching the training rows, else the constructor throws. A CSR matrix costs
    // 8 bytes per row in the file, so its shape cannot outgrow the payload.
    return std::make_shared<const ItemKnnModel>(std::move(train), std::move(similarity), c);
}

nlohmann::ordered_json hyperparameters(const ItemKnnModel& model) {
    const auto& c = model.config();
    return {{"neighbours", c.neighbours}, {"weighting", static_cast<int>(c.weighting)}, {"bm25_k1", json_number(c.bm25_k1)},
        {"bm25_b", json_number(c.bm25_b)}, {"binary", c.binary}, {"normalize", c.normalize}};
}

}  // namespace

Codec codec_item_knn() { return make_codec<ItemKnnModel, save, hyperparameters>(1, load); }

}  // namespace learnrec::detail
