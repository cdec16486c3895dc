// Tests for typed events, the weighting policy and learner-course states (learnrec/data/events.hpp).
#include <catch2/catch.hpp>

#include <filesystem>
#include <limits>
#include <string>
#include <unistd.h>

#include "learnrec/data/events.hpp"

using namespace learnrec;

namespace {

constexpr timestamp_t kDay = 86400;
constexpr timestamp_t kT0 = 1735689600;  // 2025-01-01T00:00:00Z

EventLog parse(std::string_view text) { return parse_events_csv(text, "events.csv"); }

float weight_of(const Interactions& x, std::string_view learner, std::string_view course) {
    const auto row = x.matrix.row(x.learners.at(learner));
    const auto col = x.courses.at(course);
    for (std::size_t k = 0; k < row.size(); ++k)
        if (row.indices[k] == col) return row.weights[k];
    return 0.0f;
}

/// A log built by index: learners "L0".., courses "C0"..
EventLog make_log(index_t learners, index_t courses, std::vector<LifecycleEvent> events) {
    EventLog log;
    for (index_t i = 0; i < learners; ++i) log.learners.insert(fmt::format("L{}", i));
    for (index_t j = 0; j < courses; ++j) log.courses.insert(fmt::format("C{}", j));
    log.events = std::move(events);
    return log;
}

using K = LifecycleKind;

}  // namespace

TEST_CASE("lifecycle kinds and course states print and parse by name", "[events]") {
    for (std::size_t k = 0; k < kLifecycleKinds; ++k) {
        const auto kind = static_cast<LifecycleKind>(k);
        CHECK(parse_lifecycle_kind(to_string(kind)) == kind);
    }
    CHECK(to_string(LifecycleKind::passed) == "passed");
    CHECK_FALSE(parse_lifecycle_kind("Passed").has_value());
    CHECK_FALSE(parse_lifecycle_kind("").has_value());
    CHECK(to_string(CourseState::none) == "none");
    CHECK(to_string(CourseState::dropped) == "dropped");
}

TEST_CASE("the event reader reads kinds, timestamps and ratings in file order", "[events]") {
    const auto log = parse(
        "learner_id,course_id,event,timestamp,value\n"
        "L1,C1,enrolled,2025-01-01,\n"
        "L2,C1,assigned,1735689600,0\n"
        "L1,C1,rated,2025-01-03T12:00:00Z,4.5\n");
    REQUIRE(log.events.size() == 3);
    CHECK(log.learners.size() == 2);
    CHECK(log.courses.size() == 1);
    CHECK(log.events[0].kind == K::enrolled);
    CHECK(log.events[0].time == kT0);
    CHECK(log.events[1].learner == 1);
    CHECK(log.events[1].kind == K::assigned);
    CHECK(log.events[2].kind == K::rated);
    CHECK(log.events[2].time == kT0 + 2 * kDay + 12 * 3600);
    CHECK(log.events[2].value == 4.5f);
}

TEST_CASE("the value column is optional when no event is a rating", "[events]") {
    const auto log = parse("event,timestamp,course_id,learner_id\nstarted,2025-01-01,C1,L1\n");
    REQUIRE(log.events.size() == 1);
    CHECK(log.events[0].value == 0.0f);
}

