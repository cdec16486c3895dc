// learnrec — the synthetic academy generator. The model is described in academy.hpp.
#include "learnrec/data/academy.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <span>
#include <unordered_set>

#include "academy_opportunities.hpp"
#include "academy_planning.hpp"
#include "academy_managers.hpp"
#include "csv_write.hpp"

namespace learnrec {
namespace {

// ---- randomness ---------------------------------------------------------------------------------
// std:: distributions are implementation-defined, so the same seed would give different academies
// with libstdc++, libc++ and MSVC. Only the raw mt19937_64 output is used.

constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// One independent stream per aspect, so that a later schema version can add an aspect (a new
// constant) without shifting the draws of existing ones. Never change or reuse these values.
constexpr std::uint64_t kCatalogueStream = 0x636174616c6f6775ULL;    // "catalogu"
constexpr std::uint64_t kProfileStream = 0x70726f66696c6573ULL;      // "profiles"
constexpr std::uint64_t kPreferenceStream = 0x7072656665727321ULL;   // "prefers!"
constexpr std::uint64_t kEnrolmentStream = 0x656e726f6c6d656eULL;    // "enrolmen"
// Schema 2.
constexpr std::uint64_t kCourseExtraStream = 0x736b696c6c732b70ULL;  // "skills+p"
constexpr std::uint64_t kSeniorityStream = 0x73656e696f726974ULL;    // "seniorit"
constexpr std::uint64_t kReviewStream = 0x7265766965777321ULL;       // "reviews!"
constexpr std::uint64_t kGoalStream = 0x676f616c73676f61ULL;         // "goalsgoa"
constexpr std::uint64_t kObligationStream = 0x6f626c6967617465ULL;   // "obligate"
constexpr std::uint64_t kLifecycleStream = 0x6c6966656379636cULL;    // "lifecycl"
constexpr std::uint64_t kSessionStream = 0x73657373696f6e73ULL;      // "sessions"

class Rng {
public:
    Rng(std::uint64_t seed, std::uint64_t stream) : engine_(splitmix64(splitmix64(seed) ^ stream)) {}

    /// Uniform in [0, 1) from the top 53 bits.
    double uniform() noexcept { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
    bool bernoulli(double p) noexcept { return uniform() < p; }
    /// Uniform in [0, n); the bias of scaling a 53-bit draw is negligible for n < 2^31.
    std::size_t index(std::size_t n) noexcept {
        return std::min(static_cast<std::size_t>(uniform() * static_cast<double>(n)), n - 1);
    }
    /// Exp(1) by inversion.
    double exponential() noexcept { return -std::log(1.0 - uniform()); }
    /// N(0, 1) by Marsaglia's polar method (no trigonometry, whose last bits vary across libms).
    double normal() noexcept {
        for (;;) {
            const double u = 2.0 * uniform() - 1.0;
            const double v = 2.0 * uniform() - 1.0;
            const double s = u * u + v * v;
            if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
        }
    }
    /// Index drawn with probability proportional to the increments of `cumulative`.
    std::size_t categorical(std::span<const double> cumulative) noexcept {
        const double x = uniform() * cumulative.back();
        const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), x);
        return std::min(static_cast<std::size_t>(it - cumulative.begin()), cumulative.size() - 1);
    }
    template <class T>
    void shuffle(std::vector<T>& v) noexcept {
        for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[index(i)]);
    }

private:
    std::mt19937_64 engine_;
};

template <class Weights>
std::vector<double> cumulative(const Weights& w) {
    std::vector<double> c(std::size(w));
    double sum = 0.0;
    for (std::size_t i = 0; i < c.size(); ++i) c[i] = sum += static_cast<double>(w[i]);
    return c;
}

template <class Row, std::size_t N>
std::vector<double> cumulative_shares(const std::array<Row, N>& table) {
    std::array<double, N> w{};
    for (std::size_t k = 0; k < N; ++k) w[k] = table[k].share;
    return cumulative(w);
}

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

