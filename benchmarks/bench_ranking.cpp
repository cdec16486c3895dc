// The ranking layer at company scale: top-10 with every rule on for every learner of the academy
// scaled to 100,000 learners x 5,000 courses, against the plain model top-k on the same data.
// The model is random factors (d = 64): scoring cost does not depend on how they were trained.
// The rule data (skills, goals, certifications, obligations, prerequisites, sessions, lifecycle
// states) is the academy's own (schema 2).
// items_per_second = learners per second. Environment: LEARNREC_BENCH_LEARNERS / _COURSES shrink
// the academy for a quick run.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <numeric>
#include <random>

#include "learnrec/data/academy.hpp"
#include "learnrec/data/csv.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/ranking/academy.hpp"
#include "learnrec/ranking/ranker.hpp"
#include "learnrec/retrieval/recommend.hpp"

using namespace learnrec;
using namespace learnrec::ranking;

namespace {

constexpr timestamp_t kDay = 86400;

index_t env_size(const char* name, index_t fallback) {
    const char* v = std::getenv(name);
    return v ? static_cast<index_t>(std::atol(v)) : fallback;
}

/// Rule data a schema-1 academy does not carry, derived deterministically from it, so
/// that every rule has work to do: skills from topic and level, certifications, a sparse
/// prerequisite graph along levels, classroom sessions, obligations, and target skills.
void add_rule_data(const Academy& academy, RankingInputs& in, timestamp_t now) {
    auto& cat = in.catalogue;
    const auto n = static_cast<index_t>(cat.courses.size());
    std::map<std::string, std::vector<index_t>> level1_by_topic;
    std::vector<std::string> countries;
    for (const auto& l : academy.learners)
        if (std::find(countries.begin(), countries.end(), l.country) == countries.end()) countries.push_back(l.country);
    for (index_t c = 0; c < n; ++c) {
        const auto& info = academy.courses[static_cast<std::size_t>(c)];
        auto& f = cat.courses[static_cast<std::size_t>(c)];
        if (f.skills.empty()) f.skills = {{info.topic, info.level}};
        if (c % 7 == 0) f.validity_months = 24;
        if (info.level == 1)
            level1_by_topic[info.topic].push_back(c);
        else if (c % 5 == 0 && !level1_by_topic[info.topic].empty())
            cat.prerequisites.push_back(
                {c, level1_by_topic[info.topic][static_cast<std::size_t>(c) % level1_by_topic[info.topic].size()]});
        if (info.format == "classroom")
            for (int s = 0; s < 3; ++s)
                cat.sessions.push_back({c, now + (20 + 60 * s + c % 30) * kDay, now + (21 + 60 * s + c % 30) * kDay,
                                        countries[static_cast<std::size_t>(c + s) % countries.size()], 12, {}});
    }
    cat.obligations.push_back({0, ObligationScope::all, "", now + 30 * kDay});
    cat.obligations.push_back({1, ObligationScope::all, "", now + 400 * kDay});
    cat.obligations.push_back({2, ObligationScope::department, "Sales", now + 10 * kDay});
    cat.obligations.push_back({3, ObligationScope::country, "France", now - 5 * kDay});
    for (std::size_t i = 0; i < in.learners.size(); ++i) {
        auto& goals = in.learners[i].target_skills;
        if (!goals.empty()) continue;
        const auto& topic = academy.courses[i % academy.courses.size()].topic;
        goals.push_back({topic, 3});
        const auto& other = academy.courses[(i * 7 + 3) % academy.courses.size()].topic;
        if (other != topic) goals.push_back({other, 2});
    }
}

struct Fixture {
    Academy academy;
    std::shared_ptr<const AlsModel> model;
    std::unique_ptr<Ranker> ranker;
    std::vector<index_t> learners;
    timestamp_t now = 0;

