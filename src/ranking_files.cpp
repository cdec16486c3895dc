// learnrec ranking — reading rules (JSON) and catalogue files (CSV); formats in ranking/files.hpp.
#include "learnrec/ranking/files.hpp"

#include <charconv>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "learnrec/data/csv.hpp"
#include "learnrec/error.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "csv_fields.hpp"
#include "rules_reader.hpp"

namespace learnrec::ranking {

// ---- rules ----------------------------------------------------------------------------------------

using json = nlohmann::json;
using detail::RulesReader;

RankingRules parse_rules_json(std::string_view text, std::string_view source_name) {
    const std::string source(source_name);
    const json doc = detail::parse_rules_object(text, source);
    RankingRules r;
    RulesReader in(source);
    in.walk(doc, "",
            {{"k", in.integer(r.k)},
             {"num_threads", in.integer(r.num_threads)},
             {"min_score", in.number(r.min_score)},
             // Read by campaign/rules.hpp; one rules file serves `recommend` and `push`.
             {"campaign", [](const json&, const std::string&) {}},
             // Read by path/rules.hpp (`learnrec plan`).
             {"planning", [](const json&, const std::string&) {}},
             {"lifecycle", in.section([&](const json& v, const std::string& p) {
                  in.walk(v, p,
                          {{"exclude_in_progress", in.boolean(r.exclude_in_progress)},
                           {"exclude_dropped", in.boolean(r.exclude_dropped)},
                           {"renewal_days", in.integer(r.renewal_days)}});
              })},
             {"obligations", in.section([&](const json& v, const std::string& p) {
                  in.walk(
                      v, p,
                      {{"enabled", in.boolean(r.obligations)}, {"window_days", in.integer(r.obligation_window_days)}});
              })},
             {"skills", in.section([&](const json& v, const std::string& p) {
                  in.walk(v, p, {{"gap_boost", in.number(r.gap_boost)}});
              })},
             {"prerequisites", in.section([&](const json& v, const std::string& p) {
                  in.walk(v, p, {{"mode", in.choice(r.prerequisites, &parse_prerequisite_mode)}});
              })},
             {"eligibility", in.section([&](const json& v, const std::string& p) {
                  in.walk(v, p,
                          {{"language", in.boolean(r.match_language)},
                           {"format", in.boolean(r.match_format)},
                           {"region", in.boolean(r.match_region)},
                           {"sessions", in.boolean(r.require_session)},
                           {"session_horizon_days", in.integer(r.session_horizon_days)}});
              })},
             {"diversity", in.section([&](const json& v, const std::string& p) {
                  in.walk(v, p,
                          {{"lambda", in.number(r.mmr_lambda)},
                           {"source", in.choice(r.diversity_source, &parse_diversity_source)},
                           {"pool", in.integer(r.mmr_pool)}});
              })},
             {"explanations", in.section([&](const json& v, const std::string& p) {
                  in.walk(v, p,
                          {{"enabled", in.boolean(r.explain)},
                           {"similarity_threshold", in.number(r.similarity_threshold)},
                           {"popular_top", in.integer(r.popular_top)}});
              })},
             {"goals", in.section([&](const json& v, const std::string& p) {
                  in.walk(v, p, {{"weight", in.number(r.goal_weight)}});
              })}});
    detail::validate_rules(r, source);
    return r;
}

RankingRules read_rules_json(const std::filesystem::path& path) {
    const std::string text = read_text_file(path);
    return parse_rules_json(text, path.string());
}

// ---- catalogue ------------------------------------------------------------------------------------

namespace {

/// One CSV file: columns resolved by name, a callback per record with typed accessors.
class Table {
public:
    /// `aliases`: (other name, name) pairs; a column named `other name` is read as `name` (the
    /// academy export's spelling), unless the file also has `name`. `ignored`: columns allowed
    /// and skipped.
    Table(const std::filesystem::path& path, char delimiter, std::vector<std::string_view> required,
          std::vector<std::string_view> optional,
          std::vector<std::pair<std::string_view, std::string_view>> aliases = {},
          std::vector<std::string> ignored = {})
        : text_(read_text_file(path)),
          reader_(text_, path.string(), delimiter),
          required_(std::move(required)),
          optional_(std::move(optional)) {
        if (!reader_.next_record(fields_))
            LEARNREC_FAIL_AT(fmt::format("{}:1", path.string()), "empty file: a header line is required");
        for (const auto& [alias, name] : aliases) {
            auto named = [&](std::string_view n) {
                return std::find_if(fields_.begin(), fields_.end(),
                                    [&](const std::string& f) { return trim_csv_blank(f) == n; });
            };
            if (auto it = named(alias); it != fields_.end() && named(name) == fields_.end()) *it = std::string(name);
        }
        cols_ = resolve_csv_columns(fields_, required_, optional_, ignored, reader_.where());
    }

