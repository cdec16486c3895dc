// The ranking layer, rule by rule on small hand-built catalogues, then combined.
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include "learnrec/data/academy.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/ranking/academy.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/ranking/ranker.hpp"
#include "learnrec/retrieval/recommend.hpp"

using namespace learnrec;
using namespace learnrec::ranking;

namespace {

constexpr timestamp_t kDay = 86400;
const timestamp_t kNow = days_from_civil(2026, 6, 1) * kDay;

timestamp_t date(int y, unsigned m, unsigned d) { return days_from_civil(y, m, d) * kDay; }

/// Every learner scores course c as `scores[c]` (1-d factors), so the model's order is known.
std::shared_ptr<const Model> fixed_scores(index_t learners, const std::vector<float>& scores) {
    RowMatrix users = RowMatrix::Ones(learners, 1);
    RowMatrix items(static_cast<Eigen::Index>(scores.size()), 1);
    for (std::size_t c = 0; c < scores.size(); ++c) items(static_cast<Eigen::Index>(c), 0) = scores[c];
    return std::make_shared<const AlsModel>(std::move(users), std::move(items), AlsConfig{});
}

/// Scores 10, 9, 8, ... : course 0 is the model's favourite.
std::shared_ptr<const Model> descending(index_t learners, index_t courses) {
    std::vector<float> s(static_cast<std::size_t>(courses));
    for (index_t c = 0; c < courses; ++c) s[static_cast<std::size_t>(c)] = static_cast<float>(courses - c);
    return fixed_scores(learners, s);
}

Catalogue plain_catalogue(index_t courses) {
    Catalogue cat;
    for (index_t c = 0; c < courses; ++c) {
        CourseFacts f;
        f.id = fmt::format("C{}", c);
        f.title = fmt::format("Course {}", c);
        cat.courses.push_back(f);
    }
    return cat;
}

std::vector<index_t> ids(const Recommendations& r, index_t learner = 0) {
    std::vector<index_t> out;
    for (index_t j = 0; j < r.count(learner); ++j) out.push_back(r.ids_of(learner)[static_cast<std::size_t>(j)]);
    return out;
}

bool has_reason(const Recommendations& r, index_t learner, index_t rank, ReasonKind kind) {
    for (const auto& x : r.reasons_of(learner, rank))
        if (x.kind == kind) return true;
    return false;
}

const Reason* reason(const Recommendations& r, index_t learner, index_t rank, ReasonKind kind) {
    for (const auto& x : r.reasons_of(learner, rank))
        if (x.kind == kind) return &x;
    return nullptr;
}

RankingRules rules_k(index_t k) {
    RankingRules rules;
    rules.k = k;
    rules.num_threads = 1;
    return rules;
}

}  // namespace

// ---- calendar ------------------------------------------------------------------------------------

TEST_CASE("add_months clamps to the end of a shorter month and keeps the time of day", "[ranking]") {
    CHECK(add_months(date(2026, 1, 31), 1) == date(2026, 2, 28));
    CHECK(add_months(date(2024, 1, 31), 1) == date(2024, 2, 29));
    CHECK(add_months(date(2026, 11, 15) + 3600, 14) == date(2028, 1, 15) + 3600);
    CHECK(add_months(date(1969, 12, 31), 1) == date(1970, 1, 31));
    CHECK(format_date(date(2027, 3, 1) + 7200) == "2027-03-01");
}

// ---- skill gaps ----------------------------------------------------------------------------------

TEST_CASE("with gap boost 0 the ranking equals the model's top-k exactly", "[ranking]") {
    std::mt19937 rng(7);
    std::normal_distribution<float> normal;
    RowMatrix users(40, 8), items(300, 8);
    for (Eigen::Index i = 0; i < users.size(); ++i) users.data()[i] = normal(rng);
    for (Eigen::Index i = 0; i < items.size(); ++i) items.data()[i] = normal(rng);
    auto model = std::make_shared<const AlsModel>(users, items, AlsConfig{});
    Catalogue cat = plain_catalogue(300);
    for (index_t c = 0; c < 300; ++c)
        cat.courses[static_cast<std::size_t>(c)].skills = {{c % 3 == 0 ? "python" : "sql", 1 + c % 3}};
    std::vector<LearnerFacts> learners(40);
    for (auto& l : learners) l.target_skills = {{"python", 3}};
    Ranker ranker(model, cat, learners);
    std::vector<index_t> who(40);
    std::iota(who.begin(), who.end(), 0);
    RankingRules rules = rules_k(10);
    rules.gap_boost = 0.0f;
    const auto ranked = ranker.recommend(who, kNow, rules);
    RecommendOptions options;
    options.k = 10;
    const TopK plain = recommend(*model, who, nullptr, options);
    CHECK(ranked.ids == plain.ids);
    CHECK(ranked.scores == plain.scores);
    CHECK(ranked.model_scores == plain.scores);
}

TEST_CASE("the gap boost adds strength times the share of the target level a course closes", "[ranking]") {
    auto model = descending(1, 6);  // scores 6 5 4 3 2 1
    Catalogue cat = plain_catalogue(6);
    cat.courses[4].skills = {{"cybersecurity", 2}};  // score 2
    cat.courses[5].skills = {{"cybersecurity", 3}};  // score 1
    std::vector<LearnerFacts> learners(1);
    learners[0].target_skills = {{"cybersecurity", 3}};
    Ranker ranker(model, cat, learners);
    RankingRules rules = rules_k(3);
    rules.gap_boost = 6.0f;
    const auto r = ranker.recommend(std::vector<index_t>{0}, kNow, rules);
    // course 5: 1 + 6 * 3/3 = 7 ; course 4: 2 + 6 * 2/3 = 6 ; course 0: 6 (ties go to the lower index)
    CHECK(ids(r) == std::vector<index_t>{5, 0, 4});
    CHECK(r.scores[0] == Approx(7.0f));
    CHECK(r.model_scores[0] == Approx(1.0f));
    CHECK(r.model_scores[2] == Approx(2.0f));
    const Reason* gap = reason(r, 0, 0, ReasonKind::skill_gap);
    REQUIRE(gap != nullptr);
    CHECK(r.skill(*gap) == "cybersecurity");
    CHECK(gap->level == 3);
    CHECK(r.text(*gap) == "closes your gap in cybersecurity (target level 3)");
}

