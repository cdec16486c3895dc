// learnrec._core — the daily updater of ALS models (learnrec/model/daily_update.hpp).
#include "common.hpp"

#include "learnrec/model/daily_update.hpp"

namespace learnrec::python {

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
                py::dict d;
                d["learners_solved"] = s.learners_solved;
                d["courses_solved"] = s.courses_solved;
                d["learners_added"] = s.learners_added;
                d["courses_added"] = s.courses_added;
                d["pairs_changed"] = s.pairs_changed;
                return d;
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
        .def_property_readonly("num_learners", &AlsDailyUpdater::num_learners)
        .def_property_readonly("num_courses", &AlsDailyUpdater::num_courses);
}

}  // namespace learnrec::python