    template <class F>
    void for_each(F&& f) {
        while (reader_.next_record(fields_)) {
            if (fields_.size() != cols_.count)
                LEARNREC_FAIL_AT(reader_.where(), "{} fields, expected {} as in the header", fields_.size(), cols_.count);
            f();
        }
    }

    std::string where() const { return reader_.where(); }
    std::string_view get(std::string_view name) const {
        for (std::size_t k = 0; k < required_.size(); ++k)
            if (required_[k] == name) return field(cols_.required[k]);
        for (std::size_t k = 0; k < optional_.size(); ++k)
            if (optional_[k] == name) return cols_.optional[k] ? field(*cols_.optional[k]) : std::string_view{};
        return {};
    }
    bool has(std::string_view name) const {
        for (std::size_t k = 0; k < optional_.size(); ++k)
            if (optional_[k] == name) return cols_.optional[k].has_value();
        return true;
    }
    std::string text(std::string_view name) const { return std::string(get(name)); }
    std::string id(std::string_view name) const {
        const auto v = get(name);
        if (v.empty()) LEARNREC_FAIL_AT(where(), "empty {}", name);
        return std::string(v);
    }
    int integer(std::string_view name, int min) const {
        const auto v = trim_csv_blank(get(name));
        int x = 0;
        const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
        if (v.empty() || ec != std::errc() || ptr != v.data() + v.size())
            LEARNREC_FAIL_AT(where(), "{} '{}' is not an integer", name, get(name));
        if (x < min) LEARNREC_FAIL_AT(where(), "{} {} is below {}", name, x, min);
        return x;
    }
    timestamp_t time(std::string_view name) const { return parse_csv_timestamp(get(name), name, where()); }
    std::vector<std::string> list(std::string_view name) const { return learnrec::detail::split_csv_list(get(name)); }

    /// "python:2;sql:1" (the academy's skill lists).
    template <class T>
    std::vector<T> skills(std::string_view name) const {
        return learnrec::detail::parse_skill_levels<T>(get(name), name, where());
    }

private:
    std::string_view field(std::size_t i) const { return learnrec::detail::csv_value(reader_, fields_, i); }

