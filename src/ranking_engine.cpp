// learnrec ranking — the Ranker's requests: learners in chunks through the stages of
// src/ranking_request.hpp, results and reasons gathered (see ranking/ranker.hpp); and one course
// asked rule by rule for why_not (src/ranking_why_not.cpp).
#include "ranking_request.hpp"
#include "ranking_probe.hpp"

namespace learnrec::ranking {

using namespace engine;

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
    // Padding as TopK's: course -1, score -inf.
    out.scores.assign(slots, -std::numeric_limits<float>::infinity());
    out.model_scores.assign(slots, -std::numeric_limits<float>::infinity());
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
    // Kept from call to call on the calling thread, like the stages' scratch: each view holds
    // a few lists (exclusions, completions, obligations...), and a batch ranked in chunks (a
    // campaign) otherwise allocated and grew them all again for every learner of every chunk.
    // (A reference: the parallel stages must see the calling thread's views, not their own.)
    thread_local std::vector<LearnerView> kept_views;
    std::vector<LearnerView>& views = kept_views;
    for (std::size_t p0 = 0; p0 < learners.size(); p0 += kChunk) {
        const std::size_t p1 = std::min(learners.size(), p0 + kChunk);
        const auto chunk = learners.subspan(p0, p1 - p0);
        if (views.size() < chunk.size()) views.resize(chunk.size());  // never shrunk: a smaller chunk uses a prefix
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
        // Pinned courses are kept out of the pools (candidates() would skip them): the pool is
        // the candidates before substitution, and a learner whose pool runs short is widened
        // alone below (same answer either way: the candidates are a prefix of one order).
        const index_t pool = std::min(base_pool, std::max<index_t>(num_courses, 1));
        const QueryBlock queries = queries_of(chunk);
        const TopK top = req.pools(std::span<const LearnerView>(views.data(), chunk.size()), queries, pool, true);

        auto rank_one = [&](std::size_t i, std::vector<Reason>& dst) {
                const LearnerView& v = views[i];
                std::size_t want = static_cast<std::size_t>(k) - v.pinned.size();
                if (!limits.ordinary.empty())
                    want = std::min(want, static_cast<std::size_t>(limits.ordinary[p0 + i]));
                // MMR looks at a fixed number of candidates, so a learner's answer never depends on
                // who else is in the batch (the pool size does).
                // (Computed from k, not `want`: a request's ordinary cap must give a prefix of the
                // full answer, so the candidates do not depend on it.)
                const std::size_t full = static_cast<std::size_t>(k) - v.pinned.size();
                const std::size_t needed =
                    rules.mmr_lambda < 1.0f ? std::max(full, static_cast<std::size_t>(mmr_pool)) : full;
                for ([[maybe_unused]] auto c : top.ids_of(static_cast<index_t>(i))) assert(c < 0 || req.admits(v, c));
                // Scratch reused across the learners a thread ranks.
                thread_local std::vector<Candidate> cands, chosen;
                req.candidates(v, top.ids_of(static_cast<index_t>(i)), top.scores_of(static_cast<index_t>(i)), cands);
                // Substitution and pinning can eat into the pool: widen it for this learner until
                // enough candidates exist or every admissible course has been seen.
                index_t wider = pool;
                bool exhausted = top.count(static_cast<index_t>(i)) < pool;
                while (cands.size() < needed && !exhausted && wider < num_courses) {
                    wider = std::min(num_courses, wider * 4);
                    const std::array<index_t, 1> one{static_cast<index_t>(i)};
                    const QueryBlock q1 = rows_of(queries, one);
                    const TopK t = req.pools(std::span<const LearnerView>(&v, 1), q1, wider, true);
                    req.candidates(v, t.ids_of(0), t.scores_of(0), cands);
                    exhausted = t.count(0) < wider;
                }
                if (cands.size() > needed) cands.resize(needed);
                req.diversify(cands, want, chosen);

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
                                           // Gathered apart and moved in once: the next block runs on
                                           // another thread, and the two vectors' headers share a
                                           // cache line that every reason's push would bounce.
                                           std::vector<Reason> reasons;
                                           for (std::size_t i = i0; i < i1; ++i) rank_one(i, reasons);
                                           block_reasons[(p0 + i0) / kBlock] = std::move(reasons);
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
    LEARNREC_CHECK(limits.ordinary.empty() || limits.ordinary.size() == learners,
                   "request limits: {} ordinary caps for {} learners", limits.ordinary.size(), learners);
    for (auto n : limits.ordinary) LEARNREC_CHECK(n >= 0, "request limits: an ordinary cap is negative ({})", n);
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
    const Population people{s.learners().empty() ? nullptr : &s.trained(), &s.history()};
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
    const Population people{s.learners().empty() ? nullptr : &s.trained(), &s.history()};
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
    if (const HistoryEntry* e = s.history().find(learner, course)) {
        p.has_history = true;
        p.history = *e;
        if (e->completed_at != kNever) p.expires = expiry_of(s.catalogue, course, e->completed_at);
        if (contains(v.excluded, course))
            p.taken = req.completed_valid(v, course) ? TakenAs::completed
                      : is_in_progress(e->state)       ? TakenAs::in_progress
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
