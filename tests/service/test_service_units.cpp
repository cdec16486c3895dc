// learnrec-serve's parts without a network: tokens, the event log, the overlay, metrics and
// Service::handle on a small in-memory model (the end-to-end test drives the real binary).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "learnrec/data/features.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/model/hybrid.hpp"
#include "http_target.hpp"
#include "json_writer.hpp"
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

/// 6 learners x 8 courses, a hybrid model trained with learner features named like the academy's
/// learner_features.csv (role, lang, goal); courses titled, no rules beyond the defaults.
struct HybridFixture {
    ModelBundle bundle;
    FeatureMatrix features;
};
HybridFixture small_hybrid() {
    std::vector<Triplet> t;
    for (index_t l = 0; l < 6; ++l)
        for (index_t c = 0; c < 8; ++c)
            if ((l * 3 + c) % 4 == 0 || (l < 3) == (c < 4)) t.push_back({l, c, 1.0f});
    const CsrMatrix x = CsrMatrix::from_triplets(6, 8, t);
    HybridFixture f;
    // Columns in the order of first use, as the academy's token_matrix and read_features_csv make them.
    std::vector<Triplet> ft;
    for (index_t l = 0; l < 6; ++l) {
        std::vector<std::string> tokens{l < 3 ? "role=engineer" : "role=nurse", l % 2 == 0 ? "lang=de" : "lang=fr"};
        if (l < 3) tokens.push_back("goal=python");
        for (const auto& token : tokens) ft.push_back({l, f.features.features.insert(token), 1.0f});
    }
    f.features.matrix = CsrMatrix::from_triplets(6, 5, ft);
    HybridConfig config;
    config.factors = 4;
    config.iterations = 5;
    config.num_threads = 1;
    const CsrView fv = f.features.matrix.view();
    f.bundle = ModelBundle{std::make_shared<const HybridModel>(fit_hybrid(x.view(), &fv, nullptr, config)),
                           IdMap({"L1", "L2", "L3", "L4", "L5", "L6"}),
                           IdMap({"C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8"}), {}};
    return f;
}

