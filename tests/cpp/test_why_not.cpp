// "Why not?" (ranking/why_not.hpp): one case per answer on hand-built catalogues, then agreement
// with recommend() on the academy for many (learner, course) pairs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <numeric>
#include <random>

#include "learnrec/data/academy.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/ranking/academy.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/ranking/ranker.hpp"

using namespace learnrec;
using namespace learnrec::ranking;

namespace {

constexpr timestamp_t kDay = 86400;
const timestamp_t kNow = days_from_civil(2026, 6, 1) * kDay;
timestamp_t date(int y, unsigned m, unsigned d) { return days_from_civil(y, m, d) * kDay; }

/// Every learner scores course c as courses - c: course 0 is the model's favourite.
std::shared_ptr<const Model> descending(index_t learners, index_t courses) {
    RowMatrix users = RowMatrix::Ones(learners, 1);
    RowMatrix items(courses, 1);
    for (index_t c = 0; c < courses; ++c) items(c, 0) = static_cast<float>(courses - c);
    return std::make_shared<const AlsModel>(std::move(users), std::move(items), AlsConfig{});
}

Catalogue plain_catalogue(index_t courses) {
    Catalogue cat;
    for (index_t c = 0; c < courses; ++c) {
        CourseFacts f;
        f.id = fmt::format("C{}", c);
        cat.courses.push_back(std::move(f));
    }
    return cat;
}

RankingRules rules_k(index_t k) {
    RankingRules rules;
    rules.k = k;
    rules.num_threads = 1;
    return rules;
}

std::vector<WhyNotRule> only(WhyNotRule rule) { return {rule}; }

}  // namespace

TEST_CASE("why not: a course in the list answers with its rank and no rule", "[why_not]") {
    Ranker ranker(descending(1, 6), plain_catalogue(6));
    const WhyNot w = ranker.why_not(0, 2, kNow, rules_k(4));
    CHECK(w.present());
    CHECK(w.rank == 3);
    CHECK(w.rules.empty());
    CHECK(w.score == 4.0f);
    CHECK(w.shown == 4);
    CHECK(w.text(ranker.catalogue()) == "C2 is at rank 3 of 4");
}

TEST_CASE("why not: a completed course is already taken, with when and until when", "[why_not]") {
    Catalogue cat = plain_catalogue(4);
    cat.courses[0].validity_months = 24;
    LearnerHistory history(1, 4);
    history.set(0, 0, CourseState::completed, date(2025, 3, 1));
    history.finish();
    Ranker ranker(descending(1, 4), cat, {}, history);
    const WhyNot w = ranker.why_not(0, 0, kNow, rules_k(2));
    CHECK_FALSE(w.present());
    CHECK(w.rules == only(WhyNotRule::already_taken));
    CHECK(w.history.completed_at == date(2025, 3, 1));
    CHECK(w.expires == date(2027, 3, 1));
    CHECK_THAT(w.text(ranker.catalogue()), Catch::Contains("already taken on 2025-03-01 (valid until 2027-03-01)"));
}

TEST_CASE("why not: an enrolled course is in progress", "[why_not]") {
    LearnerHistory history(1, 4);
    history.set(0, 1, CourseState::started);
    history.finish();
    Ranker ranker(descending(1, 4), plain_catalogue(4), {}, history);
    CHECK(ranker.why_not(0, 1, kNow, rules_k(2)).rules == only(WhyNotRule::in_progress));
    RankingRules allow = rules_k(2);
    allow.exclude_in_progress = false;
    CHECK(ranker.why_not(0, 1, kNow, allow).rank == 2);
}

TEST_CASE("why not: a dropped course stays out only when the rules say so", "[why_not]") {
    LearnerHistory history(1, 4);
    history.set(0, 0, CourseState::dropped);
    history.finish();
    Ranker ranker(descending(1, 4), plain_catalogue(4), {}, history);
    CHECK(ranker.why_not(0, 0, kNow, rules_k(2)).rank == 1);
    RankingRules strict = rules_k(2);
    strict.exclude_dropped = true;
    CHECK(ranker.why_not(0, 0, kNow, strict).rules == only(WhyNotRule::dropped));
}

TEST_CASE("why not: language, format and region name each rule that fails", "[why_not]") {
    Catalogue cat = plain_catalogue(5);
    cat.courses[0].languages = {"de"};
    cat.courses[1].format = "classroom";
    cat.courses[2].regions = {"APAC"};
    cat.courses[3].languages = {"de"};
    cat.courses[3].regions = {"APAC"};
    std::vector<LearnerFacts> learners(1);
    learners[0].languages = {"en"};
    learners[0].formats = {"e-learning"};
    learners[0].country = "France";
    learners[0].region = "EMEA";
    Ranker ranker(descending(1, 5), cat, learners);
    const RankingRules rules = rules_k(3);
    CHECK(ranker.why_not(0, 0, kNow, rules).rules == only(WhyNotRule::language));
    CHECK(ranker.why_not(0, 1, kNow, rules).rules == only(WhyNotRule::format));
    CHECK(ranker.why_not(0, 2, kNow, rules).rules == only(WhyNotRule::region));
    CHECK(ranker.why_not(0, 3, kNow, rules).rules == std::vector<WhyNotRule>{WhyNotRule::language, WhyNotRule::region});
    CHECK_THAT(ranker.why_not(0, 2, kNow, rules).text(ranker.catalogue()),
               Catch::Contains("not offered in the learner's country or region"));
}

