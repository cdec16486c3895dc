// learnrec campaign — reading the push log (see campaign/push_log.hpp): blocks of a few MiB, each
// cut at record boundaries into pieces parsed on several threads, the records then handed to the
// sink in file order.
#include "learnrec/campaign/push_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "campaign_io.hpp"
#include "learnrec/data/csv.hpp"
#include "learnrec/detail/parallel.hpp"
#include "learnrec/error.hpp"

namespace learnrec::campaign {

namespace {

/// What one piece of a block parsed: its records in file order, each with the index of its
/// campaign id in `campaigns` (the piece's own list), or the error that stopped it.
struct Piece {
    std::string_view text;
    std::size_t first_line = 0;
    std::vector<PushEntry> entries;
    std::vector<std::string> campaigns;
    std::exception_ptr error;
};

/// Resolves one record's fields into a piece; errors name `where()` (formatted only on failure).
class Resolver {
public:
    Resolver(Piece& piece, const PushLogLookup& learners, const PushLogLookup& courses)
        : piece_(piece), learners_(learners), courses_(courses) {}

    template <class Where>
    void add(const Where& where, std::string_view time, std::string_view campaign, std::string_view learner,
             std::string_view course, std::string_view event, bool mandatory) {
        PushEntry e{};
        // A campaign's records share one time: parsed once per run of equal texts.
        if (time.empty() || time != last_time_) {
            const auto t = parse_timestamp(time);
            if (!t) LEARNREC_FAIL_AT(where(), "time '{}' is not a date or an ISO-8601 timestamp", time);
            last_time_.assign(time);
            last_value_ = *t;
        }
        e.time = last_value_;
        if (campaign.empty()) LEARNREC_FAIL_AT(where(), "empty campaign id");
        const auto l = learners_(learner);
        if (!l) LEARNREC_FAIL_AT(where(), "unknown learner '{}' (not in the model nor in learners.csv)", learner);
        const auto c = courses_(course);
        if (!c) LEARNREC_FAIL_AT(where(), "unknown course '{}' (not in the model)", course);
        e.learner = *l;
        e.course = *c;
        e.event = event_of(event, where);
        e.mandatory = mandatory;
        auto& ids = piece_.campaigns;
        if (ids.empty() || campaign != ids[last_]) {
            std::size_t i = 0;
            while (i < ids.size() && ids[i] != campaign) ++i;
            if (i == ids.size()) ids.emplace_back(campaign);
            last_ = i;
        }
        e.campaign = static_cast<std::uint32_t>(last_);
        piece_.entries.push_back(e);
    }

private:
    template <class Where>
    static PushEvent event_of(std::string_view text, const Where& where) {
        for (auto e : {PushEvent::pushed, PushEvent::opened, PushEvent::clicked, PushEvent::enrolled, PushEvent::dismissed})
            if (text == to_string(e)) return e;
        try {
            return parse_push_event(text);
        } catch (const Error& err) {
            LEARNREC_FAIL_AT(where(), "{}", err.reason());
        }
    }

