// Tests for the synthetic academy generator (learnrec/data/academy.hpp).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "learnrec/data/academy.hpp"
#include "learnrec/data/csv.hpp"

using namespace learnrec;

namespace {

// Generated once: every property test reads the same default academy.
const Academy& default_academy() {
    static const Academy academy = generate_academy();
    return academy;
}

bool same_events(const std::vector<AcademyEvent>& a, const std::vector<AcademyEvent>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const AcademyEvent& x, const AcademyEvent& y) {
        return x.learner == y.learner && x.course == y.course && x.kind == y.kind && x.time == y.time;
    });
}

bool speaks(const LearnerProfile& learner, const std::string& language) {
    std::size_t begin = 0;
    for (;;) {
        const std::size_t end = learner.language.find(',', begin);
        if (learner.language.compare(begin, end - begin, language) == 0 &&
            (end == std::string::npos ? learner.language.size() : end) - begin == language.size())
            return true;
        if (end == std::string::npos) return false;
        begin = end + 1;
    }
}

std::uint64_t fnv1a(std::uint64_t h, std::int64_t v) {
    for (int b = 0; b < 8; ++b) {
        h ^= static_cast<std::uint64_t>(v >> (8 * b)) & 0xffU;
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::uint64_t events_checksum(const std::vector<AcademyEvent>& events) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const auto& e : events) {
        h = fnv1a(h, e.learner);
        h = fnv1a(h, e.course);
        // Codes 0 and 1, as when the pinned value was taken (schema 1 then had its own kind enum).
        h = fnv1a(h, e.kind == LifecycleKind::completed ? std::int64_t{1} : std::int64_t{0});
        h = fnv1a(h, e.time);
    }
    return h;
}

}  // namespace

TEST_CASE("the same seed generates an identical academy", "[academy]") {
    const AcademyConfig config{7, 800, 150, 9.0, 1};
    const Academy a = generate_academy(config);
    const Academy b = generate_academy(config);
    CHECK(same_events(a.events, b.events));
    CHECK(a.interactions.matrix.indptr() == b.interactions.matrix.indptr());
    CHECK(a.interactions.matrix.indices() == b.interactions.matrix.indices());
    CHECK(a.interactions.matrix.data() == b.interactions.matrix.data());
    CHECK(a.interactions.timestamps == b.interactions.timestamps);
    for (std::size_t i = 0; i < a.learners.size(); ++i) {
        CHECK(a.learners[i].role == b.learners[i].role);
        CHECK(a.learners[i].language == b.learners[i].language);
    }
    for (std::size_t j = 0; j < a.courses.size(); ++j) CHECK(a.courses[j].title == b.courses[j].title);
}

TEST_CASE("different seeds generate different academies", "[academy]") {
    const Academy a = generate_academy({1, 800, 150, 9.0, 1});
    const Academy b = generate_academy({2, 800, 150, 9.0, 1});
    CHECK_FALSE(same_events(a.events, b.events));
    CHECK(a.interactions.matrix.indices() != b.interactions.matrix.indices());
    std::size_t same_titles = 0;
    for (std::size_t j = 0; j < a.courses.size(); ++j) same_titles += a.courses[j].title == b.courses[j].title;
    CHECK(same_titles < a.courses.size() / 4);
}

TEST_CASE("sizes and id maps cover every learner and course, even those without events", "[academy]") {
    const AcademyConfig config{3, 300, 1000, 2.0, 1};
    const Academy a = generate_academy(config);
    const auto& x = a.interactions;
    REQUIRE(a.schema_version == 1);
    CHECK(a.lifecycle.empty());
    CHECK(a.skills_review.empty());
    CHECK(a.obligations.empty());
    CHECK(a.prerequisites.empty());
    CHECK(a.sessions.empty());
    CHECK(a.courses.front().provider.empty());
    CHECK(a.courses.front().skills.empty());
    CHECK(a.learners.front().seniority.empty());
    REQUIRE(a.learners.size() == 300);
    REQUIRE(a.courses.size() == 1000);
    REQUIRE(x.matrix.rows() == 300);
    REQUIRE(x.matrix.cols() == 1000);
    REQUIRE(x.learners.size() == 300);
    REQUIRE(x.courses.size() == 1000);
    REQUIRE(x.timestamps.size() == static_cast<std::size_t>(x.matrix.nnz()));
    for (index_t i = 0; i < 300; ++i) CHECK(x.learners.id(i) == a.learners[static_cast<std::size_t>(i)].id);
    for (index_t j = 0; j < 1000; ++j) CHECK(x.courses.id(j) == a.courses[static_cast<std::size_t>(j)].id);
    CHECK(a.learners.front().id == "L000001");
    CHECK(a.learners.back().id == "L000300");
    CHECK(a.courses.front().id == "C0001");
    CHECK(a.courses.back().id == "C1000");

    index_t idle_learners = 0;
    for (index_t i = 0; i < x.matrix.rows(); ++i) idle_learners += x.matrix.row(i).size() == 0;
    std::vector<int> takers(1000, 0);
    for (auto c : x.matrix.indices()) ++takers[static_cast<std::size_t>(c)];
    CHECK(idle_learners > 0);
    CHECK(std::count(takers.begin(), takers.end(), 0) > 0);
}

TEST_CASE("ids are zero padded to fit the count", "[academy]") {
    const Academy a = generate_academy({5, 10, 12345, 1.0, 1});
    CHECK(a.courses.front().id == "C00001");
    CHECK(a.courses.back().id == "C12345");
    CHECK(a.learners.back().id == "L000010");
}

