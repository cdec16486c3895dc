// learnrec — the synthetic academy generator. The model is described in academy.hpp.
#include "learnrec/data/academy.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <span>
#include <unordered_set>

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

        cat.courses.push_back({id_of('C', static_cast<index_t>(j), 4, config.courses), std::move(title),
                               kTopicTable[topic].name, kFormats[format].name, kCourseLanguages[language].name,
                               level, static_cast<float>(hours)});
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
        profiles.push_back({id_of('L', static_cast<index_t>(i), 6, config.learners), kRoleTable[role].name,
                            kDepartmentNames[department], country.name,
                            local == english || !speaks_english ? std::string(country.language)
                                                                : fmt::format("{},en", country.language)});
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

}  // namespace

void AcademyConfig::validate() const {
    LEARNREC_CHECK(schema_version == 1, "unknown academy schema_version {}; this learnrec knows version 1",
                   schema_version);
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
    auto& events = academy.events;
    events.reserve(static_cast<std::size_t>(config.mean_enrolments * 1.8 * static_cast<double>(config.learners)));

    for (std::size_t i = 0; i < learners.size(); ++i) {
        const auto learner = static_cast<index_t>(i);
        const Learner& l = learners[i];
        const Preferences pref = draw_preferences(pref_rng, l.role, l.department);
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
                const Format f = cat.format[cu];
                const double d = static_cast<double>(cat.courses[cu].level) - level;
                const double p_complete =
                    std::min(0.97, kCompletionBase[f] * (1.0 - 0.2 * std::min(2.0, std::abs(d))) * pref.diligence);
                if (rng.bernoulli(p_complete)) {
                    const double days = std::min(60.0, kDelayMinDays[f] + kDelayMeanDays[f] * rng.exponential());
                    const timestamp_t done = t + static_cast<timestamp_t>(days * 86400.0);
                    if (done < kStart + kWindow) events.push_back({learner, c, EventKind::completed, done});
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
    return academy;
}

}  // namespace learnrec
