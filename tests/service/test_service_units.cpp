// learnrec-serve's parts without a network: tokens, the event log, the overlay, metrics and
// Service::handle on a small in-memory model (the end-to-end test drives the real binary).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "learnrec/model/als.hpp"
#include "request_parsing.hpp"
#include "service.hpp"

using namespace learnrec;
using namespace learnrec::service;

namespace {

std::filesystem::path temp_path(const std::string& name) {
    auto p = std::filesystem::temp_directory_path() / ("learnrec_service_" + name);
    std::filesystem::remove(p);
    return p;
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// 6 learners x 8 courses, ALS, titles, one prerequisite.
std::shared_ptr<const Snapshot> small_snapshot() {
    std::vector<Triplet> t;
    for (index_t l = 0; l < 6; ++l)
        for (index_t c = 0; c < 8; ++c)
            if ((l * 3 + c) % 4 == 0) t.push_back({l, c, 1.0f});
    const CsrMatrix x = CsrMatrix::from_triplets(6, 8, t);
    AlsConfig config;
    config.factors = 4;
    config.iterations = 3;
    config.num_threads = 1;
    ModelBundle bundle{std::make_shared<const AlsModel>(fit_als(x.view(), config)),
                       IdMap({"L1", "L2", "L3", "L4", "L5", "L6"}),
                       IdMap({"C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8"}), {}};
    ranking::CatalogueData cat;
    for (index_t c = 0; c < 8; ++c) {
        ranking::CourseFacts f;
        f.id = bundle.courses.id(c);
        f.title = "Course " + f.id;
        cat.catalogue.courses.push_back(std::move(f));
    }
    const std::string bytes = to_bytes(bundle);
    return make_snapshot(bundle, cat, {}, {}, model_version_of(bytes, bundle, 0));
}

Request get(std::string path, std::vector<std::pair<std::string, std::string>> query = {}) {
    Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.query = std::move(query);
    return r;
}

Request post(std::string path, std::string body) {
    Request r;
    r.method = "POST";
    r.path = std::move(path);
    r.body = std::move(body);
    return r;
}

std::vector<std::string> course_ids(const Response& r) {
    std::vector<std::string> out;
    const auto answer = nlohmann::json::parse(r.body);
    for (const auto& i : answer["items"]) out.push_back(i["course_id"]);
    return out;
}

}  // namespace

TEST_CASE("tokens: a reader and an admin token give their roles, anything else none", "[service]") {
    const Tokens t = Tokens::parse("# comment\nreader rrrrrrrrrrrrrrrr1\n\nadmin aaaaaaaaaaaaaaaa1\n", "tokens");
    CHECK(t.role_of("Bearer rrrrrrrrrrrrrrrr1") == Role::reader);
    CHECK(t.role_of("Bearer aaaaaaaaaaaaaaaa1") == Role::admin);
    CHECK(t.role_of("Bearer rrrrrrrrrrrrrrrr") == Role::none);
    CHECK(t.role_of("rrrrrrrrrrrrrrrr1") == Role::none);
    CHECK(t.role_of("") == Role::none);
}

TEST_CASE("tokens: a malformed line is an error naming file and line", "[service]") {
    CHECK_THROWS_WITH(Tokens::parse("reader rrrrrrrrrrrrrrrr1\nwriter wwwwwwwwwwwwwwww\n", "t.txt"),
                      Catch::Contains("t.txt:2") && Catch::Contains("unknown role 'writer'"));
    CHECK_THROWS_WITH(Tokens::parse("admin short\n", "t.txt"), Catch::Contains("t.txt:1") && Catch::Contains("16"));
}

TEST_CASE("equal_in_constant_time compares whole strings of any length", "[service]") {
    CHECK(equal_in_constant_time("abc", "abc"));
    CHECK_FALSE(equal_in_constant_time("abc", "abd"));
    CHECK_FALSE(equal_in_constant_time("abc", "abcd"));
    CHECK_FALSE(equal_in_constant_time("", "a"));
}

TEST_CASE("event log: a new log gets the header, appends are whole lines", "[service]") {
    const auto p = temp_path("new.csv");
    {
        EventLogWriter w(p);
        w.append("L1,C1,completed,1,\n");
    }
    CHECK(slurp(p) == "learner_id,course_id,event,timestamp,value\nL1,C1,completed,1,\n");
    CHECK(read_events_csv(p).events.size() == 1);
}

TEST_CASE("event log: a torn last line is cut off when the log is opened", "[service]") {
    const auto p = temp_path("torn.csv");
    std::ofstream(p) << "learner_id,course_id,event,timestamp,value\nL1,C1,completed,1,\nL2,C";
    EventLogWriter w(p);
    CHECK(w.torn_bytes() == 4);
    w.append("L3,C3,enrolled,2,\n");
    CHECK(slurp(p) == "learner_id,course_id,event,timestamp,value\nL1,C1,completed,1,\nL3,C3,enrolled,2,\n");
}

TEST_CASE("event log: another header is refused rather than appended to", "[service]") {
    const auto p = temp_path("other.csv");
    std::ofstream(p) << "course_id,learner_id,event,timestamp\n";
    CHECK_THROWS_WITH(EventLogWriter(p), Catch::Contains("header"));
}

TEST_CASE("csv_field quotes ids holding delimiters or quotes", "[service]") {
    CHECK(csv_field("L1") == "L1");
    CHECK(csv_field("a,b") == "\"a,b\"");
    CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
}

TEST_CASE("overlay: bounded, per learner, and forgets what a reload read", "[service]") {
    EventOverlay o(3);
    CHECK(o.has_room_for(3));
    o.add({{"L1", "C1", LifecycleKind::completed, 5, 0, 0}, {"L2", "C2", LifecycleKind::enrolled, 6, 0, 0}});
    CHECK(o.size() == 2);
    CHECK_FALSE(o.has_room_for(2));
    CHECK(o.of("L1").size() == 1);
    CHECK(o.of("nobody").empty());
    o.add({{"L1", "C3", LifecycleKind::started, 7, 0, 0}});
    o.forget_through(2);
    CHECK(o.size() == 1);
    REQUIRE(o.of("L1").size() == 1);
    CHECK(o.of("L1")[0].course == "C3");
    CHECK(o.of("L2").empty());
}

TEST_CASE("metrics: counters by route and status, a cumulative histogram, reloads", "[service]") {
    Metrics m;
    m.observe("/a", 200, 0.0007);
    m.observe("/a", 200, 0.02);
    m.observe("/a", 400, 3.0);
    m.reload(true);
    m.reload(false);
    const std::string text = m.render({true, "als-1", 100, 160, 2, 1});
    CHECK_THAT(text, Catch::Contains("learnrec_requests_total{route=\"/a\",status=\"200\"} 2\n"));
    CHECK_THAT(text, Catch::Contains("learnrec_requests_total{route=\"/a\",status=\"400\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("learnrec_request_duration_seconds_bucket{route=\"/a\",le=\"0.001\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("learnrec_request_duration_seconds_bucket{route=\"/a\",le=\"0.025\"} 2\n"));
    CHECK_THAT(text, Catch::Contains("learnrec_request_duration_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"));
    CHECK_THAT(text, Catch::Contains("learnrec_reloads_total{result=\"failed\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("learnrec_model_age_seconds 60\n"));
    CHECK_THAT(text, Catch::Contains("learnrec_pending_events 2\n"));
}

TEST_CASE("k parsing accepts only integers in [1, max]", "[service]") {
    CHECK(service::detail::parse_k_text("7", 100, "k") == 7);
    for (const char* bad : {"", "0", "101", "1.5", "-3", "7x", " 7", "99999999999999"})
        CHECK_THROWS_AS(service::detail::parse_k_text(bad, 100, "k"), service::detail::HttpError);
}

TEST_CASE("JSON nested deeper than the limit is refused before parsing", "[service]") {
    CHECK_NOTHROW(service::detail::parse_body("[[[]]]", 3));
    CHECK_THROWS_AS(service::detail::parse_body(std::string(10000, '['), 8), service::detail::HttpError);
    CHECK_NOTHROW(service::detail::parse_body("[\"[[[[[[[[[[[[\"]", 2));  // brackets inside strings do not count
}

TEST_CASE("service: a known learner's answer equals the Ranker's for that learner", "[service]") {
    const auto snap = small_snapshot();
    Service s({}, {}, snap);
    const Response r = s.handle(get("/v1/learners/L2/recommendations", {{"k", "3"}, {"now", "2026-01-01"}}));
    REQUIRE(r.status == 200);
    ranking::RankingRules rules = snap->rules;
    rules.k = 3;
    const index_t l = 1;
    const auto expected = snap->ranker.recommend(std::span<const index_t>(&l, 1), *parse_timestamp("2026-01-01"), rules);
    std::vector<std::string> ids;
    for (index_t j = 0; j < expected.count(0); ++j) ids.push_back(snap->bundle.courses.id(expected.ids[expected.slot(0, j)]));
    CHECK(course_ids(r) == ids);
    CHECK(nlohmann::json::parse(r.body)["model_version"] == snap->version.id);
}

TEST_CASE("service: a completed event removes the course at once", "[service]") {
    const auto log = temp_path("events_effect.csv");
    ServiceOptions options;
    options.sources.events = log;
    Service s(options, {}, small_snapshot());
    const auto before = course_ids(s.handle(get("/v1/learners/L2/recommendations", {{"k", "3"}})));
    REQUIRE(!before.empty());
    const Response posted = s.handle(post(
        "/v1/events", R"([{"learner":"L2","course":")" + before[0] + R"(","event":"completed","timestamp":100}])"));
    CHECK(posted.status == 200);
    CHECK(posted.body == R"({"accepted":1})");
    const auto after = course_ids(s.handle(get("/v1/learners/L2/recommendations", {{"k", "3"}})));
    CHECK(std::find(after.begin(), after.end(), before[0]) == after.end());
    CHECK(s.pending_events() == 1);
    CHECK(read_events_csv(log).events.size() == 1);
}

TEST_CASE("service: the overlay's bound answers 503, and nothing is stored", "[service]") {
    const auto log = temp_path("events_bound.csv");
    ServiceOptions options;
    options.sources.events = log;
    options.pending_capacity = 1;
    Service s(options, {}, small_snapshot());
    const std::string one = R"([{"learner":"L9","course":"C1","event":"enrolled","timestamp":1}])";
    CHECK(s.handle(post("/v1/events", one)).status == 200);
    CHECK(s.handle(post("/v1/events", one)).status == 503);
    CHECK(read_events_csv(log).events.size() == 1);
}

TEST_CASE("service: without an event log, events are validated then refused with 409", "[service]") {
    Service s({}, {}, small_snapshot());
    CHECK(s.handle(post("/v1/events", R"([{"learner":"L1"}])")).status == 400);
    CHECK(s.handle(post("/v1/events", R"([{"learner":"L1","course":"C1","event":"completed","timestamp":1}])")).status ==
          409);
}

TEST_CASE("service: a failed reload keeps the snapshot and counts the failure", "[service]") {
    ServiceOptions options;
    options.sources.model = temp_path("missing.lrc");
    Service s(options, Tokens::parse("admin aaaaaaaaaaaaaaaa1\nreader rrrrrrrrrrrrrrrr1\n", "t"), small_snapshot());
    const auto before = s.snapshot();
    Request r = post("/admin/reload", "");
    CHECK(s.handle(r).status == 401);
    r.authorization = "Bearer rrrrrrrrrrrrrrrr1";
    CHECK(s.handle(r).status == 403);
    r.authorization = "Bearer aaaaaaaaaaaaaaaa1";
    CHECK(s.handle(r).status == 500);
    CHECK(s.snapshot() == before);
    Request m = get("/metrics");
    m.authorization = "Bearer rrrrrrrrrrrrrrrr1";
    CHECK_THAT(s.handle(m).body, Catch::Contains("learnrec_reloads_total{result=\"failed\"} 1"));
}

TEST_CASE("service: every event it accepts reads back from the log it wrote", "[service]") {
    const auto log = temp_path("events_roundtrip.csv");
    ServiceOptions options;
    options.sources.events = log;
    Service s(options, {}, small_snapshot());
    const char* batches[] = {
        R"([{"learner":"a,b","course":"say \"hi\"","event":"rated","timestamp":"2025-03-02T09:00:00Z","value":4.5}])",
        R"([{"learner":" padded ","course":"C1","event":"completed","timestamp":-86400}])",
        R"([{"learner":"L1","course":"C2","event":"enrolled","timestamp":0,"value":0}])",
        R"([{"learner":"L1","course":"C2","event":"dropped","timestamp":253402300799}])",
        R"([{"learner":"é-ü","course":"C3","event":"passed","timestamp":9223372036854775807}])",
    };
    std::size_t accepted = 0;
    for (const char* b : batches)
        if (s.handle(post("/v1/events", b)).status == 200) ++accepted;
    const EventLog read = read_events_csv(log);
    CHECK(read.events.size() == accepted);
    CHECK(accepted >= 4);
    CHECK(read.learners.find("a,b").has_value());
    CHECK(read.courses.find("say \"hi\"").has_value());
}
