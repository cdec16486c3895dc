// learnrec ranking — from a pool to the shown list: pinned courses, prerequisite substitution, MMR
// diversity and the reasons of each course.
#include "ranking_request.hpp"

namespace learnrec::ranking::engine {

void Request::candidates(const LearnerView& v, std::span<const index_t> ids, std::span<const float> scores,
                         std::vector<Candidate>& out) const {
    out.clear();
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
}

const float* Request::cached_cosines() const {
    if (!s_.factor) return nullptr;
    const auto& u = s_.unit_courses;
    const auto n = static_cast<std::size_t>(u.rows());
    const auto dim = static_cast<std::size_t>(u.cols());
    // 2,048 courses: 16 MB of cosines, computed once (the same kernel, so the same values).
    constexpr std::size_t kCachedCosineCourses = 2048;
    if (n > kCachedCosineCourses) return nullptr;
    auto& cache = s_.course_cosines;
    std::call_once(cache.once, [&] {
        std::vector<index_t> all(n);
        std::iota(all.begin(), all.end(), index_t{0});
        cache.values.resize(n * n);
        dot_rows(u.data(), dim, dim, all.data(), n, all.data(), n, cache.values.data());
    });
    return cache.values.data();
}

void Request::course_similarity(std::span<const index_t> a, std::span<const index_t> b, float* out) const {
    if (s_.factor) {
        const auto& u = s_.unit_courses;
        const auto n = static_cast<std::size_t>(u.rows());
        const auto dim = static_cast<std::size_t>(u.cols());
        if (const float* cos = cached_cosines()) {
            for (std::size_t i = 0; i < a.size(); ++i) {
                const float* row = cos + static_cast<std::size_t>(a[i]) * n;
                for (std::size_t j = 0; j < b.size(); ++j) out[i * b.size() + j] = row[b[j]];
            }
            return;
        }
        dot_rows(u.data(), dim, dim, a.data(), a.size(), b.data(), b.size(), out);
        return;
    }
    if (const RowMatrix* m = s_.form.course_matrix) {
        for (std::size_t i = 0; i < a.size(); ++i)
            for (std::size_t j = 0; j < b.size(); ++j) out[i * b.size() + j] = (*m)(a[i], b[j]);
        return;
    }
    if (const CsrMatrix* nb = s_.form.neighbours) {
        for (std::size_t i = 0; i < a.size(); ++i) {
            const auto row = nb->row(a[i]);  // sorted by course
            for (std::size_t j = 0; j < b.size(); ++j) {
                const auto p = std::lower_bound(row.indices.begin(), row.indices.end(), b[j]);
                out[i * b.size() + j] = p != row.indices.end() && *p == b[j]
                    ? row.weights[static_cast<std::size_t>(p - row.indices.begin())] : 0.0f;
            }
        }
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

void Request::diversify(const std::vector<Candidate>& cands, std::size_t want, std::vector<Candidate>& out) const {
    out.clear();
    if (rules_.mmr_lambda >= 1.0f || cands.size() <= 1) {
        out.assign(cands.begin(), cands.begin() + static_cast<std::ptrdiff_t>(std::min(want, cands.size())));
        return;
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
    // With every cosine kept, a pick's similarities are one row of the matrix: read in place.
    const float* cosines = per_pick ? cached_cosines() : nullptr;
    const std::size_t width = cosines ? static_cast<std::size_t>(s_.unit_courses.rows()) : 0;
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
        if (cosines) {
            const float* row = cosines + static_cast<std::size_t>(courses[best]) * width;
            for (std::size_t i = 0; i < m; ++i)
                if (!used[i]) to_pick[i] = row[courses[i]];
        } else if (per_pick) {
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
}

void Request::explain(const LearnerView& v, index_t c, index_t substitute_for, std::span<const float> similarity_to_completed,
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

}  // namespace learnrec::ranking::engine