TEST_CASE("events are chronological, in range, and completions follow their enrolment by 1-60 days",
          "[academy]") {
    const Academy& a = default_academy();
    const timestamp_t start = 1704067200;  // 2024-01-01T00:00:00Z
    const timestamp_t end = 1767225600;    // 2026-01-01T00:00:00Z
    std::map<std::pair<index_t, index_t>, timestamp_t> enrolled;
    REQUIRE_FALSE(a.events.empty());
    bool sorted = true;
    for (std::size_t k = 0; k < a.events.size(); ++k) {
        const auto& e = a.events[k];
        REQUIRE(e.learner >= 0);
        REQUIRE(e.learner < static_cast<index_t>(a.learners.size()));
        REQUIRE(e.course >= 0);
        REQUIRE(e.course < static_cast<index_t>(a.courses.size()));
        REQUIRE(e.time >= start);
        REQUIRE(e.time < end);
        if (k > 0) sorted = sorted && a.events[k - 1].time <= e.time;
        const auto pair = std::make_pair(e.learner, e.course);
        if (e.kind == LifecycleKind::enrolled) {
            REQUIRE(enrolled.emplace(pair, e.time).second);  // a learner enrols in a course once
        } else {
            const auto it = enrolled.find(pair);
            REQUIRE(it != enrolled.end());
            const timestamp_t delay = e.time - it->second;
            REQUIRE(delay >= 86400);
            REQUIRE(delay <= 60 * 86400);
        }
    }
    CHECK(sorted);
}

TEST_CASE("weights are 1 for enrolled-only pairs and 3 for completed ones, stamped with the latest event",
          "[academy]") {
    const Academy& a = default_academy();
    std::map<std::pair<index_t, index_t>, std::pair<float, timestamp_t>> expected;
    for (const auto& e : a.events) {
        auto& [weight, time] = expected[{e.learner, e.course}];
        weight += e.kind == LifecycleKind::enrolled ? 1.0f : 2.0f;
        time = std::max(time, e.time);
    }
    const auto& m = a.interactions.matrix;
    REQUIRE(static_cast<std::size_t>(m.nnz()) == expected.size());
    std::size_t completed = 0;
    for (index_t i = 0; i < m.rows(); ++i) {
        const auto row = m.row(i);
        const auto first = static_cast<std::size_t>(m.indptr()[static_cast<std::size_t>(i)]);
        for (std::size_t k = 0; k < row.size(); ++k) {
            const auto it = expected.find({i, row.indices[k]});
            REQUIRE(it != expected.end());
            REQUIRE((row.weights[k] == 1.0f || row.weights[k] == 3.0f));
            CHECK(row.weights[k] == it->second.first);
            CHECK(a.interactions.timestamps[first + k] == it->second.second);
            completed += row.weights[k] == 3.0f;
        }
    }
    // Both kinds are common: completion depends on format and level, not a constant.
    CHECK(completed > expected.size() / 3);
    CHECK(completed < expected.size() * 3 / 4);
}

TEST_CASE("the mean number of enrolments per learner follows the config", "[academy]") {
    for (const double mean : {4.0, 12.0, 30.0}) {
        const AcademyConfig config{11, 3000, 800, mean, 1};
        const Academy a = generate_academy(config);
        const double realised = static_cast<double>(a.interactions.matrix.nnz()) / 3000.0;
        INFO("configured " << mean << ", realised " << realised);
        CHECK(realised > 0.85 * mean);
        CHECK(realised < 1.1 * mean);
    }
}

TEST_CASE("enrolment counts per learner are heavy-tailed", "[academy]") {
    const auto& m = default_academy().interactions.matrix;
    std::vector<offset_t> counts;
    for (index_t i = 0; i < m.rows(); ++i) counts.push_back(static_cast<offset_t>(m.row(i).size()));
    std::sort(counts.begin(), counts.end());
    const offset_t median = counts[counts.size() / 2];
    const offset_t p99 = counts[counts.size() * 99 / 100];
    CHECK(p99 > 4 * median);
}

TEST_CASE("course popularity is skewed: the top 10% of courses hold over 30% of enrolments", "[academy]") {
    const auto& m = default_academy().interactions.matrix;
    std::vector<double> takers(static_cast<std::size_t>(m.cols()), 0.0);
    for (auto c : m.indices()) ++takers[static_cast<std::size_t>(c)];
    std::sort(takers.rbegin(), takers.rend());
    double top = 0.0;
    for (std::size_t k = 0; k < takers.size() / 10; ++k) top += takers[k];
    const double share = top / static_cast<double>(m.nnz());
    INFO("top 10% share " << share);
    CHECK(share > 0.30);
    CHECK(share < 0.70);  // a long tail, not a handful of courses
}

TEST_CASE("learners mostly take courses in a language they speak", "[academy]") {
    const Academy& a = default_academy();
    const auto& m = a.interactions.matrix;
    std::size_t spoken = 0;
    for (index_t i = 0; i < m.rows(); ++i)
        for (auto c : m.row(i).indices)
            spoken += speaks(a.learners[static_cast<std::size_t>(i)], a.courses[static_cast<std::size_t>(c)].language);
    const double share = static_cast<double>(spoken) / static_cast<double>(m.nnz());
    INFO("share in a spoken language " << share);
    CHECK(share > 0.85);
}