TEST_CASE("a skill already reached through a completed course is no longer a gap", "[ranking]") {
    auto model = descending(1, 4);
    Catalogue cat = plain_catalogue(4);
    cat.courses[0].skills = {{"python", 2}};
    cat.courses[3].skills = {{"python", 2}};
    std::vector<LearnerFacts> learners(1);
    learners[0].target_skills = {{"python", 2}};
    LearnerHistory history(1, 4);
    history.set(0, 0, CourseState::completed, date(2026, 1, 1));
    history.finish();
    Ranker ranker(model, cat, learners, history);
    RankingRules rules = rules_k(3);
    rules.gap_boost = 100.0f;
    const auto r = ranker.recommend(std::vector<index_t>{0}, kNow, rules);
    CHECK(ids(r) == std::vector<index_t>{1, 2, 3});
    CHECK_FALSE(has_reason(r, 0, 2, ReasonKind::skill_gap));
}

// ---- lifecycle -----------------------------------------------------------------------------------

TEST_CASE("completed and in-progress courses are not proposed again, failed and dropped ones are", "[ranking]") {
    auto model = descending(1, 6);
    LearnerHistory history(1, 6);
    history.set(0, 0, CourseState::completed, date(2025, 1, 1));
    history.set(0, 1, CourseState::failed);
    history.set(0, 2, CourseState::started);
    history.set(0, 3, CourseState::dropped);
    history.finish();
    Ranker ranker(model, plain_catalogue(6), {}, history);
    CHECK(ids(ranker.recommend(std::vector<index_t>{0}, kNow, rules_k(4))) == std::vector<index_t>{1, 3, 4, 5});
    RankingRules strict = rules_k(4);
    strict.exclude_dropped = true;
    CHECK(ids(ranker.recommend(std::vector<index_t>{0}, kNow, strict)) == std::vector<index_t>{1, 4, 5});
}

TEST_CASE("a failed retake does not undo an earlier completion", "[ranking]") {
    auto model = descending(1, 3);
    LearnerHistory history(1, 3);
    history.set(0, 0, CourseState::completed, date(2025, 1, 1));
    history.set(0, 0, CourseState::failed);
    history.finish();
    REQUIRE(history.find(0, 0)->state == CourseState::failed);
    Ranker ranker(model, plain_catalogue(3), {}, history);
    CHECK(ids(ranker.recommend(std::vector<index_t>{0}, kNow, rules_k(2))) == std::vector<index_t>{1, 2});
}

TEST_CASE("an expired certification comes back with a renewal reason", "[ranking]") {
    auto model = descending(1, 4);
    Catalogue cat = plain_catalogue(4);
    cat.courses[0].validity_months = 12;
    cat.courses[1].validity_months = 12;
    LearnerHistory history(1, 4);
    history.set(0, 0, CourseState::completed, date(2025, 5, 1));  // expired 2026-05-01
    history.set(0, 1, CourseState::completed, date(2025, 7, 1));  // valid until 2026-07-01
    history.finish();
    Ranker ranker(model, cat, {}, history);
    const auto r = ranker.recommend(std::vector<index_t>{0}, kNow, rules_k(3));
    CHECK(ids(r) == std::vector<index_t>{0, 2, 3});
    const Reason* renewal = reason(r, 0, 0, ReasonKind::renewal);
    REQUIRE(renewal != nullptr);
    CHECK(renewal->date == date(2026, 5, 1));
    CHECK(r.text(*renewal) == "your certification expired on 2026-05-01");

    RankingRules early = rules_k(3);
    early.renewal_days = 45;  // 2026-07-01 is within 45 days of 2026-06-01
    CHECK(ids(ranker.recommend(std::vector<index_t>{0}, kNow, early)) == std::vector<index_t>{0, 1, 2});
}

TEST_CASE("a history built from interactions excludes every course taken, forever without timestamps", "[ranking]") {
    const std::vector<Triplet> entries{{0, 1, 3.0f}, {0, 3, 1.0f}, {1, 0, 1.0f}};
    CsrMatrix m = CsrMatrix::from_triplets(2, 5, entries);
    const auto h = LearnerHistory::from_interactions(m.view());
    auto model = descending(2, 5);
    Catalogue cat = plain_catalogue(5);
    cat.courses[1].validity_months = 1;
    Ranker ranker(model, cat, {}, h);
    const auto r = ranker.recommend(std::vector<index_t>{0, 1}, date(2040, 1, 1), rules_k(3));
    CHECK(ids(r, 0) == std::vector<index_t>{0, 2, 4});
    CHECK(ids(r, 1) == std::vector<index_t>{1, 2, 3});
}

// ---- obligations ---------------------------------------------------------------------------------

TEST_CASE("obligations due within the window are pinned on top by due date and marked mandatory", "[ranking]") {
    auto model = descending(2, 8);
    Catalogue cat = plain_catalogue(8);
    cat.obligations = {{7, ObligationScope::all, "", date(2026, 8, 1)},
                       {6, ObligationScope::department, "Sales", date(2026, 6, 20)},
                       {5, ObligationScope::role, "engineer", date(2027, 3, 1)},  // outside the 90-day window
                       {4, ObligationScope::learner, "L2", date(2026, 5, 1)}};    // overdue: most urgent
    std::vector<LearnerFacts> learners(2);
    learners[0].id = "L1";
    learners[0].department = "Sales";
    learners[0].role = "engineer";
    learners[1].id = "L2";
    Ranker ranker(model, cat, learners);
    const auto r = ranker.recommend(std::vector<index_t>{0, 1}, kNow, rules_k(4));
    CHECK(ids(r, 0) == std::vector<index_t>{6, 7, 0, 1});
    CHECK(ids(r, 1) == std::vector<index_t>{4, 7, 0, 1});
    CHECK(r.mandatory[r.slot(0, 0)] == 1);
    CHECK(r.mandatory[r.slot(0, 1)] == 1);
    CHECK(r.mandatory[r.slot(0, 2)] == 0);
    const Reason* m = reason(r, 0, 1, ReasonKind::mandatory);
    REQUIRE(m != nullptr);
    CHECK(r.text(*m) == "mandatory, due 2026-08-01");
    CHECK(r.model_scores[r.slot(0, 1)] == Approx(1.0f));  // the model's own (lowest) score
}

TEST_CASE("an obligation outside the window is marked mandatory when the model proposes it", "[ranking]") {
    auto model = descending(1, 4);
    Catalogue cat = plain_catalogue(4);
    cat.obligations = {{1, ObligationScope::all, "", date(2027, 3, 1)}};
    Ranker ranker(model, cat, std::vector<LearnerFacts>(1));
    const auto r = ranker.recommend(std::vector<index_t>{0}, kNow, rules_k(3));
    CHECK(ids(r) == std::vector<index_t>{0, 1, 2});
    CHECK(r.mandatory[1] == 1);
    CHECK(r.text(*reason(r, 0, 1, ReasonKind::mandatory)) == "mandatory, due 2027-03-01");
}

