// learnrec._core — data bindings: the synthetic academy (tables, features, typed events), the
// feature and event CSV readers, and the event weighting policy. Heavy calls release the GIL;
// results are moved into numpy arrays without copying where the layout allows.
#include "common.hpp"

#include <array>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "learnrec/data/academy.hpp"
#include "learnrec/data/csv.hpp"
#include "learnrec/data/events.hpp"
#include "learnrec/data/features.hpp"

namespace learnrec::python {
namespace {

using namespace py::literals;

py::dict read_csv(const std::string& path, const std::vector<std::string>& ignored_columns, char delimiter) {
    CsvOptions options;
    options.ignored_columns = ignored_columns;
    options.delimiter = delimiter;
    return interactions_to_python(released([&] { return read_interactions_csv(std::filesystem::path(path), options); }));
}

AcademyConfig academy_config(std::uint64_t seed, std::int64_t learners, std::int64_t courses, double mean_enrolments,
                             int schema_version) {
    AcademyConfig config;
    config.seed = seed;
    config.learners = checked_dim(learners, "learners");
    config.courses = checked_dim(courses, "courses");
    config.mean_enrolments = mean_enrolments;
    config.schema_version = schema_version;
    return config;
}

py::list skill_strings(const std::vector<SkillLevel>& skills) {
    py::list out(skills.size());
    for (std::size_t k = 0; k < skills.size(); ++k) out[k] = py::str(fmt::format("{}:{}", skills[k].skill, skills[k].level));
    return out;
}

template <class F>
py::list str_column(std::size_t n, F&& get) {
    py::list out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = py::str(get(i));
    return out;
}

py::dict academy(std::uint64_t seed, std::int64_t learners, std::int64_t courses, double mean_enrolments,
                 int schema_version) {
    const AcademyConfig config = academy_config(seed, learners, courses, mean_enrolments, schema_version);
    Academy a;
    {
        py::gil_scoped_release release;
        a = generate_academy(config);
    }
    py::dict out;
    out["schema_version"] = a.schema_version;
    {
        const auto& l = a.learners;
        const auto n = l.size();
        py::dict t;
        t["id"] = str_column(n, [&](std::size_t i) { return l[i].id; });
        t["role"] = str_column(n, [&](std::size_t i) { return l[i].role; });
        t["department"] = str_column(n, [&](std::size_t i) { return l[i].department; });
        t["country"] = str_column(n, [&](std::size_t i) { return l[i].country; });
        t["language"] = str_column(n, [&](std::size_t i) { return l[i].language; });
        if (a.schema_version >= 2) {
            t["region"] = str_column(n, [&](std::size_t i) { return l[i].region; });
            t["seniority"] = str_column(n, [&](std::size_t i) { return l[i].seniority; });
            py::list skills(n);
            for (std::size_t i = 0; i < n; ++i) skills[i] = skill_strings(l[i].target_skills);
            t["target_skills"] = skills;
        }
        out["learners"] = t;
    }
    {
        const auto& c = a.courses;
        const auto n = c.size();
        py::dict t;
        t["id"] = str_column(n, [&](std::size_t j) { return c[j].id; });
        t["title"] = str_column(n, [&](std::size_t j) { return c[j].title; });
        t["topic"] = str_column(n, [&](std::size_t j) { return c[j].topic; });
        t["format"] = str_column(n, [&](std::size_t j) { return c[j].format; });
        t["language"] = str_column(n, [&](std::size_t j) { return c[j].language; });
        t["level"] = column<std::int32_t>(n, [&](std::size_t j) { return c[j].level; });
        t["duration_hours"] = column<float>(n, [&](std::size_t j) { return c[j].duration_hours; });
        if (a.schema_version >= 2) {
            t["provider"] = str_column(n, [&](std::size_t j) { return c[j].provider; });
            py::list skills(n);
            for (std::size_t j = 0; j < n; ++j) skills[j] = skill_strings(c[j].skills);
            t["skills"] = skills;
            t["validity_months"] = column<std::int32_t>(n, [&](std::size_t j) { return c[j].validity_months; });
            py::array_t<bool> has_exam(static_cast<py::ssize_t>(n));  // not column<bool>: vector<bool> has no data()
            for (std::size_t j = 0; j < n; ++j) has_exam.mutable_data()[j] = c[j].has_exam;
            t["has_exam"] = has_exam;
        }
        out["courses"] = t;
    }
    if (a.schema_version >= 2) {
        py::list department, role, skill;
        std::vector<std::int32_t> level;
        for (const auto& e : a.skills_review)
            for (const auto& s : e.skills) {
                department.append(e.department);
                role.append(e.role);
                skill.append(s.skill);
                level.push_back(s.level);
            }
        const auto rows = static_cast<py::ssize_t>(level.size());
        out["skills_review"] = py::dict("department"_a = department, "role"_a = role, "skill"_a = skill,
                                        "level"_a = to_numpy(std::move(level), {rows}));

        const auto& o = a.obligations;
        py::dict obligations;
        obligations["course_id"] = str_column(o.size(), [&](std::size_t k) { return o[k].course_id; });
        obligations["scope"] = str_column(o.size(), [&](std::size_t k) { return o[k].scope; });
        obligations["value"] = str_column(o.size(), [&](std::size_t k) { return o[k].value; });
        obligations["due"] = column<timestamp_t>(o.size(), [&](std::size_t k) { return o[k].due; });
        out["obligations"] = obligations;

        const auto& p = a.prerequisites;
        py::dict prerequisites;
        prerequisites["course"] = column<index_t>(p.size(), [&](std::size_t k) { return p[k].course; });
        prerequisites["requires_course"] = column<index_t>(p.size(), [&](std::size_t k) { return p[k].requires_course; });
        out["prerequisites"] = prerequisites;

        const auto& s = a.sessions;
        py::dict sessions;
        sessions["course"] = column<index_t>(s.size(), [&](std::size_t k) { return s[k].course; });
        sessions["start"] = column<timestamp_t>(s.size(), [&](std::size_t k) { return s[k].start; });
        sessions["end"] = column<timestamp_t>(s.size(), [&](std::size_t k) { return s[k].end; });
        sessions["country"] = str_column(s.size(), [&](std::size_t k) { return s[k].location; });
        sessions["capacity"] = column<std::int32_t>(s.size(), [&](std::size_t k) { return s[k].capacity; });
        out["sessions"] = sessions;
    }
    const EventLog log = academy_event_log(a);
    out["events"] = events_to_python(log.events);
    out["matrix"] = csr_to_numpy(std::move(a.interactions.matrix));
    return out;
}

py::dict features_to_python(FeatureMatrix&& f) {
    py::dict out;
    out["feature_names"] = id_list(f.features);
    out["skipped_records"] = f.skipped_records;
    out["matrix"] = csr_to_numpy(std::move(f.matrix));
    return out;
}

py::dict academy_features(std::uint64_t seed, std::int64_t learners, std::int64_t courses, double mean_enrolments,
                          int schema_version) {
    const AcademyConfig config = academy_config(seed, learners, courses, mean_enrolments, schema_version);
    FeatureMatrix user, item;
    {
        py::gil_scoped_release release;
        const Academy a = generate_academy(config);
        user = academy_learner_features(a);
        item = academy_course_features(a);
    }
    py::dict out;
    out["user_features"] = features_to_python(std::move(user));
    out["item_features"] = features_to_python(std::move(item));
    return out;
}

py::dict read_features(const std::string& path, const std::vector<std::string>& ids, char delimiter,
                       bool allow_unknown_ids, const std::optional<std::vector<std::string>>& vocabulary,
                       const std::vector<std::string>& ignored_columns) {
    FeatureCsvOptions options;
    options.delimiter = delimiter;
    options.allow_unknown_ids = allow_unknown_ids;
    options.ignored_columns = ignored_columns;
    FeatureMatrix f;
    {
        py::gil_scoped_release release;
        const IdMap id_map(ids);
        std::optional<IdMap> vocab;
        if (vocabulary) vocab.emplace(*vocabulary);
        f = read_features_csv(std::filesystem::path(path), id_map, options, vocab ? &*vocab : nullptr);
    }
    return features_to_python(std::move(f));
}

py::dict read_events(const std::string& path, const std::vector<std::string>& ignored_columns, char delimiter) {
    CsvOptions options;
    options.ignored_columns = ignored_columns;
    options.delimiter = delimiter;
    EventLog log;
    {
        py::gil_scoped_release release;
        log = read_events_csv(std::filesystem::path(path), options);
    }
    py::dict out = events_to_python(log.events);
    out["learner_ids"] = id_list(log.learners);
    out["course_ids"] = id_list(log.courses);
    return out;
}

py::dict events_from_columns(const std::vector<std::string>& learner_ids, const std::vector<std::string>& course_ids,
                             const std::vector<std::string>& kinds, const py::object& time_obj,
                             const py::object& value_obj) {
    const auto time = strict_vector<timestamp_t>(time_obj, "timestamp");
    const auto value = strict_vector<float>(value_obj, "value");
    const std::size_t n = learner_ids.size();
    LEARNREC_CHECK(course_ids.size() == n && kinds.size() == n && static_cast<std::size_t>(time.size()) == n &&
                       static_cast<std::size_t>(value.size()) == n,
                   "event columns differ in length: learner_id {}, course_id {}, event {}, timestamp {}, value {}", n,
                   course_ids.size(), kinds.size(), time.size(), value.size());
    EventLog log;
    {
        py::gil_scoped_release release;
        log.events.reserve(n);
        for (std::size_t k = 0; k < n; ++k) {
            const auto where = fmt::format("row {}", k);
            const auto kind = parse_lifecycle_kind(kinds[k]);
            if (!kind) LEARNREC_FAIL_AT(where, "unknown event '{}'", kinds[k]);
            add_event(log, learner_ids[k], course_ids[k], *kind, time.data()[k], value.data()[k], where);
        }
    }
    py::dict out = events_to_python(log.events);
    out["learner_ids"] = id_list(log.learners);
    out["course_ids"] = id_list(log.courses);
    return out;
}

WeightingPolicy::Dropped parse_dropped(const std::string& dropped) {
    if (dropped == "negative") return WeightingPolicy::Dropped::negative;
    if (dropped == "ignore") return WeightingPolicy::Dropped::ignore;
    LEARNREC_FAIL_AT("apply_policy", "dropped must be 'negative' or 'ignore', got '{}'", dropped);
}

/// Borrowed event arrays (strict dtypes, equal lengths) converted to LifecycleEvents.
std::vector<LifecycleEvent> events_from_arrays(const py::object& learner_obj, const py::object& course_obj,
                                               const py::object& kind_obj, const py::object& time_obj,
                                               const py::object& value_obj) {
    const auto learner = strict_vector<index_t>(learner_obj, "learner");
    const auto course = strict_vector<index_t>(course_obj, "course");
    const auto kind = strict_vector<std::uint8_t>(kind_obj, "kind");
    const auto time = strict_vector<timestamp_t>(time_obj, "time");
    const auto value = strict_vector<float>(value_obj, "value");
    const auto n = static_cast<std::size_t>(learner.size());
    LEARNREC_CHECK(static_cast<std::size_t>(course.size()) == n && static_cast<std::size_t>(kind.size()) == n &&
                       static_cast<std::size_t>(time.size()) == n && static_cast<std::size_t>(value.size()) == n,
                   "event arrays differ in length: learner {}, course {}, kind {}, time {}, value {}", n,
                   course.size(), kind.size(), time.size(), value.size());
    std::vector<LifecycleEvent> events(n);
    py::gil_scoped_release release;
    for (std::size_t k = 0; k < n; ++k) {
        LEARNREC_CHECK(kind.data()[k] < kLifecycleKinds, "event {} has kind {} outside [0, {})", k, kind.data()[k],
                       kLifecycleKinds);
        events[k] = {learner.data()[k], course.data()[k], static_cast<LifecycleKind>(kind.data()[k]), time.data()[k],
                     value.data()[k]};
    }
    return events;
}

py::dict course_states(const py::object& learner_obj, const py::object& course_obj, const py::object& kind_obj,
                       const py::object& time_obj, const py::object& value_obj, std::int64_t learners,
                       std::int64_t courses) {
    const auto events = events_from_arrays(learner_obj, course_obj, kind_obj, time_obj, value_obj);
    const index_t rows = checked_dim(learners, "learners");
    const index_t cols = checked_dim(courses, "courses");
    LearnerCourseStates states;
    {
        py::gil_scoped_release release;
        states = LearnerCourseStates::from_events(events, rows, cols);
    }
    std::vector<offset_t> indptr(static_cast<std::size_t>(rows) + 1, 0);
    std::vector<index_t> course;
    std::vector<std::uint8_t> state;
    std::vector<timestamp_t> since, completed_at;
    std::vector<float> rating;
    for (index_t i = 0; i < rows; ++i) {
        const auto c = states.courses(i);
        const auto s = states.statuses(i);
        course.insert(course.end(), c.begin(), c.end());
        for (const auto& status : s) {
            state.push_back(static_cast<std::uint8_t>(status.state));
            since.push_back(status.since);
            completed_at.push_back(status.completed_at);
            rating.push_back(status.rating);
        }
        indptr[static_cast<std::size_t>(i) + 1] = static_cast<offset_t>(course.size());
    }
    const auto n = static_cast<py::ssize_t>(course.size());
    py::dict out;
    out["indptr"] = to_numpy(std::move(indptr), {static_cast<py::ssize_t>(rows) + 1});
    out["course"] = to_numpy(std::move(course), {n});
    out["state"] = to_numpy(std::move(state), {n});
    out["since"] = to_numpy(std::move(since), {n});
    out["completed_at"] = to_numpy(std::move(completed_at), {n});
    out["rating"] = to_numpy(std::move(rating), {n});
    return out;
}

py::dict apply_weighting(const py::object& learner_obj, const py::object& course_obj, const py::object& kind_obj,
                         const py::object& time_obj, const py::object& value_obj, std::int64_t learners,
                         std::int64_t courses, const std::array<float, kLifecycleKinds>& weights, float rating_center,
                         double half_life_days, std::optional<timestamp_t> reference_time, const std::string& dropped) {
    WeightingPolicy policy;
    policy.weight = weights;
    policy.rating_center = rating_center;
    policy.half_life_days = half_life_days;
    policy.reference_time = reference_time;
    policy.dropped = parse_dropped(dropped);
    EventLog log;
    for (index_t i = 0, rows = checked_dim(learners, "learners"); i < rows; ++i) log.learners.insert(std::to_string(i));
    for (index_t j = 0, cols = checked_dim(courses, "courses"); j < cols; ++j) log.courses.insert(std::to_string(j));
    log.events = events_from_arrays(learner_obj, course_obj, kind_obj, time_obj, value_obj);
    Interactions x;
    PolicyStats stats;
    {
        py::gil_scoped_release release;
        x = apply_policy(log, policy, &stats);
    }
    const auto nnz = static_cast<py::ssize_t>(x.matrix.nnz());
    return py::dict("timestamps"_a = to_numpy(std::move(x.timestamps), {nnz}), "matrix"_a = csr_to_numpy(std::move(x.matrix)),
                    "contributing_events"_a = stats.contributing_events, "ignored_events"_a = stats.ignored_events,
                    "cancelled_pairs"_a = stats.cancelled_pairs);
}

}  // namespace

void register_data(py::module_& m) {
    m.def("read_interactions_csv", &read_csv, py::arg("path"), py::arg("ignored_columns") = std::vector<std::string>{},
          py::arg("delimiter") = ',',
          "learnrec::read_interactions_csv: dict with matrix (indptr, indices, data, shape), learner_ids, "
          "course_ids, timestamps (int64 per stored entry, or None).");
    m.def("generate_academy", &academy, py::arg("seed") = 42, py::arg("learners") = 5000, py::arg("courses") = 600,
          py::arg("mean_enrolments") = 12.0, py::arg("schema_version") = 2,
          "learnrec::generate_academy: dict with matrix, learners and courses tables (column lists), events "
          "(typed lifecycle arrays), schema_version, and at schema 2 skills_review, obligations, prerequisites, "
          "sessions tables.");
    m.def("academy_features", &academy_features, py::arg("seed") = 42, py::arg("learners") = 5000,
          py::arg("courses") = 600, py::arg("mean_enrolments") = 12.0, py::arg("schema_version") = 2,
          "learnrec::academy_learner_features / academy_course_features: dict with user_features and "
          "item_features, each a dict of matrix and feature_names.");
    m.def("read_features_csv", &read_features, py::arg("path"), py::arg("ids"), py::arg("delimiter") = ',',
          py::arg("allow_unknown_ids") = false, py::arg("vocabulary") = py::none(),
          py::arg("ignored_columns") = std::vector<std::string>{},
          "learnrec::read_features_csv: dict with matrix (rows aligned to ids), feature_names, skipped_records.");
    m.def("read_events_csv", &read_events, py::arg("path"), py::arg("ignored_columns") = std::vector<std::string>{},
          py::arg("delimiter") = ',',
          "learnrec::read_events_csv: dict with learner, course (int32), kind (uint8), time (int64), value "
          "(float32) arrays, learner_ids and course_ids.");
    m.def("events_from_columns", &events_from_columns, py::arg("learner_ids"), py::arg("course_ids"),
          py::arg("kinds"), py::arg("timestamps"), py::arg("values"),
          "learnrec::add_event over columns (values NaN = none): the same dict as read_events_csv; errors name "
          "the row.");
    m.def("apply_policy", &apply_weighting, py::arg("learner"), py::arg("course"), py::arg("kind"), py::arg("time"),
          py::arg("value"), py::arg("learners"), py::arg("courses"), py::arg("weights"), py::arg("rating_center"),
          py::arg("half_life_days"), py::arg("reference_time"), py::arg("dropped"),
          "learnrec::apply_policy: dict with matrix, timestamps, contributing_events, ignored_events, "
          "cancelled_pairs.");
    m.def("course_states", &course_states, py::arg("learner"), py::arg("course"), py::arg("kind"), py::arg("time"),
          py::arg("value"), py::arg("learners"), py::arg("courses"),
          "learnrec::LearnerCourseStates: per-learner CSR of seen courses (indptr int64, course int32) with state "
          "(uint8, COURSE_STATES), since, completed_at (int64; INT64_MIN = never) and rating (float32).");
    m.attr("COURSE_STATES") = [] {
        py::list names;
        for (std::uint8_t k = 0; k <= static_cast<std::uint8_t>(CourseState::dropped); ++k)
            names.append(std::string(to_string(static_cast<CourseState>(k))));
        return py::tuple(names);
    }();
    m.attr("LIFECYCLE_KINDS") = [] {
        py::list names;
        for (std::size_t k = 0; k < kLifecycleKinds; ++k) names.append(std::string(to_string(static_cast<LifecycleKind>(k))));
        return py::tuple(names);
    }();
}

}  // namespace learnrec::python