TEST_CASE("catalogue and profiles hold values from their documented domains", "[academy]") {
    const Academy& a = default_academy();
    const std::set<std::string> formats{"e-learning", "webinar", "MOOC", "classroom"};
    const std::set<std::string> languages{"en", "fr", "de", "es", "it", "pt", "pl", "nl"};
    std::set<std::string> topics, titles;
    std::map<std::string, int> per_format;
    for (const auto& c : a.courses) {
        CHECK(formats.count(c.format) == 1);
        CHECK(languages.count(c.language) == 1);
        CHECK(c.level >= 1);
        CHECK(c.level <= 3);
        CHECK(c.duration_hours > 0.0f);
        CHECK(c.title.find("(" + c.format + ")") != std::string::npos);
        topics.insert(c.topic);
        titles.insert(c.title);
        ++per_format[c.format];
    }
    CHECK(topics.size() == 20);
    CHECK(titles.size() == a.courses.size());  // a human can tell courses apart
    CHECK(per_format["e-learning"] > per_format["MOOC"]);
    std::map<std::string, int> per_language;
    for (const auto& l : a.learners) {
        CHECK_FALSE(l.role.empty());
        CHECK_FALSE(l.department.empty());
        CHECK_FALSE(l.country.empty());
        CHECK(languages.count(l.language.substr(0, l.language.find(','))) == 1);
        ++per_language[l.language];
    }
    CHECK(per_language["fr,en"] > 0);  // bilingual learners exist
    CHECK(per_language["fr"] > 0);     // and monolingual ones
}

TEST_CASE("invalid configs throw Error", "[academy]") {
    const auto bad = [](auto change) {
        AcademyConfig config;
        change(config);
        return config;
    };
    CHECK_NOTHROW(AcademyConfig{}.validate());
    CHECK_THROWS_AS(generate_academy(bad([](AcademyConfig& c) { c.learners = 0; })), Error);
    CHECK_THROWS_AS(generate_academy(bad([](AcademyConfig& c) { c.learners = -5; })), Error);
    CHECK_THROWS_AS(generate_academy(bad([](AcademyConfig& c) { c.courses = 0; })), Error);
    CHECK_THROWS_AS(generate_academy(bad([](AcademyConfig& c) { c.mean_enrolments = 0.0; })), Error);
    CHECK_THROWS_AS(generate_academy(bad([](AcademyConfig& c) { c.mean_enrolments = -1.0; })), Error);
    CHECK_THROWS_AS(generate_academy(bad([](AcademyConfig& c) {
                        c.mean_enrolments = std::numeric_limits<double>::quiet_NaN();
                    })),
                    Error);
    CHECK_THROWS_AS(generate_academy(bad([](AcademyConfig& c) { c.mean_enrolments = 601.0; })), Error);
    CHECK_THROWS_AS(generate_academy(bad([](AcademyConfig& c) { c.schema_version = 0; })), Error);
    CHECK_THROWS_AS(generate_academy(bad([](AcademyConfig& c) { c.schema_version = 3; })), Error);
    CHECK_THROWS_WITH(bad([](AcademyConfig& c) { c.schema_version = 3; }).validate(),
                      Catch::Contains("schema_version 3"));
}

TEST_CASE("schema 1 events are enrollments and completions only", "[academy]") {
    const Academy a = generate_academy({8, 200, 50, 5.0, 1});
    REQUIRE_FALSE(a.events.empty());
    for (const auto& e : a.events) CHECK((e.kind == LifecycleKind::enrolled || e.kind == LifecycleKind::completed));
}

// Schema promise: later schema versions add fields but never change these values for seed 42.
// If this fails, existing datasets, demos and benchmark baselines silently changed meaning.
TEST_CASE("seed 42 reproduces the pinned golden academy", "[academy]") {
    AcademyConfig v1;
    v1.schema_version = 1;
    const Academy schema1 = generate_academy(v1);
    // Schema 2 (the default) must give the very same v1 fields.
    for (const Academy* version : {&schema1, &default_academy()}) {
        const Academy& a = *version;
        CHECK(a.events.size() == 93150);
        CHECK(a.interactions.matrix.nnz() == 60715);
        CHECK(a.learners[0].role == "sales");
        CHECK(a.learners[0].country == "Poland");
        CHECK(a.learners[0].language == "pl");
        CHECK(a.learners[1].language == "it,en");
        CHECK(a.courses[0].title == "Expert MLOps for Data Scientists (e-learning)");
        CHECK(a.courses[0].language == "en");
        CHECK(a.courses[0].duration_hours == 2.0f);
        CHECK(events_checksum(a.events) == 0xe6ab383ff2e543aaULL);
    }
    CHECK(schema1.schema_version == 1);
    CHECK(default_academy().schema_version == 2);
}

