// learnrec allocation — the min-cost flow behind allocate() (model in allocation/allocator.hpp).
#include "learnrec/allocation/allocator.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

// Header-only LEMON: INVALID becomes a constant of each translation unit instead of a symbol of
// liblemon.a (which is not built position-independent, and the Python module needs that).
#define LEMON_ONLY_TEMPLATES
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include "allocation_bound.hpp"
#include "allocation_flow.hpp"
#include "allocation_mip.hpp"
#include "enum_names.hpp"
#include "learnrec/error.hpp"

namespace learnrec::allocation {

namespace {
constexpr learnrec::detail::EnumName<Priority> kPriorities[] = {
    {Priority::mandatory, "mandatory"}, {Priority::skill_gap, "skill_gap"}, {Priority::preference, "preference"}};
}  // namespace

std::string_view to_string(Priority priority) {
    return learnrec::detail::name_or_fail(kPriorities, priority, "Priority");
}

void AllocationRules::validate() const {
    LEARNREC_CHECK(max_per_learner >= 1, "allocation max_per_learner must be at least 1, got {}", max_per_learner);
    LEARNREC_CHECK(std::isfinite(fairness) && fairness >= 0.0, "allocation fairness must be >= 0, got {}", fairness);
    LEARNREC_CHECK(utility_steps >= 1, "allocation utility_steps must be at least 1, got {}", utility_steps);
    LEARNREC_CHECK(candidates_per_learner >= 1, "allocation candidates_per_learner must be at least 1, got {}",
                   candidates_per_learner);
    LEARNREC_CHECK(horizon_days >= 0, "allocation horizon_days must be >= 0, got {}", horizon_days);
    LEARNREC_CHECK(std::isfinite(min_host_fit) && min_host_fit >= 0.0 && min_host_fit <= 1.0,
                   "allocation min_host_fit must be in [0, 1], got {}", min_host_fit);
    LEARNREC_CHECK(num_threads >= 0, "allocation num_threads must be >= 0, got {}", num_threads);
    LEARNREC_CHECK(mip_max_candidates >= 0, "allocation mip_max_candidates must be >= 0, got {}", mip_max_candidates);
    LEARNREC_CHECK(std::isfinite(mip_seconds) && mip_seconds >= 0.0, "allocation mip_seconds must be >= 0, got {}",
                   mip_seconds);
    LEARNREC_CHECK(bound_steps >= 0, "allocation bound_steps must be >= 0, got {}", bound_steps);
}

std::int64_t quantised_weight(double utility, double max_utility, int utility_steps) {
    if (!(max_utility > 0.0)) return 1;
    return 1 + static_cast<std::int64_t>(std::llround(utility / max_utility * static_cast<double>(utility_steps)));
}

bool conflicts(const Opportunity& a, const Opportunity& b) {
    if (a.course >= 0 && a.course == b.course) return true;
    return a.start <= b.end && b.start <= a.end;
}

namespace {

struct UnionFind {
    std::vector<index_t> parent;
    explicit UnionFind(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
    index_t find(index_t x) {
        while (parent[static_cast<std::size_t>(x)] != x) {
            parent[static_cast<std::size_t>(x)] = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(x)])];
            x = parent[static_cast<std::size_t>(x)];
        }
        return x;
    }
    void unite(index_t a, index_t b) { parent[static_cast<std::size_t>(find(a))] = find(b); }
};

}  // namespace

