// learnrec — internal: fields and records as the CSV readers check them (interactions, features,
// ranking files, allocation opportunities).
#pragma once

#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "learnrec/data/csv.hpp"
#include "learnrec/error.hpp"

namespace learnrec::detail {

/// Field `col` of the current record: unquoted fields are trimmed like ids, quoted ones verbatim.
inline std::string_view csv_value(const CsvReader& reader, const std::vector<std::string>& fields, std::size_t col) {
    const std::string_view v = fields[col];
    return reader.field_quoted(col) ? v : trim_csv_blank(v);
}

/// Throws Error(reader.where(), ...) for an empty record or one without the header's `count` fields.
inline void check_csv_record(const CsvReader& reader, const std::vector<std::string>& fields, std::size_t count) {
    if (fields.empty()) LEARNREC_FAIL_AT(reader.where(), "empty row; remove blank lines between records");
    if (fields.size() != count)
        LEARNREC_FAIL_AT(reader.where(), "expected {} fields as in the header, got {}{}", count, fields.size(),
                                fields.size() == 1 && trim_csv_blank(fields[0]).empty() ? " (a line of only spaces?)"
                                                                                       : "");
}

/// The items of a list field, separated by ';' (inside a CSV field) or ',' (as in the academy's
/// "fr,en"), trimmed; empty items are dropped.
inline std::vector<std::string> split_csv_list(std::string_view v) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= v.size()) {
        const auto end = std::min(v.find_first_of(";,", pos), v.size());
        const auto item = trim_csv_blank(v.substr(pos, end - pos));
        if (!item.empty()) out.emplace_back(item);
        pos = end + 1;
    }
    return out;
}

/// "python:2;sql:1" (the academy's skill lists) as T{skill, level}; throws Error(where, ...) naming
/// `column` for an item that is not skill:level or a level below 1.
template <class T>
std::vector<T> parse_skill_levels(std::string_view v, std::string_view column, const std::string& where) {
    std::vector<T> out;
    for (const auto& item : split_csv_list(v)) {
        const auto colon = item.rfind(':');
        int level = 0;
        const char* first = item.data() + (colon == std::string::npos ? item.size() : colon + 1);
        const auto [ptr, ec] = std::from_chars(first, item.data() + item.size(), level);
        if (colon == std::string::npos || colon == 0 || ec != std::errc() || ptr != item.data() + item.size())
            LEARNREC_FAIL_AT(where, "{}: '{}' is not skill:level", column, item);
        if (level < 1) LEARNREC_FAIL_AT(where, "{}: level {} of '{}' is below 1", column, level, item);
        out.push_back({item.substr(0, colon), level});
    }
    return out;
}

}  // namespace learnrec::detail
