// learnrec-serve — the durable event log: accepted events are appended, one CSV line each, in the
// format read_events_csv reads (data/events.hpp), and fsync'ed before the request is answered.
//
// Crash safety: a process killed mid-append leaves at most a torn last line (no newline). Opening
// the log detects it and cuts it off (reported by torn_bytes()), so the reader never sees it; a
// failed write is cut back to the previous end at once, so later lines stay whole.
// Thread safety: not thread-safe; the service serializes appends. Complexity: O(bytes) + one fsync.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace learnrec::service {

/// The header this writer uses (and requires of an existing non-empty log).
inline constexpr std::string_view kEventLogHeader = "learner_id,course_id,event,timestamp,value";

class EventLogWriter {
public:
    /// Opens (creating with the header if missing or empty) and repairs a torn tail. Throws Error
    /// naming the file when it cannot be opened or has another header.
    explicit EventLogWriter(std::filesystem::path path);
    ~EventLogWriter();
    EventLogWriter(const EventLogWriter&) = delete;
    EventLogWriter& operator=(const EventLogWriter&) = delete;

    /// Appends whole lines (each ending in '\n') and fsyncs. Throws Error on failure; the log is
    /// then as before the call.
    void append(std::string_view lines);

    std::size_t torn_bytes() const noexcept { return torn_bytes_; }
    /// Bytes in the log as this writer knows it (what it found plus what it appended).
    std::size_t size() const noexcept { return size_; }
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
    int fd_ = -1;
    std::size_t size_ = 0;
    std::size_t torn_bytes_ = 0;
};

/// A CSV field for an id: quoted (RFC 4180) when it holds a delimiter, quote or line break.
std::string csv_field(std::string_view id);

}  // namespace learnrec::service