Allocation allocate(index_t learners, const std::vector<Opportunity>& opportunities,
                    std::span<const Candidate> candidates, const AllocationRules& rules) {
    const auto t0 = std::chrono::steady_clock::now();
    rules.validate();
    validate_opportunities(opportunities);
    LEARNREC_CHECK(learners >= 0, "learners must be >= 0, got {}", learners);
    const auto n_opp = static_cast<index_t>(opportunities.size());
    const std::size_t n = candidates.size();
    double max_utility = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
        const auto& c = candidates[k];
        LEARNREC_CHECK(c.learner >= 0 && c.learner < learners, "candidate {} names learner {} of {}", k, c.learner,
                       learners);
        LEARNREC_CHECK(c.opportunity >= 0 && c.opportunity < n_opp, "candidate {} names opportunity {} of {}", k,
                       c.opportunity, n_opp);
        LEARNREC_CHECK(std::isfinite(c.utility) && c.utility >= 0.0,
                       "candidate {} (learner {}, opportunity '{}') has utility {}: it must be finite and >= 0", k,
                       c.learner, opportunities[static_cast<std::size_t>(c.opportunity)].id, c.utility);
        LEARNREC_CHECK(static_cast<int>(c.priority) <= 2, "candidate {} has an invalid priority", k);
        max_utility = std::max(max_utility, c.utility);
    }
    // Candidates grouped by learner, then opportunity: duplicates are adjacent.
    std::vector<index_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](index_t a, index_t b) {
        const auto& x = candidates[static_cast<std::size_t>(a)];
        const auto& y = candidates[static_cast<std::size_t>(b)];
        return x.learner != y.learner ? x.learner < y.learner : x.opportunity < y.opportunity;
    });
    for (std::size_t k = 1; k < n; ++k) {
        const auto& x = candidates[static_cast<std::size_t>(order[k - 1])];
        const auto& y = candidates[static_cast<std::size_t>(order[k])];
        LEARNREC_CHECK(x.learner != y.learner || x.opportunity != y.opportunity,
                       "learner {} is a candidate for opportunity '{}' twice", x.learner,
                       opportunities[static_cast<std::size_t>(x.opportunity)].id);
    }

    Allocation out;
    out.chosen.assign(n, 0);
    out.filled.assign(static_cast<std::size_t>(n_opp), 0);

    // ---- tier bonuses: each larger than everything the tiers below can add up to -----------------
    std::int64_t learner_units = 0;
    {
        index_t prev = -1;
        for (const auto k : order) {
            const auto l = candidates[static_cast<std::size_t>(k)].learner;
            if (l != prev) learner_units += rules.max_per_learner;
            prev = l;
        }
    }
    std::int64_t places = 0;
    for (const auto& o : opportunities) places += o.places;
    const std::int64_t units = std::max<std::int64_t>(1, std::min(learner_units, places));
    bool has_tier[3] = {false, false, false};
    for (const auto& c : candidates) has_tier[static_cast<int>(c.priority)] = true;
    // The solver's arithmetic must stay within 62 bits even summed along long tree paths: when the
    // exact tiers would not fit, utilities get fewer steps (out.utility_steps says how many).
    int steps = rules.utility_steps;
    std::int64_t fair = 0, bonus_gap = 0, bonus_mandatory = 0;
    const double limit = std::ldexp(1.0, 62) / 64.0;
    for (;;) {
        fair = static_cast<std::int64_t>(std::llround(rules.fairness * static_cast<double>(steps)));
        const double low = static_cast<double>(units) * static_cast<double>(steps + 1 + fair);
        const double gap = has_tier[1] ? low + 1.0 : 0.0;
        const double mid = static_cast<double>(units) * gap + low;
        const double mand = has_tier[0] ? mid + 1.0 : 0.0;
        if (mand + gap + low < limit) {
            bonus_gap = static_cast<std::int64_t>(gap);
            bonus_mandatory = static_cast<std::int64_t>(mand);
            break;
        }
        LEARNREC_CHECK(steps > 1,
                       "allocation: {} assignments with three priority tiers do not fit the solver's 62-bit "
                       "arithmetic; allocate fewer learners at once",
                       units);
        steps = std::max(1, steps / 2);
    }
    auto weight = [&](const Candidate& c) {
        const std::int64_t tier = c.priority == Priority::mandatory   ? bonus_mandatory
                                  : c.priority == Priority::skill_gap ? bonus_gap
                                                                      : 0;
        return tier + quantised_weight(c.utility, max_utility, steps);
    };

    // ---- conflict groups per learner --------------------------------------------------------------
    // group_of[k]: the group node of candidate order[k], or -1 (direct arc from the learner).
    std::vector<index_t> group_of(n, -1);
    std::vector<std::uint8_t> group_exact;  // per group
    std::vector<std::pair<std::size_t, std::size_t>> spans;  // per learner with candidates: [begin, end) in order
    for (std::size_t b = 0; b < n;) {
        std::size_t e = b;
        while (e < n && candidates[static_cast<std::size_t>(order[e])].learner ==
                            candidates[static_cast<std::size_t>(order[b])].learner)
            ++e;
        spans.emplace_back(b, e);
        b = e;
    }
    if (rules.max_per_learner > 1) {
        std::vector<index_t> root_group;
        for (const auto& span : spans) {
            // Not a structured binding: clang before 16 (the fuzz build) cannot capture one in a lambda.
            const std::size_t b = span.first, e = span.second;
            const std::size_t m = e - b;
            UnionFind uf(m);
            auto opp = [&](std::size_t i) -> const Opportunity& {
                return opportunities[static_cast<std::size_t>(candidates[static_cast<std::size_t>(order[b + i])].opportunity)];
            };
            for (std::size_t i = 0; i < m; ++i)
                for (std::size_t j = i + 1; j < m; ++j)
                    if (conflicts(opp(i), opp(j))) uf.unite(static_cast<index_t>(i), static_cast<index_t>(j));
            root_group.assign(m, -1);
            std::vector<index_t> size(m, 0);
            for (std::size_t i = 0; i < m; ++i) ++size[static_cast<std::size_t>(uf.find(static_cast<index_t>(i)))];
            for (std::size_t i = 0; i < m; ++i) {
                const auto r = static_cast<std::size_t>(uf.find(static_cast<index_t>(i)));
                if (size[r] < 2) continue;
                if (root_group[r] < 0) {
                    root_group[r] = static_cast<index_t>(group_exact.size());
                    group_exact.push_back(1);
                }
                group_of[b + i] = root_group[r];
            }
            for (std::size_t i = 0; i < m; ++i)
                for (std::size_t j = i + 1; j < m; ++j)
                    if (group_of[b + i] >= 0 && group_of[b + i] == group_of[b + j] && !conflicts(opp(i), opp(j)))
                        group_exact[static_cast<std::size_t>(group_of[b + i])] = 0;
        }
    }
    for (const auto x : group_exact) out.inexact_groups += x ? 0 : 1;

    // ---- the network -------------------------------------------------------------------------------
    detail::FlowNetwork net;
    using Graph = detail::FlowNetwork::Graph;
    Graph& g = net.g;
    auto& cost = net.cost;
    const auto total_nodes = 2 + spans.size() + group_exact.size() + static_cast<std::size_t>(n_opp);
    g.reserveNode(static_cast<int>(total_nodes));
    g.reserveArc(static_cast<int>(3 * spans.size() + 2 * n + group_exact.size() + static_cast<std::size_t>(n_opp)));
    const Graph::Node source = g.addNode();
    const Graph::Node sink = g.addNode();
    std::vector<Graph::Node> opp_node(static_cast<std::size_t>(n_opp), lemon::INVALID);
    std::vector<Graph::Node> group_node(group_exact.size());
    for (auto& x : group_node) x = g.addNode();
    auto arc = [&net](Graph::Node a, Graph::Node b, std::int64_t cap, std::int64_t c) { return net.arc(a, b, cap, c); };
    std::vector<Graph::Arc> cand_arc(n, lemon::INVALID);
    std::vector<std::uint8_t> group_linked(group_exact.size(), 0);
    for (const auto& [b, e] : spans) {
        const Graph::Node ln = g.addNode();
        arc(source, ln, 1, -fair);
        if (rules.max_per_learner > 1) arc(source, ln, rules.max_per_learner - 1, 0);
        for (std::size_t k = b; k < e; ++k) {
            const auto& c = candidates[static_cast<std::size_t>(order[k])];
            const auto& o = opportunities[static_cast<std::size_t>(c.opportunity)];
            if (o.places <= 0) continue;
            auto& on = opp_node[static_cast<std::size_t>(c.opportunity)];
            if (on == lemon::INVALID) {
                on = g.addNode();
                arc(on, sink, o.places, 0);
            }
            Graph::Node from = ln;
            if (const auto gi = group_of[k]; gi >= 0) {
                from = group_node[static_cast<std::size_t>(gi)];
                if (!group_linked[static_cast<std::size_t>(gi)]) {
                    group_linked[static_cast<std::size_t>(gi)] = 1;
                    arc(ln, from, 1, 0);
                }
            }
            cand_arc[k] = arc(from, on, 1, -weight(c));
        }
    }
    arc(source, sink, learner_units, 0);  // the places nobody takes

    using Solver = lemon::NetworkSimplex<Graph, int, long long>;
    Solver solver(g);
    solver.upperMap(net.upper).costMap(cost).stSupply(source, sink, static_cast<int>(learner_units));
    const auto status = solver.run();
    LEARNREC_CHECK(status == Solver::OPTIMAL,
                   "allocation: the flow solver found no optimum (status {})", static_cast<int>(status));

    std::vector<index_t> per_learner(static_cast<std::size_t>(learners), 0);
    for (std::size_t k = 0; k < n; ++k) {
        if (cand_arc[k] == lemon::INVALID || solver.flow(cand_arc[k]) <= 0) continue;
        const auto idx = static_cast<std::size_t>(order[k]);
        out.chosen[idx] = 1;
        ++out.filled[static_cast<std::size_t>(candidates[idx].opportunity)];
        ++per_learner[static_cast<std::size_t>(candidates[idx].learner)];
    }

    // ---- repair: what a capacity-1 group that is not a clique may have left out ---------------------
    // Different groups of a learner never conflict, so the candidates of the learner's inexact groups
    // can be re-chosen on their own: the best subset given the seats left and the learner's cap
    // (exhaustive up to 16 candidates; greedy additions beyond). The flow's own choice is one of the
    // subsets tried, so the objective never decreases.
    if (out.inexact_groups > 0) {
        auto opp_of = [&](std::size_t k) -> const Opportunity& {
            return opportunities[static_cast<std::size_t>(candidates[static_cast<std::size_t>(order[k])].opportunity)];
        };
        auto free_seat = [&](std::size_t k) {
            const auto o = static_cast<std::size_t>(candidates[static_cast<std::size_t>(order[k])].opportunity);
            return out.filled[o] < opportunities[o].places;
        };
        auto set_chosen = [&](std::size_t k, bool on) {
            const auto idx = static_cast<std::size_t>(order[k]);
            if (static_cast<bool>(out.chosen[idx]) == on) return;
            const auto& c = candidates[idx];
            out.chosen[idx] = on ? 1 : 0;
            out.filled[static_cast<std::size_t>(c.opportunity)] += on ? 1 : -1;
            per_learner[static_cast<std::size_t>(c.learner)] += on ? 1 : -1;
        };
        for (const auto& [b, e] : spans) {
            std::vector<std::size_t> set;
            for (std::size_t k = b; k < e; ++k)
                if (group_of[k] >= 0 && !group_exact[static_cast<std::size_t>(group_of[k])]) set.push_back(k);
            if (set.empty()) continue;
            const auto learner = static_cast<std::size_t>(candidates[static_cast<std::size_t>(order[set[0]])].learner);
            if (set.size() <= 16) {
                for (const auto k : set) set_chosen(k, false);
                const int cap = rules.max_per_learner - per_learner[learner];
                const bool first_place = per_learner[learner] == 0;
                std::vector<std::uint32_t> clash(set.size(), 0);
                for (std::size_t i = 0; i < set.size(); ++i)
                    for (std::size_t j = 0; j < set.size(); ++j)
                        if (i != j && conflicts(opp_of(set[i]), opp_of(set[j]))) clash[i] |= 1u << j;
                std::uint32_t best_mask = 0;
                std::int64_t best_value = 0;
                for (std::uint32_t mask = 1; mask < (1u << set.size()); ++mask) {
                    if (std::popcount(mask) > cap) continue;
                    std::int64_t value = first_place ? fair : 0;
                    bool ok = true;
                    for (std::size_t i = 0; i < set.size() && ok; ++i) {
                        if (!((mask >> i) & 1u)) continue;
                        ok = !(clash[i] & mask) && free_seat(set[i]);
                        value += weight(candidates[static_cast<std::size_t>(order[set[i]])]);
                    }
                    if (ok && value > best_value) {
                        best_value = value;
                        best_mask = mask;
                    }
                }
                for (std::size_t i = 0; i < set.size(); ++i)
                    if ((best_mask >> i) & 1u) set_chosen(set[i], true);
                continue;
            }
            std::stable_sort(set.begin(), set.end(), [&](std::size_t x, std::size_t y) {
                return weight(candidates[static_cast<std::size_t>(order[x])]) >
                       weight(candidates[static_cast<std::size_t>(order[y])]);
            });
            for (const auto k : set) {
                if (per_learner[learner] >= rules.max_per_learner) break;
                if (out.chosen[static_cast<std::size_t>(order[k])] || !free_seat(k)) continue;
                bool clash = false;
                for (std::size_t j = b; j < e && !clash; ++j)
                    clash = out.chosen[static_cast<std::size_t>(order[j])] && conflicts(opp_of(k), opp_of(j));
                if (!clash) set_chosen(k, true);
            }
        }
    }
    // ---- bound: how far the flow + repair answer can be from the optimum ---------------------------
    auto objective_of = [&](const std::vector<std::uint8_t>& chosen) {
        std::int64_t value = 0;
        for (const auto& [b, e] : spans) {
            bool served = false;
            for (std::size_t k = b; k < e; ++k)
                if (chosen[static_cast<std::size_t>(order[k])]) {
                    value += weight(candidates[static_cast<std::size_t>(order[k])]);
                    served = true;
                }
            value += served ? fair : 0;
        }
        return value;
    };
    out.proven_optimal = true;  // the flow is exact where every group is a clique; parts below may say otherwise
    std::int64_t bound = 0;
    bool bound_met = out.inexact_groups == 0;
    if (out.inexact_groups > 0) {
        std::vector<std::int64_t> weights(n);
        for (std::size_t k = 0; k < n; ++k) weights[k] = weight(candidates[static_cast<std::size_t>(order[k])]);
        const detail::FlowLayout layout{opportunities, candidates, order, spans, group_of, group_exact, weights,
                                        rules.max_per_learner, fair, learner_units};
        const std::int64_t found = objective_of(out.chosen);
        detail::Bound b = detail::lagrangian_bound(layout, found, rules.bound_steps);
        out.bound_solves = b.solves;
        bound = b.value;
        if (!b.feasible.empty() && b.feasible_value > found) {  // a relaxed answer that breaks no clash, and better
            std::fill(out.chosen.begin(), out.chosen.end(), 0);
            for (std::size_t k = 0; k < n; ++k) out.chosen[static_cast<std::size_t>(order[k])] = b.feasible[k];
        }
        bound_met = bound <= std::max(found, b.feasible_value);
    }
    // ---- exact: the parts with a learner whose clashes the flow could not express -----------------
    std::vector<std::uint8_t> open(static_cast<std::size_t>(learners), 0);
    for (std::size_t k = 0; k < n; ++k)
        if (group_of[k] >= 0 && !group_exact[static_cast<std::size_t>(group_of[k])])
            open[static_cast<std::size_t>(candidates[static_cast<std::size_t>(order[k])].learner)] = 1;
    for (const auto x : open) out.open_learners += x;
    if (!bound_met) {
        std::vector<std::int64_t> low(n);
        for (std::size_t k = 0; k < n; ++k) low[k] = quantised_weight(candidates[k].utility, max_utility, steps);
        // Learners are coupled only through places asked for more often than they exist.
        std::vector<index_t> demand(static_cast<std::size_t>(n_opp), 0), first(static_cast<std::size_t>(n_opp), -1);
        for (const auto& c : candidates) ++demand[static_cast<std::size_t>(c.opportunity)];
        UnionFind parts(static_cast<std::size_t>(learners));
        for (const auto& c : candidates) {
            const auto o = static_cast<std::size_t>(c.opportunity);
            if (opportunities[o].places <= 0 || demand[o] <= opportunities[o].places) continue;
            if (first[o] < 0)
                first[o] = c.learner;
            else
                parts.unite(c.learner, first[o]);
        }
        std::vector<std::uint8_t> open_part(static_cast<std::size_t>(learners), 0);
        for (index_t l = 0; l < learners; ++l)
            if (open[static_cast<std::size_t>(l)]) open_part[static_cast<std::size_t>(parts.find(l))] = 1;
        std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(learners));
        for (std::size_t k = 0; k < n; ++k) {
            const auto root = static_cast<std::size_t>(parts.find(candidates[k].learner));
            if (open_part[root]) members[root].push_back(k);
        }
        const auto t_mip = std::chrono::steady_clock::now();
        for (index_t root = 0; root < learners; ++root) {
            auto& part = members[static_cast<std::size_t>(root)];
            if (part.empty()) continue;
            const double left = rules.mip_seconds -
                                std::chrono::duration<double>(std::chrono::steady_clock::now() - t_mip).count();
            if (static_cast<index_t>(part.size()) > rules.mip_max_candidates || left <= 0.0) {
                out.proven_optimal = false;  // this part keeps the flow's choice and the repair
                continue;
            }
            const auto r = detail::solve_part_exactly(opportunities, candidates, part, low, rules.max_per_learner, fair,
                                                      left, out.chosen);
            out.mip_learners += r.learners;
            ++out.mip_parts;
            if (!r.proven_optimal) out.proven_optimal = false;
        }
        out.mip_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_mip).count();
        std::fill(out.filled.begin(), out.filled.end(), 0);
        for (std::size_t k = 0; k < n; ++k)
            if (out.chosen[k]) ++out.filled[static_cast<std::size_t>(candidates[k].opportunity)];
    }
    std::fill(out.filled.begin(), out.filled.end(), 0);
    for (std::size_t k = 0; k < n; ++k)
        if (out.chosen[k]) {
            ++out.assigned;
            out.total_utility += candidates[k].utility;
            ++out.filled[static_cast<std::size_t>(candidates[k].opportunity)];
        }
    out.objective = objective_of(out.chosen);
    out.objective_bound = out.proven_optimal ? out.objective : std::max(out.objective, bound);
    if (bound_met) out.objective_bound = out.objective;
    out.proven_optimal = out.proven_optimal || bound_met;
    out.mandatory_bonus = bonus_mandatory;
    out.skill_gap_bonus = bonus_gap;
    out.fairness_bonus = fair;
    {
        // The lowest tier of this answer, and the margins a better tier count would need.
        std::int64_t mandatory = 0, gap = 0;
        for (std::size_t k = 0; k < n; ++k)
            if (out.chosen[k]) {
                mandatory += candidates[k].priority == Priority::mandatory;
                gap += candidates[k].priority == Priority::skill_gap;
            }
        const std::int64_t low = out.objective - mandatory * bonus_mandatory - gap * bonus_gap;
        const std::int64_t slack = out.objective_bound - out.objective;
        const std::int64_t big = std::numeric_limits<std::int64_t>::max();
        // An allocation with one more mandatory placement would be worth at least
        // objective + mandatory_bonus - gap x skill_gap_bonus - low; with as many mandatory and h more
        // skill-gap placements, at least objective + h x skill_gap_bonus - low.
        const std::int64_t more_mandatory = bonus_mandatory > 0 ? bonus_mandatory - gap * bonus_gap - low : big;
        out.mandatory_proven = slack == 0 || slack < more_mandatory;
        out.skill_gap_headroom = slack == 0 || bonus_gap == 0 ? 0 : static_cast<index_t>((slack + low) / bonus_gap);
        out.tiers_proven = out.mandatory_proven && out.skill_gap_headroom == 0;
        out.weight_gap = slack == 0 ? 0.0 : static_cast<double>(slack) / static_cast<double>(std::max<std::int64_t>(1, low));
    }
    out.utility_steps = steps;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

}  // namespace learnrec::allocation
