// Allocation of scarce places: feasibility, priorities, optimality against brute force, input errors.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <tuple>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "learnrec/allocation/allocator.hpp"
#include "learnrec/allocation/files.hpp"
#include "learnrec/allocation/fit.hpp"
#include "learnrec/allocation/market.hpp"
#include "learnrec/allocation/opportunity.hpp"
#include "learnrec/allocation/report.hpp"
#include "learnrec/data/academy.hpp"
#include "learnrec/campaign/campaign.hpp"
#include "learnrec/error.hpp"
#include "learnrec/io/model_file.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/model/popularity.hpp"
#include "learnrec/ranking/academy.hpp"
#include "learnrec/ranking/files.hpp"
#include "learnrec/ranking/ranker.hpp"

using namespace learnrec;
using namespace learnrec::allocation;

namespace {

constexpr timestamp_t kDay = 86400;

Opportunity place(std::string id, int places, timestamp_t start_day, timestamp_t days = 1, index_t course = -1) {
    Opportunity o;
    o.id = std::move(id);
    o.kind = course >= 0 ? OpportunityKind::session : OpportunityKind::gig;
    o.course = course;
    o.places = places;
    o.start = start_day * kDay;
    o.end = (start_day + days) * kDay - 1;
    return o;
}

struct Instance {
    index_t learners = 0;
    std::vector<Opportunity> opportunities;
    std::vector<Candidate> candidates;
};

/// Opportunities in a few time slots (same slot = same dates), so a learner's conflicts are cliques.
Instance random_instance(std::mt19937_64& rng, index_t learners, index_t opportunities, int max_candidates) {
    Instance in;
    in.learners = learners;
    for (index_t o = 0; o < opportunities; ++o) {
        const auto slot = static_cast<timestamp_t>(rng() % 3);
        in.opportunities.push_back(place(fmt::format("O{}", o), static_cast<int>(rng() % 3), 10 * slot, 3,
                                         rng() % 4 == 0 ? o : -1));
    }
    for (index_t l = 0; l < learners; ++l) {
        std::vector<index_t> opps(static_cast<std::size_t>(opportunities));
        std::iota(opps.begin(), opps.end(), 0);
        std::shuffle(opps.begin(), opps.end(), rng);
        const int m = 1 + static_cast<int>(rng() % static_cast<unsigned>(max_candidates));
        for (int k = 0; k < m && k < opportunities; ++k)
            in.candidates.push_back({l, opps[static_cast<std::size_t>(k)], static_cast<double>(rng() % 100) / 10.0,
                                     static_cast<Priority>(rng() % 5 == 0 ? 0 : rng() % 3 == 0 ? 1 : 2)});
    }
    return in;
}

bool feasible(const Instance& in, const std::vector<std::uint8_t>& chosen, int max_per_learner) {
    std::vector<int> filled(in.opportunities.size(), 0);
    std::vector<std::vector<index_t>> mine(static_cast<std::size_t>(in.learners));
    for (std::size_t k = 0; k < chosen.size(); ++k) {
        if (!chosen[k]) continue;
        const auto& c = in.candidates[k];
        if (++filled[static_cast<std::size_t>(c.opportunity)] > in.opportunities[static_cast<std::size_t>(c.opportunity)].places)
            return false;
        for (const index_t o : mine[static_cast<std::size_t>(c.learner)])
            if (conflicts(in.opportunities[static_cast<std::size_t>(o)],
                          in.opportunities[static_cast<std::size_t>(c.opportunity)]))
                return false;
        mine[static_cast<std::size_t>(c.learner)].push_back(c.opportunity);
        if (static_cast<int>(mine[static_cast<std::size_t>(c.learner)].size()) > max_per_learner) return false;
    }
    return true;
}

/// The solver's objective: (mandatory count, skill-gap count, sum of weights + fairness bonus x learners served).
std::tuple<int, int, std::int64_t> objective(const Instance& in, const std::vector<std::uint8_t>& chosen,
                                             const AllocationRules& rules) {
    double max_u = 0.0;
    for (const auto& c : in.candidates) max_u = std::max(max_u, c.utility);
    int mandatory = 0, gap = 0;
    std::int64_t sum = 0;
    std::vector<std::uint8_t> served(static_cast<std::size_t>(in.learners), 0);
    for (std::size_t k = 0; k < chosen.size(); ++k) {
        if (!chosen[k]) continue;
        const auto& c = in.candidates[k];
        mandatory += c.priority == Priority::mandatory;
        gap += c.priority == Priority::skill_gap;
        sum += quantised_weight(c.utility, max_u, rules.utility_steps);
        served[static_cast<std::size_t>(c.learner)] = 1;
    }
    const auto bonus = static_cast<std::int64_t>(std::llround(rules.fairness * rules.utility_steps));
    for (const auto s : served) sum += s * bonus;
    return {mandatory, gap, sum};
}

std::tuple<int, int, std::int64_t> brute_force(const Instance& in, const AllocationRules& rules) {
    const std::size_t n = in.candidates.size();
    std::tuple<int, int, std::int64_t> best{0, 0, 0};
    std::vector<std::uint8_t> chosen(n);
    for (std::uint64_t mask = 0; mask < (1ULL << n); ++mask) {
        for (std::size_t k = 0; k < n; ++k) chosen[k] = (mask >> k) & 1;
        if (feasible(in, chosen, rules.max_per_learner)) best = std::max(best, objective(in, chosen, rules));
    }
    return best;
}

void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

std::filesystem::path temp_dir(const std::string& name) {
    auto d = std::filesystem::temp_directory_path() / ("learnrec_alloc_" + name + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
}

}  // namespace

TEST_CASE("allocation never over-fills a place nor gives a learner more than the set number", "[allocation]") {
    std::mt19937_64 rng(7);
    for (int trial = 0; trial < 20; ++trial) {
        const Instance in = random_instance(rng, 40, 12, 6);
        AllocationRules rules;
        rules.max_per_learner = 1 + trial % 3;
        const Allocation a = allocate(in.learners, in.opportunities, in.candidates, rules);
        REQUIRE(feasible(in, a.chosen, rules.max_per_learner));
        for (std::size_t o = 0; o < in.opportunities.size(); ++o)
            REQUIRE(a.filled[o] <= in.opportunities[o].places);
    }
}

TEST_CASE("allocation gives no learner two overlapping places nor two sessions of one course", "[allocation]") {
    // One learner, three places: A and B overlap, C is another session of A's course.
    std::vector<Opportunity> opps{place("A", 5, 0, 3, 0), place("B", 5, 1, 3), place("C", 5, 20, 1, 0),
                                  place("D", 5, 30, 1)};
    // A clashes with B (dates) and with C (same course); B and C do not: the best is B + C + D.
    std::vector<Candidate> cands{{0, 0, 3.0}, {0, 1, 2.0}, {0, 2, 2.5}, {0, 3, 1.0}};
    AllocationRules rules;
    rules.max_per_learner = 4;
    const Allocation a = allocate(1, opps, cands, rules);
    CHECK(a.chosen == std::vector<std::uint8_t>{0, 1, 1, 1});
    // A and B alone (a clique): one of them, the better.
    const Allocation two = allocate(1, {opps[0], opps[1]}, std::vector<Candidate>{{0, 0, 3.0}, {0, 1, 2.0}}, rules);
    CHECK(two.chosen == std::vector<std::uint8_t>{1, 0});
    CHECK(two.inexact_groups == 0);
}

TEST_CASE("mandatory before due date first, then skill gaps, then preference", "[allocation]") {
    std::vector<Opportunity> opps{place("S", 1, 0)};
    std::vector<Candidate> cands{{0, 0, 9.0, Priority::preference},
                                 {1, 0, 0.1, Priority::mandatory},
                                 {2, 0, 5.0, Priority::skill_gap}};
    CHECK(allocate(3, opps, cands).chosen == std::vector<std::uint8_t>{0, 1, 0});
    cands[1].priority = Priority::preference;
    CHECK(allocate(3, opps, cands).chosen == std::vector<std::uint8_t>{0, 0, 1});
    // Tiers are lexicographic: one mandatory place outweighs any number of preferences.
    std::vector<Opportunity> two{place("X", 1, 0), place("Y", 1, 5)};
    std::vector<Candidate> c2{{0, 0, 1.0, Priority::mandatory}, {1, 0, 9.0}, {1, 1, 9.0}, {2, 1, 9.0}};
    const Allocation a = allocate(3, two, c2);
    CHECK(a.chosen[0] == 1);
}

TEST_CASE("allocation is optimal against brute force on small random instances", "[allocation]") {
    std::mt19937_64 rng(2026);
    for (int trial = 0; trial < 150; ++trial) {
        const index_t learners = 2 + static_cast<index_t>(rng() % 4);
        Instance in = random_instance(rng, learners, 2 + static_cast<index_t>(rng() % 4), 4);
        while (in.candidates.size() > 13) in.candidates.pop_back();
        AllocationRules rules;
        rules.max_per_learner = 1 + static_cast<int>(rng() % 3);
        rules.fairness = trial % 3 == 0 ? 2.0 : 0.0;
        rules.utility_steps = 50;
        const Allocation a = allocate(in.learners, in.opportunities, in.candidates, rules);
        INFO("trial " << trial);
        REQUIRE(a.inexact_groups == 0);
        REQUIRE(feasible(in, a.chosen, rules.max_per_learner));
        REQUIRE(objective(in, a.chosen, rules) == brute_force(in, rules));
    }
}

/// Opportunities at random days and lengths, so one learner's clashes are often chains (A-B-C), not cliques.
Instance random_interval_instance(std::mt19937_64& rng, index_t learners, index_t opportunities, int max_candidates) {
    Instance in;
    in.learners = learners;
    for (index_t o = 0; o < opportunities; ++o)
        in.opportunities.push_back(place(fmt::format("O{}", o), static_cast<int>(rng() % 3),
                                         static_cast<timestamp_t>(rng() % 8), 1 + static_cast<timestamp_t>(rng() % 3),
                                         rng() % 6 == 0 ? o : -1));
    for (index_t l = 0; l < learners; ++l) {
        std::vector<index_t> opps(static_cast<std::size_t>(opportunities));
        std::iota(opps.begin(), opps.end(), 0);
        std::shuffle(opps.begin(), opps.end(), rng);
        const int m = 1 + static_cast<int>(rng() % static_cast<unsigned>(max_candidates));
        for (int k = 0; k < m && k < opportunities; ++k)
            in.candidates.push_back({l, opps[static_cast<std::size_t>(k)], static_cast<double>(rng() % 100) / 10.0,
                                     static_cast<Priority>(rng() % 5 == 0 ? 0 : rng() % 3 == 0 ? 1 : 2)});
    }
    return in;
}

TEST_CASE("allocation is proven optimal against brute force when a learner's clashes are not cliques", "[allocation]") {
    // bound_steps 0: the clash-free relaxation alone rarely meets the answer, so CBC decides; 8: the
    // Lagrangian bound often proves the flow + repair answer optimal without CBC.
    const int bound_steps = GENERATE(0, 8);
    std::mt19937_64 rng(20);
    int with_mip = 0, proven_by_bound = 0;
    for (int trial = 0; trial < 300; ++trial) {
        const index_t learners = 1 + static_cast<index_t>(rng() % 4);
        Instance in = random_interval_instance(rng, learners, 3 + static_cast<index_t>(rng() % 4), 6);
        while (in.candidates.size() > 13) in.candidates.pop_back();
        AllocationRules rules;
        rules.max_per_learner = 2 + static_cast<int>(rng() % 2);
        rules.fairness = trial % 4 == 0 ? 3.0 : 0.0;
        rules.utility_steps = 50;
        rules.bound_steps = bound_steps;
        const Allocation a = allocate(in.learners, in.opportunities, in.candidates, rules);
        INFO("trial " << trial << ", bound_steps " << bound_steps);
        with_mip += a.mip_parts > 0;
        proven_by_bound += a.open_learners > 0 && a.mip_parts == 0;
        REQUIRE(a.proven_optimal);
        REQUIRE(a.objective_bound == a.objective);
        REQUIRE(feasible(in, a.chosen, rules.max_per_learner));
        REQUIRE(objective(in, a.chosen, rules) == brute_force(in, rules));
        std::vector<index_t> filled(in.opportunities.size(), 0);
        for (std::size_t k = 0; k < a.chosen.size(); ++k) filled[static_cast<std::size_t>(in.candidates[k].opportunity)] += a.chosen[k];
        REQUIRE(filled == a.filled);
    }
    if (bound_steps == 0) CHECK(with_mip >= 30);  // the MIP path was really taken, not only the flow
    if (bound_steps > 0) CHECK(proven_by_bound >= 50);  // and the bound really closed gaps
}

TEST_CASE("the reported upper bound is at least the brute-force optimum and the returned objective", "[allocation]") {
    std::mt19937_64 rng(33);
    int open = 0, gaps = 0;
    for (int trial = 0; trial < 400; ++trial) {
        const index_t learners = 1 + static_cast<index_t>(rng() % 4);
        Instance in = random_interval_instance(rng, learners, 3 + static_cast<index_t>(rng() % 4), 6);
        while (in.candidates.size() > 13) in.candidates.pop_back();
        AllocationRules rules;
        rules.max_per_learner = 2 + static_cast<int>(rng() % 2);
        rules.fairness = trial % 4 == 0 ? 3.0 : 0.0;
        rules.utility_steps = 50;
        rules.bound_steps = static_cast<int>(rng() % 4);  // few steps: bounds that are often not tight
        rules.mip_max_candidates = 0;  // no CBC: the answer is the flow + repair, or a clash-free relaxed answer
        const Allocation a = allocate(in.learners, in.opportunities, in.candidates, rules);
        INFO("trial " << trial);
        REQUIRE(a.utility_steps == rules.utility_steps);
        REQUIRE(feasible(in, a.chosen, rules.max_per_learner));
        const auto [m, g, low] = objective(in, a.chosen, rules);
        REQUIRE(a.objective == m * a.mandatory_bonus + g * a.skill_gap_bonus + low);
        const auto [best_m, best_g, best_low] = brute_force(in, rules);
        const std::int64_t optimum = best_m * a.mandatory_bonus + best_g * a.skill_gap_bonus + best_low;
        REQUIRE(a.objective <= optimum);
        REQUIRE(a.objective_bound >= optimum);
        if (a.mandatory_proven) REQUIRE(m == best_m);
        if (m == best_m) REQUIRE(best_g - g <= a.skill_gap_headroom);
        if (a.tiers_proven) {
            REQUIRE(m == best_m);
            REQUIRE(g == best_g);
            REQUIRE(static_cast<double>(best_low - low) <= a.weight_gap * static_cast<double>(low) + 1e-9);
        }
        REQUIRE(a.proven_optimal == (a.objective_bound == a.objective));
        open += a.open_learners > 0;
        gaps += a.objective_bound > a.objective;
    }
    CHECK(open >= 100);
    CHECK(gaps >= 20);  // the bound was really above the answer, not only equal to it
}

TEST_CASE("a part too large for the MIP keeps the flow's answer and is not called proven", "[allocation]") {
    std::vector<Opportunity> opps{place("A", 1, 0, 2), place("B", 1, 1, 2), place("C", 1, 2, 2)};
    std::vector<Candidate> cands{{0, 0, 2.0}, {0, 1, 3.0}, {0, 2, 2.0}};
    AllocationRules rules;
    rules.max_per_learner = 3;
    rules.mip_max_candidates = 2;
    rules.bound_steps = 0;  // the clash-free relaxation (7) stays above the answer (A + C: 4)
    const Allocation a = allocate(1, opps, cands, rules);
    CHECK(a.open_learners == 1);
    CHECK(a.mip_parts == 0);
    CHECK_FALSE(a.proven_optimal);
    CHECK(a.objective_bound > a.objective);
    rules.mip_max_candidates = 100;
    const Allocation b = allocate(1, opps, cands, rules);
    CHECK(b.mip_parts == 1);
    CHECK(b.mip_learners == 1);
    CHECK(b.proven_optimal);
}

TEST_CASE("conflicts that are not cliques are counted and re-chosen per learner", "[allocation]") {
    // A overlaps B, B overlaps C, A and C do not overlap: the best is A + C.
    std::vector<Opportunity> opps{place("A", 1, 0, 2), place("B", 1, 1, 2), place("C", 1, 2, 2)};
    std::vector<Candidate> cands{{0, 0, 2.0}, {0, 1, 3.0}, {0, 2, 2.0}};
    AllocationRules rules;
    rules.max_per_learner = 3;
    const Allocation a = allocate(1, opps, cands, rules);
    CHECK(a.inexact_groups == 1);
    CHECK(a.chosen == std::vector<std::uint8_t>{1, 0, 1});
}

TEST_CASE("fairness serves more learners once before serving anyone twice", "[allocation]") {
    std::vector<Opportunity> opps{place("A", 1, 0), place("B", 1, 5)};
    // Learner 0 likes both a lot, learner 1 likes B a little.
    std::vector<Candidate> cands{{0, 0, 1.0}, {0, 1, 1.0}, {1, 1, 0.1}};
    AllocationRules rules;
    rules.max_per_learner = 2;
    CHECK(allocate(2, opps, cands, rules).chosen == std::vector<std::uint8_t>{1, 1, 0});
    rules.fairness = 2.0;
    CHECK(allocate(2, opps, cands, rules).chosen == std::vector<std::uint8_t>{1, 0, 1});
}

TEST_CASE("allocation rejects inconsistent input naming what is wrong", "[allocation]") {
    std::vector<Opportunity> opps{place("A", 1, 0)};
    std::vector<Candidate> ok{{0, 0, 1.0}};
    opps[0].places = -1;
    CHECK_THROWS_WITH(allocate(1, opps, ok), Catch::Contains("'A' has -1 places"));
    opps[0].places = 1;
    opps[0].end = opps[0].start - 1;
    CHECK_THROWS_WITH(allocate(1, opps, ok), Catch::Contains("'A' ends before it starts"));
    opps[0].end = opps[0].start;
    std::vector<Candidate> twice{{0, 0, 1.0}, {0, 0, 2.0}};
    CHECK_THROWS_WITH(allocate(1, opps, twice), Catch::Contains("twice"));
    std::vector<Candidate> unknown{{0, 3, 1.0}};
    CHECK_THROWS_WITH(allocate(1, opps, unknown), Catch::Contains("opportunity 3 of 1"));
    std::vector<Candidate> nan{{0, 0, std::nan("")}};
    CHECK_THROWS_WITH(allocate(1, opps, nan), Catch::Contains("finite and >= 0"));
}

TEST_CASE("opportunities.csv errors name the file and the line", "[allocation]") {
    const auto dir = temp_dir("opps");
    const auto p = dir / "opportunities.csv";
    const std::string header = "opportunity_id,kind,start,places,duration_days,country,required_skills,taught_skills\n";
    write(p, header + "G1,gig,2026-03-01,1,5,,python:2,ml:1\nG2,gig,2026-03-01,-2,5,,,\n");
    CHECK_THROWS_WITH(read_opportunities_csv(p), Catch::Contains("opportunities.csv:3") && Catch::Contains("negative"));
    write(p, header + "G1,party,2026-03-01,1,5,,,\n");
    CHECK_THROWS_WITH(read_opportunities_csv(p), Catch::Contains("opportunities.csv:2") && Catch::Contains("party"));
    write(p, "opportunity_id,kind,start,end,places\nW1,work_package,2026-03-01,2026-02-01,1\n");
    CHECK_THROWS_WITH(read_opportunities_csv(p), Catch::Contains("opportunities.csv:2") && Catch::Contains("ends before"));
    write(p, header + "G1,gig,2026-03-01,1,5,,python:0,\n");
    CHECK_THROWS_WITH(read_opportunities_csv(p), Catch::Contains("opportunities.csv:2") && Catch::Contains("below 1"));
    write(p, header + "G1,gig,2026-03-01,2,120,France,python:2;sql:1,ml:2\n");
    const auto opps = read_opportunities_csv(p);
    REQUIRE(opps.size() == 1);
    CHECK(opps[0].kind == OpportunityKind::gig);
    CHECK(opps[0].required.size() == 2);
    CHECK(opps[0].end - opps[0].start == 120 * kDay - 1);
    // Written and read back unchanged.
    write_opportunities_csv(dir / "copy.csv", opps);
    const auto again = read_opportunities_csv(dir / "copy.csv");
    CHECK(again[0].id == "G1");
    CHECK(again[0].end == opps[0].end);
    CHECK(again[0].taught[0].skill == "ml");
    std::filesystem::remove_all(dir);
}

TEST_CASE("sessions.csv: session ids read, derived when missing; bad rows name file and line", "[allocation]") {
    const auto dir = temp_dir("sess");
    const IdMap courses(std::vector<std::string>{"C1", "C2"});
    const IdMap learners(std::vector<std::string>{"L1"});
    write(dir / "sessions.csv",
          "course_id,start,end,capacity\nC1,2026-03-02,2026-03-03,10\nC1,2026-03-02,2026-03-02,5\nC2,2026-04-01,2026-04-01,3\n");
    auto data = ranking::read_catalogue_dir(dir, courses, learners);
    auto opps = session_opportunities(data.catalogue);
    REQUIRE(opps.size() == 3);
    CHECK(opps[0].id == "C1@2026-03-02");
    CHECK(opps[1].id == "C1@2026-03-02#2");
    CHECK(opps[2].id == "C2@2026-04-01");
    CHECK(ranking::derived_session_id(data.catalogue, 1) == "C1@2026-03-02#2");
    write(dir / "sessions.csv", "course_id,session_id,start,end,capacity\nC1,S-7,2026-03-02,2026-03-03,10\n");
    data = ranking::read_catalogue_dir(dir, courses, learners);
    CHECK(session_opportunities(data.catalogue)[0].id == "S-7");
    write(dir / "sessions.csv", "course_id,session_id,start,end,capacity\nC1,S-7,2026-03-02,2026-03-01,10\n");
    CHECK_THROWS_WITH(ranking::read_catalogue_dir(dir, courses, learners),
                      Catch::Contains("sessions.csv:2") && Catch::Contains("ends before it starts"));
    write(dir / "sessions.csv", "course_id,session_id,start,end,capacity\nC1,S-7,2026-03-02,2026-03-03,-1\n");
    CHECK_THROWS_WITH(ranking::read_catalogue_dir(dir, courses, learners),
                      Catch::Contains("sessions.csv:2") && Catch::Contains("capacity -1 is below 0"));
    write(dir / "sessions.csv", "course_id,session_id,start,end,capacity\nC9,S-7,2026-03-02,2026-03-03,1\n");
    CHECK_THROWS_WITH(ranking::read_catalogue_dir(dir, courses, learners),
                      Catch::Contains("sessions.csv:2") && Catch::Contains("unknown course 'C9'"));
    write(dir / "sessions.csv",
          "course_id,session_id,start,end,capacity\nC1,S-7,2026-03-02,2026-03-03,1\nC2,S-7,2026-03-02,2026-03-03,1\n");
    CHECK_THROWS_WITH(ranking::read_catalogue_dir(dir, courses, learners),
                      Catch::Contains("sessions.csv:3") && Catch::Contains("twice"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("two-sided fit is the harmonic mean of the learner's interest and the host's requirement", "[allocation]") {
    ranking::LearnerFacts learner;
    learner.country = "France";
    learner.languages = {"fr", "en"};
    learner.target_skills = {{"ml", 2}};
    const SkillLevels current{{"python", 1}};
    Opportunity gig = place("G", 1, 0);
    gig.taught = {{"ml", 2}};
    gig.required = {{"python", 2}};
    gig.languages = {"en"};
    const TwoSidedFit f = two_sided_fit(learner, current, {}, gig);
    CHECK(f.interest == Approx(1.0));  // closes the whole gap (0 -> 2 of target 2)
    CHECK(f.host == Approx(0.5));      // python 1 of 2
    CHECK(f.fit == Approx(2.0 * 1.0 * 0.5 / 1.5));
    const bool learner_reason = std::any_of(f.reasons.begin(), f.reasons.end(), [](const std::string& r) { return r.rfind("learner:", 0) == 0; });
    const bool host_reason = std::any_of(f.reasons.begin(), f.reasons.end(), [](const std::string& r) { return r.rfind("host:", 0) == 0; });
    CHECK(learner_reason);
    CHECK(host_reason);
    gig.location = "Germany";
    CHECK(two_sided_fit(learner, current, {}, gig).fit == 0.0);
    gig.location = "";
    gig.languages = {"de"};
    CHECK(two_sided_fit(learner, current, {}, gig).host == 0.0);
}

namespace {
bool says(const TwoSidedFit& f, const std::string& text) {
    return std::any_of(f.reasons.begin(), f.reasons.end(), [&](const std::string& r) { return r.find(text) != std::string::npos; });
}
}  // namespace

TEST_CASE("the host side takes a place abroad only where the learner's mobility goes", "[allocation]") {
    ranking::LearnerFacts learner;
    learner.country = "France";
    learner.region = "EMEA";
    learner.target_skills = {{"ml", 2}};
    Opportunity gig = place("G", 1, 0);
    gig.taught = {{"ml", 2}};
    gig.location = "Germany";
    gig.region = "EMEA";
    CHECK(two_sided_fit(learner, {}, {}, gig).host == 0.0);  // own country only
    CHECK(says(two_sided_fit(learner, {}, {}, gig), "host: based in Germany, neither where you work nor where you would go"));
    learner.mobility = {"Germany"};
    CHECK(two_sided_fit(learner, {}, {}, gig).host == 1.0);
    CHECK(says(two_sided_fit(learner, {}, {}, gig), "where you would go (mobility Germany)"));
    learner.mobility = {"EMEA"};  // a region: any of its countries
    CHECK(two_sided_fit(learner, {}, {}, gig).host == 1.0);
    gig.location = "Brazil";
    gig.region = "Americas";
    CHECK(two_sided_fit(learner, {}, {}, gig).host == 0.0);
    learner.mobility = {"anywhere"};
    CHECK(two_sided_fit(learner, {}, {}, gig).host == 1.0);
}

TEST_CASE("a goal in the learner's own words counts on the learner side of the fit", "[allocation]") {
    ranking::LearnerFacts learner;
    learner.country = "France";
    learner.goal = "je veux apprendre le machine learning";
    Opportunity gig = place("G", 1, 0);
    gig.taught = {{"machine learning", 2}};
    const SkillLevels current{{"machine learning", 1}};
    CHECK(two_sided_fit(learner, current, {}, gig).interest == 0.0);  // no target, goal not given
    const TwoSidedFit f = two_sided_fit(learner, current, {}, gig, true, {"machine learning"});
    CHECK(f.interest == Approx(0.5));  // level 1 -> 2 of the 2 it teaches
    CHECK(says(f, "learner: your goal \"je veux apprendre le machine learning\" names machine learning"));
}

TEST_CASE("build_market reaches a gig through a stated goal and a region through mobility", "[allocation]") {
    ranking::Catalogue cat;
    ranking::CourseFacts course;
    course.id = "C0";
    course.skills = {{"python", 1}};
    cat.courses.push_back(course);
    std::vector<ranking::LearnerFacts> facts(2);
    facts[0].id = "L0";
    facts[0].country = "France";
    facts[0].region = "EMEA";
    facts[0].goal = "I want to learn machine learning";
    facts[0].mobility = {"EMEA"};
    facts[1].id = "L1";
    facts[1].country = "Germany";
    facts[1].region = "EMEA";
    RowMatrix users = RowMatrix::Ones(2, 1);
    RowMatrix items = RowMatrix::Ones(1, 1);
    const ranking::Ranker ranker(std::make_shared<const AlsModel>(std::move(users), std::move(items), AlsConfig{}), cat,
                                 facts);
    const timestamp_t now = days_from_civil(2026, 1, 5) * kDay;
    Opportunity gig = place("G", 1, days_from_civil(2026, 2, 2));
    gig.taught = {{"machine learning", 1}};
    gig.location = "Germany";  // its region (EMEA) comes from L1, who lives there
    const std::vector<index_t> both{0, 1};
    const Market m = build_market(ranker, both, {gig}, now, {}, {});
    REQUIRE(m.candidates.size() == 1);  // L1 states no goal and targets nothing
    CHECK(m.candidates[0].learner == 0);
    CHECK(m.opportunities.back().region == "EMEA");
    CHECK_THAT(m.reasons[0], Catch::Contains("your goal") && Catch::Contains("where you would go"));
}

TEST_CASE("build_market's gig candidates carry the two-sided fit of learner and gig, recomputed in full", "[allocation]") {
    AcademyConfig config;
    config.learners = 800;
    config.courses = 150;
    const Academy academy = generate_academy(config);
    auto inputs = ranking::academy_ranking_inputs(academy);
    const std::vector<Opportunity> gigs = academy_opportunities(academy);
    REQUIRE(!gigs.empty());
    // Some learners state a goal naming a gig's skill: the goal path of the fit is checked too.
    for (std::size_t l = 0; l < inputs.learners.size(); l += 5)
        inputs.learners[l].goal = "I would like to get better at " + gigs[l % gigs.size()].taught.at(0).skill;
    auto model = std::make_shared<const PopularityModel>(PopularityModel::fit(academy.interactions.matrix.view()));
    const ranking::Ranker ranker(model, inputs.catalogue, inputs.learners, inputs.history);
    std::vector<index_t> everyone(academy.learners.size());
    std::iota(everyone.begin(), everyone.end(), 0);
    const timestamp_t now = days_from_civil(2026, 1, 1) * kDay;
    AllocationRules rules;
    rules.candidates_per_learner = 40;  // keep (almost) every fitted gig, so most fits are compared
    rules.min_host_fit = GENERATE(0.0, 0.5);  // 0.5: gigs whose host side is 0 are skipped unfitted
    const Market m = build_market(ranker, everyone, gigs, now, {}, rules);

    // The oracle: the Ranker's list as build_market asks for it, the string-keyed levels and fit.
    ranking::RankingRules ranking_rules;
    ranking_rules.k = 3 * rules.candidates_per_learner;
    ranking_rules.require_session = true;
    ranking_rules.session_horizon_days = rules.horizon_days;
    const auto r = ranker.recommend(everyone, now, ranking_rules);
    const auto current = current_skill_levels(ranker);
    text::SkillVocabulary vocabulary;
    for (const auto& c : ranker.catalogue().courses)
        for (const auto& x : c.skills) vocabulary.add({x.skill, "en", x.skill});
    for (const auto& o : m.opportunities)
        for (const auto& x : o.taught) vocabulary.add({x.skill, "en", x.skill});
    std::size_t compared = 0, with_goal = 0;
    std::vector<std::vector<index_t>> got(everyone.size());  // the market's gigs per learner
    std::vector<std::size_t> count(everyone.size(), 0);
    for (std::size_t k = 0; k < m.candidates.size(); ++k) {
        const auto& c = m.candidates[k];
        ++count[static_cast<std::size_t>(c.learner)];
        if (m.opportunities[static_cast<std::size_t>(c.opportunity)].kind != OpportunityKind::session)
            got[static_cast<std::size_t>(c.learner)].push_back(c.opportunity);
    }
    for (std::size_t k = 0; k < m.candidates.size(); ++k) {
        const auto& c = m.candidates[k];
        const auto& o = m.opportunities[static_cast<std::size_t>(c.opportunity)];
        if (o.kind == OpportunityKind::session) continue;
        const auto l = static_cast<std::size_t>(m.learners[static_cast<std::size_t>(c.learner)]);
        std::vector<std::vector<std::string>> ranked_skills;
        for (index_t j = 0; j < r.count(c.learner); ++j) {
            ranked_skills.emplace_back();
            for (const auto& x : ranker.catalogue().courses[static_cast<std::size_t>(r.ids[r.slot(c.learner, j)])].skills)
                ranked_skills.back().push_back(x.skill);
        }
        std::vector<std::string> goal_skills;
        for (const auto& mention : vocabulary.extract(inputs.learners[l].goal)) goal_skills.push_back(mention.skill);
        const TwoSidedFit f = two_sided_fit(inputs.learners[l], current[l], ranked_skills, o, true, goal_skills);
        REQUIRE(c.utility == f.fit);  // exactly: the same arithmetic in the same order
        CHECK(f.host >= rules.min_host_fit);
        CHECK(f.interest > 0.0);
        CHECK_THAT(m.reasons[k], Catch::StartsWith(fmt::format("fit {:.2f}", f.fit)));
        ++compared;
        with_goal += !goal_skills.empty();
    }
    CHECK(compared > 100);
    CHECK(with_goal > 10);
    // Every gig a learner reaches (a target skill, a skill the goal names, a skill of the top-N ranked
    // courses) with interest > 0 and the host side at min_host_fit is there, unless the list was cut.
    std::size_t expected_total = 0;
    for (std::size_t i = 0; i < everyone.size(); ++i) {
        if (count[i] >= static_cast<std::size_t>(rules.candidates_per_learner)) continue;
        const auto& facts = inputs.learners[i];
        std::vector<std::vector<std::string>> ranked_skills;
        std::vector<std::string> reach;
        for (index_t j = 0; j < r.count(static_cast<index_t>(i)); ++j) {
            ranked_skills.emplace_back();
            for (const auto& x : ranker.catalogue().courses[static_cast<std::size_t>(r.ids[r.slot(static_cast<index_t>(i), j)])].skills) {
                ranked_skills.back().push_back(x.skill);
                if (j < rules.candidates_per_learner) reach.push_back(x.skill);
            }
        }
        std::vector<std::string> goal_skills;
        for (const auto& mention : vocabulary.extract(facts.goal)) goal_skills.push_back(mention.skill);
        for (const auto& g : facts.target_skills) reach.push_back(g.skill);
        reach.insert(reach.end(), goal_skills.begin(), goal_skills.end());
        std::vector<index_t> expected;
        for (std::size_t o = 0; o < m.opportunities.size(); ++o) {
            const auto& op = m.opportunities[o];
            if (op.kind == OpportunityKind::session || op.places <= 0 || op.start < now ||
                op.start > now + rules.horizon_days * kDay)
                continue;
            const bool reached = std::any_of(op.taught.begin(), op.taught.end(), [&](const auto& t) {
                return std::find(reach.begin(), reach.end(), t.skill) != reach.end();
            });
            const TwoSidedFit f = two_sided_fit(facts, current[i], ranked_skills, op, false, goal_skills);
            if (reached && f.interest > 0.0 && f.host >= rules.min_host_fit) expected.push_back(static_cast<index_t>(o));
        }
        auto mine = got[i];
        std::sort(mine.begin(), mine.end());
        REQUIRE(mine == expected);
        expected_total += expected.size();
    }
    CHECK(expected_total > 100);
}

TEST_CASE("an academy allocation fills no session beyond its seats and a full session is no longer pushed", "[allocation]") {
    AcademyConfig config;
    config.learners = 600;
    config.courses = 120;
    const Academy academy = generate_academy(config);
    auto inputs = ranking::academy_ranking_inputs(academy);
    // Few seats: one per session, so demand exceeds supply.
    for (auto& s : inputs.catalogue.sessions) s.capacity = 1;
    auto model = std::make_shared<const PopularityModel>(PopularityModel::fit(academy.interactions.matrix.view()));
    const ranking::Ranker ranker(model, inputs.catalogue, inputs.learners, inputs.history);
    std::vector<index_t> everyone(academy.learners.size());
    std::iota(everyone.begin(), everyone.end(), 0);
    const timestamp_t now = days_from_civil(2026, 1, 1) * kDay;
    AllocationRules rules;
    rules.horizon_days = 730;
    ranking::RankingRules ranking_rules;
    const Market market = build_market(ranker, everyone, {}, now, ranking_rules, rules);
    REQUIRE(!market.candidates.empty());
    const Allocation a = allocate(static_cast<index_t>(everyone.size()), market.opportunities, market.candidates, rules);
    CHECK(a.assigned > 0);
    for (std::size_t o = 0; o < market.opportunities.size(); ++o) REQUIRE(a.filled[o] <= market.opportunities[o].places);
    const auto demand = demand_per_opportunity(market, a);
    const auto waiting = waiting_lists(market, a);
    CHECK(waiting.size() == market.candidates.size() - static_cast<std::size_t>(a.assigned));
    const ranking::Catalogue after = catalogue_after(ranker.catalogue(), market, a);
    // A course whose every session was filled is not recommended any more.
    const ranking::Ranker ranker_after(model, after, inputs.learners, inputs.history);
    ranking_rules.session_horizon_days = rules.horizon_days;
    const auto r = ranker_after.recommend(everyone, now, ranking_rules);
    std::vector<int> open(static_cast<std::size_t>(after.num_courses()), 0), any(open.size(), 0);
    for (const auto& s : after.sessions) {
        any[static_cast<std::size_t>(s.course)] = 1;
        if (s.capacity > 0 && s.start >= now) open[static_cast<std::size_t>(s.course)] = 1;
    }
    for (const index_t c : r.ids)
        if (c >= 0 && any[static_cast<std::size_t>(c)]) REQUIRE(open[static_cast<std::size_t>(c)] == 1);
    (void)demand;
}

TEST_CASE("the allocation section of the rules file is read and checked", "[allocation]") {
    const auto s = parse_allocation_rules_json(R"({"k": 5, "allocation": {"max_per_learner": 2, "fairness": 1.5}})", "r.json");
    CHECK(s.allocation.max_per_learner == 2);
    CHECK(s.allocation.fairness == 1.5);
    CHECK(s.ranking.k == 5);
    CHECK_THROWS_WITH(parse_allocation_rules_json(R"({"allocation": {"seats": 2}})", "r.json"),
                      Catch::Contains("r.json") && Catch::Contains("allocation.seats"));
    CHECK_THROWS_WITH(parse_allocation_rules_json(R"({"allocation": {"max_per_learner": 0}})", "r.json"),
                      Catch::Contains("max_per_learner"));
}

TEST_CASE("the academy's opportunities and session ids are deterministic and read back", "[allocation]") {
    AcademyConfig config;
    config.learners = 500;
    config.courses = 100;
    const Academy a = generate_academy(config);
    const Academy b = generate_academy(config);
    REQUIRE(a.opportunities.size() == 5 + 1);  // one gig per 100 learners, one work package per 400
    REQUIRE(a.opportunities.size() == b.opportunities.size());
    for (std::size_t k = 0; k < a.opportunities.size(); ++k) {
        CHECK(a.opportunities[k].id == b.opportunities[k].id);
        CHECK(a.opportunities[k].start == b.opportunities[k].start);
        CHECK(a.opportunities[k].taught.size() == b.opportunities[k].taught.size());
    }
    REQUIRE(!a.sessions.empty());
    CHECK(a.sessions[0].id == "S000001");
    const auto dir = temp_dir("academy");
    write_academy_csv(a, dir);
    const auto opps = read_opportunities_csv(dir / "opportunities.csv");
    REQUIRE(opps.size() == a.opportunities.size());
    CHECK(opps[0].id == a.opportunities[0].id);
    CHECK(opps.back().kind == OpportunityKind::work_package);
    CHECK(opps.back().end - opps.back().start == 120 * kDay - 1);
    const auto data = ranking::read_catalogue_dir(dir, a.interactions.courses, a.interactions.learners);
    const auto sessions = session_opportunities(data.catalogue);
    REQUIRE(sessions.size() == a.sessions.size());
    CHECK(sessions[0].id == "S000001");
    CHECK(sessions.back().places == a.sessions.back().capacity);
    std::filesystem::remove_all(dir);
}

namespace {

/// A catalogue directory of 4 courses (everyone prefers C0, then C1, ...) for 3 learners in France,
/// C0's only session with 1 seat, C1's with 10, and a model file with those ids.
std::filesystem::path small_catalogue_dir(const std::string& name) {
    const auto dir = temp_dir(name);
    write(dir / "courses.csv", "course_id,title,format\nC0,Zero,classroom\nC1,One,classroom\nC2,Two,e-learning\nC3,Three,e-learning\n");
    write(dir / "learners.csv", "learner_id,country,region\nL0,France,EMEA\nL1,France,EMEA\nL2,France,EMEA\n");
    write(dir / "sessions.csv",
          "course_id,session_id,start,end,location,capacity\n"
          "C0,S0,2026-02-02,2026-02-03,France,1\nC1,S1,2026-03-02,2026-03-03,France,10\n");
    RowMatrix users = RowMatrix::Ones(3, 1);
    RowMatrix items(4, 1);
    for (index_t c = 0; c < 4; ++c) items(c, 0) = static_cast<float>(4 - c);
    ModelBundle bundle;
    bundle.model = std::make_shared<const AlsModel>(std::move(users), std::move(items), AlsConfig{});
    bundle.learners = IdMap(std::vector<std::string>{"L0", "L1", "L2"});
    bundle.courses = IdMap(std::vector<std::string>{"C0", "C1", "C2", "C3"});
    save(bundle, dir / "model.lrc");
    return dir;
}

/// The allocation `learnrec allocate --catalogue-out` makes, on the directory above.
void allocate_into(const std::filesystem::path& from, const std::filesystem::path& to, timestamp_t now) {
    const ModelBundle bundle = load(from / "model.lrc");
    auto files = ranking::read_catalogue_dir(from, bundle.courses, bundle.learners);
    const ranking::Ranker ranker(bundle.model, files.catalogue, files.learners);
    const std::vector<index_t> everyone{0, 1, 2};
    const Market market = build_market(ranker, everyone, {}, now, {}, {});
    const Allocation a = allocate(3, market.opportunities, market.candidates, {});
    write_catalogue_dir(from, to, catalogue_after(ranker.catalogue(), market, a));
}

}  // namespace

TEST_CASE("after an allocation, a course whose only session is full is not pushed and why-not says no open session",
          "[allocation][campaign]") {
    const timestamp_t now = days_from_civil(2026, 1, 5) * kDay;
    const auto from = small_catalogue_dir("from");
    const auto to = from.parent_path() / (from.filename().string() + "_after");
    allocate_into(from, to, now);
    // The copy keeps every other file byte for byte.
    CHECK(ranking::read_catalogue_dir(to, IdMap(std::vector<std::string>{"C0", "C1", "C2", "C3"}),
                                      IdMap(std::vector<std::string>{"L0", "L1", "L2"}))
              .catalogue.sessions[0]
              .capacity == 0);
    CHECK(std::filesystem::exists(to / "model.lrc"));
    CHECK(std::filesystem::file_size(to / "courses.csv") == std::filesystem::file_size(from / "courses.csv"));

    campaign::CampaignSpec spec;
    spec.id = "after";
    spec.now = now;
    spec.k = 4;
    spec.num_threads = 1;
    auto pushed = [&](const std::filesystem::path& catalogue, const std::string& name) {
        const campaign::Audience audience = campaign::load_audience(from / "model.lrc", catalogue, {}, 1);
        campaign::run_campaign(audience, spec, from / (name + "_log.csv"), from / (name + ".csv"));
        std::ifstream in(from / (name + ".csv"));
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return text;
    };
    // Before the allocation everyone is pushed C0; after it, nobody (its one seat is given).
    CHECK(pushed(from, "before").find(",C0,") != std::string::npos);
    const std::string after = pushed(to, "after");
    CHECK(after.find(",C0,") == std::string::npos);
    CHECK(after.find(",C1,") != std::string::npos);

    const campaign::Audience audience = campaign::load_audience(from / "model.lrc", to, {}, 1);
    const auto why = audience.ranker->why_not(0, 0, now);
    REQUIRE_FALSE(why.present());
    CHECK(why.removed_by() == ranking::WhyNotRule::session);
    CHECK_THAT(why.text(audience.ranker->catalogue()), Catch::Contains("no open session"));
    std::filesystem::remove_all(from);
    std::filesystem::remove_all(to);
}

TEST_CASE("the catalogue directory may be updated in place", "[allocation]") {
    const timestamp_t now = days_from_civil(2026, 1, 5) * kDay;
    const auto dir = small_catalogue_dir("inplace");
    allocate_into(dir, dir, now);
    const auto data = ranking::read_catalogue_dir(dir, IdMap(std::vector<std::string>{"C0", "C1", "C2", "C3"}),
                                                  IdMap(std::vector<std::string>{"L0", "L1", "L2"}));
    CHECK(data.catalogue.sessions[0].capacity == 0);
    CHECK(data.catalogue.sessions[1].capacity == 8);  // the two learners C0 could not take
    std::filesystem::remove_all(dir);
}

TEST_CASE("learners.csv mobility is read, with extra trailing columns tolerated", "[allocation]") {
    const auto dir = temp_dir("mobility");
    write(dir / "learners.csv",
          "learner_id,country,region,mobility,manager_id\nL1,France,EMEA,EMEA;Germany,M9\nL2,Brazil,Americas,,M9\n");
    const auto data = ranking::read_catalogue_dir(dir, IdMap(std::vector<std::string>{"C1"}),
                                                  IdMap(std::vector<std::string>{"L1", "L2"}));
    CHECK(data.learners[0].mobility == std::vector<std::string>{"EMEA", "Germany"});
    CHECK(data.learners[1].mobility.empty());
    std::filesystem::remove_all(dir);
}

TEST_CASE("the academy's learners have a mobility: mostly their own country, some a region, a few anywhere",
          "[allocation][academy]") {
    AcademyConfig config;
    config.learners = 4000;
    config.courses = 100;
    const Academy academy = generate_academy(config);
    std::size_t own = 0, region = 0, anywhere = 0;
    for (const auto& l : academy.learners) {
        own += l.mobility.empty();
        region += !l.mobility.empty() && l.mobility == l.region;
        anywhere += l.mobility == "anywhere";
        CHECK(l.mobility.find(l.country) == std::string::npos);  // never their own country again
    }
    CHECK(own == Approx(0.65 * 4000).epsilon(0.05));
    CHECK(region == Approx(0.20 * 4000).epsilon(0.1));
    CHECK(anywhere == Approx(0.05 * 4000).epsilon(0.2));
    // Deterministic, and the column is written last in learners.csv.
    CHECK(generate_academy(config).learners[7].mobility == academy.learners[7].mobility);
    const auto dir = temp_dir("academy_mobility");
    write_academy_csv(academy, dir);
    std::ifstream in(dir / "learners.csv");
    std::string header;
    std::getline(in, header);
    CHECK(header.substr(header.size() - 9) == ",mobility");
    std::filesystem::remove_all(dir);
}