std::string id_of(char prefix, index_t i, int min_width, index_t count) {
    const int width = std::max(min_width, static_cast<int>(fmt::formatted_size("{}", count)));
    return fmt::format("{}{:0{}}", prefix, i + 1, width);
}

Catalogue make_catalogue(const AcademyConfig& config) {
    Rng rng(config.seed, kCatalogueStream);
    const auto n = static_cast<std::size_t>(config.courses);

    // Topic sizes by largest remainder, so every topic exists once there are >= 20 courses.
    std::array<std::size_t, kTopics> size{};
    std::array<double, kTopics> remainder{};
    double total_share = 0.0;
    for (const auto& t : kTopicTable) total_share += t.share;
    std::size_t assigned = 0;
    for (std::size_t t = 0; t < kTopics; ++t) {
        const double quota = static_cast<double>(n) * kTopicTable[t].share / total_share;
        size[t] = static_cast<std::size_t>(quota);
        remainder[t] = quota - static_cast<double>(size[t]);
        assigned += size[t];
    }
    std::array<std::size_t, kTopics> order{};
    for (std::size_t t = 0; t < kTopics; ++t) order[t] = t;
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return remainder[a] > remainder[b]; });
    for (std::size_t k = 0; assigned < n; ++k, ++assigned) ++size[order[k % kTopics]];
    std::vector<std::size_t> topic_of;
    topic_of.reserve(n);
    for (std::size_t t = 0; t < kTopics; ++t) topic_of.insert(topic_of.end(), size[t], t);
    rng.shuffle(topic_of);

    const auto language_cum = cumulative_shares(kCourseLanguages);
    const auto format_cum = cumulative_shares(kFormats);
    const auto level_cum = cumulative(kLevelShares);

    Catalogue cat;
    cat.courses.reserve(n);
    std::unordered_set<std::string> titles;
    for (std::size_t j = 0; j < n; ++j) {
        const std::size_t topic = topic_of[j];
        const auto format = static_cast<Format>(rng.categorical(format_cum));
        const std::size_t language = rng.categorical(language_cum);
        const int level = static_cast<int>(rng.categorical(level_cum)) + 1;
        const std::size_t subject = rng.index(kSubjects);
        const char* pattern = kTitleTemplates[static_cast<std::size_t>(level - 1)][rng.index(4)];

        // Audience courses go to the roles that care most about the topic.
        int audience = -1;
        if (rng.bernoulli(kAudienceShare)) {
            std::array<double, kRoles> w{};
            for (std::size_t r = 0; r < kRoles; ++r)
                w[r] = kRoleTable[r].topics[topic] >= 5 ? kRoleTable[r].topics[topic] : 0.0;
            const auto w_cum = cumulative(w);
            const std::size_t r = rng.categorical(w_cum);
            if (w_cum.back() > 0.0) audience = static_cast<int>(r);
        }

        double hours = 0.0;
        switch (format) {
            case elearning: hours = 0.25 * static_cast<double>(2 + rng.index(8) + 2 * (level - 1)); break;
            case webinar: hours = 1.0 + 0.5 * static_cast<double>(rng.index(3)); break;
            case mooc: hours = static_cast<double>(8 + 4 * rng.index(6) + 4 * (level - 1)); break;
            case classroom: hours = 7.0 * static_cast<double>(1 + rng.index(3)); break;
        }
        const timestamp_t release =
            rng.bernoulli(kLateReleaseShare)
                ? kStart + static_cast<timestamp_t>(rng.uniform() * 0.9 * static_cast<double>(kWindow))
                : kStart;

        std::string base = fmt::format(fmt::runtime(pattern), kTopicTable[topic].subjects[subject]);
        if (audience >= 0) base += fmt::format(" for {}", kRoleTable[static_cast<std::size_t>(audience)].audience);
        std::string title = fmt::format("{} ({})", base, kFormats[format].name);
        for (int part = 2; !titles.insert(title).second; ++part)
            title = fmt::format("{} - Part {} ({})", base, part, kFormats[format].name);

        CourseInfo& course = cat.courses.emplace_back();
        course.id = id_of('C', static_cast<index_t>(j), 4, config.courses);
        course.title = std::move(title);
        course.topic = kTopicTable[topic].name;
        course.format = kFormats[format].name;
        course.language = kCourseLanguages[language].name;
        course.level = level;
        course.duration_hours = static_cast<float>(hours);
        cat.language.push_back(language);
        cat.format.push_back(format);
        cat.audience.push_back(audience);
        cat.subject.push_back(topic * kSubjects + subject);
        cat.release.push_back(release);
    }

    // Zipf popularity over a random ranking.
    std::vector<std::size_t> rank(n);
    for (std::size_t j = 0; j < n; ++j) rank[j] = j;
    rng.shuffle(rank);
    for (std::size_t j = 0; j < n; ++j) {
        const double popularity = std::pow(static_cast<double>(rank[j] + 1), -kZipfExponent);
        const auto c = static_cast<index_t>(j);
        cat.by_topic.add(topic_of[j], cat.language[j], cat.courses[j].level, c, popularity);
        cat.by_subject.add(cat.subject[j], cat.language[j], cat.courses[j].level, c, popularity);
    }
    return cat;
}

