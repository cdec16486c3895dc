// Tests for the xAPI reader (learnrec/data/xapi.hpp): every verb mapping, voiding, actors, course
// mapping, results, malformed statements and hostile sizes, on the real-shaped sample in tests/data/xapi.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "learnrec/data/xapi.hpp"

using namespace learnrec;

namespace {

const std::string kDir = std::string(LEARNREC_TEST_DATA_DIR) + "/xapi/";
constexpr const char* kAdl = "http://adlnet.gov/expapi/verbs/";

XapiOptions mapped() {
    XapiOptions options;
    read_xapi_course_map_csv(kDir + "course_map.csv", options.courses);
    return options;
}

/// The event of `learner` on `course` with `kind`, or nullptr.
const LifecycleEvent* find(const XapiLog& x, std::string_view learner, std::string_view course, LifecycleKind kind) {
    const auto l = x.log.learners.find(learner);
    const auto c = x.log.courses.find(course);
    if (!l || !c) return nullptr;
    for (const auto& e : x.log.events)
        if (e.learner == *l && e.course == *c && e.kind == kind) return &e;
    return nullptr;
}

timestamp_t at(int y, unsigned m, unsigned d, int hh = 0, int mm = 0) {
    return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

std::string one(std::string_view verb, std::string_view extra = "") {
    return fmt::format(R"({{"actor": {{"account": {{"homePage": "https://lms", "name": "L1"}}}}, "verb": {{"id": "{}"}},)"
                       R"( "object": {{"id": "https://lms/course/C1"}}, "timestamp": "2025-01-01T00:00:00Z"{}}})",
                       verb, extra);
}

}  // namespace

TEST_CASE("xapi: every lifecycle verb of the sample maps to its typed event", "[xapi]") {
    const XapiLog x = read_xapi(kDir + "statements.jsonl", mapped());
    using K = LifecycleKind;
    const std::string bruno = "bruno.keller@example.com";
    CHECK(find(x, "L001", "C001", K::enrolled));        // registered
    CHECK(find(x, "L001", "C001", K::started));         // launched
    CHECK(find(x, "L001", "C002", K::started));         // attempted
    CHECK(find(x, "L001", "C001", K::completed));       // completed
    CHECK(find(x, "L001", "C003", K::passed));          // passed
    CHECK(find(x, bruno, "C003", K::failed));           // failed
    CHECK(find(x, bruno, "C042", K::started));          // initialized (cmi5 AU, course from grouping)
    CHECK(find(x, bruno, "C002", K::started));          // resumed
    CHECK(find(x, "L003", "C007-CLASS", K::completed)); // attended (object in the mapping table)
    CHECK(find(x, "L003", "C008", K::passed));          // mastered
    CHECK(find(x, "L003", "C009", K::completed));       // satisfied
    CHECK(find(x, "L003", "C010", K::completed));       // waived
    CHECK(find(x, "L003", "C011", K::dropped));         // abandoned
    const auto* rated = find(x, "L003", "C007-CLASS", K::rated);
    REQUIRE(rated);
    CHECK(rated->value == 4.0f);
    CHECK(x.log.events.size() == 18);
    CHECK(x.stats.events == 18);
    CHECK(x.stats.statements == 28);
}

TEST_CASE("xapi: result success and completion refine completed and started verbs", "[xapi]") {
    const XapiLog x = read_xapi(kDir + "statements.jsonl", mapped());
    const std::string bruno = "bruno.keller@example.com";
    CHECK(find(x, bruno, "C004", LifecycleKind::completed));  // progressed + completion true
    CHECK(find(x, bruno, "C005", LifecycleKind::failed));     // completed + success false
    CHECK(find(x, bruno, "C006", LifecycleKind::passed));     // completed + success true
    CHECK_FALSE(find(x, bruno, "C005", LifecycleKind::completed));
}

TEST_CASE("xapi: scores, success, completion and ISO 8601 durations are kept per event", "[xapi]") {
    const XapiLog x = read_xapi(kDir + "statements.jsonl", mapped());
    REQUIRE(x.results.size() == x.log.events.size());
    REQUIRE(x.statement_ids.size() == x.log.events.size());
    const auto* passed = find(x, "L001", "C003", LifecycleKind::passed);
    REQUIRE(passed);
    const auto& r = x.results[static_cast<std::size_t>(passed - x.log.events.data())];
    CHECK(r.score_scaled == Approx(0.92f));
    CHECK(r.success == 1);
    CHECK(r.completion == -1);
    CHECK(r.duration_seconds == Approx(45 * 60 + 30.5));
    CHECK(x.statement_ids[static_cast<std::size_t>(passed - x.log.events.data())] ==
          "00000000-0000-4000-8000-000000000005");
    const auto* enrolled = find(x, "L001", "C001", LifecycleKind::enrolled);
    const auto& none = x.results[static_cast<std::size_t>(enrolled - x.log.events.data())];
    CHECK(std::isnan(none.score_scaled));
    CHECK(none.success == -1);
    CHECK(std::isnan(none.duration_seconds));
}

TEST_CASE("xapi: timestamps honour offsets and fall back to stored", "[xapi]") {
    const XapiLog x = read_xapi(kDir + "statements.jsonl", mapped());
    CHECK(find(x, "L001", "C001", LifecycleKind::started)->time == at(2025, 1, 7, 8));  // 09:00+01:00
    CHECK(find(x, "L001", "C002", LifecycleKind::started)->time == at(2025, 1, 8, 10, 15) + 30);
    CHECK(find(x, "L003", "C015", LifecycleKind::enrolled)->time == at(2025, 3, 8, 10));  // stored
}

TEST_CASE("xapi: voided statements are removed wherever the voiding statement is", "[xapi]") {
    const XapiLog x = read_xapi(kDir + "statements.jsonl", mapped());
    CHECK_FALSE(x.log.courses.find("C013"));  // voided by a later statement
    CHECK_FALSE(x.log.courses.find("C014"));  // voided by an earlier statement
    CHECK(x.stats.voiding == 3);
    CHECK(x.stats.voided == 2);
    CHECK(x.stats.unmatched_voids == 1);
    for (const auto& id : x.statement_ids) CHECK(id != "00000000-0000-4000-8000-000000000022");
}

TEST_CASE("xapi: a voided statement needs a StatementRef object", "[xapi]") {
    CHECK_THROWS_WITH(parse_xapi(one(std::string(kAdl) + "voided"), "v.jsonl"), Catch::Contains("v.jsonl:1") &&
                                                                                   Catch::Contains("StatementRef"));
}

TEST_CASE("xapi: the account name wins over the mailbox unless mbox_first is asked", "[xapi]") {
    const XapiLog by_account = read_xapi(kDir + "statements.jsonl", mapped());
    CHECK(by_account.log.learners.find("L003"));
    CHECK_FALSE(by_account.log.learners.find("carla.rossi@example.com"));
    CHECK(by_account.log.learners.find("bruno.keller@example.com"));  // only a mailbox: "mailto:" dropped
    XapiOptions options = mapped();
    options.actor_key = XapiOptions::ActorKey::mbox_first;
    const XapiLog by_mbox = read_xapi(kDir + "statements.jsonl", options);
    CHECK(by_mbox.log.learners.find("carla.rossi@example.com"));
    CHECK_FALSE(by_mbox.log.learners.find("L003"));
    CHECK(by_mbox.log.learners.find("L001"));  // only an account
}

TEST_CASE("xapi: unknown verbs and verbs without lifecycle meaning are counted, not dropped silently", "[xapi]") {
    const XapiLog x = read_xapi(kDir + "statements.jsonl", mapped());
    REQUIRE(x.stats.unknown_verbs.size() == 1);
    CHECK(x.stats.unknown_verbs.at("https://example.com/verbs/bookmarked") == 2);
    CHECK(x.stats.ignored_verbs.at(std::string(kAdl) + "experienced") == 1);
    CHECK(x.stats.ignored_verbs.at(std::string(kAdl) + "terminated") == 1);
    CHECK_THAT(x.stats.summary(), Catch::Contains("bookmarked x2"));
}

TEST_CASE("xapi: caller verbs add or override mappings", "[xapi]") {
    XapiOptions options;
    options.verbs["https://example.com/verbs/assigned"] = LifecycleKind::assigned;
    options.verbs[std::string(kAdl) + "launched"] = std::nullopt;
    const XapiLog x = parse_xapi(one("https://example.com/verbs/assigned") + "\n" + one(std::string(kAdl) + "launched"),
                                 "v.jsonl", options);
    REQUIRE(x.log.events.size() == 1);
    CHECK(x.log.events[0].kind == LifecycleKind::assigned);
    CHECK(x.stats.ignored_verbs.size() == 1);
}

TEST_CASE("xapi: a repeated statement id keeps the first statement and is counted", "[xapi]") {
    const XapiLog x = read_xapi(kDir + "statements.jsonl", mapped());
    CHECK(x.stats.duplicate_ids == 1);
    std::size_t enrolled = 0;
    for (const auto& e : x.log.events) enrolled += e.kind == LifecycleKind::enrolled && e.course == *x.log.courses.find("C001");
    CHECK(enrolled == 1);
}

TEST_CASE("xapi: the array form reads the same events as JSON Lines", "[xapi]") {
    const XapiLog lines = read_xapi(kDir + "statements.jsonl", mapped());
    const XapiLog array = read_xapi(kDir + "statements.json", mapped());
    REQUIRE(array.log.events.size() == lines.log.events.size());
    for (std::size_t i = 0; i < lines.log.events.size(); ++i) {
        CHECK(array.log.events[i].kind == lines.log.events[i].kind);
        CHECK(array.log.events[i].time == lines.log.events[i].time);
        CHECK(array.log.learners.id(array.log.events[i].learner) == lines.log.learners.id(lines.log.events[i].learner));
        CHECK(array.log.courses.id(array.log.events[i].course) == lines.log.courses.id(lines.log.events[i].course));
    }
    CHECK(array.stats.voided == lines.stats.voided);
}

TEST_CASE("xapi: an LRS response object is read as its statements", "[xapi]") {
    const std::string text = R"({"statements": [)" + one(std::string(kAdl) + "completed") + ", " +
                             one(std::string(kAdl) + "registered") + R"(], "more": ""})";
    const XapiLog x = parse_xapi(text, "response.json");
    CHECK(x.log.events.size() == 2);
    // Pretty-printed over many lines: still statement by statement, each naming its own line.
    const std::string pretty = "{\n  \"statements\": [\n    " + one(std::string(kAdl) + "completed") +
                               ",\n    {\"verb\": 1}\n  ],\n  \"more\": \"\"\n}\n";
    CHECK_THROWS_WITH(parse_xapi(pretty, "pretty.json"), Catch::Contains("pretty.json:4"));
    XapiOptions skip;
    skip.skip_malformed = true;
    CHECK(parse_xapi(pretty, "pretty.json", skip).log.events.size() == 1);
}

TEST_CASE("xapi: course ids come from the table, cmi5 context, the last segment or a regex", "[xapi]") {
    XapiCourseMap map;
    CHECK(map.course_of("https://lms/course/C9") == "C9");
    CHECK(map.course_of("https://lms/course/C9/?lang=fr") == "C9");
    CHECK(map.course_of("urn:lms:course:C9") == "C9");
    CHECK(map.course_of("https://lms/activities#C9") == "C9");
    map.rule = XapiCourseMap::Rule::regex;
    map.pattern = "/courses?/([A-Z]+[0-9]+)";
    CHECK(map.course_of("https://lms/course/C9/module/2") == "C9");
    CHECK_FALSE(map.course_of("https://lms/page/7").has_value());
    map.rule = XapiCourseMap::Rule::table_only;
    map.table["https://lms/x"] = "C1";
    CHECK(map.course_of("https://lms/x") == "C1");
    CHECK_FALSE(map.course_of("https://lms/course/C9").has_value());
    map.rule = XapiCourseMap::Rule::regex;
    map.pattern = "([";
    CHECK_THROWS_WITH(map.course_of("https://lms/y"), Catch::Contains("not a valid regular expression"));
}

TEST_CASE("xapi: objects no mapping covers are counted and skipped", "[xapi]") {
    XapiOptions options;
    options.courses.rule = XapiCourseMap::Rule::table_only;
    const XapiLog x = parse_xapi(one(std::string(kAdl) + "completed"), "v.jsonl", options);
    CHECK(x.log.events.empty());
    CHECK(x.stats.unmapped_objects == 1);
    CHECK(x.stats.unmapped_examples.at(0) == "https://lms/course/C1");
}

TEST_CASE("xapi: the course map CSV names file and line on a conflict", "[xapi]") {
    const auto path = std::filesystem::temp_directory_path() / "learnrec_xapi_map_conflict.csv";
    {
        std::ofstream out(path);
        out << "object_iri,course_id\nhttps://a,C1\nhttps://a,C2\n";
    }
    XapiCourseMap map;
    CHECK_THROWS_WITH(read_xapi_course_map_csv(path, map), Catch::Contains(":3") && Catch::Contains("both"));
    std::filesystem::remove(path);
}

TEST_CASE("xapi: a malformed statement is an error naming file and line", "[xapi]") {
    CHECK_THROWS_WITH(read_xapi(kDir + "malformed.jsonl"), Catch::Contains("malformed.jsonl:2") &&
                                                               Catch::Contains("not JSON"));
}

TEST_CASE("xapi: skip_malformed skips and reports every malformed statement", "[xapi]") {
    XapiOptions options;
    options.skip_malformed = true;
    const XapiLog x = read_xapi(kDir + "malformed.jsonl", options);
    CHECK(x.log.events.size() == 2);
    CHECK(x.stats.malformed == 6);
    REQUIRE(x.stats.malformed_examples.size() == 6);
    CHECK_THAT(x.stats.malformed_examples[1], Catch::Contains(":3") && Catch::Contains("no actor"));
    CHECK_THAT(x.stats.malformed_examples[2], Catch::Contains(":4") && Catch::Contains("scaled"));
    CHECK_THAT(x.stats.malformed_examples[3], Catch::Contains(":5") && Catch::Contains("duration"));
    CHECK_THAT(x.stats.malformed_examples[4], Catch::Contains(":6") && Catch::Contains("timestamp"));
    CHECK_THAT(x.stats.malformed_examples[5], Catch::Contains(":7") && Catch::Contains("Group"));
}

TEST_CASE("xapi: a malformed element of an array names the line where it starts", "[xapi]") {
    const std::string text = "[\n" + one(std::string(kAdl) + "completed") + ",\n\n  {\"verb\": 3}\n]\n";
    CHECK_THROWS_WITH(parse_xapi(text, "a.json"), Catch::Contains("a.json:4"));
    CHECK_THROWS_WITH(parse_xapi("[\n" + one(std::string(kAdl) + "completed") + ",\n", "t.json"),
                      Catch::Contains("not closed"));
}

TEST_CASE("xapi: a rated statement needs a raw score from 1 to 5", "[xapi]") {
    const std::string rated = "http://id.tincanapi.com/verb/rated";
    CHECK(parse_xapi(one(rated, R"(, "result": {"score": {"raw": 5}})"), "r").log.events.at(0).value == 5.0f);
    CHECK_THROWS_WITH(parse_xapi(one(rated, R"(, "result": {"score": {"raw": 9}})"), "r"), Catch::Contains("[1, 5]"));
    CHECK_THROWS_WITH(parse_xapi(one(rated), "r"), Catch::Contains("[1, 5]"));
}

TEST_CASE("xapi: oversized and deeply nested statements are rejected before parsing", "[xapi]") {
    XapiOptions options;
    options.max_statement_bytes = 200;
    CHECK_THROWS_WITH(parse_xapi(one(std::string(kAdl) + "completed", R"(, "x": ")" + std::string(300, 'a') + "\""),
                                 "big.jsonl", options),
                      Catch::Contains("big.jsonl:1") && Catch::Contains("exceeds the limit"));
    const std::string deep = std::string(1000, '[') + std::string(1000, ']');
    CHECK_THROWS_WITH(parse_xapi("{\"a\": " + deep + "}", "deep.jsonl"), Catch::Contains("nested deeper"));
    CHECK_THROWS_WITH(parse_xapi("[" + deep + "]", "deep.json"), Catch::Contains("deep.json:1"));
}

