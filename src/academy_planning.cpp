// learnrec — the academy's planning data: current skill levels, role profiles, the workforce plan.
//
// A separate aspect with its own random streams, so that every field generated before keeps its
// value for a given seed (the schema promise in academy.hpp).
#include "academy_planning.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include <fmt/format.h>

#include "academy_random.hpp"
#include "csv_write.hpp"

namespace learnrec::detail {
namespace {

constexpr std::uint64_t kCurrentLevelStream = 0x6e6f776c6576656cULL;  // "nowlevel"
constexpr std::uint64_t kWorkforceStream = 0x776f726b666f7263ULL;     // "workforc"
constexpr int kPlanYears[] = {2026, 2027, 2028};

using academy_gen::Rng;

int prior_level(const std::string& seniority, double u) {
    if (seniority == "junior") return u < 0.7 ? 0 : 1;
    if (seniority == "senior") return u < 0.3 ? 1 : u < 0.8 ? 2 : 3;
    return u < 0.3 ? 0 : u < 0.8 ? 1 : 2;  // mid, or unknown
}

}  // namespace

void add_academy_planning(Academy& academy, const AcademyConfig& config) {
    // The highest skill level each learner completed, from the lifecycle (completed or passed).
    std::vector<std::vector<SkillLevel>> reached(academy.learners.size());
    for (const auto& e : academy.lifecycle) {
        if (e.kind != LifecycleKind::completed && e.kind != LifecycleKind::passed) continue;
        auto& mine = reached[static_cast<std::size_t>(e.learner)];
        for (const auto& s : academy.courses[static_cast<std::size_t>(e.course)].skills) {
            auto it = std::find_if(mine.begin(), mine.end(), [&](const SkillLevel& m) { return m.skill == s.skill; });
            if (it == mine.end()) mine.push_back(s);
            else it->level = std::max(it->level, s.level);
        }
    }
    Rng now(config.seed, kCurrentLevelStream);
    for (std::size_t i = 0; i < academy.learners.size(); ++i) {
        auto& p = academy.learners[i];
        p.current_skills.clear();
        for (const auto& t : p.target_skills) {
            int level = prior_level(p.seniority, now.uniform());
            for (const auto& r : reached[i])
                if (r.skill == t.skill) level = std::max(level, r.level);
            p.current_skills.push_back({t.skill, level});
        }
    }

    academy.role_profiles.clear();
    for (const auto& e : academy.skills_review) {
        auto it = std::find_if(academy.role_profiles.begin(), academy.role_profiles.end(),
                               [&](const RoleProfile& r) { return r.role == e.role; });
        if (it == academy.role_profiles.end()) it = academy.role_profiles.insert(it, RoleProfile{e.role, {}});
        for (const auto& s : e.skills) {
            auto k = std::find_if(it->skills.begin(), it->skills.end(),
                                  [&](const SkillLevel& m) { return m.skill == s.skill; });
            if (k == it->skills.end()) it->skills.push_back(s);
            else k->level = std::max(k->level, s.level);
        }
    }

    // department -> skill -> highest level its reviews name (ordered maps: a stable output order).
    std::map<std::string, std::map<std::string, int>> wanted;
    for (const auto& e : academy.skills_review)
        for (const auto& s : e.skills) {
            int& level = wanted[e.department][s.skill];
            level = std::max(level, s.level);
        }
    std::map<std::pair<std::string, std::string>, int> people;
    for (const auto& p : academy.learners)
        for (const auto& t : p.target_skills) {
            auto d = wanted.find(p.department);
            if (d == wanted.end()) continue;
            auto s = d->second.find(t.skill);
            if (s != d->second.end() && t.level >= s->second) ++people[{p.department, t.skill}];
        }
    Rng growth(config.seed, kWorkforceStream);
    academy.workforce_plan.clear();
    for (const auto& [department, skills] : wanted)
        for (const auto& [skill, level] : skills) {
            const double factor = 0.95 + 0.30 * growth.uniform();
            double needed = std::max(1, people[{department, skill}]);
            for (const int year : kPlanYears) {
                academy.workforce_plan.push_back({skill, department, year, level, static_cast<int>(std::ceil(needed))});
                needed *= factor;
            }
        }
}

void write_academy_planning_csv(const Academy& academy, const std::filesystem::path& directory) {
    if (academy.schema_version < 2) return;
    auto line = [](std::initializer_list<std::string_view> fields) {
        std::string out;
        for (const auto f : fields) {
            if (!out.empty()) out.push_back(',');
            append_csv_field(out, f);
        }
        out.push_back('\n');
        return out;
    };
    std::string text = "learner_id,skill,level,current_level\n";
    for (const auto& p : academy.learners)
        for (std::size_t k = 0; k < p.target_skills.size(); ++k)
            text += line({p.id, p.target_skills[k].skill, fmt::format("{}", p.target_skills[k].level),
                          fmt::format("{}", k < p.current_skills.size() ? p.current_skills[k].level : 0)});
    write_text_file(directory / "learner_skills.csv", text);

    text = "role,skill,level\n";
    for (const auto& r : academy.role_profiles)
        for (const auto& s : r.skills) text += line({r.role, s.skill, fmt::format("{}", s.level)});
    write_text_file(directory / "role_profiles.csv", text);

    text = "skill,department,year,level,people\n";
    for (const auto& w : academy.workforce_plan)
        text += line({w.skill, w.department, fmt::format("{}", w.year), fmt::format("{}", w.level),
                      fmt::format("{}", w.people)});
    write_text_file(directory / "workforce_plan.csv", text);
}

}  // namespace learnrec::detail