struct Learner {
    std::size_t role;
    std::size_t department;
    std::array<std::size_t, 2> languages;  // indices into kCourseLanguages; [1] == [0] when only one
};

std::size_t language_index(std::string_view code) {
    for (std::size_t k = 0; k < kCourseLanguages.size(); ++k)
        if (code == kCourseLanguages[k].name) return k;
    return 0;
}

std::vector<LearnerProfile> make_profiles(const AcademyConfig& config, std::vector<Learner>& hidden) {
    Rng rng(config.seed, kProfileStream);
    const auto country_cum = cumulative_shares(kCountryTable);
    const auto role_cum = cumulative_shares(kRoleTable);
    std::array<std::vector<double>, kRoles> department_cum;
    for (std::size_t r = 0; r < kRoles; ++r) department_cum[r] = cumulative(kRoleTable[r].departments);

    const auto n = static_cast<std::size_t>(config.learners);
    std::vector<LearnerProfile> profiles;
    profiles.reserve(n);
    hidden.resize(n);
    const std::size_t english = language_index("en");
    for (std::size_t i = 0; i < n; ++i) {
        const auto& country = kCountryTable[rng.categorical(country_cum)];
        const std::size_t role = rng.categorical(role_cum);
        const std::size_t department = rng.categorical(department_cum[role]);
        const std::size_t local = language_index(country.language);
        const bool speaks_english = local == english || rng.bernoulli(kRoleTable[role].english);
        hidden[i] = {role, department, {local, speaks_english ? english : local}};
        LearnerProfile& p = profiles.emplace_back();
        p.id = id_of('L', static_cast<index_t>(i), 6, config.learners);
        p.role = kRoleTable[role].name;
        p.department = kDepartmentNames[department];
        p.country = country.name;
        p.language = local == english || !speaks_english ? std::string(country.language)
                                                         : fmt::format("{},en", country.language);
    }
    return profiles;
}

struct Preferences {
    std::array<double, kTopics> affinity_cum;
    double level_start;
    double level_growth;  // per year
    double diligence;
};

Preferences draw_preferences(Rng& rng, std::size_t role, std::size_t dept) {
    std::array<double, kTopics> profile{};
    double profile_sum = 0.0;
    for (std::size_t t = 0; t < kTopics; ++t) {
        profile[t] = kTopicFloor + kRoleTable[role].topics[t];
        if (role == kManager) profile[t] = 0.6 * profile[t] + 0.4 * kRoleTable[kDepartmentMainRole[dept]].topics[t];
        profile_sum += profile[t];
    }
    // Dirichlet-like personal taste: squared exponentials concentrate mass on a few topics
    // (roughly a Dirichlet with concentration below 1) without a gamma sampler.
    std::array<double, kTopics> personal{};
    double personal_sum = 0.0;
    for (auto& p : personal) {
        const double e = rng.exponential();
        p = e * e * e;
        personal_sum += p;
    }
    Preferences pref{};
    double sum = 0.0;
    for (std::size_t t = 0; t < kTopics; ++t)
        pref.affinity_cum[t] = sum +=
            (1.0 - kPersonalShare) * profile[t] / profile_sum + kPersonalShare * personal[t] / personal_sum;
    pref.level_start = 1.0 + 1.4 * rng.uniform();
    pref.level_growth = 0.15 + 0.35 * rng.uniform();
    pref.diligence = 0.7 + 0.5 * rng.uniform();
    return pref;
}