TEST_CASE("a mandatory course completed and still valid is not proposed, an expired one is pinned", "[ranking]") {
    auto model = descending(1, 5);
    Catalogue cat = plain_catalogue(5);
    cat.courses[3].validity_months = 12;
    cat.courses[4].validity_months = 12;
    cat.obligations = {{3, ObligationScope::all, "", date(2026, 7, 1)},
                       {4, ObligationScope::all, "", date(2026, 7, 1)}};
    LearnerHistory history(1, 5);
    history.set(0, 3, CourseState::completed, date(2026, 1, 1));  // valid
    history.set(0, 4, CourseState::completed, date(2025, 1, 1));  // expired
    history.finish();
    Ranker ranker(model, cat, std::vector<LearnerFacts>(1), history);
    const auto r = ranker.recommend(std::vector<index_t>{0}, kNow, rules_k(3));
    CHECK(ids(r) == std::vector<index_t>{4, 0, 1});
    CHECK(has_reason(r, 0, 0, ReasonKind::renewal));
}

TEST_CASE("pinned obligations never exceed k, the most urgent win", "[ranking]") {
    auto model = descending(1, 5);
    Catalogue cat = plain_catalogue(5);
    for (index_t c = 0; c < 5; ++c)
        cat.obligations.push_back({c, ObligationScope::all, "", date(2026, 6, 30) - c * kDay});
    Ranker ranker(model, cat);
    CHECK(ids(ranker.recommend(std::vector<index_t>{0}, kNow, rules_k(2))) == std::vector<index_t>{4, 3});
}

// ---- prerequisites -------------------------------------------------------------------------------

TEST_CASE("a course whose prerequisites are missing is held back", "[ranking]") {
    auto model = descending(1, 5);
    Catalogue cat = plain_catalogue(5);
    cat.prerequisites = {{0, 3}, {1, 4}};
    LearnerHistory history(1, 5);
    history.set(0, 4, CourseState::completed, date(2025, 1, 1));
    history.finish();
    Ranker ranker(model, cat, {}, history);
    CHECK(ids(ranker.recommend(std::vector<index_t>{0}, kNow, rules_k(3))) == std::vector<index_t>{1, 2, 3});
    RankingRules ignore = rules_k(3);
    ignore.prerequisites = PrerequisiteMode::ignore;
    CHECK(ids(ranker.recommend(std::vector<index_t>{0}, kNow, ignore)) == std::vector<index_t>{0, 1, 2});
}

TEST_CASE("reasons render their texts after the ranker that made them is gone", "[ranking]") {
    Recommendations r;
    {
        Catalogue cat = plain_catalogue(6);
        cat.prerequisites = {{0, 4}};
        Ranker ranker(descending(1, 6), cat);
        RankingRules rules = rules_k(3);
        rules.prerequisites = PrerequisiteMode::substitute;
        r = ranker.recommend(std::vector<index_t>{0}, kNow, rules);
    }
    const Reason* why = reason(r, 0, 0, ReasonKind::prerequisite_for);
    REQUIRE(why != nullptr);
    CHECK(r.course_title(*why) == "Course 0");
    CHECK(r.text(*why) == "needed before Course 0");
    CHECK(r.skill(*why).empty());
}

TEST_CASE("substitution replaces a locked course by its first missing prerequisite down the chain", "[ranking]") {
    auto model = descending(1, 6);
    Catalogue cat = plain_catalogue(6);
    cat.prerequisites = {{0, 4}, {0, 5}, {4, 3}};  // 0 needs 4 then 5; 4 needs 3
    Ranker ranker(model, cat);
    RankingRules rules = rules_k(3);
    rules.prerequisites = PrerequisiteMode::substitute;
    const auto r = ranker.recommend(std::vector<index_t>{0}, kNow, rules);
    // 0 -> first missing 4 -> its first missing 3; 1 and 2 follow; 4 itself is locked (needs 3) -> 3, already shown
    CHECK(ids(r) == std::vector<index_t>{3, 1, 2});
    const Reason* why = reason(r, 0, 0, ReasonKind::prerequisite_for);
    REQUIRE(why != nullptr);
    CHECK(why->course == 0);
    CHECK(r.text(*why) == "needed before Course 0");
    CHECK(r.model_scores[0] == Approx(3.0f));
    CHECK(r.scores[0] == Approx(6.0f));
}

TEST_CASE("a prerequisite cycle is an input error naming a course on it", "[ranking]") {
    Catalogue cat = plain_catalogue(4);
    cat.prerequisites = {{0, 1}, {1, 2}, {2, 0}, {3, 0}};
    CHECK_THROWS_WITH(cat.validate(), Catch::Contains("prerequisite cycle through course 'C") &&
                                          Catch::Contains("C0 -> C1 -> C2 -> C0"));
    cat.prerequisites = {{2, 2}};
    CHECK_THROWS_WITH(cat.validate(), Catch::Contains("course 'C2' is its own prerequisite"));
    cat.prerequisites = {{0, 1}, {0, 2}, {1, 2}};  // a diamond is fine
    CHECK_NOTHROW(cat.validate());
    CHECK_THROWS_WITH(Ranker(descending(1, 4),
                             [] {
                                 Catalogue c = plain_catalogue(4);
                                 c.prerequisites = {{1, 3}, {3, 1}};
                                 return c;
                             }()),
                      Catch::Contains("prerequisite cycle"));
}

// ---- eligibility ---------------------------------------------------------------------------------

TEST_CASE("a ranked list shorter than k is padded as TopK pads: course -1, scores -inf", "[ranking]") {
    auto model = descending(1, 3);
    Ranker ranker(model, plain_catalogue(3), std::vector<LearnerFacts>(1));
    const auto r = ranker.recommend(std::vector<index_t>{0}, kNow, rules_k(5));
    REQUIRE(r.count(0) == 3);
    RecommendOptions options;
    options.k = 5;
    const TopK plain = recommend(*model, std::vector<index_t>{0}, nullptr, options);
    REQUIRE(plain.count(0) == 3);
    for (std::size_t j = 3; j < 5; ++j) {
        CHECK(r.ids[j] == plain.ids[j]);
        CHECK(r.scores[j] == plain.scores[j]);
        CHECK(r.ids[j] == -1);
        CHECK(r.scores[j] == -std::numeric_limits<float>::infinity());
        CHECK(r.model_scores[j] == -std::numeric_limits<float>::infinity());
        CHECK(r.reasons_of(0, static_cast<index_t>(j)).empty());
    }
}

