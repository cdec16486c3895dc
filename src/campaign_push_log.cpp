// learnrec campaign — reading and appending the push log (see campaign/push_log.hpp).
#include "learnrec/campaign/push_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <algorithm>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "campaign_io.hpp"
#include "enum_names.hpp"
#include "learnrec/data/csv.hpp"
#include "learnrec/error.hpp"
#include "learnrec/ranking/calendar.hpp"

namespace learnrec::campaign {

namespace detail {

std::string system_reason(int err) { return std::strerror(err); }

void write_all(int fd, std::string_view bytes, const std::string& context) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) LEARNREC_FAIL_AT(context, "cannot write: {}", system_reason(errno));
        done += static_cast<std::size_t>(n);
    }
}

AtomicFile::AtomicFile(std::filesystem::path path) : path_(std::move(path)) {
    LEARNREC_CHECK(!path_.empty() && path_.has_filename(), "'{}' is not a file path", path_.string());
    const std::filesystem::path dir = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
    static std::atomic<std::uint64_t> counter{0};
    std::random_device rd;
    for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
        temp_ = dir / fmt::format(".{}.tmp-{}-{:08x}-{}", path_.filename().string(), ::getpid(), rd(),
                                  counter.fetch_add(1));
        fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd_ < 0 && errno != EEXIST)
            LEARNREC_FAIL_AT(path_.string(), "cannot create a temporary file in '{}': {}", dir.string(),
                                                    system_reason(errno));
    }
    if (fd_ < 0) LEARNREC_FAIL_AT(path_.string(), "cannot find a free temporary file name");
}

AtomicFile::~AtomicFile() {
    if (committed_) return;
    if (fd_ >= 0) ::close(fd_);
    ::unlink(temp_.c_str());
}

void AtomicFile::write(std::string_view text) {
    buffer_.append(text);
    if (buffer_.size() >= (std::size_t{4} << 20)) flush();
}

void AtomicFile::flush() {
    write_all(fd_, buffer_, temp_.string());
    buffer_.clear();
}

void AtomicFile::commit() {
    flush();
    if (::fsync(fd_) != 0)
        LEARNREC_FAIL_AT(path_.string(), "cannot flush to disk: {}", system_reason(errno));
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) LEARNREC_FAIL_AT(path_.string(), "cannot close: {}", system_reason(errno));
    if (::rename(temp_.c_str(), path_.c_str()) != 0)
        LEARNREC_FAIL_AT(path_.string(), "cannot rename the temporary file over it: {}", system_reason(errno));
    committed_ = true;
    const std::filesystem::path dir = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
    // Make the rename durable; best effort (some file systems refuse fsync on directories).
    if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        (void)::fsync(dfd);
        ::close(dfd);
    }
}

}  // namespace detail

namespace {
constexpr learnrec::detail::EnumName<PushEvent> kPushEvents[] = {
    {PushEvent::pushed, "pushed"}, {PushEvent::opened, "opened"}, {PushEvent::clicked, "clicked"},
    {PushEvent::enrolled, "enrolled"}, {PushEvent::dismissed, "dismissed"}};
}  // namespace

std::string_view to_string(PushEvent event) { return learnrec::detail::name_of(kPushEvents, event).value_or("?"); }

PushEvent parse_push_event(std::string_view text) {
    if (const auto event = learnrec::detail::value_named(kPushEvents, text)) return *event;
    LEARNREC_FAIL("unknown push event '{}' (expected pushed, opened, clicked, enrolled or dismissed)", text);
}

std::string_view to_string(PushHoldRule rule) {
    switch (rule) {
        case PushHoldRule::none: return "none";
        case PushHoldRule::dismissed: return "dismissed";
        case PushHoldRule::enrolled: return "enrolled";
        case PushHoldRule::unanswered: return "unanswered";
        case PushHoldRule::repeat: return "repeat";
    }
    return "?";
}

