// learnrec path — placing a chosen set of courses and opportunities on months and dates (path_detail.hpp).
#include <algorithm>
#include <limits>
#include <numeric>

#include "path_detail.hpp"

namespace learnrec::path::detail {
namespace {

constexpr double kEps = 1e-9;
constexpr double kInf = std::numeric_limits<double>::infinity();

struct Search {
    std::span<const Candidate> candidates;
    const Budget& budget;
    std::vector<int> order;            // candidate indices, prerequisites first
    std::vector<int> position_of;      // candidate -> position in order, or -1
    std::vector<int> slot_at;          // per position
    std::vector<double> load;          // hours per month
    std::vector<double> quarter_load;  // hours per quarter
    std::vector<double> remaining;     // hours of positions k.. (suffix sums)
    std::int64_t& nodes;
    std::int64_t node_limit;
    bool exhausted = false;

    const Slot& slot_of(int position) const {
        return candidates[static_cast<std::size_t>(order[static_cast<std::size_t>(position)])]
            .slots[static_cast<std::size_t>(slot_at[static_cast<std::size_t>(position)])];
    }

    /// Hours that could still be placed anywhere: what is left in each month, capped by its quarter.
    double free_hours() const {
        double total = 0.0, in_quarter = 0.0;
        for (std::size_t m = static_cast<std::size_t>(budget.first_month); m < load.size(); ++m) {
            in_quarter += budget.per_month > 0.0 ? std::max(0.0, budget.per_month - load[m]) : kInf;
            const bool quarter_ends = m + 1 == load.size() || budget.quarter[m + 1] != budget.quarter[m];
            if (!quarter_ends) continue;
            if (budget.per_quarter > 0.0)
                in_quarter = std::min(in_quarter,
                                      std::max(0.0, budget.per_quarter - quarter_load[static_cast<std::size_t>(budget.quarter[m])]));
            total += in_quarter;
            in_quarter = 0.0;
        }
        return total;
    }

    bool fits(const Slot& s, double h) const {
        for (int m = s.month; m < s.month + s.span; ++m) {
            const auto j = static_cast<std::size_t>(m);
            if (budget.per_month > 0.0 && load[j] + h > budget.per_month + kEps) return false;
        }
        if (budget.per_quarter > 0.0) {
            // A span may cross a quarter boundary: add up what it puts in each quarter it touches.
            for (int m = s.month; m < s.month + s.span;) {
                const int q = budget.quarter[static_cast<std::size_t>(m)];
                double add = 0.0;
                for (; m < s.month + s.span && budget.quarter[static_cast<std::size_t>(m)] == q; ++m) add += h;
                if (quarter_load[static_cast<std::size_t>(q)] + add > budget.per_quarter + kEps) return false;
            }
        }
        return true;
    }

    void add(const Slot& s, double h) {
        for (int m = s.month; m < s.month + s.span; ++m) {
            load[static_cast<std::size_t>(m)] += h;
            quarter_load[static_cast<std::size_t>(budget.quarter[static_cast<std::size_t>(m)])] += h;
        }
    }

    bool place(std::size_t k) {
        if (k == order.size()) return true;
        if (++nodes > node_limit) {
            exhausted = true;
            return false;
        }
        if (remaining[k] > free_hours() + kEps) return false;
        const Candidate& c = candidates[static_cast<std::size_t>(order[k])];
        int earliest = budget.first_month;
        for (int p : c.prerequisites) {
            const Slot& s = slot_of(position_of[static_cast<std::size_t>(p)]);
            earliest = std::max(earliest, s.month + s.span);
        }
        for (std::size_t i = 0; i < c.slots.size(); ++i) {
            const Slot& s = c.slots[i];
            if (s.month < earliest) continue;
            const double h = c.hours / s.span;
            if (!fits(s, h)) continue;
            bool free = true;
            if (s.dated)
                for (std::size_t q = 0; q < k && free; ++q) {
                    const Slot& o = slot_of(static_cast<int>(q));
                    free = !o.dated || o.end <= s.start || s.end <= o.start;
                }
            if (!free) continue;
            slot_at[k] = static_cast<int>(i);
            add(s, h);
            if (place(k + 1)) return true;
            add(s, -h);
            if (exhausted) return false;
        }
        return false;
    }
};

}  // namespace

bool schedule(std::span<const Candidate> candidates, std::span<const int> set, const Budget& budget,
              std::vector<int>* chosen, std::int64_t& nodes, std::int64_t node_limit, bool& exhausted) {
    Search s{candidates, budget, {}, std::vector<int>(candidates.size(), -1), {}, budget.spent, budget.quarter_spent,
             {}, nodes, node_limit};
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