TEST_CASE("language, format and region restrict what a learner is offered", "[ranking]") {
    auto model = descending(3, 6);
    Catalogue cat = plain_catalogue(6);
    cat.courses[0].languages = {"de"};
    cat.courses[1].format = "classroom";
    cat.courses[2].regions = {"APAC"};
    cat.courses[3].languages = {"fr", "en"};
    std::vector<LearnerFacts> learners(3);
    learners[0].languages = {"en"};
    learners[0].formats = {"e-learning"};
    learners[0].country = "France";
    learners[0].region = "EMEA";
    learners[1].languages = {"de", "en"};
    learners[1].country = "Japan";
    learners[1].region = "APAC";
    Ranker ranker(model, cat, learners);
    const auto r = ranker.recommend(std::vector<index_t>{0, 1, 2}, kNow, rules_k(3));
    CHECK(ids(r, 0) == std::vector<index_t>{3, 4, 5});
    CHECK(ids(r, 1) == std::vector<index_t>{0, 1, 2});
    CHECK(ids(r, 2) == std::vector<index_t>{0, 1, 3});  // no country: not where course 2 is offered
    RankingRules loose = rules_k(3);
    loose.match_language = loose.match_format = loose.match_region = false;
    CHECK(ids(ranker.recommend(std::vector<index_t>{0}, kNow, loose)) == std::vector<index_t>{0, 1, 2});
}

TEST_CASE("a session course needs an open session in the learner's country within the horizon", "[ranking]") {
    auto model = descending(2, 5);
    Catalogue cat = plain_catalogue(5);
    cat.sessions = {{0, date(2026, 7, 1), date(2026, 7, 2), "France", 10, {}},
                    {1, date(2026, 5, 1), date(2026, 5, 2), "France", 10, {}},  // already started
                    {2, date(2026, 7, 1), date(2026, 7, 2), "France", 0, {}},   // full
                    {3, date(2027, 9, 1), date(2027, 9, 2), "", 10, {}}};   // beyond the horizon
    std::vector<LearnerFacts> learners(2);
    learners[0].country = "France";
    learners[1].country = "Spain";
    Ranker ranker(model, cat, learners);
    const auto r = ranker.recommend(std::vector<index_t>{0, 1}, kNow, rules_k(2));
    CHECK(ids(r, 0) == std::vector<index_t>{0, 4});
    CHECK(ids(r, 1) == std::vector<index_t>{4});
    RankingRules far = rules_k(2);
    far.session_horizon_days = 500;
    CHECK(ids(ranker.recommend(std::vector<index_t>{1}, kNow, far)) == std::vector<index_t>{3, 4});
}

TEST_CASE("eligibility never returns an ineligible course and still finds k when k are eligible", "[ranking]") {
    // Random scores; most courses are in a language the learners do not speak, including all of
    // the model's favourites, so the eligible ones lie deep in the model's order.
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    const index_t n = 3000, L = 50;
    RowMatrix users(L, 4), items(n, 4);
    for (Eigen::Index i = 0; i < users.size(); ++i) users.data()[i] = uniform(rng);
    for (Eigen::Index i = 0; i < items.size(); ++i) items.data()[i] = uniform(rng);
    auto model = std::make_shared<const AlsModel>(users, items, AlsConfig{});
    Catalogue cat = plain_catalogue(n);
    std::vector<LearnerFacts> learners(L);
    for (index_t c = 0; c < n; ++c) cat.courses[static_cast<std::size_t>(c)].languages = {c % 97 == 0 ? "fr" : "de"};
    for (index_t l = 0; l < L; ++l) learners[static_cast<std::size_t>(l)].languages = {l % 2 ? "fr" : "en"};
    Ranker ranker(model, cat, learners);
    std::vector<index_t> who(L);
    std::iota(who.begin(), who.end(), 0);
    RankingRules rules = rules_k(20);
    rules.num_threads = 2;
    const auto r = ranker.recommend(who, kNow, rules);
    for (index_t l = 0; l < L; ++l) {
        if (l % 2 == 0) {
            CHECK(r.count(l) == 0);
            continue;
        }
        // Oracle: every fr course by the model's score.
        std::vector<std::pair<float, index_t>> all;
        for (index_t c = 0; c < n; c += 97) all.push_back({-users.row(l).dot(items.row(c)), c});
        std::sort(all.begin(), all.end());
        std::vector<index_t> expected;
        for (std::size_t j = 0; j < 20; ++j) expected.push_back(all[j].second);
        CHECK(ids(r, l) == expected);
    }
}

// ---- diversity -----------------------------------------------------------------------------------

TEST_CASE("MMR with lambda 1 keeps the relevance order; lower lambda spreads topics", "[ranking]") {
    auto model = descending(1, 6);
    Catalogue cat = plain_catalogue(6);
    const char* topics[] = {"cloud", "cloud", "cloud", "data", "data", "people"};
    for (std::size_t c = 0; c < 6; ++c) cat.courses[c].topic = topics[c];
    Ranker ranker(model, cat);
    RankingRules rules = rules_k(3);
    rules.diversity_source = DiversitySource::topics;
    rules.mmr_lambda = 1.0f;
    rules.mmr_pool = 6;
    CHECK(ids(ranker.recommend(std::vector<index_t>{0}, kNow, rules)) == std::vector<index_t>{0, 1, 2});
    rules.mmr_lambda = 0.5f;
    CHECK(ids(ranker.recommend(std::vector<index_t>{0}, kNow, rules)) == std::vector<index_t>{0, 3, 5});
}

TEST_CASE("MMR over embeddings avoids near-duplicate courses", "[ranking]") {
    RowMatrix users(1, 2);
    users << 1.0f, 0.0f;
    RowMatrix items(4, 2);
    items << 1.0f, 0.30f,  // relevance 1.0
        0.99f, 0.31f,      // almost the same direction as course 0
        0.9f, -0.5f,       // a different direction, relevance 0.9
        0.1f, 0.0f;
    auto model = std::make_shared<const AlsModel>(users, items, AlsConfig{});
    Ranker ranker(model, plain_catalogue(4));
    RankingRules rules = rules_k(2);
    rules.mmr_lambda = 0.5f;
    CHECK(ids(ranker.recommend(std::vector<index_t>{0}, kNow, rules)) == std::vector<index_t>{0, 2});
    rules.mmr_lambda = 1.0f;
    CHECK(ids(ranker.recommend(std::vector<index_t>{0}, kNow, rules)) == std::vector<index_t>{0, 1});
}

// ---- explanations --------------------------------------------------------------------------------

