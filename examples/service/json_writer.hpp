// learnrec-serve — JSON answers written straight into the response text.
//
// A recommendation answer built as a nlohmann::json tree first (an allocation per key, value and
// node, then a second pass to print it) cost about as much as the HTTP layer's sockets; here the
// handlers append each key and value to one std::string. Strings that are plain printable ASCII
// (ids, most titles) are copied as they are; any other string goes through nlohmann's serializer,
// which escapes it and replaces invalid UTF-8 (ids come from clients) as detail::dump() does.
// Writing a 10-course answer was still a tenth of the server's CPU per request (issue #15), so the
// plain-ASCII test looks at 8 bytes per step, numbers are formatted with compiled format strings
// into a stack buffer, and text a caller renders itself (a reason's sentence) is appended in place.
// Thread safety: a plain value, one per answer. Complexity: linear in the text written.
#pragma once

#include <cmath>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>

#include <fmt/compile.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace learnrec::service::detail {

class JsonWriter {
public:
    explicit JsonWriter(std::size_t reserve = 0) { out_.reserve(reserve); }

    JsonWriter& begin_object() { return open('{'); }
    JsonWriter& end_object() { return close('}'); }
    JsonWriter& begin_array() { return open('['); }
    JsonWriter& end_array() { return close(']'); }

    /// The key of the next member of the enclosing object.
    JsonWriter& key(std::string_view k) {
        comma();
        quoted(k);
        out_ += ':';
        after_key_ = true;
        return *this;
    }
    /// A string value that `append(std::string&)` writes at the end of the text itself (no
    /// temporary string); escaped afterwards like value() when it is not plain.
    template <class Append>
    JsonWriter& value_appended(Append&& append) {
        comma();
        out_ += '"';
        const auto start = out_.size();
        append(out_);
        if (!plain(std::string_view(out_).substr(start))) {
            const std::string text = out_.substr(start);
            out_.resize(start - 1);
            escaped(text);
            return *this;
        }
        out_ += '"';
        return *this;
    }
    JsonWriter& value(std::string_view s) {
        comma();
        quoted(s);
        return *this;
    }
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
    JsonWriter& value(bool b) {
        comma();
        out_ += b ? "true" : "false";
        return *this;
    }
    template <std::integral I>
        requires(!std::same_as<I, bool>)
    JsonWriter& value(I i) {
        comma();
        const fmt::format_int text(i);
        out_.append(text.data(), text.size());
        return *this;
    }
    /// The shortest text that reads back as the same double; a number always has a fraction or an
    /// exponent (so readers keep it a float); NaN and infinities are null, as in nlohmann::json.
    JsonWriter& value(double d) {
        comma();
        if (!std::isfinite(d)) {
            out_ += "null";
            return *this;
        }
        char text[40];  // the shortest round-trip form of a double is at most 24 characters
        const auto n = static_cast<std::size_t>(fmt::format_to(text, FMT_COMPILE("{}"), d) - text);
        out_.append(text, n);
        if (std::string_view(text, n).find_first_of(".en") == std::string_view::npos) out_ += ".0";
        return *this;
    }
    template <class T>
    JsonWriter& member(std::string_view k, const T& v) {
        key(k);
        return value(v);
    }

    /// Members already written as JSON (`"a":1,"b":2`, e.g. a CourseFragments entry), copied as
    /// they are into the enclosing object.
    JsonWriter& raw_members(std::string_view members) {
        comma();
        out_ += members;
        return *this;
    }

    std::size_t size() const noexcept { return out_.size(); }
    std::string take() { return std::move(out_); }

private:
    JsonWriter& open(char c) {
        comma();
        out_ += c;
        first_ = true;
        return *this;
    }
    JsonWriter& close(char c) {
        out_ += c;
        first_ = false;
        return *this;
    }
    void comma() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (!first_) out_ += ',';
        first_ = false;
    }
    /// No byte needs escaping: none is a control character, DEL, non-ASCII, a quote or a backslash.
    static bool plain(std::string_view s) noexcept {
        constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
        // Exact for words whose bytes are all below 0x80 (checked first): a zero byte of w ^ c*ones
        // is a byte equal to c; a byte below 0x20 borrows into its high bit in w - 0x20*ones.
        const auto zero_byte = [](std::uint64_t x) { return (x - ones) & ~x & highs; };
        std::size_t i = 0;
        for (; i + 8 <= s.size(); i += 8) {
            std::uint64_t w;
            std::memcpy(&w, s.data() + i, 8);
            if ((w & highs) != 0 || ((w - 0x20 * ones) & ~w & highs) != 0 || zero_byte(w ^ ('"' * ones)) != 0 ||
                zero_byte(w ^ ('\\' * ones)) != 0 || zero_byte(w ^ (0x7f * ones)) != 0)
                return false;
        }
        for (; i < s.size(); ++i) {
            const auto c = static_cast<unsigned char>(s[i]);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
        }
        return true;
    }
    void escaped(const std::string& s) {
        out_ += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    void quoted(std::string_view s) {
        if (!plain(s)) return escaped(std::string(s));
        const auto at = out_.size();
        out_.resize(at + s.size() + 2);
        char* p = out_.data() + at;
        p[0] = '"';
        std::memcpy(p + 1, s.data(), s.size());
        p[s.size() + 1] = '"';
    }

    std::string out_;
    bool first_ = true;       // nothing written yet in the current object or array (or at all)
    bool after_key_ = false;  // the next value is a member's, after its key
};

}  // namespace learnrec::service::detail
