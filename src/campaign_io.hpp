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

    /// Buffers `text`; flushed to the temporary file every few MiB.
    void write(std::string_view text);
    void commit();
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

}  // namespace learnrec::campaign::detail