// The dataset must reward collaborative filtering: a simple item co-occurrence recommender, trained
// on 80% of each learner's courses, must clearly beat "most popular" on the held-out 20%.
TEST_CASE("the signal is learnable: co-occurrence beats popularity at recall@10", "[academy]") {
    const auto& m = default_academy().interactions.matrix;
    const auto n_courses = static_cast<std::size_t>(m.cols());
    // Deterministic hash split: about 1 course in 5 is held out.
    const auto held_out = [](index_t learner, index_t course) {
        std::uint64_t h = (static_cast<std::uint64_t>(learner) << 32) ^ static_cast<std::uint64_t>(course);
        h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdULL;
        h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53ULL;
        return (h ^ (h >> 33)) % 5 == 0;
    };
    std::vector<std::vector<index_t>> train(static_cast<std::size_t>(m.rows())), test(train.size());
    for (index_t i = 0; i < m.rows(); ++i)
        for (auto c : m.row(i).indices) (held_out(i, c) ? test : train)[static_cast<std::size_t>(i)].push_back(c);

    std::vector<double> popularity(n_courses, 0.0);
    std::vector<double> together(n_courses * n_courses, 0.0);
    for (const auto& row : train)
        for (auto c : row) {
            popularity[static_cast<std::size_t>(c)] += 1.0;
            for (auto d : row) together[static_cast<std::size_t>(c) * n_courses + static_cast<std::size_t>(d)] += 1.0;
        }

    const auto recall = [&](std::size_t learner, const std::vector<double>& score) {
        std::vector<char> seen(n_courses, 0);
        for (auto c : train[learner]) seen[static_cast<std::size_t>(c)] = 1;
        std::vector<std::size_t> order(n_courses);
        for (std::size_t c = 0; c < n_courses; ++c) order[c] = c;
        std::stable_sort(order.begin(), order.end(), [&](auto x, auto y) { return score[x] > score[y]; });
        std::size_t hits = 0, shown = 0;
        for (std::size_t k = 0; k < n_courses && shown < 10; ++k) {
            if (seen[order[k]]) continue;
            ++shown;
            hits += std::count(test[learner].begin(), test[learner].end(), static_cast<index_t>(order[k])) > 0;
        }
        return static_cast<double>(hits) / static_cast<double>(std::min<std::size_t>(10, test[learner].size()));
    };

    double cf = 0.0, pop = 0.0;
    std::size_t evaluated = 0;
    std::vector<double> score(n_courses);
    for (std::size_t i = 0; i < train.size(); ++i) {
        if (test[i].empty() || train[i].empty()) continue;
        std::fill(score.begin(), score.end(), 0.0);
        for (auto c : train[i])
            for (std::size_t d = 0; d < n_courses; ++d)  // cosine similarity between courses
                score[d] += together[static_cast<std::size_t>(c) * n_courses + d] /
                            std::sqrt(popularity[static_cast<std::size_t>(c)] * popularity[d] + 1.0);
        cf += recall(i, score);
        pop += recall(i, popularity);
        ++evaluated;
    }
    cf /= static_cast<double>(evaluated);
    pop /= static_cast<double>(evaluated);
    INFO("recall@10 co-occurrence " << cf << ", popularity " << pop);
    CHECK(cf > 1.2 * pop);
    CHECK(cf < 0.6);  // not trivially easy either
}

// ---- schema 2 -----------------------------------------------------------------------------------

namespace {

constexpr timestamp_t kAcademyStart = 1704067200;  // 2024-01-01T00:00:00Z
constexpr timestamp_t kAcademyEnd = 1767225600;    // 2026-01-01T00:00:00Z
constexpr timestamp_t kPlanningEnd = 1830297600;   // 2028-01-01T00:00:00Z

const Academy& small_v2() {
    static const Academy academy = generate_academy({5, 1500, 300, 10.0, 2});
    return academy;
}

std::uint64_t lifecycle_checksum(const std::vector<LifecycleEvent>& events) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const auto& e : events) {
        h = fnv1a(h, e.learner);
        h = fnv1a(h, e.course);
        h = fnv1a(h, static_cast<std::int64_t>(e.kind));
        h = fnv1a(h, e.time);
        h = fnv1a(h, static_cast<std::int64_t>(e.value));
    }
    return h;
}

bool has_skill(const std::vector<SkillLevel>& skills, const std::string& skill) {
    return std::any_of(skills.begin(), skills.end(), [&](const SkillLevel& s) { return s.skill == skill; });
}

}  // namespace

TEST_CASE("schema 2 keeps every schema 1 field unchanged", "[academy][v2]") {
    const Academy v1 = generate_academy({5, 1500, 300, 10.0, 1});
    const Academy& v2 = small_v2();
    CHECK(same_events(v1.events, v2.events));
    CHECK(v1.interactions.matrix.indices() == v2.interactions.matrix.indices());
    CHECK(v1.interactions.matrix.data() == v2.interactions.matrix.data());
    CHECK(v1.interactions.timestamps == v2.interactions.timestamps);
    for (std::size_t i = 0; i < v1.learners.size(); ++i) {
        const auto &a = v1.learners[i], &b = v2.learners[i];
        CHECK((a.id == b.id && a.role == b.role && a.department == b.department && a.country == b.country &&
               a.language == b.language));
    }
    for (std::size_t j = 0; j < v1.courses.size(); ++j) {
        const auto &a = v1.courses[j], &b = v2.courses[j];
        CHECK((a.id == b.id && a.title == b.title && a.topic == b.topic && a.format == b.format &&
               a.language == b.language && a.level == b.level && a.duration_hours == b.duration_hours));
    }
}

TEST_CASE("schema 2 is deterministic", "[academy][v2]") {
    const Academy again = generate_academy({5, 1500, 300, 10.0, 2});
    CHECK(lifecycle_checksum(again.lifecycle) == lifecycle_checksum(small_v2().lifecycle));
    CHECK(again.obligations.size() == small_v2().obligations.size());
    CHECK(again.sessions.size() == small_v2().sessions.size());
    for (std::size_t i = 0; i < again.learners.size(); ++i)
        CHECK(again.learners[i].target_skills.size() == small_v2().learners[i].target_skills.size());
}

TEST_CASE("lifecycle enrolled and completed events are exactly the schema 1 events", "[academy][v2]") {
    const Academy& a = small_v2();
    std::vector<AcademyEvent> from_lifecycle;
    for (const auto& e : a.lifecycle)
        if (e.kind == LifecycleKind::enrolled || e.kind == LifecycleKind::completed)
            from_lifecycle.push_back({e.learner, e.course, e.kind, e.time});
    CHECK(same_events(from_lifecycle, a.events));
}

