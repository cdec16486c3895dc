// learnrec campaign — writing the push log: records, appends, the atomic output file (see
// campaign/push_log.hpp; reading it: campaign_push_log_read.cpp).
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

void start_writeback(int fd, std::size_t offset, std::size_t bytes) noexcept {
#if defined(__linux__)
    // Best effort: a failure here only means the final fsync has more to do.
    (void)::sync_file_range(fd, static_cast<off_t>(offset), static_cast<off_t>(bytes), SYNC_FILE_RANGE_WRITE);
#else
    (void)fd;
    (void)offset;
    (void)bytes;
#endif
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
    // A campaign hands over pieces of a MiB or more: written as they are (the same bytes in the
    // same order), not copied into the buffer first.
    constexpr std::size_t kDirect = std::size_t{256} << 10;
    if (text.size() >= kDirect) {
        if (!buffer_.empty()) flush();
        write_all(fd_, text, temp_.string());
        return;
    }
    buffer_.append(text);
    if (buffer_.size() >= (std::size_t{4} << 20)) flush();
}

void AtomicFile::flush() {
    write_all(fd_, buffer_, temp_.string());
    buffer_.clear();
}

void AtomicFile::write_behind() const { start_writeback(fd_, 0, 0); }

const std::filesystem::path& AtomicFile::flushed() {
    flush();
    return temp_;
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

}  // namespace

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
        off_t start = ::lseek(fd, 0, SEEK_CUR);
        std::size_t pending = 0;
        for (;;) {
            const auto n = ::read(in, buf.data(), buf.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) LEARNREC_FAIL_AT(staged.string(), "cannot read: {}", detail::system_reason(errno));
            if (n == 0) break;
            detail::write_all(fd, std::string_view(buf.data(), static_cast<std::size_t>(n)), path.string());
            // Writeback starts every few MiB, so the final fsync waits for the last ones only.
            pending += static_cast<std::size_t>(n);
            if (pending >= (std::size_t{8} << 20) && start >= 0) {
                detail::start_writeback(fd, static_cast<std::size_t>(start), pending);
                start += static_cast<off_t>(pending);
                pending = 0;
            }
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