ranking::CatalogueData titled_catalogue(const IdMap& courses) {
    ranking::CatalogueData cat;
    for (index_t c = 0; c < courses.size(); ++c) {
        ranking::CourseFacts f;
        f.id = courses.id(c);
        f.title = "Course " + f.id;
        cat.catalogue.courses.push_back(std::move(f));
    }
    return cat;
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
    ServingGauges g;
    g.ready = true;
    g.model_version = "als-1-19700101T000010Z";
    g.model_kind = "als";
    g.model_trained_at = "1970-01-01T00:00:10Z";
    g.model_trained_at_seconds = 10;
    g.model_loaded_at = 100;
    g.now = 160;
    g.pending_events = 2;
    g.generation = 1;
    const std::string text = m.render(g);
    CHECK_THAT(text, Catch::Contains("learnrec_requests_total{route=\"/a\",status=\"200\"} 2\n"));
    CHECK_THAT(text, Catch::Contains("learnrec_requests_total{route=\"/a\",status=\"400\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("learnrec_request_duration_seconds_bucket{route=\"/a\",le=\"0.001\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("learnrec_request_duration_seconds_bucket{route=\"/a\",le=\"0.025\"} 2\n"));
    CHECK_THAT(text, Catch::Contains("learnrec_request_duration_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"));
    CHECK_THAT(text, Catch::Contains("learnrec_reloads_total{result=\"failed\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("learnrec_model_age_seconds 150\n"));
    CHECK_THAT(text, Catch::Contains("learnrec_snapshot_age_seconds 60\n"));
    CHECK_THAT(text, Catch::Contains("learnrec_pending_events 2\n"));
}

TEST_CASE("request target: the path and the query are percent-decoded, '+' is a space only in the query",
          "[service]") {
    const auto t = service::detail::split_target("/v1/learners/L%2042+x/recommendations?k=5&goal=je+veux%20%C3%A9tudier&now");
    CHECK(t.path == "/v1/learners/L 42+x/recommendations");
    using Q = std::vector<std::pair<std::string, std::string>>;
    CHECK(t.query == Q{{"k", "5"}, {"goal", "je veux \xC3\xA9tudier"}, {"now", ""}});
}

TEST_CASE("request target: malformed escapes and empty pieces are kept or skipped, never refused", "[service]") {
    const auto t = service::detail::split_target("/a%zz%4?&&k=%&x=%2");
    CHECK(t.path == "/a%zz%4");
    using Q = std::vector<std::pair<std::string, std::string>>;
    CHECK(t.query == Q{{"k", "%"}, {"x", "%2"}});
    CHECK(service::detail::split_target("/healthz").query.empty());
    // Every byte value survives an encode-decode round trip (the encoder as the oracle).
    std::string all, encoded;
    for (int c = 0; c < 256; ++c) {
        all.push_back(static_cast<char>(c));
        encoded += fmt::format("%{:02X}", c);
    }
    CHECK(service::detail::split_target("/?v=" + encoded).query.at(0).second == all);
}

TEST_CASE("request target: split into the path and query of a previous request, it equals a fresh split",
          "[service]") {
    // A connection reuses one Request: longer, shorter and absent queries after one another.
    std::string path = "/left/over";
    std::vector<std::pair<std::string, std::string>> query{{"old", "value"}};
    for (const char* target : {"/v1/learners/L%201/recommendations?k=5&now=2026-01-01&goal=a+b", "/healthz?x",
                               "/metrics", "/v1/courses/C1/similar?k=3&&k=4", "/x?a=%zz&b"}) {
        service::detail::split_target_into(target, path, query);
        const auto fresh = service::detail::split_target(target);
        CHECK(path == fresh.path);
        CHECK(query == fresh.query);
    }
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

TEST_CASE("JSON writer: what it writes reads back as the same values (nlohmann as the oracle)", "[service]") {
    const std::vector<std::string> strings{"plain-id_1", "quote \" and \\ backslash", "tab\tnewline\n\x01",
                                           "caf\xc3\xa9 \xe2\x82\xac", ""};
    const std::vector<double> numbers{0.0, 1.0, -2.5, 0.1f, 1e-30, 3.4e38, 123456789.0};
    service::detail::JsonWriter w;
    w.begin_object().key("strings").begin_array();
    for (const auto& x : strings) w.value(x);
    w.end_array().key("numbers").begin_array();
    for (double x : numbers) w.value(x);
    w.end_array().member("int", 42).member("yes", true).member("no", false).key("empty").begin_object().end_object();
    w.end_object();
    const auto j = nlohmann::json::parse(w.take());
    CHECK(j["strings"].get<std::vector<std::string>>() == strings);
    REQUIRE(j["numbers"].size() == numbers.size());
    for (std::size_t i = 0; i < numbers.size(); ++i) {
        CHECK(j["numbers"][i].is_number_float());  // 1.0 stays a float, not the integer 1
        CHECK(j["numbers"][i].get<double>() == numbers[i]);
    }
    CHECK(j["int"] == 42);
    CHECK(j["yes"] == true);
    CHECK(j["no"] == false);
    CHECK(j["empty"].is_object());
}

TEST_CASE("JSON writer: invalid UTF-8 is replaced, and NaN or infinity is null, so the text always parses",
          "[service]") {
    service::detail::JsonWriter w;
    w.begin_array().value(std::string("bad \xff\xfe end")).value(std::nan("")).value(HUGE_VAL).end_array();
    const auto j = nlohmann::json::parse(w.take());
    CHECK(j[0] == "bad \xef\xbf\xbd\xef\xbf\xbd end");  // U+FFFD per invalid byte, as detail::dump() does
    CHECK(j[1].is_null());
    CHECK(j[2].is_null());
}

TEST_CASE("JSON writer: every byte at every position of a word is written as nlohmann writes it", "[service]") {
    // The plain-ASCII test reads 8 bytes at a time: each byte value in each lane of a word and in
    // the tail after the last whole word, against nlohmann's serializer as the oracle.
    const auto oracle = [](const std::string& s) {
        return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    for (int b = 1; b < 256; ++b)
        for (std::size_t at = 0; at < 19; ++at) {
            std::string s(19, 'a');
            s[at] = static_cast<char>(b);
            service::detail::JsonWriter direct, appended;
            direct.value(s);
            appended.value_appended([&](std::string& out) { out += s; });
            const std::string expected = oracle(s);
            CHECK(direct.take() == expected);
            CHECK(appended.take() == expected);
        }
}

TEST_CASE("JSON writer: a value appended in place follows the member's key and its commas", "[service]") {
    service::detail::JsonWriter w;
    w.begin_object().member("a", 1).key("text").value_appended([](std::string& out) { out += "say \"hi\""; });
    w.member("b", 2.5).end_object();
    CHECK(w.take() == R"({"a":1,"text":"say \"hi\"","b":2.5})");
}

TEST_CASE("course fragments: each course's id and title as members, escaped as nlohmann writes them", "[service]") {
    ranking::Catalogue cat;
    const std::vector<std::pair<std::string, std::string>> courses{
        {"C1", "Plain title"}, {"C\"2\"", "tab\there, caf\xc3\xa9"}, {"C3", ""}, {"bad \xff", "back\\slash"}};
    for (const auto& [id, title] : courses) {
        ranking::CourseFacts f;
        f.id = id;
        f.title = title;
        cat.courses.push_back(std::move(f));
    }
    const CourseFragments fragments(cat);
    REQUIRE(fragments.size() == courses.size());
    for (index_t c = 0; c < cat.num_courses(); ++c) {
        const auto& [id, title] = courses[static_cast<std::size_t>(c)];
        nlohmann::json with_title = nlohmann::json::object();
        with_title["course_id"] = id;
        with_title["title"] = title.empty() ? id : title;  // a course without a title is named by its id
        const auto oracle = [](const nlohmann::json& j) {
            return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        };
        // nlohmann orders keys alphabetically: course_id comes before title, as in the fragment.
        const std::string whole = oracle(with_title);
        CHECK("{" + std::string(fragments.of(c, true)) + "}" == whole);
        CHECK("{" + std::string(fragments.of(c, false)) + "}" == oracle(nlohmann::json{{"course_id", id}}));
    }
}

TEST_CASE("JSON writer: members written beforehand go in with the commas around them", "[service]") {
    service::detail::JsonWriter w;
    w.begin_object().member("a", 1).raw_members(R"("b":2,"c":"x")").member("d", true).end_object();
    CHECK(w.take() == R"({"a":1,"b":2,"c":"x","d":true})");
    service::detail::JsonWriter first;
    first.begin_array().begin_object().raw_members(R"("e":3)").end_object().end_array();
    CHECK(first.take() == R"([{"e":3}])");
}

TEST_CASE("service: an unknown learner id with quotes and invalid UTF-8 is answered in valid JSON", "[service]") {
    Service s({}, {}, small_snapshot());
    const Response r = s.handle(get("/v1/learners/new \"one\" \xff/recommendations", {{"k", "3"}}));
    REQUIRE(r.status == 200);
    const auto answer = nlohmann::json::parse(r.body);
    CHECK(answer["learner"] == "new \"one\" \xef\xbf\xbd");
    CHECK(answer["cold_start"] == true);
    CHECK(answer["items"].size() == 3);
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

TEST_CASE("model version: kind, payload CRC-32 and trained-at, as learnrec::model_version spells it", "[service]") {
    auto snap = small_snapshot();
    ModelBundle bundle = snap->bundle;
    bundle.metadata.trained_at = "2026-02-01T12:30:00Z";
    const std::string bytes = to_bytes(bundle);
    const ModelVersion v = model_version_of(bytes, bundle, 5);
    CHECK(v.id == model_version(bundle));
    CHECK_THAT(v.id, Catch::EndsWith("-20260201T123000Z"));
    CHECK(v.trained_at_seconds == parse_timestamp("2026-02-01T12:30:00Z"));
    bundle.metadata.trained_at.clear();
    CHECK_THAT(model_version_of(to_bytes(bundle), bundle, 5).id, Catch::EndsWith("-unknown"));
}

TEST_CASE("metrics: the model's version, kind, trained-at and age since training", "[service]") {
    auto base = small_snapshot();
    ModelBundle bundle = base->bundle;
    bundle.metadata.trained_at = "2020-01-01T00:00:00Z";
    const std::string bytes = to_bytes(bundle);
    const ModelVersion v = model_version_of(bytes, bundle, 0);
    Service s({}, {}, make_snapshot(bundle, titled_catalogue(bundle.courses), {}, {}, v));
    const std::string text = s.handle(get("/metrics")).body;
    CHECK_THAT(text, Catch::Contains("learnrec_model_info{version=\"" + v.id +
                                     "\",kind=\"als\",trained_at=\"2020-01-01T00:00:00Z\"} 1"));
    const auto at = text.find("\nlearnrec_model_age_seconds ");
    REQUIRE(at != std::string::npos);
    const double age = std::stod(text.substr(at + 28));
    const double expected = static_cast<double>(std::time(nullptr) - *parse_timestamp("2020-01-01"));
    CHECK(std::abs(age - expected) < 60.0);
}

TEST_CASE("service: a new learner's profile reaches the hybrid model's feature embedding", "[service]") {
    const auto h = small_hybrid();
    const auto snap = make_snapshot(h.bundle, titled_catalogue(h.bundle.courses), {}, {},
                                    model_version_of(to_bytes(h.bundle), h.bundle, 0), 0, {}, h.features.features);
    REQUIRE(snap->places_profiles());
    Service s({}, {}, snap);
    const Response r = s.handle(post("/v1/recommendations", R"({"k": 8, "now": "2026-01-01", "learner":
        {"role": "nurse", "country": "XX", "languages": ["fr"], "target_skills": ["python"]}})"));
    REQUIRE(r.status == 200);
    const auto body = nlohmann::json::parse(r.body);
    CHECK(body["basis"] == "features");
    // country=XX is not a feature the model knows: it is left out, the rest are used
    CHECK(body["features"] == nlohmann::json::array({"role=nurse", "lang=fr", "goal=python"}));

    // Oracle: the model's own embedding of that feature row, ranked by the same Ranker.
    const auto& tokens = h.features.features;
    const std::vector<Triplet> profile{{0, *tokens.find("role=nurse"), 1.0f}, {0, *tokens.find("lang=fr"), 1.0f},
                                       {0, *tokens.find("goal=python"), 1.0f}};
    const CsrMatrix row = CsrMatrix::from_triplets(1, 5, profile);
    QueryBlock q;
    q.embeddings = std::static_pointer_cast<const HybridModel>(h.bundle.model)->learner_embeddings_from_features(row.view(), 1);
    q.count = 1;
    ranking::LearnerFacts facts;
    facts.id = "new-1";
    facts.role = "nurse";
    facts.country = "XX";
    facts.languages = {"fr"};
    facts.target_skills = {ranking::SkillGoal{"python"}};
    ranking::LearnerHistory history(1, 8);
    history.finish();
    ranking::RankingRules rules = snap->rules;
    rules.k = 8;
    const auto expected = snap->ranker.recommend(ranking::NewLearners{q, {facts}, std::move(history)},
                                                 *parse_timestamp("2026-01-01"), rules);
    std::vector<std::string> ids;
    std::vector<float> scores;
    for (index_t j = 0; j < expected.count(0); ++j) {
        ids.push_back(snap->bundle.courses.id(expected.ids[expected.slot(0, j)]));
        scores.push_back(expected.scores[expected.slot(0, j)]);
    }
    CHECK(course_ids(r) == ids);
    for (std::size_t j = 0; j < scores.size(); ++j) CHECK(body["items"][j]["score"].get<float>() == Approx(scores[j]));
}

TEST_CASE("service: profile and courses together fold in on top of the features; nothing known is the average learner",
          "[service]") {
    const auto h = small_hybrid();
    Service s({}, {}, make_snapshot(h.bundle, titled_catalogue(h.bundle.courses), {}, {},
                                    model_version_of(to_bytes(h.bundle), h.bundle, 0), 0, {}, h.features.features));
    const auto answer = nlohmann::json::parse(s.handle(post("/v1/recommendations", R"({"learners": [
        {"role": "engineer", "courses": ["C1"]}, {"courses": ["C2"]}, {"role": "pilot"}]})")).body);
    CHECK(answer["results"][0]["basis"] == "features+fold_in");
    CHECK(answer["results"][1]["basis"] == "fold_in");
    CHECK(answer["results"][2]["basis"] == "average_learner");
    CHECK(answer["results"][2]["features"].empty());
}

TEST_CASE("snapshot: a hybrid model's learner feature names come from its training CSV; a mismatch names the file",
          "[service]") {
    const auto h = small_hybrid();
    const auto model = temp_path("hybrid.lrc");
    const auto features = temp_path("learner_features.csv");
    save(h.bundle, model);
    write_features_csv(features, h.features, h.bundle.learners, "learner_id");
    SnapshotSources sources;
    sources.model = model;
    sources.learner_features = features;
    const auto snap = load_snapshot(sources, 0);
    REQUIRE(snap->places_profiles());
    CHECK(snap->learner_feature_tokens.size() == 5);
    for (index_t j = 0; j < 5; ++j) CHECK(snap->learner_feature_tokens.id(j) == h.features.features.id(j));

    std::ofstream(features) << "learner_id,feature,weight\nL1,role=engineer,1\n";
    try {
        load_snapshot(sources, 0);
        FAIL("a feature file naming 1 feature was accepted for a model trained with 5");
    } catch (const Error& e) {
        CHECK_THAT(e.what(), Catch::Contains(features.string()));
        CHECK_THAT(e.what(), Catch::Contains("trained with 5"));
    }
}

namespace {
/// A catalogue directory for small_hybrid()'s courses and learners, every course titled `title`.
void write_catalogue(const std::filesystem::path& dir, const std::string& title) {
    std::filesystem::create_directories(dir);
    std::ofstream courses(dir / "courses.csv");
    courses << "course_id,title\n";
    for (int c = 1; c <= 8; ++c) courses << "C" << c << "," << title << " " << c << "\n";
    std::ofstream learners(dir / "learners.csv");
    learners << "learner_id,role,country\n";
    for (int l = 1; l <= 6; ++l) learners << "L" << l << ",engineer,FR\n";
}
}  // namespace

TEST_CASE("snapshot: a reload keeps an unchanged catalogue directory and reads a changed one again", "[service]") {
    const auto h = small_hybrid();
    const auto dir = temp_path("catalogue_dir");
    std::filesystem::remove_all(dir);
    write_catalogue(dir, "Old");
    SnapshotSources sources;
    sources.model = temp_path("catalogue_model.lrc");
    sources.catalogue = dir;
    save(h.bundle, sources.model);
    const auto first = load_snapshot(sources, 0);
    CHECK_FALSE(first->catalogue_reused);
    const auto kept = load_snapshot(sources, 1, first.get(), first.get());
    CHECK(kept->catalogue_reused);
    CHECK(kept->ranker.catalogue().courses[0].title == "Old 1");
    CHECK(kept->ranker.learners().size() == 6u);
    CHECK(kept->goals_index == first->goals_index);
    // The kept data answers as the directory read again would.
    const auto reread = load_snapshot(sources, 1);
    const std::vector<index_t> all{0, 1, 2, 3, 4, 5};
    ranking::RankingRules rules;
    rules.k = 5;
    rules.num_threads = 1;
    CHECK(kept->ranker.recommend(all, 0, rules).ids == reread->ranker.recommend(all, 0, rules).ids);

    write_catalogue(dir, "Newer");  // a file rewritten: another size and modification time
    const auto changed = load_snapshot(sources, 2, kept.get(), kept.get());
    CHECK_FALSE(changed->catalogue_reused);
    CHECK(changed->ranker.catalogue().courses[0].title == "Newer 1");
    std::filesystem::remove_all(dir);
}

TEST_CASE("snapshot: the catalogue stamp changes when a file is replaced, even with the same size", "[service]") {
    const auto dir = temp_path("stamp_dir");
    std::filesystem::remove_all(dir);
    write_catalogue(dir, "Old");
    const std::string before = catalogue_stamp(dir);
    CHECK(catalogue_stamp(dir) == before);
    // Published as pipelines do: written beside, then renamed over (a new inode).
    std::ofstream(dir / "courses.csv.tmp") << slurp(dir / "courses.csv");
    std::filesystem::rename(dir / "courses.csv.tmp", dir / "courses.csv");
    CHECK(catalogue_stamp(dir) != before);
    CHECK(catalogue_stamp({}).empty());
    std::filesystem::remove_all(dir);
}

TEST_CASE("service: a successful reload publishes the new snapshot and releases the old one", "[service]") {
    const auto h = small_hybrid();
    const auto model = temp_path("reload.lrc");
    save(h.bundle, model);
    ServiceOptions options;
    options.sources.model = model;
    Service s(options, {}, small_snapshot());
    std::weak_ptr<const Snapshot> old = s.snapshot();
    const ReloadResult r = s.reload();
    REQUIRE(r.ok);
    CHECK(s.snapshot()->version.kind == "hybrid");
    CHECK(old.expired());  // freed by the reload itself, before its memory is handed back
}

TEST_CASE("service: after many reloads under concurrent requests only the serving snapshot stays alive",
          "[service]") {
    const auto h = small_hybrid();
    const auto model = temp_path("reloads_alive.lrc");
    save(h.bundle, model);
    ServiceOptions options;
    options.sources.model = model;
    {
        Service s(options, {}, small_snapshot());
        // Readers hold snapshots while reloads replace them: each old one must still die.
        std::atomic<bool> stop{false};
        std::vector<std::thread> readers;
        for (int t = 0; t < 3; ++t)
            readers.emplace_back([&] {
                while (!stop.load()) (void)s.handle(get("/v1/courses/C1/similar", {{"k", "3"}}));
            });
        for (int r = 0; r < 20; ++r) REQUIRE(s.reload().ok);
        stop = true;
        for (auto& t : readers) t.join();
        CHECK(snapshots_alive() == 1);
        CHECK_THAT(s.handle(get("/metrics")).body, Catch::Contains("learnrec_snapshots_alive 1\n"));
    }
    CHECK(snapshots_alive() == 0);  // the service's own went with it
}

TEST_CASE("metrics: snapshots alive and the allocator's heap figures", "[service]") {
    Metrics m;
    ServingGauges g;
    g.snapshots_alive = 2;
    g.heap = heap_stats();
    const std::string text = m.render(g);
    CHECK_THAT(text, Catch::Contains("learnrec_snapshots_alive 2\n"));
#ifdef __GLIBC__
    // Oracle: the process has allocated at least the render's own string, has one arena or more,
    // and is resident in memory.
    CHECK(g.heap->in_use >= text.size());
    CHECK(g.heap->arenas >= 1);
    CHECK(g.heap->resident > 0);
    CHECK_THAT(text, Catch::Contains(fmt::format("learnrec_heap_arenas {}\n", g.heap->arenas)));
    CHECK_THAT(text, Catch::Contains("learnrec_heap_in_use_bytes "));
    CHECK_THAT(text, Catch::Contains("learnrec_heap_free_bytes "));
    CHECK_THAT(text, Catch::Contains("process_resident_memory_bytes "));
#endif
}
