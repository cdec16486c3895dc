#include "learnrec/data/text_formats.hpp"

#include <charconv>
#include <vector>

#include "learnrec/data/csv.hpp"

namespace learnrec {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }
}  // namespace

CsrMatrix parse_user_item_lists(std::string_view text, std::string_view source_name, index_t min_rows,
                                index_t min_cols) {
    LEARNREC_CHECK(min_rows >= 0 && min_cols >= 0, "negative minimum shape ({}, {})", min_rows, min_cols);
    std::vector<Triplet> entries;
    index_t rows = min_rows, cols = min_cols;
    std::size_t line_no = 0, pos = 0;
    std::vector<index_t> ids;
    while (pos < text.size()) {
        ++line_no;
        const auto end = std::min(text.find('\n', pos), text.size());
        const auto line = text.substr(pos, end - pos);
        pos = end + 1;
        ids.clear();
        for (std::size_t i = 0; i < line.size();) {
            if (is_space(line[i])) {
                ++i;
                continue;
            }
            std::size_t j = i;
            while (j < line.size() && !is_space(line[j])) ++j;
            const auto token = line.substr(i, j - i);
            std::int64_t value = -1;
            const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
            if (ec != std::errc() || ptr != token.data() + token.size() || value < 0 ||
                value >= std::numeric_limits<index_t>::max())
                LEARNREC_FAIL_AT(fmt::format("{}:{}", source_name, line_no), "'{}' is not an id (a non-negative integer below 2^31 - 1)", token);
            ids.push_back(static_cast<index_t>(value));
            i = j;
        }
        if (ids.empty()) {
            if (pos >= text.size()) break;  // a trailing newline
            LEARNREC_FAIL_AT(fmt::format("{}:{}", source_name, line_no), "empty line");
        }
        rows = std::max(rows, ids[0] + 1);
        for (std::size_t k = 1; k < ids.size(); ++k) {
            cols = std::max(cols, ids[k] + 1);
            entries.push_back({ids[0], ids[k], 1.0f});
        }
    }
    return CsrMatrix::from_triplets(rows, cols, entries);
}

CsrMatrix read_user_item_lists(const std::filesystem::path& path, index_t min_rows, index_t min_cols) {
    const std::string text = read_text_file(path);
    return parse_user_item_lists(text, path.string(), min_rows, min_cols);
}

}  // namespace learnrec
