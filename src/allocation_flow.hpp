// learnrec allocation — the min-cost-flow network that the allocator and its Lagrangian bound
// both hand to LEMON's network simplex (one way to add an arc, so both build it alike).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include <lemon/smart_graph.h>

namespace learnrec::allocation::detail {

struct FlowNetwork {
    using Graph = lemon::SmartDigraph;
    Graph g;
    Graph::ArcMap<int> upper{g};       // LEMON's capacities are int: no place has more seats
    Graph::ArcMap<long long> cost{g};  // utilities scaled to integers, tiers included

    Graph::Arc arc(Graph::Node from, Graph::Node to, std::int64_t capacity, std::int64_t arc_cost) {
        const auto x = g.addArc(from, to);
        upper[x] = static_cast<int>(std::min<std::int64_t>(capacity, std::numeric_limits<int>::max()));
        cost[x] = arc_cost;
        return x;
    }
};

}  // namespace learnrec::allocation::detail
