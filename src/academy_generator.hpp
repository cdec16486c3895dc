// learnrec — internal: what the academy generator's parts share (src/academy.cpp draws the
// catalogue, the learners and their enrolments; src/academy_schema2.cpp adds the schema 2 fields):
// the tables the academy is drawn from and the generator's hidden state.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "academy_random.hpp"
#include "learnrec/data/academy.hpp"

namespace learnrec::detail::academy_gen {

// ---- tables -------------------------------------------------------------------------------------

constexpr std::size_t kTopics = 20;
constexpr std::size_t kRoles = 11;
constexpr std::size_t kDepartments = 12;
constexpr std::size_t kSubjects = 6;  // per topic

struct Topic {
    const char* name;
    double share;  // relative catalogue size
    std::array<const char*, 6> subjects;  // kSubjects
};
constexpr std::array<Topic, kTopics> kTopicTable{{
    {"cybersecurity", 6, {"Cybersecurity", "Phishing Awareness", "Secure Coding", "Incident Response",
                          "Network Security", "Identity and Access Management"}},
    {"cloud", 6, {"Cloud Computing", "AWS", "Azure", "Kubernetes", "Cloud Architecture", "Serverless"}},
    {"data science", 6, {"Data Science", "Statistics", "Data Visualisation", "SQL", "Power BI", "A/B Testing"}},
    {"python", 5, {"Python", "pandas", "Python Testing", "Python Automation", "NumPy", "Python Web APIs"}},
    {"software engineering", 5, {"Software Design", "Clean Code", "Git", "Java", "Code Review", "Microservices"}},
    {"devops", 4, {"DevOps", "CI/CD Pipelines", "Docker", "Infrastructure as Code", "Observability",
                   "Site Reliability Engineering"}},
    {"machine learning", 5, {"Machine Learning", "Deep Learning", "Generative AI", "MLOps",
                             "Natural Language Processing", "Prompt Engineering"}},
    {"project management", 5, {"Project Management", "PRINCE2", "PMP Exam Preparation", "Risk Management",
                               "Stakeholder Management", "Project Planning"}},
    {"agile", 4, {"Agile", "Scrum", "Kanban", "Product Ownership", "SAFe", "Agile Coaching"}},
    {"leadership", 6, {"Leadership", "People Management", "Coaching Skills", "Change Management",
                       "Strategic Thinking", "Leading Remote Teams"}},
    {"communication", 6, {"Business Writing", "Public Speaking", "Presentation Skills", "Feedback Conversations",
                          "Cross-cultural Communication", "Storytelling"}},
    {"compliance", 5, {"GDPR", "Anti-Bribery", "Code of Conduct", "Health and Safety", "Anti-Money Laundering",
                       "Export Control"}},
    {"finance", 4, {"Corporate Finance", "Budgeting", "Financial Analysis", "Accounting", "IFRS",
                    "Financial Modelling in Excel"}},
    {"sales", 5, {"Selling", "Consultative Selling", "Key Account Management", "CRM", "Sales Prospecting",
                  "Salesforce"}},
    {"marketing", 4, {"Digital Marketing", "SEO", "Brand Management", "Content Marketing", "Marketing Analytics",
                      "Social Media Marketing"}},
    {"human resources", 4, {"Recruiting", "Employment Law", "Talent Management", "Compensation and Benefits",
                            "Onboarding", "HR Analytics"}},
    {"customer experience", 4, {"Customer Service", "Customer Success", "Handling Difficult Customers",
                                "Service Design", "Customer Journey Mapping", "Net Promoter Score"}},
    {"negotiation", 3, {"Negotiation", "Conflict Resolution", "Influencing Skills", "Procurement Negotiation",
                        "Contract Negotiation", "Persuasion"}},
    {"office productivity", 5, {"Excel", "PowerPoint", "Microsoft Teams", "Time Management", "Outlook",
                                "SharePoint"}},
    {"wellbeing", 4, {"Stress Management", "Mindfulness", "Resilience", "Work-Life Balance", "Ergonomics",
                      "Sleep and Performance"}},
}};

constexpr std::array<const char*, kDepartments> kDepartmentNames{
    "Engineering", "IT",         "R&D",        "Data & Analytics", "Sales",            "Marketing",
    "Finance",     "Human Resources", "Consulting", "Customer Service", "Operations", "PMO"};

struct Role {
    const char* name;
    const char* audience;  // as in "Advanced Python for <audience>"
    double share;
    double english;  // probability of speaking English outside English-speaking countries
    std::array<double, kDepartments> departments;
    // Affinity per topic, in kTopicTable order: cyber, cloud, data sci, python, soft eng, devops, ML,
    // project mgmt, agile, leadership, communication, compliance, finance, sales, marketing, HR,
    // customer exp, negotiation, office, wellbeing.
    std::array<double, kTopics> topics;
};
constexpr std::array<Role, kRoles> kRoleTable{{
    {"engineer", "Engineers", 0.20, 0.80, {6, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0},
     {4, 8, 2, 6, 9, 7, 4, 1, 4, 1, 1, 2, 0, 0, 0, 0, 0, 0, 1, 1}},
    {"data scientist", "Data Scientists", 0.06, 0.80, {0, 0, 2, 8, 0, 0, 0, 0, 0, 0, 0, 0},
     {1, 4, 10, 9, 3, 2, 9, 1, 2, 1, 2, 2, 1, 0, 0, 0, 0, 0, 2, 1}},
    // A manager's department decides which other profile blends in (see main_role below).
    {"manager", "Managers", 0.12, 0.70, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
     {1, 1, 1, 0, 0, 0, 1, 5, 3, 10, 6, 3, 3, 1, 1, 4, 1, 4, 2, 3}},
    {"sales", "Sales Teams", 0.14, 0.55, {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0},
     {1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 5, 2, 1, 10, 3, 0, 5, 8, 3, 2}},
    {"hr", "HR Professionals", 0.05, 0.55, {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0},
     {1, 0, 1, 0, 0, 0, 0, 0, 0, 3, 5, 4, 0, 0, 0, 10, 0, 2, 3, 5}},
    {"finance", "Finance Teams", 0.07, 0.60, {0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0},
     {1, 0, 3, 2, 0, 0, 0, 1, 0, 1, 2, 5, 10, 0, 0, 0, 0, 1, 6, 1}},
    {"consultant", "Consultants", 0.10, 0.80, {0, 0.15, 0, 0, 0, 0, 0, 0, 0.85, 0, 0, 0},
     {2, 3, 4, 2, 2, 0, 3, 6, 5, 2, 6, 2, 2, 3, 0, 0, 2, 3, 3, 1}},
    {"marketing", "Marketers", 0.06, 0.65, {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0},
     {0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 5, 1, 0, 3, 10, 0, 4, 0, 3, 1}},
    {"customer support", "Support Agents", 0.10, 0.55, {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0},
     {2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 2, 0, 2, 0, 0, 10, 2, 4, 3}},
    {"project manager", "Project Managers", 0.06, 0.70, {0.3, 0.2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5},
     {1, 1, 0, 0, 1, 0, 0, 10, 8, 4, 5, 2, 2, 0, 0, 0, 0, 3, 3, 1}},
    {"operations", "Operations Teams", 0.04, 0.55, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0},
     {2, 0, 2, 0, 0, 0, 0, 4, 2, 2, 2, 6, 3, 0, 0, 0, 2, 0, 5, 3}},
}};
constexpr std::size_t kManager = 2;
// The role whose topics a manager of each department also leans to.
constexpr std::array<std::size_t, kDepartments> kDepartmentMainRole{0, 0, 0, 1, 3, 7, 5, 4, 6, 8, 10, 9};
// Every role has some interest in every topic, so no topic is unreachable.
constexpr double kTopicFloor = 0.3;

