// Goals in the learner's words: indexing course descriptions and answering goals (issue #19).
//
//   BM_IndexCourses/100000    builds the BM25 index over 100,000 academy course texts (title,
//                             description in the course's language, topic, skills) with the
//                             academy's skill vocabulary; items/s = courses indexed per second
//   BM_Goal/5000              one goal -> the courses it matches, on a 5,000-course catalogue, one
//                             thread: language detection, skill extraction, stemming, BM25 over
//                             the postings, normalised scores and matched words (goal_matches).
//                             Goals rotate over 12 goals in the six languages; p50_us / p99_us are
//                             per-goal latencies measured one by one
//   BM_Search/5000            the same without parsing: search() of a parsed query
// Run: build/benchmarks/bench_text --benchmark_min_time=2
#include <algorithm>
#include <chrono>
#include <map>
#include <vector>

#include <benchmark/benchmark.h>

#include "learnrec/data/academy.hpp"
#include "learnrec/ranking/academy.hpp"
#include "learnrec/text/goals.hpp"
#include "learnrec/text/index.hpp"

using namespace learnrec;

namespace {

const std::vector<std::string>& goals() {
    static const std::vector<std::string> g{
        "better stakeholder communication",
        "I want to get into generative AI and large language models",
        "je veux me former à l'IA générative",
        "mieux gérer mon temps",
        "Ich möchte Projektmanagement lernen",
        "Datenschutz und DSGVO im Alltag",
        "quiero pasar a ciberseguridad",
        "análisis de datos con Python",
        "vorrei migliorare la gestione del tempo",
        "parlare in pubblico senza ansia",
        "quero aprender gestão de projetos",
        "inteligência artificial generativa no trabalho"};
    return g;
}

std::vector<text::CourseText> academy_texts(index_t courses) {
    AcademyConfig config;
    config.learners = 200;
    config.courses = courses;
    config.mean_enrolments = 4.0;
    const Academy a = generate_academy(config);
    return text::course_texts(ranking::academy_ranking_inputs(a).catalogue);
}

const text::CourseTextIndex& index_of(index_t courses) {
    static std::map<index_t, text::CourseTextIndex> cache;
    auto it = cache.find(courses);
    if (it == cache.end())
        it = cache.emplace(courses, text::CourseTextIndex(academy_texts(courses), text::academy_skill_vocabulary()))
                 .first;
    return it->second;
}

void report_percentiles(benchmark::State& state, std::vector<double>& us) {
    if (us.empty()) return;
    std::sort(us.begin(), us.end());
    state.counters["p50_us"] = us[us.size() / 2];
    state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}

void BM_IndexCourses(benchmark::State& state) {
    const auto texts = academy_texts(static_cast<index_t>(state.range(0)));
    const auto vocabulary = text::academy_skill_vocabulary();
    std::size_t terms = 0;
    for (auto _ : state) {
        text::CourseTextIndex index(texts, vocabulary);
        terms = index.num_terms();
        benchmark::DoNotOptimize(terms);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
    state.counters["terms"] = static_cast<double>(terms);
}
BENCHMARK(BM_IndexCourses)->Arg(100000)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_Goal(benchmark::State& state) {
    const auto& index = index_of(static_cast<index_t>(state.range(0)));
    std::vector<double> us;
    std::size_t i = 0, matches = 0;
    for (auto _ : state) {
        const std::string& g = goals()[i++ % goals().size()];
        const auto t0 = std::chrono::steady_clock::now();
        const auto m = text::goal_matches(index, std::span<const std::string>(&g, 1));
        us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        matches += m.matches.size();
        benchmark::DoNotOptimize(m.matches.data());
    }
    report_percentiles(state, us);
    state.counters["matches_per_goal"] = static_cast<double>(matches) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Goal)->Arg(5000)->Unit(benchmark::kMicrosecond);

void BM_Search(benchmark::State& state) {
    const auto& index = index_of(static_cast<index_t>(state.range(0)));
    std::vector<text::TextQuery> queries;
    for (const auto& g : goals()) queries.push_back(index.query(g));
    std::vector<double> us;
    std::size_t i = 0;
    for (auto _ : state) {
        const auto& q = queries[i++ % queries.size()];
        const auto t0 = std::chrono::steady_clock::now();
        const auto hits = index.search(q);
        us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        benchmark::DoNotOptimize(hits.data());
    }
    report_percentiles(state, us);
}
BENCHMARK(BM_Search)->Arg(5000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
