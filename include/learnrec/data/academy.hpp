// learnrec — "the academy": a deterministic synthetic corporate academy, the default dataset.
//
// Used by the CLI demo, the tests and the benchmarks. Same config => bit-identical output on every
// platform and standard library: randomness comes only from std::mt19937_64 (whose output the
// standard specifies) through learnrec's own samplers, never from std:: distributions. The libm
// functions it uses (exp, log, pow, sqrt) could differ in the last bit between platforms, which can
// only change a draw that lands exactly on a boundary (probability ~1e-16 per draw); the same holds
// for FMA contraction (-ffp-contract) of the few multiply-adds.
//
// Generative model (schema_version 1):
//  - Catalogue: courses split over 20 topics in fixed proportions, each topic with 6 subjects;
//    format e-learning 45%, classroom 23%, webinar 20%, MOOC 12%; language en 55%, fr 12%, de 10%,
//    es 8%, it/pt/pl 4%, nl 3%; level 1/2/3 at 40/40/20%. Titles (English, for readability) =
//    subject + level template + sometimes an audience role: "Advanced Python for Data Scientists
//    (e-learning)", unique ("- Part 2" on a clash). Duration depends on format (webinar 1-2 h ...
//    classroom 1-3 days). Popularity is Zipf (exponent 0.8 over a random ranking). 80% of courses
//    exist from the start, the rest are released during the two years.
//  - Learners: country (with its language; outside English-speaking countries 55-80% also speak
//    English, depending on role), role, department tied to role. `language` lists the languages
//    spoken, preferred first, comma-separated ("fr,en").
//  - Hidden preferences: topic affinity = 50% role profile (a manager's also leans to the
//    department's main role) + 50% a sparse personal Dirichlet-like draw (normalised cubed
//    exponentials); a preferred level starting in [1, 2.4] and growing 0.15-0.5 per year; a
//    personal completion diligence.
//  - Enrolments: 5% of learners never enrol; the others get a lognormal count (sigma 0.8) scaled so
//    that the mean over all learners is about mean_enrolments, at uniform times over 2024-01-01 ..
//    2026-01-01 UTC. Each pick either continues the subject of one of the learner's earlier courses
//    (probability 0.4: learning paths) or draws a topic from the affinity; within it a course is
//    drawn with weight popularity x language (preferred 1, other spoken 0.6, unspoken 0.005)
//    x level fit 1 / (1 + 1.5 d^2) (d = distance to the preferred level at that time), then kept
//    with probability 1 if it targets the learner's role, 0.7 if it targets everyone, 0.25
//    otherwise. Courses not yet released or already taken are redrawn; after 64 draws the pick is
//    dropped (learners who exhausted what suits them take fewer courses).
//  - Completion: probability = format base (classroom 0.9, webinar 0.8, e-learning 0.55, MOOC 0.35)
//    x level fit x diligence, capped at 0.97, 1-60 days after the enrolment (webinars within days,
//    MOOCs after weeks). Completions that would fall after 2026-01-01 are not observed yet.
//  - Interactions: weight 1 per enrolment + 2 per completion (so 1 or 3), timestamp = latest event.
// Seed 42 at the default size: 60.7k enrolments (54% completed), 5% idle learners, the top 10% of
// courses hold 38% of enrolments, 92% of enrolments are in a language the learner speaks; item
// co-occurrence or ALS beat "most popular" at recall@10 by about 1.4-1.7x.
//
// Schema version 2 (the default) adds, from new streams only (every v1 field keeps its value):
//  - Skills: each of the 120 subjects teaches one skill ("python", "cloud architecture", ...;
//    some subjects share one, e.g. "PMP Exam Preparation" teaches "project management"). A course
//    teaches its subject's skill up to the course level, plus with probability 0.5 (then 0.25)
//    another skill of its topic at level max(1, level - 1): 1-3 skills.
//  - Providers: MOOCs come from Coursera 50%, edX 30%, FutureLearn 20%; e-learning is internal 45%,
//    LinkedIn Learning 30%, Udemy Business 15%, Pluralsight 10%; webinars internal 80%, LinkedIn
//    Learning 20%; classroom internal 60%, Cegos 25%, Global Knowledge 15%.
//  - Certifications (no randomness): compliance courses expire after 12 months (Health and Safety
//    24); introductory Cybersecurity and Phishing Awareness after 12; PRINCE2, PMP, Scrum, SAFe and
//    AWS/Azure/Kubernetes above level 1 after 36. Certification courses and MOOCs have an exam,
//    and so have level-3 e-learning courses.
//  - Learners: region from the country (EMEA, Americas, APAC); seniority junior 30%, mid 45%,
//    senior 25% (managers: mid 40%, senior 60%).
//  - Skills review (the 2026 review): for every department x role combination that the role
//    table allows, 3-6 target skills drawn from the topics the role is about (weights = squared
//    role topic affinity), each at level 1-3 (level 2 most often). Personal goals: each learner
//    names 0-3 skills from topics drawn from their own hidden affinity, at their preferred level
//    in 2026 rounded up. target_skills = goals then the team's review skills, deduplicated by
//    skill keeping the highest level.
//  - Obligations (due 2026-2027): Code of Conduct, GDPR and Anti-Bribery for "all"; Anti-Money
//    Laundering for the finance role, Secure Coding for engineers, People Management for managers;
//    Export Control for the Sales department, Employment Law for Human Resources; Health and
//    Safety in France, Germany and Italy. Each names the lowest-level, lowest-index course of that
//    subject (rules whose subject has no course are skipped). About 2% of learners also get a
//    personal obligation: a course teaching one of their target skills.
//  - Lifecycle events, consistent with `events`: every enrolment and completion is repeated as
//    `enrolled` / `completed`; an enrolment in a course obligatory for the learner is preceded by
//    `assigned` 1-30 days earlier (unless that falls before 2024-01-01), and obligations not yet
//    taken are `assigned` on a date in the second half of 2025; `started` follows every completed enrolment
//    (between enrolment and completion) and 60% of the others (within 7 days); completed courses
//    with an exam are `passed` (85%) or `failed` at completion, a failure is retaken and passed
//    7-30 days later with probability 0.7; 50% of the enrolments never completed are `dropped`
//    7-90 days after the enrolment; 35% of completions are `rated` 0-3 days later, 1-5 stars,
//    higher when the course level fitted. Nothing is dated on or after 2026-01-01.
//  - Prerequisites (no randomness): in each subject, every course of level L > 1 requires one
//    course of level L - 1 of the same subject when there is one (same language preferred, then
//    the lowest index): levels strictly increase along every edge, so the graph is acyclic.
//  - Sessions: classroom courses get 2-6 sessions, webinars 1-4, in 2026-2027 starting at 08:00
//    UTC; a classroom session lasts its duration in 7-hour days (ending 17:00 UTC on the last day),
//    all within one Monday-Friday week, in a country whose language is the course's (any country
//    for English courses), capacity 8-20; a webinar session is online (country "") for 50-500.
//  - Opportunities (own stream "opportun"): every session gets an id "S000001" in the sessions'
//    order. One gig per 100 learners and one work package per 400 (at least one each): hosted by a
//    department of the skills review, teaching 1-2 of its review skills (a work package one level
//    higher, at most 3), requiring with probability 0.7 one skill the catalogue teaches at level 1
//    (gig) or 2 (work package); remote 40 %, else in a learners' country, working in its language
//    or English (half each); starting 2026-01-15 .. 2026-06-28; gigs 10-30 days with 1-2 places,
//    work packages 120 days with 1 place (2 for a third of them). Written as opportunities.csv.
//  - Managers (own stream "managers", src/academy_managers.cpp): a learner reports to a manager
//    (role "manager") of their department, in their country if there is one, else their region,
//    else anywhere; mid and junior managers report to a senior manager of their department; senior
//    managers report to nobody. Written as learners.csv's last column, manager_id.
// Seed 42 at the default size: 195.6k lifecycle events (19.7k assigned, 49.2k started, 7.8k passed,
// 1.2k failed, 13.1k dropped, 11.4k rated), 28 team reviews, 109 obligations (98 personal), 305
// prerequisite edges, 835 sessions.
//
// Schema promise: a later schema_version only ADDS fields; for a given config every field existing
// in version 1 keeps its value. Each aspect therefore draws from its own stream (seed mixed with a
// per-aspect constant by splitmix64), and new aspects must use new streams.
//
// Thread safety: every function here is reentrant. Complexity: O(learners + courses + events log events);
// about 0.05 s at the default size, 0.9 s for 100k learners x 5k courses (one thread) at schema 1;
// schema 2 takes about 1.5x as long (3.9M lifecycle events at 100k x 5k). The feature extractors
// are O(learners or courses x tokens); write_academy_csv is O(output size).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "learnrec/data/course_offer.hpp"
#include "learnrec/data/events.hpp"
#include "learnrec/data/features.hpp"
#include "learnrec/data/interactions.hpp"
#include "learnrec/types.hpp"