/// A course of `group` drawn by popularity x language factor x level fit, or -1 if the group is empty.
index_t draw_course(Rng& rng, const Cells& cells, std::size_t group, const std::array<double, kLanguages>& language,
                    double level) {
    std::array<double, kCellsPerGroup> cum{};
    double sum = 0.0;
    const std::size_t first = group * kCellsPerGroup;
    for (std::size_t k = 0; k < kCellsPerGroup; ++k) {
        const double d = static_cast<double>(k % kLevels + 1) - level;
        cum[k] = sum += cells.mass[first + k] * language[k / kLevels] / (1.0 + 1.5 * d * d);
    }
    if (sum <= 0.0) return -1;
    const std::size_t cell = first + rng.categorical(cum);
    return cells.members[cell][rng.categorical(cells.popularity[cell])];
}


// ---- schema 2 -----------------------------------------------------------------------------------

/// One enrolment as generated, with what schema 2 derives the typed lifecycle from.
struct Enrolment {
    index_t learner;
    index_t course;
    timestamp_t enrolled;
    timestamp_t completed;  // -1 when not completed within the window
    double level_gap;       // |course level - preferred level| at enrolment
};

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
            CourseSession session{static_cast<index_t>(j), start, 0, "", 0, {}};
            if (f == classroom) {
                session.end = start + (days - 1) * kDay + 9 * 3600;
                session.country = kCountryTable[rng.categorical(country_cum[cat.language[j]])].name;
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

}  // namespace

void AcademyConfig::validate() const {
    LEARNREC_CHECK(schema_version == 1 || schema_version == 2,
                   "unknown academy schema_version {}; this learnrec knows versions 1 and 2", schema_version);
    LEARNREC_CHECK(learners > 0, "learners must be positive, got {}", learners);
    LEARNREC_CHECK(courses > 0, "courses must be positive, got {}", courses);
    LEARNREC_CHECK(std::isfinite(mean_enrolments) && mean_enrolments > 0.0,
                   "mean_enrolments must be a positive number, got {}", mean_enrolments);
    LEARNREC_CHECK(mean_enrolments <= static_cast<double>(courses),
                   "mean_enrolments {} exceeds the number of courses {} (a learner takes a course once)",
                   mean_enrolments, courses);
    LEARNREC_CHECK(mean_enrolments * static_cast<double>(learners) <= 2147483647.0,
                   "{} learners x {} mean enrolments exceeds 2^31 expected enrolments", learners,
                   mean_enrolments);
}

std::string_view to_string(EventKind kind) {
    switch (kind) {
        case EventKind::enrolled: return "enrolled";
        case EventKind::completed: return "completed";
    }
    LEARNREC_FAIL("invalid EventKind {}", static_cast<int>(kind));
}