    Piece& piece_;
    const PushLogLookup& learners_;
    const PushLogLookup& courses_;
    std::size_t last_ = 0;
    std::string last_time_;
    timestamp_t last_value_ = 0;
};

template <class Where>
bool parse_flag(std::string_view v, const Where& where) {
    v = trim_csv_blank(v);
    if (v.empty() || v == "0" || v == "false") return false;
    if (v == "1" || v == "true") return true;
    LEARNREC_FAIL_AT(where(), "mandatory '{}' is not 0/1/true/false", v);
}

bool has_quote(std::string_view text) { return std::memchr(text.data(), '"', text.size()) != nullptr; }

/// Where the complete records of `buf` end: after the last newline outside quotes (CSV) or after
/// the last newline (JSON Lines, whose strings cannot hold a raw newline; nor can a CSV text
/// without any quote).
std::size_t records_end(std::string_view buf, bool csv) {
    if (!csv || !has_quote(buf)) {
        const auto nl = buf.rfind('\n');
        return nl == std::string_view::npos ? 0 : nl + 1;
    }
    std::size_t end = 0;
    bool quoted = false;
    for (std::size_t i = 0; i < buf.size(); ++i) {
        const char ch = buf[i];
        if (ch == '"') quoted = !quoted;
        else if (ch == '\n' && !quoted) end = i + 1;
    }
    return end;
}

/// Whether the line that ends at text[nl] (a newline) is blank. A piece never ends with one: the
/// CSV reader takes blank lines at the very end of its text for the end, while inside a log they
/// are an error, as they were before the log was read in pieces.
bool blank_line_ends_at(std::string_view text, std::size_t nl) {
    std::size_t i = nl;
    while (i > 0 && text[i - 1] == '\r') --i;
    return i == 0 || text[i - 1] == '\n';
}

/// Cuts `text` (whole records) into about `parts` pieces, each made of whole records: at the first
/// newline outside quotes (after a non-blank line) from each even split point on.
std::vector<std::string_view> cut(std::string_view text, std::size_t parts, bool csv) {
    std::vector<std::string_view> out;
    std::size_t begin = 0;
    if (!csv || !has_quote(text)) {
        for (std::size_t p = 1; p < parts && begin < text.size(); ++p) {
            const std::size_t target = std::max(begin, text.size() * p / parts);
            std::size_t nl = text.find('\n', target);
            while (nl != std::string_view::npos && blank_line_ends_at(text, nl)) nl = text.find('\n', nl + 1);
            if (nl == std::string_view::npos) break;
            out.push_back(text.substr(begin, nl + 1 - begin));
            begin = nl + 1;
        }
    } else {
        bool quoted = false;
        std::size_t p = 1;
        for (std::size_t i = 0; i < text.size() && p < parts; ++i) {
            const char ch = text[i];
            if (ch == '"') quoted = !quoted;
            else if (ch == '\n' && !quoted && i + 1 >= text.size() * p / parts && !blank_line_ends_at(text, i)) {
                out.push_back(text.substr(begin, i + 1 - begin));
                begin = i + 1;
                while (p < parts && text.size() * p / parts <= i) ++p;
            }
        }
    }
    if (begin < text.size()) out.push_back(text.substr(begin));
    return out;
}

/// Reads `path` a few MiB at a time; calls piece(text, first_line) for each run of complete
/// records. Returns the torn tail (whatever follows the last complete record).
template <class OnText>
std::string read_blocks(const std::filesystem::path& path, bool csv, OnText&& on_text) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) LEARNREC_FAIL_AT(path.string(), "cannot open: {}", detail::system_reason(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    constexpr std::size_t kBlock = std::size_t{4} << 20;
    std::string buf;
    std::size_t line = 1;
    for (;;) {
        const std::size_t old = buf.size();
        buf.resize(old + kBlock);
        ssize_t n;
        do n = ::read(fd, buf.data() + old, kBlock);
        while (n < 0 && errno == EINTR);
        if (n < 0) LEARNREC_FAIL_AT(path.string(), "cannot read: {}", detail::system_reason(errno));
        buf.resize(old + static_cast<std::size_t>(n));
        if (n == 0) break;
        const std::size_t end = records_end(buf, csv);
        if (end == 0) continue;  // a record longer than a block: read on
        const std::string_view text(buf.data(), end);
        line = on_text(text, line);
        buf.erase(0, end);
    }
    return buf;
}

void parse_json_lines(Piece& piece, const std::string& name, const PushLogLookup& learners,
                      const PushLogLookup& courses) {
    Resolver resolve(piece, learners, courses);
    const std::string_view text = piece.text;
    std::size_t line = piece.first_line, pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        const std::string_view raw = text.substr(pos, nl - pos);
        pos = nl + 1;
        const std::size_t here = line++;
        if (trim_csv_blank(raw).empty() || trim_csv_blank(raw) == "\r") continue;
        auto where = [&] { return fmt::format("{}:{}", name, here); };
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(raw);
        } catch (const nlohmann::json::parse_error& e) {
            LEARNREC_FAIL_AT(where(), "not valid JSON: {}", e.what());
        }
        if (!j.is_object()) LEARNREC_FAIL_AT(where(), "a record must be a JSON object");
        auto str = [&](const char* key) -> std::string {
            auto it = j.find(key);
            if (it == j.end()) LEARNREC_FAIL_AT(where(), "missing key '{}'", key);
            if (!it->is_string()) LEARNREC_FAIL_AT(where(), "key '{}' must be a string, got {}", key, it->dump());
            return it->get<std::string>();
        };
        bool mandatory = false;
        if (auto it = j.find("mandatory"); it != j.end()) {
            if (!it->is_boolean()) LEARNREC_FAIL_AT(where(), "key 'mandatory' must be true or false, got {}", it->dump());
            mandatory = it->get<bool>();
        }
        resolve.add(where, str("time"), str("campaign"), str("learner_id"), str("course_id"), str("event"), mandatory);
    }
}