TEST_CASE("why not: a session course without an open session within the horizon", "[why_not]") {
    Catalogue cat = plain_catalogue(3);
    cat.sessions = {{0, date(2027, 9, 1), date(2027, 9, 2), "", 10, ""}};  // beyond 180 days
    Ranker ranker(descending(1, 3), cat);
    CHECK(ranker.why_not(0, 0, kNow, rules_k(2)).rules == only(WhyNotRule::session));
    RankingRules far = rules_k(2);
    far.session_horizon_days = 500;
    CHECK(ranker.why_not(0, 0, kNow, far).rank == 1);
}

TEST_CASE("why not: missing prerequisites are named", "[why_not]") {
    Catalogue cat = plain_catalogue(5);
    cat.prerequisites = {{0, 3}, {0, 4}, {1, 4}};
    LearnerHistory history(1, 5);
    history.set(0, 4, CourseState::completed, date(2025, 1, 1));
    history.finish();
    Ranker ranker(descending(1, 5), cat, {}, history);
    const WhyNot w = ranker.why_not(0, 0, kNow, rules_k(2));
    CHECK(w.rules == only(WhyNotRule::prerequisites));
    CHECK(w.missing_prerequisites == std::vector<index_t>{3});
    CHECK_THAT(w.text(ranker.catalogue()), Catch::Contains("prerequisites missing: C3"));
    CHECK(ranker.why_not(0, 1, kNow, rules_k(2)).rank == 1);  // its prerequisite is completed
}

TEST_CASE("why not: under substitution a locked course names the prerequisite shown instead", "[why_not]") {
    Catalogue cat = plain_catalogue(5);
    cat.prerequisites = {{0, 3}, {3, 4}};
    Ranker ranker(descending(1, 5), cat);
    RankingRules rules = rules_k(2);
    rules.prerequisites = PrerequisiteMode::substitute;
    const WhyNot w = ranker.why_not(0, 0, kNow, rules);
    CHECK(w.rules == only(WhyNotRule::substituted));
    CHECK(w.substitute == 4);
    CHECK(ranker.why_not(0, 4, kNow, rules).rank == 1);
}

TEST_CASE("why not: a course the request's limits leave out is suppressed by the push log", "[why_not]") {
    Ranker ranker(descending(2, 8), plain_catalogue(8));
    RequestLimits limits;
    limits.offsets = {0, 2};
    limits.excluded = {0, 5};
    const WhyNot w = ranker.why_not(1, 0, kNow, rules_k(3), limits);
    CHECK(w.rules == only(WhyNotRule::push_log));
    CHECK(w.removed_by() == WhyNotRule::push_log);
    CHECK_THAT(w.text(ranker.catalogue()), Catch::Contains("suppressed by the push log"));
    // The list is recommend()'s under the same limits: C1, C2, C3.
    const WhyNot third = ranker.why_not(1, 3, kNow, rules_k(3), limits);
    CHECK(third.rank == 3);
    CHECK(ranker.why_not(1, 3, kNow, rules_k(3)).rank == 0);
    const std::array<index_t, 1> one{1};
    CHECK(ranker.recommend(one, kNow, rules_k(3), limits).ids_of(0)[2] == 3);
    limits.offsets = {0, 1, 2};
    CHECK_THROWS_WITH(ranker.why_not(1, 3, kNow, rules_k(3), limits), Catch::Contains("expected 1"));
}

TEST_CASE("why not: below the k-th score gives both scores and its rank", "[why_not]") {
    Ranker ranker(descending(1, 8), plain_catalogue(8));
    const WhyNot w = ranker.why_not(0, 6, kNow, rules_k(3));
    CHECK(w.rules == only(WhyNotRule::below_kth_score));
    CHECK(w.score == 2.0f);
    CHECK(w.score_rank == 7);
    CHECK(w.kth_course == 2);
    CHECK(w.kth_score == 6.0f);
    CHECK_THAT(w.text(ranker.catalogue()), Catch::Contains("score 2.0000 (rank 7 among admissible courses) is below "
                                                          "the last shown, C2 at 6.0000"));
}

