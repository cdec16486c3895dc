// learnrec._core — xAPI statements (learnrec/data/xapi.hpp) and "why not?" (learnrec/ranking/why_not.hpp).
// Results leave C++ as numpy columns (events, results) and one small dict (stats; a why-not answer).
#include "common.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>

#include "learnrec/campaign/campaign.hpp"
#include "learnrec/data/csv.hpp"
#include "learnrec/data/xapi.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/ranking/ranker.hpp"
#include "learnrec/ranking/why_not.hpp"

namespace learnrec::python {

campaign::CampaignSpec campaign_spec(const std::string& now, const std::string& id, index_t k, int num_threads);  // campaign.cpp

namespace {

XapiOptions xapi_options(const py::dict& table, const std::string& course_map_csv, const std::string& rule,
                         const std::string& pattern, bool prefer_mbox, bool skip_malformed, const py::dict& verbs,
                         std::size_t max_statement_bytes, int max_depth) {
    XapiOptions o;
    for (const auto& [iri, course] : table) o.courses.table[py::str(iri)] = py::str(course);
    if (!course_map_csv.empty()) read_xapi_course_map_csv(course_map_csv, o.courses);
    if (rule == "last_segment") o.courses.rule = XapiCourseMap::Rule::last_segment;
    else if (rule == "regex") o.courses.rule = XapiCourseMap::Rule::regex;
    else if (rule == "table_only") o.courses.rule = XapiCourseMap::Rule::table_only;
    else LEARNREC_FAIL_AT("read_xapi", "unknown course rule '{}' (last_segment, regex or table_only)", rule);
    o.courses.pattern = pattern;
    LEARNREC_CHECK(o.courses.rule != XapiCourseMap::Rule::regex || !pattern.empty(),
                   "course rule 'regex' needs a course_pattern");
    if (prefer_mbox) o.actor_key = XapiOptions::ActorKey::mbox_first;
    o.skip_malformed = skip_malformed;
    for (const auto& [iri, kind] : verbs) {
        if (kind.is_none()) {
            o.verbs[py::str(iri)] = std::nullopt;
            continue;
        }
        const std::string name = py::str(kind);
        const auto k = parse_lifecycle_kind(name);
        if (!k) LEARNREC_FAIL_AT("read_xapi", "verb '{}' maps to unknown event kind '{}'", std::string(py::str(iri)), name);
        o.verbs[py::str(iri)] = *k;
    }
    o.max_statement_bytes = max_statement_bytes;
    o.max_depth = max_depth;
    return o;
}

py::dict xapi_to_python(XapiLog&& x) {
    const auto& ev = x.log.events;
    const auto n = ev.size();
    py::dict out = events_to_python(ev);
    out["learner_ids"] = id_list(x.log.learners);
    out["course_ids"] = id_list(x.log.courses);
    const auto& r = x.results;
    out["score_scaled"] = column<float>(n, [&](std::size_t k) { return r[k].score_scaled; });
    out["success"] = column<std::int8_t>(n, [&](std::size_t k) { return r[k].success; });
    out["completion"] = column<std::int8_t>(n, [&](std::size_t k) { return r[k].completion; });
    out["duration_seconds"] = column<double>(n, [&](std::size_t k) { return r[k].duration_seconds; });
    out["statement_ids"] = py::cast(x.statement_ids);
    const auto& s = x.stats;
    py::dict stats;
    stats["statements"] = s.statements;
    stats["events"] = s.events;
    stats["voiding"] = s.voiding;
    stats["voided"] = s.voided;
    stats["unmatched_voids"] = s.unmatched_voids;
    stats["duplicate_ids"] = s.duplicate_ids;
    stats["unmapped_objects"] = s.unmapped_objects;
    stats["malformed"] = s.malformed;
    stats["unknown_verbs"] = py::cast(s.unknown_verbs);
    stats["ignored_verbs"] = py::cast(s.ignored_verbs);
    stats["malformed_examples"] = py::cast(s.malformed_examples);
    stats["unmapped_examples"] = py::cast(s.unmapped_examples);
    stats["summary"] = s.summary();
    out["stats"] = stats;
    return out;
}

py::object date_or_none(timestamp_t t) {
    if (t == ranking::kNever || t == std::numeric_limits<timestamp_t>::max()) return py::none();
    return py::str(ranking::format_date(t));
}

py::dict why_not_to_python(const ranking::WhyNot& w, const ranking::Catalogue& cat) {
    auto course_or_none = [&](index_t c) -> py::object {
        return c >= 0 ? py::object(py::str(cat.course_name(c))) : py::object(py::none());
    };
    py::dict out;
    out["course_id"] = cat.course_name(w.course);
    out["rank"] = w.present() ? py::object(py::int_(w.rank)) : py::object(py::none());
    out["removed_by"] = w.present() ? py::object(py::none()) : py::object(py::str(std::string(to_string(w.removed_by()))));
    py::list rules;
    for (auto r : w.rules) rules.append(py::str(std::string(to_string(r))));
    out["rules"] = rules;
    out["text"] = w.text(cat);
    out["score"] = w.score;
    out["model_score"] = w.model_score;
    out["score_rank"] = w.score_rank > 0 ? py::object(py::int_(w.score_rank)) : py::object(py::none());
    out["shown"] = w.shown;
    out["kth_course_id"] = course_or_none(w.kth_course);
    out["kth_score"] = w.kth_score;
    out["mandatory"] = w.mandatory;
    out["obligation_due"] = date_or_none(w.obligation_due);
    out["pinned"] = w.pinned;
    py::list missing;
    for (auto c : w.missing_prerequisites) missing.append(py::str(cat.course_name(c)));
    out["missing_prerequisites"] = missing;
    out["substitute_course_id"] = course_or_none(w.substitute);
    if (w.has_history) {
        py::dict h;
        h["outcome"] = std::string(ranking::outcome_name(w.history.state));
        h["completed_at"] = date_or_none(w.history.completed_at);
        h["expires"] = date_or_none(w.expires);
        out["history"] = h;
    } else {
        out["history"] = py::none();
    }
    return out;
}

}  // namespace

void register_xapi(py::module_& m) {
    m.def(
        "read_xapi",
        [](const std::string& path, const py::dict& table, const std::string& course_map_csv, const std::string& rule,
           const std::string& pattern, bool prefer_mbox, bool skip_malformed, const py::dict& verbs,
           std::size_t max_statement_bytes, int max_depth) {
            const XapiOptions o = xapi_options(table, course_map_csv, rule, pattern, prefer_mbox, skip_malformed, verbs,
                                               max_statement_bytes, max_depth);
            XapiLog x;
            {
                py::gil_scoped_release release;
                x = read_xapi(std::filesystem::path(path), o);
            }
            return xapi_to_python(std::move(x));
        },
        py::arg("path"), py::arg("table"), py::arg("course_map_csv"), py::arg("rule"), py::arg("pattern"),
        py::arg("prefer_mbox"), py::arg("skip_malformed"), py::arg("verbs"), py::arg("max_statement_bytes"),
        py::arg("max_depth"),
        "learnrec::read_xapi: event columns (learner, course, kind, time, value), ids, result columns "
        "(score_scaled, success, completion, duration_seconds), statement_ids and a stats dict.");
    m.def(
        "ranker_why_not",
        [](std::shared_ptr<ranking::Ranker> ranker, index_t learner, index_t course, timestamp_t now,
           const ranking::RankingRules& rules) {
            ranking::WhyNot w;
            {
                py::gil_scoped_release release;
                w = ranker->why_not(learner, course, now, rules);
            }
            return why_not_to_python(w, ranker->catalogue());
        },
        py::arg("ranker"), py::arg("learner"), py::arg("course"), py::arg("now"), py::arg("rules"),
        "learnrec::ranking::Ranker::why_not as a dict: rank (None when absent), removed_by, rules, text, "
        "scores and the facts behind each rule.");
    m.def(
        "campaign_why_not",
        [](const std::string& model, const std::string& catalogue, const std::string& log, const std::string& learner,
           const std::string& course, const std::string& now, const std::string& campaign_id, const std::string& rules,
           index_t k, const std::string& events, int num_threads) {
            campaign::CampaignSpec spec = campaign_spec(now, campaign_id, k, num_threads);
            campaign::PushWhyNot p;
            std::shared_ptr<const ranking::Ranker> ranker;
            std::string version;
            {
                py::gil_scoped_release release;
                if (!rules.empty()) spec.settings = campaign::read_campaign_settings(rules);
                const auto audience = campaign::load_audience(model, catalogue, events, num_threads);
                p = campaign::why_not_pushed(audience, spec, log, learner, course);
                ranker = audience.ranker;
                version = audience.model_version;
            }
            py::dict out = why_not_to_python(p.answer, ranker->catalogue());
            out["text"] = p.text(ranker->catalogue());
            py::dict hold;
            hold["rule"] = p.hold.rule == campaign::PushHoldRule::none ? py::object(py::none())
                                                                       : py::object(py::str(std::string(to_string(p.hold.rule))));
            hold["pushes"] = p.hold.pushes;
            hold["unanswered"] = p.hold.unanswered;
            hold["last_pushed"] = date_or_none(p.hold.last_pushed);
            hold["dismissed_at"] = date_or_none(p.hold.dismissed_at);
            out["push_log"] = hold;
            out["learner_id"] = learner;
            out["model_version"] = version;
            return out;
        },
        py::arg("model"), py::arg("catalogue"), py::arg("log"), py::arg("learner"), py::arg("course"), py::arg("now"),
        py::arg("campaign") = "", py::arg("rules") = "", py::arg("k") = 0, py::arg("events") = "",
        py::arg("num_threads") = 0,
        "learnrec::campaign::why_not_pushed as a dict: the why-not answer of a push, with what the push log holds.");
}

}  // namespace learnrec::python