    Fixture() {
        AcademyConfig config;
        config.learners = env_size("LEARNREC_BENCH_LEARNERS", 100000);
        config.courses = env_size("LEARNREC_BENCH_COURSES", 5000);
        academy = generate_academy(config);
        std::mt19937_64 rng(42);
        std::normal_distribution<float> normal(0.0f, 0.125f);  // scores ~ N(0, 1) at d = 64
        RowMatrix users(config.learners, 64), items(config.courses, 64);
        for (Eigen::Index i = 0; i < users.size(); ++i) users.data()[i] = normal(rng);
        for (Eigen::Index i = 0; i < items.size(); ++i) items.data()[i] = normal(rng);
        model = std::make_shared<const AlsModel>(std::move(users), std::move(items), AlsConfig{});
        now = days_from_civil(2026, 2, 1) * kDay;
        RankingInputs in = academy_ranking_inputs(academy);
        if (academy.schema_version < 2) add_rule_data(academy, in, now);
        ranker =
            std::make_unique<Ranker>(model, std::move(in.catalogue), std::move(in.learners), std::move(in.history));
        learners.resize(static_cast<std::size_t>(config.learners));
        std::iota(learners.begin(), learners.end(), 0);
    }
};

Fixture& fixture() {
    static Fixture f;
    return f;
}

RankingRules all_rules(int threads) {
    RankingRules rules;
    rules.k = 10;
    rules.gap_boost = 0.5f;
    rules.renewal_days = 30;
    rules.prerequisites = PrerequisiteMode::hold_back;
    rules.mmr_lambda = 0.8f;
    rules.mmr_pool = 0;  // the default: 2k candidates
    rules.explain = true;
    rules.num_threads = threads;
    return rules;
}

void BM_PlainTopK(benchmark::State& state) {
    auto& f = fixture();
    RecommendOptions options;
    options.k = 10;
    options.num_threads = static_cast<int>(state.range(0));
    const CsrView history = f.academy.interactions.matrix.view();
    for (auto _ : state) {
        TopK top = recommend(*f.model, f.learners, &history, options);
        benchmark::DoNotOptimize(top.ids.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(f.learners.size()));
}

void BM_RankedAllRules(benchmark::State& state) {
    auto& f = fixture();
    const RankingRules rules = all_rules(static_cast<int>(state.range(0)));
    for (auto _ : state) {
        Recommendations r = f.ranker->recommend(f.learners, f.now, rules);
        benchmark::DoNotOptimize(r.ids.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(f.learners.size()));
}

/// The rules without MMR and explanations: the cost of what runs inside the top-k loop.
void BM_RankedFilteringOnly(benchmark::State& state) {
    auto& f = fixture();
    RankingRules rules = all_rules(static_cast<int>(state.range(0)));
    rules.mmr_lambda = 1.0f;
    rules.explain = false;
    for (auto _ : state) {
        Recommendations r = f.ranker->recommend(f.learners, f.now, rules);
        benchmark::DoNotOptimize(r.ids.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(f.learners.size()));
}

/// All rules with explanations but without MMR, and with MMR but without explanations: where the
/// difference between the two figures above goes.
void BM_RankedNoDiversity(benchmark::State& state) {
    auto& f = fixture();
    RankingRules rules = all_rules(static_cast<int>(state.range(0)));
    rules.mmr_lambda = 1.0f;
    for (auto _ : state) {
        Recommendations r = f.ranker->recommend(f.learners, f.now, rules);
        benchmark::DoNotOptimize(r.ids.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(f.learners.size()));
}

void BM_RankedNoExplanations(benchmark::State& state) {
    auto& f = fixture();
    RankingRules rules = all_rules(static_cast<int>(state.range(0)));
    rules.explain = false;
    for (auto _ : state) {
        Recommendations r = f.ranker->recommend(f.learners, f.now, rules);
        benchmark::DoNotOptimize(r.ids.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(f.learners.size()));
}

}  // namespace

// Arg: threads (1, and 0 = every processor).
BENCHMARK(BM_PlainTopK)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);
BENCHMARK(BM_RankedAllRules)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);
BENCHMARK(BM_RankedFilteringOnly)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);
BENCHMARK(BM_RankedNoDiversity)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);
BENCHMARK(BM_RankedNoExplanations)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);

BENCHMARK_MAIN();
