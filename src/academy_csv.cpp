// learnrec — the academy as an event log, as feature matrices and as CSV files (academy.hpp).
#include "learnrec/data/academy.hpp"

#include <algorithm>
#include <initializer_list>

#include "academy_opportunities.hpp"
#include "academy_planning.hpp"
#include "csv_write.hpp"

namespace learnrec {
namespace {

/// One row of tokens ("name=value", weight 1 each) per item, columns in order of first appearance.
/// tokens(item, add) calls add(name, value) for each of the item's tokens; an empty value gives none.
template <class Item, class Tokens>
FeatureMatrix token_matrix(const std::vector<Item>& items, Tokens tokens) {
    FeatureMatrix out;
    std::vector<Triplet> entries;
    std::vector<std::string> row;
    auto add = [&row](std::string_view name, std::string_view value) {
        if (value.empty()) return;
        std::string token = fmt::format("{}={}", name, value);
        // A duplicate would sum to weight 2: a learner speaks a language once.
        if (std::find(row.begin(), row.end(), token) == row.end()) row.push_back(std::move(token));
    };
    for (std::size_t r = 0; r < items.size(); ++r) {
        row.clear();
        tokens(items[r], add);
        for (const auto& token : row) entries.push_back({static_cast<index_t>(r), out.features.insert(token), 1.0f});
    }
    out.matrix = CsrMatrix::from_triplets(static_cast<index_t>(items.size()), out.features.size(), entries);
    return out;
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
            log.events.push_back({e.learner, e.course, e.kind, e.time, 0.0f});
    }
    return log;
}

FeatureMatrix academy_learner_features(const Academy& academy) {
    return token_matrix(academy.learners, [](const LearnerProfile& p, auto& add) {
        add("role", p.role);
        add("department", p.department);
        add("country", p.country);
        for (std::size_t b = 0; b < p.language.size();) {
            const auto e = std::min(p.language.find(',', b), p.language.size());
            add("lang", std::string_view(p.language).substr(b, e - b));
            b = e + 1;
        }
        add("region", p.region);
        add("seniority", p.seniority);
        for (const auto& s : p.target_skills) add("goal", s.skill);
    });
}

FeatureMatrix academy_course_features(const Academy& academy) {
    return token_matrix(academy.courses, [](const CourseInfo& c, auto& add) {
        add("topic", c.topic);
        add("format", c.format);
        add("lang", c.language);
        add("level", fmt::format("{}", c.level));
        add("provider", c.provider);
        for (const auto& s : c.skills) add("skill", s.skill);
        add("duration", c.duration_hours <= 2.0f ? "short" : c.duration_hours <= 8.0f ? "medium" : "long");
    });
}

void write_academy_csv(const Academy& academy, const std::filesystem::path& directory) {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec) LEARNREC_FAIL_AT(directory.string(), "cannot create the directory: {}", ec.message());
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

    text = "id,role,department,country,language,region,seniority,target_skills,manager_id,mobility\n";
    for (const auto& p : academy.learners)
        text += csv_line({p.id, p.role, p.department, p.country, p.language, p.region, p.seniority,
                          skill_list(p.target_skills), p.manager_id, p.mobility});
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
        text += csv_line({cid.id(s.course), detail::iso8601(s.start), detail::iso8601(s.end), s.location,
                          fmt::format("{}", s.capacity), s.id});
    detail::write_text_file(directory / "sessions.csv", text);
    detail::write_academy_opportunities_csv(academy, directory);
    detail::write_academy_planning_csv(academy, directory);

    text = "skill,language,synonym\n";
    for (const auto& p : academy_skill_phrases()) text += csv_line({p.skill, p.language, p.phrase});
    detail::write_text_file(directory / "skill_synonyms.csv", text);
}

}  // namespace learnrec
