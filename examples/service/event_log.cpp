// learnrec-serve — the durable event log (event_log.hpp).
#include "event_log.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "learnrec/error.hpp"

namespace learnrec::service {

namespace {
[[noreturn]] void fail(const std::filesystem::path& path, std::string_view what) {
    LEARNREC_FAIL_AT(path.string(), "{}: {}", what, std::strerror(errno));
}

void write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(path, "write");
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}
}  // namespace

std::string csv_field(std::string_view id) {
    if (id.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(id);
    std::string out = "\"";
    for (char c : id) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

EventLogWriter::EventLogWriter(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) fail(path_, "cannot open the event log");
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail(path_, "stat");
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    for (std::size_t got = 0; got < text.size();) {
        const ssize_t n = ::pread(fd_, text.data() + got, text.size() - got, static_cast<off_t>(got));
        if (n <= 0) fail(path_, "read");
        got += static_cast<std::size_t>(n);
    }
    // A torn last line (a crash mid-append) is cut off: it never reached a client as accepted.
    const auto keep = text.empty() || text.back() == '\n' ? text.size() : text.rfind('\n') + 1;  // npos + 1 == 0
    if (keep != text.size()) {
        torn_bytes_ = text.size() - keep;
        if (::ftruncate(fd_, static_cast<off_t>(keep)) != 0) fail(path_, "truncate the torn last line");
        text.resize(keep);
    }
    if (text.empty()) {
        write_all(fd_, fmt::format("{}\n", kEventLogHeader), path_);
        if (::fsync(fd_) != 0) fail(path_, "fsync");
        size_ = kEventLogHeader.size() + 1;
    } else {
        std::string_view header = std::string_view(text).substr(0, text.find('\n'));
        if (!header.empty() && header.back() == '\r') header.remove_suffix(1);
        if (header != kEventLogHeader)
            LEARNREC_FAIL_AT(path_.string() + ":1", "the event log's header is '{}'; this service appends '{}'", header,
                                    kEventLogHeader);
        size_ = text.size();
    }
}

EventLogWriter::~EventLogWriter() {
    if (fd_ >= 0) ::close(fd_);
}

void EventLogWriter::append(std::string_view lines) {
    if (lines.empty()) return;
    try {
        if (::lseek(fd_, static_cast<off_t>(size_), SEEK_SET) < 0) fail(path_, "seek");
        write_all(fd_, lines, path_);
        if (::fsync(fd_) != 0) fail(path_, "fsync");
    } catch (...) {
        // Back to the last whole line, so a partial write cannot glue onto the next append.
        [[maybe_unused]] const int rc = ::ftruncate(fd_, static_cast<off_t>(size_));
        throw;
    }
    size_ += lines.size();
}

}  // namespace learnrec::service