Academy generate_academy(const AcademyConfig& config) {
    config.validate();
    Academy academy;
    academy.schema_version = config.schema_version;

    Catalogue cat = make_catalogue(config);
    std::vector<Learner> learners;
    academy.learners = make_profiles(config, learners);

    Rng pref_rng(config.seed, kPreferenceStream);
    Rng rng(config.seed, kEnrolmentStream);
    const double mean_active = config.mean_enrolments / (1.0 - kInactiveShare);
    const double max_count = static_cast<double>(config.courses);
    std::vector<index_t> taken_by(static_cast<std::size_t>(config.courses), -1);
    std::vector<timestamp_t> times;
    std::vector<index_t> history;
    const bool schema2 = config.schema_version >= 2;
    std::vector<Preferences> preferences;  // schema 2 draws goals from them
    std::vector<Enrolment> enrolments;     // schema 2 derives the lifecycle from them
    auto& events = academy.events;
    events.reserve(static_cast<std::size_t>(config.mean_enrolments * 1.8 * static_cast<double>(config.learners)));

    for (std::size_t i = 0; i < learners.size(); ++i) {
        const auto learner = static_cast<index_t>(i);
        const Learner& l = learners[i];
        const Preferences pref = draw_preferences(pref_rng, l.role, l.department);
        if (schema2) preferences.push_back(pref);
        std::array<double, kLanguages> language;
        language.fill(kUnspoken);
        language[l.languages[1]] = kOtherSpoken;
        language[l.languages[0]] = 1.0;

        std::size_t count = 0;
        if (!rng.bernoulli(kInactiveShare)) {
            // Lognormal with mean `mean_active`, rounded stochastically so small means keep their mean.
            const double x = mean_active * std::exp(kCountSigma * rng.normal() - 0.5 * kCountSigma * kCountSigma);
            count = static_cast<std::size_t>(std::min(max_count, std::floor(x + rng.uniform())));
        }
        times.resize(count);
        for (auto& t : times) t = kStart + static_cast<timestamp_t>(rng.index(static_cast<std::size_t>(kWindow)));
        std::sort(times.begin(), times.end());

        history.clear();
        for (const timestamp_t t : times) {
            const double level = std::clamp(
                pref.level_start + pref.level_growth * static_cast<double>(t - kStart) / kYear, 1.0, 3.0);
            for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
                // Learning paths: often continue the subject of an earlier course. Draws are
                // sequenced in separate statements: argument evaluation order is unspecified.
                const Cells* cells = &cat.by_topic;
                std::size_t group = 0;
                if (!history.empty() && rng.bernoulli(kFollowUp)) {
                    cells = &cat.by_subject;
                    group = cat.subject[static_cast<std::size_t>(history[rng.index(history.size())])];
                } else {
                    group = rng.categorical(pref.affinity_cum);
                }
                const index_t c = draw_course(rng, *cells, group, language, level);
                if (c < 0) continue;
                const auto cu = static_cast<std::size_t>(c);
                if (cat.release[cu] > t || taken_by[cu] == learner) continue;
                const int target = cat.audience[cu];
                const double keep = target < 0                                        ? kKeepGeneral
                                    : static_cast<std::size_t>(target) == l.role ? kKeepOwnAudience
                                                                                  : kKeepOtherAudience;
                if (!rng.bernoulli(keep)) continue;

                taken_by[cu] = learner;
                history.push_back(c);
                events.push_back({learner, c, EventKind::enrolled, t});
                if (schema2) enrolments.push_back({learner, c, t, -1, 0.0});
                const Format f = cat.format[cu];
                const double d = static_cast<double>(cat.courses[cu].level) - level;
                const double p_complete =
                    std::min(0.97, kCompletionBase[f] * (1.0 - 0.2 * std::min(2.0, std::abs(d))) * pref.diligence);
                if (schema2) enrolments.back().level_gap = std::abs(d);
                if (rng.bernoulli(p_complete)) {
                    const double days = std::min(60.0, kDelayMinDays[f] + kDelayMeanDays[f] * rng.exponential());
                    const timestamp_t done = t + static_cast<timestamp_t>(days * 86400.0);
                    if (done < kStart + kWindow) {
                        events.push_back({learner, c, EventKind::completed, done});
                        if (schema2) enrolments.back().completed = done;
                    }
                }
                break;
            }
        }
    }

    InteractionsBuilder builder;
    for (const auto& p : academy.learners) builder.add_learner(p.id);
    for (const auto& c : cat.courses) builder.add_course(c.id);
    for (const auto& e : events)
        builder.add(e.learner, e.course, e.kind == EventKind::enrolled ? 1.0f : 2.0f, e.time);
    academy.interactions = std::move(builder).build();

    // The key is unique per event, so the order does not depend on the sort algorithm.
    std::sort(events.begin(), events.end(), [](const AcademyEvent& a, const AcademyEvent& b) {
        if (a.time != b.time) return a.time < b.time;
        if (a.learner != b.learner) return a.learner < b.learner;
        if (a.course != b.course) return a.course < b.course;
        return a.kind < b.kind;
    });
    academy.courses = std::move(cat.courses);
    if (schema2) add_schema2(academy, config, cat, learners, preferences, enrolments);
    if (schema2) detail::add_academy_planning(academy, config);
    if (schema2) detail::add_course_descriptions(academy, config.seed);
    if (schema2) detail::add_academy_managers(academy, config.seed);
    return academy;
}

}  // namespace learnrec