TEST_CASE("why not: an obligation outside the window is reported with its due date", "[why_not]") {
    Catalogue cat = plain_catalogue(6);
    cat.obligations = {{5, ObligationScope::all, "", date(2027, 3, 1)}};
    Ranker ranker(descending(1, 6), cat, std::vector<LearnerFacts>(1));
    const WhyNot w = ranker.why_not(0, 5, kNow, rules_k(2));
    CHECK(w.rules == only(WhyNotRule::below_kth_score));
    CHECK(w.obligation_due == date(2027, 3, 1));
    CHECK_FALSE(w.pinned);
    CHECK_THAT(w.text(ranker.catalogue()), Catch::Contains("mandatory, due 2027-03-01 (outside the window)"));
    RankingRules longer = rules_k(2);
    longer.obligation_window_days = 365;
    const WhyNot pinned = ranker.why_not(0, 5, kNow, longer);
    CHECK(pinned.rank == 1);
    CHECK(pinned.mandatory);
}

TEST_CASE("why not: more urgent obligations can fill the whole list", "[why_not]") {
    Catalogue cat = plain_catalogue(5);
    for (index_t c = 0; c < 5; ++c) cat.obligations.push_back({c, ObligationScope::all, "", date(2026, 6, 30) - c * kDay});
    Ranker ranker(descending(1, 5), cat);
    const WhyNot w = ranker.why_not(0, 0, kNow, rules_k(2));
    CHECK(w.rules == only(WhyNotRule::obligations_fill_list));
    CHECK(w.obligation_due == date(2026, 6, 30));
}

TEST_CASE("why not: a course among the best k by score may be left out for diversity", "[why_not]") {
    Catalogue cat = plain_catalogue(6);
    for (index_t c = 0; c < 6; ++c) cat.courses[static_cast<std::size_t>(c)].topic = c < 3 ? "security" : "sales";
    Ranker ranker(descending(1, 6), cat);
    RankingRules rules = rules_k(2);
    rules.mmr_lambda = 0.3f;
    rules.diversity_source = DiversitySource::topics;
    const WhyNot w = ranker.why_not(0, 1, kNow, rules);
    REQUIRE_FALSE(w.present());
    CHECK(w.rules == only(WhyNotRule::diversity));
    CHECK(w.score_rank == 2);
}

TEST_CASE("why not: indices out of range are errors", "[why_not]") {
    Ranker ranker(descending(2, 3), plain_catalogue(3));
    CHECK_THROWS_WITH(ranker.why_not(2, 0, kNow), Catch::Contains("learner index 2"));
    CHECK_THROWS_WITH(ranker.why_not(0, 3, kNow), Catch::Contains("course index 3"));
}

TEST_CASE("why not agrees with recommend() on the academy: present at rank r exactly when listed at r", "[why_not]") {
    AcademyConfig config;
    config.seed = 5;
    config.learners = 300;
    config.courses = 120;
    const Academy academy = generate_academy(config);
    const RankingInputs in = academy_ranking_inputs(academy);
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 0.3f);
    RowMatrix users(config.learners, 8), items(config.courses, 8);
    for (Eigen::Index i = 0; i < users.size(); ++i) users.data()[i] = normal(rng);
    for (Eigen::Index i = 0; i < items.size(); ++i) items.data()[i] = normal(rng);
    Ranker ranker(std::make_shared<const AlsModel>(users, items, AlsConfig{}), in.catalogue, in.learners, in.history);
    RankingRules rules = rules_k(10);
    rules.gap_boost = 0.5f;
    rules.renewal_days = 60;
    rules.num_threads = 2;
    const timestamp_t now = date(2026, 2, 1);
    std::vector<index_t> who(30);
    std::iota(who.begin(), who.end(), 0);
    for (const float lambda : {1.0f, 0.7f}) {
        rules.mmr_lambda = lambda;
        const Recommendations batch = ranker.recommend(who, now, rules);
        std::size_t present = 0, absent = 0;
        for (std::size_t i = 0; i < who.size(); ++i)
            for (index_t c = 0; c < config.courses; c += 1 + static_cast<index_t>(i % 3)) {
                const WhyNot w = ranker.why_not(who[i], c, now, rules);
                const auto listed = batch.ids_of(static_cast<index_t>(i));
                const auto at = std::find(listed.begin(), listed.end(), c);
                const index_t expected = at == listed.end() ? 0 : static_cast<index_t>(at - listed.begin()) + 1;
                REQUIRE(w.rank == expected);
                REQUIRE(w.rules.empty() == w.present());
                if (w.present()) {
                    ++present;
                    continue;
                }
                ++absent;
                // A course every rule admits but below the list is scored at or under its last course.
                if (w.removed_by() == WhyNotRule::below_kth_score && lambda == 1.0f) {
                    CHECK(w.score_rank > 0);
                    CHECK(w.score <= w.kth_score);
                }
                if (w.removed_by() <= WhyNotRule::excluded) CHECK(w.score_rank == 0);
            }
        CHECK(present > 100);
        CHECK(absent > 500);
    }
}
