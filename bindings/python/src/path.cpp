// learnrec._core — learning paths (path/*.hpp): planning data from a directory or the academy, one
// learner's dated plan, a team's seats and skill coverage. Results are columns (lists / numpy
// arrays) that learnrec.path turns into pandas DataFrames. Heavy calls release the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "learnrec/data/academy.hpp"
#include "learnrec/error.hpp"
#include "learnrec/path/inputs.hpp"
#include "learnrec/path/plan.hpp"
#include "learnrec/path/team.hpp"
#include "learnrec/ranking/calendar.hpp"

namespace learnrec::python {

namespace py = pybind11;
using namespace learnrec;

namespace {

using Data = std::shared_ptr<const path::PlanningData>;

/// The planner's settings beyond the horizon and monthly budget (path/plan.hpp PlanOptions).
struct Extra {
    double hours_per_quarter = 0.0;
    int first_month = 0;
    bool retake_failed = true;
    double gig_hours_per_week = 4.0;
    double work_package_hours_per_week = 4.0;
    int options_per_gap = 12;
};

path::PlanOptions plan_options(int start_year, int start_month, int months, double hours_per_month, int exact_limit,
                               const Extra& x) {
    path::PlanOptions o;
    o.start_year = start_year;
    o.start_month = start_month;
    o.months = months;
    o.hours_per_month = hours_per_month;
    o.exact_limit = exact_limit;
    o.hours_per_quarter = x.hours_per_quarter;
    o.first_month = x.first_month;
    o.retake_failed = x.retake_failed;
    o.gig_hours_per_week = x.gig_hours_per_week;
    o.work_package_hours_per_week = x.work_package_hours_per_week;
    o.options_per_gap = x.options_per_gap;
    o.validate();
    return o;
}

path::TargetSource target_source(const std::string& name) {
    if (name == "review") return path::TargetSource::review;
    if (name == "role") return path::TargetSource::role;
    if (name == "given") return path::TargetSource::given;
    if (name == "goal") return path::TargetSource::goal;
    LEARNREC_FAIL("targets must be 'review', 'role', 'given' or 'goal', got '{}'", name);
}

template <class T, class F>
py::array_t<T> num_column(std::size_t n, F&& get) {
    py::array_t<T> out(static_cast<py::ssize_t>(n));
    auto* p = out.mutable_data();
    for (std::size_t i = 0; i < n; ++i) p[i] = get(i);
    return out;
}
template <class F>
py::list str_list(std::size_t n, F&& get) {
    py::list out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = py::str(get(i));
    return out;
}

py::dict plan_dict(const path::PlanningData& d, const path::Plan& p, const path::PlanOptions& o) {
    const auto& s = p.steps;
    const auto n = s.size();
    const ranking::CourseFacts none;
    auto course = [&](std::size_t i) -> const ranking::CourseFacts& {
        return s[i].course >= 0 ? d.catalogue.courses[static_cast<std::size_t>(s[i].course)] : none;
    };
    auto opportunity = [&](std::size_t i) -> const allocation::Opportunity* {
        return s[i].opportunity >= 0 ? &d.opportunities[static_cast<std::size_t>(s[i].opportunity)] : nullptr;
    };
    auto session = [&](std::size_t i) -> const ranking::Session* {
        return s[i].session >= 0 ? &d.catalogue.sessions[static_cast<std::size_t>(s[i].session)] : nullptr;
    };
    py::dict steps;
    steps["step"] = num_column<std::int64_t>(n, [&](std::size_t i) { return static_cast<std::int64_t>(i + 1); });
    steps["course_id"] = str_list(n, [&](std::size_t i) { return s[i].course >= 0 ? d.courses.id(s[i].course) : std::string(); });
    steps["title"] = str_list(n, [&](std::size_t i) { return opportunity(i) ? opportunity(i)->title : course(i).title; });
    steps["format"] = str_list(n, [&](std::size_t i) { return course(i).format; });
    steps["month"] = str_list(n, [&](std::size_t i) { return path::month_label(o, s[i].month); });
    steps["months"] = num_column<std::int64_t>(n, [&](std::size_t i) { return std::int64_t{s[i].months}; });
    steps["hours"] = num_column<double>(n, [&](std::size_t i) { return s[i].hours; });
    steps["session_start"] = str_list(n, [&](std::size_t i) {
        return session(i) ? ranking::format_date(session(i)->start) : std::string();
    });
    steps["location"] = str_list(n, [&](std::size_t i) {
        if (opportunity(i)) return opportunity(i)->location.empty() ? std::string("remote") : opportunity(i)->location;
        return session(i) ? (session(i)->location.empty() ? std::string("online") : session(i)->location) : std::string();
    });
    steps["start"] = str_list(n, [&](std::size_t i) { return ranking::format_date(s[i].start); });
    steps["end"] = str_list(n, [&](std::size_t i) { return ranking::format_date(s[i].end); });
    // After the columns scripts already read by position.
    steps["opportunity_id"] = str_list(n, [&](std::size_t i) { return opportunity(i) ? opportunity(i)->id : std::string(); });
    steps["kind"] = str_list(n, [&](std::size_t i) {
        return opportunity(i) ? std::string(allocation::to_string(opportunity(i)->kind))
                              : std::string(s[i].session >= 0 ? "session" : "course");
    });
    steps["status"] = str_list(n, [&](std::size_t i) { return std::string(path::to_string(s[i].status)); });
    py::list reasons(n);
    for (std::size_t i = 0; i < n; ++i) reasons[i] = py::cast(s[i].reasons);
    steps["reasons"] = reasons;
    const auto& u = p.unmet;
    py::dict unmet;
    unmet["skill"] = str_list(u.size(), [&](std::size_t i) { return u[i].skill; });
    unmet["course_id"] = str_list(u.size(), [&](std::size_t i) { return u[i].course_id; });
    unmet["current"] = num_column<std::int64_t>(u.size(), [&](std::size_t i) { return std::int64_t{u[i].current}; });
    unmet["target"] = num_column<std::int64_t>(u.size(), [&](std::size_t i) { return std::int64_t{u[i].target}; });
    unmet["why"] = str_list(u.size(), [&](std::size_t i) { return u[i].why; });
    unmet["detail"] = str_list(u.size(), [&](std::size_t i) { return u[i].detail; });
    using namespace py::literals;
    return py::dict("learner"_a = p.learner, "steps"_a = steps, "unmet"_a = unmet, "total_hours"_a = p.total_hours,
                    "preference"_a = p.preference, "lower_bound_hours"_a = p.lower_bound_hours,
                    "optimal"_a = p.optimal);
}

}  // namespace

void register_path(py::module_& m) {
    py::class_<path::PlanningData, std::shared_ptr<path::PlanningData>>(
        m, "PlanningData", "The planner's inputs (learnrec::path::PlanningData): catalogue, hours, learners, targets.")
        .def_property_readonly("learner_ids",
                               [](const path::PlanningData& d) {
                                   const auto ids = d.learners.ids();
                                   return std::vector<std::string>(ids.begin(), ids.end());
                               })
        .def_property_readonly("course_ids", [](const path::PlanningData& d) {
            const auto ids = d.courses.ids();
            return std::vector<std::string>(ids.begin(), ids.end());
        })
        .def_property_readonly("departments", [](const path::PlanningData& d) {
            std::vector<std::string> out;
            for (const auto& f : d.learner_facts) out.push_back(f.department);
            return out;
        });
    m.def(
        "read_planning_dir",
        [](const std::string& dir) {
            py::gil_scoped_release release;
            return std::make_shared<path::PlanningData>(path::read_planning_dir(dir));
        },
        py::arg("directory"), "Reads a catalogue directory (path/inputs.hpp); errors name file and line.");
    m.def(
        "academy_planning_data",
        [](std::uint64_t seed, std::int64_t learners, std::int64_t courses, double mean_enrolments) {
            LEARNREC_CHECK(learners > 0 && learners <= std::numeric_limits<index_t>::max(), "learners {} out of range", learners);
            LEARNREC_CHECK(courses > 0 && courses <= std::numeric_limits<index_t>::max(), "courses {} out of range", courses);
            AcademyConfig config;
            config.seed = seed;
            config.learners = static_cast<index_t>(learners);
            config.courses = static_cast<index_t>(courses);
            config.mean_enrolments = mean_enrolments;
            py::gil_scoped_release release;
            return std::make_shared<path::PlanningData>(path::academy_planning_data(generate_academy(config)));
        },
        py::arg("seed") = 42, py::arg("learners") = 5000, py::arg("courses") = 600, py::arg("mean_enrolments") = 12.0);
    m.def(
        "plan_learner",
        [](const path::PlanningData& d, const std::string& learner, int start_year, int start_month, int months,
           double hours_per_month, const std::string& targets, const std::vector<std::pair<std::string, int>>& skills,
           int exact_limit, std::optional<py::array_t<float, py::array::c_style | py::array::forcecast>> preference,
           double hours_per_quarter, int first_month, bool retake_failed, double gig_hours, double work_package_hours,
           int options_per_gap) {
            const auto o = plan_options(start_year, start_month, months, hours_per_month, exact_limit,
                                        {hours_per_quarter, first_month, retake_failed, gig_hours, work_package_hours,
                                         options_per_gap});
            const index_t l = d.learners.at(learner, "learner");
            std::vector<path::SkillTarget> given;
            for (const auto& [skill, level] : skills) given.push_back({skill, 0, level});
            std::vector<float> pref;
            if (preference) {
                LEARNREC_CHECK(preference->ndim() == 1 && preference->size() == d.courses.size(),
                               "preference must have one value per course ({}), got shape of size {}", d.courses.size(),
                               preference->size());
                pref.assign(preference->data(), preference->data() + preference->size());
                for (float x : pref) LEARNREC_CHECK(std::isfinite(x), "preference holds NaN or infinity");
            }
            path::Plan p;
            {
                py::gil_scoped_release release;
                // Events before the first open month are what was done; those inside the plan are its past steps.
                p = path::plan_path(d.catalogue, d.course_hours,
                                    path::planning_learner(d, l, path::month_start(o, o.first_month), target_source(targets),
                                                           given, path::month_start(o, 0)),
                                    o, pref, d.opportunities);
            }
            return plan_dict(d, p, o);
        },
        py::arg("data"), py::arg("learner"), py::arg("start_year"), py::arg("start_month"), py::arg("months"),
        py::arg("hours_per_month"), py::arg("targets"), py::arg("skills"), py::arg("exact_limit"),
        py::arg("preference") = py::none(), py::arg("hours_per_quarter") = 0.0, py::arg("first_month") = 0,
        py::arg("retake_failed") = true, py::arg("gig_hours_per_week") = 4.0, py::arg("work_package_hours_per_week") = 4.0,
        py::arg("options_per_gap") = 12);
    m.def(
        "plan_team",
        [](const path::PlanningData& d, const std::string& department, const std::string& country, int start_year,
           int start_month, int months, double hours_per_month, const std::string& targets, int exact_limit,
           int num_threads, double hours_per_quarter, int first_month, bool retake_failed, double gig_hours,
           double work_package_hours, int options_per_gap) {
            const auto o = plan_options(start_year, start_month, months, hours_per_month, exact_limit,
                                        {hours_per_quarter, first_month, retake_failed, gig_hours, work_package_hours,
                                         options_per_gap});
            const auto source = target_source(targets);
            path::TeamPlan t;
            {
                py::gil_scoped_release release;
                t = path::plan_team(d, {department, country}, o, source, num_threads);
            }
            py::dict seats, coverage, out;
            const auto& s = t.seats;
            seats["quarter"] = str_list(s.size(), [&](std::size_t i) { return s[i].quarter; });
            seats["country"] = str_list(s.size(), [&](std::size_t i) { return s[i].country; });
            seats["course_id"] = str_list(s.size(), [&](std::size_t i) { return s[i].course_id; });
            seats["format"] = str_list(s.size(), [&](std::size_t i) { return s[i].format; });
            seats["seats"] = num_column<std::int64_t>(s.size(), [&](std::size_t i) { return std::int64_t{s[i].seats}; });
            const auto& c = t.coverage;
            coverage["department"] = str_list(c.size(), [&](std::size_t i) { return c[i].department; });
            coverage["skill"] = str_list(c.size(), [&](std::size_t i) { return c[i].skill; });
            coverage["year"] = num_column<std::int64_t>(c.size(), [&](std::size_t i) { return std::int64_t{c[i].year}; });
            coverage["level"] = num_column<std::int64_t>(c.size(), [&](std::size_t i) { return std::int64_t{c[i].level}; });
            coverage["people_now"] = num_column<std::int64_t>(c.size(), [&](std::size_t i) { return std::int64_t{c[i].people_now}; });
            coverage["people_planned"] =
                num_column<std::int64_t>(c.size(), [&](std::size_t i) { return std::int64_t{c[i].people_planned}; });
            coverage["people_needed"] =
                num_column<std::int64_t>(c.size(), [&](std::size_t i) { return std::int64_t{c[i].people_needed}; });
            out["learners"] = t.learners.size();
            out["hours"] = t.hours;
            out["steps"] = t.steps;
            out["opportunity_steps"] = t.opportunities;
            out["unmet"] = t.unmet;
            out["optimal"] = t.optimal;
            out["seats"] = seats;
            out["coverage"] = coverage;
            return out;
        },
        py::arg("data"), py::arg("department"), py::arg("country"), py::arg("start_year"), py::arg("start_month"),
        py::arg("months"), py::arg("hours_per_month"), py::arg("targets"), py::arg("exact_limit"),
        py::arg("num_threads"), py::arg("hours_per_quarter") = 0.0, py::arg("first_month") = 0,
        py::arg("retake_failed") = true, py::arg("gig_hours_per_week") = 4.0, py::arg("work_package_hours_per_week") = 4.0,
        py::arg("options_per_gap") = 12);
}

}  // namespace learnrec::python
