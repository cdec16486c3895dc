// learnrec — the academy's scarce opportunities: session ids, gigs and work packages (model in
// data/academy.hpp). Its own random stream: nothing drawn here moves any other field of the academy.
#include "academy_opportunities.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include <fmt/format.h>

#include "academy_mobility.hpp"
#include "academy_random.hpp"
#include "csv_write.hpp"

namespace learnrec::detail {

namespace {

constexpr std::uint64_t kOpportunityStream = 0x6f70706f7274756eULL;  // "opportun"; never change or reuse
constexpr timestamp_t kDay = 86400;
constexpr std::int64_t kFirstDay = 20468;  // 2026-01-15 (days since 1970-01-01)

using academy_gen::Rng;

std::string first_language(const std::string& languages) { return languages.substr(0, languages.find(',')); }

std::string skill_list(const std::vector<SkillLevel>& skills) {
    std::string out;
    for (const auto& s : skills) out += fmt::format("{}{}:{}", out.empty() ? "" : ";", s.skill, s.level);
    return out;
}

}  // namespace

void add_academy_opportunities(Academy& academy, const AcademyConfig& config) {
    add_academy_mobility(academy, config);  // who would go where: the host side of a gig's fit
    const int width = std::max<int>(6, static_cast<int>(std::to_string(academy.sessions.size()).size()));
    for (std::size_t s = 0; s < academy.sessions.size(); ++s)
        academy.sessions[s].id = fmt::format("S{:0{}}", s + 1, width);

    // What the academy already has: departments with the skills their teams review, countries with
    // their languages, and the skills courses teach (a gig teaches what the host team practises).
    std::map<std::string, std::vector<SkillLevel>> department_skills;
    for (const auto& e : academy.skills_review)
        for (const auto& s : e.skills) department_skills[e.department].push_back(s);
    std::map<std::string, std::string> country_language;
    for (const auto& l : academy.learners) country_language.emplace(l.country, first_language(l.language));
    std::set<std::string> taught;
    for (const auto& c : academy.courses)
        for (const auto& s : c.skills) taught.insert(s.skill);
    if (department_skills.empty() || country_language.empty() || taught.empty()) return;
    const std::vector<std::string> skills(taught.begin(), taught.end());
    std::vector<std::pair<std::string, std::vector<SkillLevel>>> departments(department_skills.begin(),
                                                                             department_skills.end());
    std::vector<std::pair<std::string, std::string>> countries(country_language.begin(), country_language.end());

    Rng rng(config.seed, kOpportunityStream);
    // One gig per 100 learners and one work package per 400, at least one of each.
    const std::size_t gigs = std::max<std::size_t>(1, academy.learners.size() / 100);
    const std::size_t packages = std::max<std::size_t>(1, academy.learners.size() / 400);
    for (std::size_t k = 0; k < gigs + packages; ++k) {
        const bool gig = k < gigs;
        AcademyOpportunity o;
        o.id = gig ? fmt::format("G{:05}", k + 1) : fmt::format("W{:05}", k - gigs + 1);
        o.kind = gig ? "gig" : "work_package";
        const auto& [department, review] = departments[rng.index(departments.size())];
        o.host_department = department;
        // Remote 40 %; otherwise in a country, working in its language (English is spoken everywhere).
        if (!rng.bernoulli(0.4)) {
            const auto& [country, language] = countries[rng.index(countries.size())];
            o.country = country;
            o.language = rng.bernoulli(0.5) ? language : "en";
        } else {
            o.language = "en";
        }
        o.start = (kFirstDay + static_cast<std::int64_t>(rng.index(165))) * kDay;
        o.duration_days = gig ? 10 + static_cast<int>(rng.index(21)) : 120;
        o.places = gig ? 1 + static_cast<int>(rng.index(2)) : 1 + static_cast<int>(rng.index(3) / 2);
        // Taught: one or two skills of the host team's review (a work package goes one level further).
        const std::size_t n_taught = 1 + rng.index(2);
        for (std::size_t t = 0; t < n_taught; ++t) {
            const SkillLevel& s = review[rng.index(review.size())];
            const int level = std::min(3, s.level + (gig ? 0 : 1));
            if (std::none_of(o.taught.begin(), o.taught.end(), [&](const SkillLevel& x) { return x.skill == s.skill; }))
                o.taught.push_back({s.skill, level});
        }
        // Required: a skill the catalogue teaches, at level 1 (gig) or 2 (work package), 70 % of the time.
        if (rng.bernoulli(0.7)) o.required.push_back({skills[rng.index(skills.size())], gig ? 1 : 2});
        o.title = fmt::format("{} in {}: {}", gig ? "Gig" : "Work package", department, o.taught.front().skill);
        academy.opportunities.push_back(std::move(o));
    }
}

void write_academy_opportunities_csv(const Academy& academy, const std::filesystem::path& directory) {
    std::string text =
        "opportunity_id,kind,title,host_department,country,start,duration_days,places,required_skills,taught_skills,"
        "languages\n";
    for (const auto& o : academy.opportunities) {
        bool first = true;
        const std::string start = iso8601(o.start);
        for (const std::string_view f : {std::string_view(o.id), std::string_view(o.kind), std::string_view(o.title),
                                         std::string_view(o.host_department), std::string_view(o.country),
                                         std::string_view(start)}) {
            if (!first) text.push_back(',');
            first = false;
            append_csv_field(text, f);
        }
        text += fmt::format(",{},{},", o.duration_days, o.places);
        append_csv_field(text, skill_list(o.required));
        text.push_back(',');
        append_csv_field(text, skill_list(o.taught));
        text.push_back(',');
        append_csv_field(text, o.language);
        text.push_back('\n');
    }
    write_text_file(directory / "opportunities.csv", text);
}

}  // namespace learnrec::detail