TEST_CASE("lifecycle events are sorted, in the observation window and follow the lifecycle order per pair",
          "[academy][v2]") {
    const Academy& a = small_v2();
    REQUIRE_FALSE(a.lifecycle.empty());
    struct Seen {
        timestamp_t enrolled = -1, completed = -1, started = -1, dropped = -1;
        int passed = 0, failed = 0;
    };
    std::map<std::pair<index_t, index_t>, Seen> pairs;
    std::map<LifecycleKind, int> per_kind;
    for (std::size_t k = 0; k < a.lifecycle.size(); ++k) {
        const auto& e = a.lifecycle[k];
        if (k > 0) REQUIRE(a.lifecycle[k - 1].time <= e.time);
        REQUIRE(e.time >= kAcademyStart);
        REQUIRE(e.time < kAcademyEnd);
        ++per_kind[e.kind];
        auto& s = pairs[{e.learner, e.course}];
        const auto& course = a.courses[static_cast<std::size_t>(e.course)];
        switch (e.kind) {
            case LifecycleKind::enrolled: s.enrolled = e.time; break;
            case LifecycleKind::started: s.started = e.time; break;
            case LifecycleKind::completed: s.completed = e.time; break;
            case LifecycleKind::dropped: s.dropped = e.time; break;
            case LifecycleKind::passed: ++s.passed; REQUIRE(course.has_exam); break;
            case LifecycleKind::failed: ++s.failed; REQUIRE(course.has_exam); break;
            case LifecycleKind::rated:
                REQUIRE(s.completed >= 0);  // sorted by time: the completion came first
                REQUIRE(e.value >= 1.0f);
                REQUIRE(e.value <= 5.0f);
                REQUIRE(e.value == std::round(e.value));
                break;
            case LifecycleKind::assigned: break;
        }
        if (e.kind != LifecycleKind::rated) REQUIRE(e.value == 0.0f);
    }
    for (const auto& [pair, s] : pairs) {
        if (s.started >= 0) CHECK(s.started >= s.enrolled);
        if (s.completed >= 0) {
            CHECK(s.started >= 0);
            CHECK(s.started <= s.completed);
            CHECK(s.dropped < 0);  // only enrolments never completed are dropped
        }
        if (s.dropped >= 0) CHECK(s.dropped > s.enrolled);
        CHECK(s.passed <= 1);
        CHECK(s.failed <= 1);
        if (s.passed + s.failed > 0) CHECK(s.completed >= 0);
    }
    // Every kind occurs.
    for (std::size_t k = 0; k < kLifecycleKinds; ++k) CHECK(per_kind[static_cast<LifecycleKind>(k)] > 0);
}

TEST_CASE("assigned events name courses obligatory for the learner", "[academy][v2]") {
    const Academy& a = small_v2();
    std::map<std::string, index_t> course_index;
    for (std::size_t j = 0; j < a.courses.size(); ++j) course_index[a.courses[j].id] = static_cast<index_t>(j);
    const auto obligatory = [&](index_t learner, index_t course) {
        const auto& p = a.learners[static_cast<std::size_t>(learner)];
        for (const auto& o : a.obligations) {
            if (course_index.at(o.course_id) != course) continue;
            if (o.scope == "all" || (o.scope == "role" && o.value == p.role) ||
                (o.scope == "department" && o.value == p.department) || (o.scope == "country" && o.value == p.country) ||
                (o.scope == "learner" && o.value == p.id))
                return true;
        }
        return false;
    };
    std::size_t assigned = 0;
    for (const auto& e : a.lifecycle)
        if (e.kind == LifecycleKind::assigned) {
            ++assigned;
            REQUIRE(obligatory(e.learner, e.course));
        }
    // Every learner has the "all" obligations assigned, taken or not.
    std::size_t all_scope = 0;
    for (const auto& o : a.obligations) all_scope += o.scope == "all";
    CHECK(all_scope == 3);
    CHECK(assigned >= all_scope * a.learners.size());
}

TEST_CASE("obligations have valid scopes, existing ids and due dates in 2026-2027", "[academy][v2]") {
    const Academy& a = default_academy();
    std::set<std::string> learner_ids, course_ids, roles, departments, countries;
    for (const auto& l : a.learners) {
        learner_ids.insert(l.id);
        roles.insert(l.role);
        departments.insert(l.department);
        countries.insert(l.country);
    }
    for (const auto& c : a.courses) course_ids.insert(c.id);
    std::map<std::string, int> per_scope;
    for (const auto& o : a.obligations) {
        ++per_scope[o.scope];
        CHECK(course_ids.count(o.course_id) == 1);
        CHECK(o.due >= kAcademyEnd);
        CHECK(o.due < kPlanningEnd);
        if (o.scope == "all") CHECK(o.value.empty());
        else if (o.scope == "role") CHECK(roles.count(o.value) == 1);
        else if (o.scope == "department") CHECK(departments.count(o.value) == 1);
        else if (o.scope == "country") CHECK(countries.count(o.value) == 1);
        else {
            REQUIRE(o.scope == "learner");
            CHECK(learner_ids.count(o.value) == 1);
        }
    }
    CHECK(per_scope["all"] == 3);
    CHECK(per_scope["role"] == 3);
    CHECK(per_scope["department"] == 2);
    CHECK(per_scope["country"] == 3);
    CHECK(per_scope["learner"] > 50);   // about 2% of 5000
    CHECK(per_scope["learner"] < 200);
}

TEST_CASE("prerequisites link consecutive levels of one subject and form a DAG", "[academy][v2]") {
    const Academy& a = default_academy();
    REQUIRE_FALSE(a.prerequisites.empty());
    std::set<index_t> with_prerequisite;
    for (const auto& p : a.prerequisites) {
        const auto& course = a.courses[static_cast<std::size_t>(p.course)];
        const auto& required = a.courses[static_cast<std::size_t>(p.requires_course)];
        CHECK(course.level == required.level + 1);  // levels increase along every edge: no cycle
        CHECK(course.topic == required.topic);
        CHECK(course.skills.front().skill == required.skills.front().skill);  // the same subject's skill
        CHECK(with_prerequisite.insert(p.course).second);                     // one prerequisite per course
    }
    // Prerequisites are sorted by course, and every level-1 course is free of them.
    CHECK(std::is_sorted(a.prerequisites.begin(), a.prerequisites.end(),
                         [](const Prerequisite& x, const Prerequisite& y) { return x.course < y.course; }));
    for (const auto c : with_prerequisite) CHECK(a.courses[static_cast<std::size_t>(c)].level > 1);
}

