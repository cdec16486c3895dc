// learnrec ranking — checks of the rules, the catalogue and the learners' facts.
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

}  // namespace learnrec::ranking