PushHold push_hold(std::span<const PushEntry> records, timestamp_t now, const CampaignRules& cr) {
    PushHold h;
    bool enrolled = false;
    for (const auto& e : records) {
        switch (e.event) {
            case PushEvent::pushed:
                h.last_pushed = e.time;
                ++h.unanswered;
                ++h.pushes;
                break;
            case PushEvent::opened:
            case PushEvent::clicked: h.unanswered = 0; break;
            case PushEvent::enrolled:
                h.unanswered = 0;
                enrolled = true;
                break;
            case PushEvent::dismissed: h.dismissed_at = e.time; break;
        }
    }
    const auto days = [](int n) { return static_cast<timestamp_t>(n) * ranking::kSecondsPerDay; };
    if (h.dismissed_at != ranking::kNever && (cr.dismiss_days < 0 || now - h.dismissed_at < days(cr.dismiss_days)))
        h.rule = PushHoldRule::dismissed;
    else if (enrolled)
        h.rule = PushHoldRule::enrolled;
    else if (cr.max_unanswered > 0 && h.unanswered >= cr.max_unanswered)
        h.rule = PushHoldRule::unanswered;
    else if (h.pushes > 0 && now - h.last_pushed < days(cr.repeat_days))
        h.rule = PushHoldRule::repeat;
    return h;
}

PushLogFormat push_log_format_of(const std::filesystem::path& path) {
    const auto ext = path.extension().string();
    return ext == ".jsonl" || ext == ".ndjson" ? PushLogFormat::jsonl : PushLogFormat::csv;
}

std::int64_t PushLog::campaign_index(std::string_view id) const {
    for (std::size_t i = 0; i < campaigns.size(); ++i)
        if (campaigns[i] == id) return static_cast<std::int64_t>(i);
    return -1;
}

std::string_view push_log_csv_header() { return "time,campaign,learner_id,course_id,event,mandatory\n"; }

namespace {

std::string format_time(timestamp_t t) {
    const timestamp_t day = learnrec::detail::floor_div(t, ranking::kSecondsPerDay) * ranking::kSecondsPerDay;
    const timestamp_t s = t - day;
    return fmt::format("{}T{:02d}:{:02d}:{:02d}Z", ranking::format_date(t), s / 3600, (s / 60) % 60, s % 60);
}

/// A CSV field, quoted only when it must be.
std::string csv_field(std::string_view v) {
    if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
    std::string out = "\"";
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + '"';
}

/// Resolves one record's fields; errors name `where()` (formatted only on failure).
class Resolver {
public:
    Resolver(PushLogScan& scan, const PushLogLookup& learners, const PushLogLookup& courses,
             const std::function<void(const PushEntry&, std::string_view campaign)>& sink)
        : scan_(scan), learners_(learners), courses_(courses), sink_(sink) {}