TEST_CASE("sessions are classroom or webinar sessions within a working week of 2026-2027 in a fitting country", "[academy][v2]") {
    const Academy& a = default_academy();
    REQUIRE_FALSE(a.sessions.empty());
    const std::map<std::string, std::string> language_of{
        {"France", "fr"},      {"Germany", "de"}, {"United Kingdom", "en"}, {"United States", "en"}, {"Spain", "es"},
        {"Italy", "it"},       {"Netherlands", "nl"}, {"Poland", "pl"}, {"Brazil", "pt"}, {"Portugal", "pt"},
        {"Mexico", "es"},      {"India", "en"},   {"Canada", "en"},         {"Belgium", "fr"}};
    for (std::size_t k = 0; k < a.sessions.size(); ++k) {
        const auto& s = a.sessions[k];
        const auto& c = a.courses[static_cast<std::size_t>(s.course)];
        if (k > 0) CHECK(a.sessions[k - 1].start <= s.start);
        CHECK(s.start >= kAcademyEnd);
        CHECK(s.start < kPlanningEnd);
        CHECK(s.end > s.start);
        // Monday = 1 .. Sunday = 7 (1970-01-01 was a Thursday): start and end in one working week.
        const auto start_day = s.start / 86400, end_day = s.end / 86400;
        const auto start_weekday = (start_day + 3) % 7 + 1, end_weekday = (end_day + 3) % 7 + 1;
        CHECK(start_weekday <= 5);
        CHECK(end_weekday <= 5);
        CHECK(end_day - start_day == end_weekday - start_weekday);
        if (c.format == "classroom") {
            REQUIRE(language_of.count(s.location) == 1);
            if (c.language != "en") CHECK(language_of.at(s.location) == c.language);
            CHECK(s.capacity >= 8);
            CHECK(s.capacity <= 20);
        } else {
            REQUIRE(c.format == "webinar");
            CHECK(s.location.empty());
            CHECK(s.end - s.start == static_cast<timestamp_t>(c.duration_hours * 3600.0f));
        }
    }
}

TEST_CASE("courses teach 1-3 skills, the first at the course level, and certifications follow the rules",
          "[academy][v2]") {
    const Academy& a = default_academy();
    std::set<std::string> providers;
    for (const auto& c : a.courses) {
        REQUIRE(c.skills.size() >= 1);
        REQUIRE(c.skills.size() <= 3);
        CHECK(c.skills.front().level == c.level);
        for (std::size_t k = 1; k < c.skills.size(); ++k) CHECK(c.skills[k].level == std::max(1, c.level - 1));
        providers.insert(c.provider);
        if (c.format == "MOOC") CHECK((c.provider == "Coursera" || c.provider == "edX" || c.provider == "FutureLearn"));
        if (c.topic == "compliance") CHECK((c.validity_months == 12 || c.validity_months == 24));
        CHECK(c.has_exam == (c.validity_months > 0 || c.format == "MOOC" || (c.format == "e-learning" && c.level == 3)));
    }
    CHECK(providers.count("internal") == 1);
    CHECK(providers.size() >= 8);
}

TEST_CASE("learners get a region from their country, a seniority, and target skills from their team review",
          "[academy][v2]") {
    const Academy& a = default_academy();
    std::map<std::pair<std::string, std::string>, const SkillsReviewEntry*> review;
    for (const auto& e : a.skills_review) {
        CHECK(e.skills.size() >= 3);
        CHECK(e.skills.size() <= 6);
        std::set<std::string> distinct;
        for (const auto& s : e.skills) {
            distinct.insert(s.skill);
            CHECK(s.level >= 1);
            CHECK(s.level <= 3);
        }
        CHECK(distinct.size() == e.skills.size());
        CHECK(review.emplace(std::make_pair(e.department, e.role), &e).second);
    }
    std::map<std::string, int> seniority;
    for (const auto& l : a.learners) {
        if (l.country == "India") CHECK(l.region == "APAC");
        else if (l.country == "United States" || l.country == "Brazil") CHECK(l.region == "Americas");
        else if (l.country == "France" || l.country == "Poland") CHECK(l.region == "EMEA");
        ++seniority[l.seniority];
        if (l.role == "manager") CHECK(l.seniority != "junior");
        std::set<std::string> distinct;
        for (const auto& s : l.target_skills) distinct.insert(s.skill);
        CHECK(distinct.size() == l.target_skills.size());
        const auto it = review.find({l.department, l.role});
        REQUIRE(it != review.end());  // every team that exists has a review
        for (const auto& s : it->second->skills) CHECK(has_skill(l.target_skills, s.skill));
    }
    CHECK(seniority.size() == 3);
    CHECK(seniority["mid"] > seniority["junior"]);
}

