// learnrec-serve — shared by the handlers: request errors and the parsing of untrusted fields.
// Every parser either returns a valid value or throws HttpError naming the field at fault.
#pragma once

#include <charconv>
#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "learnrec/data/csv.hpp"
#include "learnrec/types.hpp"

namespace learnrec::service::detail {

/// A request the service refuses: status, the field at fault (may be empty) and why.
struct HttpError {
    int status;
    std::string field;
    std::string message;
};

/// JSON text; invalid UTF-8 (ids come from clients) is replaced rather than throwing.
inline std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

inline std::string error_body(std::string_view message, std::string_view field) {
    nlohmann::json j{{"error", std::string(message)}};
    if (!field.empty()) j["field"] = std::string(field);
    return dump(j);
}

inline const std::string* query_param(const std::vector<std::pair<std::string, std::string>>& query,
                                      std::string_view name) {
    for (const auto& [k, v] : query)
        if (k == name) return &v;
    return nullptr;
}

/// k from text: decimal digits only, in [1, max_k].
inline index_t parse_k_text(std::string_view text, index_t max_k, std::string_view field) {
    index_t k = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), k);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || k < 1 || k > max_k)
        throw HttpError{400, std::string(field), fmt::format("k must be an integer in [1, {}]", max_k)};
    return k;
}

/// `now` as epoch seconds or an ISO-8601 date/time (data/csv.hpp); absent: the clock.
inline timestamp_t parse_now_text(const std::string* text, std::string_view field) {
    if (!text) return static_cast<timestamp_t>(std::time(nullptr));
    const auto t = parse_timestamp(*text);
    if (!t) throw HttpError{400, std::string(field), "now must be a date (YYYY-MM-DD), an ISO-8601 time or epoch seconds"};
    return *t;
}

/// Parses a JSON body whose nesting is at most `max_depth` (checked before parsing, so a hostile
/// body cannot drive the parser or the destructor deep).
inline nlohmann::json parse_body(std::string_view body, int max_depth = 8) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) throw HttpError{400, "body", fmt::format("JSON nested deeper than {}", max_depth)};
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) throw HttpError{400, "body", "the body is not valid JSON"};
    return j;
}

/// An id from JSON: a non-empty string of at most 256 bytes without control characters.
inline std::string id_field(const nlohmann::json& j, const std::string& field) {
    if (!j.is_string()) throw HttpError{400, field, "must be a string"};
    const auto& s = j.get_ref<const std::string&>();
    if (s.empty() || s.size() > 256) throw HttpError{400, field, "must be 1 to 256 characters"};
    for (char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) throw HttpError{400, field, "must not hold control characters"};
    return s;
}

inline std::string string_field(const nlohmann::json& obj, const char* key, const std::string& where) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return {};
    return id_field(*it, where + "." + key);
}

inline std::vector<std::string> string_list(const nlohmann::json& obj, const char* key, const std::string& where,
                                            std::size_t max_items = 64) {
    std::vector<std::string> out;
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return out;
    const std::string field = where + "." + key;
    if (!it->is_array()) throw HttpError{400, field, "must be a list of strings"};
    if (it->size() > max_items) throw HttpError{400, field, fmt::format("at most {} items", max_items)};
    for (std::size_t i = 0; i < it->size(); ++i) out.push_back(id_field((*it)[i], fmt::format("{}[{}]", field, i)));
    return out;
}

}  // namespace learnrec::service::detail
