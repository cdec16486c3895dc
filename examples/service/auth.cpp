// learnrec-serve — bearer tokens (auth.hpp).
#include "auth.hpp"

#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "learnrec/error.hpp"

namespace learnrec::service {

bool equal_in_constant_time(std::string_view a, std::string_view b) noexcept {
    // Walks the longer length in full; a length mismatch is folded in, never returned early.
    const std::size_t n = std::max(a.size(), b.size());
    unsigned diff = a.size() == b.size() ? 0u : 1u;
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        diff |= static_cast<unsigned>(x ^ y);
    }
    return diff == 0;
}

Tokens Tokens::parse(std::string_view text, std::string_view source_name) {
    Tokens t;
    std::size_t line_no = 0;
    while (!text.empty()) {
        const auto eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        ++line_no;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        if (line.empty() || line.front() == '#') continue;
        const std::string where = fmt::format("{}:{}", source_name, line_no);
        const auto space = line.find_first_of(" \t");
        if (space == std::string_view::npos) LEARNREC_FAIL_AT(where, "expected 'reader TOKEN' or 'admin TOKEN'");
        const std::string_view role = line.substr(0, space);
        std::string_view token = line.substr(space + 1);
        while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
        Entry e;
        if (role == "reader")
            e.role = Role::reader;
        else if (role == "admin")
            e.role = Role::admin;
        else
            LEARNREC_FAIL_AT(where, "unknown role '{}' (expected reader or admin)", role);
        if (token.size() < 16) LEARNREC_FAIL_AT(where, "token shorter than 16 characters");
        if (token.find_first_of(" \t") != std::string_view::npos) LEARNREC_FAIL_AT(where, "token contains whitespace");
        e.token = std::string(token);
        t.entries_.push_back(std::move(e));
    }
    return t;
}

Tokens Tokens::read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) LEARNREC_FAIL_AT(path.string(), "cannot open the tokens file");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Tokens t = parse(text, path.string());
    if (!t.enabled()) LEARNREC_FAIL_AT(path.string(), "no tokens (expected lines 'reader TOKEN' or 'admin TOKEN')");
    return t;
}

Role Tokens::role_of(std::string_view authorization) const {
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() <= scheme.size() || authorization.substr(0, scheme.size()) != scheme) return Role::none;
    const std::string_view given = authorization.substr(scheme.size());
    Role found = Role::none;
    for (const auto& e : entries_)  // no early exit: every token is compared
        if (equal_in_constant_time(given, e.token) && found != Role::admin) found = e.role;
    return found;
}

}  // namespace learnrec::service
