// learnrec campaign — internal file helpers: a streamed output committed atomically, fd appends.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace learnrec::campaign::detail {

/// A file written in pieces under a temporary name next to `path`, fsync'ed and renamed over
/// `path` by commit(). Destroyed without commit() (an error, an exception), it removes the
/// temporary: nothing partial ever appears under the final name.
class AtomicFile {
public:
    explicit AtomicFile(std::filesystem::path path);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    /// Buffers `text`, flushed to the temporary file every few MiB (a large `text` is written at once).
    void write(std::string_view text);
    void commit();
    /// Asks the kernel to start writing what is written so far to disk, without waiting: the
    /// fsync of commit() then waits for the last pieces only, instead of the whole file at the end.
    void write_behind() const;
    /// Flushes the buffer and returns the temporary file, for a caller that reads it back and
    /// never commits it (a spill file: neither fsync'ed nor renamed, removed by the destructor).
    const std::filesystem::path& flushed();
    const std::filesystem::path& temp_path() const noexcept { return temp_; }

private:
    void flush();
    std::filesystem::path path_, temp_;
    int fd_ = -1;
    std::string buffer_;
    bool committed_ = false;
};

/// "<reason>" of errno, as strerror gives it.
std::string system_reason(int err);
/// Writes all of `bytes` to `fd` (retrying short writes); throws Error(context, ...) on failure.
void write_all(int fd, std::string_view bytes, const std::string& context);
/// Starts the disk writeback of [offset, offset + bytes) of `fd` (0 bytes: to the end) without
/// waiting for it; a no-op where the system has no such call.
void start_writeback(int fd, std::size_t offset, std::size_t bytes) noexcept;

}  // namespace learnrec::campaign::detail