TEST_CASE("because-you-completed names the most similar completed course", "[ranking]") {
    RowMatrix users(1, 2);
    users << 1.0f, 1.0f;
    RowMatrix items(4, 2);
    items << 1.0f, 0.0f,  // course 0: recommended, like course 2
        0.0f, 1.0f,       // course 1: recommended, like course 3
        1.0f, 0.1f,       // completed
        0.1f, 1.0f;       // completed
    auto model = std::make_shared<const AlsModel>(users, items, AlsConfig{});
    Catalogue cat = plain_catalogue(4);
    cat.courses[2].title = "Cloud Basics";
    LearnerHistory history(1, 4);
    history.set(0, 2, CourseState::completed, date(2025, 1, 1));
    history.set(0, 3, CourseState::completed, date(2025, 2, 1));
    history.finish();
    Ranker ranker(model, cat, {}, history);
    const auto r = ranker.recommend(std::vector<index_t>{0}, kNow, rules_k(2));
    REQUIRE(ids(r) == std::vector<index_t>{0, 1});
    const Reason* first = reason(r, 0, 0, ReasonKind::because_completed);
    REQUIRE(first != nullptr);
    CHECK(first->course == 2);
    CHECK(r.text(*first) == "because you completed Cloud Basics");
    CHECK(first->value > 0.99f);
    CHECK(reason(r, 0, 1, ReasonKind::because_completed)->course == 3);
    RankingRules strict = rules_k(2);
    strict.similarity_threshold = 1.01f;
    CHECK_FALSE(
        has_reason(ranker.recommend(std::vector<index_t>{0}, kNow, strict), 0, 0, ReasonKind::because_completed));
}

TEST_CASE("popular in your department names courses its members completed most", "[ranking]") {
    auto model = descending(5, 6);
    std::vector<LearnerFacts> learners(5);
    for (auto& l : learners) l.department = "Sales";
    learners[4].department = "Finance";
    LearnerHistory history(5, 6);
    for (index_t l = 0; l < 3; ++l) history.set(l, 1, CourseState::completed, date(2025, 1, 1));
    history.set(0, 5, CourseState::completed, date(2025, 1, 1));
    history.set(1, 5, CourseState::completed, date(2025, 1, 1));
    history.finish();
    Ranker ranker(model, plain_catalogue(6), learners, history);
    RankingRules rules = rules_k(6);
    rules.popular_top = 1;
    const auto r = ranker.recommend(std::vector<index_t>{3, 4}, kNow, rules);
    REQUIRE(ids(r, 0)[1] == 1);
    const Reason* pop = reason(r, 0, 1, ReasonKind::popular_in_department);
    REQUIRE(pop != nullptr);
    CHECK(r.text(*pop) == "popular in your department (Sales)");
    CHECK(r.department(*pop) == "Sales");
    for (index_t j = 0; j < r.count(0); ++j)
        if (j != 1) CHECK_FALSE(has_reason(r, 0, j, ReasonKind::popular_in_department));
    for (index_t j = 0; j < r.count(1); ++j) CHECK_FALSE(has_reason(r, 1, j, ReasonKind::popular_in_department));
}

// ---- combined --------------------------------------------------------------------------------------

namespace {

/// A random catalogue (languages, formats, sessions, prerequisites, certifications, two
/// obligations) with learners who have facts, goals and eight courses of history each.
struct RandomAcademy {
    std::shared_ptr<const AlsModel> model;
    Catalogue cat;
    std::vector<LearnerFacts> learners;
    LearnerHistory history;
};

RandomAcademy random_academy() {
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> pick(0, 1 << 20);
    std::normal_distribution<float> normal;
    const index_t n = 400, L = 120;
    RowMatrix users(L, 8), items(n, 8);
    for (Eigen::Index i = 0; i < users.size(); ++i) users.data()[i] = normal(rng);
    for (Eigen::Index i = 0; i < items.size(); ++i) items.data()[i] = normal(rng);
    auto model = std::make_shared<const AlsModel>(users, items, AlsConfig{});
    const char* langs[] = {"en", "fr", "de"};
    const char* formats[] = {"e-learning", "classroom", "webinar"};
    const char* skills[] = {"python", "sql", "cloud", "security"};
    Catalogue cat = plain_catalogue(n);
    for (index_t c = 0; c < n; ++c) {
        auto& f = cat.courses[static_cast<std::size_t>(c)];
        f.languages = {langs[pick(rng) % 3]};
        f.format = formats[pick(rng) % 3];
        f.topic = skills[pick(rng) % 4];
        f.skills = {{skills[pick(rng) % 4], 1 + pick(rng) % 3}};
        f.validity_months = pick(rng) % 4 == 0 ? 12 : 0;
        if (f.format == std::string("classroom"))
            cat.sessions.push_back(
                {c, kNow + (pick(rng) % 300) * kDay, kNow + 400 * kDay, pick(rng) % 2 ? "France" : "", 5, {}});
        if (c > 10 && pick(rng) % 5 == 0) cat.prerequisites.push_back({c, pick(rng) % c});
    }
    cat.obligations = {{5, ObligationScope::all, "", kNow + 10 * kDay},
                       {9, ObligationScope::country, "France", kNow + 5 * kDay}};
    std::vector<LearnerFacts> learners(L);
    LearnerHistory history(L, n);
    for (index_t l = 0; l < L; ++l) {
        auto& x = learners[static_cast<std::size_t>(l)];
        x.id = fmt::format("L{}", l);
        x.languages = {langs[l % 3], "en"};
        x.country = l % 2 ? "France" : "Spain";
        x.department = l % 4 ? "Sales" : "IT";
        x.target_skills = {{skills[l % 4], 3}};
        for (int j = 0; j < 8; ++j)
            history.set(l, 10 + pick(rng) % (n - 10), j % 3 ? CourseState::completed : CourseState::failed,
                        kNow - (pick(rng) % 800) * kDay);
    }
    history.finish();
    return {model, cat, learners, history};
}

}  // namespace

TEST_CASE("all rules together keep every invariant on a random catalogue", "[ranking]") {
    const index_t n = 400, L = 120;
    const RandomAcademy academy = random_academy();
    const auto& model = academy.model;
    const auto& cat = academy.cat;
    const auto& learners = academy.learners;
    const auto& history = academy.history;
    REQUIRE(model->num_courses() == n);
    REQUIRE(model->num_learners() == L);
    Ranker ranker(model, cat, learners, history);
    RankingRules rules = rules_k(10);
    rules.gap_boost = 0.5f;
    rules.mmr_lambda = 0.7f;
    rules.num_threads = 2;
    std::vector<index_t> who(L);
    std::iota(who.begin(), who.end(), 0);
    for (auto mode : {PrerequisiteMode::hold_back, PrerequisiteMode::substitute}) {
        rules.prerequisites = mode;
        const auto r = ranker.recommend(who, kNow, rules);
        for (index_t l = 0; l < L; ++l) {
            const auto got = ids(r, l);
            CHECK(got.size() == 10u);
            CHECK(std::set<index_t>(got.begin(), got.end()).size() == got.size());
            // Pinned obligations first, in due order; France has both.
            if (l % 2)
                CHECK(std::vector<index_t>(got.begin(), got.begin() + 2) == std::vector<index_t>{9, 5});
            else
                CHECK(got[0] == 5);
            const auto& lf = learners[static_cast<std::size_t>(l)];
            for (std::size_t j = (l % 2 ? 2 : 1); j < got.size(); ++j) {
                const auto c = got[j];
                const auto& f = cat.courses[static_cast<std::size_t>(c)];
                CHECK((f.languages[0] == "en" || f.languages[0] == lf.languages[0]));
                const HistoryEntry* e = history.find(l, c);
                if (e && e->completed_at != kNever && f.validity_months == 0) FAIL("completed course proposed");
                for (const auto& p : cat.prerequisites)
                    if (p.course == c) {
                        const HistoryEntry* done = history.find(l, p.requires_course);
                        CHECK((done && done->completed_at != kNever));
                    }
            }
        }
        // One learner alone gets the same answer as in the batch.
        const auto alone = ranker.recommend(std::vector<index_t>{7}, kNow, rules);
        CHECK(ids(alone) == ids(r, 7));
    }
}

