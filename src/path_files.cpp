// learnrec path — reading the planner's inputs from a catalogue directory (path/inputs.hpp).
#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "learnrec/data/csv.hpp"
#include "learnrec/error.hpp"
#include "learnrec/path/inputs.hpp"
#include "learnrec/ranking/files.hpp"

namespace learnrec::path {
namespace {

/// A CSV file read by column name; columns not asked for are allowed (the files carry others).
class Rows {
public:
    explicit Rows(const std::filesystem::path& path)
        : text_(read_text_file(path)), reader_(text_, path.filename().string()) {
        if (!reader_.next_record(header_))
            LEARNREC_FAIL_AT(fmt::format("{}:1", path.filename().string()), "empty file: a header line is required");
        for (auto& h : header_) h = std::string(trim_csv_blank(h));
    }
    std::optional<std::size_t> column(std::initializer_list<std::string_view> names) const {
        for (auto name : names)
            for (std::size_t i = 0; i < header_.size(); ++i)
                if (header_[i] == name) return i;
        return std::nullopt;
    }
    std::size_t required(std::initializer_list<std::string_view> names) const {
        if (auto c = column(names)) return *c;
        LEARNREC_FAIL_AT(fmt::format("{}:1", reader_.source_name()), "missing column '{}'", *names.begin());
    }
    bool next() {
        if (!reader_.next_record(fields_)) return false;
        if (fields_.size() != header_.size())
            LEARNREC_FAIL_AT(reader_.where(), "{} fields, expected {} as in the header", fields_.size(), header_.size());
        return true;
    }
    std::string text(std::size_t c) const { return std::string(trim_csv_blank(fields_[c])); }
    std::string id(std::size_t c) const {
        auto v = text(c);
        if (v.empty()) LEARNREC_FAIL_AT(where(), "empty {}", header_[c]);
        return v;
    }
    int integer(std::size_t c, int min) const {
        const auto v = text(c);
        int x = 0;
        const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
        if (v.empty() || ec != std::errc() || ptr != v.data() + v.size())
            LEARNREC_FAIL_AT(where(), "{} '{}' is not an integer", header_[c], v);
        if (x < min) LEARNREC_FAIL_AT(where(), "{} {} is below {}", header_[c], x, min);
        return x;
    }
    std::string where() const { return reader_.where(); }

private:
    std::string text_;
    CsvReader reader_;
    std::vector<std::string> header_, fields_;
};

IdMap ids_of(const std::filesystem::path& path, std::initializer_list<std::string_view> names) {
    IdMap ids;
    if (!std::filesystem::exists(path)) return ids;
    Rows rows(path);
    const auto c = rows.required(names);
    while (rows.next()) {
        const auto id = rows.id(c);
        if (ids.find(id)) LEARNREC_FAIL_AT(rows.where(), "'{}' listed twice", id);
        ids.insert(id);
    }
    return ids;
}

}  // namespace

PlanningData read_planning_dir(const std::filesystem::path& dir) {
    LEARNREC_CHECK(std::filesystem::is_directory(dir), "catalogue directory '{}' does not exist", dir.string());
    PlanningData out;
    LEARNREC_CHECK(std::filesystem::exists(dir / "courses.csv"), "{}: courses.csv is required to plan",
                   dir.string());
    out.courses = ids_of(dir / "courses.csv", {"course_id", "id"});
    out.learners = ids_of(dir / "learners.csv", {"learner_id", "id"});
    auto cat = ranking::read_catalogue_dir(dir, out.courses, out.learners);
    out.catalogue = std::move(cat.catalogue);
    out.learner_facts = std::move(cat.learners);
    if (std::filesystem::exists(dir / "skill_synonyms.csv"))
        out.vocabulary = text::read_skill_vocabulary_csv(dir / "skill_synonyms.csv");
    if (out.learner_facts.empty())
        for (index_t l = 0; l < out.learners.size(); ++l) {
            out.learner_facts.emplace_back();
            out.learner_facts.back().id = out.learners.id(l);
        }

    {
        Rows rows(dir / "courses.csv");
        const auto id = rows.required({"course_id", "id"});
        const auto hours = rows.required({"duration_hours", "hours"});
        out.course_hours.assign(static_cast<std::size_t>(out.courses.size()), 0.0f);
        while (rows.next()) {
            const float h = parse_csv_float(rows.text(hours), "duration_hours", rows.where());
            if (!(h > 0.0f)) LEARNREC_FAIL_AT(rows.where(), "duration_hours {} must be > 0", h);
            out.course_hours[static_cast<std::size_t>(*out.courses.find(rows.id(id)))] = h;
        }
    }

    // Targets: the review's (learners.csv / learner_skills.csv, as the ranking reads them), with
    // current levels from learner_skills.csv.
    out.targets.resize(static_cast<std::size_t>(out.learners.size()));
    for (std::size_t l = 0; l < out.learner_facts.size(); ++l)
        for (const auto& g : out.learner_facts[l].target_skills) out.targets[l].push_back({g.skill, 0, g.level});
    if (auto p = dir / "learner_skills.csv"; std::filesystem::exists(p)) {
        Rows rows(p);
        const auto lc = rows.required({"learner_id"});
        const auto sc = rows.required({"skill"});
        const auto cc = rows.column({"current_level"});
        while (rows.next()) {
            if (!cc) break;
            const auto l = out.learners.find(rows.id(lc));
            if (!l) LEARNREC_FAIL_AT(rows.where(), "unknown learner '{}'", rows.id(lc));
            const int current = rows.text(*cc).empty() ? 0 : rows.integer(*cc, 0);
            for (auto& t : out.targets[static_cast<std::size_t>(*l)])
                if (t.skill == rows.id(sc)) t.current = current;
        }
    }
    if (auto p = dir / "role_profiles.csv"; std::filesystem::exists(p)) {
        Rows rows(p);
        const auto rc = rows.required({"role"}), sc = rows.required({"skill"}), vc = rows.required({"level"});
        while (rows.next()) {
            const auto role = rows.id(rc);
            auto it = std::find_if(out.role_profiles.begin(), out.role_profiles.end(),
                                   [&](const RoleProfile& r) { return r.role == role; });
            if (it == out.role_profiles.end()) it = out.role_profiles.insert(it, RoleProfile{role, {}});
            const auto skill = rows.id(sc);
            for (const auto& s : it->skills)
                if (s.skill == skill) LEARNREC_FAIL_AT(rows.where(), "role '{}' lists skill '{}' twice", role, skill);
            it->skills.push_back({skill, rows.integer(vc, 1)});
        }
    }
    if (auto p = dir / "workforce_plan.csv"; std::filesystem::exists(p)) {
        Rows rows(p);
        const auto sc = rows.required({"skill"}), dc = rows.required({"department"}), yc = rows.required({"year"}),
                   lc = rows.required({"level"}), pc = rows.required({"people"});
        while (rows.next())
            out.workforce_plan.push_back(
                {rows.id(sc), rows.id(dc), rows.integer(yc, 1900), rows.integer(lc, 1), rows.integer(pc, 0)});
    }
    if (auto p = dir / "opportunities.csv"; std::filesystem::exists(p))
        for (auto& o : allocation::read_opportunities_csv(p))
            if (o.kind != allocation::OpportunityKind::session) out.opportunities.push_back(std::move(o));
    if (auto p = dir / "events.csv"; std::filesystem::exists(p)) {
        const EventLog log = read_events_csv(p);
        for (const auto& e : log.events) {
            const auto l = out.learners.find(log.learners.id(e.learner));
            const auto c = out.courses.find(log.courses.id(e.course));
            LEARNREC_CHECK(l && c, "{}: learner '{}' or course '{}' is not in learners.csv / courses.csv",
                           p.filename().string(), log.learners.id(e.learner), log.courses.id(e.course));
            out.events.push_back({*l, *c, e.kind, e.time, e.value});
        }
        std::stable_sort(out.events.begin(), out.events.end(), [](const LifecycleEvent& a, const LifecycleEvent& b) {
            return a.learner != b.learner ? a.learner < b.learner : a.time < b.time;
        });
    }
    return out;
}

PlanLearner planning_learner(const PlanningData& data, index_t learner, timestamp_t before, TargetSource source,
                             const std::vector<SkillTarget>& given, std::optional<timestamp_t> period_start) {
    LEARNREC_CHECK(learner >= 0 && learner < data.learners.size(), "learner index {} is out of range", learner);
    const auto l = static_cast<std::size_t>(learner);
    PlanLearner out;
    out.facts = data.learner_facts[l];
    const auto& review = data.targets[l];
    auto current_of = [&](const std::string& skill) {
        for (const auto& t : review)
            if (t.skill == skill) return t.current;
        return 0;
    };
    switch (source) {
        case TargetSource::review: out.targets = review; break;
        case TargetSource::role: {
            auto it = std::find_if(data.role_profiles.begin(), data.role_profiles.end(),
                                   [&](const RoleProfile& r) { return r.role == out.facts.role; });
            LEARNREC_CHECK(it != data.role_profiles.end(), "no role profile for role '{}' of learner '{}'",
                           out.facts.role, out.facts.id);
            for (const auto& s : it->skills) out.targets.push_back({s.skill, current_of(s.skill), s.level});
            break;
        }
        case TargetSource::goal: {
            LEARNREC_CHECK(!out.facts.goal.empty(), "learner '{}' states no goal (learners.csv `goal`)", out.facts.id);
            const auto mentions = data.vocabulary.extract(out.facts.goal);
            LEARNREC_CHECK(!mentions.empty(), "the goal of learner '{}' (\"{}\") names no skill of the vocabulary "
                           "(skill_synonyms.csv)", out.facts.id, out.facts.goal);
            // A stated wish, like the CLI's --goal: an intermediate level unless the review asks more.
            for (const auto& g : text::to_skill_goals(mentions, 2))
                out.targets.push_back({g.skill, current_of(g.skill), std::max(g.level, current_of(g.skill) + 1)});
            break;
        }
        case TargetSource::given:
            LEARNREC_CHECK(!given.empty(), "no target skills given for learner '{}'", out.facts.id);
            for (const auto& s : given)
                out.targets.push_back({s.skill, s.current > 0 ? s.current : current_of(s.skill), s.target});
            break;
    }
    // What happened before the plan: the latest ending state per course.
    std::map<index_t, CourseState> last;
    const auto mine = std::equal_range(data.events.begin(), data.events.end(), LifecycleEvent{learner, 0, {}, 0, 0.0f},
                                       [](const LifecycleEvent& a, const LifecycleEvent& b) { return a.learner < b.learner; });
    for (auto it = mine.first; it != mine.second; ++it) {
        const auto& e = *it;
        if (e.time >= before) continue;
        const CourseState state = state_set_by(e.kind);
        if (is_completed(state) || state == CourseState::failed || state == CourseState::dropped) {
            last[e.course] = state;
            // A pass after a completion is the same course done: one past step.
            if (period_start && e.time >= *period_start) {
                const auto ended = is_completed(state) ? CourseState::completed : state;
                if (!out.past.empty() && out.past.back().course == e.course && out.past.back().state == ended)
                    out.past.back().time = e.time;
                else
                    out.past.push_back({e.course, e.time, ended});
            }
        }
    }
    for (const auto& [c, state] : last) {
        if (state == CourseState::failed) {
            out.failed.push_back(c);
            continue;
        }
        if (state == CourseState::dropped) continue;
        out.completed.push_back(c);
        for (const auto& s : data.catalogue.courses[static_cast<std::size_t>(c)].skills)
            for (auto& t : out.targets)
                if (t.skill == s.skill) t.current = std::max(t.current, s.level);
    }
    return out;
}

}  // namespace learnrec::path
