// learnrec — internal: reading the sections of a rules file (JSON), shared by the ranking rules
// (src/ranking_files.cpp), the planning section (src/path_rules.cpp) and the allocation section
// (src/allocation_rules.cpp), so that every section checks its keys and values, and words its
// errors ("key 'planning.months' must be an integer, got 1.5"), the same way.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "learnrec/error.hpp"

namespace learnrec::detail {

/// `text` parsed as JSON; throws Error naming `source` when it is not JSON or not an object.
nlohmann::json parse_rules_object(std::string_view text, const std::string& source);

/// settings.validate(), its error re-issued under `source` (the rules file, not the function).
template <class Settings>
void validate_rules(const Settings& settings, const std::string& source) {
    try {
        settings.validate();
    } catch (const Error& e) {
        LEARNREC_FAIL_AT(source, "{}", e.reason());
    }
}

/// Typed readers for the keys of one rules object; every error is Error(source, "key '<path>' ...").
/// Not thread-safe: one reader per parse.
class RulesReader {
public:
    using json = nlohmann::json;
    using Handler = std::function<void(const json& value, const std::string& path)>;

    /// `setting` names what a key is in errors about unknown keys: "a rules setting".
    explicit RulesReader(std::string source, std::string setting = "a rules setting")
        : source_(std::move(source)), setting_(std::move(setting)) {}

    [[noreturn]] void fail(const std::string& key, const std::string& reason) const;

    /// Calls handlers[name](value, path) for each key of `object`, in the object's order; unknown
    /// keys are errors that list the known ones. `prefix` is the object's own key path ("" for the
    /// document).
    void walk(const json& object, const std::string& prefix, const std::map<std::string, Handler>& handlers) const;

    auto boolean(bool& out) const {
        return [this, &out](const json& v, const std::string& path) {
            if (!v.is_boolean()) fail(path, fmt::format("must be true or false, got {}", v.dump()));
            out = v.get<bool>();
        };
    }
    /// An integer in [lo, hi] (by default, every value of Int).
    template <class Int>
    auto integer(Int& out, std::int64_t lo = std::numeric_limits<Int>::min(),
                 std::int64_t hi = std::numeric_limits<Int>::max()) const {
        return [this, &out, lo, hi](const json& v, const std::string& path) {
            if (!v.is_number_integer()) fail(path, fmt::format("must be an integer, got {}", v.dump()));
            const auto x = v.get<std::int64_t>();
            if (x < lo || x > hi) fail(path, fmt::format("value {} is out of range", x));
            out = static_cast<Int>(x);
        };
    }
    template <class Real>
    auto number(Real& out) const {
        return [this, &out](const json& v, const std::string& path) {
            if (!v.is_number()) fail(path, fmt::format("must be a number, got {}", v.dump()));
            out = v.get<Real>();
        };
    }
    /// A string that `parse` turns into an enumerator (or rejects with an Error).
    template <class Enum>
    auto choice(Enum& out, Enum (*parse)(std::string_view)) const {
        return [this, &out, parse](const json& v, const std::string& path) {
            if (!v.is_string()) fail(path, fmt::format("must be a string, got {}", v.dump()));
            try {
                out = parse(v.get<std::string>());
            } catch (const Error& e) {
                fail(path, e.reason());
            }
        };
    }
    template <class F>
    Handler section(F&& f) const {
        return [f = std::forward<F>(f)](const json& v, const std::string& path) { f(v, path); };
    }

private:
    std::string source_;
    std::string setting_;
};

}  // namespace learnrec::detail