TEST_CASE("bad event records are errors naming file and line", "[events]") {
    const std::string header = "learner_id,course_id,event,timestamp,value\nL1,C1,enrolled,2025-01-01,\n";
    CHECK_THROWS_WITH(parse(header + "L1,C1,watched,2025-01-02,\n"),
                      Catch::Contains("events.csv:3") && Catch::Contains("unknown event 'watched'"));
    CHECK_THROWS_WITH(parse(header + "L1,C1,rated,2025-01-02,\n"),
                      Catch::Contains("events.csv:3") && Catch::Contains("needs a value"));
    CHECK_THROWS_WITH(parse(header + "L1,C1,rated,2025-01-02,6\n"),
                      Catch::Contains("events.csv:3") && Catch::Contains("outside [1, 5]"));
    CHECK_THROWS_WITH(parse(header + "L1,C1,rated,2025-01-02,nan\n"), Catch::Contains("events.csv:3"));
    CHECK_THROWS_WITH(parse(header + "L1,C1,passed,2025-01-02,85\n"),
                      Catch::Contains("events.csv:3") && Catch::Contains("only rated events carry a value"));
    CHECK_THROWS_WITH(parse(header + "L1,C1,passed,someday,\n"),
                      Catch::Contains("events.csv:3") && Catch::Contains("timestamp"));
    CHECK_THROWS_WITH(parse(header + ",C1,passed,2025-01-02,\n"),
                      Catch::Contains("events.csv:3") && Catch::Contains("empty learner_id"));
    CHECK_THROWS_WITH(parse("learner_id,course_id,event\nL1,C1,enrolled\n"),
                      Catch::Contains("events.csv:1") && Catch::Contains("missing required column 'timestamp'"));
    CHECK_THROWS_WITH(read_events_csv("/nonexistent/events.csv"), Catch::Contains("/nonexistent/events.csv"));
}

TEST_CASE("default weights sum per pair: enrolled 1 + started 1.5 + completed 3 + passed 4", "[events][policy]") {
    const auto log = make_log(1, 1, {{0, 0, K::enrolled, kT0, 0}, {0, 0, K::started, kT0 + kDay, 0},
                                     {0, 0, K::completed, kT0 + 3 * kDay, 0}, {0, 0, K::passed, kT0 + 3 * kDay, 0}});
    const auto x = apply_policy(log);
    REQUIRE(x.matrix.nnz() == 1);
    CHECK(x.matrix.data()[0] == 9.5f);
    CHECK(x.timestamps[0] == kT0 + 3 * kDay);  // the latest contributing event
}

TEST_CASE("assigned events are ignored by default and counted", "[events][policy]") {
    const auto log = make_log(2, 2, {{0, 1, K::assigned, kT0, 0}, {1, 0, K::enrolled, kT0, 0}});
    PolicyStats stats;
    const auto x = apply_policy(log, {}, &stats);
    CHECK(x.matrix.rows() == 2);
    CHECK(x.matrix.cols() == 2);
    CHECK(x.matrix.nnz() == 1);
    CHECK(weight_of(x, "L1", "C0") == 1.0f);
    CHECK(stats.ignored_events == 1);
    CHECK(stats.contributing_events == 1);
    CHECK(stats.cancelled_pairs == 0);
}

TEST_CASE("a dropped enrolment sums to exactly 0 and is left out and counted", "[events][policy]") {
    const auto log = make_log(1, 2, {{0, 0, K::enrolled, kT0, 0}, {0, 0, K::dropped, kT0 + kDay, 0},
                                     {0, 1, K::enrolled, kT0, 0}, {0, 1, K::failed, kT0 + kDay, 0},
                                     {0, 1, K::dropped, kT0 + 2 * kDay, 0}, {0, 1, K::dropped, kT0 + 3 * kDay, 0},
                                     {0, 1, K::dropped, kT0 + 4 * kDay, 0}});
    PolicyStats stats;
    const auto x = apply_policy(log, {}, &stats);
    CHECK(stats.cancelled_pairs == 1);
    REQUIRE(x.matrix.nnz() == 1);
    CHECK(weight_of(x, "L0", "C1") == -1.0f);  // 1 + 1 - 3: negative feedback
}

TEST_CASE("Dropped::ignore keeps the enrolment of a dropped course", "[events][policy]") {
    const auto log = make_log(1, 1, {{0, 0, K::enrolled, kT0, 0}, {0, 0, K::dropped, kT0 + kDay, 0}});
    WeightingPolicy policy;
    policy.dropped = WeightingPolicy::Dropped::ignore;
    PolicyStats stats;
    const auto x = apply_policy(log, policy, &stats);
    CHECK(weight_of(x, "L0", "C0") == 1.0f);
    CHECK(x.timestamps[0] == kT0);  // the ignored drop does not stamp the pair
    CHECK(stats.ignored_events == 1);
}