TEST_CASE("a ranker for another model on the same data answers as one built from the parts", "[ranking]") {
    const RandomAcademy a = random_academy();
    std::mt19937 rng(29);
    std::normal_distribution<float> normal;
    RowMatrix users(a.model->num_learners(), 8), items(a.model->num_courses(), 8);
    for (Eigen::Index i = 0; i < users.size(); ++i) users.data()[i] = normal(rng);
    for (Eigen::Index i = 0; i < items.size(); ++i) items.data()[i] = normal(rng);
    const auto retrained = std::make_shared<const AlsModel>(users, items, AlsConfig{});
    const Ranker oracle(retrained, a.cat, a.learners, a.history);
    std::vector<index_t> who(static_cast<std::size_t>(a.model->num_learners()));
    std::iota(who.begin(), who.end(), 0);
    RankingRules rules = rules_k(10);
    rules.gap_boost = 0.5f;
    rules.mmr_lambda = 0.7f;
    rules.renewal_days = 30;
    rules.require_session = true;  // sessions are found through the catalogue the new ranker holds
    std::optional<Ranker> swapped;
    {
        auto first = std::make_unique<Ranker>(a.model, a.cat, a.learners, a.history);
        (void)first->recommend(who, kNow, rules);  // its cached eligibility bits come along
        swapped.emplace(retrained, *first);
    }  // the first ranker is gone: the shared part lives on
    const auto want = oracle.recommend(who, kNow, rules);
    const auto got = swapped->recommend(who, kNow, rules);
    REQUIRE(got.learners == want.learners);
    CHECK(got.ids == want.ids);
    CHECK(got.scores == want.scores);
    for (index_t l = 0; l < got.learners; ++l)
        for (index_t j = 0; j < got.count(l); ++j) {
            const auto g = got.reasons_of(l, j), w = want.reasons_of(l, j);
            REQUIRE(g.size() == w.size());
            for (std::size_t i = 0; i < g.size(); ++i) CHECK(got.text(g[i]) == want.text(w[i]));
        }
    CHECK(&swapped->learners() != &a.learners);
    CHECK(swapped->history().num_learners() == a.model->num_learners());
}

TEST_CASE("a ranker for another model refuses a model of another shape", "[ranking]") {
    const Ranker first(descending(2, 3), plain_catalogue(3));
    CHECK_THROWS_WITH(Ranker(descending(2, 4), first), Catch::Contains("the model is 2 learners x 4 courses"));
    CHECK_THROWS_WITH(Ranker(descending(3, 3), first), Catch::Contains("the model is 3 learners x 3 courses"));
}

TEST_CASE("the ranker rejects a catalogue or learners that do not match the model", "[ranking]") {
    auto model = descending(2, 3);
    CHECK_THROWS_WITH(Ranker(model, plain_catalogue(4)), Catch::Contains("4 courses but the model has 3"));
    CHECK_THROWS_WITH(Ranker(model, plain_catalogue(3), std::vector<LearnerFacts>(3)),
                      Catch::Contains("3 learner profiles but the model has 2"));
    Catalogue bad = plain_catalogue(3);
    bad.courses[1].skills = {{"python", 0}};
    CHECK_THROWS_WITH(Ranker(model, bad), Catch::Contains("course 'C1' teaches 'python' at level 0"));
    bad = plain_catalogue(3);
    bad.obligations = {{1, ObligationScope::role, "", 0}};
    CHECK_THROWS_WITH(Ranker(model, bad), Catch::Contains("scope 'role' names no role"));
    Ranker ok(model, plain_catalogue(3));
    RankingRules rules;
    rules.mmr_lambda = 1.5f;
    CHECK_THROWS_WITH(ok.recommend(std::vector<index_t>{0}, kNow, rules), Catch::Contains("mmr_lambda"));
    CHECK_THROWS_WITH(ok.recommend(std::vector<index_t>{5}, kNow), Catch::Contains("learner index 5"));
}

// ---- typed lifecycle and the academy ---------------------------------------------------------------

TEST_CASE("a history from lifecycle states keeps each state and the last completion", "[ranking]") {
    const std::vector<LifecycleEvent> events{
        {0, 0, LifecycleKind::enrolled, date(2025, 1, 1), 0.0f},  {0, 0, LifecycleKind::passed, date(2025, 2, 1), 0.0f},
        {0, 1, LifecycleKind::started, date(2025, 3, 1), 0.0f},   {0, 2, LifecycleKind::failed, date(2025, 3, 1), 0.0f},
        {0, 3, LifecycleKind::assigned, date(2025, 3, 1), 0.0f},  {0, 4, LifecycleKind::dropped, date(2025, 3, 1), 0.0f},
    };
    const auto h = LearnerHistory::from_states(LearnerCourseStates::from_events(events, 1, 6));
    REQUIRE(h.of(0).size() == 5);
    CHECK(h.find(0, 0)->state == CourseState::passed);  // the pass came last; it counts as completed
    CHECK(is_completed(h.find(0, 0)->state));
    CHECK(h.find(0, 0)->completed_at == date(2025, 2, 1));
    CHECK(h.find(0, 1)->state == CourseState::started);
    CHECK(h.find(0, 2)->state == CourseState::failed);
    CHECK(h.find(0, 2)->completed_at == kNever);
    CHECK(h.find(0, 3)->state == CourseState::assigned);
    CHECK(h.find(0, 4)->state == CourseState::dropped);
    CHECK(h.find(0, 5) == nullptr);
}

TEST_CASE("outcome_name names enrolled and started in_progress, completed and passed completed", "[ranking]") {
    CHECK(outcome_name(CourseState::assigned) == "assigned");
    CHECK(outcome_name(CourseState::enrolled) == "in_progress");
    CHECK(outcome_name(CourseState::started) == "in_progress");
    CHECK(outcome_name(CourseState::completed) == "completed");
    CHECK(outcome_name(CourseState::passed) == "completed");
    CHECK(outcome_name(CourseState::failed) == "failed");
    CHECK(outcome_name(CourseState::dropped) == "dropped");
}

