// Writes the seed corpus of every fuzz target into <dir>/<target>/ (tests/fuzz/corpus in the
// repository). Rerun after a change of the model file format:
//     cmake --build build --target fuzz_make_corpus && build/tests/fuzz/fuzz_make_corpus tests/fuzz/corpus
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "learnrec/io/model_file.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/model/bpr.hpp"
#include "learnrec/model/hybrid.hpp"
#include "learnrec/model/ease.hpp"
#include "learnrec/model/gfcf.hpp"
#include "learnrec/model/item_knn.hpp"
#include "learnrec/model/popularity.hpp"

using namespace learnrec;
namespace fs = std::filesystem;

namespace {
void put(const fs::path& dir, const std::string& name, std::string_view bytes) {
    fs::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

template <class T>
void append(std::string& s, T v) {
    s.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

/// csr_validate's input layout (see fuzz_csr_validate.cpp).
std::string csr_input(std::int8_t rows, std::int8_t cols, const std::vector<offset_t>& indptr,
                      const std::vector<index_t>& indices, const std::vector<float>& data) {
    std::string s;
    append(s, rows);
    append(s, cols);
    append(s, static_cast<std::uint8_t>(indptr.size()));
    append(s, static_cast<std::uint8_t>(indices.size()));
    for (auto v : indptr) append(s, v);
    for (auto v : indices) append(s, v);
    for (auto v : data) append(s, v);
    return s;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    const fs::path root(argv[1]);

    const std::vector<Triplet> t{{0, 0, 1.0f}, {0, 2, 1.0f}, {1, 1, 1.0f}, {2, 2, 2.0f}, {3, 0, 1.0f}, {3, 3, -1.0f}};
    const auto data = CsrMatrix::from_triplets(4, 4, t);
    AlsConfig als;
    als.factors = 3;
    als.iterations = 2;
    als.num_threads = 1;
    GfcfConfig gfcf;
    gfcf.rank = 2;
    gfcf.oversample = 0;
    gfcf.num_threads = 1;
    BprConfig bpr;
    bpr.factors = 2;
    bpr.iterations = 3;
    bpr.num_threads = 1;
    EaseConfig ease;
    ease.lambda = 1.0f;
    ease.num_threads = 1;
    ItemKnnConfig knn;
    knn.neighbours = 2;
    knn.weighting = ItemKnnWeighting::bm25;
    knn.num_threads = 1;
    HybridConfig hybrid;
    hybrid.factors = 2;
    hybrid.iterations = 3;
    hybrid.num_threads = 1;
    const auto learner_features =
        CsrMatrix::from_triplets(4, 2, std::vector<Triplet>{{0, 0, 1.0f}, {1, 1, 1.0f}, {2, 0, 1.0f}, {3, 1, 2.0f}});
    const auto course_features = CsrMatrix::from_triplets(4, 1, std::vector<Triplet>{{1, 0, 1.0f}, {3, 0, 1.0f}});
    const CsrView hybrid_users = learner_features, hybrid_courses = course_features;
    ModelBundle with_ids;
    with_ids.model = std::make_shared<const AlsModel>(fit_als(data, als));
    with_ids.learners = IdMap({"ann", "bob", "cy", "dee"});
    with_ids.courses = IdMap({"excel", "sql", "python", "ethics"});
    const std::vector<std::pair<std::string, std::string>> models{
        {"als_ids.lrm", to_bytes(with_ids)},
        {"als.lrm", to_bytes(*with_ids.model)},
        {"gfcf.lrm", to_bytes(fit_gfcf(data, gfcf))},
        {"bpr.lrm", to_bytes(fit_bpr(data, bpr))},
        {"ease.lrm", to_bytes(fit_ease(data, ease))},
        {"hybrid.lrm", to_bytes(fit_hybrid(data, &hybrid_users, &hybrid_courses, hybrid))},
        {"item_knn.lrm", to_bytes(fit_item_knn(data, knn))},
        {"popularity.lrm", to_bytes(PopularityModel::fit(data))},
        {"popularity_empty.lrm", to_bytes(PopularityModel(0, Vector()))},
    };
    for (const auto& [name, bytes] : models) {
        put(root / "model_loader", name, bytes);
        // model_payload: the kind, a newline, then the payload.
        std::string payload(bytes.data() + 16, strnlen(bytes.data() + 16, 16));  // the NUL-padded kind field
        payload += '\n';
        payload.append(bytes, model_file_header_size);
        put(root / "model_payload", name.substr(0, name.size() - 4) + ".payload", payload);
    }

    // csv_reader: one option byte (bits 0-1 delimiter , ; \t |, bit 2: allow "extra"), then the text.
    const std::vector<std::pair<std::string, std::string>> csvs{
        {"basic.csv", std::string(1, '\0') + "learner_id,course_id\nL1,C1\nL2,C1\nL1,C2\n"},
        {"weights_timestamps.csv",
         std::string(1, '\0') + "learner_id,course_id,weight,timestamp\nalice,python-101,1,2024-01-15T09:30:00Z\n"
                                "alice,sql-basics,3,2024-02-01\nbob,python-101,2.5,1706745600\n"
                                "\"carol, jr.\",\"excel \"\"pro\"\"\",1,2024-02-29 12:00:00+01:00\n"
                                "bob,python-101,-0.5,2024-03-01T00:00:00Z\n"},
        {"bom_crlf_semicolon.csv", std::string(1, '\1') + "\xEF\xBB\xBF" "course_id;learner_id;weight\r\nC1;L1;2\r\nC2;L1;-1\r\n\r\n"},
        {"extra_tab.csv", std::string(1, '\6') + "learner_id\tcourse_id\textra\ttimestamp\nL1\tC1\tx\t5\n L2 \t\"C 2\"\ty\t-3\n"},
        {"multiline_pipe.csv", std::string(1, '\3') + "learner_id|course_id\n\"a\nb\"|c\n\"d\"\"\"|\"e|f\"\n"},
        {"bad_weight.csv", std::string(1, '\0') + "learner_id,course_id,weight\nL1,C1,abc\n"},
    };
    for (const auto& [name, text] : csvs) put(root / "csv_reader", name, text);

    // csr_validate
    put(root / "csr_validate", "valid.bin", csr_input(3, 4, {0, 2, 2, 3}, {0, 3, 1}, {1.0f, -2.0f, 0.5f}));
    put(root / "csr_validate", "duplicates.bin", csr_input(2, 2, {0, 3, 4}, {1, 0, 1, 1}, {1.0f, 1.0f, 2.0f, 3.0f}));
    put(root / "csr_validate", "cancelling.bin", csr_input(1, 2, {0, 2}, {1, 1}, {1.0f, -1.0f}));
    put(root / "csr_validate", "empty.bin", csr_input(0, 0, {0}, {}, {}));
    put(root / "csr_validate", "bad_index.bin", csr_input(1, 2, {0, 1}, {2}, {1.0f}));
    put(root / "csr_validate", "decreasing.bin", csr_input(2, 2, {0, 2, 1}, {0, 1}, {1.0f, 1.0f}));
    std::printf("corpus written to %s\n", root.c_str());
    return 0;
}
