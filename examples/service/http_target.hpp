// learnrec-serve — a request target ("/v1/learners/L%2042/recommendations?k=5&goal=a+b") split into
// the decoded path and the decoded query parameters, in order. Kept apart from the transport so the
// tests pin it down: ids in paths and goals in queries reach the handlers exactly as the client
// meant them, whatever server library reads the bytes.
//
// Percent-escapes are decoded in both; '+' is a space only in the query (form encoding), as
// browsers and curl --data-urlencode send it. A malformed escape ("%zz", a trailing "%") is kept
// as it is rather than refused: the handlers validate what they read and answer 400 naming the field.
// Thread safety: pure functions. Complexity: linear in the target's length.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace learnrec::service::detail {

inline int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// Appends `text` to `out` with %XX escapes decoded (and '+' as a space when `plus_is_space`).
inline void percent_decode_into(std::string_view text, bool plus_is_space, std::string& out) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size()) {
            const int hi = hex_digit(text[i + 1]), lo = hex_digit(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
}

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`).
inline std::string percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    percent_decode_into(text, plus_is_space, out);
    return out;
}

struct Target {
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
};

/// Splits at the first '?', then the query at '&' into key=value pairs (a pair without '=' has an
/// empty value; empty pieces between '&'s are skipped). A fragment ('#...') is not sent by clients.
/// Into `path` and `query` as they are: a server reuses one pair for each request of a connection,
/// and their strings keep their capacity.
inline void split_target_into(std::string_view target, std::string& path,
                              std::vector<std::pair<std::string, std::string>>& query) {
    const auto q = target.find('?');
    path.clear();
    percent_decode_into(target.substr(0, q), false, path);
    std::size_t n = 0;
    std::string_view rest = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view piece = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (piece.empty()) continue;
        if (n == query.size()) query.emplace_back();
        auto& [key, value] = query[n++];
        const auto eq = piece.find('=');
        key.clear();
        value.clear();
        percent_decode_into(piece.substr(0, eq), true, key);
        if (eq != std::string_view::npos) percent_decode_into(piece.substr(eq + 1), true, value);
    }
    query.resize(n);
}

inline Target split_target(std::string_view target) {
    Target t;
    split_target_into(target, t.path, t.query);
    return t;
}

}  // namespace learnrec::service::detail
