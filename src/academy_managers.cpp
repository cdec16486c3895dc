// learnrec — the academy's reporting lines: who manages whom (LearnerProfile::manager_id).
//
// A separate aspect with its own random stream, so that every field generated before keeps its
// value for a given seed (the schema promise in academy.hpp). The academy's managers are its
// learners of role "manager":
//   - a learner of any other role reports to a manager of their department, in their country when
//     the department has one there, else in their region, else anywhere (drawn uniformly);
//   - a mid or junior manager reports to a senior manager of the same department, by the same
//     preference; senior managers (and anyone whose department has no manager) report to nobody.
// So every manager_id names a learner of role "manager" in the same department, and the lines
// form a forest of depth at most 2 above the teams.
#include "academy_managers.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "academy_random.hpp"

namespace learnrec::detail {
namespace {

constexpr std::uint64_t kManagerStream = 0x6d616e6167657273ULL;  // "managers"

/// Candidate managers of one department, by country and region (learner indices, ascending).
struct Pool {
    std::vector<std::size_t> all;
    std::map<std::string, std::vector<std::size_t>> by_country, by_region;

    bool empty() const noexcept { return all.empty(); }
    const std::vector<std::size_t>& nearest(const LearnerProfile& p) const {
        if (auto it = by_country.find(p.country); it != by_country.end()) return it->second;
        if (auto it = by_region.find(p.region); it != by_region.end()) return it->second;
        return all;
    }
};

}  // namespace

void add_academy_managers(Academy& academy, std::uint64_t seed) {
    auto& people = academy.learners;
    std::map<std::string, Pool> managers, seniors;  // by department
    for (std::size_t i = 0; i < people.size(); ++i) {
        const auto& p = people[i];
        if (p.role != "manager") continue;
        for (auto* pools : {&managers, p.seniority == "senior" ? &seniors : nullptr}) {
            if (!pools) continue;
            Pool& pool = (*pools)[p.department];
            pool.all.push_back(i);
            pool.by_country[p.country].push_back(i);
            pool.by_region[p.region].push_back(i);
        }
    }
    // Uniform draws from the top 53 bits: the same output on every standard library.
    auto rng = academy_gen::stream_engine(seed, kManagerStream);
    auto pick = [&](const std::vector<std::size_t>& from) {
        const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
        return from[std::min(from.size() - 1, static_cast<std::size_t>(u * static_cast<double>(from.size())))];
    };
    for (auto& p : people) {
        const bool manager = p.role == "manager";
        if (manager && p.seniority == "senior") continue;
        const auto& pools = manager ? seniors : managers;
        const auto it = pools.find(p.department);
        if (it == pools.end() || it->second.empty()) continue;
        p.manager_id = people[pick(it->second.nearest(p))].id;
    }
}

}  // namespace learnrec::detail