TEST_CASE("ratings are scaled around the rating center: 5 stars +2, 1 star -2, 3 stars nothing", "[events][policy]") {
    const auto log = make_log(3, 1, {{0, 0, K::rated, kT0, 5}, {1, 0, K::rated, kT0, 1}, {2, 0, K::rated, kT0, 3}});
    PolicyStats stats;
    const auto x = apply_policy(log, {}, &stats);
    CHECK(weight_of(x, "L0", "C0") == 2.0f);
    CHECK(weight_of(x, "L1", "C0") == -2.0f);
    CHECK(weight_of(x, "L2", "C0") == 0.0f);
    CHECK(stats.ignored_events == 1);
    WeightingPolicy half;
    half[K::rated] = 0.5f;
    CHECK(weight_of(apply_policy(log, half), "L0", "C0") == 1.0f);
}

TEST_CASE("decay by exactly one half-life halves a weight, two quarter it", "[events][policy]") {
    const auto log = make_log(1, 3, {{0, 0, K::completed, kT0, 0}, {0, 1, K::completed, kT0 + 10 * kDay, 0},
                                     {0, 2, K::completed, kT0 + 20 * kDay, 0}});
    WeightingPolicy policy;
    policy.half_life_days = 10.0;  // reference: the latest event, kT0 + 20 days
    const auto x = apply_policy(log, policy);
    CHECK(weight_of(x, "L0", "C0") == 0.75f);
    CHECK(weight_of(x, "L0", "C1") == 1.5f);
    CHECK(weight_of(x, "L0", "C2") == 3.0f);
}

TEST_CASE("an explicit reference time sets the age; later events are not amplified", "[events][policy]") {
    const auto log = make_log(1, 2, {{0, 0, K::enrolled, kT0, 0}, {0, 1, K::enrolled, kT0 + 30 * kDay, 0}});
    WeightingPolicy policy;
    policy.half_life_days = 5.0;
    policy.reference_time = kT0 + 5 * kDay;
    const auto x = apply_policy(log, policy);
    CHECK(weight_of(x, "L0", "C0") == 0.5f);
    CHECK(weight_of(x, "L0", "C1") == 1.0f);
    policy.reference_time = std::numeric_limits<timestamp_t>::min();  // no overflow, no amplification
    CHECK(weight_of(apply_policy(log, policy), "L0", "C1") == 1.0f);
}

TEST_CASE("custom per-kind weights replace the defaults", "[events][policy]") {
    const auto log = make_log(1, 1, {{0, 0, K::assigned, kT0, 0}, {0, 0, K::enrolled, kT0, 0}});
    WeightingPolicy policy;
    policy[K::assigned] = 0.25f;
    policy[K::enrolled] = 2.0f;
    CHECK(weight_of(apply_policy(log, policy), "L0", "C0") == 2.25f);
}

TEST_CASE("invalid weighting policies are rejected", "[events][policy]") {
    WeightingPolicy ok;
    CHECK_NOTHROW(ok.validate());
    WeightingPolicy nan_weight;
    nan_weight[K::started] = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_WITH(nan_weight.validate(), Catch::Contains("started"));
    WeightingPolicy positive_drop;
    positive_drop[K::dropped] = 1.0f;
    CHECK_THROWS_WITH(positive_drop.validate(), Catch::Contains("dropped"));
    positive_drop.dropped = WeightingPolicy::Dropped::ignore;
    CHECK_NOTHROW(positive_drop.validate());
    WeightingPolicy bad_half_life;
    bad_half_life.half_life_days = -1.0;
    CHECK_THROWS_WITH(bad_half_life.validate(), Catch::Contains("half_life_days"));
    CHECK_THROWS_AS(apply_policy(make_log(1, 1, {}), bad_half_life), Error);
}