struct Country {
    const char* name;
    const char* language;
    double share;
};
constexpr std::array<Country, 14> kCountryTable{{
    {"France", "fr", 0.14},      {"Germany", "de", 0.12}, {"United Kingdom", "en", 0.12},
    {"United States", "en", 0.14}, {"Spain", "es", 0.08},  {"Italy", "it", 0.06},
    {"Netherlands", "nl", 0.04}, {"Poland", "pl", 0.05},  {"Brazil", "pt", 0.04},
    {"Portugal", "pt", 0.03},    {"Mexico", "es", 0.04},  {"India", "en", 0.08},
    {"Canada", "en", 0.04},      {"Belgium", "fr", 0.02},
}};

struct Weighted {
    const char* name;
    double share;
};
constexpr std::array<Weighted, 8> kCourseLanguages{{
    {"en", 0.55}, {"fr", 0.12}, {"de", 0.10}, {"es", 0.08}, {"it", 0.04}, {"pt", 0.04}, {"pl", 0.04}, {"nl", 0.03}}};

enum Format : std::uint8_t { elearning, webinar, mooc, classroom };
constexpr std::array<Weighted, 4> kFormats{{{"e-learning", 0.45}, {"webinar", 0.20}, {"MOOC", 0.12},
                                            {"classroom", 0.23}}};
