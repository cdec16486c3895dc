// Fuzz target: the feature CSV reader. The first byte picks the delimiter, allow_unknown_ids and
// whether a fixed vocabulary is given; the rest is the file's text. Rows align to ids L1..L3.
#include "fuzz_common.hpp"
#include "learnrec/data/features.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const learnrec::IdMap ids(std::vector<std::string>{"L1", "L2", "L3"});
    static const learnrec::IdMap vocabulary(std::vector<std::string>{"a", "b", "role=engineer"});
    learnrec::FeatureCsvOptions options;
    constexpr char delimiters[] = {',', ';', '\t', '|'};
    options.delimiter = delimiters[data[0] & 3];
    options.allow_unknown_ids = (data[0] & 4) != 0;
    try {
        const auto f = learnrec::parse_features_csv(learnrec::fuzz::as_text(data + 1, size - 1), "fuzz.csv", ids,
                                                    options, (data[0] & 8) ? &vocabulary : nullptr);
        f.matrix.view().validate("feature matrix");
        if (f.matrix.rows() != ids.size() || f.matrix.cols() != f.features.size()) __builtin_trap();
        for (const float w : f.matrix.data())
            if (!(w > 0.0f)) __builtin_trap();
    } catch (const learnrec::Error&) {
    }
    return 0;
}
