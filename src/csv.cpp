// learnrec — CSV reading. The accepted format and the error rules are described in csv.hpp.
#include "learnrec/data/csv.hpp"

#include "csv_fields.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <system_error>
#include <unordered_map>
#include <utility>

#include <fmt/ranges.h>

namespace learnrec {

// ---- CsvReader ----------------------------------------------------------------------------------

CsvReader::CsvReader(std::string_view text, std::string_view source_name, char delimiter, std::size_t first_line)
    : text_(text), source_(source_name), delimiter_(delimiter), line_(first_line), record_line_(first_line) {
    if (delimiter == '"' || delimiter == '\r' || delimiter == '\n')
        LEARNREC_FAIL_AT(source_, "the CSV delimiter cannot be a quote, CR or LF");
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

std::string CsvReader::where() const { return fmt::format("{}:{}", source_, record_line_); }

void CsvReader::fail(std::size_t line, std::string reason) const {
    LEARNREC_FAIL_AT(fmt::format("{}:{}", source_, line), "{}", std::move(reason));
}

bool CsvReader::at_line_end() const noexcept {
    return text_[pos_] == '\n' || (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n');
}

void CsvReader::read_quoted(std::string& out) {
    const std::size_t open_line = line_;
    ++pos_;  // opening quote
    for (;;) {
        const auto q = text_.find('"', pos_);
        if (q == std::string_view::npos)
            fail(open_line, "unterminated quoted field (the quote opened here is never closed)");
        const auto chunk = text_.substr(pos_, q - pos_);
        for (char c : chunk) line_ += c == '\n' ? 1 : 0;
        out.append(chunk);
        pos_ = q + 1;
        if (pos_ < text_.size() && text_[pos_] == '"') {  // "" is an escaped quote
            out.push_back('"');
            ++pos_;
            continue;
        }
        break;
    }
    if (pos_ < text_.size() && text_[pos_] != delimiter_ && !at_line_end())
        fail(line_, fmt::format("unexpected text after the closing quote of \"{}\"", out));
}

void CsvReader::read_unquoted(std::string& out) {
    const char stops[] = {delimiter_, '\n', '\r', '"', '\0'};
    const auto end = text_.find_first_of(std::string_view(stops, 4), pos_);
    const auto stop = end == std::string_view::npos ? text_.size() : end;
    out.assign(text_.substr(pos_, stop - pos_));
    pos_ = stop;
    if (pos_ == text_.size()) return;
    if (text_[pos_] == '"')
        fail(line_, fmt::format("quote inside the unquoted field starting \"{}\"; quote the whole field and "
                                "double the inner quotes",
                                out));
    if (text_[pos_] == '\r' && !at_line_end())
        fail(line_, "carriage return not followed by a line feed (only LF and CRLF line ends are supported)");
}

bool CsvReader::next_record(std::vector<std::string>& fields) {
    quoted_.clear();
    record_line_ = line_;
    if (pos_ >= text_.size()) {
        fields.clear();
        return false;
    }
    if (at_line_end()) {
        // Trailing blank lines are what editors leave behind, not missing data.
        if (text_.find_first_not_of("\r\n", pos_) == std::string_view::npos) {
            pos_ = text_.size();
            fields.clear();
            return false;
        }
        pos_ += text_[pos_] == '\r' ? 2 : 1;
        ++line_;
        fields.clear();
        return true;
    }
    std::size_t n = 0;
    for (;;) {
        if (n == fields.size()) fields.emplace_back();
        auto& field = fields[n++];
        field.clear();
        const bool quoted = pos_ < text_.size() && text_[pos_] == '"';
        quoted_.push_back(quoted ? 1 : 0);
        if (quoted)
            read_quoted(field);
        else
            read_unquoted(field);
        if (pos_ >= text_.size()) break;
        if (text_[pos_] == delimiter_) {
            ++pos_;
            continue;
        }
        pos_ += text_[pos_] == '\r' ? 2 : 1;  // at_line_end() holds: the readers reject anything else
        ++line_;
        break;
    }
    fields.resize(n);
    return true;
}

// ---- columns and values -------------------------------------------------------------------------

std::string_view trim_csv_blank(std::string_view text) noexcept {
    const auto b = text.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    const auto e = text.find_last_not_of(" \t");
    return text.substr(b, e - b + 1);
}

CsvColumns resolve_csv_columns(const std::vector<std::string>& header, const std::vector<std::string_view>& required,
                               const std::vector<std::string_view>& optional, const std::vector<std::string>& ignored,
                               const std::string& where) {
    const auto listed = [](const auto& names, std::string_view name) {
        for (const auto& n : names)
            if (std::string_view(n) == name) return true;
        return false;
    };
    const auto expected = [&] {
        return fmt::format("expected {}{}{}", fmt::join(required, ", "), optional.empty() ? "" : ", optionally ",
                           fmt::join(optional, ", "));
    };
    for (const auto& r : required)
        if (listed(ignored, r)) LEARNREC_FAIL_AT(where, "required column '{}' cannot be ignored", r);

    CsvColumns cols;
    cols.count = header.size();
    cols.required.assign(required.size(), header.size());
    cols.optional.assign(optional.size(), std::nullopt);
    std::unordered_map<std::string_view, std::size_t> seen;
    for (std::size_t i = 0; i < header.size(); ++i) {
        const auto name = trim_csv_blank(header[i]);
        if (name.empty()) LEARNREC_FAIL_AT(where, "column {} has an empty name ({})", i + 1, expected());
        if (auto [it, fresh] = seen.emplace(name, i); !fresh)
            LEARNREC_FAIL_AT(where, "column '{}' appears twice (columns {} and {})", name, it->second + 1, i + 1);
        bool known = false;
        for (std::size_t k = 0; k < required.size() && !known; ++k)
            if (required[k] == name) {
                cols.required[k] = i;
                known = true;
            }
        for (std::size_t k = 0; k < optional.size() && !known; ++k)
            if (optional[k] == name) {
                if (!listed(ignored, name)) cols.optional[k] = i;
                known = true;
            }
        if (!known && !listed(ignored, name))
            LEARNREC_FAIL_AT(where, "unknown column '{}' ({}; list it in CsvOptions::ignored_columns to skip it)",
                                           name, expected());
    }
    for (std::size_t k = 0; k < required.size(); ++k)
        if (cols.required[k] == header.size())
            LEARNREC_FAIL_AT(where, "missing required column '{}' ({})", required[k], expected());
    return cols;
}

float parse_csv_float(std::string_view text, std::string_view column, const std::string& where) {
    const auto t = trim_csv_blank(text);
    if (t.empty()) LEARNREC_FAIL_AT(where, "{} is empty", column);
    // from_chars rejects a leading '+' but people write it; it would accept "nan"/"inf", caught below.
    const auto body = t.size() > 1 && t[0] == '+' && t[1] != '-' && t[1] != '+' ? t.substr(1) : t;
    float value = 0.0f;
    const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value, std::chars_format::general);
    if (ec == std::errc::result_out_of_range)
        LEARNREC_FAIL_AT(where, "{} '{}' is out of float range", column, text);
    if (ec != std::errc() || end != body.data() + body.size())
        LEARNREC_FAIL_AT(where, "{} '{}' is not a number", column, text);
    if (!std::isfinite(value)) LEARNREC_FAIL_AT(where, "{} '{}' is not finite", column, text);
    return value;
}

namespace {

// Reads exactly `n` digits at `pos`; nullopt if any is not a digit.
std::optional<unsigned> fixed_digits(std::string_view s, std::size_t pos, std::size_t n) {
    if (pos + n > s.size()) return std::nullopt;
    unsigned v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        v = v * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return v;
}

bool is_leap(unsigned y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(unsigned y, unsigned m) noexcept {
    static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// The value, or the reason it is not a timestamp (one of the two is set).
struct TimestampResult {
    std::optional<timestamp_t> value;
    std::string reason;
};

TimestampResult fail_ts(std::string reason) { return {std::nullopt, std::move(reason)}; }

constexpr std::string_view kFormats =
    "expected integer epoch seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM]";

TimestampResult parse_timestamp_impl(std::string_view text) {
    const auto s = trim_csv_blank(text);
    if (s.empty()) return fail_ts("is empty");

    const auto digits_from = s[0] == '-' || s[0] == '+' ? 1u : 0u;
    if (s.size() > digits_from && s.find_first_not_of("0123456789", digits_from) == std::string_view::npos) {
        const auto body = s[0] == '+' ? s.substr(1) : s;
        timestamp_t v = 0;
        const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
        if (ec == std::errc::result_out_of_range) return fail_ts("is out of the 64-bit range");
        if (ec != std::errc() || end != body.data() + body.size()) return fail_ts(fmt::format("is not valid ({})", kFormats));
        return {v, {}};
    }

    const auto bad = [] { return fail_ts(fmt::format("is not a valid timestamp ({})", kFormats)); };
    const auto year = fixed_digits(s, 0, 4);
    const auto month = fixed_digits(s, 5, 2);
    const auto day = fixed_digits(s, 8, 2);
    if (!year || !month || !day || s[4] != '-' || s[7] != '-') return bad();
    if (*month < 1 || *month > 12) return fail_ts(fmt::format("has month {} (expected 1-12)", *month));
    if (*day < 1 || *day > days_in_month(*year, *month))
        return fail_ts(fmt::format("has day {} but {:04}-{:02} has {} days", *day, *year, *month,
                                   days_in_month(*year, *month)));
    timestamp_t t = days_from_civil(*year, *month, *day) * 86400;
    if (s.size() == 10) return {t, {}};

    if (s[10] != 'T' && s[10] != ' ') return bad();
    const auto hour = fixed_digits(s, 11, 2);
    const auto minute = fixed_digits(s, 14, 2);
    if (!hour || !minute || s[13] != ':') return bad();
    std::size_t p = 16;
    unsigned second = 0;
    if (p < s.size() && s[p] == ':') {
        const auto sec = fixed_digits(s, p + 1, 2);
        if (!sec) return bad();
        second = *sec;
        p += 3;
        if (p < s.size() && s[p] == '.') {
            const auto frac_end = s.find_first_not_of("0123456789", p + 1);
            const auto e = frac_end == std::string_view::npos ? s.size() : frac_end;
            if (e == p + 1) return bad();
            p = e;  // sub-second precision is below what timestamps keep
        }
    }
    if (*hour > 23) return fail_ts(fmt::format("has hour {} (expected 0-23)", *hour));
    if (*minute > 59) return fail_ts(fmt::format("has minute {} (expected 0-59)", *minute));
    if (second > 59) return fail_ts(fmt::format("has second {} (expected 0-59; leap seconds are not supported)", second));
    t += static_cast<timestamp_t>(*hour) * 3600 + static_cast<timestamp_t>(*minute) * 60 + second;

    if (p == s.size()) return {t, {}};
    if (s[p] == 'Z' && p + 1 == s.size()) return {t, {}};
    if ((s[p] == '+' || s[p] == '-') && p + 6 == s.size() && s[p + 3] == ':') {
        const auto oh = fixed_digits(s, p + 1, 2);
        const auto om = fixed_digits(s, p + 4, 2);
        if (!oh || !om) return bad();
        if (*oh > 23 || *om > 59) return fail_ts(fmt::format("has an invalid UTC offset '{}'", s.substr(p)));
        const auto offset = static_cast<timestamp_t>(*oh) * 3600 + static_cast<timestamp_t>(*om) * 60;
        return {s[p] == '+' ? t - offset : t + offset, {}};  // local = UTC + offset
    }
    return bad();
}

}  // namespace

std::optional<timestamp_t> parse_timestamp(std::string_view text) { return parse_timestamp_impl(text).value; }

timestamp_t parse_csv_timestamp(std::string_view text, std::string_view column, const std::string& where) {
    auto r = parse_timestamp_impl(text);
    if (!r.value) {
        if (trim_csv_blank(text).empty())
            LEARNREC_FAIL_AT(where, "{} is empty (when the column exists every row needs one)", column);
        LEARNREC_FAIL_AT(where, "{} '{}' {}", column, text, r.reason);
    }
    return *r.value;
}

// ---- interactions -------------------------------------------------------------------------------

std::string read_text_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) LEARNREC_FAIL_AT(path.string(), "cannot read: is a directory");
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int err = errno;
        LEARNREC_FAIL_AT(path.string(), "cannot open: {}", err ? std::generic_category().message(err) : "unknown reason");
    }
    std::string text;
    std::error_code size_ec;
    if (const auto size = std::filesystem::file_size(path, size_ec); !size_ec) text.reserve(size);
    // Chunked rather than sized by tellg so that pipes and other unsized files work too.
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (in.bad()) LEARNREC_FAIL_AT(path.string(), "cannot read: I/O error");
    return text;
}

namespace {

struct InteractionRow {
    std::string_view learner;
    std::string_view course;
    float weight;
    std::optional<timestamp_t> timestamp;
};

// Validates the header and every record, calling on_row(row, reader) for each. Shared by the
// building pass and by the diagnosis pass that only runs when duplicate weights cancel out.
template <class OnRow>
void for_each_interaction(std::string_view text, std::string_view source, const CsvOptions& options, OnRow&& on_row) {
    CsvReader reader(text, source, options.delimiter);
    std::vector<std::string> fields;
    if (!reader.next_record(fields))
        LEARNREC_FAIL_AT(reader.where(), "empty file; expected a header line learner_id,course_id[,weight][,timestamp]");
    if (fields.empty())
        LEARNREC_FAIL_AT(reader.where(), "blank header line; expected learner_id,course_id[,weight][,timestamp]");
    const auto cols = resolve_csv_columns(fields, {"learner_id", "course_id"}, {"weight", "timestamp"},
                                          options.ignored_columns, reader.where());
    const auto learner_col = cols.required[0];
    const auto course_col = cols.required[1];
    const auto weight_col = cols.optional[0];
    const auto time_col = cols.optional[1];

    while (reader.next_record(fields)) {
        detail::check_csv_record(reader, fields, cols.count);
        InteractionRow row{detail::csv_value(reader, fields, learner_col), detail::csv_value(reader, fields, course_col),
                           1.0f, std::nullopt};
        if (row.learner.empty()) LEARNREC_FAIL_AT(reader.where(), "empty learner_id");
        if (row.course.empty()) LEARNREC_FAIL_AT(reader.where(), "empty course_id");
        if (weight_col) {
            row.weight = parse_csv_float(fields[*weight_col], "weight", reader.where());
            if (row.weight == 0.0f)
                LEARNREC_FAIL_AT(reader.where(), "weight '{}' is 0; give a non-zero weight or leave the row out",
                                                        fields[*weight_col]);
        }
        if (time_col) row.timestamp = parse_csv_timestamp(fields[*time_col], "timestamp", reader.where());
        on_row(row, reader);
    }
}

struct PairHash {
    std::size_t operator()(const std::pair<std::string, std::string>& p) const noexcept {
        const auto h = std::hash<std::string>{};
        return h(p.first) * 31 + h(p.second);
    }
};

// Finds the pair whose summed weight the builder rejected and throws naming it and its lines.
// Sums in file order in float, as InteractionsBuilder does, so it finds the same pair.
[[noreturn]] void explain_cancelled_pair(std::string_view text, std::string_view source, const CsvOptions& options,
                                         const Error& original) {
    struct Sum {
        float weight = 0.0f;
        std::vector<std::size_t> lines;
    };
    std::unordered_map<std::pair<std::string, std::string>, Sum, PairHash> sums;
    std::vector<const std::pair<const std::pair<std::string, std::string>, Sum>*> order;
    for_each_interaction(text, source, options, [&](const InteractionRow& row, const CsvReader& reader) {
        auto [it, fresh] = sums.try_emplace({std::string(row.learner), std::string(row.course)});
        if (fresh) order.push_back(&*it);
        it->second.weight += row.weight;
        it->second.lines.push_back(reader.line());
    });
    for (const auto* entry : order) {
        const auto& [pair, sum] = *entry;
        if (sum.weight != 0.0f && std::isfinite(sum.weight)) continue;
        LEARNREC_FAIL_AT(fmt::format("{}:{}", source, sum.lines.back()), "the weights of learner '{}' and course '{}' (lines {}) sum to {}; duplicate pairs "
                                "are summed and a pair must keep a non-zero, finite total",
                                pair.first, pair.second, fmt::join(sum.lines, ", "), sum.weight);
    }
    LEARNREC_FAIL_AT(std::string(source), "{}", original.reason());
}

}  // namespace

Interactions parse_interactions_csv(std::string_view text, std::string_view source_name, const CsvOptions& options) {
    InteractionsBuilder builder;
    for_each_interaction(text, source_name, options, [&](const InteractionRow& row, const CsvReader& reader) {
        try {
            // Index-based add: the row is already validated, and this avoids formatting a context
            // string per row for the string-based overload.
            const auto l = builder.add_learner(std::string(row.learner));
            const auto c = builder.add_course(std::string(row.course));
            builder.add(l, c, row.weight, row.timestamp);
        } catch (const Error& e) {  // e.g. more distinct ids than index_t holds
            LEARNREC_FAIL_AT(reader.where(), "{}", e.reason());
        }
    });
    try {
        return std::move(builder).build();
    } catch (const Error& e) {
        explain_cancelled_pair(text, source_name, options, e);
    }
}

Interactions read_interactions_csv(const std::filesystem::path& path, const CsvOptions& options) {
    const auto text = read_text_file(path);
    return parse_interactions_csv(text, path.string(), options);
}

}  // namespace learnrec
