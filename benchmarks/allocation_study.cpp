// learnrec — the academy allocation study (issue #20): the optimal allocation against
// "each learner's own top choice, first come first served", "down one's own list, first come first
// served" and "greedy by score", on the academy (100,000 learners x 5,000 courses by default).
// Prints a Markdown table; benchmarks/README.md has the command and the figures.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <numeric>
#include <random>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "learnrec/allocation/allocator.hpp"
#include "learnrec/allocation/market.hpp"
#include "learnrec/data/academy.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/ranking/academy.hpp"
#include "learnrec/ranking/calendar.hpp"

using namespace learnrec;
using namespace learnrec::allocation;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
/// Processor time of the whole process (all threads): on a shared machine, what the work cost.
double cpu_now() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }
double cpu_mark = 0.0;

/// Takes candidate k when it fits: a place left, the learner below the cap, no conflict.
struct Book {
    const Market& m;
    int cap;
    std::vector<std::uint8_t> chosen;
    std::vector<index_t> filled;
    std::vector<std::vector<index_t>> mine;
    Book(const Market& market, int max_per_learner)
        : m(market), cap(max_per_learner), chosen(market.candidates.size(), 0),
          filled(market.opportunities.size(), 0), mine(market.learners.size()) {}
    bool take(std::size_t k) {
        const auto& c = m.candidates[k];
        const auto& o = m.opportunities[static_cast<std::size_t>(c.opportunity)];
        auto& got = mine[static_cast<std::size_t>(c.learner)];
        if (filled[static_cast<std::size_t>(c.opportunity)] >= o.places || static_cast<int>(got.size()) >= cap) return false;
        for (const index_t x : got)
            if (conflicts(o, m.opportunities[static_cast<std::size_t>(x)])) return false;
        got.push_back(c.opportunity);
        ++filled[static_cast<std::size_t>(c.opportunity)];
        chosen[k] = 1;
        return true;
    }
};

/// Each learner's candidates by the learner's own preference (utility, best first).
std::vector<std::vector<std::size_t>> own_lists(const Market& m) {
    std::vector<std::vector<std::size_t>> lists(m.learners.size());
    for (std::size_t k = 0; k < m.candidates.size(); ++k) lists[static_cast<std::size_t>(m.candidates[k].learner)].push_back(k);
    for (auto& l : lists)
        std::stable_sort(l.begin(), l.end(), [&](std::size_t a, std::size_t b) { return m.candidates[a].utility > m.candidates[b].utility; });
    return lists;
}

std::vector<std::uint8_t> first_come(const Market& m, int cap, bool whole_list, std::uint64_t seed) {
    Book book(m, cap);
    const auto lists = own_lists(m);
    std::vector<std::size_t> arrival(m.learners.size());
    std::iota(arrival.begin(), arrival.end(), 0);
    std::shuffle(arrival.begin(), arrival.end(), std::mt19937_64(seed));
    for (const auto l : arrival) {
        const auto& list = lists[l];
        if (list.empty()) continue;
        if (!whole_list) {
            book.take(list.front());
            continue;
        }
        for (const auto k : list) book.take(k);
    }
    return book.chosen;
}

std::vector<std::uint8_t> greedy(const Market& m, int cap) {
    Book book(m, cap);
    std::vector<std::size_t> order(m.candidates.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return m.candidates[a].utility > m.candidates[b].utility; });
    for (const auto k : order) book.take(k);
    return book.chosen;
}

index_t most_mandatory = 0;  // the most mandatory placements the seats allow (set in main)

