// learnrec ranking — catalogue checks, learner histories and the Ranker (see ranking/ranker.hpp).
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

namespace learnrec::ranking {

// ---- names -----------------------------------------------------------------------------------

std::string_view to_string(ObligationScope scope) {
    switch (scope) {
        case ObligationScope::learner: return "learner";
        case ObligationScope::role: return "role";
        case ObligationScope::country: return "country";
        case ObligationScope::department: return "department";
        case ObligationScope::all: return "all";
    }
    return "?";
}
ObligationScope parse_obligation_scope(std::string_view text) {
    for (auto s : {ObligationScope::learner, ObligationScope::role, ObligationScope::country,
                   ObligationScope::department, ObligationScope::all})
        if (text == to_string(s)) return s;
    LEARNREC_FAIL("unknown obligation scope '{}' (expected learner, role, country, department or all)", text);
}
std::string_view to_string(PrerequisiteMode mode) {
    switch (mode) {
        case PrerequisiteMode::ignore: return "ignore";
        case PrerequisiteMode::hold_back: return "hold_back";
        case PrerequisiteMode::substitute: return "substitute";
    }
    return "?";
}
PrerequisiteMode parse_prerequisite_mode(std::string_view text) {
    for (auto m : {PrerequisiteMode::ignore, PrerequisiteMode::hold_back, PrerequisiteMode::substitute})
        if (text == to_string(m)) return m;
    LEARNREC_FAIL("unknown prerequisite mode '{}' (expected ignore, hold_back or substitute)", text);
}
std::string_view to_string(DiversitySource source) {
    return source == DiversitySource::embeddings ? "embeddings" : "topics";
}
DiversitySource parse_diversity_source(std::string_view text) {
    if (text == "embeddings") return DiversitySource::embeddings;
    if (text == "topics") return DiversitySource::topics;
    LEARNREC_FAIL("unknown diversity source '{}' (expected embeddings or topics)", text);
}
std::string_view to_string(ReasonKind kind) {
    switch (kind) {
        case ReasonKind::mandatory: return "mandatory";
        case ReasonKind::renewal: return "renewal";
        case ReasonKind::skill_gap: return "skill_gap";
        case ReasonKind::prerequisite_for: return "prerequisite_for";
        case ReasonKind::because_completed: return "because_completed";
        case ReasonKind::popular_in_department: return "popular_in_department";
        case ReasonKind::new_course: return "new_course";
        case ReasonKind::matches_goal: return "matches_goal";
    }
    return "?";
}

// ---- reasons in plain terms ----------------------------------------------------------------------

namespace {
std::string_view name_at(const std::vector<std::string>& names, index_t i) {
    return i >= 0 && static_cast<std::size_t>(i) < names.size() ? std::string_view(names[static_cast<std::size_t>(i)])
                                                                : std::string_view();
}
}  // namespace

std::string_view Recommendations::skill(const Reason& reason) const {
    return names && reason.kind == ReasonKind::skill_gap ? name_at(names->skills, reason.skill) : std::string_view();
}
std::string_view Recommendations::department(const Reason& reason) const {
    return names && reason.kind == ReasonKind::popular_in_department ? name_at(names->departments, reason.department)
                                                                      : std::string_view();
}
std::string_view Recommendations::goal_text(const Reason& reason) const {
    return goal_terms && reason.kind == ReasonKind::matches_goal ? name_at(*goal_terms, reason.terms)
                                                                 : std::string_view();
}
std::string_view Recommendations::course_title(const Reason& reason) const {
    return names ? name_at(names->courses, reason.course) : std::string_view();
}

std::string Recommendations::text(const Reason& reason) const {
    switch (reason.kind) {
        case ReasonKind::mandatory: return fmt::format("mandatory, due {}", format_date(reason.date));
        case ReasonKind::renewal:
            return fmt::format("your certification {} on {}", reason.date <= now ? "expired" : "expires",
                               format_date(reason.date));
        case ReasonKind::skill_gap:
            return fmt::format("closes your gap in {} (target level {})", skill(reason), reason.level);
        case ReasonKind::prerequisite_for: return fmt::format("needed before {}", course_title(reason));
        case ReasonKind::because_completed: return fmt::format("because you completed {}", course_title(reason));
        case ReasonKind::popular_in_department:
            return fmt::format("popular in your department ({})", department(reason));
        case ReasonKind::new_course: return fmt::format("new in the catalogue since {}", format_date(reason.date));
        case ReasonKind::matches_goal: {
            const auto words = goal_text(reason);
            // Caller-supplied embeddings match as a whole: there are no words to quote.
            return words.empty() ? std::string("matches your goal") : fmt::format("matches your goal: {}", words);
        }
    }
    return {};
}

// ---- rules, catalogue, learners ------------------------------------------------------------------

void RankingRules::validate() const {
    LEARNREC_CHECK(k >= 1, "k must be at least 1, got {}", k);
    LEARNREC_CHECK(renewal_days >= 0, "renewal_days must be >= 0, got {}", renewal_days);
    LEARNREC_CHECK(obligation_window_days >= 0, "obligation_window_days must be >= 0, got {}", obligation_window_days);
    LEARNREC_CHECK(std::isfinite(gap_boost) && gap_boost >= 0.0f, "gap_boost must be finite and >= 0, got {}",
                   gap_boost);
    LEARNREC_CHECK(session_horizon_days >= 0, "session_horizon_days must be >= 0, got {}", session_horizon_days);
    LEARNREC_CHECK(mmr_lambda >= 0.0f && mmr_lambda <= 1.0f, "mmr_lambda must be in [0, 1], got {}", mmr_lambda);
    LEARNREC_CHECK(mmr_pool >= 0, "mmr_pool must be >= 0, got {}", mmr_pool);
    LEARNREC_CHECK(std::isfinite(similarity_threshold), "similarity_threshold must be finite, got {}",
                   similarity_threshold);
    LEARNREC_CHECK(popular_top >= 0, "popular_top must be >= 0, got {}", popular_top);
    LEARNREC_CHECK(!std::isnan(min_score), "min_score must be a number (or -inf: no floor), got NaN");
    LEARNREC_CHECK(std::isfinite(goal_weight) && goal_weight >= 0.0f, "goal_weight must be finite and >= 0, got {}",
                   goal_weight);
}

std::string Catalogue::course_name(index_t c) const {
    if (c >= 0 && c < num_courses() && !courses[static_cast<std::size_t>(c)].id.empty())
        return courses[static_cast<std::size_t>(c)].id;
    return fmt::format("#{}", c);
}

void Catalogue::validate() const {
    const index_t n = num_courses();
    auto check_course = [&](index_t c, const char* what) {
        LEARNREC_CHECK(c >= 0 && c < n, "{} refers to course index {} outside [0, {})", what, c, n);
    };
    for (index_t c = 0; c < n; ++c) {
        const auto& f = courses[static_cast<std::size_t>(c)];
        LEARNREC_CHECK(f.validity_months >= 0, "course '{}' has negative validity {} months", course_name(c),
                       f.validity_months);
        for (const auto& s : f.skills) {
            LEARNREC_CHECK(!s.skill.empty(), "course '{}' has a skill without a name", course_name(c));
            LEARNREC_CHECK(s.level >= 1, "course '{}' teaches '{}' at level {}; levels start at 1", course_name(c),
                           s.skill, s.level);
        }
    }
    for (const auto& s : sessions) {
        check_course(s.course, "a session");
        LEARNREC_CHECK(s.end >= s.start, "a session of course '{}' ends ({}) before it starts ({})",
                       course_name(s.course), format_date(s.end), format_date(s.start));
        LEARNREC_CHECK(s.capacity >= 0, "a session of course '{}' has negative capacity {}", course_name(s.course),
                       s.capacity);
    }
    for (const auto& o : obligations) {
        check_course(o.course, "an obligation");
        LEARNREC_CHECK(o.scope == ObligationScope::all || !o.value.empty(),
                       "the obligation for course '{}' with scope '{}' names no {}", course_name(o.course),
                       to_string(o.scope), to_string(o.scope));
    }
    // Prerequisite graph: edges course -> requires_course; a cycle would make a course unreachable.
    std::vector<std::vector<index_t>> needs(static_cast<std::size_t>(n));
    for (const auto& p : prerequisites) {
        check_course(p.course, "a prerequisite");
        check_course(p.requires_course, "a prerequisite");
        LEARNREC_CHECK(p.course != p.requires_course, "course '{}' is its own prerequisite (a cycle)",
                       course_name(p.course));
        needs[static_cast<std::size_t>(p.course)].push_back(p.requires_course);
    }
    std::vector<std::uint8_t> color(static_cast<std::size_t>(n), 0);  // 0 new, 1 on the path, 2 done
    std::vector<std::pair<index_t, std::size_t>> stack;
    for (index_t root = 0; root < n; ++root) {
        if (color[static_cast<std::size_t>(root)] != 0) continue;
        stack.push_back({root, 0});
        color[static_cast<std::size_t>(root)] = 1;
        while (!stack.empty()) {
            auto& [c, next] = stack.back();
            const auto& edges = needs[static_cast<std::size_t>(c)];
            if (next == edges.size()) {
                color[static_cast<std::size_t>(c)] = 2;
                stack.pop_back();
                continue;
            }
            const index_t r = edges[next++];
            if (color[static_cast<std::size_t>(r)] == 1) {
                std::string cycle = course_name(r);
                auto it = std::find_if(stack.begin(), stack.end(), [&](const auto& e) { return e.first == r; });
                for (++it; it != stack.end(); ++it) cycle += " -> " + course_name(it->first);
                cycle += " -> " + course_name(r);
                LEARNREC_FAIL("prerequisite cycle through course '{}': {} (each prereqs the next)", course_name(r),
                              cycle);
            }
            if (color[static_cast<std::size_t>(r)] == 0) {
                color[static_cast<std::size_t>(r)] = 1;
                stack.push_back({r, 0});
            }
        }
    }
}

void validate_learners(const std::vector<LearnerFacts>& learners) {
    for (std::size_t i = 0; i < learners.size(); ++i) {
        const auto& l = learners[i];
        const std::string name = l.id.empty() ? fmt::format("#{}", i) : l.id;
        for (std::size_t j = 0; j < l.target_skills.size(); ++j) {
            const auto& g = l.target_skills[j];
            LEARNREC_CHECK(!g.skill.empty(), "learner '{}' has a target skill without a name", name);
            LEARNREC_CHECK(g.level >= 1, "learner '{}' targets '{}' at level {}; levels start at 1", name, g.skill,
                           g.level);
            for (std::size_t m = 0; m < j; ++m)
                LEARNREC_CHECK(l.target_skills[m].skill != g.skill, "learner '{}' targets skill '{}' twice", name,
                               g.skill);
        }
    }
}

// ---- history -------------------------------------------------------------------------------------

LearnerHistory::LearnerHistory(index_t learners, index_t courses) : learners_(learners), courses_(courses) {
    LEARNREC_CHECK(learners >= 0 && courses >= 0, "negative history shape ({}, {})", learners, courses);
    offsets_.assign(static_cast<std::size_t>(learners) + 1, 0);
}

LearnerHistory LearnerHistory::from_interactions(const CsrView& matrix, std::span<const timestamp_t> timestamps) {
    LEARNREC_CHECK(timestamps.empty() || timestamps.size() == static_cast<std::size_t>(matrix.nnz()),
                   "{} timestamps for {} interactions", timestamps.size(), matrix.nnz());
    LearnerHistory h(matrix.rows, matrix.cols);
    for (index_t r = 0; r < matrix.rows; ++r) {
        const auto b = static_cast<std::size_t>(matrix.indptr[static_cast<std::size_t>(r)]);
        const auto row = matrix.row(r);
        for (std::size_t j = 0; j < row.size(); ++j) {
            if (row.weights[j] > 0.0f)
                h.set(r, row.indices[j], Outcome::completed, timestamps.empty() ? kNever : timestamps[b + j]);
            else
                h.set(r, row.indices[j], Outcome::dropped);
        }
    }
    // Without timestamps the completion date is unknown: it counts as valid forever rather than
    // as expired, so nothing the learner took comes back by surprise.
    if (timestamps.empty())
        for (auto& p : h.pending_)
            if (p.second.outcome == Outcome::completed) p.second.completed_at = std::numeric_limits<timestamp_t>::max();
    h.finish();
    return h;
}

LearnerHistory LearnerHistory::from_states(const LearnerCourseStates& states) {
    LearnerHistory h(states.num_learners(), states.num_courses());
    for (index_t l = 0; l < states.num_learners(); ++l) {
        const auto courses = states.courses(l);
        const auto statuses = states.statuses(l);
        for (std::size_t j = 0; j < courses.size(); ++j) {
            const CourseStatus& st = statuses[j];
            Outcome outcome = Outcome::assigned;
            switch (st.state) {
                case CourseState::none: continue;
                case CourseState::assigned: outcome = Outcome::assigned; break;
                case CourseState::enrolled:
                case CourseState::started: outcome = Outcome::in_progress; break;
                case CourseState::completed:
                case CourseState::passed: outcome = Outcome::completed; break;
                case CourseState::failed: outcome = Outcome::failed; break;
                case CourseState::dropped: outcome = Outcome::dropped; break;
            }
            h.set(l, courses[j], outcome, st.completed_at);
        }
    }
    h.finish();
    return h;
}

void LearnerHistory::set(index_t learner, index_t course, Outcome outcome, timestamp_t completed_at) {
    LEARNREC_CHECK(learner >= 0 && learner < learners_, "learner index {} outside [0, {})", learner, learners_);
    LEARNREC_CHECK(course >= 0 && course < courses_, "course index {} outside [0, {})", course, courses_);
    pending_.push_back({learner, HistoryEntry{course, outcome, completed_at}});
}

void LearnerHistory::finish() {
    // Facts already finished come before the new ones, so that the new ones update them.
    std::vector<std::pair<index_t, HistoryEntry>> all;
    all.reserve(entries_.size() + pending_.size());
    for (index_t l = 0; l < learners_; ++l)
        for (const auto& e : of(l)) all.push_back({l, e});
    all.insert(all.end(), pending_.begin(), pending_.end());
    pending_ = std::move(all);
    std::stable_sort(pending_.begin(), pending_.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : a.second.course < b.second.course;
    });
    entries_.clear();
    offsets_.assign(static_cast<std::size_t>(learners_) + 1, 0);
    for (std::size_t i = 0; i < pending_.size(); ++i) {
        const auto& [l, e] = pending_[i];
        if (i > 0 && pending_[i - 1].first == l && pending_[i - 1].second.course == e.course) {
            auto& last = entries_.back();
            last.outcome = e.outcome;
            last.completed_at = std::max(last.completed_at, e.completed_at);
        } else {
            entries_.push_back(e);
            ++offsets_[static_cast<std::size_t>(l) + 1];
        }
    }
    for (std::size_t l = 0; l < static_cast<std::size_t>(learners_); ++l) offsets_[l + 1] += offsets_[l];
    pending_.clear();
    pending_.shrink_to_fit();
}

