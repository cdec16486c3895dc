// learnrec path — aggregating plans over a team and against the workforce plan (path/team.hpp).
#include "learnrec/path/team.hpp"

#include <algorithm>
#include <map>
#include <tuple>

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
    const timestamp_t start = month_start(options, 0);
    learnrec::detail::parallel_for(
        0, static_cast<std::int64_t>(out.learners.size()), num_threads,
        [&](std::int64_t i) {
            const auto k = static_cast<std::size_t>(i);
            out.plans[k] = plan_path(data.catalogue, data.course_hours,
                                     planning_learner(data, out.learners[k], start, source), options);
        },
        64);

    // Seats per course, quarter and country; a session's country is where it is held.
    std::map<std::tuple<std::string, std::string, std::string>, int> seats;  // (quarter, country, course)
    for (std::size_t k = 0; k < out.plans.size(); ++k) {
        const Plan& p = out.plans[k];
        out.hours += p.total_hours;
        out.steps += p.steps.size();
        out.unmet += p.unmet.size();
        out.optimal += p.optimal;
        const auto& facts = data.learner_facts[static_cast<std::size_t>(out.learners[k])];
        for (const auto& s : p.steps) {
            const std::string month = month_label(options, s.month);
            const int q = (std::stoi(month.substr(5, 2)) - 1) / 3 + 1;
            std::string country = facts.country;
            if (s.session >= 0) {
                const auto& ses = data.catalogue.sessions[static_cast<std::size_t>(s.session)];
                country = ses.location.empty() ? "online" : ses.location;
            }
            ++seats[{fmt::format("{}-Q{}", month.substr(0, 4), q), country, data.courses.id(s.course)}];
        }
    }
    for (const auto& [key, n] : seats) {
        const auto& [quarter, country, course] = key;
        const auto c = *data.courses.find(course);
        out.seats.push_back({course, quarter, country, data.catalogue.courses[static_cast<std::size_t>(c)].format, n});
    }

    // Coverage against the workforce plan's lines for the horizon's last year.
    const int year = std::stoi(month_label(options, options.months - 1).substr(0, 4));
    std::map<std::string, bool> in_team;
    for (index_t l : out.learners) in_team[data.learner_facts[static_cast<std::size_t>(l)].department] = true;
    for (const auto& w : data.workforce_plan) {
        if (w.year != year || !in_team.count(w.department)) continue;
        SkillCoverage cov{w.department, w.skill, w.year, w.level, 0, 0, w.people};
        for (std::size_t k = 0; k < out.learners.size(); ++k) {
            const auto l = static_cast<std::size_t>(out.learners[k]);
            if (data.learner_facts[l].department != w.department) continue;
            int now = 0;
            for (const auto& t : data.targets[l])
                if (t.skill == w.skill) now = t.current;
            int planned = now;
            for (const auto& s : out.plans[k].steps)
                for (const auto& cs : data.catalogue.courses[static_cast<std::size_t>(s.course)].skills)
                    if (cs.skill == w.skill) planned = std::max(planned, cs.level);
            cov.people_now += now >= w.level;
            cov.people_planned += planned >= w.level;
        }
        out.coverage.push_back(std::move(cov));
    }
    return out;
}

}  // namespace learnrec::path