TEST_CASE("learner features name role, department, country, languages, region, seniority and goals",
          "[academy][v2][features]") {
    const Academy& a = small_v2();
    const FeatureMatrix f = academy_learner_features(a);
    REQUIRE(f.matrix.rows() == static_cast<index_t>(a.learners.size()));
    REQUIRE(f.matrix.cols() == f.features.size());
    for (std::size_t i = 0; i < a.learners.size(); ++i) {
        const auto& l = a.learners[i];
        const auto row = f.matrix.row(static_cast<index_t>(i));
        std::set<std::string> tokens;
        for (std::size_t k = 0; k < row.size(); ++k) {
            CHECK(row.weights[k] == 1.0f);
            tokens.insert(f.features.id(row.indices[k]));
        }
        CHECK(tokens.count("role=" + l.role) == 1);
        CHECK(tokens.count("department=" + l.department) == 1);
        CHECK(tokens.count("country=" + l.country) == 1);
        CHECK(tokens.count("region=" + l.region) == 1);
        CHECK(tokens.count("seniority=" + l.seniority) == 1);
        CHECK(tokens.count("lang=" + l.language.substr(0, 2)) == 1);
        for (const auto& s : l.target_skills) CHECK(tokens.count("goal=" + s.skill) == 1);
        const std::size_t languages = l.language.find(',') == std::string::npos ? 1 : 2;
        CHECK(row.size() == 5 + languages + l.target_skills.size());
    }
}

TEST_CASE("course features name topic, format, language, level, provider, skills and duration band",
          "[academy][v2][features]") {
    const Academy& a = small_v2();
    const FeatureMatrix f = academy_course_features(a);
    REQUIRE(f.matrix.rows() == static_cast<index_t>(a.courses.size()));
    for (std::size_t j = 0; j < a.courses.size(); ++j) {
        const auto& c = a.courses[j];
        const auto row = f.matrix.row(static_cast<index_t>(j));
        std::set<std::string> tokens;
        for (std::size_t k = 0; k < row.size(); ++k) tokens.insert(f.features.id(row.indices[k]));
        CHECK(tokens.count("topic=" + c.topic) == 1);
        CHECK(tokens.count("format=" + c.format) == 1);
        CHECK(tokens.count("lang=" + c.language) == 1);
        CHECK(tokens.count("level=" + std::to_string(c.level)) == 1);
        CHECK(tokens.count("provider=" + c.provider) == 1);
        for (const auto& s : c.skills) CHECK(tokens.count("skill=" + s.skill) == 1);
        const std::string band = c.duration_hours <= 2.0f ? "short" : c.duration_hours <= 8.0f ? "medium" : "long";
        CHECK(tokens.count("duration=" + band) == 1);
        CHECK(row.size() == 6 + c.skills.size());
    }
}

TEST_CASE("schema 1 features use only the schema 1 fields", "[academy][features]") {
    const Academy a = generate_academy({5, 200, 60, 5.0, 1});
    const FeatureMatrix f = academy_learner_features(a);
    for (const auto& token : f.features.ids()) {
        CHECK(token.rfind("region=", 0) == std::string::npos);
        CHECK(token.rfind("goal=", 0) == std::string::npos);
    }
    const FeatureMatrix c = academy_course_features(a);
    for (const auto& token : c.features.ids()) CHECK(token.rfind("provider=", 0) == std::string::npos);
}

TEST_CASE("the academy lifecycle weighs completed and passed courses above merely enrolled ones", "[academy][v2]") {
    const Academy& a = small_v2();
    const EventLog log = academy_event_log(a);
    REQUIRE(log.events.size() == a.lifecycle.size());
    PolicyStats stats;
    const Interactions x = apply_policy(log, {}, &stats);
    CHECK(x.matrix.rows() == a.interactions.matrix.rows());
    CHECK(x.matrix.cols() == a.interactions.matrix.cols());
    const LearnerCourseStates states = LearnerCourseStates::from_events(log);
    double completed_sum = 0.0, enrolled_sum = 0.0;
    std::size_t completed = 0, enrolled = 0;
    for (index_t i = 0; i < x.matrix.rows(); ++i) {
        const auto row = x.matrix.row(i);
        for (std::size_t k = 0; k < row.size(); ++k) {
            const auto s = states.status(i, row.indices[k]).state;
            if (s == CourseState::passed || s == CourseState::completed) {
                completed_sum += row.weights[k];
                ++completed;
            } else if (s == CourseState::enrolled) {
                enrolled_sum += row.weights[k];
                ++enrolled;
            }
        }
    }
    REQUIRE(completed > 0);
    REQUIRE(enrolled > 0);
    CHECK(completed_sum / static_cast<double>(completed) > 2.0 * enrolled_sum / static_cast<double>(enrolled));
    CHECK(stats.cancelled_pairs > 0);  // enrolled + dropped cancel out under the default policy
}

// Pinned schema 2 values for seed 42: a change means existing v2 datasets changed meaning.
TEST_CASE("seed 42 reproduces the pinned golden schema 2 academy", "[academy][v2]") {
    const Academy& a = default_academy();
    CHECK(a.lifecycle.size() == 195608);
    CHECK(lifecycle_checksum(a.lifecycle) == 0xfe8f4b3beb9154cdULL);
    CHECK(a.obligations.size() == 109);
    CHECK(a.prerequisites.size() == 305);
    CHECK(a.sessions.size() == 835);
    CHECK(a.skills_review.size() == 28);
    CHECK(a.courses[0].provider == "internal");
    REQUIRE(a.courses[0].skills.size() == 1);
    CHECK(a.courses[0].skills[0].skill == "mlops");
    CHECK(a.courses[0].skills[0].level == 3);
    CHECK(a.courses[0].has_exam);  // level-3 e-learning
    CHECK(a.learners[0].region == "EMEA");
    CHECK(a.learners[0].seniority == "mid");
    REQUIRE(a.learners[0].target_skills.size() == 7);
    CHECK(a.learners[0].target_skills[0].skill == "consultative selling");
    CHECK(a.learners[0].target_skills[0].level == 3);
}

