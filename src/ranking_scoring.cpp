// learnrec ranking — a request's candidate pools: the model's top-k fused with the rules, plus the
// skill-gap and goal boosts.
#include "ranking_request.hpp"

namespace learnrec::ranking::engine {

void Request::boost_tile(const LearnerView& v, index_t c0, index_t c1, float* row) const {
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

void Request::goal_tile(const LearnerView& v, index_t c0, index_t c1, float* row) const {
    auto it = std::lower_bound(v.goal.begin(), v.goal.end(), c0,
                               [](const GoalMatch& m, index_t x) { return m.course < x; });
    for (; it != v.goal.end() && it->course < c1; ++it) row[it->course - c0] += rules_.goal_weight * it->score;
}

TopK Request::pools(std::span<const LearnerView> views, const QueryBlock& queries, index_t pool,
                    bool without_pinned) const {
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
                if (without_pinned)
                    for (const auto& p : v.pinned)
                        if (p.course >= c0 && p.course < c1) row[p.course - c0] = -std::numeric_limits<float>::infinity();
                if (gap_active_) boost_tile(v, c0, c1, row);
                if (goal_active_ && !v.goal.empty()) goal_tile(v, c0, c1, row);
                // The floor drops courses inside the selection, so a learner with nothing
                // above it gets a short pool (no widening) rather than filler. It applies to
                // the blended score: a stated goal can lift a course over it.
                if (rules_.min_score > -std::numeric_limits<float>::infinity())
                    floor_row(row, static_cast<std::size_t>(c1 - c0), rules_.min_score);
            }
        },
        filter, rules_.num_threads);
}

}  // namespace learnrec::ranking::engine
