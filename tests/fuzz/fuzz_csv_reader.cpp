// Fuzz target: the CSV interactions reader. The first byte picks the options (delimiter and
// whether an "extra" column is allowed); the rest is the file's text.
#include "fuzz_common.hpp"
#include "learnrec/data/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    learnrec::CsvOptions options;
    constexpr char delimiters[] = {',', ';', '\t', '|'};
    options.delimiter = delimiters[data[0] & 3];
    if (data[0] & 4) options.ignored_columns = {"extra", "timestamp"};
    try {
        const auto in = learnrec::parse_interactions_csv(learnrec::fuzz::as_text(data + 1, size - 1), "fuzz.csv", options);
        // What the reader returns must be a valid, canonical matrix with matching id maps.
        in.matrix.view().validate("parsed matrix");
        if (!in.matrix.view().has_sorted_unique_indices()) __builtin_trap();
        if (in.matrix.rows() != in.learners.size() || in.matrix.cols() != in.courses.size()) __builtin_trap();
        if (in.has_timestamps() && in.timestamps.size() != static_cast<std::size_t>(in.matrix.nnz())) __builtin_trap();
    } catch (const learnrec::Error&) {
    }
    return 0;
}
