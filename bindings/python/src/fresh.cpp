// learnrec._core — the daily updater of ALS models (learnrec/model/daily_update.hpp).
#include "common.hpp"

#include "learnrec/model/daily_update.hpp"

namespace learnrec::python {

namespace {

py::dict stats_dict(const AlsDailyUpdater::Stats& s) {
    py::dict d;
    d["learners_solved"] = s.learners_solved;
    d["learners_propagated"] = s.learners_propagated;
    d["courses_solved"] = s.courses_solved;
    d["courses_deferred"] = s.courses_deferred;
    d["learners_added"] = s.learners_added;
    d["courses_added"] = s.courses_added;
    d["pairs_changed"] = s.pairs_changed;
    return d;
}

}  // namespace

void register_fresh(py::module_& m) {
    py::class_<AlsDailyUpdater>(m, "AlsDailyUpdater", R"doc(
Daily updates of an ALS model (learnrec::AlsDailyUpdater): only changed learners and the courses
whose columns changed are re-solved, from kept per-course normal equations. Copies the
interactions it starts from. One thread at a time; the GIL is released during updates.)doc")
        .def(py::init([](const AlsModel& model, const PyCsr& user_items, int num_threads) {
                 py::gil_scoped_release release;
                 return std::make_unique<AlsDailyUpdater>(model, user_items.view, num_threads);
             }),
             py::arg("model"), py::arg("user_items"), py::arg("num_threads") = 0)
        .def(
            "update",
            [](AlsDailyUpdater& u, const py::handle& learners, const PyCsr& rows, const py::handle& refresh) {
                const auto idx = strict_vector<index_t>(learners, "learners");
                const auto more = strict_vector<index_t>(refresh, "refresh");
                AlsDailyUpdater::Stats s;
                {
                    py::gil_scoped_release release;
                    s = u.update(span_of(idx), rows.view, span_of(more));
                }
                return stats_dict(s);
            },
            py::arg("learners"), py::arg("rows"), py::arg("refresh"),
            "Learners[i]'s whole current row is rows[i]; re-solves them and every course whose column changed "
            "(plus `refresh`). Returns what it did as a dict.")
        .def(
            "model",
            [](const AlsDailyUpdater& u) {
                py::gil_scoped_release release;
                return std::make_shared<AlsModel>(u.model());
            },
            "The model as updated so far (an independent immutable AlsModel).")
        .def(
            "publish",
            [](AlsDailyUpdater& u) {
                py::gil_scoped_release release;
                // Python's AlsModel holder is non-const; the model stays immutable (no mutating binding).
                return std::const_pointer_cast<AlsModel>(u.publish());
            },
            "The model as updated so far, recycling the learner table of a model published before and no "
            "longer held (only the rows changed since are copied).")
        .def(
            "flush",
            [](AlsDailyUpdater& u) {
                AlsDailyUpdater::Stats s;
                {
                    py::gil_scoped_release release;
                    s = u.flush();
                }
                return stats_dict(s);
            },
            "Solves every course whose changes wait (a course-change tolerance); returns what it did as a dict.")
        .def(
            "set_staleness",
            [](AlsDailyUpdater& u, float learner_drift, float course_change, int course_max_updates) {
                u.set_staleness({.learner_drift = learner_drift, .course_change = course_change,
                                 .course_max_updates = course_max_updates});
            },
            py::arg("learner_drift") = 0.0f, py::arg("course_change") = 0.0f, py::arg("course_max_updates") = 7,
            "Bounded staleness (learnrec::AlsDailyUpdater::Staleness); all zero is exact.")
        .def_property_readonly(
            "staleness",
            [](const AlsDailyUpdater& u) {
                py::dict d;
                d["learner_drift"] = u.staleness().learner_drift;
                d["course_change"] = u.staleness().course_change;
                d["course_max_updates"] = u.staleness().course_max_updates;
                return d;
            })
        .def_property_readonly("num_learners", &AlsDailyUpdater::num_learners)
        .def_property_readonly("num_courses", &AlsDailyUpdater::num_courses);
}

}  // namespace learnrec::python
