// learnrec._core — the ranking layer (learnrec::ranking): rules, files, the Ranker and its results.
//
// Catalogue and learner facts arrive as lists of plain dicts (what pandas' to_dict("records")
// gives); learnrec/ranking.py documents the keys. Results leave as numpy arrays (moved, not copied)
// plus one list of reason dicts per slot.
#include "common.hpp"

#include "learnrec/data/csv.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/ranking/academy.hpp"
#include "learnrec/ranking/files.hpp"
#include "learnrec/ranking/ranker.hpp"

namespace learnrec::python {

using namespace learnrec::ranking;

namespace {

std::string str_of(const py::dict& d, const char* key, const std::string& fallback = {}) {
    if (!d.contains(key) || d[key].is_none()) return fallback;
    return py::str(d[key]);
}

std::vector<std::string> strings_of(const py::dict& d, const char* key) {
    std::vector<std::string> out;
    if (!d.contains(key) || d[key].is_none()) return out;
    py::object v = d[key];
    if (py::isinstance<py::str>(v)) {  // "en;fr" as in the CSV files
        const std::string s = py::str(v);
        std::size_t pos = 0;
        while (pos <= s.size()) {
            const auto end = std::min(s.find(';', pos), s.size());
            const auto item = trim_csv_blank(std::string_view(s).substr(pos, end - pos));
            if (!item.empty()) out.emplace_back(item);
            pos = end + 1;
        }
        return out;
    }
    for (auto item : v) out.emplace_back(py::str(item));
    return out;
}

int int_of(const py::dict& d, const char* key, int fallback) {
    if (!d.contains(key) || d[key].is_none()) return fallback;
    return d[key].cast<int>();
}

/// Skills as {"python": 2}, [("python", 2)], [{"skill": "python", "level": 2}] or ["python:2"].
template <class T>
std::vector<T> skills_of(const py::dict& d, const char* key, const std::string& owner) {
    std::vector<T> out;
    if (!d.contains(key) || d[key].is_none()) return out;
    py::object v = d[key];
    if (py::isinstance<py::dict>(v)) {
        for (auto [name, level] : py::reinterpret_borrow<py::dict>(v))
            out.push_back({py::str(name), py::cast<int>(level)});
        return out;
    }
    for (auto item : v) {
        if (py::isinstance<py::str>(item)) {
            const std::string s = py::str(item);
            const auto colon = s.rfind(':');
            LEARNREC_CHECK(colon != std::string::npos, "{}: skill '{}' needs a level ('skill:level')", owner, s);
            int level = 0;
            try {
                level = std::stoi(s.substr(colon + 1));
            } catch (const std::exception&) {
                LEARNREC_FAIL("{}: skill '{}' has no integer level", owner, s);
            }
            out.push_back({s.substr(0, colon), level});
        } else if (py::isinstance<py::dict>(item)) {
            auto sd = py::reinterpret_borrow<py::dict>(item);
            out.push_back({str_of(sd, "skill"), int_of(sd, "level", 1)});
        } else {
            auto t = py::cast<py::tuple>(item);
            LEARNREC_CHECK(t.size() == 2, "{}: a skill is (name, level)", owner);
            out.push_back({py::str(t[0]), py::cast<int>(t[1])});
        }
    }
    return out;
}

Catalogue catalogue_from(const py::list& courses, const py::list& prerequisites, const py::list& sessions,
                         const py::list& obligations) {
    Catalogue cat;
    for (auto item : courses) {
        auto d = item.cast<py::dict>();
        CourseFacts f;
        f.id = str_of(d, "id");
        f.title = str_of(d, "title");
        f.topic = str_of(d, "topic");
        f.format = str_of(d, "format");
        f.languages = strings_of(d, d.contains("languages") ? "languages" : "language");
        f.regions = strings_of(d, "regions");
        f.skills = skills_of<CourseSkill>(d, "skills", fmt::format("course {}", cat.courses.size()));
        f.validity_months = int_of(d, "validity_months", 0);
        cat.courses.push_back(std::move(f));
    }
    for (auto item : prerequisites) {
        auto t = item.cast<py::tuple>();
        LEARNREC_CHECK(t.size() == 2, "a prerequisite is (course, requires_course)");
        cat.prerequisites.push_back({t[0].cast<index_t>(), t[1].cast<index_t>()});
    }
    for (auto item : sessions) {
        auto d = item.cast<py::dict>();
        cat.sessions.push_back({d["course"].cast<index_t>(), d["start"].cast<timestamp_t>(),
                                d["end"].cast<timestamp_t>(), str_of(d, "location"), int_of(d, "capacity", 1),
                                str_of(d, "session_id")});
    }
    for (auto item : obligations) {
        auto d = item.cast<py::dict>();
        cat.obligations.push_back({d["course"].cast<index_t>(), parse_obligation_scope(str_of(d, "scope", "all")),
                                   str_of(d, "value"), d["due"].cast<timestamp_t>()});
    }
    return cat;
}

std::vector<LearnerFacts> learners_from(const py::object& learners) {
    std::vector<LearnerFacts> out;
    if (learners.is_none()) return out;
    for (auto item : learners) {
        auto d = item.cast<py::dict>();
        LearnerFacts l;
        l.id = str_of(d, "id");
        l.role = str_of(d, "role");
        l.department = str_of(d, "department");
        l.country = str_of(d, "country");
        l.region = str_of(d, "region");
        l.languages = strings_of(d, d.contains("languages") ? "languages" : "language");
        l.formats = strings_of(d, "formats");
        l.target_skills = skills_of<SkillGoal>(d, "target_skills", fmt::format("learner {}", out.size()));
        l.mobility = strings_of(d, "mobility");
        out.push_back(std::move(l));
    }
    return out;
}

CourseState parse_outcome(const std::string& s) {
    if (s == "assigned") return CourseState::assigned;
    if (s == "in_progress" || s == "started") return CourseState::started;
    if (s == "enrolled") return CourseState::enrolled;
    if (s == "completed") return CourseState::completed;
    if (s == "passed") return CourseState::passed;
    if (s == "failed") return CourseState::failed;
    if (s == "dropped") return CourseState::dropped;
    LEARNREC_FAIL("unknown outcome '{}' (expected assigned, in_progress, completed, failed or dropped)", s);
}

py::dict reason_to_dict(const Recommendations& result, const Reason& r, const Catalogue& cat) {
    py::dict d;
    d["kind"] = std::string(to_string(r.kind));
    d["text"] = result.text(r);
    if (r.course >= 0) {
        d["course"] = r.course;
        d["course_id"] = cat.course_name(r.course);
    }
    if (!result.skill(r).empty()) d["skill"] = std::string(result.skill(r));
    if (!result.department(r).empty()) d["department"] = std::string(result.department(r));
    if (r.level > 0) d["level"] = r.level;
    if (r.kind == ReasonKind::mandatory || r.kind == ReasonKind::renewal || r.kind == ReasonKind::new_course)
        d["date"] = format_date(r.date);
    if (r.kind == ReasonKind::because_completed) d["similarity"] = r.value;
    return d;
}

}  // namespace

/// What a result keeps on the C++ side once its arrays went to numpy: the reasons with the names
/// they refer to, so a dict or a text is built only for the reasons someone looks at. A batch for
/// a whole company holds millions of reasons; building a dict for each cost 2.5x the ranking.
struct RankedReasons {
    std::shared_ptr<const Ranker> ranker;  ///< keeps the catalogue (course ids) alive
    Recommendations result;                ///< ids and scores moved out; reasons, offsets, names kept