TEST_CASE("apply_policy and states reject events outside the log's id maps or with an invalid kind",
          "[events][policy]") {
    CHECK_THROWS_WITH(apply_policy(make_log(1, 1, {{0, 3, K::enrolled, kT0, 0}})), Catch::Contains("outside"));
    const auto invalid = make_log(1, 1, {{0, 0, static_cast<LifecycleKind>(8), kT0, 0}});
    CHECK_THROWS_WITH(apply_policy(invalid), Catch::Contains("invalid kind"));
    CHECK_THROWS_WITH(LearnerCourseStates::from_events(invalid), Catch::Contains("invalid kind"));
    CHECK_THROWS_WITH(LearnerCourseStates::from_events(make_log(1, 1, {{1, 0, K::enrolled, kT0, 0}})),
                      Catch::Contains("outside"));
    CHECK_THROWS_WITH(apply_policy(make_log(1, 1, {{0, 0, K::rated, kT0, std::numeric_limits<float>::infinity()}})),
                      Catch::Contains("non-finite"));
}

TEST_CASE("the latest state-changing event sets a pair's state; completion time is remembered", "[events][states]") {
    const auto log = make_log(2, 3, {{0, 0, K::enrolled, kT0, 0}, {0, 0, K::started, kT0 + kDay, 0},
                                     {0, 0, K::passed, kT0 + 5 * kDay, 0}, {0, 0, K::failed, kT0 + 400 * kDay, 0},
                                     {0, 2, K::assigned, kT0 + 2 * kDay, 0}, {1, 1, K::started, kT0 + 7 * kDay, 0},
                                     {1, 1, K::enrolled, kT0 + 6 * kDay, 0}});
    const auto states = LearnerCourseStates::from_events(log);
    const auto recert = states.status(0, 0);
    CHECK(recert.state == CourseState::failed);
    CHECK(recert.since == kT0 + 400 * kDay);
    CHECK(recert.completed_at == kT0 + 5 * kDay);
    CHECK(recert.ever_completed());
    const auto assigned = states.status(0, 2);
    CHECK(assigned.state == CourseState::assigned);
    CHECK_FALSE(assigned.ever_completed());
    // Events out of file order are applied by time.
    CHECK(states.status(1, 1).state == CourseState::started);
    CHECK(states.status(1, 1).since == kT0 + 7 * kDay);
}

TEST_CASE("pairs never seen are in state none", "[events][states]") {
    const auto states = LearnerCourseStates::from_events(make_log(2, 2, {{0, 0, K::enrolled, kT0, 0}}));
    const auto s = states.status(1, 1);
    CHECK(s.state == CourseState::none);
    CHECK(s.since == std::numeric_limits<timestamp_t>::min());
    CHECK_FALSE(s.ever_completed());
    CHECK(states.num_pairs() == 1);
    CHECK_THROWS_AS(states.status(2, 0), Error);
    CHECK_THROWS_AS(states.status(0, -1), Error);
}

TEST_CASE("ratings are remembered without changing the state", "[events][states]") {
    const auto states = LearnerCourseStates::from_events(
        make_log(1, 1, {{0, 0, K::completed, kT0, 0}, {0, 0, K::rated, kT0 + kDay, 4}, {0, 0, K::rated, kT0 + 2 * kDay, 2}}));
    const auto s = states.status(0, 0);
    CHECK(s.state == CourseState::completed);
    CHECK(s.since == kT0);
    CHECK(s.rating == 2.0f);
}

TEST_CASE("events at the same second apply in lifecycle order: completed then passed", "[events][states]") {
    const auto states = LearnerCourseStates::from_events(
        make_log(1, 1, {{0, 0, K::passed, kT0, 0}, {0, 0, K::completed, kT0, 0}}));
    CHECK(states.status(0, 0).state == CourseState::passed);
}

