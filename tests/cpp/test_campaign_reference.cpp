// The fast paths of the Ranker and of a campaign against straightforward references, on a rich
// request (every rule: lifecycle and renewal, obligations, prerequisites both ways, eligibility,
// gap boost, score floor, MMR, explanations, the request's exclusions and caps, a push log's
// suppressions): a batch on two threads answers as each learner alone on one thread, field for
// field and bit for bit; without MMR the shown courses are the full admissible order with the
// pinned ones taken out; a campaign's output and log do not depend on its chunks or threads.
// Tagged [ranking]: ctest runs these under every instruction-set path (LEARNREC_ISA).
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <unistd.h>

#include "learnrec/campaign/campaign.hpp"
#include "learnrec/campaign/push_log.hpp"
#include "learnrec/data/academy.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/ranking/academy.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/ranking/ranker.hpp"

using namespace learnrec;
using namespace learnrec::ranking;

namespace {

constexpr timestamp_t kDay = 86400;
const timestamp_t kNow = days_from_civil(2026, 2, 1) * kDay;

struct Rich {
    Academy academy;
    std::shared_ptr<const Model> model;
    RankingInputs in;
};

/// The academy (schema 2: obligations, prerequisites, sessions, certifications, skills) with a
/// random 8-factor model, so that scores have no ties to hide an order change.
const Rich& rich() {
    static const Rich r = [] {
        Rich x;
        AcademyConfig config;
        config.seed = 11;
        config.learners = 400;
        config.courses = 180;
        x.academy = generate_academy(config);
        x.in = academy_ranking_inputs(x.academy);
        std::mt19937 rng(3);
        std::normal_distribution<float> normal(0.0f, 0.3f);
        RowMatrix users(config.learners, 8), items(config.courses, 8);
        for (Eigen::Index i = 0; i < users.size(); ++i) users.data()[i] = normal(rng);
        for (Eigen::Index i = 0; i < items.size(); ++i) items.data()[i] = normal(rng);
        x.model = std::make_shared<const AlsModel>(users, items, AlsConfig{});
        return x;
    }();
    return r;
}

RankingRules every_rule(PrerequisiteMode mode) {
    RankingRules rules;
    rules.k = 10;
    rules.gap_boost = 0.5f;
    rules.mmr_lambda = 0.8f;
    rules.renewal_days = 30;
    rules.min_score = 0.35f;  // about one course in twelve scores above it: many learners run short
    rules.prerequisites = mode;
    rules.obligation_window_days = 400;  // the academy's due dates run over 2026-2027: some pin
    rules.num_threads = 2;
    return rules;
}

/// Exclusions (a few random courses each) and ordinary caps (0..k) for `n` learners.
RequestLimits random_limits(std::size_t n, index_t courses, index_t k) {
    std::mt19937 rng(9);
    RequestLimits limits;
    limits.offsets.push_back(0);
    for (std::size_t i = 0; i < n; ++i) {
        const int extra = static_cast<int>(rng() % 6);
        for (int e = 0; e < extra; ++e) limits.excluded.push_back(static_cast<index_t>(rng() % courses));
        limits.offsets.push_back(static_cast<offset_t>(limits.excluded.size()));
        limits.ordinary.push_back(static_cast<index_t>(rng() % static_cast<unsigned>(k + 1)));
    }
    return limits;
}

/// The limits of learner i alone.
RequestLimits limits_of(const RequestLimits& all, std::size_t i) {
    RequestLimits one;
    one.offsets = {0};
    const auto b = static_cast<std::size_t>(all.offsets[i]), e = static_cast<std::size_t>(all.offsets[i + 1]);
    one.excluded.assign(all.excluded.begin() + static_cast<std::ptrdiff_t>(b),
                        all.excluded.begin() + static_cast<std::ptrdiff_t>(e));
    one.offsets.push_back(static_cast<offset_t>(one.excluded.size()));
    one.ordinary = {all.ordinary[i]};
    return one;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same_reason(const Reason& a, const Reason& b) {
    return a.kind == b.kind && a.course == b.course && a.skill == b.skill && a.department == b.department &&
           a.level == b.level && a.date == b.date && same_bits(a.value, b.value) && a.terms == b.terms;
}

/// Learner `i` of `r` against learner `o` of `other`: every slot, score bit and reason.
void check_same_answer(const Recommendations& r, index_t i, const Recommendations& other, index_t o = 0) {
    INFO("learner " << i);
    REQUIRE(r.k == other.k);
    for (index_t j = 0; j < r.k; ++j) {
        INFO("rank " << j);
        const auto s = r.slot(i, j), t = other.slot(o, j);
        CHECK(r.ids[s] == other.ids[t]);
        CHECK(same_bits(r.scores[s], other.scores[t]));
        CHECK(same_bits(r.model_scores[s], other.model_scores[t]));
        CHECK(r.mandatory[s] == other.mandatory[t]);
        const auto a = r.reasons_of(i, j), b = other.reasons_of(o, j);
        REQUIRE(a.size() == b.size());
        for (std::size_t x = 0; x < a.size(); ++x) CHECK(same_reason(a[x], b[x]));
    }
}

}  // namespace

TEST_CASE("a batch on two threads gives every learner the answer it gets alone on one thread, bit for bit",
          "[ranking][campaign]") {
    const Rich& x = rich();
    const Ranker ranker(x.model, x.in.catalogue, x.in.learners, x.in.history);
    std::vector<index_t> who(x.in.learners.size());
    std::iota(who.begin(), who.end(), 0);
    const auto courses = x.model->num_courses();
    for (auto mode : {PrerequisiteMode::hold_back, PrerequisiteMode::substitute}) {
        INFO("prerequisites " << (mode == PrerequisiteMode::hold_back ? "hold_back" : "substitute"));
        const RankingRules rules = every_rule(mode);
        const RequestLimits limits = random_limits(who.size(), courses, rules.k);
        const auto batch = ranker.recommend(who, kNow, rules, limits);
        RankingRules one_thread = rules;
        one_thread.num_threads = 1;
        index_t pinned = 0, floored = 0;
        for (std::size_t i = 0; i < who.size(); ++i) {
            const auto alone = ranker.recommend(std::vector<index_t>{who[i]}, kNow, one_thread, limits_of(limits, i));
            check_same_answer(batch, static_cast<index_t>(i), alone);
            for (index_t j = 0; j < batch.count(static_cast<index_t>(i)); ++j)
                pinned += batch.mandatory[batch.slot(static_cast<index_t>(i), j)];
            if (limits.ordinary[i] == rules.k) floored += batch.count(static_cast<index_t>(i)) < rules.k ? 1 : 0;
        }
        // The request really exercises the rules it claims to.
        CHECK(pinned > 0);
        CHECK(floored > 0);
        CHECK_FALSE(batch.reasons.empty());
    }
}

TEST_CASE("without MMR the courses after the pinned ones are the full admissible order without them",
          "[ranking][campaign]") {
    const Rich& x = rich();
    const Ranker ranker(x.model, x.in.catalogue, x.in.learners, x.in.history);
    std::vector<index_t> who(x.in.learners.size());
    std::iota(who.begin(), who.end(), 0);
    RankingRules rules = every_rule(PrerequisiteMode::hold_back);
    rules.mmr_lambda = 1.0f;
    const auto r = ranker.recommend(who, kNow, rules);
    // The reference: every admissible course in final-score order, no obligation pinned.
    RankingRules all = rules;
    all.k = x.model->num_courses();
    all.obligations = false;
    all.explain = false;
    const auto full = ranker.recommend(who, kNow, all);
    index_t learners_with_pins = 0;
    for (index_t l = 0; l < r.learners; ++l) {
        INFO("learner " << l);
        std::vector<index_t> pinned, rest;
        for (index_t j = 0; j < r.count(l); ++j) {
            const auto c = r.ids_of(l)[static_cast<std::size_t>(j)];
            const bool pin = r.mandatory[r.slot(l, j)] && static_cast<std::size_t>(j) == pinned.size() &&
                             !r.reasons_of(l, j).empty() && r.reasons_of(l, j)[0].kind == ReasonKind::mandatory &&
                             r.reasons_of(l, j)[0].date <= kNow + rules.obligation_window_days * kDay;
            (pin ? pinned : rest).push_back(c);
        }
        learners_with_pins += pinned.empty() ? 0 : 1;
        std::vector<index_t> expected;
        std::vector<float> expected_scores;
        for (index_t j = 0; j < full.count(l) && expected.size() < rest.size(); ++j) {
            const auto c = full.ids_of(l)[static_cast<std::size_t>(j)];
            if (std::find(pinned.begin(), pinned.end(), c) != pinned.end()) continue;
            expected.push_back(c);
            expected_scores.push_back(full.scores[full.slot(l, j)]);
        }
        CHECK(rest == expected);
        for (std::size_t j = 0; j < rest.size() && j < expected.size(); ++j)
            CHECK(same_bits(r.scores[r.slot(l, static_cast<index_t>(pinned.size() + j))], expected_scores[j]));
    }
    CHECK(learners_with_pins > 0);
}

namespace {

struct Dir {
    std::filesystem::path path;
    Dir() {
        static int n = 0;
        path = std::filesystem::temp_directory_path() / fmt::format("learnrec_reference_{}_{}", ::getpid(), n++);
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~Dir() { std::filesystem::remove_all(path); }
    std::filesystem::path operator/(const std::string& name) const { return path / name; }
};

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("a campaign's output and log do not depend on its chunk size or thread count", "[ranking][campaign]") {
    using namespace learnrec::campaign;
    const Rich& x = rich();
    Audience a;
    for (const auto& l : x.academy.learners) a.learner_ids.push_back(l.id);
    a.ranker = std::make_shared<const Ranker>(x.model, x.in.catalogue, x.in.learners, x.in.history);
    a.new_learners.queries.embeddings.resize(0, 8);

    // One shared log: a first week, then answers that suppress (dismissed) or count (opened).
    Dir shared;
    CampaignSpec first;
    first.id = "week-1";
    first.now = kNow - 7 * kDay;
    first.k = 10;
    first.num_threads = 1;
    first.settings.ranking = every_rule(PrerequisiteMode::hold_back);
    first.settings.ranking.num_threads = 1;
    first.settings.campaign.max_per_period = 5;
    run_campaign(a, first, shared / "log.csv", shared / "w1.csv");
    {
        std::ofstream log(shared / "log.csv", std::ios::app);
        std::istringstream rows(slurp(shared / "w1.csv"));
        std::string line;
        std::getline(rows, line);
        for (int n = 0; std::getline(rows, line); ++n) {
            std::vector<std::string> f;
            std::istringstream ls(line);
            for (std::string cell; f.size() < 4 && std::getline(ls, cell, ',');) f.push_back(cell);
            const char* event = n % 3 == 0 ? "dismissed" : n % 3 == 1 ? "opened" : nullptr;
            if (event)
                log << format_push_record({first.now + kDay, "week-1", f[1], f[3], parse_push_event(event), false},
                                          PushLogFormat::csv);
        }
    }

    auto run = [&](index_t chunk, int threads, const std::string& name) {
        const Dir d;
        std::filesystem::copy_file(shared / "log.csv", d / "log.csv");
        CampaignSpec s = first;
        s.id = "week-2";
        s.now = kNow;
        s.num_threads = threads;
        s.settings.ranking.num_threads = threads;
        s.settings.campaign.chunk_learners = chunk;
        const CampaignReport report = run_campaign(a, s, d / "log.csv", d / name);
        return std::make_tuple(slurp(d / name), slurp(d / "log.csv"), report);
    };
    const auto [out1, log1, r1] = run(16384, 1, "one.csv");
    const auto [out2, log2, r2] = run(37, 2, "many.csv");
    CHECK(out1 == out2);
    CHECK(log1 == log2);
    // The memory acted and the rows carry reasons.
    CHECK(r1.suppressed.at("dismissed") > 0);
    CHECK(r1.suppressed.at("repeat") > 0);
    CHECK(r1.mandatory_pushes > 0);
    CHECK(r1.by_reason.count("skill_gap") == 1);
    CHECK(r1.pushes == r2.pushes);
}

TEST_CASE("a Ranker asked at times around session openings answers as a fresh Ranker at each time",
          "[ranking][campaign]") {
    // The eligibility bits are cached with the span of time they hold for; a time just before or
    // after a session enters or leaves the horizon must not reuse the bits of the other side.
    const Rich& x = rich();
    const Ranker reused(x.model, x.in.catalogue, x.in.learners, x.in.history);
    std::vector<index_t> who(x.in.learners.size());
    std::iota(who.begin(), who.end(), 0);
    RankingRules rules = every_rule(PrerequisiteMode::hold_back);
    rules.mmr_lambda = 1.0f;
    REQUIRE(rules.require_session);
    const timestamp_t span = static_cast<timestamp_t>(rules.session_horizon_days) * kDay;
    std::vector<timestamp_t> times;
    for (std::size_t i = 0; i < x.in.catalogue.sessions.size(); i += 97) {
        const timestamp_t start = x.in.catalogue.sessions[i].start;
        for (timestamp_t t : {start, start + 1, start - span, start - span - 1}) times.push_back(t);
    }
    REQUIRE(times.size() >= 8);
    std::size_t differ = 0;
    Recommendations previous;
    for (const timestamp_t t : times) {
        INFO("time " << t);
        const auto answer = reused.recommend(who, t, rules);
        const Ranker fresh(x.model, x.in.catalogue, x.in.learners, x.in.history);
        const auto expected = fresh.recommend(who, t, rules);
        for (std::size_t i = 0; i < who.size(); ++i)
            check_same_answer(answer, static_cast<index_t>(i), expected, static_cast<index_t>(i));
        if (!previous.ids.empty() && previous.ids != answer.ids) ++differ;
        previous = answer;
    }
    // The times really move courses in and out of the lists.
    CHECK(differ > 0);
}