TEST_CASE("xapi: ISO 8601 durations", "[xapi]") {
    CHECK(parse_iso8601_duration("PT1H30M") == 5400.0);
    CHECK(parse_iso8601_duration("P1DT2H") == 93600.0);
    CHECK(parse_iso8601_duration("PT0.5S") == 0.5);
    CHECK(parse_iso8601_duration("P1W") == 604800.0);
    CHECK(parse_iso8601_duration("PT1,5S") == 1.5);
    CHECK_FALSE(parse_iso8601_duration("P").has_value());
    CHECK_FALSE(parse_iso8601_duration("PT").has_value());
    CHECK_FALSE(parse_iso8601_duration("PT1M1H").has_value());  // units out of order
    CHECK_FALSE(parse_iso8601_duration("1H").has_value());
    CHECK_FALSE(parse_iso8601_duration("P1H").has_value());  // H needs T
    CHECK_FALSE(parse_iso8601_duration("PT-1S").has_value());
}

TEST_CASE("xapi: files are told from event CSVs by extension or first byte", "[xapi]") {
    CHECK(looks_like_xapi(kDir + "statements.jsonl"));
    CHECK(looks_like_xapi(kDir + "statements.json"));
    CHECK_FALSE(looks_like_xapi(kDir + "course_map.csv"));
    const auto path = std::filesystem::temp_directory_path() / "learnrec_xapi_sniff.log";
    {
        std::ofstream out(path);
        out << "\n  " << one(std::string(kAdl) + "completed") << "\n";
    }
    CHECK(looks_like_xapi(path));
    std::filesystem::remove(path);
}

TEST_CASE("xapi: the events read go through the lifecycle states like CSV events", "[xapi]") {
    const XapiLog x = read_xapi(kDir + "statements.jsonl", mapped());
    const auto states = LearnerCourseStates::from_events(x.log);
    const auto l = *x.log.learners.find("L001");
    CHECK(states.status(l, *x.log.courses.find("C001")).state == CourseState::completed);
    CHECK(states.status(l, *x.log.courses.find("C003")).state == CourseState::passed);
    CHECK(states.status(l, *x.log.courses.find("C002")).state == CourseState::started);
}
