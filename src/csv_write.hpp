// learnrec — internal helpers for the CSV writers (features, events, the academy export).
#pragma once

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

#include "learnrec/error.hpp"

namespace learnrec::detail {

/// Appends `field` to `out`, quoted (RFC 4180) only when it holds a delimiter, quote, CR, LF, or
/// surrounding blanks that the readers would otherwise trim.
inline void append_csv_field(std::string& out, std::string_view field, char delimiter = ',') {
    const bool needs_quotes = field.find_first_of(std::string{delimiter, '"', '\r', '\n'}) != std::string_view::npos ||
                              (!field.empty() && (field.front() == ' ' || field.front() == '\t' ||
                                                  field.back() == ' ' || field.back() == '\t'));
    if (!needs_quotes) {
        out.append(field);
        return;
    }
    out.push_back('"');
    for (char c : field) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
}

/// Writes `text` to `path` (replacing it); throws Error naming the path and the system's reason.
inline void write_text_file(const std::filesystem::path& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) {
        const int err = errno;
        LEARNREC_FAIL_AT(path.string(), "cannot write: {}", err ? std::generic_category().message(err) : "unknown reason");
    }
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) LEARNREC_FAIL_AT(path.string(), "cannot write: I/O error");
}

/// ISO-8601 UTC "YYYY-MM-DDTHH:MM:SSZ", which parse_timestamp reads back exactly.
inline std::string iso8601(std::int64_t t) {
    // Inverse of days_from_civil (Howard Hinnant's civil_from_days).
    const std::int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    const std::int64_t secs = t - days * 86400;
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<std::uint64_t>(z - era * 146097);
    const std::uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::uint64_t mp = (5 * doy + 2) / 153;
    const std::uint64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::uint64_t m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y, m, d, secs / 3600, secs / 60 % 60, secs % 60);
}

}  // namespace learnrec::detail
