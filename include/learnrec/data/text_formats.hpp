// learnrec — readers for the plain-text formats of public benchmarks.
//
// "User item lists" (LightGCN, NGCF, GF-CF): one line per user, `user item item ...`, whitespace
// separated non-negative integer ids. Every listed pair gets weight 1 (a pair listed twice is
// summed, as in the CSV reader). Malformed lines raise Error naming file and line.
// Thread safety: pure functions. Complexity: O(file size + nnz log nnz).
#pragma once

#include <filesystem>
#include <string_view>

#include "learnrec/data/csr.hpp"

namespace learnrec {

/// Reads a user-item-lists file into a users x items matrix with at least `min_rows` rows and
/// `min_cols` columns (pass the train matrix's shape when reading a test file).
CsrMatrix read_user_item_lists(const std::filesystem::path& path, index_t min_rows = 0, index_t min_cols = 0);
/// The same from memory; `source_name` stands for the file name in messages.
CsrMatrix parse_user_item_lists(std::string_view text, std::string_view source_name, index_t min_rows = 0,
                                index_t min_cols = 0);

}  // namespace learnrec