TEST_CASE("a learner's courses iterate in increasing order with their statuses", "[events][states]") {
    const auto states = LearnerCourseStates::from_events(make_log(
        2, 5, {{1, 4, K::enrolled, kT0, 0}, {1, 0, K::dropped, kT0, 0}, {1, 2, K::completed, kT0, 0}}));
    CHECK(states.courses(0).empty());
    const auto c = states.courses(1);
    const auto s = states.statuses(1);
    REQUIRE(c.size() == 3);
    CHECK(c[0] == 0);
    CHECK(c[1] == 2);
    CHECK(c[2] == 4);
    CHECK(s[0].state == CourseState::dropped);
    CHECK(s[1].state == CourseState::completed);
    CHECK(s[2].state == CourseState::enrolled);
}

TEST_CASE("written events read back identically", "[events]") {
    auto log = make_log(2, 2, {{0, 1, K::enrolled, kT0 + 17, 0}, {1, 0, K::rated, kT0 - 3 * kDay, 3.5f},
                               {0, 1, K::dropped, kT0 + 9 * kDay, 0}});
    log.learners = IdMap(std::vector<std::string>{"L,0", "L\"1"});  // ids needing quotes
    const auto dir = std::filesystem::temp_directory_path() / ("learnrec_events_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    write_events_csv(dir / "events.csv", log);
    const auto back = read_events_csv(dir / "events.csv");
    std::filesystem::remove_all(dir);
    REQUIRE(back.events.size() == log.events.size());
    CHECK(back.learners.id(0) == "L,0");
    CHECK(back.learners.id(1) == "L\"1");
    CHECK(back.courses.id(0) == "C1");  // first appearance order
    for (std::size_t k = 0; k < log.events.size(); ++k) {
        const auto& a = log.events[k];
        const auto& b = back.events[k];
        CHECK(back.learners.id(b.learner) == log.learners.id(a.learner));
        CHECK(back.courses.id(b.course) == log.courses.id(a.course));
        CHECK(b.kind == a.kind);
        CHECK(b.time == a.time);
        CHECK(b.value == a.value);
    }
}

TEST_CASE("event files may use another delimiter and ignore extra columns", "[events]") {
    CsvOptions options;
    options.delimiter = ';';
    options.ignored_columns = {"source"};
    const auto log = parse_events_csv("learner_id;course_id;event;timestamp;source\nL1;C1;passed;2025-01-01;lms\n",
                                      "events.csv", options);
    REQUIRE(log.events.size() == 1);
    CHECK(log.events[0].kind == K::passed);
    CHECK_THROWS_WITH(parse("learner_id,course_id,event,timestamp,source\nL1,C1,passed,2025-01-01,lms\n"),
                      Catch::Contains("unknown column 'source'"));
}

TEST_CASE("add_event builds a log from other sources with the reader's checks", "[events]") {
    EventLog log;
    add_event(log, "L1", "C1", K::enrolled, kT0);
    add_event(log, "L2", "C1", K::rated, kT0 + 1, 4.0f, "row 1");
    add_event(log, "L1", "C2", K::passed, kT0 + 2, 0.0f);
    REQUIRE(log.events.size() == 3);
    CHECK(log.learners.size() == 2);
    CHECK(log.courses.size() == 2);
    CHECK(log.events[0].value == 0.0f);  // NaN (no value) is stored as 0
    CHECK(log.events[1].value == 4.0f);
    CHECK(log.events[2].course == 1);
    CHECK_THROWS_WITH(add_event(log, "L1", "C1", K::rated, kT0, std::numeric_limits<float>::quiet_NaN(), "row 7"),
                      Catch::Contains("row 7") && Catch::Contains("needs a value"));
    CHECK_THROWS_WITH(add_event(log, "L1", "C1", K::rated, kT0, 0.5f, "row 8"), Catch::Contains("outside [1, 5]"));
    CHECK_THROWS_WITH(add_event(log, "L1", "C1", K::started, kT0, 2.0f, "row 9"),
                      Catch::Contains("only rated events carry a value"));
    CHECK_THROWS_WITH(add_event(log, "", "C1", K::started, kT0), Catch::Contains("empty learner_id"));
    CHECK(log.events.size() == 3);  // failed additions leave the log unchanged
}
