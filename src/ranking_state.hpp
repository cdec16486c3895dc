// learnrec ranking (internal) — the Ranker's precomputed state: catalogue and learners coded once
// (eligibility classes, skills, prerequisites, obligations, department popularity), shared by the
// request stages (src/ranking_*.cpp). Not part of the public API.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
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
namespace engine {
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

inline bool contains(const std::vector<index_t>& sorted, index_t x) {
    return std::binary_search(sorted.begin(), sorted.end(), x);
}

inline std::vector<index_t> sorted_codes(Interner& in, const std::vector<std::string>& values) {
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
inline std::vector<index_t> sorted_known_codes(const Interner& in, const std::vector<std::string>& values) {
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

/// The cosines of every pair of courses, filled once by the first request that needs them. They
/// depend on the model: a copy of the State (Ranker(model, other)) starts without them, and never
/// reads the source's while a request may be filling them.
struct CosineCache {
    CosineCache() = default;
    CosineCache(const CosineCache&) noexcept {}
    CosineCache& operator=(const CosineCache&) = delete;
    std::once_flag once;
    std::vector<float> values;  // courses x courses; empty above 2,048 courses
};

/// The trained learners' facts, history and codes: the bulk of a Ranker at 100,000 learners, and
/// the part a Ranker built for another model on the same data shares instead of copying.
struct TrainedLearners {
    std::vector<LearnerFacts> facts;
    LearnerHistory history;
    LearnerCodes codes;  // empty when no facts were given
};

}  // namespace engine

// The state's helpers are the ranking stages' own vocabulary.
using namespace engine;

struct Ranker::State {
    std::shared_ptr<const Model> model;
    Catalogue catalogue;
    // Shared between the rankers of one catalogue and history with successive models; the rest of
    // the State is the catalogue's codes (thousands of courses), copied.
    std::shared_ptr<const TrainedLearners> trained_learners;
    const std::vector<LearnerFacts>& learners() const noexcept { return trained_learners->facts; }
    const LearnerHistory& history() const noexcept { return trained_learners->history; }
    const LearnerCodes& trained() const noexcept { return trained_learners->codes; }

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
    // The classes' eligibility bits for the last rules and time asked: a campaign ranks its
    // learners chunk after chunk with the same rules, so each chunk's request copies them instead
    // of asking eligible() again for every class and course. Guarded: requests may run at once.
    // Under `session` the bits depend on time, but only through session starts entering or leaving
    // [now, now + span]: they hold for every time in [valid_from, valid_until), so a service that
    // ranks at the clock's second rebuilds them when a session opens or closes, not every second.
    struct ClassBits {
        bool language = false, format = false, region = false, session = false;
        timestamp_t span = 0;                            // horizon - now; 0 unless `session`
        timestamp_t valid_from = 0, valid_until = 0;     // unless `session`: nothing else depends on time
        std::vector<std::uint64_t> bits;                 // classes x words
        bool serves(const ClassBits& o, timestamp_t now) const {
            return language == o.language && format == o.format && region == o.region && session == o.session &&
                   span == o.span && (!session || (valid_from <= now && now < valid_until));
        }
    };
    // They do not depend on the model, so a copy of the State takes them, under the source's lock.
    struct ClassBitsCache {
        ClassBitsCache() = default;
        ClassBitsCache(const ClassBitsCache& o) {
            const std::lock_guard<std::mutex> lock(o.mutex);
            bits = o.bits;
        }
        ClassBitsCache& operator=(const ClassBitsCache&) = delete;
        mutable std::mutex mutex;
        std::shared_ptr<const ClassBits> bits;
    };
    mutable ClassBitsCache class_bits;

    // Obligations by scope.
    std::vector<std::size_t> obligations_all;
    std::unordered_map<std::string, std::vector<std::size_t>> obligations_by[4];  // learner, role, country, department

    // Factor models: course embeddings scaled to unit length once, so cosine similarities for MMR
    // and explanations are plain dot products instead of calls through the seam.
    const FactorModel* factor = nullptr;
    RowMatrix unit_courses;
    // Small catalogues: the cosine of every pair of courses (unit_courses' dot products), filled by
    // the first request that needs one, so that each learner's MMR and explanations read
    // similarities instead of computing a few hundred dot products again.
    mutable CosineCache course_cosines;
    // The model's scoring form: course-matrix and neighbour models give similarities by lookup.
    ScoringForm form;

    // Department popularity (by department code): completions per course, most completed first.
    std::vector<std::vector<index_t>> popular;

    // What reasons refer to by index; shared with every result, which renders texts on demand.
    std::shared_ptr<ReasonNames> names = std::make_shared<ReasonNames>();
};

namespace engine {

inline std::string display_name(const Catalogue& cat, index_t c) {
    const auto& f = cat.courses[static_cast<std::size_t>(c)];
    return f.title.empty() ? cat.course_name(c) : f.title;
}

inline timestamp_t expiry_of(const Catalogue& cat, index_t c, timestamp_t completed_at) {
    const int months = cat.courses[static_cast<std::size_t>(c)].validity_months;
    if (months == 0 || completed_at == std::numeric_limits<timestamp_t>::max() || completed_at == kNever)
        return std::numeric_limits<timestamp_t>::max();
    return add_months(completed_at, months);
}


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

}  // namespace engine
}  // namespace learnrec::ranking
