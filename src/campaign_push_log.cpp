// learnrec campaign — reading and appending the push log (see campaign/push_log.hpp).
#include "learnrec/campaign/push_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "campaign_io.hpp"
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
        if (n < 0) throw Error(context, fmt::format("cannot write: {}", system_reason(errno)));
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
            throw Error(path_.string(), fmt::format("cannot create a temporary file in '{}': {}", dir.string(),
                                                    system_reason(errno)));
    }
    if (fd_ < 0) throw Error(path_.string(), "cannot find a free temporary file name");
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
        throw Error(path_.string(), fmt::format("cannot flush to disk: {}", system_reason(errno)));
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw Error(path_.string(), fmt::format("cannot close: {}", system_reason(errno)));
    if (::rename(temp_.c_str(), path_.c_str()) != 0)
        throw Error(path_.string(), fmt::format("cannot rename the temporary file over it: {}", system_reason(errno)));
    committed_ = true;
    const std::filesystem::path dir = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
    // Make the rename durable; best effort (some file systems refuse fsync on directories).
    if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        (void)::fsync(dfd);
        ::close(dfd);
    }
}

}  // namespace detail

std::string_view to_string(PushEvent event) {
    switch (event) {
        case PushEvent::pushed: return "pushed";
        case PushEvent::opened: return "opened";
        case PushEvent::clicked: return "clicked";
        case PushEvent::enrolled: return "enrolled";
        case PushEvent::dismissed: return "dismissed";
    }
    return "?";
}

PushEvent parse_push_event(std::string_view text) {
    for (auto e : {PushEvent::pushed, PushEvent::opened, PushEvent::clicked, PushEvent::enrolled, PushEvent::dismissed})
        if (text == to_string(e)) return e;
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

class Resolver {
public:
    Resolver(PushLog& log, const IdMap& learners, const IdMap& courses)
        : log_(log), learners_(learners), courses_(courses) {}

    void add(const std::string& where, std::string_view time, std::string_view campaign, std::string_view learner,
             std::string_view course, std::string_view event, bool mandatory) {
        PushEntry e{};
        e.time = parse_csv_timestamp(time, "time", where);
        LEARNREC_CHECK(!campaign.empty(), "{}: empty campaign id", where);
        const auto l = learners_.find(learner);
        if (!l) throw Error(where, fmt::format("unknown learner '{}' (not in the model nor in learners.csv)", learner));
        const auto c = courses_.find(course);
        if (!c) throw Error(where, fmt::format("unknown course '{}' (not in the model)", course));
        e.learner = *l;
        e.course = *c;
        try {
            e.event = parse_push_event(event);
        } catch (const Error& err) {
            throw Error(where, err.reason());
        }
        e.mandatory = mandatory;
        std::int64_t ci = log_.campaign_index(campaign);
        if (!last_campaign_.empty() && campaign == last_campaign_) ci = static_cast<std::int64_t>(last_index_);
        if (ci < 0) {
            ci = static_cast<std::int64_t>(log_.campaigns.size());
            log_.campaigns.emplace_back(campaign);
        }
        last_campaign_ = std::string(campaign);
        last_index_ = static_cast<std::uint32_t>(ci);
        e.campaign = static_cast<std::uint32_t>(ci);
        log_.entries.push_back(e);
        ++log_.lines;
    }

private:
    PushLog& log_;
    const IdMap& learners_;
    const IdMap& courses_;
    std::string last_campaign_;
    std::uint32_t last_index_ = 0;
};

bool parse_flag(std::string_view v, const std::string& where) {
    v = trim_csv_blank(v);
    if (v.empty() || v == "0" || v == "false") return false;
    if (v == "1" || v == "true") return true;
    throw Error(where, fmt::format("mandatory '{}' is not 0/1/true/false", v));
}

}  // namespace

