// learnrec path — placing a chosen set of courses on months and sessions (path_detail.hpp).
#include <algorithm>
#include <numeric>

#include "path_detail.hpp"

namespace learnrec::path::detail {
namespace {

constexpr double kEps = 1e-9;

struct Search {
    std::span<const Candidate> candidates;
    std::vector<int> order;            // candidate indices, prerequisites first
    std::vector<int> position_of;      // candidate -> position in order, or -1
    std::vector<int> slot_at;          // per position
    std::vector<double> load;          // hours per month
    std::vector<double> remaining;     // hours of positions k.. (suffix sums)
    double budget;
    std::int64_t& nodes;
    std::int64_t node_limit;
    bool exhausted = false;

    const Slot& slot_of(int position) const {
        return candidates[static_cast<std::size_t>(order[static_cast<std::size_t>(position)])]
            .slots[static_cast<std::size_t>(slot_at[static_cast<std::size_t>(position)])];
    }

    bool place(std::size_t k) {
        if (k == order.size()) return true;
        if (++nodes > node_limit) {
            exhausted = true;
            return false;
        }
        double free = 0.0;
        for (double l : load) free += std::max(0.0, budget - l);
        if (remaining[k] > free + kEps) return false;
        const Candidate& c = candidates[static_cast<std::size_t>(order[k])];
        int earliest = 0;
        for (int p : c.prerequisites) {
            const Slot& s = slot_of(position_of[static_cast<std::size_t>(p)]);
            earliest = std::max(earliest, s.month + s.span);
        }
        const double per_month = c.hours;
        for (std::size_t i = 0; i < c.slots.size(); ++i) {
            const Slot& s = c.slots[i];
            if (s.month < earliest) continue;
            const double h = per_month / s.span;
            bool fits = true;
            for (int m = s.month; m < s.month + s.span && fits; ++m)
                fits = load[static_cast<std::size_t>(m)] + h <= budget + kEps;
            if (!fits) continue;
            if (s.session >= 0)
                for (std::size_t q = 0; q < k && fits; ++q) {
                    const Slot& o = slot_of(static_cast<int>(q));
                    fits = o.session < 0 || o.end <= s.start || s.end <= o.start;
                }
            if (!fits) continue;
            slot_at[k] = static_cast<int>(i);
            for (int m = s.month; m < s.month + s.span; ++m) load[static_cast<std::size_t>(m)] += h;
            if (place(k + 1)) return true;
            for (int m = s.month; m < s.month + s.span; ++m) load[static_cast<std::size_t>(m)] -= h;
            if (exhausted) return false;
        }
        return false;
    }
};

}  // namespace

bool schedule(std::span<const Candidate> candidates, std::span<const int> set, int months, double budget,
              std::vector<int>* chosen, std::int64_t& nodes, std::int64_t node_limit, bool& exhausted) {
    Search s{candidates, {}, std::vector<int>(candidates.size(), -1), {}, std::vector<double>(static_cast<std::size_t>(months), 0.0),
             {}, budget, nodes, node_limit};
    // Kahn's order over the set; among ready courses the one with fewest slots first (fail early).
    std::vector<int> pending(candidates.size(), 0);
    std::vector<char> in_set(candidates.size(), 0);
    for (int c : set) in_set[static_cast<std::size_t>(c)] = 1;
    for (int c : set)
        for (int p : candidates[static_cast<std::size_t>(c)].prerequisites)
            if (in_set[static_cast<std::size_t>(p)]) ++pending[static_cast<std::size_t>(c)];
    std::vector<int> ready;
    for (int c : set)
        if (pending[static_cast<std::size_t>(c)] == 0) ready.push_back(c);
    while (!ready.empty()) {
        auto it = std::min_element(ready.begin(), ready.end(), [&](int a, int b) {
            const auto sa = candidates[static_cast<std::size_t>(a)].slots.size();
            const auto sb = candidates[static_cast<std::size_t>(b)].slots.size();
            return sa != sb ? sa < sb : a < b;
        });
        const int c = *it;
        ready.erase(it);
        s.position_of[static_cast<std::size_t>(c)] = static_cast<int>(s.order.size());
        s.order.push_back(c);
        for (int d : set)
            for (int p : candidates[static_cast<std::size_t>(d)].prerequisites)
                if (p == c && --pending[static_cast<std::size_t>(d)] == 0) ready.push_back(d);
    }
    if (s.order.size() != set.size()) return false;  // not prerequisite-closed or cyclic: never scheduled
    s.slot_at.assign(s.order.size(), -1);
    s.remaining.assign(s.order.size() + 1, 0.0);
    for (std::size_t k = s.order.size(); k-- > 0;)
        s.remaining[k] = s.remaining[k + 1] + candidates[static_cast<std::size_t>(s.order[k])].hours;
    const bool ok = s.place(0);
    exhausted = exhausted || s.exhausted;
    if (ok && chosen) {
        chosen->assign(set.size(), -1);
        for (std::size_t i = 0; i < set.size(); ++i)
            (*chosen)[i] = s.slot_at[static_cast<std::size_t>(s.position_of[static_cast<std::size_t>(set[i])])];
    }
    return ok;
}

}  // namespace learnrec::path::detail