TEST_CASE("the academy written as CSV files reads back: interactions, events and features", "[academy][v2][csv]") {
    const Academy a = generate_academy({8, 300, 80, 6.0, 2});
    const auto dir = std::filesystem::temp_directory_path() / ("learnrec_academy_" + std::to_string(::getpid()));
    write_academy_csv(a, dir);
    for (const char* name : {"interactions.csv", "events.csv", "learners.csv", "courses.csv", "learner_features.csv",
                             "course_features.csv", "skills_review.csv", "obligations.csv", "prerequisites.csv",
                             "sessions.csv"})
        CHECK(std::filesystem::exists(dir / name));

    const Interactions x = read_interactions_csv(dir / "interactions.csv");
    const auto& ax = a.interactions;
    REQUIRE(x.matrix.nnz() == ax.matrix.nnz());
    std::map<std::pair<std::string, std::string>, std::pair<float, timestamp_t>> expected;
    for (index_t i = 0; i < ax.matrix.rows(); ++i) {
        const auto row = ax.matrix.row(i);
        const auto first = static_cast<std::size_t>(ax.matrix.indptr()[static_cast<std::size_t>(i)]);
        for (std::size_t k = 0; k < row.size(); ++k)
            expected[{ax.learners.id(i), ax.courses.id(row.indices[k])}] = {row.weights[k], ax.timestamps[first + k]};
    }
    for (index_t i = 0; i < x.matrix.rows(); ++i) {
        const auto row = x.matrix.row(i);
        const auto first = static_cast<std::size_t>(x.matrix.indptr()[static_cast<std::size_t>(i)]);
        for (std::size_t k = 0; k < row.size(); ++k) {
            const auto it = expected.find({x.learners.id(i), x.courses.id(row.indices[k])});
            REQUIRE(it != expected.end());
            CHECK(it->second.first == row.weights[k]);
            CHECK(it->second.second == x.timestamps[first + k]);
        }
    }

    const EventLog events = read_events_csv(dir / "events.csv");
    REQUIRE(events.events.size() == a.lifecycle.size());
    for (std::size_t k = 0; k < a.lifecycle.size(); ++k) {
        const auto& want = a.lifecycle[k];
        const auto& got = events.events[k];
        REQUIRE(events.learners.id(got.learner) == ax.learners.id(want.learner));
        REQUIRE(events.courses.id(got.course) == ax.courses.id(want.course));
        REQUIRE(got.kind == want.kind);
        REQUIRE(got.time == want.time);
        REQUIRE(got.value == want.value);
    }

    const FeatureMatrix learners = academy_learner_features(a);
    const FeatureMatrix learners_back = read_features_csv(dir / "learner_features.csv", ax.learners);
    CHECK(learners_back.features.ids().size() == learners.features.ids().size());
    CHECK(std::equal(learners.features.ids().begin(), learners.features.ids().end(),
                     learners_back.features.ids().begin()));
    CHECK(learners_back.matrix.indptr() == learners.matrix.indptr());
    CHECK(learners_back.matrix.indices() == learners.matrix.indices());
    CHECK(learners_back.matrix.data() == learners.matrix.data());
    const FeatureMatrix courses = academy_course_features(a);
    const FeatureMatrix courses_back = read_features_csv(dir / "course_features.csv", ax.courses, {}, &courses.features);
    CHECK(courses_back.matrix.indices() == courses.matrix.indices());
    CHECK(courses_back.matrix.data() == courses.matrix.data());

    // The other tables are well-formed CSV with one record per item.
    const auto records = [&](const char* name) {
        const std::string text = read_text_file(dir / name);
        CsvReader reader(text, name);
        std::vector<std::string> fields;
        std::size_t n = 0, width = 0;
        while (reader.next_record(fields)) {
            if (n++ == 0) width = fields.size();
            REQUIRE(fields.size() == width);
        }
        return n - 1;
    };
    CHECK(records("learners.csv") == a.learners.size());
    CHECK(records("courses.csv") == a.courses.size());
    CHECK(records("obligations.csv") == a.obligations.size());
    CHECK(records("prerequisites.csv") == a.prerequisites.size());
    CHECK(records("sessions.csv") == a.sessions.size());
    std::size_t review_rows = 0;
    for (const auto& e : a.skills_review) review_rows += e.skills.size();
    CHECK(records("skills_review.csv") == review_rows);
    std::filesystem::remove_all(dir);
}

TEST_CASE("at schema 1 the event log holds the enrolled and completed events", "[academy][csv]") {
    const Academy a = generate_academy({8, 200, 50, 5.0, 1});
    const EventLog log = academy_event_log(a);
    REQUIRE(log.events.size() == a.events.size());
    for (std::size_t k = 0; k < a.events.size(); ++k) {
        CHECK(log.events[k].kind == a.events[k].kind);
        CHECK(log.events[k].time == a.events[k].time);
    }
    // The default policy weighs a completion 3 where the academy's matrix adds 2: the same pairs,
    // with 1 for enrolled-only and 1 + 3 = 4 for completed ones.
    const Interactions x = apply_policy(log);
    REQUIRE(x.matrix.indices() == a.interactions.matrix.indices());
    for (std::size_t k = 0; k < x.matrix.data().size(); ++k)
        CHECK(x.matrix.data()[k] == (a.interactions.matrix.data()[k] == 1.0f ? 1.0f : 4.0f));
    const auto dir = std::filesystem::temp_directory_path() / ("learnrec_academy_v1_" + std::to_string(::getpid()));
    write_academy_csv(a, dir);
    CHECK(read_events_csv(dir / "events.csv").events.size() == a.events.size());
    std::filesystem::remove_all(dir);
}
