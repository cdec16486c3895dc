// learnrec — the academy learners' mobility: where besides their own country they would go for a
// gig or a work package (the host side of allocation/fit.hpp reads it). Its own random stream:
// nothing drawn here moves any other field of the academy.
//   65 %: "" (their own country only)    20 %: their region ("EMEA": any country of it)
//   10 %: one or two other countries     5 %: "anywhere"
#include "academy_mobility.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "academy_random.hpp"

namespace learnrec::detail {

namespace {

constexpr std::uint64_t kMobilityStream = 0x6d6f62696c697479ULL;  // "mobility"; never change or reuse

}  // namespace

void add_academy_mobility(Academy& academy, const AcademyConfig& config) {
    std::set<std::string> seen;
    for (const auto& l : academy.learners) seen.insert(l.country);
    const std::vector<std::string> countries(seen.begin(), seen.end());
    academy_gen::Rng rng(config.seed, kMobilityStream);
    for (auto& l : academy.learners) {
        const double u = rng.uniform();
        l.mobility.clear();
        if (u < 0.65) continue;
        if (u < 0.85) {
            l.mobility = l.region.empty() ? "" : l.region;
        } else if (u < 0.95) {
            const std::size_t n = 1 + rng.index(2);
            for (std::size_t k = 0; k < n && countries.size() > 1; ++k) {
                const std::string& c = countries[rng.index(countries.size())];
                if (c == l.country || l.mobility.find(c) != std::string::npos) continue;
                l.mobility += (l.mobility.empty() ? "" : ";") + c;
            }
        } else {
            l.mobility = "anywhere";
        }
    }
}

}  // namespace learnrec::detail