constexpr std::array<double, 4> kCompletionBase{0.55, 0.80, 0.35, 0.90};
// Completion delay in days: minimum + mean of an exponential extra, capped at 60.
constexpr std::array<double, 4> kDelayMinDays{1, 1, 14, 1};
constexpr std::array<double, 4> kDelayMeanDays{8, 1, 18, 4};

constexpr std::array<double, 3> kLevelShares{0.40, 0.40, 0.20};
constexpr std::array<std::array<const char*, 4>, 3> kTitleTemplates{{
    {"{} Fundamentals", "Introduction to {}", "{} Essentials", "Getting Started with {}"},
    {"{} in Practice", "Applied {}", "Intermediate {}", "{} Workshop"},
    {"Advanced {}", "Mastering {}", "{} Masterclass", "Expert {}"},
}};

constexpr double kZipfExponent = 0.8;
constexpr double kLateReleaseShare = 0.2;
constexpr double kAudienceShare = 0.25;
constexpr double kInactiveShare = 0.05;
constexpr double kCountSigma = 0.8;
constexpr double kFollowUp = 0.4;
constexpr double kPersonalShare = 0.5;
constexpr double kUnspoken = 0.005;
constexpr double kOtherSpoken = 0.6;
// Probability of keeping a drawn course by its audience: courses "for <role>" attract that role.
constexpr double kKeepOwnAudience = 1.0;
constexpr double kKeepGeneral = 0.7;
constexpr double kKeepOtherAudience = 0.25;
constexpr int kMaxAttempts = 64;

constexpr timestamp_t kStart = 1704067200;            // 2024-01-01T00:00:00Z
constexpr timestamp_t kWindow = 731 * 86400;          // to 2026-01-01 (2024 is a leap year)
constexpr double kYear = 365.25 * 86400.0;

// ---- generation ---------------------------------------------------------------------------------

constexpr std::size_t kLanguages = kCourseLanguages.size();
constexpr std::size_t kLevels = 3;
constexpr std::size_t kCellsPerGroup = kLanguages * kLevels;

// Courses of each group (a topic, or a subject) split into cells by (language, level), so that a
// learner's language and level preferences weight whole cells instead of rejecting single courses:
// sampling stays a few binary searches even for a learner who reads only a rare language.
struct Cells {
    std::vector<std::vector<index_t>> members;    // group * kCellsPerGroup + language * kLevels + level - 1
    std::vector<std::vector<double>> popularity;  // cumulative, aligned with members
    std::vector<double> mass;                     // total popularity of each cell

    explicit Cells(std::size_t groups)
        : members(groups * kCellsPerGroup), popularity(groups * kCellsPerGroup), mass(groups * kCellsPerGroup) {}
    void add(std::size_t group, std::size_t language, int level, index_t course, double weight) {
        const std::size_t cell = group * kCellsPerGroup + language * kLevels + static_cast<std::size_t>(level - 1);
        members[cell].push_back(course);
        popularity[cell].push_back(mass[cell] += weight);
    }
};

struct Catalogue {
    std::vector<CourseInfo> courses;
    std::vector<std::size_t> language;  // index into kCourseLanguages
    std::vector<Format> format;
    std::vector<int> audience;          // role index, -1 for everyone
    std::vector<std::size_t> subject;   // topic * kSubjects + subject: courses forming a learning path
    std::vector<timestamp_t> release;
    Cells by_topic{kTopics};
    Cells by_subject{kTopics * kSubjects};
};

struct Learner {
    std::size_t role;
    std::size_t department;
    std::array<std::size_t, 2> languages;  // indices into kCourseLanguages; [1] == [0] when only one
};

struct Preferences {
    std::array<double, kTopics> affinity_cum;
    double level_start;
    double level_growth;  // per year
    double diligence;
};

/// One enrolment as generated, with what schema 2 derives the typed lifecycle from.
struct Enrolment {
    index_t learner;
    index_t course;
    timestamp_t enrolled;
    timestamp_t completed;  // -1 when not completed within the window
    double level_gap;       // |course level - preferred level| at enrolment
};

/// Adds the schema 2 fields (course details, learner details, obligations, lifecycle,
/// prerequisites, sessions, opportunities) from their own streams (src/academy_schema2.cpp).
void add_schema2(Academy& academy, const AcademyConfig& config, const Catalogue& cat, const std::vector<Learner>& hidden,
                 const std::vector<Preferences>& preferences, const std::vector<Enrolment>& enrolments);

}  // namespace learnrec::detail::academy_gen
