// learnrec — typed learning events (assigned, enrolled, started, completed, passed, failed, dropped,
// rated), turning them into training weights, and the current state of each (learner, course).
//
// CSV format (read_events_csv): header with `learner_id`, `course_id`, `event`, `timestamp` and
// optionally `value`, in any order, e.g.
//
//     learner_id,course_id,event,timestamp,value
//     L1,C7,enrolled,2025-03-02T09:00:00Z,
//     L1,C7,rated,2025-03-20,4
//
//  - event: one of the LifecycleKind names (lower case, exactly as to_string prints them).
//  - timestamp: as in the interactions reader (epoch seconds or ISO-8601; csv.hpp); required.
//  - value: the rating of a `rated` event, a number in [1, 5], required for it; other events leave
//    it empty or 0 (a value on them is an error rather than being silently ignored).
//  - Learner and course indices follow the order of first appearance; events keep file order.
//  - Errors name "<file>:<line>" like every learnrec CSV reader.
//
// Weighting (apply_policy): each event contributes `weight[kind]` (rated: weight[rated] x
// (value - rating_center), so 5 stars is +2 and 1 star is -2 with the defaults), multiplied by
// 0.5^(age / half_life) when half_life_days > 0, where age = reference_time - event time (events
// after the reference time count as age 0, never amplified). Contributions of the same
// (learner, course) are summed; positive sums are positive feedback, negative sums negative
// feedback (the interactions convention). Events whose weight is 0 (by default `assigned`, and
// `dropped` under Dropped::ignore) contribute nothing. A pair whose contributions sum to exactly 0
// (e.g. enrolled 1 + dropped -1 with the defaults) is left out of the matrix and counted in
// PolicyStats::cancelled_pairs, since a zero weight cannot be stored. The timestamp of a pair is
// its latest contributing event.
//
// States (LearnerCourseStates): the state of a pair is set by its latest state-changing event (every
// kind except `rated`); events at the same second apply in LifecycleKind order, then file order.
// `completed_at` is the time of the latest completed or passed event, whatever came after.
//
// Thread safety: free functions are reentrant; EventLog, WeightingPolicy and LearnerCourseStates are
// values, safe to read from many threads.
// Complexity: reading O(text); apply_policy and from_events O(events log events); status() O(log d)
// for a learner with d courses.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "learnrec/data/csv.hpp"
#include "learnrec/data/id_map.hpp"
#include "learnrec/data/interactions.hpp"

namespace learnrec {

/// The state of a learner on a course: the one lifecycle enum of the library (event logs, ranking
/// history, campaigns, learning paths, allocation). `none`: the pair was never seen. Its numeric codes
/// are the Python API's state codes.
enum class CourseState : std::uint8_t { none, assigned, enrolled, started, completed, passed, failed, dropped };
/// "none", "assigned", ... "dropped".
std::string_view to_string(CourseState state);
/// Enrolled or started: the ranking's "in_progress".
constexpr bool is_in_progress(CourseState s) noexcept {
    return s == CourseState::enrolled || s == CourseState::started;
}
/// Completed or passed: the ranking's "completed".
constexpr bool is_completed(CourseState s) noexcept {
    return s == CourseState::completed || s == CourseState::passed;
}

/// An event's kind: the CourseState it sets, same names and order, or `rated`, an event that sets no
/// state (a rating is feedback on a course, not a step of taking it); the codes are Python's event codes.
enum class LifecycleKind : std::uint8_t { assigned, enrolled, started, completed, passed, failed, dropped, rated };
inline constexpr std::size_t kLifecycleKinds = 8;

/// The state an event of `kind` sets; CourseState::none for `rated`.
constexpr CourseState state_set_by(LifecycleKind kind) noexcept {
    return kind == LifecycleKind::rated ? CourseState::none
                                        : static_cast<CourseState>(static_cast<std::uint8_t>(kind) + 1);
}
static_assert(state_set_by(LifecycleKind::assigned) == CourseState::assigned &&
              state_set_by(LifecycleKind::passed) == CourseState::passed &&
              state_set_by(LifecycleKind::dropped) == CourseState::dropped);

/// "assigned", "enrolled", ... "rated".
std::string_view to_string(LifecycleKind kind);
/// The kind named exactly `name` (as to_string prints it), or nullopt.
std::optional<LifecycleKind> parse_lifecycle_kind(std::string_view name);

struct LifecycleEvent {
    index_t learner;
    index_t course;
    LifecycleKind kind;
    timestamp_t time;  ///< seconds since the Unix epoch, UTC
    float value;       ///< rating 1..5 for rated, else 0
};

struct EventLog {
    std::vector<LifecycleEvent> events;
    IdMap learners;
    IdMap courses;
};

/// Reads an event log (format above). Throws Error naming file and line on any problem.
EventLog read_events_csv(const std::filesystem::path& path, const CsvOptions& options = {});
/// Same from memory; `source_name` replaces the file name in error messages.
EventLog parse_events_csv(std::string_view text, std::string_view source_name, const CsvOptions& options = {});
/// Appends one event by external ids (adding new ids in order), validated like a CSV record:
/// non-empty ids, a rating in [1, 5] for `rated`, and no value (NaN) or 0 for other kinds; NaN
/// means "no value". Throws Error(where, ...) otherwise. For building logs from other sources
/// (a database, a DataFrame) with the reader's guarantees.
void add_event(EventLog& log, std::string_view learner, std::string_view course, LifecycleKind kind, timestamp_t time,
               float value = std::numeric_limits<float>::quiet_NaN(), const std::string& where = {});
/// Writes `log` in the format above (ISO-8601 UTC timestamps); read_events_csv reads back the same log.
void write_events_csv(const std::filesystem::path& path, const EventLog& log);

/// How typed events become training weights. Defaults (indexed by LifecycleKind):
///   assigned 0 (ignored: being assigned says nothing about interest), enrolled 1, started 1.5,
///   completed 3, passed 4, failed 1 (the learner engaged with the course), dropped -1 (negative
///   feedback), rated 1 per star away from rating_center (3).
struct WeightingPolicy {
    enum class Dropped : std::uint8_t {
        negative,  ///< a dropped event contributes weight[dropped] (<= 0)
        ignore     ///< dropped events contribute nothing
    };
    std::array<float, kLifecycleKinds> weight{0.0f, 1.0f, 1.5f, 3.0f, 4.0f, 1.0f, -1.0f, 1.0f};
    float rating_center = 3.0f;                ///< a rating equal to it contributes 0
    double half_life_days = 0.0;               ///< 0 = no time decay
    std::optional<timestamp_t> reference_time; ///< "now" for the decay; default: the latest event
    Dropped dropped = Dropped::negative;