    std::string text_;
    CsvReader reader_;
    std::vector<std::string_view> required_, optional_;
    std::vector<std::string> fields_;
    CsvColumns cols_;
};

std::optional<index_t> lookup(const IdMap& ids, const std::string& id, bool allow_unknown, const char* what,
                              const Table& t, std::size_t& skipped) {
    if (auto i = ids.find(id)) return *i;
    if (allow_unknown) {
        ++skipped;
        return std::nullopt;
    }
    LEARNREC_FAIL_AT(t.where(), "unknown {} '{}' (not in the model's {}s)", what, id, what);
}

/// One row per entry: fill(entries[i]) for each row of `t` whose index() is i (rows it skips are
/// not filled); a second row for the same entry is an error naming `what` and the entry's id.
template <class Entry, class Index, class Fill>
void fill_each_once(Table& t, std::vector<Entry>& entries, const char* what, Index&& index, Fill&& fill) {
    std::vector<std::uint8_t> seen(entries.size(), 0);
    t.for_each([&] {
        const auto i = index();
        if (!i) return;
        auto& entry = entries[static_cast<std::size_t>(*i)];
        if (seen[static_cast<std::size_t>(*i)]++)
            LEARNREC_FAIL_AT(t.where(), "{} '{}' listed twice", what, entry.id);
        fill(entry);
    });
}

}  // namespace

CatalogueData read_catalogue_dir(const std::filesystem::path& dir, const IdMap& courses, const IdMap& learners,
                                 const CatalogueOptions& options) {
    LEARNREC_CHECK(std::filesystem::is_directory(dir), "catalogue directory '{}' does not exist", dir.string());
    CatalogueData out;
    auto& cat = out.catalogue;
    cat.courses.resize(static_cast<std::size_t>(courses.size()));
    for (index_t c = 0; c < courses.size(); ++c) cat.courses[static_cast<std::size_t>(c)].id = courses.id(c);
    const char d = options.delimiter;
    auto course = [&](const Table& t, std::string_view column) {
        return lookup(courses, t.id(column), options.allow_unknown_courses, "course", t, out.skipped_rows);
    };
    auto learner = [&](const Table& t) {
        return lookup(learners, t.id("learner_id"), options.allow_unknown_learners, "learner", t, out.skipped_rows);
    };

    if (auto p = dir / "courses.csv"; std::filesystem::exists(p)) {
        Table t(p, d, {"course_id"},
                {"title", "topic", "format", "languages", "regions", "validity_months", "skills", "description"},
                {{"id", "course_id"}, {"language", "languages"}},
                {"level", "duration_hours", "provider", "has_exam", "released"});
        fill_each_once(t, cat.courses, "course", [&] { return course(t, "course_id"); }, [&](CourseFacts& f) {
            f.title = t.text("title");
            f.topic = t.text("topic");
            f.format = t.text("format");
            f.languages = t.list("languages");
            f.regions = t.list("regions");
            if (t.has("validity_months")) f.validity_months = t.integer("validity_months", 0);
            if (t.has("skills")) f.skills = t.skills<CourseSkill>("skills");
            f.description = t.text("description");
        });
    }
    if (auto p = dir / "course_skills.csv"; std::filesystem::exists(p)) {
        Table t(p, d, {"course_id", "skill", "level"}, {});
        t.for_each([&] {
            const auto c = course(t, "course_id");
            const auto level = t.integer("level", 1);
            if (c) cat.courses[static_cast<std::size_t>(*c)].skills.push_back({t.id("skill"), level});
        });
    }
    if (auto p = dir / "prerequisites.csv"; std::filesystem::exists(p)) {
        Table t(p, d, {"course_id", "requires_course_id"}, {});
        t.for_each([&] {
            const auto c = course(t, "course_id");
            const auto r = course(t, "requires_course_id");
            if (c && r) {
                if (*c == *r) LEARNREC_FAIL_AT(t.where(), "course '{}' requires itself", courses.id(*c));
                cat.prerequisites.push_back({*c, *r});
            }
        });
    }
    if (auto p = dir / "sessions.csv"; std::filesystem::exists(p)) {
        Table t(p, d, {"course_id", "start", "end"}, {"location", "capacity", "session_id"}, {{"country", "location"}});
        std::unordered_set<std::string> session_ids;
        t.for_each([&] {
            const auto c = course(t, "course_id");
            Session s{c.value_or(-1), t.time("start"), t.time("end"), t.text("location"),
                      t.has("capacity") ? t.integer("capacity", 0) : 1, t.text("session_id")};
            if (s.end < s.start) LEARNREC_FAIL_AT(t.where(), "the session ends before it starts");
            if (!s.id.empty() && !session_ids.insert(s.id).second)
                LEARNREC_FAIL_AT(t.where(), "session '{}' listed twice", s.id);
            if (c) cat.sessions.push_back(std::move(s));
        });
    }
    if (auto p = dir / "obligations.csv"; std::filesystem::exists(p)) {
        Table t(p, d, {"course_id", "scope", "due"}, {"value"});
        t.for_each([&] {
            const auto c = course(t, "course_id");
            Obligation o{c.value_or(-1), ObligationScope::all, t.text("value"), t.time("due")};
            try {
                o.scope = parse_obligation_scope(t.get("scope"));
            } catch (const Error& e) {
                LEARNREC_FAIL_AT(t.where(), "{}", e.reason());
            }
            if (o.scope != ObligationScope::all && o.value.empty())
                LEARNREC_FAIL_AT(t.where(), "scope '{}' needs a value (which {})", to_string(o.scope), to_string(o.scope));
            if (o.scope == ObligationScope::learner && !learners.find(o.value)) {
                if (!options.allow_unknown_learners)
                    LEARNREC_FAIL_AT(t.where(), "unknown learner '{}' (not in the model's learners)", o.value);
                if (c) ++out.skipped_rows;
                return;
            }
            if (c) cat.obligations.push_back(std::move(o));
        });
    }
    const auto learners_file = dir / "learners.csv";
    const auto goals_file = dir / "learner_skills.csv";
    if (std::filesystem::exists(learners_file) || std::filesystem::exists(goals_file)) {
        out.learners.resize(static_cast<std::size_t>(learners.size()));
        for (index_t l = 0; l < learners.size(); ++l) out.learners[static_cast<std::size_t>(l)].id = learners.id(l);
    }
    if (std::filesystem::exists(learners_file)) {
        Table t(learners_file, d, {"learner_id"},
                {"role", "department", "country", "region", "languages", "formats", "target_skills", "goal", "mobility"},
                {{"id", "learner_id"}, {"language", "languages"}}, {"seniority", "manager_id"});
        fill_each_once(t, out.learners, "learner", [&] { return learner(t); }, [&](LearnerFacts& f) {
            f.role = t.text("role");
            f.department = t.text("department");
            f.country = t.text("country");
            f.region = t.text("region");
            f.languages = t.list("languages");
            f.formats = t.list("formats");
            if (t.has("target_skills")) f.target_skills = t.skills<SkillGoal>("target_skills");
            f.goal = t.text("goal");
            f.mobility = t.list("mobility");
        });
    }
    if (std::filesystem::exists(goals_file)) {
        // current_level is the planner's (path/inputs.hpp); `target_level` is the review's spelling.
        Table t(goals_file, d, {"learner_id", "skill", "level"}, {}, {{"target_level", "level"}}, {"current_level"});
        // learners.csv may already name a target (the academy writes both): the same level agrees.
        std::vector<std::size_t> from_profile(out.learners.size());
        for (std::size_t l = 0; l < out.learners.size(); ++l) from_profile[l] = out.learners[l].target_skills.size();
        t.for_each([&] {
            const auto l = learner(t);
            const auto level = t.integer("level", 1);
            if (!l) return;
            auto& goals = out.learners[static_cast<std::size_t>(*l)].target_skills;
            const std::string skill = t.id("skill");
            for (std::size_t g = 0; g < goals.size(); ++g)
                if (goals[g].skill == skill) {
                    if (g < from_profile[static_cast<std::size_t>(*l)] && goals[g].level == level) return;
                    LEARNREC_FAIL_AT(t.where(), "learner '{}' targets skill '{}' twice", t.text("learner_id"), skill);
                }
            goals.push_back({skill, level});
        });
    }
    try {
        cat.validate();
    } catch (const Error& e) {
        LEARNREC_FAIL_AT(dir.string(), "{}", e.reason());
    }
    return out;
}

std::string derived_session_id(const Catalogue& catalogue, std::size_t s) {
    const auto& x = catalogue.sessions.at(s);
    if (!x.id.empty()) return x.id;
    const std::string day = format_date(x.start);
    int nth = 1;
    for (std::size_t k = 0; k < s; ++k) {
        const auto& y = catalogue.sessions[k];
        if (y.course == x.course && y.id.empty() && format_date(y.start) == day) ++nth;
    }
    const std::string base = fmt::format("{}@{}", catalogue.course_name(x.course), day);
    return nth == 1 ? base : fmt::format("{}#{}", base, nth);
}

}  // namespace learnrec::ranking
