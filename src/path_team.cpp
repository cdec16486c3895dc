// learnrec path — aggregating plans over a team and against the workforce plan (path/team.hpp).
#include "learnrec/path/team.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "learnrec/detail/parallel.hpp"
#include "learnrec/error.hpp"

namespace learnrec::path {

TeamPlan plan_team(const PlanningData& data, const TeamFilter& filter, const PlanOptions& options,
                   TargetSource source, int num_threads) {
    options.validate();
    TeamPlan out;
    for (index_t l = 0; l < data.learners.size(); ++l) {
        const auto& f = data.learner_facts[static_cast<std::size_t>(l)];
        if ((filter.department.empty() || f.department == filter.department) &&
            (filter.country.empty() || f.country == filter.country))
            out.learners.push_back(l);
    }
    out.plans.resize(out.learners.size());
    const timestamp_t start = month_start(options, 0), now = month_start(options, options.first_month);
    learnrec::detail::parallel_for(
        0, static_cast<std::int64_t>(out.learners.size()), num_threads,
        [&](std::int64_t i) {
            const auto k = static_cast<std::size_t>(i);
            out.plans[k] = plan_path(data.catalogue, data.course_hours,
                                     planning_learner(data, out.learners[k], now, source, {}, start), options, {},
                                     data.opportunities);
        },
        64);

    // Seats per course, quarter and country; a session's country is where it is held. Keyed by
    // numbers, not strings: this loop sees every step of the company.
    std::vector<std::string> countries;
    std::unordered_map<std::string, std::uint32_t> country_ids;
    auto country_id = [&](const std::string& c) {
        auto [it, fresh] = country_ids.emplace(c, static_cast<std::uint32_t>(countries.size()));
        if (fresh) countries.push_back(c);
        return std::uint64_t{it->second};
    };
    std::unordered_map<std::uint64_t, int> seats;  // quarter << 48 | country << 32 | course
    const int first_month = options.start_year * 12 + options.start_month - 1;
    for (std::size_t k = 0; k < out.plans.size(); ++k) {
        const Plan& p = out.plans[k];
        out.hours += p.total_hours;
        out.unmet += p.unmet.size();
        out.optimal += p.optimal;
        const auto& facts = data.learner_facts[static_cast<std::size_t>(out.learners[k])];
        for (const auto& s : p.steps) {
            if (s.status != StepStatus::planned) continue;
            ++out.steps;
            if (s.opportunity >= 0) {
                ++out.opportunities;
                continue;  // a host team's places, not seats L&D opens
            }
            const auto quarter = static_cast<std::uint64_t>((first_month + s.month) / 3);
            std::uint64_t country = 0;
            if (s.session >= 0) {
                const auto& ses = data.catalogue.sessions[static_cast<std::size_t>(s.session)];
                country = country_id(ses.location.empty() ? "online" : ses.location);
            } else {
                country = country_id(facts.country);
            }
            ++seats[quarter << 48 | country << 32 | static_cast<std::uint32_t>(s.course)];
        }
    }
    for (const auto& [key, n] : seats) {
        const auto quarter = static_cast<int>(key >> 48);
        const auto c = static_cast<index_t>(key & 0xffffffffu);
        out.seats.push_back({data.courses.id(c), fmt::format("{}-Q{}", quarter / 4, quarter % 4 + 1),
                             countries[(key >> 32) & 0xffffu], data.catalogue.courses[static_cast<std::size_t>(c)].format, n});
    }
    std::sort(out.seats.begin(), out.seats.end(), [](const SeatDemand& a, const SeatDemand& b) {
        return std::tie(a.quarter, a.country, a.course_id) < std::tie(b.quarter, b.country, b.course_id);
    });

    // Coverage against the workforce plan's lines for the horizon's last year, per department.
    const int year = std::stoi(month_label(options, options.months - 1).substr(0, 4));
    std::map<std::string, std::vector<std::size_t>> lines_of;  // department -> its coverage lines
    for (index_t l : out.learners) lines_of[data.learner_facts[static_cast<std::size_t>(l)].department];
    for (const auto& w : data.workforce_plan) {
        auto it = lines_of.find(w.department);
        if (w.year != year || it == lines_of.end()) continue;
        it->second.push_back(out.coverage.size());
        out.coverage.push_back({w.department, w.skill, w.year, w.level, 0, 0, w.people});
    }
    for (std::size_t k = 0; k < out.learners.size(); ++k) {
        const auto l = static_cast<std::size_t>(out.learners[k]);
        for (std::size_t line : lines_of[data.learner_facts[l].department]) {
            SkillCoverage& cov = out.coverage[line];
            int level_now = 0;
            for (const auto& t : data.targets[l])
                if (t.skill == cov.skill) level_now = t.current;
            int planned = level_now;
            for (const auto& s : out.plans[k].steps) {
                if (s.status == StepStatus::failed || s.status == StepStatus::dropped) continue;
                const auto& taught = s.opportunity >= 0 ? data.opportunities[static_cast<std::size_t>(s.opportunity)].taught
                                                        : data.catalogue.courses[static_cast<std::size_t>(s.course)].skills;
                for (const auto& cs : taught)
                    if (cs.skill == cov.skill) planned = std::max(planned, cs.level);
            }
            cov.people_now += level_now >= cov.level;
            cov.people_planned += planned >= cov.level;
        }
    }
    return out;
}

}  // namespace learnrec::path
