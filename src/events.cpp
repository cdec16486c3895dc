// learnrec — typed events: CSV reading/writing, weighting policy, learner-course states (events.hpp).
#include "learnrec/data/events.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include <fmt/ranges.h>

#include "csv_fields.hpp"
#include "csv_write.hpp"

namespace learnrec {

namespace {
constexpr std::array<std::string_view, kLifecycleKinds> kKindNames{"assigned", "enrolled", "started", "completed",
                                                                   "passed",   "failed",   "dropped", "rated"};
constexpr std::array<std::string_view, 8> kStateNames{"none",      "assigned", "enrolled", "started",
                                                      "completed", "passed",   "failed",   "dropped"};
constexpr float kMinRating = 1.0f;
constexpr float kMaxRating = 5.0f;
}  // namespace

std::string_view to_string(LifecycleKind kind) {
    const auto k = static_cast<std::size_t>(kind);
    LEARNREC_CHECK(k < kKindNames.size(), "invalid LifecycleKind {}", k);
    return kKindNames[k];
}

std::optional<LifecycleKind> parse_lifecycle_kind(std::string_view name) {
    for (std::size_t k = 0; k < kKindNames.size(); ++k)
        if (kKindNames[k] == name) return static_cast<LifecycleKind>(k);
    return std::nullopt;
}

std::string_view to_string(CourseState state) {
    const auto k = static_cast<std::size_t>(state);
    LEARNREC_CHECK(k < kStateNames.size(), "invalid CourseState {}", k);
    return kStateNames[k];
}

// ---- CSV ----------------------------------------------------------------------------------------

EventLog parse_events_csv(std::string_view text, std::string_view source_name, const CsvOptions& options) {
    CsvReader reader(text, source_name, options.delimiter);
    std::vector<std::string> fields;
    constexpr const char* expected = "expected learner_id,course_id,event,timestamp[,value]";
    if (!reader.next_record(fields)) LEARNREC_FAIL_AT(reader.where(), "empty file; {}", expected);
    if (fields.empty()) LEARNREC_FAIL_AT(reader.where(), "blank header line; {}", expected);
    const auto cols = resolve_csv_columns(fields, {"learner_id", "course_id", "event", "timestamp"}, {"value"},
                                          options.ignored_columns, reader.where());
    const auto value_col = cols.optional[0];
    const auto field = [&](std::size_t col) { return detail::csv_value(reader, fields, cols.required[col]); };

    EventLog log;
    while (reader.next_record(fields)) {
        detail::check_csv_record(reader, fields, cols.count);
        const std::string_view learner = field(0), course = field(1), event = field(2);
        const auto kind = parse_lifecycle_kind(event);
        if (!kind)
            LEARNREC_FAIL_AT(reader.where(), "unknown event '{}' (expected one of {})", event, fmt::join(kKindNames, ", "));
        const timestamp_t time = parse_csv_timestamp(fields[cols.required[3]], "timestamp", reader.where());
        float value = std::numeric_limits<float>::quiet_NaN();  // absent
        if (value_col && !trim_csv_blank(fields[*value_col]).empty())
            value = parse_csv_float(fields[*value_col], "value", reader.where());
        add_event(log, learner, course, *kind, time, value, reader.where());
    }
    return log;
}

void add_event(EventLog& log, std::string_view learner, std::string_view course, LifecycleKind kind, timestamp_t time,
               float value, const std::string& where) {
    if (learner.empty()) LEARNREC_FAIL_AT(where, "empty learner_id");
    if (course.empty()) LEARNREC_FAIL_AT(where, "empty course_id");
    if (static_cast<std::size_t>(kind) >= kLifecycleKinds)
        LEARNREC_FAIL_AT(where, "invalid event kind {}", static_cast<int>(kind));
    const bool has_value = !std::isnan(value);
    if (kind == LifecycleKind::rated) {
        if (!has_value) LEARNREC_FAIL_AT(where, "a rated event needs a value (the rating, 1 to 5)");
        if (!(value >= kMinRating && value <= kMaxRating))
            LEARNREC_FAIL_AT(where, "rating {} is outside [1, 5]", value);
    } else if (has_value && value != 0.0f) {
        LEARNREC_FAIL_AT(where, "value {} given for a '{}' event; only rated events carry a value", value,
                                       to_string(kind));
    }
    try {
        const index_t l = log.learners.insert(std::string(learner));
        const index_t c = log.courses.insert(std::string(course));
        log.events.push_back({l, c, kind, time, has_value ? value : 0.0f});
    } catch (const Error& e) {  // more distinct ids than index_t holds
        LEARNREC_FAIL_AT(where, "{}", e.reason());
    }
}

EventLog read_events_csv(const std::filesystem::path& path, const CsvOptions& options) {
    const auto text = read_text_file(path);
    return parse_events_csv(text, path.string(), options);
}

void write_events_csv(const std::filesystem::path& path, const EventLog& log) {
    std::string text = "learner_id,course_id,event,timestamp,value\n";
    for (const auto& e : log.events) {
        detail::append_csv_field(text, log.learners.id(e.learner));
        text.push_back(',');
        detail::append_csv_field(text, log.courses.id(e.course));
        text += fmt::format(",{},{},", to_string(e.kind), detail::iso8601(e.time));
        if (e.kind == LifecycleKind::rated) text += fmt::format("{}", e.value);
        text.push_back('\n');
    }
    detail::write_text_file(path, text);
}

// ---- weighting ----------------------------------------------------------------------------------

void WeightingPolicy::validate() const {
    for (std::size_t k = 0; k < kLifecycleKinds; ++k)
        LEARNREC_CHECK(std::isfinite(weight[k]), "weight of '{}' events is {}; weights must be finite", kKindNames[k],
                       weight[k]);
    LEARNREC_CHECK(std::isfinite(rating_center), "rating_center must be finite, got {}", rating_center);
    LEARNREC_CHECK(std::isfinite(half_life_days) && half_life_days >= 0.0,
                   "half_life_days must be >= 0 (0 = no decay), got {}", half_life_days);
    LEARNREC_CHECK(dropped != Dropped::negative || (*this)[LifecycleKind::dropped] <= 0.0f,
                   "weight of 'dropped' events is {} but Dropped::negative needs a weight <= 0 (or use "
                   "Dropped::ignore)",
                   (*this)[LifecycleKind::dropped]);
}

Interactions apply_policy(const EventLog& log, const WeightingPolicy& policy, PolicyStats* stats) {
    policy.validate();
    const index_t rows = log.learners.size();
    const index_t cols = log.courses.size();
    timestamp_t now = std::numeric_limits<timestamp_t>::min();
    for (const auto& e : log.events) {
        LEARNREC_CHECK(e.learner >= 0 && e.learner < rows && e.course >= 0 && e.course < cols,
                       "event ({}, {}) outside the log's {} learners x {} courses", e.learner, e.course, rows, cols);
        LEARNREC_CHECK(static_cast<std::size_t>(e.kind) < kLifecycleKinds, "event ({}, {}) has invalid kind {}",
                       e.learner, e.course, static_cast<int>(e.kind));
        LEARNREC_CHECK(e.kind != LifecycleKind::rated || std::isfinite(e.value),
                       "rated event ({}, {}) has non-finite value {}", e.learner, e.course, e.value);
        now = std::max(now, e.time);
    }
    if (policy.reference_time) now = *policy.reference_time;

    struct Contribution {
        index_t learner;
        index_t course;
        double weight;
        timestamp_t time;
    };
    PolicyStats local;
    std::vector<Contribution> parts;
    parts.reserve(log.events.size());
    for (const auto& e : log.events) {
        double w = policy[e.kind];
        if (e.kind == LifecycleKind::rated) w *= static_cast<double>(e.value) - static_cast<double>(policy.rating_center);
        if (e.kind == LifecycleKind::dropped && policy.dropped == WeightingPolicy::Dropped::ignore) w = 0.0;
        if (w != 0.0 && policy.half_life_days > 0.0) {
            // In double: a far-off reference time must not overflow the int64 difference.
            const double age_days =
                std::max(0.0, static_cast<double>(now) - static_cast<double>(e.time)) / 86400.0;
            w *= std::exp2(-age_days / policy.half_life_days);
        }
        if (w == 0.0) {
            ++local.ignored_events;
            continue;
        }
        ++local.contributing_events;
        parts.push_back({e.learner, e.course, w, e.time});
    }
    std::stable_sort(parts.begin(), parts.end(), [](const Contribution& a, const Contribution& b) {
        return a.learner != b.learner ? a.learner < b.learner : a.course < b.course;
    });

    std::vector<offset_t> indptr(static_cast<std::size_t>(rows) + 1, 0);
    std::vector<index_t> indices;
    std::vector<float> data;
    std::vector<timestamp_t> times;
    for (std::size_t b = 0; b < parts.size();) {
        std::size_t e = b;
        double sum = 0.0;
        timestamp_t latest = std::numeric_limits<timestamp_t>::min();
        for (; e < parts.size() && parts[e].learner == parts[b].learner && parts[e].course == parts[b].course; ++e) {
            sum += parts[e].weight;  // in file order: the same sum whatever the sort implementation
            latest = std::max(latest, parts[e].time);
        }
        const auto w = static_cast<float>(sum);
        LEARNREC_CHECK(std::isfinite(w), "the weights of learner '{}' and course '{}' sum to {}, beyond float range",
                       log.learners.id(parts[b].learner), log.courses.id(parts[b].course), sum);
        if (w == 0.0f) {
            ++local.cancelled_pairs;
        } else {
            indices.push_back(parts[b].course);
            data.push_back(w);
            times.push_back(latest);
            ++indptr[static_cast<std::size_t>(parts[b].learner) + 1];
        }
        b = e;
    }
    std::partial_sum(indptr.begin(), indptr.end(), indptr.begin());
    if (stats) *stats = local;
    return Interactions{CsrMatrix(rows, cols, std::move(indptr), std::move(indices), std::move(data)), log.learners,
                        log.courses, std::move(times)};
}

// ---- states -------------------------------------------------------------------------------------

LearnerCourseStates LearnerCourseStates::from_events(const EventLog& log) {
    return from_events(log.events, log.learners.size(), log.courses.size());
}

LearnerCourseStates LearnerCourseStates::from_events(std::span<const LifecycleEvent> events, index_t learners,
                                                     index_t courses) {
    LEARNREC_CHECK(learners >= 0 && courses >= 0, "negative shape ({}, {})", learners, courses);
    for (const auto& e : events) {
        LEARNREC_CHECK(e.learner >= 0 && e.learner < learners && e.course >= 0 && e.course < courses,
                       "event ({}, {}) outside {} learners x {} courses", e.learner, e.course, learners, courses);
        LEARNREC_CHECK(static_cast<std::size_t>(e.kind) < kLifecycleKinds, "event ({}, {}) has invalid kind {}",
                       e.learner, e.course, static_cast<int>(e.kind));
    }
    std::vector<std::size_t> order(events.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    // Pair, then time, then kind: stable, so equal keys keep file order.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const auto& x = events[a];
        const auto& y = events[b];
        if (x.learner != y.learner) return x.learner < y.learner;
        if (x.course != y.course) return x.course < y.course;
        if (x.time != y.time) return x.time < y.time;
        return x.kind < y.kind;
    });

