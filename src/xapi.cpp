// learnrec — xAPI statements into typed lifecycle events (data/xapi.hpp).
#include "learnrec/data/xapi.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <regex>
#include <span>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "learnrec/data/csv.hpp"
#include "learnrec/error.hpp"

namespace learnrec {

namespace {

using json = nlohmann::json;

constexpr std::string_view kAdl = "http://adlnet.gov/expapi/verbs/";
constexpr std::string_view kAdlW3id = "https://w3id.org/xapi/adl/verbs/";
constexpr std::string_view kVoided = "http://adlnet.gov/expapi/verbs/voided";
constexpr std::string_view kRated = "http://id.tincanapi.com/verb/rated";
constexpr std::size_t kExamples = 20;
constexpr std::size_t kMaxIriBytes = 4096;     // longer object ids are malformed (and never reach std::regex)
constexpr std::size_t kMaxVerbEntries = 1000;  // distinct unknown IRIs tracked; the rest pooled

struct VerbEntry {
    std::string_view name;
    std::optional<LifecycleKind> kind;
};
constexpr VerbEntry kAdlVerbs[] = {
    {"registered", LifecycleKind::enrolled}, {"launched", LifecycleKind::started},
    {"initialized", LifecycleKind::started}, {"attempted", LifecycleKind::started},
    {"resumed", LifecycleKind::started},     {"progressed", LifecycleKind::started},
    {"completed", LifecycleKind::completed}, {"attended", LifecycleKind::completed},
    {"passed", LifecycleKind::passed},       {"mastered", LifecycleKind::passed},
    {"failed", LifecycleKind::failed},       {"answered", std::nullopt},
    {"asked", std::nullopt},                 {"commented", std::nullopt},
    {"exited", std::nullopt},                {"experienced", std::nullopt},
    {"imported", std::nullopt},              {"interacted", std::nullopt},
    {"preferred", std::nullopt},             {"responded", std::nullopt},
    {"scored", std::nullopt},                {"shared", std::nullopt},
    {"suspended", std::nullopt},             {"terminated", std::nullopt},
    {"voided", std::nullopt},
};
constexpr VerbEntry kW3idVerbs[] = {
    {"abandoned", LifecycleKind::dropped}, {"satisfied", LifecycleKind::completed},
    {"waived", LifecycleKind::completed},  {"logged-in", std::nullopt},
    {"logged-out", std::nullopt},
};

/// A statement's text and where it starts.
struct Chunk {
    std::string_view text;
    std::size_t line;
};

/// Thrown for one malformed statement; becomes an Error or a skipped statement.
struct Malformed {
    std::string reason;
};

/// Nesting depth of a JSON text, scanned without recursion (strings and escapes respected).
int max_nesting(std::string_view s) {
    int depth = 0, deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            deepest = std::max(deepest, ++depth);
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return deepest;
}

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

/// The elements of a top-level JSON array starting at text[pos] == '['. Element boundaries are
/// found by a linear scan (commas at depth 1 outside strings); each element is parsed later on its
/// own, so one bad statement names its own line.
std::vector<Chunk> array_elements(std::string_view text, std::size_t pos, std::size_t line, std::string_view source,
                                  bool trailing_allowed = false) {
    std::vector<Chunk> out;
    ++pos;  // '['
    int depth = 0;
    bool in_string = false;
    std::size_t start = pos, start_line = line;
    bool started = false;
    for (; pos < text.size(); ++pos) {
        const char c = text[pos];
        if (c == '\n') ++line;
        if (in_string) {
            if (c == '\\') {
                if (pos + 1 < text.size() && text[pos + 1] == '\n') ++line;
                ++pos;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (!started && !blank(c) && !(depth == 0 && (c == ',' || c == ']'))) {
            started = true;
            start = pos;
            start_line = line;
        }
        if (c == '"') in_string = true;
        else if (c == '{' || c == '[') ++depth;
        else if ((c == '}' || c == ']') && depth > 0) --depth;
        else if (depth == 0 && (c == ',' || c == ']')) {
            const auto element = trim(text.substr(start, pos - start));
            if (started) out.push_back({element, start_line});
            else if (c == ',') out.push_back({std::string_view(), line});  // an empty element: malformed
            started = false;
            if (c == ']') {
                const auto rest = trim(text.substr(pos + 1));
                if (!rest.empty() && !trailing_allowed)
                    LEARNREC_FAIL_AT(fmt::format("{}:{}", source, line), "text after the closing ']' of the statement array");
                return out;
            }
        }
    }
    LEARNREC_FAIL_AT(fmt::format("{}:{}", source, started ? start_line : line), "the statement array is not closed (truncated file?)");
}

std::string_view string_at(const json& obj, const char* key) {
    const auto it = obj.find(key);
    if (it == obj.end() || !it->is_string()) return {};
    return it->get_ref<const std::string&>();
}

std::string learner_of(const json& st, XapiOptions::ActorKey key) {
    const auto it = st.find("actor");
    if (it == st.end() || !it->is_object()) throw Malformed{"no actor object"};
    const json& actor = *it;
    if (string_at(actor, "objectType") == "Group") throw Malformed{"a Group actor is not a learner"};
    std::string_view account;
    if (const auto a = actor.find("account"); a != actor.end()) {
        if (!a->is_object()) throw Malformed{"actor.account is not an object"};
        account = string_at(*a, "name");
    }
    std::string_view mbox = string_at(actor, "mbox");
    if (!mbox.empty()) {
        if (mbox.substr(0, 7) != "mailto:") throw Malformed{fmt::format("actor.mbox '{}' does not start with mailto:", mbox)};
        mbox.remove_prefix(7);
    }
    std::string_view first = account, second = mbox;
    if (key == XapiOptions::ActorKey::mbox_first) std::swap(first, second);
    for (auto v : {first, second, string_at(actor, "mbox_sha1sum"), string_at(actor, "openid")})
        if (!v.empty()) return std::string(v);
    throw Malformed{"the actor has no account name, mbox, mbox_sha1sum or openid"};
}

timestamp_t time_of(const json& st) {
    for (const char* key : {"timestamp", "stored"}) {
        const std::string_view v = string_at(st, key);
        if (v.empty()) continue;
        if (const auto t = parse_timestamp(v)) return *t;
        throw Malformed{fmt::format("{} '{}' is not an ISO-8601 time", key, v)};
    }
    throw Malformed{"no timestamp (nor stored)"};
}

std::int8_t flag_of(const json& result, const char* key) {
    const auto it = result.find(key);
    if (it == result.end()) return -1;
    if (!it->is_boolean()) throw Malformed{fmt::format("result.{} is not true or false", key)};
    return it->get<bool>() ? 1 : 0;
}

/// result.score.raw, finite, or NaN when absent.
double raw_score(const json& result) {
    const auto s = result.find("score");
    if (s == result.end()) return std::nan("");
    const auto r = s->find("raw");
    if (r == s->end()) return std::nan("");
    if (!r->is_number()) throw Malformed{"result.score.raw is not a number"};
    return r->get<double>();
}

XapiResult result_of(const json& st) {
    XapiResult out;
    const auto it = st.find("result");
    if (it == st.end()) return out;
    if (!it->is_object()) throw Malformed{"result is not an object"};
    const json& r = *it;
    if (const auto s = r.find("score"); s != r.end()) {
        if (!s->is_object()) throw Malformed{"result.score is not an object"};
        if (const auto scaled = s->find("scaled"); scaled != s->end()) {
            const double v = scaled->is_number() ? scaled->get<double>() : std::nan("");
            if (!(v >= -1.0 && v <= 1.0)) throw Malformed{fmt::format("result.score.scaled {} is not in [-1, 1]", scaled->dump())};
            out.score_scaled = static_cast<float>(v);
        }
    }
    out.success = flag_of(r, "success");
    out.completion = flag_of(r, "completion");
    if (const auto d = r.find("duration"); d != r.end()) {
        const auto secs = d->is_string() ? parse_iso8601_duration(d->get_ref<const std::string&>()) : std::nullopt;
        if (!secs) throw Malformed{fmt::format("result.duration {} is not an ISO 8601 duration", d->dump())};
        out.duration_seconds = *secs;
    }
    return out;
}

/// A statement before voiding is applied.
struct Pending {
    std::string id, learner, course;
    LifecycleKind kind;
    timestamp_t time;
    float value;
    XapiResult result;
};

class Reader {
public:
    Reader(std::string_view source, const XapiOptions& options) : source_(source), options_(options) {}

    void statement(const Chunk& chunk) {
        try {
            if (chunk.text.empty()) throw Malformed{"empty statement"};
            if (chunk.text.size() > options_.max_statement_bytes)
                throw Malformed{fmt::format("statement of {} bytes exceeds the limit of {}", chunk.text.size(),
                                            options_.max_statement_bytes)};
            if (max_nesting(chunk.text) > options_.max_depth)
                throw Malformed{fmt::format("JSON nested deeper than {} levels", options_.max_depth)};
            json st;
            try {
                st = json::parse(chunk.text);
            } catch (const json::exception& e) {
                throw Malformed{fmt::format("not JSON ({})", e.what())};
            }
            if (!st.is_object()) throw Malformed{"a statement must be a JSON object"};
            if (const auto list = st.find("statements"); list != st.end() && st.find("verb") == st.end()) {
                // An LRS response on one line: its statements, each re-checked.
                if (!list->is_array()) throw Malformed{"'statements' is not an array"};
                for (const auto& inner : *list) {
                    const std::string text = inner.dump();
                    statement({text, chunk.line});
                }
                return;
            }
            convert(st);
        } catch (const Malformed& m) {
            const std::string where = fmt::format("{}:{}", source_, chunk.line);
            if (!options_.skip_malformed) LEARNREC_FAIL_AT(where, "{}", m.reason);
            ++stats_.malformed;
            if (stats_.malformed_examples.size() < kExamples)
                stats_.malformed_examples.push_back(fmt::format("{}: {}", where, m.reason));
        }
    }

    XapiLog finish() {
        XapiLog out;
        for (auto& p : pending_) {
            if (!p.id.empty() && voided_.contains(p.id)) {
                ++stats_.voided;
                continue;
            }
            add_event(out.log, p.learner, p.course, p.kind, p.time, p.kind == LifecycleKind::rated ? p.value : std::nanf(""),
                      source_);
            out.results.push_back(p.result);
            out.statement_ids.push_back(std::move(p.id));
        }
        for (const auto& id : voided_)
            if (!seen_ids_.contains(id)) ++stats_.unmatched_voids;
        stats_.events = out.log.events.size();
        out.stats = std::move(stats_);
        return out;
    }

private:
    void count(std::map<std::string, std::size_t>& counts, std::string_view iri) {
        if (counts.size() < kMaxVerbEntries || counts.contains(std::string(iri))) ++counts[std::string(iri)];
        else ++counts["(other)"];
    }

    void convert(const json& st) {
        const auto verb = st.find("verb");
        if (verb == st.end() || !verb->is_object()) throw Malformed{"no verb object"};
        const std::string_view verb_id = string_at(*verb, "id");
        if (verb_id.empty()) throw Malformed{"verb.id is missing"};
        const auto object = st.find("object");
        if (object == st.end() || !object->is_object()) throw Malformed{"no object"};
        const std::string_view object_id = string_at(*object, "id");
        if (object_id.empty()) throw Malformed{"object.id is missing"};
        if (object_id.size() > kMaxIriBytes) throw Malformed{"object.id is longer than 4096 bytes"};
        const std::string_view object_type = string_at(*object, "objectType");
        std::string id(string_at(st, "id"));
        if (const auto v = st.find("id"); v != st.end() && !v->is_string()) throw Malformed{"id is not a string"};
        // Every statement is checked alike, whatever its verb: a voided one must have been valid.
        std::string learner = learner_of(st, options_.actor_key);
        const timestamp_t time = time_of(st);
        XapiResult result = result_of(st);
        ++stats_.statements;
        if (!id.empty() && !seen_ids_.insert(id).second) {
            ++stats_.duplicate_ids;
            return;
        }
        if (verb_id == kVoided) {
            if (object_type != "StatementRef") throw Malformed{"a voided statement's object must be a StatementRef"};
            ++stats_.voiding;
            voided_.insert(std::string(object_id));
            return;
        }
        bool known = false;
        std::optional<LifecycleKind> kind = xapi_verb_kind(verb_id, options_, known);
        if (!known) {
            count(stats_.unknown_verbs, verb_id);
            return;
        }
        if (!kind) {
            count(stats_.ignored_verbs, verb_id);
            return;
        }
        if (object_type == "StatementRef" || object_type == "SubStatement" || object_type == "Agent" ||
            object_type == "Group")
            throw Malformed{fmt::format("a '{}' statement about a {} is not about a course", verb_id, object_type)};
        float value = 0.0f;
        if (*kind == LifecycleKind::rated) {
            const double raw = st.contains("result") ? raw_score(st["result"]) : std::nan("");
            if (!(raw >= 1.0 && raw <= 5.0)) throw Malformed{"a rated statement needs result.score.raw in [1, 5]"};
            value = static_cast<float>(raw);
        }
        if (*kind == LifecycleKind::started && result.completion == 1) kind = LifecycleKind::completed;
        if (*kind == LifecycleKind::completed && result.success >= 0)
            kind = result.success ? LifecycleKind::passed : LifecycleKind::failed;
        auto course = course_of(st, object_id);
        if (!course) {
            ++stats_.unmapped_objects;
            if (stats_.unmapped_examples.size() < kExamples) stats_.unmapped_examples.emplace_back(object_id);
            return;
        }
        pending_.push_back({std::move(id), std::move(learner), std::move(*course), *kind, time, value, result});
    }

    std::optional<std::string> course_of(const json& st, std::string_view object_id) const {
        const auto& table = options_.courses.table;
        if (auto it = table.find(std::string(object_id)); it != table.end()) return it->second;
        if (!table.empty()) {
            const auto ctx = st.find("context");
            if (ctx != st.end() && ctx->is_object()) {
                const auto acts = ctx->find("contextActivities");
                if (acts != ctx->end() && acts->is_object())
                    for (const char* key : {"parent", "grouping"}) {
                        const auto list = acts->find(key);
                        if (list == acts->end()) continue;
                        // A single activity is allowed in place of a list (xAPI 1.0.0).
                        const json one = list->is_array() ? *list : json::array({*list});
                        for (const auto& a : one)
                            if (a.is_object())
                                if (auto it = table.find(std::string(string_at(a, "id"))); it != table.end())
                                    return it->second;
                    }
            }
        }
        try {
            return options_.courses.course_of(object_id);
        } catch (const Error& e) {
            throw Malformed{e.reason()};
        }
    }

    std::string source_;
    const XapiOptions& options_;
    XapiStats stats_;
    std::vector<Pending> pending_;
    std::unordered_set<std::string> seen_ids_, voided_;
};

}  // namespace

std::optional<LifecycleKind> xapi_verb_kind(std::string_view iri, const XapiOptions& options, bool& known) {
    known = true;
    if (auto it = options.verbs.find(std::string(iri)); it != options.verbs.end()) return it->second;
    if (iri == kRated) return LifecycleKind::rated;
    const auto lookup = [&](std::string_view prefix, std::span<const VerbEntry> table) -> const VerbEntry* {
        if (iri.substr(0, prefix.size()) != prefix) return nullptr;
        const auto name = iri.substr(prefix.size());
        for (const auto& e : table)
            if (e.name == name) return &e;
        return nullptr;
    };
    if (const VerbEntry* e = lookup(kAdl, kAdlVerbs)) return e->kind;
    if (const VerbEntry* e = lookup(kAdlW3id, kW3idVerbs)) return e->kind;
    known = false;
    return std::nullopt;
}

std::optional<std::string> XapiCourseMap::course_of(std::string_view iri) const {
    if (auto it = table.find(std::string(iri)); it != table.end()) return it->second;
    switch (rule) {
        case Rule::table_only: return std::nullopt;
        case Rule::last_segment: {
            std::string_view s = iri.substr(0, iri.find('?'));
            while (!s.empty() && s.back() == '/') s.remove_suffix(1);
            const auto cut = s.find_last_of("/#:");
            s = cut == std::string_view::npos ? s : s.substr(cut + 1);
            if (s.empty()) return std::nullopt;
            return std::string(s);
        }
        case Rule::regex: {
            std::regex re;
            try {
                re = std::regex(pattern, std::regex::ECMAScript);
            } catch (const std::regex_error& e) {
                LEARNREC_FAIL("xAPI course pattern '{}' is not a valid regular expression ({})", pattern, e.what());
            }
            std::match_results<std::string_view::const_iterator> m;
            if (!std::regex_search(iri.begin(), iri.end(), m, re)) return std::nullopt;
            const auto& g = m.size() > 1 && m[1].matched ? m[1] : m[0];
            if (g.length() == 0) return std::nullopt;
            return std::string(g.first, g.second);
        }
    }
    return std::nullopt;
}

void read_xapi_course_map_csv(const std::filesystem::path& path, XapiCourseMap& map) {
    const std::string text = read_text_file(path);
    CsvReader reader(text, path.string());
    std::vector<std::string> fields;
    if (!reader.next_record(fields)) LEARNREC_FAIL_AT(reader.where(), "empty file; expected object_iri,course_id");
    const auto cols = resolve_csv_columns(fields, {"object_iri", "course_id"}, {}, {}, reader.where());
    while (reader.next_record(fields)) {
        if (fields.size() != cols.count)
            LEARNREC_FAIL_AT(reader.where(), "expected {} fields as in the header, got {}", cols.count, fields.size());
        const std::string iri(trim_csv_blank(fields[cols.required[0]]));
        const std::string course(trim_csv_blank(fields[cols.required[1]]));
        if (iri.empty() || course.empty()) LEARNREC_FAIL_AT(reader.where(), "empty object_iri or course_id");
        auto [it, inserted] = map.table.emplace(iri, course);
        if (!inserted && it->second != course)
            LEARNREC_FAIL_AT(reader.where(), "object '{}' mapped to both '{}' and '{}'", iri, it->second, course);
    }
}

std::optional<double> parse_iso8601_duration(std::string_view s) {
    if (s.size() < 3 || s.size() > 64 || s[0] != 'P') return std::nullopt;
    double total = 0.0;
    bool time_part = false, any = false;
    std::size_t i = 1;
    const std::string_view date_units = "YMWD", time_units = "HMS";
    std::size_t last_unit = 0;  // units must come in order
    while (i < s.size()) {
        if (s[i] == 'T') {
            if (time_part) return std::nullopt;
            time_part = true;
            last_unit = 0;
            ++i;
            if (i == s.size()) return std::nullopt;
            continue;
        }
        std::size_t j = i;
        while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.' || s[j] == ',')) ++j;
        if (j == i || j == s.size()) return std::nullopt;
        std::string number(s.substr(i, j - i));
        std::replace(number.begin(), number.end(), ',', '.');
        if (std::count(number.begin(), number.end(), '.') > 1 || number.front() == '.' || number.back() == '.')
            return std::nullopt;
        const double v = std::strtod(number.c_str(), nullptr);
        const std::string_view units = time_part ? time_units : date_units;
        const auto u = units.find(s[j]);
        if (u == std::string_view::npos || u + 1 <= last_unit) return std::nullopt;
        last_unit = u + 1;
        static constexpr double date_seconds[] = {365.0 * 86400, 30.0 * 86400, 7.0 * 86400, 86400.0};
        static constexpr double time_seconds[] = {3600.0, 60.0, 1.0};
        total += v * (time_part ? time_seconds[u] : date_seconds[u]);
        any = true;
        i = j + 1;
    }
    if (!any || !std::isfinite(total)) return std::nullopt;
    return total;
}

XapiLog parse_xapi(std::string_view text, std::string_view source_name, const XapiOptions& options) {
    LEARNREC_CHECK(options.max_depth >= 3, "max_depth must be at least 3 (a statement nests 3 levels), got {}",
                   options.max_depth);
    LEARNREC_CHECK(options.max_statement_bytes > 0, "max_statement_bytes must be positive");
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    Reader reader(source_name, options);
    std::size_t pos = 0, line = 1;
    while (pos < text.size() && blank(text[pos])) line += text[pos++] == '\n';
    if (pos < text.size() && text[pos] == '[') {
        for (const auto& chunk : array_elements(text, pos, line, source_name)) reader.statement(chunk);
        return reader.finish();
    }
    // JSON Lines; a whole-file LRS response ({"statements": [...]} over several lines) is one value.
    if (pos < text.size() && text[pos] == '{') {
        const auto first_end = text.find('\n', pos);
        const auto first = trim(text.substr(pos, first_end == std::string_view::npos ? text.npos : first_end - pos));
        if (first == "{" || (first.find("\"statements\"") != std::string_view::npos && !first.ends_with("}"))) {
            // A pretty-printed LRS response: its statements array element by element, so the size
            // limit applies per statement and errors name each statement's line.
            const auto key = text.find("\"statements\"", pos);
            const auto bracket = key == std::string_view::npos ? key : text.find_first_not_of(" \t\r\n:", key + 12);
            if (bracket != std::string_view::npos && text[bracket] == '[') {
                const auto lines = static_cast<std::size_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(pos),
                                                                       text.begin() + static_cast<std::ptrdiff_t>(bracket), '\n'));
                for (const auto& chunk : array_elements(text, bracket, line + lines, source_name, true))
                    reader.statement(chunk);
                return reader.finish();
            }
            reader.statement({trim(text.substr(pos)), line});
            return reader.finish();
        }
    }
    std::size_t start = 0;
    line = 1;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        const auto row = trim(text.substr(start, end - start));
        if (!row.empty()) reader.statement({row, line});
        start = end + 1;
        ++line;
    }
    return reader.finish();
}