TEST_CASE("a history refuses the state none", "[ranking]") {
    LearnerHistory history(1, 1);
    CHECK_THROWS_WITH(history.set(0, 0, CourseState::none), Catch::Contains("state none"));
}

TEST_CASE("the academy's rules give every learner k courses, obligations first, with every kind of reason",
          "[ranking]") {
    AcademyConfig config;
    config.seed = 5;
    config.learners = 600;
    config.courses = 150;
    const Academy academy = generate_academy(config);
    RankingInputs in = academy_ranking_inputs(academy);
    REQUIRE_FALSE(in.catalogue.obligations.empty());
    REQUIRE_FALSE(in.catalogue.prerequisites.empty());
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 0.3f);
    RowMatrix users(config.learners, 8), items(config.courses, 8);
    for (Eigen::Index i = 0; i < users.size(); ++i) users.data()[i] = normal(rng);
    for (Eigen::Index i = 0; i < items.size(); ++i) items.data()[i] = normal(rng);
    const auto history = in.history;
    Ranker ranker(std::make_shared<const AlsModel>(users, items, AlsConfig{}), in.catalogue, in.learners, in.history);
    RankingRules rules = rules_k(10);
    rules.gap_boost = 0.5f;
    rules.mmr_lambda = 0.8f;
    rules.renewal_days = 60;
    std::vector<index_t> who(static_cast<std::size_t>(config.learners));
    std::iota(who.begin(), who.end(), 0);
    const timestamp_t now = date(2026, 2, 1);
    const auto r = ranker.recommend(who, now, rules);
    // Everything admissible, to know how many courses each learner can be offered at all.
    RankingRules everything = rules;
    everything.k = config.courses;
    everything.mmr_lambda = 1.0f;
    const auto all = ranker.recommend(who, now, everything);
    std::set<ReasonKind> kinds;
    index_t full = 0;
    for (index_t l = 0; l < r.learners; ++l) {
        CHECK(r.count(l) == std::min<index_t>(10, all.count(l)));
        full += r.count(l) == 10 ? 1 : 0;
        bool pinned_part = true;
        for (index_t j = 0; j < r.count(l); ++j) {
            for (const auto& x : r.reasons_of(l, j)) kinds.insert(x.kind);
            const auto c = r.ids_of(l)[static_cast<std::size_t>(j)];
            const HistoryEntry* e = history.find(l, c);
            // Never a course completed and still valid, nor one in progress.
            if (e && is_in_progress(e->state)) FAIL("course in progress proposed");
            if (e && e->completed_at != kNever && in.catalogue.courses[static_cast<std::size_t>(c)].validity_months == 0)
                FAIL("completed course proposed");
            // Pinned (mandatory and due within the window) courses form a prefix.
            const Reason* m = reason(r, l, j, ReasonKind::mandatory);
            const bool pinned = m && m->date <= now + 90 * kDay;
            if (pinned) CHECK(pinned_part);
            pinned_part = pinned_part && pinned;
        }
    }
    CHECK(full > r.learners / 2);
    CHECK(kinds.count(ReasonKind::mandatory) == 1);
    CHECK(kinds.count(ReasonKind::skill_gap) == 1);
    CHECK(kinds.count(ReasonKind::because_completed) == 1);
    CHECK(kinds.count(ReasonKind::popular_in_department) == 1);
}

TEST_CASE("a batch of learners gets exactly the answer each learner gets alone, under every rule", "[ranking]") {
    // A batch of a factor model scores each learner on its eligibility class's courses only; a
    // single learner goes through the plain top-k over the whole masked row. Same courses, same
    // floats, same order expected, with boosts, goals, floor, held-back and substituted courses.
    AcademyConfig config;
    config.seed = 11;
    config.learners = 300;
    config.courses = 240;
    const Academy academy = generate_academy(config);
    RankingInputs in = academy_ranking_inputs(academy);
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 0.4f);
    RowMatrix users(config.learners, 8), items(config.courses, 8);
    for (Eigen::Index i = 0; i < users.size(); ++i) users.data()[i] = normal(rng);
    for (Eigen::Index i = 0; i < items.size(); ++i) items.data()[i] = normal(rng);
    const Ranker ranker(std::make_shared<const AlsModel>(users, items, AlsConfig{}), in.catalogue, in.learners,
                        in.history);
    std::vector<index_t> who(static_cast<std::size_t>(config.learners));
    std::iota(who.begin(), who.end(), 0);
    // Two goal matches per learner, on courses that vary with the learner.
    GoalMatches goals;
    for (index_t l = 0; l < config.learners; ++l) {
        const index_t a = (7 * l) % config.courses, b = (7 * l + 3) % config.courses;
        goals.matches.push_back({std::min(a, b), 0.25f + 0.001f * static_cast<float>(l), -1});
        goals.matches.push_back({std::max(a, b), 0.5f, -1});
        goals.offsets.push_back(static_cast<offset_t>(goals.matches.size()));
    }
    const timestamp_t now = date(2026, 2, 1);
    for (auto mode : {PrerequisiteMode::hold_back, PrerequisiteMode::substitute})
        for (float floor : {-std::numeric_limits<float>::infinity(), 0.0f, 0.3f}) {
            RankingRules rules = rules_k(10);
            rules.gap_boost = 0.5f;
            rules.mmr_lambda = 0.8f;
            rules.renewal_days = 30;
            rules.prerequisites = mode;
            rules.min_score = floor;
            rules.goal_weight = 0.7f;
            rules.num_threads = 2;
            const auto batch = ranker.recommend(who, now, rules, goals);
            for (index_t l = 0; l < config.learners; ++l) {
                GoalMatches own;
                const auto first = goals.offsets[static_cast<std::size_t>(l)];
                const auto last = goals.offsets[static_cast<std::size_t>(l) + 1];
                own.matches.assign(goals.matches.begin() + first, goals.matches.begin() + last);
                own.offsets.push_back(static_cast<offset_t>(own.matches.size()));
                const auto alone = ranker.recommend(std::vector<index_t>{l}, now, rules, own);
                INFO("learner " << l << ", floor " << floor);
                REQUIRE(ids(alone) == ids(batch, l));
                for (index_t j = 0; j < alone.count(0); ++j) {
                    CHECK(alone.scores[alone.slot(0, j)] == batch.scores[batch.slot(l, j)]);
                    CHECK(alone.model_scores[alone.slot(0, j)] == batch.model_scores[batch.slot(l, j)]);
                }
            }
        }
}

