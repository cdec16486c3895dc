// learnrec — the synthetic academy generator: the catalogue, the learners and their enrolments.
// The model is described in academy.hpp; the schema 2 fields are added by src/academy_schema2.cpp,
// the CSV files written by src/academy_csv.cpp.
#include "learnrec/data/academy.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <unordered_set>

#include <fmt/format.h>

#include "academy_generator.hpp"
#include "academy_managers.hpp"
#include "academy_planning.hpp"

namespace learnrec {
namespace detail::academy_gen {
namespace {

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
}  // namespace detail::academy_gen

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


Academy generate_academy(const AcademyConfig& config) {
    using namespace detail::academy_gen;
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
                events.push_back({learner, c, LifecycleKind::enrolled, t});
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
                        events.push_back({learner, c, LifecycleKind::completed, done});
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
        builder.add(e.learner, e.course, e.kind == LifecycleKind::enrolled ? 1.0f : 2.0f, e.time);
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
