// learnrec._core — goals in the learner's words (learnrec::text): the course text index, skill
// extraction, goal matches (from the index or caller embeddings) and the Ranker's goal blend.
// learnrec/text.py documents the Python side.
#include "common.hpp"

#include "learnrec/data/academy.hpp"
#include "learnrec/ranking/academy.hpp"
#include "learnrec/ranking/ranker.hpp"
#include "learnrec/text/goals.hpp"
#include "learnrec/text/index.hpp"

namespace learnrec::python {

py::dict recommendations_to_python(ranking::Recommendations&& r, std::shared_ptr<const ranking::Ranker> ranker);  // ranking.cpp

namespace {

using text::CourseTextIndex;

std::vector<std::string> strings(const py::handle& obj) {
    std::vector<std::string> out;
    if (obj.is_none()) return out;
    if (py::isinstance<py::str>(obj)) {  // "en;fr" as in the CSV files
        const std::string s = py::str(obj);
        for (std::size_t b = 0; b <= s.size();) {
            const auto e = std::min(s.find_first_of(";,", b), s.size());
            if (e > b) out.push_back(s.substr(b, e - b));
            b = e + 1;
        }
        return out;
    }
    for (auto item : obj) out.emplace_back(py::str(item));
    return out;
}

py::dict query_to_python(const text::TextQuery& q) {
    py::dict d;
    d["language"] = std::string(text::to_string(q.language));
    d["detected"] = q.detected;
    py::list skills;
    for (const auto& s : q.skills) skills.append(py::dict(py::arg("skill") = s.skill, py::arg("text") = s.text));
    d["skills"] = skills;
    py::list terms;
    for (const auto& t : q.terms) terms.append(t.text);
    d["terms"] = terms;
    py::list notes;
    for (const auto& n : q.notes) notes.append(n);
    d["notes"] = notes;
    return d;
}

}  // namespace

void register_text(py::module_& m) {
    // The goal weight joins the rules class defined in ranking.cpp.
    py::reinterpret_borrow<py::class_<ranking::RankingRules>>(m.attr("RankingRules"))
        .def_readwrite("goal_weight", &ranking::RankingRules::goal_weight);

    py::class_<ranking::GoalMatches>(m, "GoalMatches",
                                     "Per learner, the courses a goal matches with scores in [0, 1] and the matched "
                                     "words (learnrec::ranking::GoalMatches).")
        .def_property_readonly("rows", &ranking::GoalMatches::rows)
        .def(
            "row",
            [](const ranking::GoalMatches& g, index_t i) {
                LEARNREC_CHECK(i >= 0 && i < g.rows(), "row {} outside [0, {})", i, g.rows());
                std::vector<index_t> courses;
                std::vector<float> scores;
                py::list matched;
                for (const auto& x : g.of(i)) {
                    courses.push_back(x.course);
                    scores.push_back(x.score);
                    matched.append(x.terms >= 0 && g.terms ? py::str((*g.terms)[static_cast<std::size_t>(x.terms)])
                                                           : py::str(""));
                }
                const auto n = static_cast<py::ssize_t>(courses.size());
                return py::make_tuple(to_numpy(std::move(courses), {n}), to_numpy(std::move(scores), {n}), matched);
            },
            py::arg("i"), "(courses int32, scores float32, matched words) of row i.");

    py::class_<CourseTextIndex, std::shared_ptr<CourseTextIndex>>(m, "TextIndex", R"doc(
BM25 index over course texts with per-language Snowball stemming, accent folding, stop words and a
multilingual skill vocabulary (learnrec::text::CourseTextIndex). Immutable; queries release the GIL.)doc")
        .def(py::init([](const std::vector<std::string>& ids, const std::vector<std::string>& titles,
                         const std::vector<std::string>& descriptions, const std::vector<std::string>& topics,
                         const py::list& skills, const py::list& languages,
                         const std::vector<std::tuple<std::string, std::string, std::string>>& synonyms,
                         bool academy_vocabulary) {
                 const std::size_t n = ids.size();
                 LEARNREC_CHECK(titles.size() == n && descriptions.size() == n && topics.size() == n &&
                                    skills.size() == n && languages.size() == n,
                                "course columns have different lengths ({} ids, {} titles, {} descriptions, {} "
                                "topics, {} skills, {} languages)",
                                n, titles.size(), descriptions.size(), topics.size(), skills.size(), languages.size());
                 std::vector<text::CourseText> courses(n);
                 for (std::size_t c = 0; c < n; ++c)
                     courses[c] = {ids[c], titles[c], descriptions[c], topics[c], strings(skills[c]),
                                   strings(languages[c])};
                 text::SkillVocabulary vocabulary =
                     academy_vocabulary ? text::academy_skill_vocabulary() : text::SkillVocabulary{};
                 for (const auto& [skill, language, phrase] : synonyms) vocabulary.add({skill, language, phrase});
                 py::gil_scoped_release release;
                 return std::make_shared<CourseTextIndex>(std::move(courses), std::move(vocabulary));
             }),
             py::arg("ids"), py::arg("titles"), py::arg("descriptions"), py::arg("topics"), py::arg("skills"),
             py::arg("languages"), py::arg("synonyms"), py::arg("academy_vocabulary"))
        .def_static(
            "from_academy",
            [](std::uint64_t seed, index_t learners, index_t courses) {
                AcademyConfig config;
                config.seed = seed;
                config.learners = learners;
                config.courses = courses;
                py::gil_scoped_release release;
                const auto in = ranking::academy_ranking_inputs(generate_academy(config));
                return std::make_shared<CourseTextIndex>(text::course_texts(in.catalogue),
                                                         text::academy_skill_vocabulary());
            },
            py::arg("seed") = 42, py::arg("learners") = 5000, py::arg("courses") = 600)
        .def_property_readonly("num_courses", &CourseTextIndex::num_courses)
        .def_property_readonly("num_terms", &CourseTextIndex::num_terms)
        .def_property_readonly("course_ids",
                               [](const CourseTextIndex& x) {
                                   py::list out;
                                   for (const auto& c : x.courses()) out.append(c.id);
                                   return out;
                               })
        .def(
            "search",
            [](const CourseTextIndex& x, const std::string& goal, const std::string& language, index_t limit) {
                text::TextQuery q;
                std::vector<text::TextHit> hits;
                {
                    py::gil_scoped_release release;
                    q = x.query(goal, language);
                    hits = x.search(q, limit);
                }
                std::vector<index_t> courses;
                std::vector<float> scores, normalised;
                py::list matched;
                for (const auto& h : hits) {
                    courses.push_back(h.course);
                    scores.push_back(h.score);
                    normalised.push_back(h.normalised);
                    matched.append(x.matched_text(q, h));
                }
                const auto n = static_cast<py::ssize_t>(courses.size());
                py::dict out = query_to_python(q);
                out["courses"] = to_numpy(std::move(courses), {n});
                out["scores"] = to_numpy(std::move(scores), {n});
                out["normalised"] = to_numpy(std::move(normalised), {n});
                out["matched"] = matched;
                return out;
            },
            py::arg("goal"), py::arg("language") = "", py::arg("limit") = 0)
        .def(
            "extract_skills",
            [](const CourseTextIndex& x, const std::string& goal) {
                py::list out;
                for (const auto& s : x.vocabulary().extract(goal))
                    out.append(py::dict(py::arg("skill") = s.skill, py::arg("text") = s.text));
                return out;
            },
            py::arg("text"))
        .def(
            "goal_matches",
            [](const CourseTextIndex& x, const std::vector<std::string>& goals, const std::string& language,
               index_t limit) {
                text::GoalOptions options;
                options.language = language;
                options.limit = limit;
                py::gil_scoped_release release;
                return text::goal_matches(x, goals, options);
            },
            py::arg("goals"), py::arg("language") = "", py::arg("limit") = 0)
        .def("to_bytes", [](const CourseTextIndex& x) { return py::bytes(text::to_bytes(x)); })
        .def_static("from_bytes",
                    [](const py::bytes& b) {
                        const std::string bytes = b;
                        return std::make_shared<CourseTextIndex>(text::text_index_from_bytes(bytes));
                    })
        .def("save", [](const CourseTextIndex& x, const std::string& path) { text::save_text_index(x, path); })
        .def_static("load", [](const std::string& path) {
            return std::make_shared<CourseTextIndex>(text::load_text_index(path));
        });

    m.def("academy_skill_phrases", [] {
        py::list out;
        for (const auto& p : academy_skill_phrases()) out.append(py::make_tuple(p.skill, p.language, p.phrase));
        return out;
    });

    m.def(
        "embedding_goal_matches",
        [](const py::array_t<float, py::array::forcecast>& courses, const py::array_t<float, py::array::forcecast>& goals,
           index_t limit, int num_threads) {
            const RowMatrix c = to_row_matrix(courses, "course_vectors");
            const RowMatrix g = to_row_matrix(goals, "goal_vectors");
            py::gil_scoped_release release;
            return text::embedding_matches(c, g, limit, num_threads);
        },
        py::arg("course_vectors"), py::arg("goal_vectors"), py::arg("limit") = 50, py::arg("num_threads") = 0);

    py::reinterpret_borrow<py::class_<ranking::Ranker, std::shared_ptr<ranking::Ranker>>>(m.attr("Ranker"))
        .def(
            "recommend_goals",
            [](std::shared_ptr<ranking::Ranker> ranker, const py::object& learners_obj, timestamp_t now,
               const ranking::RankingRules& rules, const ranking::GoalMatches& goals) {
                const auto learners = strict_vector<index_t>(learners_obj, "learners");
                ranking::Recommendations r;
                {
                    py::gil_scoped_release release;
                    r = ranker->recommend(span_of(learners), now, rules, goals);
                }
                return recommendations_to_python(std::move(r), std::move(ranker));
            },
            py::arg("learners"), py::arg("now"), py::arg("rules"), py::arg("goals"),
            "recommend() with the learners' goal matches blended in (row i = learner i).");
}

}  // namespace learnrec::python
