// learnrec-serve — bearer tokens: readers may ask, admins may also reload.
//
// Tokens file: one `reader TOKEN` or `admin TOKEN` per line; blank lines and lines starting
// with '#' are skipped. Tokens are compared in constant time (every stored token is compared in
// full on every request), so timing does not reveal how much of a guess was right.
// Thread safety: immutable after read(). Complexity: O(tokens x token length) per request.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace learnrec::service {

enum class Role { none, reader, admin };

class Tokens {
public:
    Tokens() = default;  ///< no tokens: authentication is off (loopback only, see main.cpp)
    /// Throws Error("<file>:<line>", ...) on a malformed line or a token shorter than 16 bytes.
    static Tokens read(const std::filesystem::path& path);
    static Tokens parse(std::string_view text, std::string_view source_name);

    bool enabled() const noexcept { return !entries_.empty(); }
    /// The role of an `Authorization: Bearer TOKEN` header value; Role::none when it matches no token.
    Role role_of(std::string_view authorization) const;

private:
    struct Entry {
        Role role;
        std::string token;
    };
    std::vector<Entry> entries_;
};

/// True when a and b are equal; the time taken depends only on their lengths.
bool equal_in_constant_time(std::string_view a, std::string_view b) noexcept;

}  // namespace learnrec::service
