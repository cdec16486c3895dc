// learnrec ranking — a request's candidate pools: the model's top-k fused with the rules, plus the
// skill-gap and goal boosts.
#include "ranking_request.hpp"

#include <cstdint>
#include <functional>

#include "learnrec/detail/pool_select.hpp"

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
    // A batch of a factor model: only the courses each learner's class allows are scored.
    // (A few learners, e.g. one widened pool, stay with topk(), which then splits the catalogue
    // across threads; both give the same pools.)
    if (s_.factor && s_.factor->factors() > 0 && pool > 0 && cat_.num_courses() > 0 &&
        queries.count >= 2 * learnrec::detail::kQueryBlock && queries.embeddings.rows() == queries.count &&
        queries.embeddings.cols() == s_.factor->factors())
        return class_pools(views, queries, pool, without_pinned);
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

namespace {

/// The courses one eligibility class allows, in course-index order, their factors packed for the
/// scoring kernel: a tile row of the class is the learner's row of eligible courses.
struct ClassCourses {
    // slot -> course: first the courses open to all (increasing), then, under hold_back, those
    // with prerequisites (increasing), which only a learner who unlocked them may get.
    std::vector<index_t> courses;
    index_t open = 0;
    std::vector<index_t> slot;  // course -> slot, -1 when the class does not allow it
    // skill_courses restricted to the class, by slot: offers[offer_from[k], offer_from[k + 1]),
    // the open slots first, the held-back ones from offer_held[k] (a course offers a skill once,
    // so each slot's additions keep the gaps' order).
    std::vector<SkillOffer> offers;
    std::vector<std::size_t> offer_from, offer_held;
    learnrec::detail::PackedPanels packed;
};

}  // namespace