    /// Throws Error on a non-finite weight or rating_center, a positive weight[dropped] under
    /// Dropped::negative, or a negative or non-finite half-life.
    void validate() const;
    float& operator[](LifecycleKind kind) noexcept { return weight[static_cast<std::size_t>(kind)]; }
    float operator[](LifecycleKind kind) const noexcept { return weight[static_cast<std::size_t>(kind)]; }
};

struct PolicyStats {
    std::size_t contributing_events = 0;  ///< events with a non-zero contribution
    std::size_t ignored_events = 0;       ///< events whose contribution is 0
    std::size_t cancelled_pairs = 0;      ///< pairs whose contributions summed to exactly 0 (left out)
};

/// learners x courses training weights (and latest timestamps) from `log` under `policy`; the id
/// maps are the log's, so learners or courses without a remaining pair keep their row/column.
/// Throws Error if the policy is invalid, an event is out of range, or a sum overflows float.
Interactions apply_policy(const EventLog& log, const WeightingPolicy& policy = {}, PolicyStats* stats = nullptr);

struct CourseStatus {
    CourseState state = CourseState::none;
    timestamp_t since = std::numeric_limits<timestamp_t>::min();         ///< time of the event that set `state`
    timestamp_t completed_at = std::numeric_limits<timestamp_t>::min();  ///< last completed/passed, or min
    float rating = 0.0f;                                                  ///< latest rating, 0 when never rated

    bool ever_completed() const noexcept { return completed_at != std::numeric_limits<timestamp_t>::min(); }
};

/// The state of every (learner, course) pair seen in an event log, stored per learner sorted by
/// course. Pairs never seen have CourseState::none.
class LearnerCourseStates {
public:
    LearnerCourseStates() : indptr_(1, 0) {}

    static LearnerCourseStates from_events(const EventLog& log);
    /// From events whose indices are in [0, learners) x [0, courses) (throws Error otherwise).
    static LearnerCourseStates from_events(std::span<const LifecycleEvent> events, index_t learners, index_t courses);

    /// O(log d). Throws Error on an index out of range.
    CourseStatus status(index_t learner, index_t course) const;
    /// The courses seen for `learner`, increasing, aligned with statuses(learner).
    std::span<const index_t> courses(index_t learner) const;
    std::span<const CourseStatus> statuses(index_t learner) const;

    index_t num_learners() const noexcept { return learners_; }
    index_t num_courses() const noexcept { return courses_; }
    std::size_t num_pairs() const noexcept { return course_.size(); }

private:
    void check_learner(index_t learner) const;

    index_t learners_ = 0;
    index_t courses_ = 0;
    std::vector<std::size_t> indptr_;  // learners + 1
    std::vector<index_t> course_;
    std::vector<CourseStatus> status_;
};

}  // namespace learnrec