namespace learnrec {

struct AcademyConfig {
    std::uint64_t seed = 42;
    index_t learners = 5000;
    index_t courses = 600;
    double mean_enrolments = 12.0;  ///< average enrolments per learner (heavy-tailed per learner)
    int schema_version = 2;         ///< 1 or 2; later versions only ADD fields

    /// Throws Error on non-positive sizes, a mean outside (0, courses], an unknown schema version
    /// or more than 2^31 expected enrolments.
    void validate() const;
};

/// A skill and the level (1 basic .. 3 advanced) reached or targeted.
struct SkillLevel {
    std::string skill;  ///< "cybersecurity", "python", "project management", ...
    int level = 1;
};

struct LearnerProfile {
    std::string id;          ///< "L000001" (1-based, zero padded to at least 6 digits)
    std::string role;        ///< "engineer", "data scientist", "manager", ...
    std::string department;  ///< "Engineering", "Sales", ...
    std::string country;     ///< "France", "United States", ...
    std::string language;    ///< languages spoken, preferred first, comma-separated: "fr,en", "en"
    // schema 2 (empty at schema 1):
    std::string region;                     ///< "EMEA", "Americas" or "APAC"
    std::string seniority;                  ///< "junior", "mid" or "senior"
    std::vector<SkillLevel> target_skills;  ///< personal goals + the team's skills review, deduplicated
    /// Where else the learner would go for a gig or work package, ';'-separated: "" = own country
    /// only, a region ("EMEA": any of its countries), countries, or "anywhere" (src/academy_mobility.cpp).
    std::string mobility;
    // planning (src/academy_planning.cpp):
    std::vector<SkillLevel> current_skills;  ///< level now (0 = none) of each target skill, same order
    // reporting lines (schema 2, src/academy_managers.cpp):
    std::string manager_id;  ///< the learner's manager (a learner of role "manager"); "" = none
};

struct CourseInfo {
    std::string id;        ///< "C0001" (1-based, zero padded to at least 4 digits)
    std::string title;     ///< e.g. "Cloud Fundamentals (e-learning)"
    std::string topic;     ///< "cybersecurity", "cloud", ...
    std::string format;    ///< "e-learning", "webinar", "MOOC" or "classroom"
    std::string language;  ///< "en", "fr", ...
    int level = 1;         ///< 1 (introductory) .. 3 (advanced)
    float duration_hours = 0.0f;
    // schema 2 (empty / 0 at schema 1):
    std::string provider;            ///< "internal", "Coursera", "LinkedIn Learning", ...
    std::vector<SkillLevel> skills;  ///< skills taught and the level reached (1..3 skills)
    int validity_months = 0;         ///< a certification expiring after N months (0 = never)
    bool has_exam = false;           ///< completion is followed by passed or failed
    /// schema 2: one or two sentences in the course's language (English for pl and nl courses)
    /// naming its format, level and skills ("Découvrez IA générative : cours en ligne de niveau
    /// avancé, ..."), from a stream of its own (src/academy_text.cpp)
    std::string description;
};

/// One phrase of the academy's skill vocabulary: a skill's name or synonym in one language.
struct AcademySkillPhrase {
    std::string skill;     ///< the catalogue's skill name
    std::string language;  ///< "en", "fr", "de", "es", "it" or "pt"
    std::string phrase;    ///< "IA générative", "generative KI", "genai", ...
};

/// Names and synonyms of every academy skill in the six languages (what text indexes read to
/// reach English skill names from other languages). Exported as skill_synonyms.csv.
std::vector<AcademySkillPhrase> academy_skill_phrases();

struct Academy;
namespace detail {
/// Fills CourseInfo::description for every course (schema 2), from its own random stream.
void add_course_descriptions(Academy& academy, std::uint64_t seed);
}  // namespace detail

/// The target skills of one department x role team in the yearly skills review.
struct SkillsReviewEntry {
    std::string department;
    std::string role;
    std::vector<SkillLevel> skills;
};

/// What a role needs ("what a data engineer needs"): the union of its teams' reviews, highest level.
struct RoleProfile {
    std::string role;
    std::vector<SkillLevel> skills;
};

/// One line of the strategic workforce plan: `people` in `department` needed at `level` or above
/// in `skill` by the end of `year`.
struct WorkforceTarget {
    std::string skill;
    std::string department;
    int year;
    int level;
    int people;
};

/// A course someone must complete by `due`.
struct Obligation {
    std::string course_id;
    std::string scope;  ///< "learner" (value = learner id), "role", "country", "department" or "all" (value "")
    std::string value;
    timestamp_t due;
};


/// A gig (a short assignment in another team, to learn a skill there) or a 4-month work package.
struct AcademyOpportunity {
    std::string id;               ///< "G00001" (gig) or "W00001" (work package)
    std::string kind;             ///< "gig" or "work_package"
    std::string title;
    std::string host_department;  ///< the host team
    std::string country;          ///< where; "" = remote
    std::string language;         ///< the language worked in
    timestamp_t start = 0;
    int duration_days = 0;
    int places = 0;
    std::vector<SkillLevel> required;  ///< levels the host asks for
    std::vector<SkillLevel> taught;    ///< skills practised, up to the level
};

struct AcademyEvent {
    index_t learner;
    index_t course;
    LifecycleKind kind;  ///< enrolled or completed (schema 1 knows no other kind)
    timestamp_t time;  ///< seconds since the Unix epoch, UTC
};

struct Academy {
    int schema_version = 1;
    std::vector<LearnerProfile> learners;  ///< index i == row i of interactions
    std::vector<CourseInfo> courses;       ///< index j == column j
    std::vector<AcademyEvent> events;      ///< sorted by (time, learner, course, kind)
    Interactions interactions;             ///< learners x courses; weight 1 (enrolled) or 3 (completed)
    // schema 2 (empty at schema 1):
    std::vector<SkillsReviewEntry> skills_review;  ///< per department x role
    std::vector<LifecycleEvent> lifecycle;         ///< typed events, sorted by (time, learner, course, kind)
    std::vector<Obligation> obligations;           ///< "all" first, then role, department, country, learner
    std::vector<Prerequisite> prerequisites;       ///< sorted by course; a DAG
    std::vector<Session> sessions;                 ///< sorted by (start, course); location = a country ("" = online), id "S000001"...
    std::vector<AcademyOpportunity> opportunities;  ///< gigs, then work packages (schema 2)
    // planning (schema 2; src/academy_planning.cpp):
    std::vector<RoleProfile> role_profiles;        ///< per role, in order of first review entry
    std::vector<WorkforceTarget> workforce_plan;   ///< 2026-2028, by department, skill, year
};

// Planning data (schema 2, src/academy_planning.cpp; new streams, every other field unchanged):
//  - current_skills: per target skill, the level now = the highest level of a completed course
//    teaching it, or prior experience by seniority (junior 0/1 at 70/30%, mid 0/1/2 at 30/50/20%,
//    senior 1/2/3 at 30/50/20%), whichever is higher. Written as learner_skills.csv
//    (learner_id,skill,level,current_level; level = target), read by ranking and path readers.
//  - role_profiles (role_profiles.csv role,skill,level): no randomness.
//  - workforce_plan (workforce_plan.csv skill,department,year,level,people): for each department
//    and skill its reviews name (highest level), the people needed in 2026 = the department's
//    learners targeting it, growing by a factor 0.95-1.25 a year (drawn per line) for 2027 and 2028.

/// Generates the academy described above; throws Error when the config is invalid.
Academy generate_academy(const AcademyConfig& config = {});

/// The typed events as an EventLog over the academy's learner and course ids (for apply_policy,
/// LearnerCourseStates or write_events_csv).
EventLog academy_event_log(const Academy& academy);

/// Feature tokens for hybrid models, one row per learner (weight 1 each): "role=engineer",
/// "department=Sales", "country=France", "lang=fr" (every language spoken), "region=EMEA",
/// "seniority=mid", "goal=python" (every target skill). Empty fields give no token (schema 1 has
/// no region, seniority or goals). Columns in order of first appearance.
FeatureMatrix academy_learner_features(const Academy& academy);

/// One row per course: "topic=cloud", "format=webinar", "lang=en", "level=2", "provider=internal",
/// "skill=python" (every skill taught), "duration=short|medium|long" (up to 2 h, up to 8 h, more).
FeatureMatrix academy_course_features(const Academy& academy);

/// Writes the academy as CSV files in `directory` (created if needed): interactions.csv,
/// events.csv (the lifecycle at schema 2, else enrolled/completed), learners.csv, courses.csv,
/// learner_features.csv, course_features.csv, skills_review.csv, obligations.csv,
/// prerequisites.csv, sessions.csv (with session_id), skill_synonyms.csv (skill,language,synonym),
/// and at schema 2 opportunities.csv, learner_skills.csv, role_profiles.csv and workforce_plan.csv.
/// Timestamps are ISO-8601 UTC; skill lists are
/// "skill:level" items separated by ';'. interactions.csv, events.csv and the feature files are
/// read back by read_interactions_csv, read_events_csv and read_features_csv.
void write_academy_csv(const Academy& academy, const std::filesystem::path& directory);

}  // namespace learnrec
