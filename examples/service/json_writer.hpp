// learnrec-serve — JSON answers written straight into the response text.
//
// A recommendation answer built as a nlohmann::json tree first (an allocation per key, value and
// node, then a second pass to print it) cost about as much as the HTTP layer's sockets; here the
// handlers append each key and value to one std::string. Strings that are plain printable ASCII
// (ids, most titles) are copied as they are; any other string goes through nlohmann's serializer,
// which escapes it and replaces invalid UTF-8 (ids come from clients) as detail::dump() does.
// Thread safety: a plain value, one per answer. Complexity: linear in the text written.
#pragma once

#include <cmath>
#include <concepts>
#include <iterator>
#include <string>
#include <string_view>

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
        fmt::format_to(std::back_inserter(out_), "{}", i);
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
        const auto start = out_.size();
        fmt::format_to(std::back_inserter(out_), "{}", d);
        if (out_.find_first_of(".en", start) == std::string::npos) out_ += ".0";
        return *this;
    }
    template <class T>
    JsonWriter& member(std::string_view k, const T& v) {
        key(k);
        return value(v);
    }

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
    void quoted(std::string_view s) {
        bool plain = true;
        for (const char ch : s) {
            const auto c = static_cast<unsigned char>(ch);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                plain = false;
                break;
            }
        }
        if (plain) {
            out_ += '"';
            out_ += s;
            out_ += '"';
        } else {
            out_ += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        }
    }

    std::string out_;
    bool first_ = true;       // nothing written yet in the current object or array (or at all)
    bool after_key_ = false;  // the next value is a member's, after its key
};

}  // namespace learnrec::service::detail