    LearnerCourseStates out;
    out.learners_ = learners;
    out.courses_ = courses;
    out.indptr_.assign(static_cast<std::size_t>(learners) + 1, 0);
    for (std::size_t k = 0; k < order.size(); ++k) {
        const auto& e = events[order[k]];
        if (k == 0 || e.learner != events[order[k - 1]].learner || e.course != events[order[k - 1]].course) {
            out.course_.push_back(e.course);
            out.status_.emplace_back();
            ++out.indptr_[static_cast<std::size_t>(e.learner) + 1];
        }
        CourseStatus& s = out.status_.back();
        if (e.kind == LifecycleKind::rated) {
            s.rating = e.value;
            continue;
        }
        s.state = state_set_by(e.kind);
        s.since = e.time;
        if (is_completed(s.state)) s.completed_at = e.time;
    }
    std::partial_sum(out.indptr_.begin(), out.indptr_.end(), out.indptr_.begin());
    return out;
}

void LearnerCourseStates::check_learner(index_t learner) const {
    LEARNREC_CHECK(learner >= 0 && learner < learners_, "learner index {} outside [0, {})", learner, learners_);
}

CourseStatus LearnerCourseStates::status(index_t learner, index_t course) const {
    check_learner(learner);
    LEARNREC_CHECK(course >= 0 && course < courses_, "course index {} outside [0, {})", course, courses_);
    const auto c = courses(learner);
    const auto it = std::lower_bound(c.begin(), c.end(), course);
    if (it == c.end() || *it != course) return {};
    return status_[indptr_[static_cast<std::size_t>(learner)] + static_cast<std::size_t>(it - c.begin())];
}

std::span<const index_t> LearnerCourseStates::courses(index_t learner) const {
    check_learner(learner);
    const auto b = indptr_[static_cast<std::size_t>(learner)];
    return std::span<const index_t>(course_).subspan(b, indptr_[static_cast<std::size_t>(learner) + 1] - b);
}

std::span<const CourseStatus> LearnerCourseStates::statuses(index_t learner) const {
    check_learner(learner);
    const auto b = indptr_[static_cast<std::size_t>(learner)];
    return std::span<const CourseStatus>(status_).subspan(b, indptr_[static_cast<std::size_t>(learner) + 1] - b);
}

}  // namespace learnrec