std::span<const HistoryEntry> LearnerHistory::of(index_t learner) const {
    if (learner < 0 || learner >= learners_ || offsets_.empty()) return {};
    const auto b = static_cast<std::size_t>(offsets_[static_cast<std::size_t>(learner)]);
    const auto e = static_cast<std::size_t>(offsets_[static_cast<std::size_t>(learner) + 1]);
    return std::span<const HistoryEntry>(entries_).subspan(b, e - b);
}

const HistoryEntry* LearnerHistory::find(index_t learner, index_t course) const {
    const auto row = of(learner);
    auto it =
        std::lower_bound(row.begin(), row.end(), course, [](const HistoryEntry& e, index_t c) { return e.course < c; });
    return it != row.end() && it->course == course ? &*it : nullptr;
}

// ---- the ranker's precomputed state -------------------------------------------------------------

namespace {

class Interner {
public:
    index_t code(const std::string& s) {
        auto [it, inserted] = codes_.emplace(s, static_cast<index_t>(codes_.size()));
        return it->second;
    }
    index_t find(const std::string& s) const {
        auto it = codes_.find(s);
        return it == codes_.end() ? -1 : it->second;
    }
    /// The strings, indexed by code.
    std::vector<std::string> names() const {
        std::vector<std::string> out(codes_.size());
        for (const auto& [name, code] : codes_) out[static_cast<std::size_t>(code)] = name;
        return out;
    }

private:
    std::unordered_map<std::string, index_t> codes_;
};

bool contains(const std::vector<index_t>& sorted, index_t x) {
    return std::binary_search(sorted.begin(), sorted.end(), x);
}

std::vector<index_t> sorted_codes(Interner& in, const std::vector<std::string>& values) {
    std::vector<index_t> out;
    for (const auto& v : values) out.push_back(in.code(v));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

/// A value no course or session mentions: present (so "no constraint" is not implied) but equal
/// to nothing the catalogue has.
constexpr index_t kUnknownCode = -2;

/// sorted_codes for a frozen interner (learners arriving after the Ranker was built).
std::vector<index_t> sorted_known_codes(const Interner& in, const std::vector<std::string>& values) {
    std::vector<index_t> out;
    for (const auto& v : values) {
        const index_t code = in.find(v);
        out.push_back(code >= 0 ? code : kUnknownCode);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

struct EligibilityClass {
    std::vector<index_t> languages, formats;
    index_t country = -1, region = -1;
    bool operator==(const EligibilityClass&) const = default;
};

struct ClassHash {
    std::size_t operator()(const EligibilityClass& c) const noexcept {
        std::size_t h = std::hash<index_t>{}(c.country) * 31u + std::hash<index_t>{}(c.region);
        for (auto x : c.languages) h = h * 131u + static_cast<std::size_t>(x);
        h = h * 7919u;
        for (auto x : c.formats) h = h * 131u + static_cast<std::size_t>(x);
        return h;
    }
};

struct SkillOffer {
    index_t course;
    int level;
};

/// What the rules need about a set of learners, coded against the catalogue: eligibility class,
/// goals, applicable obligations (CSR) and department. Built once for the trained learners, and
/// per request for learners the model has not seen.
struct LearnerCodes {
    std::vector<index_t> learner_class;
    std::vector<std::vector<std::pair<index_t, int>>> goals;  // (skill code, level)
    std::vector<std::size_t> obligation_offsets{0}, obligations;
    std::vector<index_t> department;                          // -1: none or unknown
    std::vector<EligibilityClass> new_classes;  // classes the Ranker did not know, numbered after its own
};

}  // namespace

struct Ranker::State {
    std::shared_ptr<const Model> model;
    Catalogue catalogue;
    std::vector<LearnerFacts> learners;
    LearnerHistory history;

    // Course codes.
    std::vector<std::vector<index_t>> course_languages, course_regions;
    std::vector<index_t> course_format, course_topic;
    // (skill code, level) per course, flattened (CSR): read for every shown course, and one
    // contiguous array stays in cache where a vector per course does not.
    std::vector<std::size_t> skill_offsets;
    std::vector<std::pair<index_t, int>> skill_entries;
    std::span<const std::pair<index_t, int>> course_skills(index_t c) const {
        const auto i = static_cast<std::size_t>(c);
        return std::span<const std::pair<index_t, int>>(skill_entries).subspan(skill_offsets[i],
                                                                                skill_offsets[i + 1] - skill_offsets[i]);
    }
    std::vector<std::vector<SkillOffer>> skill_courses;               // skill code -> offers sorted by course
    std::vector<std::string> skill_names;
    std::vector<std::vector<index_t>> prereqs;  // course -> prerequisites, in order
    std::vector<std::vector<index_t>> unlocks;  // course -> courses that require it
    std::vector<std::vector<const Session*>> course_sessions;
    std::vector<index_t> session_location;  // aligned with catalogue.sessions; -1 online

    // Codes of catalogue values, kept to code learners who arrive later.
    Interner languages, formats, locations, skills, topics, departments;

    // Learners sharing languages, formats, country and region are eligible for the same courses:
    // one bitset per class instead of one per learner.
    std::vector<EligibilityClass> classes;
    std::unordered_map<EligibilityClass, index_t, ClassHash> class_index;
    LearnerCodes trained;  // the model's learners (empty when no facts were given)

    // Obligations by scope.
    std::vector<std::size_t> obligations_all;
    std::unordered_map<std::string, std::vector<std::size_t>> obligations_by[4];  // learner, role, country, department

    // Factor models: course embeddings scaled to unit length once, so cosine similarities for MMR
    // and explanations are plain dot products instead of calls through the seam.
    const FactorModel* factor = nullptr;
    RowMatrix unit_courses;

    // Department popularity (by department code): completions per course, most completed first.
    std::vector<std::vector<index_t>> popular;

    // What reasons refer to by index; shared with every result, which renders texts on demand.
    std::shared_ptr<ReasonNames> names = std::make_shared<ReasonNames>();
};

namespace {

std::string display_name(const Catalogue& cat, index_t c) {
    const auto& f = cat.courses[static_cast<std::size_t>(c)];
    return f.title.empty() ? cat.course_name(c) : f.title;
}

timestamp_t expiry_of(const Catalogue& cat, index_t c, timestamp_t completed_at) {
    const int months = cat.courses[static_cast<std::size_t>(c)].validity_months;
    if (months == 0 || completed_at == std::numeric_limits<timestamp_t>::max() || completed_at == kNever)
        return std::numeric_limits<timestamp_t>::max();
    return add_months(completed_at, months);
}

}  // namespace

/// Codes `learners` against the state's catalogue. For the Ranker's own learners (a mutable
/// state, during construction) their values and classes join the state; for learners arriving
/// later (a const state) values the catalogue never mentions code as kUnknownCode and classes the
/// state lacks are numbered after its own, in codes.new_classes.
template <class StateT>
LearnerCodes encode_learners(StateT& s, std::span<const LearnerFacts> learners) {
    constexpr bool frozen = std::is_const_v<StateT>;
    auto codes_of = [&](auto& interner, const std::vector<std::string>& values) {
        if constexpr (frozen)
            return sorted_known_codes(interner, values);
        else
            return sorted_codes(interner, values);
    };
    auto code_of = [&](auto& interner, const std::string& value) -> index_t {
        if (value.empty()) return -1;
        if constexpr (frozen) {
            const index_t code = interner.find(value);
            return code >= 0 ? code : kUnknownCode;
        } else {
            return interner.code(value);
        }
    };
    LearnerCodes out;
    out.learner_class.resize(learners.size());
    out.goals.resize(learners.size());
    out.department.assign(learners.size(), -1);
    std::unordered_map<EligibilityClass, index_t, ClassHash> new_index;
    for (std::size_t i = 0; i < learners.size(); ++i) {
        const auto& l = learners[i];
        EligibilityClass ec{codes_of(s.languages, l.languages), codes_of(s.formats, l.formats),
                            code_of(s.locations, l.country), code_of(s.locations, l.region)};
        if (auto it = s.class_index.find(ec); it != s.class_index.end()) {
            out.learner_class[i] = it->second;
        } else if constexpr (frozen) {
            auto [nit, inserted] =
                new_index.emplace(ec, static_cast<index_t>(s.classes.size() + out.new_classes.size()));
            if (inserted) out.new_classes.push_back(std::move(ec));
            out.learner_class[i] = nit->second;
        } else {
            const auto code = static_cast<index_t>(s.classes.size());
            s.class_index.emplace(ec, code);
            s.classes.push_back(std::move(ec));
            out.learner_class[i] = code;
        }
        for (const auto& g : l.target_skills) {
            const index_t code = s.skills.find(g.skill);
            // A goal no course teaches cannot steer the ranking; it is kept out of the gap list.
            if (code >= 0) out.goals[i].push_back({code, g.level});
        }
        const std::string* keys[4] = {&l.id, &l.role, &l.country, &l.department};
        for (int scope = 0; scope < 4; ++scope) {
            auto it = s.obligations_by[scope].find(*keys[scope]);
            if (it != s.obligations_by[scope].end())
                out.obligations.insert(out.obligations.end(), it->second.begin(), it->second.end());
        }
        out.obligation_offsets.push_back(out.obligations.size());
        if (!l.department.empty()) {
            if constexpr (frozen)
                out.department[i] = s.departments.find(l.department);
            else
                out.department[i] = s.departments.code(l.department);
        }
    }
    return out;
}

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
    s->learners = std::move(learners);
    s->history = std::move(history);
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
    s->trained = encode_learners(*s, std::span<const LearnerFacts>(s->learners));
    // Without facts every learner is in the one class without constraints.
    if (s->learners.empty()) s->classes.push_back({});
    s->names->departments = s->departments.names();
    s->popular.resize(s->names->departments.size());
    if (!s->learners.empty() && s->history.num_learners() > 0) {
        std::vector<std::vector<std::int64_t>> counts(s->popular.size());
        for (std::size_t i = 0; i < s->learners.size(); ++i) {
            const index_t dept = s->trained.department[i];
            if (dept < 0) continue;
            auto& v = counts[static_cast<std::size_t>(dept)];
            if (v.empty()) v.assign(n, 0);
            for (const auto& e : s->history.of(static_cast<index_t>(i)))
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
    s->factor = dynamic_cast<const FactorModel*>(s->model.get());
    if (s->factor) {
        s->unit_courses = s->factor->item_factors();
        for (Eigen::Index c = 0; c < s->unit_courses.rows(); ++c) {
            const float norm = s->unit_courses.row(c).norm();
            // A zero vector is similar to nothing rather than dividing by zero.
            if (norm > 0.0f) s->unit_courses.row(c) /= norm;
        }
    }
    state_ = std::move(s);
}

const Model& Ranker::model() const noexcept { return *state_->model; }
const Catalogue& Ranker::catalogue() const noexcept { return state_->catalogue; }
const std::vector<LearnerFacts>& Ranker::learners() const noexcept { return state_->learners; }
const LearnerHistory& Ranker::history() const noexcept { return state_->history; }

// ---- one request ---------------------------------------------------------------------------------

namespace {

struct Gap {
    index_t skill;
    int target;
    int current;
};

struct Pinned {
    index_t course;
    timestamp_t due;
};

/// The learners of one request: trained ones (the Ranker's codes and history) or new ones (coded
/// for the request, with their own history).
struct Population {
    const LearnerCodes* codes = nullptr;  // null: nothing known about the learners
    const LearnerHistory* history = nullptr;
};

/// Everything about one learner that the predicate and the post-processing read.
struct LearnerView {
    index_t learner = -1;  // the row in `history` (and in the population's codes)
    const LearnerHistory* history = nullptr;
    index_t eligibility_class = 0;
    std::vector<index_t> excluded;   // sorted
    std::vector<index_t> completed;  // sorted: ever completed (prerequisites)
    std::vector<index_t> unlocked;   // sorted: courses with prerequisites, all completed
    std::vector<Gap> gaps;
    std::vector<Pinned> pinned;     // due within the window, most urgent first
    std::vector<Pinned> mandatory;  // every applicable obligation (earliest due), sorted by course
    const std::vector<index_t>* popular = nullptr;  // the department's most completed courses
    index_t department = -1;
    std::span<const GoalMatch> goal;  // the learner's goal matches, sorted by course
};

struct Candidate {
    index_t course;
    float score;
    index_t substitute_for = -1;
};

using ByteMasks = std::array<std::array<float, 8>, 256>;
typedef float lr_v8 __attribute__((vector_size(32), aligned(4)));

/// row[64 w + j] becomes -inf where bit j of words[w] is clear. All-ones words (the common case:
/// most courses are eligible) cost one test; others add a table row of 0 / -inf per byte, eight
/// floats per vector addition (the scalar form does not vectorise: the compiler cannot rule out
/// that the row aliases the table).
[[gnu::always_inline]] inline void mask_words_impl(const std::uint64_t* words, std::size_t count, float* row, const ByteMasks& masks) {
    for (std::size_t w = 0; w < count; ++w) {
        const std::uint64_t word = words[w];
        if (word == ~std::uint64_t{0}) continue;
        float* r = row + 64 * w;
        for (int b = 0; b < 8; ++b) {
            const auto byte = static_cast<std::size_t>((word >> (8 * b)) & 0xffu);
            if (byte == 0xffu) continue;
            lr_v8 x, m;
            std::memcpy(&x, r + 8 * b, sizeof x);
            std::memcpy(&m, masks[byte].data(), sizeof m);
            x += m;
            std::memcpy(r + 8 * b, &x, sizeof x);
        }
    }
}
LEARNREC_ISA_KERNEL(void, mask_words, (const std::uint64_t* words, std::size_t count, float* row, const ByteMasks& masks), (words, count, row, masks))

/// out[i * nb + j] = rows[a[i]] . rows[b[j]] (dim floats per row, rows ld apart). Explanations
/// and MMR take a few hundred such dot products per learner: vectorised for the CPU at hand
/// rather than through Eigen, which runs SSE2 in the portable build and pays a call per product.
[[gnu::always_inline]] inline void dot_rows_impl(const float* rows, std::size_t ld, std::size_t dim, const index_t* a, std::size_t na, const index_t* b,
              std::size_t nb, float* out) {
    auto sum8 = [](const lr_v8& v) { return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7])); };
    for (std::size_t i = 0; i < na; ++i) {
        const float* x = rows + static_cast<std::size_t>(a[i]) * ld;
        std::size_t j = 0;
        // Four rows of b at a time: four independent accumulator chains share each load of x.
        for (; j + 4 <= nb; j += 4) {
            const float* y[4];
            for (int t = 0; t < 4; ++t) y[t] = rows + static_cast<std::size_t>(b[j + static_cast<std::size_t>(t)]) * ld;
            lr_v8 acc[4] = {};
            std::size_t k = 0;
            for (; k + 8 <= dim; k += 8) {
                lr_v8 xv;
                std::memcpy(&xv, x + k, sizeof xv);
                for (int t = 0; t < 4; ++t) {
                    lr_v8 yv;
                    std::memcpy(&yv, y[t] + k, sizeof yv);
                    acc[t] += xv * yv;
                }
            }
            for (int t = 0; t < 4; ++t) {
                float sum = sum8(acc[t]);
                for (std::size_t r = k; r < dim; ++r) sum += x[r] * y[t][r];
                out[i * nb + j + static_cast<std::size_t>(t)] = sum;
            }
        }
        for (; j < nb; ++j) {
            const float* y = rows + static_cast<std::size_t>(b[j]) * ld;
            lr_v8 acc{};
            std::size_t k = 0;
            for (; k + 8 <= dim; k += 8) {
                lr_v8 xv, yv;
                std::memcpy(&xv, x + k, sizeof xv);
                std::memcpy(&yv, y + k, sizeof yv);
                acc += xv * yv;
            }
            float sum = sum8(acc);
            for (; k < dim; ++k) sum += x[k] * y[k];
            out[i * nb + j] = sum;
        }
    }
}
LEARNREC_ISA_KERNEL(void, dot_rows, (const float* rows, std::size_t ld, std::size_t dim, const index_t* a, std::size_t na, const index_t* b,
              std::size_t nb, float* out), (rows, ld, dim, a, na, b, nb, out))

class Request {
public:
    /// `new_classes`: eligibility classes of new learners, numbered after the Ranker's own.
    Request(const Ranker::State& s, timestamp_t now, const RankingRules& rules,
            std::span<const EligibilityClass> new_classes = {})
        : s_(s), cat_(s.catalogue), now_(now), rules_(rules) {
        const auto n = static_cast<std::size_t>(cat_.num_courses());
        const std::size_t num_classes = s.classes.size() + new_classes.size();
        words_ = (n + 63) / 64;
        bits_.assign(
            learnrec::detail::checked_mul(num_classes, std::max<std::size_t>(words_, 1), "eligibility bitsets"), 0);
        const timestamp_t horizon = now + static_cast<timestamp_t>(rules.session_horizon_days) * kSecondsPerDay;
        learnrec::detail::parallel_for(0, static_cast<std::int64_t>(num_classes), rules.num_threads,
                                       [&](std::int64_t k) {
                                           const auto kk = static_cast<std::size_t>(k);
                                           const auto& ec = kk < s.classes.size()
                                                                ? s.classes[kk]
                                                                : new_classes[kk - s.classes.size()];
                                           std::uint64_t* row = bits_.data() + static_cast<std::size_t>(k) * words_;
                                           for (std::size_t c = 0; c < n; ++c)
                                               if (eligible(ec, static_cast<index_t>(c), now, horizon))
                                                   row[c >> 6] |= std::uint64_t{1} << (c & 63);
                                       });
        gap_active_ = rules.gap_boost > 0.0f;
        goal_active_ = rules.goal_weight > 0.0f;
        // The bits that mask score tiles: eligibility and, under hold_back, "has prerequisites"
        // (each learner's few unlocked courses are put back in mask_tile), so that held-back
        // courses rarely reach the predicate either.
        mask_bits_ = bits_;
        if (rules.prerequisites == PrerequisiteMode::hold_back) {
            hold_back_mask_ = true;
            for (std::size_t c = 0; c < n; ++c)
                if (!s.prereqs[c].empty())
                    for (std::size_t k = 0; k < num_classes; ++k)
                        mask_bits_[k * words_ + (c >> 6)] &= ~(std::uint64_t{1} << (c & 63));
        }
    }

    /// A request's own limits (RequestLimits): `only` narrows every class's eligibility bits.
    void restrict_to(std::span<const index_t> only) {
        if (only.empty()) return;
        std::vector<std::uint64_t> keep(words_, 0);
        for (auto c : only) keep[static_cast<std::size_t>(c) >> 6] |= std::uint64_t{1} << (c & 63);
        for (std::size_t i = 0; i < bits_.size(); ++i) {
            bits_[i] &= keep[i % words_];
            mask_bits_[i] &= keep[i % words_];
        }
    }
    /// Merges the request's exclusions for learner `p` (its position in the request) into `v`.
    void add_exclusions(LearnerView& v, const RequestLimits& limits, std::size_t p) const {
        if (limits.offsets.empty()) return;
        const auto b = static_cast<std::size_t>(limits.offsets[p]), e = static_cast<std::size_t>(limits.offsets[p + 1]);
        if (b == e) return;
        v.excluded.insert(v.excluded.end(), limits.excluded.begin() + static_cast<std::ptrdiff_t>(b),
                          limits.excluded.begin() + static_cast<std::ptrdiff_t>(e));
        std::sort(v.excluded.begin(), v.excluded.end());
        v.excluded.erase(std::unique(v.excluded.begin(), v.excluded.end()), v.excluded.end());
    }

    /// kByteMask[b][j] = 0 when bit j of b is set, else -inf: 8 courses masked by one addition of
    /// 8 floats (vectorised), from one byte of a class's bits.
    static const ByteMasks& byte_masks() {
        static const auto table = [] {
            std::array<std::array<float, 8>, 256> t{};
            for (std::size_t b = 0; b < 256; ++b)
                for (std::size_t j = 0; j < 8; ++j)
                    t[b][j] = ((b >> j) & 1u) ? 0.0f : -std::numeric_limits<float>::infinity();
            return t;
        }();
        return table;
    }

    bool eligible(const EligibilityClass& ec, index_t c, timestamp_t now, timestamp_t horizon) const {
        const auto cc = static_cast<std::size_t>(c);
        if (rules_.match_language && !ec.languages.empty() && !s_.course_languages[cc].empty()) {
            const auto& a = ec.languages;
            const auto& b = s_.course_languages[cc];
            bool any = false;
            for (auto x : b) any = any || contains(a, x);
            if (!any) return false;
        }
        if (rules_.match_format && !ec.formats.empty() && s_.course_format[cc] >= 0 &&
            !contains(ec.formats, s_.course_format[cc]))
            return false;
        if (rules_.match_region && !s_.course_regions[cc].empty() &&
            !(contains(s_.course_regions[cc], ec.country) || contains(s_.course_regions[cc], ec.region)))
            return false;
        if (rules_.require_session && !s_.course_sessions[cc].empty()) {
            bool open = false;
            for (const Session* session : s_.course_sessions[cc]) {
                const auto loc = s_.session_location[static_cast<std::size_t>(session - cat_.sessions.data())];
                if (session->capacity > 0 && session->start >= now && session->start <= horizon &&
                    (loc < 0 || loc == ec.country || loc == ec.region)) {
                    open = true;
                    break;
                }
            }
            if (!open) return false;
        }
        return true;
    }

    bool class_allows(const LearnerView& v, index_t c) const noexcept {
        const std::uint64_t w =
            bits_[static_cast<std::size_t>(v.eligibility_class) * words_ + (static_cast<std::size_t>(c) >> 6)];
        return (w >> (static_cast<std::size_t>(c) & 63)) & 1u;
    }

    /// Whether `c` is taken and still counts as taken at `now`.
    bool still_taken(const HistoryEntry& e) const {
        if (e.completed_at != kNever) {
            const timestamp_t expiry = expiry_of(cat_, e.course, e.completed_at);
            if (expiry == std::numeric_limits<timestamp_t>::max()) return true;
            if (now_ < expiry - static_cast<timestamp_t>(rules_.renewal_days) * kSecondsPerDay) return true;
        }
        if (e.outcome == Outcome::in_progress) return rules_.exclude_in_progress;
        if (e.outcome == Outcome::dropped) return rules_.exclude_dropped;
        return false;  // assigned, failed, or a lapsed certification: may be proposed
    }

    bool completed_valid(const LearnerView& v, index_t c) const {
        const HistoryEntry* e = v.history->find(v.learner, c);
        if (!e || e->completed_at == kNever) return false;
        const timestamp_t expiry = expiry_of(cat_, c, e->completed_at);
        return expiry == std::numeric_limits<timestamp_t>::max() ||
               now_ < expiry - static_cast<timestamp_t>(rules_.renewal_days) * kSecondsPerDay;
    }

    /// Fills `v` for one learner. `v` may hold an earlier learner's view: its lists are cleared,
    /// not freed, so a batch reuses their storage chunk after chunk.
    void view_of(const Population& people, index_t learner, LearnerView& v) const {
        v.excluded.clear();
        v.completed.clear();
        v.unlocked.clear();
        v.gaps.clear();
        v.pinned.clear();
        v.mandatory.clear();
        v.popular = nullptr;
        v.department = -1;
        v.eligibility_class = 0;
        v.learner = learner;
        v.history = people.history;
        const auto li = static_cast<std::size_t>(learner);
        const LearnerCodes* codes = people.codes;
        if (codes) v.eligibility_class = codes->learner_class[li];
        for (const auto& e : people.history->of(learner)) {
            if (still_taken(e)) v.excluded.push_back(e.course);
            if (e.completed_at != kNever) v.completed.push_back(e.course);
        }
        if (rules_.prerequisites == PrerequisiteMode::hold_back) {
            // Only courses next to completed ones can have all their prerequisites completed.
            for (auto h : v.completed)
                for (auto c : s_.unlocks[static_cast<std::size_t>(h)])
                    if (first_missing(v, c) < 0) v.unlocked.push_back(c);
            std::sort(v.unlocked.begin(), v.unlocked.end());
            v.unlocked.erase(std::unique(v.unlocked.begin(), v.unlocked.end()), v.unlocked.end());
        }
        if (codes) {
            for (const auto& [skill, target] : codes->goals[li]) {
                int current = 0;
                for (auto c : v.completed)
                    for (const auto& [sk, level] : s_.course_skills(c))
                        if (sk == skill) current = std::max(current, level);
                if (current < target) v.gaps.push_back({skill, target, current});
            }
        }
        if (rules_.obligations) collect_obligations(v, codes);
        if (rules_.explain && codes) {
            v.department = codes->department[li];
            if (v.department >= 0) v.popular = &s_.popular[static_cast<std::size_t>(v.department)];
        }
    }

    void add_obligation(LearnerView& v, std::size_t o) const {
        const auto& ob = cat_.obligations[o];
        if (completed_valid(v, ob.course)) return;
        auto it = std::find_if(v.mandatory.begin(), v.mandatory.end(),
                               [&](const Pinned& p) { return p.course == ob.course; });
        if (it == v.mandatory.end())
            v.mandatory.push_back({ob.course, ob.due});
        else
            it->due = std::min(it->due, ob.due);
    }

    void collect_obligations(LearnerView& v, const LearnerCodes* codes) const {
        std::span<const std::size_t> own;
        if (codes) {
            const auto li = static_cast<std::size_t>(v.learner);
            own = std::span<const std::size_t>(codes->obligations)
                      .subspan(codes->obligation_offsets[li],
                               codes->obligation_offsets[li + 1] - codes->obligation_offsets[li]);
        }
        for (const auto& list : {std::span<const std::size_t>(s_.obligations_all), own})
            for (auto o : list) add_obligation(v, o);

        std::sort(v.mandatory.begin(), v.mandatory.end(),
                  [](const Pinned& a, const Pinned& b) { return a.course < b.course; });
        const timestamp_t limit = now_ + static_cast<timestamp_t>(rules_.obligation_window_days) * kSecondsPerDay;
        for (const auto& m : v.mandatory)
            if (m.due <= limit) v.pinned.push_back(m);
        std::sort(v.pinned.begin(), v.pinned.end(), [](const Pinned& a, const Pinned& b) {
            return a.due != b.due ? a.due < b.due : a.course < b.course;
        });
        if (v.pinned.size() > static_cast<std::size_t>(rules_.k)) v.pinned.resize(static_cast<std::size_t>(rules_.k));
    }

    /// First missing prerequisite of `c` for the learner, or -1 when all are completed.
    index_t first_missing(const LearnerView& v, index_t c) const {
        for (auto r : s_.prereqs[static_cast<std::size_t>(c)])
            if (!contains(v.completed, r)) return r;
        return -1;
    }

    /// The top-k predicate: eligibility class bit, lifecycle exclusions, held-back prerequisites.
    bool admits(const LearnerView& v, index_t c) const {
        if (!class_allows(v, c)) return false;
        if (contains(v.excluded, c)) return false;
        if (rules_.prerequisites == PrerequisiteMode::hold_back && !s_.prereqs[static_cast<std::size_t>(c)].empty() &&
            first_missing(v, c) >= 0)
            return false;
        return true;
    }

    /// The skill-gap part of the final score, before gap_boost.
    float gap_gain(const LearnerView& v, index_t c) const {
        float gain = 0.0f;
        for (const auto& g : v.gaps)
            for (const auto& [sk, level] : s_.course_skills(c))
                if (sk == g.skill && level > g.current)
                    gain += static_cast<float>(std::min(level, g.target) - g.current) / static_cast<float>(g.target);
        return gain;
    }

    /// Sets the scores of ineligible and already-taken courses to -infinity, so they never reach
    /// the heap. The predicate still checks them (it is the rule); this only spares it the calls
    /// for courses it would reject anyway: a bit scan over the class's eligibility words.
    void mask_tile(const LearnerView& v, index_t c0, index_t c1, float* row) const {
        constexpr float kOut = -std::numeric_limits<float>::infinity();
        const std::uint64_t* bits = mask_bits_.data() + static_cast<std::size_t>(v.eligibility_class) * words_;
        auto bit = [&](index_t c) { return (bits[static_cast<std::size_t>(c) >> 6] >> (c & 63)) & 1u; };
        const auto first = std::lower_bound(v.unlocked.begin(), v.unlocked.end(), c0);
        const auto last = std::lower_bound(first, v.unlocked.end(), c1);
        thread_local std::vector<float> saved;
        saved.clear();
        for (auto it = first; it != last; ++it) saved.push_back(row[*it - c0]);
        index_t c = c0;
        for (; c < c1 && (c & 63) != 0; ++c)
            if (!bit(c)) row[c - c0] = kOut;
        const auto whole = static_cast<std::size_t>((c1 - c) / 64);
        mask_words(bits + (static_cast<std::size_t>(c) >> 6), whole, row + (c - c0), byte_masks());
        c += static_cast<index_t>(64 * whole);
        for (; c < c1; ++c)
            if (!bit(c)) row[c - c0] = kOut;
        if (hold_back_mask_)
            for (auto it = first; it != last; ++it)
                if (class_allows(v, *it)) row[*it - c0] = saved[static_cast<std::size_t>(it - first)];
        mask_excluded(v, c0, c1, row);
    }

    void mask_excluded(const LearnerView& v, index_t c0, index_t c1, float* row) const {
        auto it = std::lower_bound(v.excluded.begin(), v.excluded.end(), c0);
        for (; it != v.excluded.end() && *it < c1; ++it) row[*it - c0] = -std::numeric_limits<float>::infinity();
    }

    /// Adds gap_boost * gain to a score tile, visiting only courses that teach a gap skill.
    void boost_tile(const LearnerView& v, index_t c0, index_t c1, float* row) const {
        for (const auto& g : v.gaps) {
            const auto& offers = s_.skill_courses[static_cast<std::size_t>(g.skill)];
            auto it = std::lower_bound(offers.begin(), offers.end(), c0,
                                       [](const SkillOffer& o, index_t c) { return o.course < c; });
            const float scale = rules_.gap_boost / static_cast<float>(g.target);
            for (; it != offers.end() && it->course < c1; ++it)
                if (it->level > g.current)
                    row[it->course - c0] += scale * static_cast<float>(std::min(it->level, g.target) - g.current);
        }
    }

    /// The learner's goal score of course `c` (0 when the goal does not match it).
    const GoalMatch* goal_match(const LearnerView& v, index_t c) const {
        auto it = std::lower_bound(v.goal.begin(), v.goal.end(), c,
                                   [](const GoalMatch& m, index_t x) { return m.course < x; });
        return it != v.goal.end() && it->course == c ? &*it : nullptr;
    }
    /// What the goal adds to course c's final score.
    float goal_gain(const LearnerView& v, index_t c) const {
        if (!goal_active_) return 0.0f;
        const GoalMatch* m = goal_match(v, c);
        return m ? rules_.goal_weight * m->score : 0.0f;
    }

    /// Adds goal_weight * score to a score tile for the courses the learner's goal matches.
    void goal_tile(const LearnerView& v, index_t c0, index_t c1, float* row) const {
        auto it = std::lower_bound(v.goal.begin(), v.goal.end(), c0,
                                   [](const GoalMatch& m, index_t x) { return m.course < x; });
        for (; it != v.goal.end() && it->course < c1; ++it) row[it->course - c0] += rules_.goal_weight * it->score;
    }

    /// Candidate pools of size `pool` for the given learners (model top-k fused with the rules).
    TopK pools(std::span<const LearnerView> views, const QueryBlock& queries, index_t pool) const {
        // No predicate: mask_tile sets exactly the courses admits() rejects to -inf, and the
        // selection never keeps a -inf score, so asking admits() again per candidate would only
        // repeat the answer (asserted on every pool in debug builds; the eligibility tests check
        // the outcome in every build).
        const CandidateFilter filter;
        const Model& model = *s_.model;
        return topk(
            queries.count, cat_.num_courses(), pool,
            [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
                model.score(queries, q0, q1, c0, c1, out, ld);
                for (index_t q = q0; q < q1; ++q) {
                    float* row = out + static_cast<std::size_t>(q - q0) * ld;
                    const LearnerView& v = views[static_cast<std::size_t>(q)];
                    mask_tile(v, c0, c1, row);
                    if (gap_active_) boost_tile(v, c0, c1, row);
                    if (goal_active_ && !v.goal.empty()) goal_tile(v, c0, c1, row);
                    // The floor drops courses inside the selection, so a learner with nothing
                    // above it gets a short pool (no widening) rather than filler. It applies to
                    // the blended score: a stated goal can lift a course over it.
                    if (rules_.min_score > -std::numeric_limits<float>::infinity())
                        for (index_t c = c0; c < c1; ++c)
                            if (row[c - c0] < rules_.min_score) row[c - c0] = -std::numeric_limits<float>::infinity();
                }
            },
            filter, rules_.num_threads);
    }

    float model_score(const QueryBlock& queries, index_t q, index_t c) const {
        if (s_.factor) return queries.embeddings.row(q).dot(s_.factor->item_factors().row(c));
        float out = 0.0f;
        s_.model->score(queries, q, q + 1, c, c + 1, &out, 1);
        return out;
    }

    /// Courses to show after pinned ones, from a pool sorted by final score.
    std::vector<Candidate> candidates(const LearnerView& v, std::span<const index_t> ids,
                                      std::span<const float> scores) const {
        std::vector<Candidate> out;
        out.reserve(ids.size());
        thread_local std::vector<index_t> seen;  // scratch reused across learners
        seen.clear();
        for (const auto& p : v.pinned) seen.push_back(p.course);
        auto taken = [&](index_t c) { return std::find(seen.begin(), seen.end(), c) != seen.end(); };
        for (std::size_t j = 0; j < ids.size() && ids[j] >= 0; ++j) {
            index_t c = ids[j];
            index_t substitute_for = -1;
            if (rules_.prerequisites == PrerequisiteMode::substitute && first_missing(v, c) >= 0) {
                substitute_for = c;
                index_t cur = c;
                for (index_t depth = 0; depth <= cat_.num_courses(); ++depth) {
                    const index_t m = first_missing(v, cur);
                    if (m < 0) break;
                    cur = m;
                }
                c = cur;
                // A prerequisite the learner cannot take (or already shown) does not replace it.
                if (!class_allows(v, c) || contains(v.excluded, c)) continue;
            }
            if (taken(c)) continue;
            seen.push_back(c);
            out.push_back({c, scores[j], substitute_for});
        }
        return out;
    }

    /// out[i * b.size() + j] = the model's similarity of courses a[i] and b[j] (cosine for factor
    /// models, whose course queries are unit vectors: one small product instead of a call per column).
    void course_similarity(std::span<const index_t> a, std::span<const index_t> b, float* out) const {
        if (s_.factor) {
            const auto& u = s_.unit_courses;
            dot_rows(u.data(), static_cast<std::size_t>(u.cols()), static_cast<std::size_t>(u.cols()), a.data(),
                     a.size(), b.data(), b.size(), out);
            return;
        }
        const Model& model = *s_.model;
        const QueryBlock qa = model.course_queries(a);
        std::vector<float> column(a.size());
        for (std::size_t j = 0; j < b.size(); ++j) {
            model.score_similar(qa, 0, static_cast<index_t>(a.size()), b[j], b[j] + 1, column.data(), 1);
            for (std::size_t i = 0; i < a.size(); ++i) out[i * b.size() + j] = column[i];
        }
    }

    std::vector<Candidate> diversify(std::vector<Candidate> cands, std::size_t want) const {
        if (rules_.mmr_lambda >= 1.0f || cands.size() <= 1) {
            if (cands.size() > want) cands.resize(want);
            return cands;
        }
        const std::size_t m = cands.size();
        float lo = cands[0].score, hi = cands[0].score;
        for (const auto& c : cands) {
            lo = std::min(lo, c.score);
            hi = std::max(hi, c.score);
        }
        // Scratch reused across the learners a thread ranks.
        thread_local std::vector<float> rel, max_sim, to_pick, sim;
        thread_local std::vector<index_t> courses, open;
        thread_local std::vector<float> open_sim;
        thread_local std::vector<std::uint8_t> used;
        rel.resize(m);
        for (std::size_t i = 0; i < m; ++i) rel[i] = hi > lo ? (cands[i].score - lo) / (hi - lo) : 1.0f;
        courses.resize(m);
        for (std::size_t i = 0; i < m; ++i) courses[i] = cands[i].course;
        // Greedy MMR only needs each candidate's similarity to the courses already picked:
        // want x m values, computed as picks happen (a full m x m matrix only for models
        // reached through the seam).
        const bool by_topic = rules_.diversity_source == DiversitySource::topics;
        const bool per_pick = !by_topic && s_.factor != nullptr;
        if (!by_topic && !s_.factor) {
            sim.resize(m * m);
            course_similarity(courses, courses, sim.data());
        }
        to_pick.resize(m);
        open_sim.resize(m);
        auto similarity = [&](std::size_t i, std::size_t j) -> float {
            if (by_topic) {
                const auto ta = s_.course_topic[static_cast<std::size_t>(courses[i])];
                return ta >= 0 && ta == s_.course_topic[static_cast<std::size_t>(courses[j])] ? 1.0f : 0.0f;
            }
            return per_pick ? to_pick[i] : sim[i * m + j];
        };
        const float lambda = rules_.mmr_lambda;
        std::vector<Candidate> out;
        out.reserve(want);
        used.assign(m, 0);
        max_sim.assign(m, -std::numeric_limits<float>::infinity());
        while (out.size() < want && out.size() < m) {
            std::size_t best = m;
            float best_value = -std::numeric_limits<float>::infinity();
            for (std::size_t i = 0; i < m; ++i) {
                if (used[i]) continue;
                const float penalty = out.empty() ? 0.0f : max_sim[i];
                const float value = lambda * rel[i] - (1.0f - lambda) * penalty;
                if (best == m || value > best_value) {
                    best = i;
                    best_value = value;
                }
            }
            used[best] = 1;
            out.push_back(cands[best]);
            if (out.size() == want) break;
            if (per_pick) {
                // Only candidates still in play need their similarity to the new pick.
                open.clear();
                for (std::size_t i = 0; i < m; ++i)
                    if (!used[i]) open.push_back(courses[i]);
                course_similarity(std::span<const index_t>(&courses[best], 1), open, open_sim.data());
                for (std::size_t i = 0, o = 0; i < m; ++i)
                    if (!used[i]) to_pick[i] = open_sim[o++];
            }
            for (std::size_t i = 0; i < m; ++i)
                if (!used[i]) max_sim[i] = std::max(max_sim[i], similarity(i, best));
        }
        return out;
    }

    /// Appends the reasons for course `c` to `out`.
    void explain(const LearnerView& v, index_t c, index_t substitute_for, std::span<const float> similarity_to_completed,
                 std::span<const index_t> completed, std::vector<Reason>& out) const {
        auto mit = std::lower_bound(v.mandatory.begin(), v.mandatory.end(), c,
                                    [](const Pinned& p, index_t x) { return p.course < x; });
        if (mit != v.mandatory.end() && mit->course == c) {
            Reason& r = out.emplace_back();
            r.kind = ReasonKind::mandatory;
            r.date = mit->due;
        }
        if (const HistoryEntry* e = v.history->find(v.learner, c); e && e->completed_at != kNever) {
            const timestamp_t expiry = expiry_of(cat_, c, e->completed_at);
            if (expiry != std::numeric_limits<timestamp_t>::max()) {
                Reason& r = out.emplace_back();
                r.kind = ReasonKind::renewal;
                r.date = expiry;
            }
        }
        if (substitute_for >= 0) {
            Reason& r = out.emplace_back();
            r.kind = ReasonKind::prerequisite_for;
            r.course = substitute_for;
        }
        for (const auto& g : v.gaps)
            for (const auto& [sk, level] : s_.course_skills(c))
                if (sk == g.skill && level > g.current) {
                    Reason& r = out.emplace_back();
                    r.kind = ReasonKind::skill_gap;
                    r.skill = sk;
                    r.level = g.target;
                }
        if (goal_active_)
            if (const GoalMatch* m = goal_match(v, c); m && m->score > 0.0f) {
                Reason& r = out.emplace_back();
                r.kind = ReasonKind::matches_goal;
                r.terms = m->terms;
                r.value = m->score;
            }
        if (!similarity_to_completed.empty()) {
            std::size_t best = similarity_to_completed.size();
            for (std::size_t j = 0; j < similarity_to_completed.size(); ++j)
                if (completed[j] != c && similarity_to_completed[j] >= rules_.similarity_threshold &&
                    (best == similarity_to_completed.size() ||
                     similarity_to_completed[j] > similarity_to_completed[best]))
                    best = j;
            if (best < similarity_to_completed.size()) {
                Reason& r = out.emplace_back();
                r.kind = ReasonKind::because_completed;
                r.course = completed[best];
                r.value = similarity_to_completed[best];
            }
        }
        if (rules_.popular_top > 0 && v.popular != nullptr) {
            const auto* list = v.popular;
            const auto n = std::min(list->size(), static_cast<std::size_t>(rules_.popular_top));
            if (std::find(list->begin(), list->begin() + static_cast<std::ptrdiff_t>(n), c) !=
                list->begin() + static_cast<std::ptrdiff_t>(n)) {
                Reason& r = out.emplace_back();
                r.kind = ReasonKind::popular_in_department;
                r.department = v.department;
            }
        }
    }

    const Ranker::State& s_;
    const Catalogue& cat_;
    timestamp_t now_;
    const RankingRules& rules_;
    std::size_t words_ = 0;
    std::vector<std::uint64_t> bits_;
    std::vector<std::uint64_t> mask_bits_;  // bits_ without courses held back for prerequisites
    bool hold_back_mask_ = false;
    bool gap_active_ = false;
    bool goal_active_ = false;
};

}  // namespace

namespace {

/// The queries' rows `which`, in that order.
QueryBlock rows_of(const QueryBlock& q, std::span<const index_t> which) {
    QueryBlock out;
    out.count = static_cast<index_t>(which.size());
    if (q.embeddings.rows() > 0) {
        out.embeddings.resize(out.count, q.embeddings.cols());
        for (std::size_t i = 0; i < which.size(); ++i)
            out.embeddings.row(static_cast<Eigen::Index>(i)) = q.embeddings.row(which[i]);
    }
    if (q.history.rows() > 0) out.history = q.history.select_rows(which);
    return out;
}

/// Queries for a chunk of a request's learners (given as rows of the population).
using ChunkQueries = std::function<QueryBlock(std::span<const index_t> rows)>;

/// Ranks `learners` (rows of `people`) at `now`: the body shared by trained and new learners.
Recommendations rank(const Ranker::State& s, const Request& req, const Population& people,
                     std::span<const index_t> learners, const ChunkQueries& queries_of, timestamp_t now,
                     const RankingRules& rules, const RequestLimits& limits, const GoalMatches& goals) {
    const Model& model = *s.model;
    const index_t k = rules.k;
    const index_t num_courses = model.num_courses();

    Recommendations out;
    out.learners = static_cast<index_t>(learners.size());
    out.k = k;
    const std::size_t slots =
        learnrec::detail::checked_mul(learners.size(), static_cast<std::size_t>(k), "recommendations");
    out.ids.assign(slots, -1);
    out.scores.assign(slots, std::numeric_limits<float>::quiet_NaN());
    out.model_scores.assign(slots, std::numeric_limits<float>::quiet_NaN());
    out.mandatory.assign(slots, 0);
    out.names = s.names;
    out.now = now;
    if (goals.rows() > 0) out.goal_terms = goals.terms;
    // Reasons are gathered per block of learners (one vector each, written by one thread) and
    // flattened at the end.
    constexpr std::size_t kBlock = 64;
    std::vector<std::vector<Reason>> block_reasons((learners.size() + kBlock - 1) / kBlock);
    std::vector<std::uint32_t> slot_reasons(slots, 0);

    const index_t mmr_pool = std::max(k, rules.mmr_pool > 0 ? rules.mmr_pool : 2 * k);
    index_t base_pool = rules.mmr_lambda < 1.0f ? mmr_pool : k;
    if (rules.prerequisites == PrerequisiteMode::substitute) base_pool += k;

    // Chunks bound the per-learner scratch (exclusions, gaps, pools) whatever the batch size.
    constexpr std::size_t kChunk = 32768;
    std::vector<LearnerView> views;
    for (std::size_t p0 = 0; p0 < learners.size(); p0 += kChunk) {
        const std::size_t p1 = std::min(learners.size(), p0 + kChunk);
        const auto chunk = learners.subspan(p0, p1 - p0);
        views.resize(chunk.size());
        learnrec::detail::parallel_for(
            0, static_cast<std::int64_t>(chunk.size()), rules.num_threads,
            [&](std::int64_t i) {
                auto& v = views[static_cast<std::size_t>(i)];
                req.view_of(people, chunk[static_cast<std::size_t>(i)], v);
                req.add_exclusions(v, limits, p0 + static_cast<std::size_t>(i));
                v.goal = goals.rows() > 0 ? goals.of(static_cast<index_t>(p0 + static_cast<std::size_t>(i)))
                                          : std::span<const GoalMatch>();
            },
            64);
        // Pinned courses are usually not among the model's best, so the pool does not grow with
        // them: a learner whose pool runs short is widened alone below (same answer either way).
        const index_t pool = std::min(base_pool + 2, std::max<index_t>(num_courses, 1));
        const QueryBlock queries = queries_of(chunk);
        const TopK top = req.pools(views, queries, pool);

        auto rank_one = [&](std::size_t i) {
                const LearnerView& v = views[i];
                const std::size_t want = static_cast<std::size_t>(k) - v.pinned.size();
                // MMR looks at a fixed number of candidates, so a learner's answer never depends on
                // who else is in the batch (the pool size does).
                const std::size_t needed =
                    rules.mmr_lambda < 1.0f ? std::max(want, static_cast<std::size_t>(mmr_pool)) : want;
                for ([[maybe_unused]] auto c : top.ids_of(static_cast<index_t>(i))) assert(c < 0 || req.admits(v, c));
                std::vector<Candidate> cands =
                    req.candidates(v, top.ids_of(static_cast<index_t>(i)), top.scores_of(static_cast<index_t>(i)));
                // Substitution and pinning can eat into the pool: widen it for this learner until
                // enough candidates exist or every admissible course has been seen.
                index_t wider = pool;
                bool exhausted = top.count(static_cast<index_t>(i)) < pool;
                while (cands.size() < needed && !exhausted && wider < num_courses) {
                    wider = std::min(num_courses, wider * 4);
                    const std::array<index_t, 1> one{static_cast<index_t>(i)};
                    const QueryBlock q1 = rows_of(queries, one);
                    const TopK t = req.pools(std::span<const LearnerView>(&v, 1), q1, wider);
                    cands = req.candidates(v, t.ids_of(0), t.scores_of(0));
                    exhausted = t.count(0) < wider;
                }
                if (cands.size() > needed) cands.resize(needed);
                std::vector<Candidate> chosen = req.diversify(std::move(cands), want);

                // Pinned first, then the chosen ones.
                thread_local std::vector<Candidate> shown;  // scratch reused across learners
                shown.clear();
                for (const auto& p : v.pinned) {
                    float score = req.model_score(queries, static_cast<index_t>(i), p.course);
                    if (rules.gap_boost > 0.0f) score += rules.gap_boost * req.gap_gain(v, p.course);
                    score += req.goal_gain(v, p.course);
                    shown.push_back({p.course, score, -1});
                }
                shown.insert(shown.end(), chosen.begin(), chosen.end());

                std::span<const index_t> completed = v.completed;
                std::vector<index_t> recent;
                thread_local std::vector<float> sims;
                thread_local std::vector<index_t> shown_ids;
                sims.clear();
                shown_ids.clear();
                for (const auto& c : shown) shown_ids.push_back(c.course);
                if (rules.explain && !completed.empty() && !shown.empty()) {
                    // The most recent completions explain best; bound the work per learner.
                    if (completed.size() > 64) {
                        recent.assign(completed.begin(), completed.end());
                        std::sort(recent.begin(), recent.end(), [&](index_t a, index_t b) {
                            return v.history->find(v.learner, a)->completed_at >
                                   v.history->find(v.learner, b)->completed_at;
                        });
                        recent.resize(64);
                        completed = recent;
                    }
                    sims.assign(shown.size() * completed.size(), 0.0f);
                    req.course_similarity(shown_ids, completed, sims.data());
                }
                for (std::size_t r = 0; r < shown.size(); ++r) {
                    const auto slot = out.slot(static_cast<index_t>(p0 + i), static_cast<index_t>(r));
                    const auto& c = shown[r];
                    out.ids[slot] = c.course;
                    out.scores[slot] = c.score;
                    // Pool scores are the model's own unless a boost was added: then (and for pinned
                    // and substituted courses, which are not the pool's) ask the model again.
                    const bool recomputed = r < v.pinned.size() || c.substitute_for >= 0 ||
                                            (rules.gap_boost > 0.0f && req.gap_gain(v, c.course) > 0.0f) ||
                                            req.goal_gain(v, c.course) > 0.0f;
                    out.model_scores[slot] =
                        recomputed ? req.model_score(queries, static_cast<index_t>(i), c.course) : c.score;
                    out.mandatory[slot] =
                        std::binary_search(v.mandatory.begin(), v.mandatory.end(), Pinned{c.course, 0},
                                           [](const Pinned& a, const Pinned& b) { return a.course < b.course; })
                            ? 1
                            : 0;
                    if (rules.explain) {
                        std::span<const float> row;
                        if (!sims.empty())
                            row = std::span<const float>(sims).subspan(r * completed.size(), completed.size());
                        auto& dst = block_reasons[(p0 + i) / kBlock];
                        const std::size_t before = dst.size();
                        req.explain(v, c.course, c.substitute_for, row, completed, dst);
                        slot_reasons[slot] = static_cast<std::uint32_t>(dst.size() - before);
                    }
                }
        };
        static_assert(kChunk % kBlock == 0, "a block of learners never straddles two chunks");
        learnrec::detail::parallel_for(0, static_cast<std::int64_t>((chunk.size() + kBlock - 1) / kBlock),
                                       rules.num_threads, [&](std::int64_t b) {
                                           const auto i0 = static_cast<std::size_t>(b) * kBlock;
                                           const auto i1 = std::min(chunk.size(), i0 + kBlock);
                                           for (std::size_t i = i0; i < i1; ++i) rank_one(i);
                                       });
    }

    out.reason_offsets.assign(slots + 1, 0);
    for (std::size_t i = 0; i < slots; ++i) out.reason_offsets[i + 1] = out.reason_offsets[i] + slot_reasons[i];
    // Each block lands at its learners' first offset; blocks copy in parallel.
    out.reasons.resize(static_cast<std::size_t>(out.reason_offsets.back()));
    learnrec::detail::parallel_for(0, static_cast<std::int64_t>(block_reasons.size()), rules.num_threads,
                                   [&](std::int64_t b) {
                                       const auto& r = block_reasons[static_cast<std::size_t>(b)];
                                       const auto first = out.reason_offsets[static_cast<std::size_t>(b) * kBlock *
                                                                             static_cast<std::size_t>(k)];
                                       std::copy(r.begin(), r.end(),
                                                 out.reasons.begin() + static_cast<std::ptrdiff_t>(first));
                                   });
    return out;
}

}  // namespace

Recommendations Ranker::recommend(std::span<const index_t> learners, timestamp_t now, const RankingRules& rules) const {
    return recommend(learners, now, rules, RequestLimits{}, GoalMatches{});
}
Recommendations Ranker::recommend(const NewLearners& learners, timestamp_t now, const RankingRules& rules) const {
    return recommend(learners, now, rules, RequestLimits{}, GoalMatches{});
}
Recommendations Ranker::recommend(std::span<const index_t> learners, timestamp_t now, const RankingRules& rules,
                                  const RequestLimits& limits) const {
    return recommend(learners, now, rules, limits, GoalMatches{});
}
Recommendations Ranker::recommend(const NewLearners& learners, timestamp_t now, const RankingRules& rules,
                                  const RequestLimits& limits) const {
    return recommend(learners, now, rules, limits, GoalMatches{});
}
Recommendations Ranker::recommend(std::span<const index_t> learners, timestamp_t now, const RankingRules& rules,
                                  const GoalMatches& goals) const {
    return recommend(learners, now, rules, RequestLimits{}, goals);
}
Recommendations Ranker::recommend(const NewLearners& learners, timestamp_t now, const RankingRules& rules,
                                  const GoalMatches& goals) const {
    return recommend(learners, now, rules, RequestLimits{}, goals);
}

namespace {
void check_limits(const RequestLimits& limits, std::size_t learners, index_t courses) {
    LEARNREC_CHECK(limits.offsets.empty() || limits.offsets.size() == learners + 1,
                   "request limits: {} offsets for {} learners (expected learners + 1)", limits.offsets.size(),
                   learners);
    if (!limits.offsets.empty()) {
        LEARNREC_CHECK(limits.offsets.front() == 0 &&
                           limits.offsets.back() == static_cast<offset_t>(limits.excluded.size()),
                       "request limits: offsets must run from 0 to {} (the excluded courses)", limits.excluded.size());
        for (std::size_t i = 0; i < learners; ++i)
            LEARNREC_CHECK(limits.offsets[i] <= limits.offsets[i + 1], "request limits: offsets decrease at {}", i);
    }
    for (const auto* list : {&limits.excluded, &limits.only})
        for (auto c : *list)
            LEARNREC_CHECK(c >= 0 && c < courses, "request limits: course index {} outside [0, {})", c, courses);
}
}  // namespace

Recommendations Ranker::recommend(std::span<const index_t> learners, timestamp_t now, const RankingRules& rules,
                                  const RequestLimits& limits, const GoalMatches& goals) const {
    rules.validate();
    if (goals.rows() > 0) goals.validate(static_cast<index_t>(learners.size()), state_->model->num_courses());
    const State& s = *state_;
    const Model& model = *s.model;
    for (auto l : learners)
        LEARNREC_CHECK(l >= 0 && l < model.num_learners(), "learner index {} outside [0, {})", l, model.num_learners());
    check_limits(limits, learners.size(), model.num_courses());
    Request req(s, now, rules);
    req.restrict_to(limits.only);
    const Population people{s.learners.empty() ? nullptr : &s.trained, &s.history};
    Recommendations out = rank(s, req, people, learners,
                               [&](std::span<const index_t> rows) { return model.learner_queries(rows); }, now, rules,
                               limits, goals);
    out.model_version = model_version_;
    return out;
}

Recommendations Ranker::recommend(const NewLearners& learners, timestamp_t now, const RankingRules& rules,
                                  const RequestLimits& limits, const GoalMatches& goals) const {
    rules.validate();
    if (goals.rows() > 0) goals.validate(learners.queries.count, state_->model->num_courses());
    const State& s = *state_;
    const Model& model = *s.model;
    const index_t n = learners.queries.count;
    LEARNREC_CHECK(n >= 0, "new learners: negative query count {}", n);
    LEARNREC_CHECK(learners.queries.embeddings.rows() == 0 || learners.queries.embeddings.rows() == n,
                   "new learners: {} queries but {} embedding rows", n, learners.queries.embeddings.rows());
    LEARNREC_CHECK(learners.queries.history.rows() == 0 || learners.queries.history.rows() == n,
                   "new learners: {} queries but {} history rows", n, learners.queries.history.rows());
    if (s.factor)
        LEARNREC_CHECK(learners.queries.embeddings.rows() == n &&
                           learners.queries.embeddings.cols() == s.factor->item_factors().cols(),
                       "new learners: the queries are {} x {}, the model needs {} x {} (use the model's fold-in)",
                       learners.queries.embeddings.rows(), learners.queries.embeddings.cols(), n,
                       s.factor->item_factors().cols());
    LEARNREC_CHECK(learners.facts.empty() || static_cast<index_t>(learners.facts.size()) == n,
                   "new learners: {} profiles for {} learners", learners.facts.size(), n);
    LEARNREC_CHECK(learners.history.num_learners() == 0 || (learners.history.num_learners() == n &&
                                                            learners.history.num_courses() == model.num_courses()),
                   "new learners: the history is {} learners x {} courses, expected {} x {}",
                   learners.history.num_learners(), learners.history.num_courses(), n, model.num_courses());
    validate_learners(learners.facts);

    // Learners without profiles are coded like profiles with nothing in them: no constraint.
    const std::vector<LearnerFacts> blank(learners.facts.empty() ? static_cast<std::size_t>(n) : 0);
    const LearnerCodes codes =
        encode_learners(s, learners.facts.empty() ? std::span<const LearnerFacts>(blank)
                                                  : std::span<const LearnerFacts>(learners.facts));
    const LearnerHistory nothing_taken(n, model.num_courses());
    const LearnerHistory& history = learners.history.num_learners() > 0 ? learners.history : nothing_taken;
    check_limits(limits, static_cast<std::size_t>(n), model.num_courses());
    Request req(s, now, rules, codes.new_classes);
    req.restrict_to(limits.only);
    const Population people{&codes, &history};
    std::vector<index_t> rows(static_cast<std::size_t>(n));
    std::iota(rows.begin(), rows.end(), 0);
    Recommendations out = rank(s, req, people, rows,
                               [&](std::span<const index_t> chunk) { return rows_of(learners.queries, chunk); }, now,
                               rules, limits, goals);
    out.model_version = model_version_;
    return out;
}

NewLearners fold_in_learners(const Model& model, const CsrView& interactions, std::vector<LearnerFacts> facts,
                             LearnerHistory history, int num_threads) {
    LEARNREC_CHECK(interactions.cols == model.num_courses(),
                   "new learners' interactions have {} columns but the model has {} courses", interactions.cols,
                   model.num_courses());
    NewLearners out;
    out.queries = model.fold_in(interactions, num_threads);
    out.facts = std::move(facts);
    out.history = std::move(history);
    return out;
}

}  // namespace learnrec::ranking

