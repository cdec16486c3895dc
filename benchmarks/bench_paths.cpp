// learnrec benchmark — learning paths: plans for every academy learner on N threads, and the greedy
// heuristic's gap to the branch-and-bound optimum (benchmarks/README.md, "Learning paths").
//
//   bench_paths --learners 100000 --courses 600 --threads 2        plans/s for the whole company
//   bench_paths --learners 5000 --gap-instances 300                the heuristic gap table
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "learnrec/data/academy.hpp"
#include "learnrec/path/inputs.hpp"
#include "learnrec/path/team.hpp"

using namespace learnrec;

namespace {

double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void gap_table(const path::PlanningData& d, int instances, double budget) {
    path::PlanOptions exact_o;
    exact_o.hours_per_month = budget;
    exact_o.exact_limit = 64;
    exact_o.node_limit = 2'000'000;
    path::PlanOptions greedy_o = exact_o;
    greedy_o.exact_limit = 0;
    int proven = 0, same_cover = 0, fewer_closed = 0, same_hours = 0, bound_ok = 0;
    double sum_gap = 0.0, max_gap = 0.0, exact_s = 0.0, greedy_s = 0.0;
    const timestamp_t start = path::month_start(exact_o, 0);
    // Learners with something to plan, evenly spread over the academy.
    const auto n = d.learners.size();
    for (index_t l = 0, seen = 0; l < n && seen < instances; ++l) {
        const auto learner = path::planning_learner(d, (l * 7919) % n, start);
        auto t0 = std::chrono::steady_clock::now();
        const auto e = path::plan_path(d.catalogue, d.course_hours, learner, exact_o);
        exact_s += since(t0);
        if (e.steps.empty()) continue;
        ++seen;
        t0 = std::chrono::steady_clock::now();
        const auto g = path::plan_path(d.catalogue, d.course_hours, learner, greedy_o);
        greedy_s += since(t0);
        bound_ok += g.lower_bound_hours <= g.total_hours + 1e-9;
        if (!e.optimal) continue;
        ++proven;
        if (g.unmet.size() > e.unmet.size()) {
            ++fewer_closed;
            continue;
        }
        ++same_cover;
        const double gap = (g.total_hours - e.total_hours) / e.total_hours;
        same_hours += gap < 1e-9;
        sum_gap += gap;
        max_gap = std::max(max_gap, gap);
    }
    fmt::print("| {:>4g} h/month | {:>3} | {:>3} | {:>3} ({:.0f}%) | {:>3} | {:.2f}% | {:.1f}% | {}/{} | {:.2f} / {:.2f} ms |\n",
               budget, instances, proven, same_hours, 100.0 * same_hours / std::max(1, same_cover), fewer_closed,
               100.0 * sum_gap / std::max(1, same_cover), 100.0 * max_gap, bound_ok, instances,
               1e3 * exact_s / instances, 1e3 * greedy_s / instances);
}

/// Harder than the academy: many courses per skill, courses teaching two skills, tight budgets,
/// overlapping sessions (the generator of tests/cpp/test_path.cpp, larger).
void synthetic_gap_table(int instances, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto uniform = [&](std::int64_t lo, std::int64_t hi) {
        return lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
    };
    auto day = [](int y, unsigned m, unsigned d) { return days_from_civil(y, m, d) * 86400; };
    int proven = 0, same_cover = 0, fewer_closed = 0, same_hours = 0, bound_ok = 0;
    double sum_gap = 0.0, max_gap = 0.0;
    const char* skills[] = {"a", "b", "c", "d", "e"};
    for (int trial = 0; trial < instances; ++trial) {
        ranking::Catalogue cat;
        const auto n = static_cast<std::size_t>(uniform(10, 16));
        std::vector<float> hours(n);
        path::PlanOptions o;
        o.months = static_cast<int>(uniform(3, 6));
        o.hours_per_month = static_cast<double>(uniform(8, 16));
        o.exact_limit = 64;
        o.node_limit = 5'000'000;
        for (std::size_t c = 0; c < n; ++c) {
            auto& f = cat.courses.emplace_back();
            f.id = fmt::format("C{}", c);
            hours[c] = static_cast<float>(uniform(1, 16));
            for (int k = 0, m = static_cast<int>(uniform(1, 2)); k < m; ++k)
                f.skills.push_back({skills[uniform(0, 4)], static_cast<int>(uniform(1, 3))});
            if (c > 0 && uniform(0, 3) == 0)
                cat.prerequisites.push_back({static_cast<index_t>(c), static_cast<index_t>(uniform(0, static_cast<std::int64_t>(c) - 1))});
            if (uniform(0, 3) == 0)
                for (int k = 0, m = static_cast<int>(uniform(1, 3)); k < m; ++k) {
                    const auto start = day(2026, static_cast<unsigned>(uniform(1, o.months)), static_cast<unsigned>(uniform(1, 20))) + 8 * 3600;
                    cat.sessions.push_back({static_cast<index_t>(c), start, start + 86400 * uniform(0, 2) + 9 * 3600, "", 10, ""});
                }
        }
        if (uniform(0, 2) == 0)
            cat.obligations.push_back({static_cast<index_t>(uniform(0, static_cast<std::int64_t>(n) - 1)),
                                       ranking::ObligationScope::all, "",
                                       day(2026, static_cast<unsigned>(uniform(2, o.months)), 15)});
        path::PlanLearner learner;
        learner.facts.id = fmt::format("S{}", trial);
        for (int k = 0, m = static_cast<int>(uniform(3, 5)); k < m; ++k)
            learner.targets.push_back({skills[k], static_cast<int>(uniform(0, 1)), static_cast<int>(uniform(2, 3))});
        const auto e = path::plan_path(cat, hours, learner, o);
        o.exact_limit = 0;
        const auto g = path::plan_path(cat, hours, learner, o);
        bound_ok += g.lower_bound_hours <= g.total_hours + 1e-9;
        if (!e.optimal) continue;
        ++proven;
        if (g.unmet.size() > e.unmet.size()) {
            ++fewer_closed;
            continue;
        }
        ++same_cover;
        const double gap = e.total_hours > 0 ? (g.total_hours - e.total_hours) / e.total_hours : 0.0;
        same_hours += gap < 1e-9;
        sum_gap += gap;
        max_gap = std::max(max_gap, gap);
    }
    fmt::print("| synthetic | {:>3} | {:>3} | {:>3} ({:.0f}%) | {:>3} | {:.2f}% | {:.1f}% | {}/{} | |\n", instances, proven,
               same_hours, 100.0 * same_hours / std::max(1, same_cover), fewer_closed,
               100.0 * sum_gap / std::max(1, same_cover), 100.0 * max_gap, bound_ok, instances);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("learnrec learning-path benchmark");
    AcademyConfig config;
    config.learners = 100000;
    int threads = 2, gap_instances = 0;
    app.add_option("--learners", config.learners)->capture_default_str();
    app.add_option("--courses", config.courses)->capture_default_str();
    app.add_option("--seed", config.seed)->capture_default_str();
    app.add_option("--threads", threads)->capture_default_str();
    app.add_option("--gap-instances", gap_instances, "Instead: the heuristic gap table on this many learners");
    CLI11_PARSE(app, argc, argv);

    auto t0 = std::chrono::steady_clock::now();
    const Academy academy = generate_academy(config);
    const path::PlanningData d = path::academy_planning_data(academy);
    fmt::print("academy: {} learners x {} courses generated in {:.2f} s\n", config.learners, config.courses, since(t0));
    if (gap_instances > 0) {
        fmt::print("| budget | learners | proven optimal | greedy = optimum | greedy closes fewer gaps | mean hour gap | "
                   "max hour gap | bound <= greedy | exact / greedy per plan |\n|---|---|---|---|---|---|---|---|---|\n");
        for (const double budget : {8.0, 16.0, 24.0}) gap_table(d, gap_instances, budget);
        synthetic_gap_table(gap_instances, config.seed);
        return 0;
    }
    path::PlanOptions options;
    t0 = std::chrono::steady_clock::now();
    const std::clock_t cpu0 = std::clock();
    const path::TeamPlan team = path::plan_team(d, {}, options, path::TargetSource::review, threads);
    const double seconds = since(t0);
    const double cpu = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
    fmt::print("planned {} learners on {} threads in {:.2f} s ({:.0f} plans/s): {} steps, {:.0f} h, {} gaps unmet, "
               "{:.1f}% proven optimal, {} seat lines, {} coverage lines; {:.1f} s CPU (process, all threads)\n",
               team.learners.size(), threads, seconds, static_cast<double>(team.learners.size()) / seconds, team.steps,
               team.hours, team.unmet, 100.0 * static_cast<double>(team.optimal) / static_cast<double>(team.learners.size()),
               team.seats.size(), team.coverage.size(), cpu);
    return 0;
}