// About three quarters of a learner's scores in topk() went to courses its class does not allow
// (language, format, region, sessions), only to be masked to -inf. Here learners are grouped by
// class, and each group is scored against its class's courses alone, packed once per request.
// Each score is the float the kernel computes for that learner and course in any tile (every
// lane runs the same arithmetic); the exclusions, pinned courses and boosts are applied to the
// compacted row as mask_tile(), boost_tile() and goal_tile() apply them (same additions, same
// order); the open courses' candidates (a superset of the pool: every score at or above a lower
// bound on the k-th and above the floor, detail/pool_select.hpp) and the held-back courses the
// learner unlocked (held-back courses sit after the open ones; no others are offered) are ordered
// under topk()'s (score desc, course index asc). The pool is exactly the one topk() keeps over
// the masked, boosted, floored full row (tests/cpp/test_ranking.cpp checks a batch against each
// learner alone, who goes through topk()).
// Memory per request: the allowed courses' factors once per class present (classes x C d floats
// at most) and a course -> slot map per class.
TopK Request::class_pools(std::span<const LearnerView> views, const QueryBlock& queries, index_t pool,
                          bool without_pinned) const {
    namespace ld = learnrec::detail;
    constexpr float kOut = -std::numeric_limits<float>::infinity();
    const index_t nq = queries.count;
    const index_t nc = cat_.num_courses();
    const index_t d = s_.factor->factors();
    const auto ud = static_cast<std::size_t>(d);
    TopK out;
    out.queries = nq;
    out.k = pool;
    out.ids.assign(ld::checked_mul(static_cast<std::size_t>(nq), static_cast<std::size_t>(pool), "pools"), -1);
    out.scores.assign(out.ids.size(), kOut);

    // Learners by class (stable: within a class, in request order), cut into blocks of one class.
    std::vector<index_t> order(static_cast<std::size_t>(nq));
    std::iota(order.begin(), order.end(), index_t{0});
    std::stable_sort(order.begin(), order.end(), [&](index_t a, index_t b) {
        return views[static_cast<std::size_t>(a)].eligibility_class < views[static_cast<std::size_t>(b)].eligibility_class;
    });
    struct Block {
        std::size_t first, count;
        std::size_t group;  // index into `groups`
    };
    std::vector<Block> blocks;
    std::vector<index_t> group_class;
    for (std::size_t i = 0; i < order.size();) {
        const index_t cls = views[static_cast<std::size_t>(order[i])].eligibility_class;
        std::size_t j = i;
        while (j < order.size() && views[static_cast<std::size_t>(order[j])].eligibility_class == cls) ++j;
        group_class.push_back(cls);
        for (std::size_t b = i; b < j; b += ld::kQueryBlock)
            blocks.push_back({b, std::min<std::size_t>(ld::kQueryBlock, j - b), group_class.size() - 1});
        i = j;
    }

    const RowMatrix& factors = s_.factor->item_factors();
    // Courses held back for prerequisites, as bits (the same for every class).
    std::vector<std::uint64_t> held_bits(words_, 0);
    if (hold_back_mask_)
        for (index_t c = 0; c < nc; ++c)
            if (!s_.prereqs[static_cast<std::size_t>(c)].empty())
                held_bits[static_cast<std::size_t>(c) >> 6] |= std::uint64_t{1} << (c & 63);
    std::vector<ClassCourses> groups(group_class.size());
    ld::parallel_for(0, static_cast<std::int64_t>(groups.size()), rules_.num_threads, [&](std::int64_t g) {
        ClassCourses& cc = groups[static_cast<std::size_t>(g)];
        const std::uint64_t* bits = bits_.data() + static_cast<std::size_t>(group_class[static_cast<std::size_t>(g)]) * words_;
        cc.slot.assign(static_cast<std::size_t>(nc), -1);
        for (const bool held : {false, true}) {
            for (std::size_t w = 0; w < words_; ++w)
                for (std::uint64_t word = bits[w] & (held ? held_bits[w] : ~held_bits[w]); word; word &= word - 1) {
                    const auto c = static_cast<index_t>(w * 64 + static_cast<std::size_t>(__builtin_ctzll(word)));
                    if (c >= nc) break;
                    cc.slot[static_cast<std::size_t>(c)] = static_cast<index_t>(cc.courses.size());
                    cc.courses.push_back(c);
                }
            if (!held) cc.open = static_cast<index_t>(cc.courses.size());
        }
        cc.offer_from.assign(1, 0);
        std::vector<SkillOffer> held_offers;
        for (const auto& list : s_.skill_courses) {
            held_offers.clear();
            for (const auto& o : list)
                if (const index_t j = cc.slot[static_cast<std::size_t>(o.course)]; j >= cc.open)
                    held_offers.push_back({j, o.level});
                else if (j >= 0)
                    cc.offers.push_back({j, o.level});
            cc.offer_held.push_back(cc.offers.size());
            cc.offers.insert(cc.offers.end(), held_offers.begin(), held_offers.end());
            cc.offer_from.push_back(cc.offers.size());
        }
        // PackedPanels::pack()'s layout, filled from the factors directly (no gathered copy).
        constexpr auto kp = static_cast<std::size_t>(ld::kPanel);
        cc.packed.courses = static_cast<index_t>(cc.courses.size());
        cc.packed.dim = d;
        cc.packed.data.assign((cc.courses.size() + kp - 1) / kp * ud * kp, 0.0f);
        for (std::size_t j = 0; j < cc.courses.size(); ++j) {
            float* panel = cc.packed.data.data() + j / kp * ud * kp + j % kp;
            const float* f = factors.data() + static_cast<std::size_t>(cc.courses[j]) * ud;
            for (std::size_t k = 0; k < ud; ++k) panel[k * kp] = f[k];
        }
    }, 1);

    const index_t kept = std::min(pool, nc);
    const bool floored = rules_.min_score > kOut;
    // Scores >= the floor are those above nextafter(floor, -inf): floor_row() kept exactly those.
    const float floor_gate = floored ? std::nextafter(rules_.min_score, kOut) : kOut;
    // The candidates' test is s >= least, the same as s > floor_gate.
    const float least = std::nextafter(floor_gate, std::numeric_limits<float>::infinity());
    const ld::PoolCandidatesFn pool_candidates = ld::pool_candidates_fn();
    const ld::PoolRanksFn pool_ranks = ld::pool_ranks_fn();
    ld::parallel_for(0, static_cast<std::int64_t>(blocks.size()), rules_.num_threads, [&](std::int64_t bi) {
        const Block& blk = blocks[static_cast<std::size_t>(bi)];
        const ClassCourses& cc = groups[blk.group];
        const auto m = static_cast<index_t>(cc.courses.size());
        const auto n = static_cast<index_t>(blk.count);
        thread_local std::vector<float> tile, rows;
        thread_local std::vector<float> maxima;
        thread_local std::vector<index_t> slots;
        thread_local std::vector<std::uint64_t> keys;
        thread_local std::vector<float> cs;    // the candidates' scores and courses
        thread_local std::vector<index_t> ci, ranks;
        // The whole class row at once (a class allows at most the catalogue): each learner's
        // lists are walked once.
        const auto width = static_cast<std::size_t>((m + ld::kPanel - 1) / ld::kPanel * ld::kPanel);
        tile.resize(blk.count * width);
        rows.resize(blk.count * ud);
        maxima.resize(static_cast<std::size_t>(cc.open) + 16);
        slots.resize(static_cast<std::size_t>(cc.open));
        for (index_t r = 0; r < n; ++r) {
            const index_t q = order[blk.first + static_cast<std::size_t>(r)];
            std::copy_n(queries.embeddings.data() + static_cast<std::size_t>(q) * ud, ud,
                        rows.data() + static_cast<std::size_t>(r) * ud);
        }
        // The open courses for the whole block. The held-back ones (often most of a class's row:
        // every course with prerequisites) are offered only to a learner who unlocked them, so
        // only the panels holding those are scored, per learner, below. The kernel gives a
        // (learner, course) the same float in a tile of one learner as in a full one.
        if (cc.open > 0) ld::score_panels(rows.data(), ud, n, cc.packed, 0, cc.open, tile.data(), width);
        const auto view_at = [&](index_t r) -> const LearnerView& {
            return views[static_cast<std::size_t>(order[blk.first + static_cast<std::size_t>(r)])];
        };
        // Learners of a class are scattered over the request: their views (several cache lines
        // each) and lists would be fetched one miss after another. The view two learners ahead
        // and the lists of the next one are fetched while this one is worked on.
        const auto prefetch_view = [&](index_t r) {
            const auto* bytes = reinterpret_cast<const char*>(&view_at(r));
            for (std::size_t b = 0; b < sizeof(LearnerView); b += 64) __builtin_prefetch(bytes + b);
        };
        const auto prefetch_lists = [&](const LearnerView& v) {
            __builtin_prefetch(v.excluded.data());
            __builtin_prefetch(v.gaps.data());
            if (goal_active_) __builtin_prefetch(v.goal.data());
        };
        for (index_t r = 0; r < std::min<index_t>(n, 2); ++r) prefetch_view(r);
        if (n > 0) prefetch_lists(view_at(0));
        for (index_t r = 0; r < n; ++r) {
            const LearnerView& v = view_at(r);
            if (r + 2 < n) prefetch_view(r + 2);
            if (r + 1 < n) prefetch_lists(view_at(r + 1));
            float* s = tile.data() + static_cast<std::size_t>(r) * width;
            // Held-back slots run in course order, as `unlocked` does: a panel is scored once. The
            // other held-back slots keep stale floats that the rules below may touch; none is read.
            index_t scored_panel = -1;
            for (const index_t c : v.unlocked)
                if (const index_t j = cc.slot[static_cast<std::size_t>(c)]; j >= cc.open) {
                    const index_t p0 = j / ld::kPanel * ld::kPanel;
                    if (p0 == scored_panel) continue;
                    ld::score_panels(rows.data() + static_cast<std::size_t>(r) * ud, ud, 1, cc.packed, p0,
                                     std::min<index_t>(p0 + ld::kPanel, m), s + p0, width);
                    scored_panel = p0;
                }
            // mask_tile(): the learner's exclusions (held-back courses are past `open`).
            for (const index_t c : v.excluded)
                if (const index_t j = cc.slot[static_cast<std::size_t>(c)]; j >= 0) s[j] = kOut;
            if (without_pinned)
                for (const auto& p : v.pinned)
                    if (const index_t j = cc.slot[static_cast<std::size_t>(p.course)]; j >= 0) s[j] = kOut;
            // boost_tile() and goal_tile(): the same additions in the same order.
            if (gap_active_)
                for (const auto& g : v.gaps) {
                    const float scale = rules_.gap_boost / static_cast<float>(g.target);
                    const auto k = static_cast<std::size_t>(g.skill);
                    // Held-back slots no one scored for this learner need no boost.
                    const std::size_t end = scored_panel >= 0 ? cc.offer_from[k + 1] : cc.offer_held[k];
                    for (std::size_t e = cc.offer_from[k]; e < end; ++e) {
                        const SkillOffer& o = cc.offers[e];
                        if (o.level > g.current)
                            s[o.course] += scale * static_cast<float>(std::min(o.level, g.target) - g.current);
                    }
                }
            if (goal_active_)
                for (const auto& gm : v.goal)
                    if (const index_t j = cc.slot[static_cast<std::size_t>(gm.course)]; j >= 0)
                        s[j] += rules_.goal_weight * gm.score;
            // The open slots' candidates (slot order is course order), then the held-back courses
            // this learner unlocked (the few mask_tile() put back), all ordered as topk() orders.
            const index_t found = pool_candidates(s, cc.open, least, kept, maxima.data(), slots.data());
            cs.clear();
            ci.clear();
            for (index_t i = 0; i < found; ++i) {
                const auto j = static_cast<std::size_t>(slots[static_cast<std::size_t>(i)]);
                cs.push_back(s[j]);
                ci.push_back(cc.courses[j]);
            }
            for (const index_t c : v.unlocked)
                if (const index_t j = cc.slot[static_cast<std::size_t>(c)]; j >= cc.open && s[j] > floor_gate) {
                    cs.push_back(s[j]);
                    ci.push_back(c);
                }
            const auto count = static_cast<index_t>(cs.size());
            const index_t best = std::min(count, kept);
            const auto offset = static_cast<std::size_t>(order[blk.first + static_cast<std::size_t>(r)]) *
                                static_cast<std::size_t>(pool);
            if (count <= ld::kPoolRankMax) {
                // The usual case: each candidate's rank counted against all the others.
                while (cs.size() % 16 != 0) {
                    cs.push_back(kOut);
                    ci.push_back(std::numeric_limits<index_t>::max());
                }
                ranks.resize(static_cast<std::size_t>(count));
                pool_ranks(cs.data(), ci.data(), count, ranks.data());
                for (std::size_t i = 0; i < static_cast<std::size_t>(count); ++i)
                    if (const index_t at = ranks[i]; at < best) {
                        out.ids[offset + static_cast<std::size_t>(at)] = ci[i];
                        out.scores[offset + static_cast<std::size_t>(at)] = cs[i];
                    }
            } else {
                // Many candidates (ties at the bound): ordered by integer keys, the scores read
                // back from the row (a key does not keep a -0's sign).
                keys.clear();
                for (std::size_t i = 0; i < cs.size(); ++i) keys.push_back(ld::pool_key(cs[i], ci[i]));
                const auto kb = static_cast<std::ptrdiff_t>(best);
                std::nth_element(keys.begin(), keys.begin() + kb - 1, keys.end(), std::greater<>());
                std::sort(keys.begin(), keys.begin() + kb, std::greater<>());
                for (std::size_t i = 0; i < static_cast<std::size_t>(best); ++i) {
                    const index_t c = ld::pool_key_id(keys[i]);
                    out.ids[offset + i] = c;
                    out.scores[offset + i] = s[cc.slot[static_cast<std::size_t>(c)]];
                }
            }
        }
    });
    return out;
}

}  // namespace learnrec::ranking::engine