// ---- one course, rule by rule: what Ranker::why_not reads (src/ranking_why_not.cpp) -------------

namespace learnrec::detail {

CourseProbe probe_course(const ranking::Ranker::State& s, index_t learner, index_t course, timestamp_t now,
                         const ranking::RankingRules& rules) {
    using namespace learnrec::ranking;
    rules.validate();
    LEARNREC_CHECK(learner >= 0 && learner < s.model->num_learners(), "learner index {} outside [0, {})", learner,
                   s.model->num_learners());
    LEARNREC_CHECK(course >= 0 && course < s.model->num_courses(), "course index {} outside [0, {})", course,
                   s.model->num_courses());
    const Request req(s, now, rules);
    const Population people{s.learners.empty() ? nullptr : &s.trained, &s.history};
    LearnerView v;
    req.view_of(people, learner, v);
    CourseProbe p;
    p.admitted = req.admits(v, course);
    p.eligible = req.class_allows(v, course);
    // Each eligibility rule alone, through the same eligible() test the class bits come from.
    const EligibilityClass& ec = s.classes[static_cast<std::size_t>(v.eligibility_class)];
    const timestamp_t horizon = now + static_cast<timestamp_t>(rules.session_horizon_days) * kSecondsPerDay;
    auto alone = [&](bool RankingRules::*rule) {
        RankingRules one = rules;
        one.match_language = one.match_format = one.match_region = one.require_session = false;
        one.*rule = rules.*rule;
        return Request(s, now, one).eligible(ec, course, now, horizon);
    };
    p.language = alone(&RankingRules::match_language);
    p.format = alone(&RankingRules::match_format);
    p.region = alone(&RankingRules::match_region);
    p.session = alone(&RankingRules::require_session);
    if (const HistoryEntry* e = s.history.find(learner, course)) {
        p.has_history = true;
        p.history = *e;
        if (e->completed_at != kNever) p.expires = expiry_of(s.catalogue, course, e->completed_at);
        if (contains(v.excluded, course))
            p.taken = req.completed_valid(v, course)      ? TakenAs::completed
                      : e->outcome == Outcome::in_progress ? TakenAs::in_progress
                                                           : TakenAs::dropped;
    }
    for (auto r : s.prereqs[static_cast<std::size_t>(course)])
        if (!contains(v.completed, r)) p.missing.push_back(r);
    p.held_back = rules.prerequisites == PrerequisiteMode::hold_back && !p.missing.empty();
    if (rules.prerequisites == PrerequisiteMode::substitute && !p.missing.empty()) {
        index_t cur = course;
        for (index_t depth = 0; depth <= s.catalogue.num_courses() && req.first_missing(v, cur) >= 0; ++depth)
            cur = req.first_missing(v, cur);
        p.substitute = cur;
    }
    for (const auto& m : v.mandatory)
        if (m.course == course) p.obligation_due = m.due;
    for (const auto& m : v.pinned) p.pinned = p.pinned || m.course == course;
    p.pinned_count = static_cast<index_t>(v.pinned.size());
    const timestamp_t limit = now + static_cast<timestamp_t>(rules.obligation_window_days) * kSecondsPerDay;
    p.pinned_overflow = rules.obligations && p.obligation_due != kNever && p.obligation_due <= limit && !p.pinned;

    const std::array<index_t, 1> one{learner};
    const QueryBlock q = s.model->learner_queries(one);
    p.model_score = req.model_score(q, 0, course);
    p.final_score = p.model_score + (rules.gap_boost > 0.0f ? rules.gap_boost * req.gap_gain(v, course) : 0.0f);
    if (p.admitted) {
        // Every admitted course in the order the top-k ranks them (final score, ties to the lower index).
        const TopK all = req.pools(std::span<const LearnerView>(&v, 1), q, s.model->num_courses());
        const auto ids = all.ids_of(0);
        index_t pinned_above = 0;
        for (std::size_t j = 0; j < ids.size() && ids[j] >= 0 && p.score_rank == 0; ++j) {
            if (ids[j] == course) {
                p.score_rank = static_cast<index_t>(j + 1);
                p.open_rank = p.score_rank - pinned_above;
                p.final_score = all.scores_of(0)[j];
            }
            for (const auto& m : v.pinned) pinned_above += m.course == ids[j] ? 1 : 0;
        }
    }
    return p;
}

}  // namespace learnrec::detail
