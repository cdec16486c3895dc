// learnrec — the academy's schema 2 fields: course providers, skills and certifications,
// learner seniority and goals, the skills review, obligations, the typed lifecycle,
// prerequisites and sessions. Each aspect draws from its own stream, so that schema 1 fields keep
// their values for a given seed (the schema promise in academy.hpp).
#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <utility>

#include "academy_generator.hpp"
#include "academy_opportunities.hpp"

namespace learnrec::detail::academy_gen {
namespace {

// The skill each subject teaches, in kTopicTable's subject order. Some subjects share a skill
// (PRINCE2 and PMP both teach "project management").
constexpr std::array<std::array<const char*, kSubjects>, kTopics> kSubjectSkills{{
    {"cybersecurity", "security awareness", "secure coding", "incident response", "network security",
     "identity and access management"},
    {"cloud computing", "aws", "azure", "kubernetes", "cloud architecture", "serverless"},
    {"data science", "statistics", "data visualisation", "sql", "power bi", "experimentation"},
    {"python", "pandas", "software testing", "automation", "numpy", "web apis"},
    {"software design", "clean code", "git", "java", "code review", "microservices"},
    {"devops", "ci/cd", "docker", "infrastructure as code", "observability", "site reliability engineering"},
    {"machine learning", "deep learning", "generative ai", "mlops", "natural language processing", "generative ai"},
    {"project management", "project management", "project management", "risk management", "stakeholder management",
     "project planning"},
    {"agile", "scrum", "kanban", "product ownership", "scaled agile", "agile coaching"},
    {"leadership", "people management", "coaching", "change management", "strategic thinking", "people management"},
    {"business writing", "public speaking", "public speaking", "feedback", "cross-cultural communication",
     "storytelling"},
    {"data protection", "anti-corruption", "ethics", "health and safety", "anti-money laundering", "export control"},
    {"corporate finance", "budgeting", "financial analysis", "accounting", "ifrs", "financial modelling"},
    {"selling", "consultative selling", "key account management", "crm", "prospecting", "crm"},
    {"digital marketing", "seo", "brand management", "content marketing", "marketing analytics",
     "social media marketing"},
    {"recruiting", "employment law", "talent management", "compensation and benefits", "onboarding", "hr analytics"},
    {"customer service", "customer success", "customer service", "service design", "customer journey mapping",
     "customer success"},
    {"negotiation", "conflict resolution", "influencing", "negotiation", "negotiation", "influencing"},
    {"excel", "powerpoint", "collaboration tools", "time management", "collaboration tools", "collaboration tools"},
    {"stress management", "mindfulness", "resilience", "work-life balance", "ergonomics", "sleep"},
}};

// Topic indices in kTopicTable used by the rules below.
constexpr std::size_t kCyber = 0, kCloud = 1, kProjectMgmt = 7, kAgile = 8, kLeadership = 9, kCompliance = 11,
                      kHumanResources = 15;

// Providers per format (in Format order).
constexpr std::array<Weighted, 4> kElearningProviders{
    {{"internal", 0.45}, {"LinkedIn Learning", 0.30}, {"Udemy Business", 0.15}, {"Pluralsight", 0.10}}};
constexpr std::array<Weighted, 2> kWebinarProviders{{{"internal", 0.80}, {"LinkedIn Learning", 0.20}}};
constexpr std::array<Weighted, 3> kMoocProviders{{{"Coursera", 0.50}, {"edX", 0.30}, {"FutureLearn", 0.20}}};
constexpr std::array<Weighted, 3> kClassroomProviders{{{"internal", 0.60}, {"Cegos", 0.25}, {"Global Knowledge", 0.15}}};

constexpr std::array<const char*, 3> kSeniorities{"junior", "mid", "senior"};
constexpr std::array<double, 3> kSeniorityShares{0.30, 0.45, 0.25};
constexpr std::array<double, 3> kManagerSeniorityShares{0.0, 0.40, 0.60};
constexpr std::array<double, 3> kReviewLevelShares{0.25, 0.50, 0.25};

constexpr double kSecondSkill = 0.5;
constexpr double kThirdSkill = 0.25;
constexpr double kPersonalObligation = 0.02;
constexpr double kStartedWithoutCompletion = 0.6;
constexpr double kPassFirstTime = 0.85;
constexpr double kRetakeAndPass = 0.7;
constexpr double kDropped = 0.5;
constexpr double kRated = 0.35;

constexpr timestamp_t kDay = 86400;
constexpr timestamp_t kEnd = kStart + kWindow;       // 2026-01-01: nothing observed from then on
constexpr timestamp_t kSecondHalf2025 = 1751328000;  // 2025-07-01
constexpr int kPlanningDays = 730;                   // due dates and sessions: 2026-01-01 .. 2027-12-31

const char* region_of(std::string_view country) {
    if (country == "United States" || country == "Brazil" || country == "Mexico" || country == "Canada")
        return "Americas";
    if (country == "India") return "APAC";
    return "EMEA";
}

int validity_months(std::size_t topic, std::size_t subject, int level) {
    if (topic == kCompliance) return subject == 3 ? 24 : 12;  // Health and Safety: every two years
    if (topic == kCyber && subject <= 1 && level == 1) return 12;
    if (topic == kProjectMgmt && (subject == 1 || subject == 2)) return 36;
    if (topic == kAgile && (subject == 1 || subject == 4)) return 36;
    if (topic == kCloud && subject >= 1 && subject <= 3 && level >= 2) return 36;
    return 0;
}

/// Appends `s` unless its skill is there; a repeated skill keeps the highest level.
void merge_skill(std::vector<SkillLevel>& skills, SkillLevel s) {
    for (auto& existing : skills)
        if (existing.skill == s.skill) {
            existing.level = std::max(existing.level, s.level);
            return;
        }
    skills.push_back(std::move(s));
}

void add_course_details(std::vector<CourseInfo>& courses, const Catalogue& cat, const AcademyConfig& config) {
    Rng rng(config.seed, kCourseExtraStream);
    const std::array<std::vector<double>, 4> provider_cum{cumulative_shares(kElearningProviders),
                                                          cumulative_shares(kWebinarProviders),
                                                          cumulative_shares(kMoocProviders),
                                                          cumulative_shares(kClassroomProviders)};
    for (std::size_t j = 0; j < courses.size(); ++j) {
        auto& c = courses[j];
        const std::size_t topic = cat.subject[j] / kSubjects;
        const std::size_t subject = cat.subject[j] % kSubjects;
        const Format f = cat.format[j];
        const std::size_t p = rng.categorical(provider_cum[f]);
        switch (f) {
            case elearning: c.provider = kElearningProviders[p].name; break;
            case webinar: c.provider = kWebinarProviders[p].name; break;
            case mooc: c.provider = kMoocProviders[p].name; break;
            case classroom: c.provider = kClassroomProviders[p].name; break;
        }
        c.skills.push_back({kSubjectSkills[topic][subject], c.level});
        for (const double p_more : {kSecondSkill, kThirdSkill}) {
            if (!rng.bernoulli(p_more)) break;
            // Another subject of the topic: index over the 5 others.
            std::size_t other = rng.index(kSubjects - 1);
            if (other >= subject) ++other;
            merge_skill(c.skills, {kSubjectSkills[topic][other], std::max(1, c.level - 1)});
        }
        c.validity_months = validity_months(topic, subject, c.level);
        c.has_exam = c.validity_months > 0 || f == mooc || (f == elearning && c.level == 3);
    }
}

/// Topic weights of a team's review: the squared role affinity (a manager's blended with the
/// department's main role), so that reviews name the topics the role is about, not side interests.
std::vector<double> role_topic_cumulative(std::size_t role, std::size_t dept) {
    std::array<double, kTopics> w{};
    for (std::size_t t = 0; t < kTopics; ++t) {
        double a = kRoleTable[role].topics[t];
        if (role == kManager) a = 0.6 * a + 0.4 * kRoleTable[kDepartmentMainRole[dept]].topics[t];
        w[t] = a * a;
    }
    return cumulative(w);
}

std::vector<SkillsReviewEntry> make_skills_review(const AcademyConfig& config,
                                                  std::array<std::array<int, kRoles>, kDepartments>& entry_of) {
    Rng rng(config.seed, kReviewStream);
    const auto level_cum = cumulative(kReviewLevelShares);
    std::vector<SkillsReviewEntry> review;
    for (std::size_t d = 0; d < kDepartments; ++d)
        for (std::size_t r = 0; r < kRoles; ++r) {
            entry_of[d][r] = -1;
            if (kRoleTable[r].departments[d] <= 0.0) continue;
            entry_of[d][r] = static_cast<int>(review.size());
            SkillsReviewEntry e{kDepartmentNames[d], kRoleTable[r].name, {}};
            const auto topic_cum = role_topic_cumulative(r, d);
            const std::size_t wanted = 3 + rng.index(4);
            for (int attempt = 0; attempt < 64 && e.skills.size() < wanted; ++attempt) {
                const std::size_t topic = rng.categorical(topic_cum);
                const char* skill = kSubjectSkills[topic][rng.index(kSubjects)];
                const int level = static_cast<int>(rng.categorical(level_cum)) + 1;
                const bool fresh = std::none_of(e.skills.begin(), e.skills.end(),
                                                [&](const SkillLevel& s) { return s.skill == skill; });
                if (fresh) e.skills.push_back({skill, level});
            }
            review.push_back(std::move(e));
        }
    return review;
}

void add_learner_details(Academy& academy, const AcademyConfig& config, const std::vector<Learner>& hidden,
                         const std::vector<Preferences>& preferences) {
    std::array<std::array<int, kRoles>, kDepartments> entry_of{};
    academy.skills_review = make_skills_review(config, entry_of);
    Rng seniority_rng(config.seed, kSeniorityStream);
    Rng goal_rng(config.seed, kGoalStream);
    const auto seniority_cum = cumulative(kSeniorityShares);
    const auto manager_cum = cumulative(kManagerSeniorityShares);
    for (std::size_t i = 0; i < academy.learners.size(); ++i) {
        auto& p = academy.learners[i];
        const Learner& l = hidden[i];
        p.region = region_of(p.country);
        p.seniority = kSeniorities[seniority_rng.categorical(l.role == kManager ? manager_cum : seniority_cum)];
        const Preferences& pref = preferences[i];
        // The preferred level at the start of 2026, two years in.
        const int goal_level = static_cast<int>(std::clamp(std::ceil(pref.level_start + 2.0 * pref.level_growth), 1.0, 3.0));
        const std::size_t goals = goal_rng.index(4);
        for (std::size_t g = 0; g < goals; ++g) {
            const std::size_t topic = goal_rng.categorical(pref.affinity_cum);
            merge_skill(p.target_skills, {kSubjectSkills[topic][goal_rng.index(kSubjects)], goal_level});
        }
        const int entry = entry_of[l.department][l.role];
        if (entry >= 0)
            for (const auto& s : academy.skills_review[static_cast<std::size_t>(entry)].skills)
                merge_skill(p.target_skills, s);
    }
}

/// The lowest-level, lowest-index course of each subject, or -1.
std::vector<index_t> subject_entry_courses(const std::vector<CourseInfo>& courses, const Catalogue& cat) {
    std::vector<index_t> best(kTopics * kSubjects, -1);
    for (std::size_t j = 0; j < courses.size(); ++j) {
        index_t& b = best[cat.subject[j]];
        if (b < 0 || courses[j].level < courses[static_cast<std::size_t>(b)].level) b = static_cast<index_t>(j);
    }
    return best;
}

struct ObligationRule {
    const char* scope;
    const char* value;
    std::size_t topic;
    std::size_t subject;
};
constexpr std::array<ObligationRule, 11> kObligationRules{{
    {"all", "", kCompliance, 2},              // Code of Conduct
    {"all", "", kCompliance, 0},              // GDPR
    {"all", "", kCompliance, 1},              // Anti-Bribery
    {"role", "finance", kCompliance, 4},      // Anti-Money Laundering
    {"role", "engineer", kCyber, 2},          // Secure Coding
    {"role", "manager", kLeadership, 1},      // People Management
    {"department", "Sales", kCompliance, 5},  // Export Control
    {"department", "Human Resources", kHumanResources, 1},  // Employment Law
    {"country", "France", kCompliance, 3},    // Health and Safety
    {"country", "Germany", kCompliance, 3},
    {"country", "Italy", kCompliance, 3},
}};

bool obligation_applies(const Obligation& o, const LearnerProfile& p) {
    if (o.scope == "all") return true;
    if (o.scope == "role") return o.value == p.role;
    if (o.scope == "department") return o.value == p.department;
    if (o.scope == "country") return o.value == p.country;
    return o.value == p.id;  // "learner"
}

/// Obligations, and for each learner the indices of the courses obligatory for them.
std::vector<std::vector<index_t>> add_obligations(Academy& academy, const AcademyConfig& config, const Catalogue& cat) {
    Rng rng(config.seed, kObligationStream);
    const auto entry = subject_entry_courses(academy.courses, cat);
    const timestamp_t plan_start = kEnd;
    std::vector<index_t> general_course;
    for (const auto& rule : kObligationRules) {
        const timestamp_t due = plan_start + static_cast<timestamp_t>(rng.index(kPlanningDays)) * kDay;
        const index_t c = entry[rule.topic * kSubjects + rule.subject];
        if (c < 0) continue;
        academy.obligations.push_back({academy.courses[static_cast<std::size_t>(c)].id, rule.scope, rule.value, due});
        general_course.push_back(c);
    }
    const std::size_t general = academy.obligations.size();

    // Courses teaching each skill as their main skill, for personal obligations.
    std::vector<std::pair<std::string_view, index_t>> by_skill;
    for (std::size_t j = 0; j < academy.courses.size(); ++j)
        by_skill.emplace_back(academy.courses[j].skills.front().skill, static_cast<index_t>(j));
    std::stable_sort(by_skill.begin(), by_skill.end(), [](auto& a, auto& b) { return a.first < b.first; });

    std::vector<std::vector<index_t>> obligatory(academy.learners.size());
    for (std::size_t i = 0; i < academy.learners.size(); ++i) {
        const auto& p = academy.learners[i];
        for (std::size_t k = 0; k < general; ++k)
            if (obligation_applies(academy.obligations[k], p)) obligatory[i].push_back(general_course[k]);
        if (!rng.bernoulli(kPersonalObligation) || p.target_skills.empty()) continue;
        const std::string_view skill = p.target_skills[rng.index(p.target_skills.size())].skill;
        const auto lo = std::lower_bound(by_skill.begin(), by_skill.end(), skill,
                                         [](const auto& a, std::string_view s) { return a.first < s; });
        const auto hi = std::upper_bound(by_skill.begin(), by_skill.end(), skill,
                                         [](std::string_view s, const auto& a) { return s < a.first; });
        const timestamp_t due = plan_start + static_cast<timestamp_t>(rng.index(kPlanningDays)) * kDay;
        if (lo == hi) continue;
        const index_t c = (lo + static_cast<std::ptrdiff_t>(rng.index(static_cast<std::size_t>(hi - lo))))->second;
        if (std::find(obligatory[i].begin(), obligatory[i].end(), c) != obligatory[i].end()) continue;
        academy.obligations.push_back({academy.courses[static_cast<std::size_t>(c)].id, "learner", p.id, due});
        obligatory[i].push_back(c);
    }
    return obligatory;
}

void add_lifecycle(Academy& academy, const AcademyConfig& config, const std::vector<Enrolment>& enrolments,
                   const std::vector<std::vector<index_t>>& obligatory) {
    Rng rng(config.seed, kLifecycleStream);
    auto& out = academy.lifecycle;
    out.reserve(enrolments.size() * 3);
    std::vector<char> enrolled(academy.courses.size(), 0);  // per course, for the current learner
    std::size_t k = 0;
    for (std::size_t i = 0; i < academy.learners.size(); ++i) {
        const auto learner = static_cast<index_t>(i);
        const auto& must = obligatory[i];
        const std::size_t first = k;
        for (; k < enrolments.size() && enrolments[k].learner == learner; ++k) {
            const Enrolment& e = enrolments[k];
            const auto& course = academy.courses[static_cast<std::size_t>(e.course)];
            enrolled[static_cast<std::size_t>(e.course)] = 1;
            if (std::find(must.begin(), must.end(), e.course) != must.end()) {
                const timestamp_t assigned = e.enrolled - static_cast<timestamp_t>(1 + rng.index(30)) * kDay;
                if (assigned >= kStart)  // else it happened before the observation window
                    out.push_back({learner, e.course, LifecycleKind::assigned, assigned, 0.0f});
            }
            out.push_back({learner, e.course, LifecycleKind::enrolled, e.enrolled, 0.0f});
            if (e.completed >= 0) {
                const auto span = static_cast<double>(e.completed - e.enrolled);
                out.push_back({learner, e.course, LifecycleKind::started,
                               e.enrolled + static_cast<timestamp_t>(rng.uniform() * span), 0.0f});
                out.push_back({learner, e.course, LifecycleKind::completed, e.completed, 0.0f});
                if (course.has_exam) {
                    if (rng.bernoulli(kPassFirstTime)) {
                        out.push_back({learner, e.course, LifecycleKind::passed, e.completed, 0.0f});
                    } else {
                        out.push_back({learner, e.course, LifecycleKind::failed, e.completed, 0.0f});
                        const timestamp_t retake = e.completed + static_cast<timestamp_t>(7 + rng.index(24)) * kDay;
                        if (rng.bernoulli(kRetakeAndPass) && retake < kEnd)
                            out.push_back({learner, e.course, LifecycleKind::passed, retake, 0.0f});
                    }
                }
                if (rng.bernoulli(kRated)) {
                    const timestamp_t when = e.completed + static_cast<timestamp_t>(rng.index(4 * kDay));
                    const double stars = std::round(4.0 + 0.8 * rng.normal() - 0.8 * e.level_gap);
                    if (when < kEnd)
                        out.push_back({learner, e.course, LifecycleKind::rated, when,
                                       static_cast<float>(std::clamp(stars, 1.0, 5.0))});
                }
            } else {
                if (rng.bernoulli(kStartedWithoutCompletion)) {
                    const timestamp_t when = e.enrolled + static_cast<timestamp_t>(rng.index(7 * kDay));
                    if (when < kEnd) out.push_back({learner, e.course, LifecycleKind::started, when, 0.0f});
                }
                if (rng.bernoulli(kDropped)) {
                    const timestamp_t when = e.enrolled + static_cast<timestamp_t>(7 + rng.index(84)) * kDay;
                    if (when < kEnd) out.push_back({learner, e.course, LifecycleKind::dropped, when, 0.0f});
                }
            }
        }
        for (const index_t c : must)
            if (!enrolled[static_cast<std::size_t>(c)])
                out.push_back({learner, c, LifecycleKind::assigned,
                               kSecondHalf2025 + static_cast<timestamp_t>(
                                                     rng.index(static_cast<std::size_t>(kEnd - kSecondHalf2025))),
                               0.0f});
        // Reset only what this learner touched: clearing all courses per learner is O(learners x courses).
        for (std::size_t e = first; e < k; ++e) enrolled[static_cast<std::size_t>(enrolments[e].course)] = 0;
    }
    std::sort(out.begin(), out.end(), [](const LifecycleEvent& a, const LifecycleEvent& b) {
        if (a.time != b.time) return a.time < b.time;
        if (a.learner != b.learner) return a.learner < b.learner;
        if (a.course != b.course) return a.course < b.course;
        return a.kind < b.kind;
    });
}

void add_prerequisites(Academy& academy, const Catalogue& cat) {
    // courses of each (subject, level), in index order
    std::vector<std::array<std::vector<index_t>, kLevels>> members(kTopics * kSubjects);
    for (std::size_t j = 0; j < academy.courses.size(); ++j)
        members[cat.subject[j]][static_cast<std::size_t>(academy.courses[j].level - 1)].push_back(static_cast<index_t>(j));
    for (std::size_t j = 0; j < academy.courses.size(); ++j) {
        const int level = academy.courses[j].level;
        if (level == 1) continue;
        const auto& below = members[cat.subject[j]][static_cast<std::size_t>(level - 2)];
        if (below.empty()) continue;
        index_t chosen = below.front();
        for (const index_t b : below)
            if (cat.language[static_cast<std::size_t>(b)] == cat.language[j]) {
                chosen = b;
                break;
            }
        academy.prerequisites.push_back({static_cast<index_t>(j), chosen});
    }
}

void add_sessions(Academy& academy, const AcademyConfig& config, const Catalogue& cat) {
    Rng rng(config.seed, kSessionStream);
    std::array<std::vector<double>, kLanguages> country_cum;
    for (std::size_t lang = 0; lang < kLanguages; ++lang) {
        std::array<double, kCountryTable.size()> w{};
        for (std::size_t k = 0; k < kCountryTable.size(); ++k)
            w[k] = kCourseLanguages[lang].name == std::string_view("en") ||
                           std::string_view(kCountryTable[k].language) == kCourseLanguages[lang].name
                       ? kCountryTable[k].share
                       : 0.0;
        country_cum[lang] = cumulative(w);
    }
    for (std::size_t j = 0; j < academy.courses.size(); ++j) {
        const Format f = cat.format[j];
        if (f != classroom && f != webinar) continue;
        const std::size_t count = f == classroom ? 2 + rng.index(5) : 1 + rng.index(4);
        for (std::size_t s = 0; s < count; ++s) {
            // A week of slack at the end: moving to a Monday below stays within 2027.
            std::int64_t day = (kEnd / kDay) + static_cast<std::int64_t>(rng.index(kPlanningDays - 7));
            const float hours = academy.courses[j].duration_hours;
            const auto days = f == classroom ? std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(hours / 7.0f))) : 1;
            const std::int64_t weekday = (day + 3) % 7 + 1;  // 1970-01-01 was a Thursday; 1 = Monday .. 7 = Sunday
            if (weekday + days - 1 > 5) day += 8 - weekday;  // would touch a weekend: the next Monday
            const timestamp_t start = day * kDay + 8 * 3600;
            Session session{static_cast<index_t>(j), start, 0, "", 0, {}};
            if (f == classroom) {
                session.end = start + (days - 1) * kDay + 9 * 3600;
                session.location = kCountryTable[rng.categorical(country_cum[cat.language[j]])].name;
                session.capacity = 8 + static_cast<int>(rng.index(13));
            } else {
                session.end = start + static_cast<timestamp_t>(hours * 3600.0f);
                session.capacity = 50 + static_cast<int>(rng.index(451));
            }
            academy.sessions.push_back(std::move(session));
        }
    }
    std::stable_sort(academy.sessions.begin(), academy.sessions.end(), [](const auto& a, const auto& b) {
        return a.start != b.start ? a.start < b.start : a.course < b.course;
    });
}

}  // namespace

void add_schema2(Academy& academy, const AcademyConfig& config, const Catalogue& cat, const std::vector<Learner>& hidden,
                 const std::vector<Preferences>& preferences, const std::vector<Enrolment>& enrolments) {
    add_course_details(academy.courses, cat, config);
    add_learner_details(academy, config, hidden, preferences);
    const auto obligatory = add_obligations(academy, config, cat);
    add_lifecycle(academy, config, enrolments, obligatory);
    add_prerequisites(academy, cat);
    add_sessions(academy, config, cat);
    detail::add_academy_opportunities(academy, config);
}

}  // namespace learnrec::detail::academy_gen
