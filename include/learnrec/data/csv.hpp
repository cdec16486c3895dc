// learnrec — reading interaction logs from CSV, plus the CSV building blocks other readers reuse.
//
// Input format (read_interactions_csv / parse_interactions_csv):
//
//     learner_id,course_id[,weight][,timestamp]
//
//  - A header line is required; columns are found by name, in any order. Names are trimmed of
//    surrounding spaces/tabs and matched case-sensitively. learner_id and course_id are required,
//    weight and timestamp optional. Any other column is an error unless it is listed in
//    CsvOptions::ignored_columns (its values are then skipped; a listed name that is absent is
//    fine). Listing an optional column (weight, timestamp) there makes the reader skip it too, e.g.
//    to read a log without its timestamps. A duplicated column name is an error.
//  - Records follow RFC 4180: fields may be quoted with "; "" inside quotes is a literal quote;
//    quoted fields may contain the delimiter and line breaks (line numbers count physical lines);
//    LF and CRLF line ends; a UTF-8 BOM at the start is skipped. Unterminated quotes, text after a
//    closing quote, a quote inside an unquoted field and a bare CR are errors.
//  - Every record has exactly as many fields as the header. Blank lines at the very end are
//    fine; a blank line anywhere else is an error, because nothing is dropped silently.
//  - Ids: unquoted ids are trimmed of surrounding spaces/tabs (editors and spreadsheets add them);
//    quoted ids are taken verbatim. An empty id is an error.
//  - weight (default 1 when the column is absent): a decimal float, surrounding spaces allowed,
//    optional sign. Empty, trailing text, NaN, infinity, out of float range and 0 are errors;
//    negative weights are negative feedback.
//  - timestamp: integer seconds since the Unix epoch (may be negative), or ISO-8601 `YYYY-MM-DD`
//    (midnight UTC) or `YYYY-MM-DDTHH:MM[:SS[.fff]]` with an optional `Z` or `+HH:MM` / `-HH:MM`
//    offset (no offset = UTC; a space may replace the T; fractions of a second are dropped; leap
//    seconds are rejected). When the column exists every record needs a value.
//  - Duplicate (learner, course) pairs are summed and keep their latest timestamp (see
//    InteractionsBuilder); a pair whose weights sum to 0 is an error naming the pair and its lines.
//  - Learner and course indices follow the order of first appearance in the file.
//
// Errors: every problem throws learnrec::Error whose context is "<source>:<line>" (line 1-based,
// the line where the offending record starts), e.g. "data.csv:7: weight 'abc' is not a number".
//
// Thread safety: the free functions are reentrant; a CsvReader is used by one thread at a time.
// Complexity: O(size of the text); the file is read into memory in one go.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "learnrec/data/interactions.hpp"

namespace learnrec {

struct CsvOptions {
    std::vector<std::string> ignored_columns;  // extra columns the caller allows (their values are skipped)
    char delimiter = ',';                      // any character except '"', CR and LF
};

/// Reads an interaction log (format above) from a file. `path` names the source in errors; a file
/// that cannot be opened throws an Error naming the path and the system's reason.
Interactions read_interactions_csv(const std::filesystem::path& path, const CsvOptions& options = {});

/// Same from memory; `source_name` is used in error messages in place of the file name.
Interactions parse_interactions_csv(std::string_view text, std::string_view source_name,
                                    const CsvOptions& options = {});

/// Reads a whole file into a string; throws Error naming the path and the system's reason.
std::string read_text_file(const std::filesystem::path& path);

// ---- building blocks for other CSV readers ------------------------------------------------------

/// RFC 4180 record reader over text that must outlive it. Fields are returned verbatim (no
/// trimming); field_quoted() tells whether a field was quoted, for callers that trim only
/// unquoted values.
class CsvReader {
public:
    /// Skips a leading UTF-8 BOM. Throws Error if `delimiter` is '"', CR or LF. `first_line`: the
    /// line number of the text's first line in its source (a reader over a piece of a file reports
    /// the file's lines).
    CsvReader(std::string_view text, std::string_view source_name, char delimiter = ',', std::size_t first_line = 1);

    /// Reads the next record into `fields` (their string capacity is reused). Returns false at the
    /// end of the text; blank lines at the very end count as the end. A blank line elsewhere yields
    /// a record with no fields, so the caller can reject it. Throws Error("<source>:<line>", ...)
    /// on malformed quoting.
    bool next_record(std::vector<std::string>& fields);

    /// Line where the current record started (where the next one starts before the first call),
    /// counted from `first_line`.
    std::size_t line() const noexcept { return record_line_; }
    /// "<source>:<line>" of the current record, the context for errors about it.
    std::string where() const;
    const std::string& source_name() const noexcept { return source_; }
    /// Whether field `i` of the current record was quoted.
    bool field_quoted(std::size_t i) const noexcept { return i < quoted_.size() && quoted_[i] != 0; }

private:
    [[noreturn]] void fail(std::size_t line, std::string reason) const;
    bool at_line_end() const noexcept;
    void read_quoted(std::string& out);
    void read_unquoted(std::string& out);

    std::string_view text_;
    std::string source_;
    char delimiter_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;         // physical line at pos_
    std::size_t record_line_ = 1;  // line where the current record started
    std::vector<char> quoted_;     // per field of the current record (char: vector<bool> is slow)
};

/// Positions of the columns a reader asked for, resolved from a header.
struct CsvColumns {
    std::vector<std::size_t> required;                 // one per required name, in the order asked
    std::vector<std::optional<std::size_t>> optional;  // one per optional name; nullopt when absent or ignored
    std::size_t count = 0;                             // header fields; every record must have as many
};

/// Finds `required` and `optional` columns in `header` (names already trimmed by the caller or
/// not: they are trimmed here). Every other name must be in `ignored`; an optional name listed in
/// `ignored` resolves to nullopt. Throws Error(where, ...) for an unknown, duplicated, empty or
/// missing required column, or a required column listed as ignored.
CsvColumns resolve_csv_columns(const std::vector<std::string>& header, const std::vector<std::string_view>& required,
                               const std::vector<std::string_view>& optional, const std::vector<std::string>& ignored,
                               const std::string& where);

/// `text` without surrounding spaces and tabs.
std::string_view trim_csv_blank(std::string_view text) noexcept;

/// Strict float: the whole of `text` (surrounding spaces/tabs allowed, optional sign) must be a
/// finite decimal float within float range. Throws Error(where, "<column> '<text>' ...") with the
/// reason otherwise (empty, not a number, not finite, out of range). Zero is accepted here; callers
/// that forbid it check themselves.
float parse_csv_float(std::string_view text, std::string_view column, const std::string& where);

/// Days from 1970-01-01 to the proleptic Gregorian date y-m-d (negative before). m in 1..12,
/// d in 1..31; no validation.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    // Howard Hinnant's algorithm: shifting the year to start in March puts the leap day last, so
    // day-of-year becomes a closed formula over 400-year eras.
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<std::uint64_t>(y - era * 400);                       // [0, 399]
    const std::uint64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;        // [0, 365]
    const std::uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                 // [0, 146096]
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// A timestamp in one of the formats above (integer epoch seconds or ISO-8601), after trimming
/// surrounding spaces/tabs; nullopt when it is not one (including impossible dates like 2023-02-29).
std::optional<timestamp_t> parse_timestamp(std::string_view text);

/// Same, throwing Error(where, "<column> '<text>' ...") with the precise reason.
timestamp_t parse_csv_timestamp(std::string_view text, std::string_view column, const std::string& where);

}  // namespace learnrec