namespace learnrec {
namespace {

/// Rows of tokens -> FeatureMatrix (weight 1 each, columns in order of first appearance).
FeatureMatrix token_matrix(const std::vector<std::vector<std::string>>& rows) {
    FeatureMatrix out;
    std::vector<Triplet> entries;
    for (std::size_t r = 0; r < rows.size(); ++r)
        for (const auto& token : rows[r])
            entries.push_back({static_cast<index_t>(r), out.features.insert(token), 1.0f});
    out.matrix = CsrMatrix::from_triplets(static_cast<index_t>(rows.size()), out.features.size(), entries);
    return out;
}

void add_token(std::vector<std::string>& row, std::string_view name, std::string_view value) {
    if (value.empty()) return;
    std::string token = fmt::format("{}={}", name, value);
    // A duplicate would sum to weight 2: a learner speaks a language once.
    if (std::find(row.begin(), row.end(), token) == row.end()) row.push_back(std::move(token));
}

std::string skill_list(const std::vector<SkillLevel>& skills) {
    std::string out;
    for (const auto& s : skills) out += fmt::format("{}{}:{}", out.empty() ? "" : ";", s.skill, s.level);
    return out;
}

/// Joins already-formatted fields into one CSV line, quoting where needed.
std::string csv_line(std::initializer_list<std::string_view> fields) {
    std::string line;
    bool first = true;
    for (const auto f : fields) {
        if (!first) line.push_back(',');
        first = false;
        detail::append_csv_field(line, f);
    }
    line.push_back('\n');
    return line;
}

}  // namespace

EventLog academy_event_log(const Academy& academy) {
    EventLog log;
    log.learners = academy.interactions.learners;
    log.courses = academy.interactions.courses;
    if (academy.schema_version >= 2) {
        log.events = academy.lifecycle;
    } else {
        log.events.reserve(academy.events.size());
        for (const auto& e : academy.events)
            log.events.push_back({e.learner, e.course,
                                  e.kind == EventKind::enrolled ? LifecycleKind::enrolled : LifecycleKind::completed,
                                  e.time, 0.0f});
    }
    return log;
}

FeatureMatrix academy_learner_features(const Academy& academy) {
    std::vector<std::vector<std::string>> rows(academy.learners.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& p = academy.learners[i];
        auto& row = rows[i];
        add_token(row, "role", p.role);
        add_token(row, "department", p.department);
        add_token(row, "country", p.country);
        for (std::size_t b = 0; b < p.language.size();) {
            const auto e = std::min(p.language.find(',', b), p.language.size());
            add_token(row, "lang", std::string_view(p.language).substr(b, e - b));
            b = e + 1;
        }
        add_token(row, "region", p.region);
        add_token(row, "seniority", p.seniority);
        for (const auto& s : p.target_skills) add_token(row, "goal", s.skill);
    }
    return token_matrix(rows);
}

FeatureMatrix academy_course_features(const Academy& academy) {
    std::vector<std::vector<std::string>> rows(academy.courses.size());
    for (std::size_t j = 0; j < rows.size(); ++j) {
        const auto& c = academy.courses[j];
        auto& row = rows[j];
        add_token(row, "topic", c.topic);
        add_token(row, "format", c.format);
        add_token(row, "lang", c.language);
        add_token(row, "level", fmt::format("{}", c.level));
        add_token(row, "provider", c.provider);
        for (const auto& s : c.skills) add_token(row, "skill", s.skill);
        add_token(row, "duration", c.duration_hours <= 2.0f ? "short" : c.duration_hours <= 8.0f ? "medium" : "long");
    }
    return token_matrix(rows);
}

void write_academy_csv(const Academy& academy, const std::filesystem::path& directory) {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec) throw Error(directory.string(), fmt::format("cannot create the directory: {}", ec.message()));
    const auto& x = academy.interactions;
    const auto& lid = x.learners;
    const auto& cid = x.courses;

