// learnrec ranking — the academy as ranking inputs (see ranking/academy.hpp).
#include "learnrec/ranking/academy.hpp"

namespace learnrec::ranking {

namespace {
std::vector<std::string> split_list(const std::string& s, char separator) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        const auto end = std::min(s.find(separator, pos), s.size());
        if (end > pos) out.push_back(s.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}
std::vector<std::string> split_languages(const std::string& s) { return split_list(s, ','); }
std::vector<std::string> split_list(const std::string& s) { return split_list(s, ';'); }
}  // namespace

RankingInputs academy_ranking_inputs(const Academy& academy) {
    RankingInputs in;
    for (const auto& c : academy.courses) {
        CourseFacts f;
        f.id = c.id;
        f.title = c.title;
        f.topic = c.topic;
        f.format = c.format;
        f.languages = {c.language};
        for (const auto& sk : c.skills) f.skills.push_back({sk.skill, sk.level});
        f.validity_months = c.validity_months;
        f.description = c.description;
        in.catalogue.courses.push_back(std::move(f));
    }
    for (const auto& l : academy.learners) {
        LearnerFacts f;
        f.id = l.id;
        f.role = l.role;
        f.department = l.department;
        f.country = l.country;
        f.languages = split_languages(l.language);
        f.region = l.region;
        f.mobility = split_list(l.mobility);
        for (const auto& g : l.target_skills) f.target_skills.push_back({g.skill, g.level});
        in.learners.push_back(std::move(f));
    }
    const auto learners = static_cast<index_t>(academy.learners.size());
    const auto courses = static_cast<index_t>(academy.courses.size());
    if (academy.schema_version >= 2) {
        in.history = LearnerHistory::from_states(LearnerCourseStates::from_events(academy.lifecycle, learners, courses));
    } else {
        in.history = LearnerHistory(learners, courses);
        // Events are sorted by time, so a completion after its enrolment updates the state.
        for (const auto& e : academy.events)
            in.history.set(e.learner, e.course, state_set_by(e.kind), e.kind == LifecycleKind::completed ? e.time : kNever);
        in.history.finish();
    }
    auto& cat = in.catalogue;
    cat.prerequisites = academy.prerequisites;
    cat.sessions = academy.sessions;
    for (const auto& o : academy.obligations)
        cat.obligations.push_back({academy.interactions.courses.at(o.course_id, "course"), parse_obligation_scope(o.scope),
                                   o.value, o.due});
    return in;
}

}  // namespace learnrec::ranking