PushLog read_push_log(const std::filesystem::path& path, const IdMap& learners, const IdMap& courses) {
    PushLog log;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return log;
    const std::string text = read_text_file(path);
    // Everything after the last newline is a record cut by a crash: ignored, reported.
    const std::size_t end = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    std::string_view body(text.data(), end);
    if (trim_csv_blank(std::string_view(text).substr(end)).size() > 0) {
        const std::size_t line = static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(end), '\n')) + 1;
        log.warning = fmt::format("{}:{}: ignored a torn last line (no newline; a crash during an append?)",
                                  path.string(), line);
    }
    Resolver resolve(log, learners, courses);
    const std::string name = path.string();
    if (push_log_format_of(path) == PushLogFormat::jsonl) {
        std::size_t line = 0, pos = 0;
        while (pos < body.size()) {
            const std::size_t nl = body.find('\n', pos);
            const std::string_view raw = body.substr(pos, nl - pos);
            pos = nl + 1;
            ++line;
            if (trim_csv_blank(raw).empty() || trim_csv_blank(raw) == "\r") continue;
            const std::string where = fmt::format("{}:{}", name, line);
            nlohmann::json j;
            try {
                j = nlohmann::json::parse(raw);
            } catch (const nlohmann::json::parse_error& e) {
                throw Error(where, fmt::format("not valid JSON: {}", e.what()));
            }
            if (!j.is_object()) throw Error(where, "a record must be a JSON object");
            auto str = [&](const char* key) -> std::string {
                auto it = j.find(key);
                if (it == j.end()) throw Error(where, fmt::format("missing key '{}'", key));
                if (!it->is_string()) throw Error(where, fmt::format("key '{}' must be a string, got {}", key, it->dump()));
                return it->get<std::string>();
            };
            bool mandatory = false;
            if (auto it = j.find("mandatory"); it != j.end()) {
                if (!it->is_boolean()) throw Error(where, fmt::format("key 'mandatory' must be true or false, got {}", it->dump()));
                mandatory = it->get<bool>();
            }
            resolve.add(where, str("time"), str("campaign"), str("learner_id"), str("course_id"), str("event"), mandatory);
        }
        return log;
    }
    CsvReader reader(body, name);
    std::vector<std::string> fields;
    if (!reader.next_record(fields)) return log;
    const CsvColumns cols = resolve_csv_columns(fields, {"time", "campaign", "learner_id", "course_id", "event"},
                                                {"mandatory"}, {}, reader.where());
    while (reader.next_record(fields)) {
        const std::string where = reader.where();
        if (fields.size() != cols.count)
            throw Error(where, fmt::format("{} fields, expected {} as in the header", fields.size(), cols.count));
        auto f = [&](std::size_t i) { return trim_csv_blank(fields[cols.required[i]]); };
        const bool mandatory = cols.optional[0] ? parse_flag(fields[*cols.optional[0]], where) : false;
        resolve.add(where, f(0), f(1), f(2), f(3), f(4), mandatory);
    }
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
    if (fd < 0) throw Error(context, fmt::format("cannot open for appending: {}", detail::system_reason(errno)));
    try {
        struct stat st {};
        if (::fstat(fd, &st) != 0) throw Error(context, fmt::format("cannot stat: {}", detail::system_reason(errno)));
        off_t size = st.st_size;
        // Back up to the last newline: a tail without one was cut by a crash mid-append.
        off_t keep = size;
        char buf[4096];
        while (keep > 0) {
            const off_t from = std::max<off_t>(0, keep - static_cast<off_t>(sizeof buf));
            const auto n = ::pread(fd, buf, static_cast<std::size_t>(keep - from), from);
            if (n < 0) throw Error(context, fmt::format("cannot read: {}", detail::system_reason(errno)));
            off_t i = keep - from;
            while (i > 0 && buf[i - 1] != '\n') --i;
            if (i > 0) {
                keep = from + i;
                break;
            }
            keep = from;
        }
        if (keep != size && ::ftruncate(fd, keep) != 0)
            throw Error(context, fmt::format("cannot cut the torn last line: {}", detail::system_reason(errno)));
        if (::lseek(fd, 0, SEEK_END) < 0) throw Error(context, fmt::format("cannot seek: {}", detail::system_reason(errno)));
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
        throw Error(context, fmt::format("cannot flush to disk: {}", detail::system_reason(err)));
    }
    if (::close(fd) != 0) throw Error(context, fmt::format("cannot close: {}", detail::system_reason(errno)));
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
    if (in < 0) throw Error(staged.string(), fmt::format("cannot open: {}", detail::system_reason(errno)));
    int fd = -1;
    try {
        fd = open_for_append(path);
        std::vector<char> buf(std::size_t{1} << 20);
        for (;;) {
            const auto n = ::read(in, buf.data(), buf.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw Error(staged.string(), fmt::format("cannot read: {}", detail::system_reason(errno)));
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