/// The records of `text` up to the first one CsvReader must look at, split in place: a text with
/// no quote, records of exactly `cols.count` comma-separated fields ending in LF or CRLF. Parsing
/// them as string_views spares the reader's per-field strings (the log is all such records). A
/// blank line, a lone CR or a wrong field count stops it: the reader takes over there, with its
/// own rules and messages. Returns how much of `text` was read; `line` becomes the next record's.
std::size_t parse_plain_csv(Resolver& resolve, std::string_view text, std::size_t& line, const std::string& name,
                            const CsvColumns& cols) {
    thread_local std::vector<std::string_view> fields;
    fields.resize(cols.count);
    std::size_t pos = 0;
    while (pos < text.size()) {
        const char* start = text.data() + pos;
        const auto* nl = static_cast<const char*>(std::memchr(start, '\n', text.size() - pos));
        const std::size_t len = nl ? static_cast<std::size_t>(nl - start) : text.size() - pos;
        std::string_view record(start, len);
        if (nl && record.ends_with('\r')) record.remove_suffix(1);  // CRLF; a CR without LF is an error
        if (record.empty() || record.find('\r') != std::string_view::npos) break;
        std::size_t n = 0;
        for (std::size_t b = 0;;) {
            const std::size_t e = std::min(record.find(',', b), record.size());
            if (n == cols.count) {
                n = cols.count + 1;  // one too many: the reader reports the count
                break;
            }
            fields[n++] = record.substr(b, e - b);
            if (e == record.size()) break;
            b = e + 1;
        }
        if (n != cols.count) break;
        const std::size_t here = line;
        auto where = [&] { return fmt::format("{}:{}", name, here); };
        auto f = [&](std::size_t i) { return trim_csv_blank(fields[cols.required[i]]); };
        const bool mandatory = cols.optional[0] ? parse_flag(fields[*cols.optional[0]], where) : false;
        resolve.add(where, f(0), f(1), f(2), f(3), f(4), mandatory);
        pos += len + (nl ? 1 : 0);
        ++line;
    }
    return pos;
}

void parse_csv(Piece& piece, const std::string& name, const CsvColumns& cols, const PushLogLookup& learners,
               const PushLogLookup& courses) {
    Resolver resolve(piece, learners, courses);
    std::string_view text = piece.text;
    std::size_t first_line = piece.first_line;
    // (A byte-order mark is the reader's to skip, wherever a text starts.)
    if (!has_quote(text) && !text.starts_with("\xEF\xBB\xBF")) {
        text.remove_prefix(parse_plain_csv(resolve, text, first_line, name, cols));
        if (text.empty()) return;
    }
    CsvReader reader(text, name, ',', first_line);  // a piece of the log: the file's line numbers
    std::vector<std::string> fields;
    auto where = [&] { return reader.where(); };
    while (reader.next_record(fields)) {
        if (fields.size() != cols.count)
            LEARNREC_FAIL_AT(where(), "{} fields, expected {} as in the header", fields.size(), cols.count);
        auto f = [&](std::size_t i) { return trim_csv_blank(fields[cols.required[i]]); };
        const bool mandatory = cols.optional[0] ? parse_flag(fields[*cols.optional[0]], where) : false;
        resolve.add(where, f(0), f(1), f(2), f(3), f(4), mandatory);
    }
}

