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

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "learnrec/data/academy.hpp"
#include "learnrec/path/inputs.hpp"
#include "learnrec/path/team.hpp"
#include "bench_clock.hpp"

using namespace learnrec;

namespace {

double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Process CPU time (user + sys, every thread), seconds.
/// Wall and CPU time of one phase, printed as "name: W s wall, C s CPU".
struct Phase {
    const char* name;
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    double cpu0 = bench::process_cpu_seconds();
    double wall() const { return since(t0); }
    double cpu() const { return bench::process_cpu_seconds() - cpu0; }
    void print() const { fmt::print("  {}: {:.2f} s wall, {:.2f} s CPU\n", name, wall(), cpu()); }
};

void gap_table(const path::PlanningData& d, int instances, double budget) {
    path::PlanOptions exact_o;
    exact_o.hours_per_month = budget;
    exact_o.exact_limit = 64;
    exact_o.node_limit = 2'000'000;
    exact_o.options_per_gap = 1000;  // the optimum over every option
    path::PlanOptions greedy_o = exact_o;
    greedy_o.exact_limit = 0;
    greedy_o.options_per_gap = path::PlanOptions{}.options_per_gap;  // the heuristic as planned in production
    int proven = 0, same_cover = 0, fewer_closed = 0, same_hours = 0, bound_ok = 0;
    double sum_gap = 0.0, max_gap = 0.0, exact_s = 0.0, greedy_s = 0.0;
    const timestamp_t start = path::month_start(exact_o, 0);
    // Learners with something to plan, evenly spread over the academy.
    const auto n = d.learners.size();
    for (index_t l = 0, seen = 0; l < n && seen < instances; ++l) {
        const auto learner = path::planning_learner(d, (l * 7919) % n, start);
        auto t0 = std::chrono::steady_clock::now();
        const auto e = path::plan_path(d.catalogue, d.course_hours, learner, exact_o, {}, d.opportunities);
        exact_s += since(t0);
        if (e.steps.empty()) continue;
        ++seen;
        t0 = std::chrono::steady_clock::now();
        const auto g = path::plan_path(d.catalogue, d.course_hours, learner, greedy_o, {}, d.opportunities);
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
        o.options_per_gap = 1000;
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
        o.options_per_gap = path::PlanOptions{}.options_per_gap;
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
    path::PlanOptions options;
    app.add_option("--learners", config.learners)->capture_default_str();
    app.add_option("--courses", config.courses)->capture_default_str();
    app.add_option("--seed", config.seed)->capture_default_str();
    app.add_option("--threads", threads)->capture_default_str();
    app.add_option("--gap-instances", gap_instances, "Instead: the heuristic gap table on this many learners");
    app.add_option("--hours-per-month", options.hours_per_month)->capture_default_str();
    app.add_option("--hours-per-quarter", options.hours_per_quarter)->capture_default_str();
    app.add_option("--options-per-gap", options.options_per_gap)->capture_default_str();
    app.add_option("--exact-limit", options.exact_limit)->capture_default_str();
    app.add_option("--gig-hours-per-week", options.gig_hours_per_week, "0 = plan without gigs")->capture_default_str();
    app.add_option("--work-package-hours-per-week", options.work_package_hours_per_week, "0 = without work packages")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    const Phase all{"whole run"};
    Phase gen{"academy generation (serial)"};
    const Academy academy = generate_academy(config);
    gen.print();
    Phase inputs{"planning data from the academy (serial)"};
    const path::PlanningData d = path::academy_planning_data(academy);
    inputs.print();
    fmt::print("academy: {} learners x {} courses, {} gigs and work packages\n", config.learners, config.courses,
               d.opportunities.size());
    if (gap_instances > 0) {
        fmt::print("| budget | learners | proven optimal | greedy = optimum | greedy closes fewer gaps | mean hour gap | "
                   "max hour gap | bound <= greedy | exact / greedy per plan |\n|---|---|---|---|---|---|---|---|---|\n");
        for (const double budget : {8.0, 16.0, 24.0}) gap_table(d, gap_instances, budget);
        synthetic_gap_table(gap_instances, config.seed);
        return 0;
    }
    const Phase planning{"plan_team"};
    const path::TeamPlan team = path::plan_team(d, {}, options, path::TargetSource::review, threads);
    const double seconds = planning.wall(), cpu = planning.cpu();
    std::size_t cut = 0;
    std::int64_t nodes = 0;
    for (const auto& p : team.plans) {
        cut += p.options_cut;
        nodes += p.nodes;
    }
    const double n = static_cast<double>(team.learners.size());
    fmt::print("planned {} learners on {} threads in {:.2f} s wall, {:.2f} s CPU (process, all threads; CPU/wall {:.2f}) "
               "({:.0f} plans/s): {} steps ({} gigs and work packages), {:.0f} h, {} gaps unmet, {:.1f}% proven optimal, "
               "{:.1f}% with options cut, {:.0f} search nodes per plan, {} seat lines, {} coverage lines\n",
               team.learners.size(), threads, seconds, cpu, cpu / seconds, n / seconds, team.steps, team.opportunities,
               team.hours, team.unmet, 100.0 * static_cast<double>(team.optimal) / n, 100.0 * static_cast<double>(cut) / n,
               static_cast<double>(nodes) / n, team.seats.size(), team.coverage.size());
    all.print();
    return 0;
}