void report(const std::string& name, const Market& m, const std::vector<std::uint8_t>& chosen, double seconds) {
    const double cpu = cpu_now() - cpu_mark;
    std::vector<index_t> filled(m.opportunities.size(), 0);
    std::vector<std::uint8_t> served(m.learners.size(), 0), has(m.learners.size(), 0), needs(m.learners.size(), 0),
        got_mandatory(m.learners.size(), 0), demanded(m.opportunities.size(), 0);
    double utility = 0.0;
    for (std::size_t k = 0; k < m.candidates.size(); ++k) {
        const auto& c = m.candidates[k];
        const auto l = static_cast<std::size_t>(c.learner);
        has[l] = 1;
        demanded[static_cast<std::size_t>(c.opportunity)] = 1;
        if (c.priority == Priority::mandatory) needs[l] = 1;
        if (!chosen[k]) continue;
        served[l] = 1;
        ++filled[static_cast<std::size_t>(c.opportunity)];
        utility += c.utility;
        if (c.priority == Priority::mandatory) got_mandatory[l] = 1;
    }
    std::int64_t seats = 0, taken = 0;
    for (std::size_t o = 0; o < m.opportunities.size(); ++o)
        if (demanded[o]) {
            seats += m.opportunities[o].places;
            taken += filled[o];
        }
    std::vector<std::uint8_t> left_out(m.learners.size(), 0);  // nothing, though a candidate place stayed free
    for (const auto& c : m.candidates) {
        const auto l = static_cast<std::size_t>(c.learner);
        if (!served[l] && filled[static_cast<std::size_t>(c.opportunity)] < m.opportunities[static_cast<std::size_t>(c.opportunity)].places)
            left_out[l] = 1;
    }
    const auto count = [](const std::vector<std::uint8_t>& v) { return std::accumulate(v.begin(), v.end(), 0.0); };
    fmt::print("| {} | {:.1f} % | {:.0f} | {:.1f} % ({:.0f} of {}) | {:.1f} % ({:.0f}) | {:.1f} % | {:.2f} % | {:.2f} | {:.2f} |\n", name,
               100.0 * static_cast<double>(taken) / static_cast<double>(std::max<std::int64_t>(1, seats)), utility,
               100.0 * count(got_mandatory) / std::max(1.0, static_cast<double>(most_mandatory)), count(got_mandatory),
               most_mandatory, 100.0 * count(got_mandatory) / std::max(1.0, count(needs)), count(needs),
               100.0 * count(served) / std::max(1.0, count(has)), 100.0 * count(left_out) / std::max(1.0, count(has)),
               seconds, cpu);
    std::fflush(stdout);
    cpu_mark = cpu_now();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("learnrec allocation study on the academy");
    AcademyConfig config;
    config.learners = 100000;
    config.courses = 5000;
    AllocationRules rules;
    rules.num_threads = 2;
    int factors = 32, iterations = 5;
    std::string now_text = "2026-01-01";
    app.add_option("--learners", config.learners)->capture_default_str();
    app.add_option("--courses", config.courses)->capture_default_str();
    app.add_option("--seed", config.seed)->capture_default_str();
    app.add_option("--threads", rules.num_threads)->capture_default_str();
    app.add_option("--factors", factors)->capture_default_str();
    app.add_option("--iterations", iterations)->capture_default_str();
    app.add_option("--max-per-learner", rules.max_per_learner)->capture_default_str();
    app.add_option("--candidates", rules.candidates_per_learner)->capture_default_str();
    app.add_option("--horizon-days", rules.horizon_days)->capture_default_str();
    app.add_option("--fairness", rules.fairness, "fairness of the second optimal run")->capture_default_str();
    app.add_option("--bound-steps", rules.bound_steps, "subgradient steps of the upper bound")->capture_default_str();
    app.add_option("--mip-max-candidates", rules.mip_max_candidates, "largest part CBC solves")->capture_default_str();
    app.add_option("--now", now_text)->capture_default_str();
    std::size_t min_opportunities = 20000;
    app.add_option("--opportunities", min_opportunities,
                   "open opportunities wanted in the horizon: the academy's sessions are repeated in later weeks "
                   "(same course, place and seats) until there are this many")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    if (rules.fairness == 0.0) rules.fairness = 1.0;
    const timestamp_t now = *parse_timestamp(now_text);

    auto t0 = Clock::now();
    const Academy academy = generate_academy(config);
    fmt::print("academy: {} learners, {} courses, {} sessions, {} gigs and work packages ({:.1f} s)\n",
               academy.learners.size(), academy.courses.size(), academy.sessions.size(), academy.opportunities.size(),
               since(t0));
    t0 = Clock::now();
    AlsConfig als;
    als.factors = factors;
    als.iterations = iterations;
    als.num_threads = rules.num_threads;
    auto model = std::make_shared<const AlsModel>(fit_als(academy.interactions.matrix.view(), als));
    fmt::print("ALS: {} factors, {} iterations ({:.1f} s)\n", factors, iterations, since(t0));
    auto in = ranking::academy_ranking_inputs(academy);
    {
        // The size: 20,000 places to allocate. The academy generates ~1.5 sessions per course;
        // more weeks of the same sessions (same course, location, seats) make up the rest.
        const timestamp_t horizon = now + rules.horizon_days * ranking::kSecondsPerDay;
        auto open_now = [&] {
            std::size_t n = academy.opportunities.size();
            for (const auto& s : in.catalogue.sessions) n += s.capacity > 0 && s.start >= now && s.start <= horizon;
            return n;
        };
        const auto base = in.catalogue.sessions;
        std::size_t have = open_now();
        for (int week = 1; have < min_opportunities && week < 52; ++week)
            for (const auto& s : base) {
                if (have >= min_opportunities) break;
                auto copy = s;
                const timestamp_t shift = week * 7 * ranking::kSecondsPerDay;
                copy.start += shift;
                copy.end += shift;
                if (copy.start > horizon) {  // wrap into the horizon
                    copy.start -= (horizon - now);
                    copy.end -= (horizon - now);
                }
                if (copy.start < now || copy.start > horizon || copy.capacity <= 0) continue;
                copy.id = fmt::format("{}-w{}", s.id, week);
                in.catalogue.sessions.push_back(std::move(copy));
                ++have;
            }
        fmt::print("sessions: {} generated, {} after repeating them in later weeks\n", base.size(),
                   in.catalogue.sessions.size());
    }
    const ranking::Ranker ranker(model, std::move(in.catalogue), std::move(in.learners), std::move(in.history));
    const std::vector<Opportunity> gigs = academy_opportunities(academy);
    std::vector<index_t> everyone(academy.learners.size());
    std::iota(everyone.begin(), everyone.end(), 0);
    ranking::RankingRules ranking_rules;
    ranking_rules.gap_boost = 0.5f;
    double cpu0 = cpu_now();
    const Market m = build_market(ranker, everyone, gigs, now, ranking_rules, rules);
    const double market_cpu = cpu_now() - cpu0;
    std::int64_t open = 0;
    std::size_t open_opps = 0;
    const timestamp_t horizon = now + rules.horizon_days * ranking::kSecondsPerDay;
    for (const auto& o : m.opportunities)
        if (o.places > 0 && o.start >= now && o.start <= horizon) {
            open += o.places;
            ++open_opps;
        }
    fmt::print("market: {} candidates for {} learners; {} opportunities open in the horizon with {} places "
               "({:.2f} s wall, {:.2f} s cpu on {} threads, ranking included)\n\n",
               m.candidates.size(), m.learners.size(), open_opps, open, m.seconds, market_cpu, rules.num_threads);
    std::fflush(stdout);

    fmt::print("max {} place(s) per learner, top-{} candidates per learner\n\n", rules.max_per_learner,
               rules.candidates_per_learner);
    {
        // The most mandatory placements the seats allow: the optimum over the mandatory candidates alone.
        std::vector<Candidate> only;
        for (const auto& c : m.candidates)
            if (c.priority == Priority::mandatory) only.push_back(c);
        AllocationRules one = rules;
        one.fairness = 0.0;
        most_mandatory = allocate(static_cast<index_t>(m.learners.size()), m.opportunities, only, one).assigned;
    }
    fmt::print("| method | seats filled (of places asked for) | total utility | mandatory served before due (of what the seats allow) | (of learners with a mandatory candidate) | learners served (of those with candidates) | got nothing though a candidate place stayed free | wall s | cpu s |\n");
    fmt::print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    cpu_mark = cpu_now();
    t0 = Clock::now();
    auto fcfs_top = first_come(m, rules.max_per_learner, false, 1);
    report("own top choice, first come first served", m, fcfs_top, since(t0));
    t0 = Clock::now();
    auto fcfs = first_come(m, rules.max_per_learner, true, 1);
    report("down one's own list, first come first served", m, fcfs, since(t0));
    t0 = Clock::now();
    auto g = greedy(m, rules.max_per_learner);
    report("greedy by score", m, g, since(t0));
    AllocationRules plain = rules;
    plain.fairness = 0.0;
    const Allocation a = allocate(static_cast<index_t>(m.learners.size()), m.opportunities, m.candidates, plain);
    report("learnrec allocate (min-cost flow)", m, a.chosen, a.seconds);
    const Allocation f = allocate(static_cast<index_t>(m.learners.size()), m.opportunities, m.candidates, rules);
    report(fmt::format("learnrec allocate, fairness {}", rules.fairness), m, f.chosen, f.seconds);
    // Without priority tiers: the utility-only optimum, for comparison with greedy by score.
    Market flat = m;
    for (auto& c : flat.candidates) c.priority = Priority::preference;
    const Allocation u = allocate(static_cast<index_t>(m.learners.size()), flat.opportunities, flat.candidates, plain);
    report("learnrec allocate without priority tiers", m, u.chosen, u.seconds);
    fmt::print("\nmost mandatory placements the seats allow (mandatory candidates alone): {}\n", most_mandatory);
    for (const auto* x : {&a, &f, &u})
        fmt::print("solver: {} inexact conflict groups, {} open learners, {} learners in {} MIP parts, MIP {:.2f} s wall, "
                   "{}, utility steps {}, {:.2f} s wall; objective {} <= bound {} ({} flow solves): mandatory {}, "
                   "skill-gap headroom {}, weight gap {:.4f} %\n",
                   x->inexact_groups, x->open_learners, x->mip_learners, x->mip_parts, x->mip_seconds,
                   x->proven_optimal ? "proven optimal" : "NOT proven optimal", x->utility_steps, x->seconds,
                   x->objective, x->objective_bound, x->bound_solves, x->mandatory_proven ? "proven" : "NOT proven",
                   x->skill_gap_headroom,
                   100.0 * x->weight_gap);
    return 0;
}
