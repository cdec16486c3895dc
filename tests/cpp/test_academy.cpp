// Tests for the synthetic academy generator (learnrec/data/academy.hpp).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "learnrec/data/academy.hpp"

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
        h = fnv1a(h, static_cast<std::int64_t>(e.kind));
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
        if (e.kind == EventKind::enrolled) {
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
        weight += e.kind == EventKind::enrolled ? 1.0f : 2.0f;
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
    CHECK_THROWS_AS(generate_academy(bad([](AcademyConfig& c) { c.schema_version = 2; })), Error);
    CHECK_THROWS_WITH(bad([](AcademyConfig& c) { c.schema_version = 2; }).validate(),
                      Catch::Contains("schema_version 2"));
}

TEST_CASE("to_string names the event kinds", "[academy]") {
    CHECK(to_string(EventKind::enrolled) == "enrolled");
    CHECK(to_string(EventKind::completed) == "completed");
}

// Schema promise: later schema versions add fields but never change these values for seed 42.
// If this fails, existing datasets, demos and benchmark baselines silently changed meaning.
TEST_CASE("seed 42 reproduces the pinned golden academy", "[academy]") {
    const Academy& a = default_academy();
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