    template <class Where>
    void add(const Where& where, std::string_view time, std::string_view campaign, std::string_view learner,
             std::string_view course, std::string_view event, bool mandatory) {
        PushEntry e{};
        const auto t = parse_timestamp(time);
        if (!t) LEARNREC_FAIL_AT(where(), "time '{}' is not a date or an ISO-8601 timestamp", time);
        e.time = *t;
        if (campaign.empty()) LEARNREC_FAIL_AT(where(), "empty campaign id");
        const auto l = learners_(learner);
        if (!l) LEARNREC_FAIL_AT(where(), "unknown learner '{}' (not in the model nor in learners.csv)", learner);
        const auto c = courses_(course);
        if (!c) LEARNREC_FAIL_AT(where(), "unknown course '{}' (not in the model)", course);
        e.learner = *l;
        e.course = *c;
        e.event = event_of(event, where);
        e.mandatory = mandatory;
        if (scan_.campaigns.empty() || campaign != scan_.campaigns[last_]) {
            std::size_t i = 0;
            while (i < scan_.campaigns.size() && scan_.campaigns[i] != campaign) ++i;
            if (i == scan_.campaigns.size()) scan_.campaigns.emplace_back(campaign);
            last_ = i;
        }
        e.campaign = static_cast<std::uint32_t>(last_);
        ++scan_.lines;
        sink_(e, scan_.campaigns[last_]);
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

    PushLogScan& scan_;
    const PushLogLookup& learners_;
    const PushLogLookup& courses_;
    const std::function<void(const PushEntry&, std::string_view campaign)>& sink_;
    std::size_t last_ = 0;
};

template <class Where>
bool parse_flag(std::string_view v, const Where& where) {
    v = trim_csv_blank(v);
    if (v.empty() || v == "0" || v == "false") return false;
    if (v == "1" || v == "true") return true;
    LEARNREC_FAIL_AT(where(), "mandatory '{}' is not 0/1/true/false", v);
}

/// Where the complete records of `buf` end: after the last newline outside quotes (CSV) or after
/// the last newline (JSON Lines, whose strings cannot hold a raw newline).
std::size_t records_end(std::string_view buf, bool csv) {
    if (!csv) {
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

/// Reads `path` a few MiB at a time; calls piece(text, first_line) for each run of complete
/// records. Returns the torn tail (whatever follows the last complete record).
template <class Piece>
std::string read_blocks(const std::filesystem::path& path, bool csv, Piece&& piece) {
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
        piece(text, line);
        line += static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
        buf.erase(0, end);
    }
    return buf;
}

}  // namespace

PushLogScan scan_push_log(const std::filesystem::path& path, const PushLogLookup& learners, const PushLogLookup& courses,
                          const std::function<void(const PushEntry&, std::string_view campaign)>& sink) {
    PushLogScan scan;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return scan;
    Resolver resolve(scan, learners, courses, sink);
    const std::string name = path.string();
    const bool csv = push_log_format_of(path) == PushLogFormat::csv;
    bool header = false;
    CsvColumns cols;
    std::vector<std::string> fields;
    std::size_t next_line = 1;
    const std::string tail = read_blocks(path, csv, [&](std::string_view text, std::size_t first_line) {
        next_line = first_line + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
        if (!csv) {
            std::size_t line = first_line, pos = 0;
            while (pos < text.size()) {
                const std::size_t nl = text.find('\n', pos);
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
                    if (!it->is_string())
                        LEARNREC_FAIL_AT(where(), "key '{}' must be a string, got {}", key, it->dump());
                    return it->get<std::string>();
                };
                bool mandatory = false;
                if (auto it = j.find("mandatory"); it != j.end()) {
                    if (!it->is_boolean())
                        LEARNREC_FAIL_AT(where(), "key 'mandatory' must be true or false, got {}", it->dump());
                    mandatory = it->get<bool>();
                }
                resolve.add(where, str("time"), str("campaign"), str("learner_id"), str("course_id"), str("event"),
                            mandatory);
            }
            return;
        }
        CsvReader reader(text, name);
        auto where = [&] { return fmt::format("{}:{}", name, first_line + reader.line() - 1); };
        if (!header) {
            if (!reader.next_record(fields)) return;
            header = true;
            cols = resolve_csv_columns(fields, {"time", "campaign", "learner_id", "course_id", "event"}, {"mandatory"}, {},
                                       where());
        }
        while (reader.next_record(fields)) {
            if (fields.size() != cols.count)
                LEARNREC_FAIL_AT(where(), "{} fields, expected {} as in the header", fields.size(), cols.count);
            auto f = [&](std::size_t i) { return trim_csv_blank(fields[cols.required[i]]); };
            const bool mandatory = cols.optional[0] ? parse_flag(fields[*cols.optional[0]], where) : false;
            resolve.add(where, f(0), f(1), f(2), f(3), f(4), mandatory);
        }
    });
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

std::string format_push_record(const PushRecord& r, PushLogFormat format) {
    if (format == PushLogFormat::jsonl) {
        const nlohmann::json j{{"time", format_time(r.time)},       {"campaign", r.campaign},
                               {"learner_id", r.learner_id},         {"course_id", r.course_id},
                               {"event", std::string(to_string(r.event))}, {"mandatory", r.mandatory}};
        return j.dump() + "\n";
    }
    return fmt::format("{},{},{},{},{},{}\n", format_time(r.time), csv_field(r.campaign), csv_field(r.learner_id),
                       csv_field(r.course_id), to_string(r.event), r.mandatory ? 1 : 0);
}

namespace {

/// Opens the log for appending: created with the CSV header when missing or empty, a torn last
/// line cut off. Returns the fd.
int open_for_append(const std::filesystem::path& path) {
    const std::string context = path.string();
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) LEARNREC_FAIL_AT(context, "cannot open for appending: {}", detail::system_reason(errno));
    try {
        struct stat st {};
        if (::fstat(fd, &st) != 0) LEARNREC_FAIL_AT(context, "cannot stat: {}", detail::system_reason(errno));
        off_t size = st.st_size;
        // Back up to the last newline: a tail without one was cut by a crash mid-append.
        off_t keep = size;
        char buf[4096];
        while (keep > 0) {
            const off_t from = std::max<off_t>(0, keep - static_cast<off_t>(sizeof buf));
            const auto n = ::pread(fd, buf, static_cast<std::size_t>(keep - from), from);
            if (n < 0) LEARNREC_FAIL_AT(context, "cannot read: {}", detail::system_reason(errno));
            off_t i = keep - from;
            while (i > 0 && buf[i - 1] != '\n') --i;
            if (i > 0) {
                keep = from + i;
                break;
            }
            keep = from;
        }
        if (keep != size && ::ftruncate(fd, keep) != 0)
            LEARNREC_FAIL_AT(context, "cannot cut the torn last line: {}", detail::system_reason(errno));
        if (::lseek(fd, 0, SEEK_END) < 0) LEARNREC_FAIL_AT(context, "cannot seek: {}", detail::system_reason(errno));
        if (keep == 0 && push_log_format_of(path) == PushLogFormat::csv)
            detail::write_all(fd, push_log_csv_header(), context);
    } catch (...) {
        ::close(fd);
        throw;
    }
    return fd;
}

void finish_append(int fd, const std::string& context) {
    if (::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        LEARNREC_FAIL_AT(context, "cannot flush to disk: {}", detail::system_reason(err));
    }
    if (::close(fd) != 0) LEARNREC_FAIL_AT(context, "cannot close: {}", detail::system_reason(errno));
}

}  // namespace

void append_push_log(const std::filesystem::path& path, std::string_view text) {
    const int fd = open_for_append(path);
    try {
        detail::write_all(fd, text, path.string());
    } catch (...) {
        ::close(fd);
        throw;
    }
    finish_append(fd, path.string());
}

void append_push_log_file(const std::filesystem::path& path, const std::filesystem::path& staged) {
    const int in = ::open(staged.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) LEARNREC_FAIL_AT(staged.string(), "cannot open: {}", detail::system_reason(errno));
    int fd = -1;
    try {
        fd = open_for_append(path);
        std::vector<char> buf(std::size_t{1} << 20);
        for (;;) {
            const auto n = ::read(in, buf.data(), buf.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) LEARNREC_FAIL_AT(staged.string(), "cannot read: {}", detail::system_reason(errno));
            if (n == 0) break;
            detail::write_all(fd, std::string_view(buf.data(), static_cast<std::size_t>(n)), path.string());
        }
    } catch (...) {
        ::close(in);
        if (fd >= 0) ::close(fd);
        throw;
    }
    ::close(in);
    finish_append(fd, path.string());
}

void append_push_records(const std::filesystem::path& path, std::span<const PushRecord> records) {
    const PushLogFormat format = push_log_format_of(path);
    std::string text;
    for (const auto& r : records) text += format_push_record(r, format);
    append_push_log(path, text);
}

}  // namespace learnrec::campaign