    std::size_t slots() const { return result.reason_offsets.empty() ? 0 : result.reason_offsets.size() - 1; }
    py::list slot(std::size_t s) const {
        LEARNREC_CHECK(s < slots(), "slot {} out of range (the result has {} slots)", s, slots());
        py::list out;
        for (auto i = result.reason_offsets[s]; i < result.reason_offsets[s + 1]; ++i)
            out.append(reason_to_dict(result, result.reasons[static_cast<std::size_t>(i)], ranker->catalogue()));
        return out;
    }
};

py::dict recommendations_to_python(Recommendations&& r, std::shared_ptr<const Ranker> ranker) {
    const std::vector<py::ssize_t> shape{r.learners, r.k};
    const std::size_t n = r.reasons.size();
    std::vector<std::uint8_t> kind(n);
    std::vector<index_t> course(n), skill(n), department(n);
    std::vector<std::int32_t> level(n);
    std::vector<timestamp_t> date(n);
    std::vector<float> value(n);
    for (std::size_t i = 0; i < n; ++i) {
        const Reason& x = r.reasons[i];
        kind[i] = static_cast<std::uint8_t>(x.kind);
        course[i] = x.course;
        skill[i] = x.skill;
        department[i] = x.department;
        level[i] = x.level;
        date[i] = x.date;
        value[i] = x.value;
    }
    py::dict out;
    out["ids"] = to_numpy(std::move(r.ids), shape);
    out["scores"] = to_numpy(std::move(r.scores), shape);
    out["model_scores"] = to_numpy(std::move(r.model_scores), shape);
    out["mandatory"] = to_numpy(std::move(r.mandatory), shape);
    out["reason_offsets"] = to_numpy(std::vector<offset_t>(r.reason_offsets), {static_cast<py::ssize_t>(r.reason_offsets.size())});
    const std::vector<py::ssize_t> flat{static_cast<py::ssize_t>(n)};
    out["reason_kind"] = to_numpy(std::move(kind), flat);
    out["reason_course"] = to_numpy(std::move(course), flat);
    out["reason_skill"] = to_numpy(std::move(skill), flat);
    out["reason_department"] = to_numpy(std::move(department), flat);
    out["reason_level"] = to_numpy(std::move(level), flat);
    out["reason_date"] = to_numpy(std::move(date), flat);
    out["reason_value"] = to_numpy(std::move(value), flat);
    out["reasons"] = std::make_shared<RankedReasons>(RankedReasons{std::move(ranker), std::move(r)});
    return out;
}

/// A history from parallel columns (learner row, course, outcome, completed_at), or an empty one
/// (nothing taken) when `history_rows` is None.
LearnerHistory history_from(const py::object& history_rows, const py::object& history_courses,
                            const py::list& history_outcomes, const py::object& history_completed_at,
                            index_t learners, index_t courses) {
    LearnerHistory history;
    if (!history_rows.is_none()) {
        const auto rows = strict_vector<index_t>(history_rows, "history learners");
        const auto cols = strict_vector<index_t>(history_courses, "history courses");
        const auto times = strict_vector<timestamp_t>(history_completed_at, "history completed_at");
        LEARNREC_CHECK(rows.size() == cols.size() && rows.size() == times.size() &&
                           static_cast<std::size_t>(rows.size()) == history_outcomes.size(),
                       "history columns have different lengths");
        history = LearnerHistory(learners, courses);
        std::vector<CourseState> outcomes;
        for (auto o : history_outcomes) outcomes.push_back(parse_outcome(py::str(o)));
        for (py::ssize_t i = 0; i < rows.size(); ++i)
            history.set(rows.at(i), cols.at(i), outcomes[static_cast<std::size_t>(i)], times.at(i));
        history.finish();
    }
    return history;
}

void register_ranking(py::module_& m) {
    py::class_<RankedReasons, std::shared_ptr<RankedReasons>>(m, "RankedReasons", R"doc(
The reasons of one ranking result, kept in C++: dicts and texts are built only when asked.
Slot s = learner row * k + rank. Immutable; safe to read from several threads.)doc")
        .def("__len__", &RankedReasons::slots)
        .def("slot", &RankedReasons::slot, py::arg("slot"), "The reason dicts of one slot.")
        .def(
            "all",
            [](const RankedReasons& self) {
                py::list out;
                for (std::size_t s = 0; s < self.slots(); ++s) out.append(self.slot(s));
                return out;
            },
            "The reason dicts of every slot (one list per slot).")
        .def(
            "texts",
            [](const RankedReasons& self) {
                py::list out;
                for (const Reason& r : self.result.reasons) out.append(self.result.text(r));
                return out;
            },
            "The plain-terms text of every reason, in column order.")
        .def_property_readonly("skills", [](const RankedReasons& self) { return self.result.names->skills; })
        .def_property_readonly("departments",
                               [](const RankedReasons& self) { return self.result.names->departments; });
    m.def(
        "reason_kind_names",
        [] {
            // Codes are the C++ enum's values, contiguous from 0; to_string answers "?" past the last.
            py::list out;
            for (unsigned k = 0; k < 256; ++k) {
                const auto name = to_string(static_cast<ReasonKind>(k));
                if (name == "?") break;
                out.append(std::string(name));
            }
            return out;
        },
        "Names of the reason kinds, indexed by the codes in `reason_kind`.");

    py::class_<RankingRules>(m, "RankingRules", "Settings of the ranking rules (learnrec::ranking::RankingRules).")
        .def(py::init<>())
        .def_readwrite("k", &RankingRules::k)
        .def_readwrite("exclude_in_progress", &RankingRules::exclude_in_progress)
        .def_readwrite("exclude_dropped", &RankingRules::exclude_dropped)
        .def_readwrite("renewal_days", &RankingRules::renewal_days)
        .def_readwrite("obligations", &RankingRules::obligations)
        .def_readwrite("obligation_window_days", &RankingRules::obligation_window_days)
        .def_readwrite("gap_boost", &RankingRules::gap_boost)
        .def_property(
            "prerequisites", [](const RankingRules& r) { return std::string(to_string(r.prerequisites)); },
            [](RankingRules& r, const std::string& s) { r.prerequisites = parse_prerequisite_mode(s); })
        .def_readwrite("match_language", &RankingRules::match_language)
        .def_readwrite("match_format", &RankingRules::match_format)
        .def_readwrite("match_region", &RankingRules::match_region)
        .def_readwrite("require_session", &RankingRules::require_session)
        .def_readwrite("session_horizon_days", &RankingRules::session_horizon_days)
        .def_readwrite("mmr_lambda", &RankingRules::mmr_lambda)
        .def_property(
            "diversity_source", [](const RankingRules& r) { return std::string(to_string(r.diversity_source)); },
            [](RankingRules& r, const std::string& s) { r.diversity_source = parse_diversity_source(s); })
        .def_readwrite("mmr_pool", &RankingRules::mmr_pool)
        .def_readwrite("explain", &RankingRules::explain)
        .def_readwrite("similarity_threshold", &RankingRules::similarity_threshold)
        .def_readwrite("popular_top", &RankingRules::popular_top)
        .def_readwrite("min_score", &RankingRules::min_score)
        .def_readwrite("num_threads", &RankingRules::num_threads)
        .def(
            "validate", [](const RankingRules& r) { r.validate(); }, "Raises LearnrecError on an invalid value.");

    m.def("parse_rules_json", &parse_rules_json, py::arg("text"), py::arg("source_name") = "rules",
          "Rules from JSON text (format: README, 'Ranking rules'); errors name the source and the key.");
    m.def(
        "read_rules_json", [](const std::string& path) { return read_rules_json(path); }, py::arg("path"),
        "Rules from a JSON file.");

    m.def(
        "read_catalogue_dir",
        [](const std::string& dir, const std::vector<std::string>& course_ids,
           const std::vector<std::string>& learner_ids, bool allow_unknown_courses, bool allow_unknown_learners) {
            CatalogueOptions options;
            options.allow_unknown_courses = allow_unknown_courses;
            options.allow_unknown_learners = allow_unknown_learners;
            CatalogueData data = read_catalogue_dir(dir, IdMap(course_ids), IdMap(learner_ids), options);
            auto skills = [](const auto& list) {
                py::list out;
                for (const auto& s : list) out.append(py::make_tuple(s.skill, s.level));
                return out;
            };
            py::list courses, learners, prereqs, sessions, obligations;
            using namespace py::literals;
            for (const auto& f : data.catalogue.courses)
                courses.append(py::dict("id"_a = f.id, "title"_a = f.title, "topic"_a = f.topic, "format"_a = f.format,
                                        "languages"_a = f.languages, "regions"_a = f.regions,
                                        "skills"_a = skills(f.skills), "validity_months"_a = f.validity_months));
            for (const auto& p : data.catalogue.prerequisites)
                prereqs.append(py::make_tuple(p.course, p.requires_course));
            for (const auto& s : data.catalogue.sessions)
                sessions.append(py::dict("course"_a = s.course, "start"_a = s.start, "end"_a = s.end,
                                         "location"_a = s.location, "capacity"_a = s.capacity));
            for (const auto& o : data.catalogue.obligations)
                obligations.append(py::dict("course"_a = o.course, "scope"_a = std::string(to_string(o.scope)),
                                            "value"_a = o.value, "due"_a = o.due));
            for (const auto& l : data.learners)
                learners.append(py::dict("id"_a = l.id, "role"_a = l.role, "department"_a = l.department,
                                         "country"_a = l.country, "region"_a = l.region, "languages"_a = l.languages,
                                         "formats"_a = l.formats, "target_skills"_a = skills(l.target_skills),
                                         "mobility"_a = l.mobility));
            return py::dict("courses"_a = courses,
                            "learners"_a = data.learners.empty() ? py::object(py::none()) : py::object(learners),
                            "prerequisites"_a = prereqs, "sessions"_a = sessions, "obligations"_a = obligations);
        },
        py::arg("dir"), py::arg("course_ids"), py::arg("learner_ids"), py::arg("allow_unknown_courses") = false,
        py::arg("allow_unknown_learners") = false,
        "Reads a catalogue directory (format: README, 'Ranking rules') into plain dicts and lists.");

    py::class_<Ranker, std::shared_ptr<Ranker>>(m, "Ranker", R"doc(
The ranking layer over a trained model (learnrec::ranking::Ranker). Immutable; recommend() releases
the GIL and may run from several threads at once. Build it through learnrec.ranking.Ranker.)doc")
        .def(py::init([](std::shared_ptr<Model> model, const py::list& courses, const py::object& learners,
                         const py::list& prerequisites, const py::list& sessions, const py::list& obligations,
                         const py::object& history_rows, const py::object& history_courses,
                         const py::list& history_outcomes, const py::object& history_completed_at) {
                 Catalogue cat = catalogue_from(courses, prerequisites, sessions, obligations);
                 std::vector<LearnerFacts> facts = learners_from(learners);
                 LearnerHistory history = history_from(history_rows, history_courses, history_outcomes,
                                                       history_completed_at, model->num_learners(),
                                                       model->num_courses());
                 py::gil_scoped_release release;
                 return std::make_shared<Ranker>(std::move(model), std::move(cat), std::move(facts),
                                                 std::move(history));
             }),
             py::arg("model"), py::arg("courses"), py::arg("learners"), py::arg("prerequisites"), py::arg("sessions"),
             py::arg("obligations"), py::arg("history_learners"), py::arg("history_courses"),
             py::arg("history_outcomes"), py::arg("history_completed_at"))
        .def(
            "recommend",
            [](std::shared_ptr<Ranker> ranker, const py::object& learners_obj, timestamp_t now,
               const RankingRules& rules) {
                const auto learners = strict_vector<index_t>(learners_obj, "learners");
                Recommendations r;
                {
                    py::gil_scoped_release release;
                    r = ranker->recommend(span_of(learners), now, rules);
                }
                return recommendations_to_python(std::move(r), std::move(ranker));
            },
            py::arg("learners"), py::arg("now"), py::arg("rules"),
            "dict of ids/scores/model_scores/mandatory arrays (learners x k), the reasons as columns "
            "(reason_offsets per slot, reason_kind, reason_course, ...) and `reasons`, which renders "
            "dicts and texts on demand.")
        .def(
            "recommend_new",
            [](std::shared_ptr<Ranker> ranker, const PyCsr* rows, const py::object& queries,
               const py::object& learners, const py::object& history_rows, const py::object& history_courses,
               const py::list& history_outcomes, const py::object& history_completed_at, timestamp_t now,
               const RankingRules& rules) {
                const Model& model = ranker->model();
                LEARNREC_CHECK((rows != nullptr) != !queries.is_none(),
                               "give the new learners' interaction rows (folded in) or their queries, not both");
                NewLearners fresh;
                fresh.facts = learners_from(learners);
                if (rows == nullptr) {
                    fresh.queries.embeddings =
                        to_row_matrix(queries.cast<py::array_t<float, py::array::forcecast>>(), "queries");
                    fresh.queries.count = static_cast<index_t>(fresh.queries.embeddings.rows());
                }
                const index_t n = rows != nullptr ? rows->view.rows : fresh.queries.count;
                fresh.history = history_from(history_rows, history_courses, history_outcomes, history_completed_at, n,
                                             model.num_courses());
                Recommendations r;
                {
                    py::gil_scoped_release release;
                    if (rows != nullptr)
                        fresh = fold_in_learners(model, rows->view, std::move(fresh.facts), std::move(fresh.history),
                                                 rules.num_threads);
                    r = ranker->recommend(fresh, now, rules);
                }
                return recommendations_to_python(std::move(r), std::move(ranker));
            },
            py::arg("rows").none(true), py::arg("queries").none(true), py::arg("learners"), py::arg("history_learners"),
            py::arg("history_courses"), py::arg("history_outcomes"), py::arg("history_completed_at"), py::arg("now"),
            py::arg("rules"),
            "Like recommend() for learners the model was not trained on: folded in from `rows` (a CSR of "
            "their interactions) or given as `queries` (one embedding per row).")
        .def_property_readonly("course_ids",
                               [](const Ranker& r) {
                                   py::list out;
                                   for (index_t c = 0; c < r.catalogue().num_courses(); ++c)
                                       out.append(r.catalogue().course_name(c));
                                   return out;
                               })
        .def_property_readonly("learner_ids", [](const Ranker& r) {
            py::list out;
            for (const auto& l : r.learners()) out.append(l.id);
            return out;
        })
        .def_property_readonly("course_titles", [](const Ranker& r) {
            py::list out;
            for (const auto& f : r.catalogue().courses) out.append(f.title.empty() ? f.id : f.title);
            return out;
        });

    // After Ranker, which it returns (so that its signature names the Python class).
    m.def(
        "academy_ranker",
        [](std::shared_ptr<Model> model, std::uint64_t seed, index_t learners, index_t courses, double mean_enrolments) {
            py::gil_scoped_release release;
            AcademyConfig config;
            config.seed = seed;
            config.learners = learners;
            config.courses = courses;
            config.mean_enrolments = mean_enrolments;
            RankingInputs in = academy_ranking_inputs(generate_academy(config));
            return std::make_shared<Ranker>(std::move(model), std::move(in.catalogue), std::move(in.learners),
                                            std::move(in.history));
        },
        py::arg("model"), py::arg("seed") = 42, py::arg("learners") = 5000, py::arg("courses") = 600,
        py::arg("mean_enrolments") = 12.0,
        "A Ranker over the synthetic academy's catalogue, learners and lifecycle (learnrec::ranking::"
        "academy_ranking_inputs); the model must have the academy's shape.");
}

}  // namespace learnrec::python
