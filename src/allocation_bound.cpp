// learnrec allocation — the Lagrangian upper bound (model in allocation_bound.hpp).
//
// Why a bound: a learner whose clashes are not a clique (A overlaps B overlaps C, A and C apart)
// cannot be expressed exactly in the flow, and a large coupled part is too big for CBC. The flow
// WITHOUT those clash constraints is a relaxation, so its optimum bounds every feasible answer;
// moving each clash clique's constraint  sum x <= 1  into the objective with a multiplier
// lambda >= 0 keeps it a flow (only arc costs change) and keeps it a bound for every lambda:
//     L(lambda) = max over flows of  sum (w_k - penalty_k) x_k + sum lambda_Q  >=  optimum.
// Subgradient steps on lambda (the cliques a relaxed answer over-fills get dearer) lower it. The
// constraints are the group's maximal cliques, not its pairs: a pairwise penalty would let a
// triangle of overlapping sessions count as 1.5 places in the bound.
#include "allocation_bound.hpp"
#include "allocation_flow.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#define LEMON_ONLY_TEMPLATES
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include "learnrec/error.hpp"

namespace learnrec::allocation::detail {

namespace {

/// Maximal cliques of a graph of up to 64 nodes given by adjacency masks (Bron-Kerbosch with pivot).
void maximal_cliques(const std::vector<std::uint64_t>& adjacent, std::uint64_t r, std::uint64_t p, std::uint64_t x,
                     std::vector<std::uint64_t>& out) {
    if (p == 0 && x == 0) {
        out.push_back(r);
        return;
    }
    const int pivot = std::countr_zero(p | x);
    std::uint64_t todo = p & ~adjacent[static_cast<std::size_t>(pivot)];
    while (todo) {
        const int v = std::countr_zero(todo);
        const std::uint64_t bit = 1ULL << v;
        todo &= todo - 1;
        maximal_cliques(adjacent, r | bit, p & adjacent[static_cast<std::size_t>(v)], x & adjacent[static_cast<std::size_t>(v)],
                        out);
        p &= ~bit;
        x |= bit;
    }
}

}  // namespace

Bound lagrangian_bound(const FlowLayout& in, std::int64_t lower, int steps) {
    const std::size_t n = in.order.size();
    auto opp_of = [&](std::size_t k) -> const Opportunity& {
        return in.opportunities[static_cast<std::size_t>(in.candidates[static_cast<std::size_t>(in.order[k])].opportunity)];
    };
    // ---- the clash cliques of the groups that are not cliques -----------------------------------
    std::vector<std::size_t> clique_start{0};
    std::vector<std::size_t> clique_member;  // positions in order
    for (const auto& [b, e] : in.spans) {
        std::vector<std::vector<std::size_t>> groups;
        std::vector<index_t> ids;
        for (std::size_t k = b; k < e; ++k) {
            const index_t g = in.group_of[k];
            if (g < 0 || in.group_exact[static_cast<std::size_t>(g)]) continue;
            const auto at = std::find(ids.begin(), ids.end(), g);
            if (at == ids.end()) {
                ids.push_back(g);
                groups.push_back({k});
            } else {
                groups[static_cast<std::size_t>(at - ids.begin())].push_back(k);
            }
        }
        for (const auto& members : groups) {
            const std::size_t m = members.size();
            if (m > 64) {  // pairs: a weaker but still valid set of constraints
                for (std::size_t i = 0; i < m; ++i)
                    for (std::size_t j = i + 1; j < m; ++j)
                        if (conflicts(opp_of(members[i]), opp_of(members[j]))) {
                            clique_member.push_back(members[i]);
                            clique_member.push_back(members[j]);
                            clique_start.push_back(clique_member.size());
                        }
                continue;
            }
            std::vector<std::uint64_t> adjacent(m, 0);
            for (std::size_t i = 0; i < m; ++i)
                for (std::size_t j = 0; j < m; ++j)
                    if (i != j && conflicts(opp_of(members[i]), opp_of(members[j]))) adjacent[i] |= 1ULL << j;
            std::vector<std::uint64_t> cliques;
            const std::uint64_t all = m == 64 ? ~0ULL : (1ULL << m) - 1;
            maximal_cliques(adjacent, 0, all, 0, cliques);
            for (const auto q : cliques) {
                if (std::popcount(q) < 2) continue;  // a lone candidate constrains nothing
                for (std::uint64_t rest = q; rest; rest &= rest - 1)
                    clique_member.push_back(members[static_cast<std::size_t>(std::countr_zero(rest))]);
                clique_start.push_back(clique_member.size());
            }
        }
    }
    const std::size_t n_cliques = clique_start.size() - 1;

    // ---- the relaxed network: exact groups kept, the others' candidates straight from the learner --
    FlowNetwork net;
    using Graph = FlowNetwork::Graph;
    Graph& g = net.g;
    auto& cost = net.cost;
    const Graph::Node source = g.addNode();
    const Graph::Node sink = g.addNode();
    auto arc = [&net](Graph::Node a, Graph::Node b, std::int64_t cap, std::int64_t c) { return net.arc(a, b, cap, c); };
    std::vector<Graph::Node> opp_node(in.opportunities.size(), lemon::INVALID);
    std::vector<Graph::Node> group_node(in.group_exact.size(), lemon::INVALID);
    std::vector<Graph::Arc> cand_arc(n, lemon::INVALID);
    for (const auto& [b, e] : in.spans) {
        const Graph::Node ln = g.addNode();
        arc(source, ln, 1, -in.fair);
        if (in.max_per_learner > 1) arc(source, ln, in.max_per_learner - 1, 0);
        for (std::size_t k = b; k < e; ++k) {
            const auto o = static_cast<std::size_t>(in.candidates[static_cast<std::size_t>(in.order[k])].opportunity);
            if (in.opportunities[o].places <= 0) continue;
            if (opp_node[o] == lemon::INVALID) {
                opp_node[o] = g.addNode();
                arc(opp_node[o], sink, in.opportunities[o].places, 0);
            }
            Graph::Node from = ln;
            if (const index_t gi = in.group_of[k]; gi >= 0 && in.group_exact[static_cast<std::size_t>(gi)]) {
                auto& gn = group_node[static_cast<std::size_t>(gi)];
                if (gn == lemon::INVALID) {
                    gn = g.addNode();
                    arc(ln, gn, 1, 0);
                }
                from = gn;
            }
            cand_arc[k] = arc(from, opp_node[o], 1, -in.weight[k]);
        }
    }
    arc(source, sink, in.learner_units, 0);

    // ---- subgradient steps ------------------------------------------------------------------------
    using Solver = lemon::NetworkSimplex<Graph, int, long long>;
    Solver solver(g);
    solver.upperMap(net.upper).stSupply(source, sink, static_cast<int>(in.learner_units));
    std::vector<std::int64_t> lambda(n_cliques, 0), penalty(n, 0);
    std::vector<std::uint8_t> x(n, 0);
    Bound out;
    out.value = std::numeric_limits<std::int64_t>::max();
    double theta = 1.0;
    for (int step = 0; step <= steps; ++step) {
        std::fill(penalty.begin(), penalty.end(), 0);
        std::int64_t lambda_sum = 0;
        for (std::size_t q = 0; q < n_cliques; ++q) {
            lambda_sum += lambda[q];
            for (std::size_t i = clique_start[q]; i < clique_start[q + 1]; ++i) penalty[clique_member[i]] += lambda[q];
        }
        for (std::size_t k = 0; k < n; ++k)
            if (cand_arc[k] != lemon::INVALID) cost[cand_arc[k]] = penalty[k] - in.weight[k];
        solver.costMap(cost);
        const auto status = solver.run();
        LEARNREC_CHECK(status == Solver::OPTIMAL, "allocation bound: the flow solver found no optimum (status {})",
                       static_cast<int>(status));
        ++out.solves;
        const std::int64_t value = -solver.totalCost() + lambda_sum;
        if (value < out.value)
            out.value = value;
        else
            theta /= 2.0;
        if (out.value <= lower || step == steps) break;
        for (std::size_t k = 0; k < n; ++k) x[k] = cand_arc[k] != lemon::INVALID && solver.flow(cand_arc[k]) > 0;
        // Subgradient of L at lambda: 1 - (places the relaxed answer takes in the clique).
        double norm = 0.0;
        std::vector<int> slack(n_cliques);
        for (std::size_t q = 0; q < n_cliques; ++q) {
            int taken = 0;
            for (std::size_t i = clique_start[q]; i < clique_start[q + 1]; ++i) taken += x[clique_member[i]];
            slack[q] = 1 - taken;
            if (slack[q] < 0 || (slack[q] > 0 && lambda[q] > 0)) norm += static_cast<double>(slack[q]) * slack[q];
        }
        if (std::all_of(slack.begin(), slack.end(), [](int s) { return s >= 0; })) {
            // A relaxed answer that breaks no clash is an allocation: keep it when it beats `lower`.
            std::int64_t feasible_value = 0;
            for (const auto& [b, e] : in.spans) {
                bool served = false;
                for (std::size_t k = b; k < e; ++k)
                    if (x[k]) {
                        feasible_value += in.weight[k];
                        served = true;
                    }
                feasible_value += served ? in.fair : 0;
            }
            if (feasible_value > lower && feasible_value > out.feasible_value) {
                out.feasible = x;
                out.feasible_value = feasible_value;
            }
        }
        if (norm == 0.0) break;  // the relaxed answer obeys every clash and pays no multiplier: it is optimal
        const double t = theta * static_cast<double>(value - lower) / norm;
        for (std::size_t q = 0; q < n_cliques; ++q) {
            if (slack[q] == 0) continue;
            const auto move = std::max<std::int64_t>(1, std::llround(t * std::abs(slack[q])));
            lambda[q] = slack[q] < 0 ? lambda[q] + move : std::max<std::int64_t>(0, lambda[q] - move);
        }
    }
    return out;
}

}  // namespace learnrec::allocation::detail