XapiLog read_xapi(const std::filesystem::path& path, const XapiOptions& options) {
    const std::string text = read_text_file(path);
    return parse_xapi(text, path.string(), options);
}

bool looks_like_xapi(const std::filesystem::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".json" || ext == ".jsonl" || ext == ".ndjson") return true;
    if (ext == ".csv" || ext == ".tsv") return false;
    std::ifstream in(path, std::ios::binary);
    char buffer[4096];
    in.read(buffer, sizeof buffer);
    std::string_view head(buffer, static_cast<std::size_t>(in.gcount()));
    if (head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
    head = trim(head);
    return !head.empty() && (head.front() == '{' || head.front() == '[');
}

std::string XapiStats::summary() const {
    std::string out = fmt::format("{} statements, {} events; {} voiding statements removed {} ({} named no statement "
                                  "here); {} duplicate ids; {} unmapped objects; {} malformed skipped",
                                  statements, events, voiding, voided, unmatched_voids, duplicate_ids, unmapped_objects,
                                  malformed);
    auto list = [&](const char* what, const std::map<std::string, std::size_t>& counts) {
        if (counts.empty()) return;
        out += fmt::format("; {}:", what);
        for (const auto& [iri, n] : counts) out += fmt::format(" {} x{}", iri, n);
    };
    list("unknown verbs", unknown_verbs);
    list("verbs without lifecycle meaning", ignored_verbs);
    for (const auto& m : malformed_examples) out += "\n  malformed: " + m;
    return out;
}

}  // namespace learnrec