    std::string text = "learner_id,course_id,weight,timestamp\n";
    for (index_t i = 0; i < x.matrix.rows(); ++i) {
        const auto row = x.matrix.row(i);
        const auto first = static_cast<std::size_t>(x.matrix.indptr()[static_cast<std::size_t>(i)]);
        for (std::size_t k = 0; k < row.size(); ++k)
            text += csv_line({lid.id(i), cid.id(row.indices[k]), fmt::format("{}", row.weights[k]),
                              detail::iso8601(x.timestamps[first + k])});
    }
    detail::write_text_file(directory / "interactions.csv", text);

    write_events_csv(directory / "events.csv", academy_event_log(academy));

    text = "id,role,department,country,language,region,seniority,target_skills,manager_id\n";
    for (const auto& p : academy.learners)
        text += csv_line({p.id, p.role, p.department, p.country, p.language, p.region, p.seniority,
                          skill_list(p.target_skills), p.manager_id});
    detail::write_text_file(directory / "learners.csv", text);

    text = "id,title,topic,format,language,level,duration_hours,provider,skills,validity_months,has_exam,description\n";
    for (const auto& c : academy.courses)
        text += csv_line({c.id, c.title, c.topic, c.format, c.language, fmt::format("{}", c.level),
                          fmt::format("{}", c.duration_hours), c.provider, skill_list(c.skills),
                          fmt::format("{}", c.validity_months), c.has_exam ? "true" : "false", c.description});
    detail::write_text_file(directory / "courses.csv", text);

    write_features_csv(directory / "learner_features.csv", academy_learner_features(academy), lid, "learner_id");
    write_features_csv(directory / "course_features.csv", academy_course_features(academy), cid, "course_id");

    text = "department,role,skill,level\n";
    for (const auto& e : academy.skills_review)
        for (const auto& s : e.skills) text += csv_line({e.department, e.role, s.skill, fmt::format("{}", s.level)});
    detail::write_text_file(directory / "skills_review.csv", text);

    text = "course_id,scope,value,due\n";
    for (const auto& o : academy.obligations) text += csv_line({o.course_id, o.scope, o.value, detail::iso8601(o.due)});
    detail::write_text_file(directory / "obligations.csv", text);

    text = "course_id,requires_course_id\n";
    for (const auto& p : academy.prerequisites) text += csv_line({cid.id(p.course), cid.id(p.requires_course)});
    detail::write_text_file(directory / "prerequisites.csv", text);

    text = "course_id,start,end,country,capacity,session_id\n";
    for (const auto& s : academy.sessions)
        text += csv_line({cid.id(s.course), detail::iso8601(s.start), detail::iso8601(s.end), s.country,
                          fmt::format("{}", s.capacity), s.id});
    detail::write_text_file(directory / "sessions.csv", text);
    detail::write_academy_opportunities_csv(academy, directory);
    detail::write_academy_planning_csv(academy, directory);

    text = "skill,language,synonym\n";
    for (const auto& p : academy_skill_phrases()) text += csv_line({p.skill, p.language, p.phrase});
    detail::write_text_file(directory / "skill_synonyms.csv", text);
}

}  // namespace learnrec