TEST_CASE("courses tied on score in a batch are ranked by course index as for one learner", "[ranking]") {
    const index_t learners = 200, courses = 90;
    // Every course scores the same for everyone: the order is the course index alone.
    const auto model = fixed_scores(learners, std::vector<float>(static_cast<std::size_t>(courses), 1.0f));
    const Ranker ranker(model, plain_catalogue(courses), std::vector<LearnerFacts>(learners));
    RankingRules rules = rules_k(12);
    rules.num_threads = 2;
    std::vector<index_t> who(static_cast<std::size_t>(learners));
    std::iota(who.begin(), who.end(), 0);
    const auto batch = ranker.recommend(who, kNow, rules);
    std::vector<index_t> first(12);
    std::iota(first.begin(), first.end(), 0);
    for (index_t l = 0; l < learners; ++l) REQUIRE(ids(batch, l) == first);
    CHECK(ids(ranker.recommend(std::vector<index_t>{5}, kNow, rules)) == first);
}

// ---- learners the model was not trained on ----------------------------------------------------------

namespace {

/// The rows `who` of a history, as a history of its own (row i = learner who[i]).
LearnerHistory history_rows(const LearnerHistory& h, std::span<const index_t> who) {
    LearnerHistory out(static_cast<index_t>(who.size()), h.num_courses());
    for (std::size_t i = 0; i < who.size(); ++i)
        for (const auto& e : h.of(who[i])) out.set(static_cast<index_t>(i), e.course, e.state, e.completed_at);
    out.finish();
    return out;
}

RankingRules every_rule() {
    RankingRules rules = rules_k(10);
    rules.gap_boost = 0.5f;
    rules.mmr_lambda = 0.7f;
    rules.renewal_days = 30;
    rules.num_threads = 2;
    return rules;
}

}  // namespace

TEST_CASE("new learners described like trained ones get the trained learners' answer", "[ranking]") {
    const RandomAcademy a = random_academy();
    const Ranker ranker(a.model, a.cat, a.learners, a.history);
    const std::vector<index_t> who{3, 0, 17, 42, 119, 64};
    NewLearners fresh;
    fresh.queries = a.model->learner_queries(who);
    for (auto l : who) fresh.facts.push_back(a.learners[static_cast<std::size_t>(l)]);
    fresh.history = history_rows(a.history, who);
    for (auto mode : {PrerequisiteMode::hold_back, PrerequisiteMode::substitute}) {
        RankingRules rules = every_rule();
        rules.prerequisites = mode;
        const auto trained = ranker.recommend(who, kNow, rules);
        const auto added = ranker.recommend(fresh, kNow, rules);
        CHECK(added.ids == trained.ids);
        CHECK(added.scores == trained.scores);
        CHECK(added.mandatory == trained.mandatory);
        CHECK(added.reason_offsets == trained.reason_offsets);
        REQUIRE(added.reasons.size() == trained.reasons.size());
        for (std::size_t i = 0; i < added.reasons.size(); ++i)
            CHECK(added.text(added.reasons[i]) == trained.text(trained.reasons[i]));
    }
}

TEST_CASE("new learners without facts or history get the model's top-k of their folded-in queries", "[ranking]") {
    const RandomAcademy a = random_academy();
    const Ranker ranker(a.model, plain_catalogue(a.model->num_courses()));
    std::vector<Triplet> taken{{0, 7, 1.0f}, {0, 30, 1.0f}, {1, 99, 2.0f}};
    const CsrMatrix rows = CsrMatrix::from_triplets(2, a.model->num_courses(), taken);
    const NewLearners fresh = fold_in_learners(*a.model, rows.view());
    RankingRules rules = rules_k(5);
    rules.require_session = false;
    const auto r = ranker.recommend(fresh, kNow, rules);
    RecommendOptions options;
    options.k = 5;
    const TopK expected = recommend_from_rows(*a.model, rows.view(), false, options);
    for (index_t l = 0; l < 2; ++l) CHECK(ids(r, l) == std::vector<index_t>(expected.ids_of(l).begin(), expected.ids_of(l).end()));
}

TEST_CASE("a new learner's language the catalogue never mentions matches no language-bound course", "[ranking]") {
    auto model = descending(1, 4);
    Catalogue cat = plain_catalogue(4);
    cat.courses[0].languages = {"en"};
    cat.courses[2].languages = {"fr"};
    const Ranker ranker(model, cat);
    NewLearners fresh;
    fresh.queries = model->learner_queries(std::vector<index_t>{0});
    fresh.facts.resize(1);
    fresh.facts[0].languages = {"tlh"};
    CHECK(ids(ranker.recommend(fresh, kNow, rules_k(4))) == std::vector<index_t>{1, 3});
    fresh.facts[0].languages = {"fr", "tlh"};
    CHECK(ids(ranker.recommend(fresh, kNow, rules_k(4))) == std::vector<index_t>{1, 2, 3});
}

TEST_CASE("a new learner's segment brings its obligations", "[ranking]") {
    auto model = descending(1, 5);
    Catalogue cat = plain_catalogue(5);
    cat.obligations = {{4, ObligationScope::department, "Finance", kNow + 5 * kDay}};
    const Ranker ranker(model, cat);
    NewLearners fresh;
    fresh.queries = model->learner_queries(std::vector<index_t>{0, 0});
    fresh.facts.resize(2);
    fresh.facts[0].department = "Finance";
    fresh.facts[1].department = "Sales";
    const auto r = ranker.recommend(fresh, kNow, rules_k(2));
    CHECK(ids(r, 0) == std::vector<index_t>{4, 0});
    CHECK(r.mandatory[r.slot(0, 0)] == 1);
    CHECK(ids(r, 1) == std::vector<index_t>{0, 1});
}

TEST_CASE("new learners whose parts disagree in size are rejected", "[ranking]") {
    auto model = descending(1, 5);
    const Ranker ranker(model, plain_catalogue(5));
    NewLearners fresh;
    fresh.queries = model->learner_queries(std::vector<index_t>{0, 0});
    fresh.facts.resize(3);
    CHECK_THROWS_WITH(ranker.recommend(fresh, kNow, rules_k(2)), Catch::Contains("3 profiles for 2 learners"));
    fresh.facts.clear();
    fresh.history = LearnerHistory(2, 4);
    CHECK_THROWS_WITH(ranker.recommend(fresh, kNow, rules_k(2)), Catch::Contains("history is 2 learners x 4 courses"));
    fresh.history = LearnerHistory();
    fresh.queries.embeddings.conservativeResize(2, fresh.queries.embeddings.cols() + 1);
    CHECK_THROWS_WITH(ranker.recommend(fresh, kNow, rules_k(2)), Catch::Contains("use the model's fold-in"));
}
