// learnrec allocation — internal: CSV rows and atomic writes for the allocation outputs.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "csv_write.hpp"
#include "learnrec/error.hpp"

namespace learnrec::allocation::detail {

inline void append_csv_row(std::string& out, std::initializer_list<std::string_view> fields) {
    bool first = true;
    for (const auto f : fields) {
        if (!first) out.push_back(',');
        first = false;
        learnrec::detail::append_csv_field(out, f);
    }
    out.push_back('\n');
}

/// Temporary file next to the target, fsync, rename: readers see the old file or the whole new one.
inline void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
    const std::string target = path.string();
    const std::string temp = target + fmt::format(".tmp{}", static_cast<long>(::getpid()));
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) LEARNREC_FAIL_AT(target, "cannot write: {}", std::strerror(errno));
    std::size_t done = 0;
    while (done < text.size()) {
        const auto w = ::write(fd, text.data() + done, text.size() - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            const int err = errno;
            ::close(fd);
            ::unlink(temp.c_str());
            LEARNREC_FAIL_AT(target, "cannot write: {}", std::strerror(err));
        }
        done += static_cast<std::size_t>(w);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        LEARNREC_FAIL_AT(target, "cannot write: {}", std::strerror(err));
    }
    if (::rename(temp.c_str(), target.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        LEARNREC_FAIL_AT(target, "cannot rename the temporary file over it: {}", std::strerror(err));
    }
}

}  // namespace learnrec::allocation::detail
