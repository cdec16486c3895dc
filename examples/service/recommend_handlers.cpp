// learnrec-serve — the ranking routes: a known (or unknown) learner, learners described by the
// caller, similar courses (service.hpp).
#include <algorithm>
#include <limits>
#include <map>
#include <optional>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "learnrec/ranking/calendar.hpp"
#include "learnrec/retrieval/recommend.hpp"
#include "learnrec/text/goals.hpp"
#include "json_writer.hpp"
#include "request_parsing.hpp"
#include "service.hpp"

namespace learnrec::service {

using namespace learnrec::ranking;
using detail::HttpError;

namespace {

/// A course's id and its title (the id when it has none): the snapshot's fragment, escaped once.
void write_course(detail::JsonWriter& w, const CourseFragments& courses, index_t c, bool with_title) {
    w.raw_members(courses.of(c, with_title));
}

/// A date as format_date() spells it (YYYY-MM-DD), written without the std::string and the
/// run-time format parsing: a few per answer.
void write_date(detail::JsonWriter& w, std::string_view key, timestamp_t t) {
    const auto d = learnrec::detail::civil_from_days(learnrec::detail::floor_div(t, kSecondsPerDay));
    char text[32];
    const auto end = fmt::format_to(text, FMT_COMPILE("{:04d}-{:02d}-{:02d}"), d.year, d.month, d.day);
    w.member(key, std::string_view(text, static_cast<std::size_t>(end - text)));
}

void write_reason(detail::JsonWriter& w, const Recommendations& result, const Reason& r, const CourseFragments& courses) {
    w.begin_object().member("kind", to_string(r.kind)).key("text").value_appended([&](std::string& out) {
        result.append_text(out, r);
    });
    if (r.course >= 0) write_course(w, courses, r.course, false);
    if (!result.skill(r).empty()) w.member("skill", result.skill(r));
    if (!result.department(r).empty()) w.member("department", result.department(r));
    if (r.level > 0) w.member("level", r.level);
    if (r.kind == ReasonKind::mandatory || r.kind == ReasonKind::renewal) write_date(w, "date", r.date);
    if (r.kind == ReasonKind::because_completed) w.member("similarity", static_cast<double>(r.value));
    if (r.kind == ReasonKind::matches_goal) w.member("goal_score", static_cast<double>(r.value));
    w.end_object();
}

/// The "items" member: learner `row`'s ranked courses with their reasons.
void write_items(detail::JsonWriter& w, const Recommendations& r, index_t row, const CourseFragments& courses) {
    for (index_t j = 0; j < r.count(row); ++j) {
        courses.prefetch(r.ids[r.slot(row, j)]);
        for (const auto& x : r.reasons_of(row, j))
            if (x.course >= 0) courses.prefetch(x.course);
    }
    w.key("items").begin_array();
    for (index_t j = 0; j < r.count(row); ++j) {
        const auto s = r.slot(row, j);
        const index_t c = r.ids[s];
        w.begin_object().member("rank", j + 1);
        write_course(w, courses, c, true);
        w.member("score", static_cast<double>(r.scores[s]))
            .member("model_score", static_cast<double>(r.model_scores[s]))
            .member("mandatory", r.mandatory[s] != 0);
        w.key("reasons").begin_array();
        for (const auto& x : r.reasons_of(row, j)) write_reason(w, r, x, courses);
        w.end_array().end_object();
    }
    w.end_array();
}

index_t k_of(const Request& r, index_t max_k) {
    const std::string* text = detail::query_param(r.query, "k");
    return text ? detail::parse_k_text(*text, max_k, "k") : std::min<index_t>(10, max_k);
}

/// Pending events in the order their states apply (time, then acceptance), as the log reader does.
void apply_pending(LearnerHistory& h, const Snapshot& s, std::vector<PendingEvent> pending) {
    std::stable_sort(pending.begin(), pending.end(),
                     [](const PendingEvent& a, const PendingEvent& b) { return a.time < b.time; });
    for (const auto& e : pending) {
        if (e.kind == LifecycleKind::rated) continue;  // a rating changes no state
        const auto c = s.bundle.courses.find(e.course);
        if (!c) continue;  // a course the model does not know cannot be recommended anyway
        const CourseState state = state_set_by(e.kind);
        h.set(0, *c, state, is_completed(state) ? e.time : kNever);
    }
}

/// One learner's NewLearners from a query, facts and a one-row history.
Recommendations rank_one(const Snapshot& s, QueryBlock queries, std::vector<LearnerFacts> facts, LearnerHistory h,
                         index_t k, timestamp_t now, const GoalMatches& goals) {
    RankingRules rules = s.rules;
    rules.k = std::min(k, s.bundle.model->num_courses());
    NewLearners fresh{std::move(queries), std::move(facts), std::move(h)};
    return s.ranker.recommend(fresh, now, rules, goals);
}

/// A goal in the learner's own words (`field` names it in errors): its course matches, blended by
/// the rules' goal weight; no goal (empty) gives no rows, so the model's order is untouched.
GoalMatches goals_of(const Snapshot& s, const std::vector<std::string>& goals, const std::string& field) {
    bool any = false;
    for (const auto& g : goals) {
        if (g.size() > 4096) throw HttpError{400, field, "a goal is at most 4096 bytes"};
        any = any || !g.empty();
    }
    if (!any || !s.goals_index) return {};
    std::vector<std::string> texts = goals;
    for (auto& g : texts)
        if (g.find_first_not_of(" \t\r\n") == std::string::npos) g.clear();
    return text::goal_matches(*s.goals_index, texts);
}

/// A profile as the hybrid model's learner feature tokens, named as the academy's
/// learner_features.csv names them ("role=...", "department=...", "country=...", "lang=..." per
/// language, "region=...", "goal=..." per target skill); each at most once (weight 1).
std::vector<std::string> profile_tokens(const LearnerFacts& f) {
    std::vector<std::string> out;
    const auto add = [&out](std::string_view name, std::string_view value) {
        if (value.empty()) return;
        std::string token = fmt::format("{}={}", name, value);
        if (std::find(out.begin(), out.end(), token) == out.end()) out.push_back(std::move(token));
    };
    add("role", f.role);
    add("department", f.department);
    add("country", f.country);
    for (const auto& l : f.languages) add("lang", l);
    add("region", f.region);
    for (const auto& g : f.target_skills) add("goal", g.skill);
    return out;
}

QueryBlock fold_in_row(const Snapshot& s, const std::map<index_t, float>& row) {
    std::vector<Triplet> t;
    for (const auto& [c, w] : row) t.push_back({0, c, w});
    const CsrMatrix m = CsrMatrix::from_triplets(1, s.bundle.model->num_courses(), t);
    return s.bundle.model->fold_in(m.view(), 1);
}

}  // namespace

Response& Service::learner_recommendations(const Request& r, std::string_view learner, Response& out) {
    if (learner.empty() || learner.size() > 256) throw HttpError{400, "learner", "must be 1 to 256 characters"};
    const index_t k = k_of(r, options_.max_k);
    const timestamp_t now = detail::parse_now_text(detail::query_param(r.query, "now"), "now");
    last_now_.store(now, std::memory_order_relaxed);
    auto [snap, pending] = state_of(learner);
    if (!snap) throw HttpError{503, "", "no model loaded yet"};
    const Snapshot& s = *snap;
    const index_t courses = s.bundle.model->num_courses();
    const auto known = s.bundle.learners.find(learner);
    const std::string* goal_param = detail::query_param(r.query, "goal");
    // Most requests have no goal: they share one empty GoalMatches (read only) rather than build
    // a list of one empty goal and an empty GoalMatches (four allocations) each.
    static const GoalMatches no_goals;
    std::optional<GoalMatches> with_goal;
    if (goal_param) with_goal = goals_of(s, {*goal_param}, "goal");
    const GoalMatches& goals = with_goal ? *with_goal : no_goals;
    Recommendations rec;
    std::string basis;
    if (known && pending.empty()) {
        RankingRules rules = s.rules;
        rules.k = std::min(k, courses);
        const index_t idx = *known;
        rec = s.ranker.recommend(std::span<const index_t>(&idx, 1), now, rules, goals);
        basis = "trained";
    } else if (known) {
        // The snapshot's state of this learner, then what happened since: new learners' path with
        // the learner's own trained query and facts.
        const index_t idx = *known;
        LearnerHistory h(1, courses);
        if (idx < s.ranker.history().num_learners())
            for (const auto& e : s.ranker.history().of(idx)) h.set(0, e.course, e.state, e.completed_at);
        apply_pending(h, s, std::move(pending));
        h.finish();
        std::vector<LearnerFacts> facts;
        if (!s.ranker.learners().empty()) facts.push_back(s.ranker.learners()[static_cast<std::size_t>(idx)]);
        rec = rank_one(s, s.bundle.model->learner_queries(std::span<const index_t>(&idx, 1)), std::move(facts),
                       std::move(h), k, now, goals);
        basis = "trained";
    } else {
        // Unknown to the model: folded in from its events since the snapshot, else the average learner.
        std::map<index_t, float> row;
        const WeightingPolicy weights;
        for (const auto& e : pending)
            if (const auto c = s.bundle.courses.find(e.course); c && e.kind != LifecycleKind::rated)
                row[*c] += weights[e.kind];
        std::erase_if(row, [](const auto& kv) { return kv.second <= 0.0f; });
        LearnerHistory h(1, courses);
        apply_pending(h, s, std::move(pending));
        h.finish();
        basis = row.empty() ? "average_learner" : "fold_in";
        rec = rank_one(s, row.empty() ? s.cold_start : fold_in_row(s, row), {}, std::move(h), k, now, goals);
    }
    out.learners = 1;
    // About 450 bytes a course with its reasons: one allocation for the whole answer, no regrowth.
    detail::JsonWriter w(256 + 640 * static_cast<std::size_t>(k));
    w.begin_object()
        .member("learner", learner)
        .member("model_version", s.version.id)
        .member("cold_start", !known.has_value())
        .member("basis", basis);
    write_date(w, "now", now);
    write_items(w, rec, 0, s.course_json);
    out.body = w.end_object().take();
    return out;
}

Response& Service::new_learner_recommendations(const Request& r, Response& out) {
    const nlohmann::json body = detail::parse_body(r.body);
    if (!body.is_object()) throw HttpError{400, "body", "expected a JSON object with 'learner' or 'learners'"};
    for (const auto& [key, _] : body.items())
        if (key != "learner" && key != "learners" && key != "k" && key != "now")
            throw HttpError{400, key, "unknown field (expected learner or learners, k, now)"};
    index_t k = std::min<index_t>(10, options_.max_k);
    if (const auto it = body.find("k"); it != body.end()) {
        if (!it->is_number_integer()) throw HttpError{400, "k", fmt::format("k must be an integer in [1, {}]", options_.max_k)};
        const auto v = it->get<std::int64_t>();
        if (v < 1 || v > options_.max_k) throw HttpError{400, "k", fmt::format("k must be an integer in [1, {}]", options_.max_k)};
        k = static_cast<index_t>(v);
    }
    timestamp_t now = detail::parse_now_text(nullptr, "now");
    if (const auto it = body.find("now"); it != body.end()) {
        if (!it->is_string()) throw HttpError{400, "now", "now must be a date (YYYY-MM-DD) or an ISO-8601 time"};
        now = detail::parse_now_text(&it->get_ref<const std::string&>(), "now");
    }
    const bool single = body.contains("learner");
    if (single == body.contains("learners")) throw HttpError{400, "body", "give exactly one of 'learner' or 'learners'"};
    nlohmann::json list = single ? nlohmann::json::array({body["learner"]}) : body["learners"];
    if (!list.is_array() || list.empty()) throw HttpError{400, "learners", "must be a non-empty list"};
    if (list.size() > options_.max_learners_per_request)
        throw HttpError{400, "learners", fmt::format("at most {} learners per request", options_.max_learners_per_request)};

    const auto snap = handle_.current();
    if (!snap) throw HttpError{503, "", "no model loaded yet"};
    const Snapshot& s = *snap;
    const index_t courses = s.bundle.model->num_courses();
    const index_t n = static_cast<index_t>(list.size());
    std::vector<LearnerFacts> facts;
    std::vector<Triplet> rows;
    std::vector<bool> cold(list.size(), true);
    LearnerHistory history(n, courses);
    std::vector<std::string> goal_texts;  // one per learner, "" = none
    for (index_t i = 0; i < n; ++i) {
        const std::string where = single ? std::string("learner") : fmt::format("learners[{}]", i);
        const auto& j = list[static_cast<std::size_t>(i)];
        if (!j.is_object()) throw HttpError{400, where, "must be an object"};
        for (const auto& [key, _] : j.items())
            if (key != "id" && key != "role" && key != "department" && key != "country" && key != "region" &&
                key != "languages" && key != "formats" && key != "target_skills" && key != "courses" && key != "goal")
                throw HttpError{400, where + "." + key, "unknown field"};
        LearnerFacts f;
        f.id = j.contains("id") ? detail::string_field(j, "id", where) : fmt::format("new-{}", i + 1);
        f.role = detail::string_field(j, "role", where);
        f.department = detail::string_field(j, "department", where);
        f.country = detail::string_field(j, "country", where);
        f.region = detail::string_field(j, "region", where);
        f.languages = detail::string_list(j, "languages", where);
        f.formats = detail::string_list(j, "formats", where);
        goal_texts.emplace_back();
        if (const auto it = j.find("goal"); it != j.end() && !it->is_null()) {
            if (!it->is_string()) throw HttpError{400, where + ".goal", "must be a string (the goal in the learner's words)"};
            goal_texts.back() = it->get<std::string>();
            if (goal_texts.back().size() > 4096) throw HttpError{400, where + ".goal", "a goal is at most 4096 bytes"};
        }
        if (const auto it = j.find("target_skills"); it != j.end() && !it->is_null()) {
            const std::string field = where + ".target_skills";
            if (!it->is_array() || it->size() > 64) throw HttpError{400, field, "must be a list of at most 64 skills"};
            for (std::size_t g = 0; g < it->size(); ++g) {
                const auto& x = (*it)[g];
                const std::string gf = fmt::format("{}[{}]", field, g);
                SkillGoal goal;
                if (x.is_string()) {
                    goal.skill = detail::id_field(x, gf);
                } else if (x.is_object() && x.contains("skill")) {
                    goal.skill = detail::id_field(x["skill"], gf + ".skill");
                    if (x.contains("level")) {
                        if (!x["level"].is_number_integer() || x["level"].get<std::int64_t>() < 1 ||
                            x["level"].get<std::int64_t>() > 10)
                            throw HttpError{400, gf + ".level", "must be an integer in [1, 10]"};
                        goal.level = x["level"].get<int>();
                    }
                } else {
                    throw HttpError{400, gf, "must be a skill name or {\"skill\": ..., \"level\": ...}"};
                }
                for (const auto& other : f.target_skills)
                    if (other.skill == goal.skill) throw HttpError{400, gf, "skill listed twice"};
                f.target_skills.push_back(std::move(goal));
            }
        }
        const auto ids = detail::string_list(j, "courses", where, 256);
        for (std::size_t c = 0; c < ids.size(); ++c) {
            const auto idx = s.bundle.courses.find(ids[c]);
            if (!idx) throw HttpError{404, fmt::format("{}.courses[{}]", where, c), fmt::format("unknown course '{}'", ids[c])};
            rows.push_back({i, *idx, 1.0f});
            history.set(i, *idx, CourseState::completed, now);  // what they took is not proposed again
            cold[static_cast<std::size_t>(i)] = false;
        }
        facts.push_back(std::move(f));
    }
    history.finish();
    const CsrMatrix m = CsrMatrix::from_triplets(n, courses, rows);
    // A hybrid model with named learner features places a learner from the profile itself (its
    // feature embedding), then fits the courses taken on top; other models only fold in courses.
    std::vector<std::vector<std::string>> used(facts.size());
    QueryBlock queries;
    if (s.places_profiles()) {
        std::vector<Triplet> entries;
        for (index_t i = 0; i < n; ++i)
            for (auto& token : profile_tokens(facts[static_cast<std::size_t>(i)]))
                if (const auto col = s.learner_feature_tokens.find(token)) {
                    entries.push_back({i, *col, 1.0f});
                    used[static_cast<std::size_t>(i)].push_back(std::move(token));
                }
        const CsrMatrix features = CsrMatrix::from_triplets(n, s.bundle.model->learner_features(), entries);
        queries = s.bundle.model->fold_in_with_features(m.view(), features.view(), 1);
    } else {
        queries = s.bundle.model->fold_in(m.view(), 1);
    }
    NewLearners fresh{std::move(queries), std::move(facts), std::move(history)};
    // Learners with neither courses nor a known feature: the average learner's query instead.
    std::vector<std::string> basis(list.size());
    for (std::size_t i = 0; i < basis.size(); ++i) {
        const bool courses_given = !cold[i], profile = !used[i].empty();
        basis[i] = profile ? (courses_given ? "features+fold_in" : "features")
                           : (courses_given ? "fold_in" : "average_learner");
        if (!courses_given && !profile && fresh.queries.embeddings.rows() == n && s.cold_start.embeddings.rows() == 1)
            fresh.queries.embeddings.row(static_cast<index_t>(i)) = s.cold_start.embeddings.row(0);
    }
    RankingRules rules = s.rules;
    rules.k = std::min(k, courses);
    const Recommendations rec = s.ranker.recommend(fresh, now, rules, goals_of(s, goal_texts, "goal"));
    out.learners = static_cast<std::size_t>(n);
    detail::JsonWriter w(4096 * static_cast<std::size_t>(n));
    if (!single) w.begin_object().member("model_version", s.version.id).key("results").begin_array();
    for (index_t i = 0; i < n; ++i) {
        const auto u = static_cast<std::size_t>(i);
        w.begin_object()
            .member("learner", fresh.facts[u].id)
            .member("model_version", s.version.id)
            .member("cold_start", true)
            .member("basis", basis[u])
            .member("now", format_date(now));
        write_items(w, rec, i, s.course_json);
        if (s.places_profiles()) {  // what of the profile the model knew
            w.key("features").begin_array();
            for (const auto& token : used[u]) w.value(token);
            w.end_array();
        }
        w.end_object();
    }
    if (!single) w.end_array().end_object();
    out.body = w.take();
    return out;
}

Response& Service::similar_courses(const Request& r, std::string_view course, Response& out) {
    const index_t k = k_of(r, options_.max_k);
    const auto snap = handle_.current();
    if (!snap) throw HttpError{503, "", "no model loaded yet"};
    const Snapshot& s = *snap;
    const auto c = s.bundle.courses.find(course);
    if (!c) throw HttpError{404, "course", fmt::format("unknown course '{}'", course)};
    RecommendOptions options;
    options.k = std::min(k, std::max<index_t>(1, s.bundle.model->num_courses() - 1));
    options.num_threads = 1;
    const index_t self = *c;
    options.deny = std::span<const index_t>(&self, 1);  // a course is not "similar" to itself
    const TopK top = learnrec::similar_courses(*s.bundle.model, std::span<const index_t>(&self, 1), options);
    detail::JsonWriter w(2048);
    w.begin_object().member("course", course).member("model_version", s.version.id).key("items").begin_array();
    for (index_t j = 0; j < top.k; ++j) {
        const index_t id = top.ids[static_cast<std::size_t>(j)];
        if (id < 0) break;
        w.begin_object().member("rank", j + 1);
        write_course(w, s.course_json, id, true);
        w.member("score", static_cast<double>(top.scores[static_cast<std::size_t>(j)])).end_object();
    }
    out.body = w.end_array().end_object().take();
    return out;
}

}  // namespace learnrec::service
