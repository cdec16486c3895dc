// learnrec ranking — building the Ranker's precomputed state (src/ranking_state.hpp).
#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "learnrec/detail/parallel.hpp"
#include "learnrec/error.hpp"
#include "learnrec/model/factor_model.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/ranking/ranker.hpp"
#include "learnrec/retrieval/topk.hpp"
#include "ranking_probe.hpp"
#include "ranking_state.hpp"

namespace learnrec::ranking {

using namespace engine;

Ranker::Ranker(std::shared_ptr<const Model> model, Catalogue catalogue, std::vector<LearnerFacts> learners,
               LearnerHistory history) {
    LEARNREC_CHECK(model != nullptr, "no model given");
    LEARNREC_CHECK(catalogue.num_courses() == model->num_courses(),
                   "the catalogue describes {} courses but the model has {}", catalogue.num_courses(),
                   model->num_courses());
    LEARNREC_CHECK(learners.empty() || static_cast<index_t>(learners.size()) == model->num_learners(),
                   "{} learner profiles but the model has {} learners", learners.size(), model->num_learners());
    LEARNREC_CHECK(history.num_learners() == 0 || (history.num_learners() == model->num_learners() &&
                                                   history.num_courses() == model->num_courses()),
                   "the history is {} learners x {} courses but the model has {} x {}", history.num_learners(),
                   history.num_courses(), model->num_learners(), model->num_courses());
    catalogue.validate();
    validate_learners(learners);

    auto s = std::make_shared<State>();
    s->model = std::move(model);
    s->catalogue = std::move(catalogue);
    auto people = std::make_shared<TrainedLearners>();
    people->facts = std::move(learners);
    people->history = std::move(history);
    const auto& cat = s->catalogue;
    const auto n = static_cast<std::size_t>(cat.num_courses());

    auto& languages = s->languages;
    auto& formats = s->formats;
    auto& locations = s->locations;
    auto& skills = s->skills;
    auto& topics = s->topics;
    s->course_languages.resize(n);
    s->course_regions.resize(n);
    s->course_format.assign(n, -1);
    s->course_topic.assign(n, -1);
    std::vector<std::vector<std::pair<index_t, int>>> course_skills(n);
    for (std::size_t c = 0; c < n; ++c) {
        const auto& f = cat.courses[c];
        s->course_languages[c] = sorted_codes(languages, f.languages);
        s->course_regions[c] = sorted_codes(locations, f.regions);
        if (!f.format.empty()) s->course_format[c] = formats.code(f.format);
        if (!f.topic.empty()) s->course_topic[c] = topics.code(f.topic);
        for (const auto& sk : f.skills) {
            const index_t code = skills.code(sk.skill);
            if (static_cast<std::size_t>(code) >= s->skill_names.size()) s->skill_names.push_back(sk.skill);
            auto& list = course_skills[c];
            auto it = std::find_if(list.begin(), list.end(), [&](const auto& p) { return p.first == code; });
            if (it == list.end())
                list.push_back({code, sk.level});
            else
                it->second = std::max(it->second, sk.level);
        }
    }
    s->skill_offsets.assign(n + 1, 0);
    for (std::size_t c = 0; c < n; ++c) {
        s->skill_entries.insert(s->skill_entries.end(), course_skills[c].begin(), course_skills[c].end());
        s->skill_offsets[c + 1] = s->skill_entries.size();
    }
    s->skill_courses.resize(s->skill_names.size());
    for (std::size_t c = 0; c < n; ++c)
        for (const auto& [code, level] : course_skills[c])
            s->skill_courses[static_cast<std::size_t>(code)].push_back({static_cast<index_t>(c), level});

    s->prereqs.resize(n);
    for (const auto& p : cat.prerequisites) {
        auto& r = s->prereqs[static_cast<std::size_t>(p.course)];
        if (std::find(r.begin(), r.end(), p.requires_course) == r.end()) r.push_back(p.requires_course);
    }
    s->unlocks.resize(n);
    for (std::size_t c = 0; c < n; ++c)
        for (auto r : s->prereqs[c]) s->unlocks[static_cast<std::size_t>(r)].push_back(static_cast<index_t>(c));
    s->course_sessions.resize(n);
    for (const auto& session : cat.sessions) {
        s->course_sessions[static_cast<std::size_t>(session.course)].push_back(&session);
        s->session_location.push_back(session.location.empty() ? -1 : locations.code(session.location));
    }

    for (std::size_t o = 0; o < cat.obligations.size(); ++o) {
        const auto& ob = cat.obligations[o];
        if (ob.scope == ObligationScope::all)
            s->obligations_all.push_back(o);
        else
            s->obligations_by[static_cast<int>(ob.scope)][ob.value].push_back(o);
    }
    people->codes = encode_learners(*s, std::span<const LearnerFacts>(people->facts));
    s->trained_learners = std::move(people);
    // Without facts every learner is in the one class without constraints.
    if (s->learners().empty()) s->classes.push_back({});
    s->names->departments = s->departments.names();
    s->popular.resize(s->names->departments.size());
    if (!s->learners().empty() && s->history().num_learners() > 0) {
        std::vector<std::vector<std::int64_t>> counts(s->popular.size());
        for (std::size_t i = 0; i < s->learners().size(); ++i) {
            const index_t dept = s->trained().department[i];
            if (dept < 0) continue;
            auto& v = counts[static_cast<std::size_t>(dept)];
            if (v.empty()) v.assign(n, 0);
            for (const auto& e : s->history().of(static_cast<index_t>(i)))
                if (e.completed_at != kNever) ++v[static_cast<std::size_t>(e.course)];
        }
        for (std::size_t dept = 0; dept < counts.size(); ++dept) {
            const auto& v = counts[dept];
            if (v.empty()) continue;
            std::vector<index_t> order;
            for (std::size_t c = 0; c < n; ++c)
                if (v[c] >= 2) order.push_back(static_cast<index_t>(c));  // one learner is not "popular"
            std::stable_sort(order.begin(), order.end(), [&](index_t a, index_t b) {
                return v[static_cast<std::size_t>(a)] > v[static_cast<std::size_t>(b)];
            });
            if (order.size() > 1000) order.resize(1000);
            s->popular[dept] = std::move(order);
        }
    }
    s->names->courses.reserve(n);
    for (std::size_t c = 0; c < n; ++c) s->names->courses.push_back(display_name(cat, static_cast<index_t>(c)));
    s->names->skills = s->skill_names;
    set_model_codes(*s);
    state_ = std::move(s);
}

Ranker::Ranker(std::shared_ptr<const Model> model, const Ranker& same_data) {
    LEARNREC_CHECK(model != nullptr, "no model given");
    const State& o = *same_data.state_;
    LEARNREC_CHECK(model->num_courses() == o.model->num_courses() && model->num_learners() == o.model->num_learners(),
                   "the model is {} learners x {} courses but the ranker's data is {} x {}", model->num_learners(),
                   model->num_courses(), o.model->num_learners(), o.model->num_courses());
    // The catalogue's codes are copied (thousands of courses), the learners' part shared; the
    // eligibility bits cached for the last rules and time come along: they do not depend on the model.
    auto s = std::make_shared<State>(o);
    for (auto& sessions : s->course_sessions)
        for (auto& p : sessions) p = &s->catalogue.sessions[static_cast<std::size_t>(p - o.catalogue.sessions.data())];
    s->model = std::move(model);
    set_model_codes(*s);
    state_ = std::move(s);
}

void Ranker::set_model_codes(State& s) {
    s.form = s.model->scoring();
    s.factor = s.form.factors;
    s.unit_courses.resize(0, 0);
    if (s.factor) {
        s.unit_courses = s.factor->item_factors();
        for (Eigen::Index c = 0; c < s.unit_courses.rows(); ++c) {
            const float norm = s.unit_courses.row(c).norm();
            // A zero vector is similar to nothing rather than dividing by zero.
            if (norm > 0.0f) s.unit_courses.row(c) /= norm;
        }
    }
}

const Model& Ranker::model() const noexcept { return *state_->model; }
const Catalogue& Ranker::catalogue() const noexcept { return state_->catalogue; }
const std::vector<LearnerFacts>& Ranker::learners() const noexcept { return state_->learners(); }
const LearnerHistory& Ranker::history() const noexcept { return state_->history(); }

}  // namespace learnrec::ranking