std::size_t newlines(std::string_view text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace

PushLogScan scan_push_log(const std::filesystem::path& path, const PushLogLookup& learners, const PushLogLookup& courses,
                          const std::function<void(const PushEntry&, std::string_view campaign)>& sink,
                          int num_threads) {
    PushLogScan scan;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return scan;
    const std::string name = path.string();
    const bool csv = push_log_format_of(path) == PushLogFormat::csv;
    const int threads = std::max(1, learnrec::detail::resolve_threads(num_threads));
    bool header = false;
    CsvColumns cols;
    std::size_t next_line = 1;
    std::vector<Piece> pieces, ready;  // this block's; the previous block's, parsed, not yet delivered
    bool have_ready = false;
    std::vector<std::uint32_t> global;  // a piece's campaign index -> the scan's
    // In file order: the records before the first bad one reach the sink, then its error.
    auto deliver = [&](std::vector<Piece>& done) {
        for (auto& piece : done) {
            global.resize(piece.campaigns.size());
            for (std::size_t i = 0; i < piece.campaigns.size(); ++i) {
                std::size_t g = 0;
                while (g < scan.campaigns.size() && scan.campaigns[g] != piece.campaigns[i]) ++g;
                if (g == scan.campaigns.size()) scan.campaigns.push_back(piece.campaigns[i]);
                global[i] = static_cast<std::uint32_t>(g);
            }
            for (PushEntry e : piece.entries) {
                e.campaign = global[e.campaign];
                ++scan.lines;
                sink(e, scan.campaigns[e.campaign]);
            }
            if (piece.error) std::rethrow_exception(piece.error);
        }
    };
    const std::string tail = read_blocks(path, csv, [&](std::string_view text, std::size_t first_line) {
        next_line = first_line + newlines(text);
        if (csv && !header) {
            // The header is the first record (up to the first newline outside quotes): read
            // alone, the rest split below.
            std::size_t head_end = 0;
            for (bool quoted = false; head_end < text.size(); ++head_end) {
                const char ch = text[head_end];
                if (ch == '"') {
                    quoted = !quoted;
                } else if (ch == '\n' && !quoted) {
                    ++head_end;
                    break;
                }
            }
            const std::string_view head = text.substr(0, head_end);
            CsvReader reader(text, name);
            std::vector<std::string> fields;
            if (!reader.next_record(fields)) return next_line;
            header = true;
            cols = resolve_csv_columns(fields, {"time", "campaign", "learner_id", "course_id", "event"}, {"mandatory"}, {},
                                       fmt::format("{}:{}", name, first_line));
            first_line += newlines(head);
            text.remove_prefix(head_end);
        }
        // Small blocks are not worth a team of threads.
        const std::size_t parts = text.size() < (std::size_t{256} << 10) ? 1 : 4 * static_cast<std::size_t>(threads);
        const auto views = cut(text, parts, csv);
        pieces.resize(views.size());
        std::size_t line = first_line;
        for (std::size_t p = 0; p < views.size(); ++p) {
            Piece& piece = pieces[p];
            piece.text = views[p];
            piece.first_line = line;
            piece.entries.clear();
            piece.campaigns.clear();
            piece.error = nullptr;
            line += newlines(views[p]);
        }
        // The previous block's records go to the sink on the calling thread (thread 0 of the team)
        // while the other threads parse this block's pieces: the sink no longer runs alone
        // between two parallel stages (a third of the read's time, the other threads spinning).
        std::atomic<std::size_t> next{0};
        std::exception_ptr delivery_error;
        const int team = static_cast<int>(std::clamp<std::size_t>(pieces.size() + (have_ready ? 1 : 0), 1,
                                                                   static_cast<std::size_t>(threads)));
        learnrec::detail::parallel_team(team, [&](int t, int) {
            if (t == 0 && have_ready) {
                try {
                    deliver(ready);
                } catch (...) {
                    delivery_error = std::current_exception();
                }
            }
            for (std::size_t p; (p = next.fetch_add(1, std::memory_order_relaxed)) < pieces.size();) {
                Piece& piece = pieces[p];
                try {
                    if (csv)
                        parse_csv(piece, name, cols, learners, courses);
                    else
                        parse_json_lines(piece, name, learners, courses);
                } catch (...) {
                    piece.error = std::current_exception();
                }
            }
        });
        if (delivery_error) std::rethrow_exception(delivery_error);
        // A block with an error is delivered at once (up to it) and stops the scan: its error is
        // the first in the file, and nothing after it is read.
        if (std::any_of(pieces.begin(), pieces.end(), [](const Piece& piece) { return piece.error != nullptr; }))
            deliver(pieces);
        std::swap(ready, pieces);  // (the delivered pieces' storage is reused by the next block)
        have_ready = true;
        return next_line;
    });
    if (have_ready) deliver(ready);
    // Whatever follows the last complete record was cut by a crash: ignored, reported.
    if (!trim_csv_blank(tail).empty())
        scan.warning = fmt::format("{}:{}: ignored a torn last line (no newline; a crash during an append?)", name,
                                   next_line);
    return scan;
}

PushLog read_push_log(const std::filesystem::path& path, const IdMap& learners, const IdMap& courses) {
    PushLog log;
    const PushLogLookup learner = [&](std::string_view id) { return learners.find(id); };
    const PushLogLookup course = [&](std::string_view id) { return courses.find(id); };
    PushLogScan scan = scan_push_log(path, learner, course, [&](const PushEntry& e, std::string_view) { log.entries.push_back(e); });
    log.campaigns = std::move(scan.campaigns);
    log.lines = scan.lines;
    log.warning = std::move(scan.warning);
    return log;
}

}  // namespace learnrec::campaign
