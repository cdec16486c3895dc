// learnrec ranking (internal) — one request: its eligibility bitsets and the stages every learner
// goes through (eligibility and lifecycle in ranking_eligibility.cpp; the model's pools with the
// skill-gap and goal boosts in ranking_scoring.cpp; pinning, substitution, MMR and reasons in
// ranking_selection.cpp; the batch driver in ranking_engine.cpp). Not part of the public API.
#pragma once

#include "ranking_state.hpp"

namespace learnrec::ranking::engine {

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

/// row[c] becomes -inf where row[c] < floor (NaN stays NaN, as in the scalar test): eight lanes
/// per compare and blend. Comparing then selecting is exact, so every path gives the same row.
[[gnu::always_inline]] inline void floor_row_impl(float* row, std::size_t n, float floor) {
    constexpr float kOut = -std::numeric_limits<float>::infinity();
    const lr_v8 f = {floor, floor, floor, floor, floor, floor, floor, floor};
    const lr_v8 out = {kOut, kOut, kOut, kOut, kOut, kOut, kOut, kOut};
    std::size_t c = 0;
    for (; c + 8 <= n; c += 8) {
        lr_v8 x;
        std::memcpy(&x, row + c, sizeof x);
        x = x < f ? out : x;
        std::memcpy(row + c, &x, sizeof x);
    }
    for (; c < n; ++c)
        if (row[c] < floor) row[c] = kOut;
}
LEARNREC_ISA_KERNEL(void, floor_row, (float* row, std::size_t n, float floor), (row, n, floor))

/// out[0..7] = the eight lane sums of acc[0..7], each added as ((v0+v4)+(v1+v5))+((v2+v6)+(v3+v7)) (the
/// scalar order of dot_rows' single products, so a pair's sum does not depend on its block): a
/// tree of 14 shuffles and 7 additions for the eight pairs instead of one reduction each.
[[gnu::always_inline]] inline void sum8_of_8(const lr_v8 (&acc)[8], float* out) {
    typedef int lr_i8 __attribute__((vector_size(32)));
    constexpr lr_i8 lo = {0, 1, 2, 3, 8, 9, 10, 11}, hi = {4, 5, 6, 7, 12, 13, 14, 15};
    constexpr lr_i8 even = {0, 2, 8, 10, 4, 6, 12, 14}, odd = {1, 3, 9, 11, 5, 7, 13, 15};
    lr_v8 w[4];  // w[t] = acc[t]'s v0+v4 .. v3+v7, then acc[t + 4]'s
    for (int t = 0; t < 4; ++t) w[t] = __builtin_shuffle(acc[t], acc[t + 4], lo) + __builtin_shuffle(acc[t], acc[t + 4], hi);
    // (v0+v4)+(v1+v5) and (v2+v6)+(v3+v7) of pairs 0, 1 (4, 5), then of pairs 2, 3 (6, 7).
    const lr_v8 z01 = __builtin_shuffle(w[0], w[1], even) + __builtin_shuffle(w[0], w[1], odd);
    const lr_v8 z23 = __builtin_shuffle(w[2], w[3], even) + __builtin_shuffle(w[2], w[3], odd);
    const lr_v8 sums = __builtin_shuffle(z01, z23, even) + __builtin_shuffle(z01, z23, odd);  // pairs 0..7 in order
    std::memcpy(out, &sums, sizeof sums);
}

/// dot_rows for rows whose length is not a multiple of 8: four rows of b at a time, then one.
[[gnu::always_inline]] inline void dot_rows_by_four_impl(const float* rows, std::size_t ld, std::size_t dim, const index_t* a, std::size_t na, const index_t* b,
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
/// out[i * nb + j] = rows[a[i]] . rows[b[j]] (dim floats per row, rows ld apart). Explanations
/// and MMR take a few hundred such dot products per learner: vectorised for the CPU at hand
/// rather than through Eigen, which runs SSE2 in the portable build and pays a call per product.
/// Every pair is summed in the same order (lanes over k, then sum8's tree), whichever block of b
/// it falls in: the values are the same for any na, nb and order of the rows.
[[gnu::always_inline]] inline void dot_rows_impl(const float* rows, std::size_t ld, std::size_t dim, const index_t* a, std::size_t na, const index_t* b,
              std::size_t nb, float* out) {
    // A scalar tail per pair: kept as it was (in a block of eight, GCC vectorises its products
    // unfused on the AVX-512 path, and the sums would change).
    if (dim % 8 != 0) return dot_rows_by_four_impl(rows, ld, dim, a, na, b, nb, out);
    for (std::size_t i = 0; i < na; ++i) {
        const float* x = rows + static_cast<std::size_t>(a[i]) * ld;
        // Eight rows of b at a time: eight accumulator chains hide the additions' latency, and
        // their sums are reduced together. A last block of fewer rows repeats its last one (a
        // lone product waits on one chain: it costs about as much as the eight).
        for (std::size_t j = 0; j < nb; j += 8) {
            const std::size_t width = std::min<std::size_t>(8, nb - j);
            const float* y[8];
            for (std::size_t t = 0; t < 8; ++t) {
                y[t] = rows + static_cast<std::size_t>(b[j + std::min(t, width - 1)]) * ld;
                // Kept scalar: on the AVX-512 path GCC computes the eight addresses in a 512-bit
                // register, and that one instruction made the whole kernel half as fast (measured).
                asm("" : "+r"(y[t]));
            }
            lr_v8 acc[8] = {};
            for (std::size_t k = 0; k < dim; k += 8) {
                lr_v8 xv;
                std::memcpy(&xv, x + k, sizeof xv);
                for (int t = 0; t < 8; ++t) {
                    lr_v8 yv;
                    std::memcpy(&yv, y[t] + k, sizeof yv);
                    acc[t] += xv * yv;
                }
            }
            float sums[8];
            sum8_of_8(acc, sums);
            std::memcpy(out + i * nb + j, sums, width * sizeof(float));
        }
    }
}
LEARNREC_ISA_KERNEL(void, dot_rows, (const float* rows, std::size_t ld, std::size_t dim, const index_t* a, std::size_t na, const index_t* b,
              std::size_t nb, float* out), (rows, ld, dim, a, na, b, nb, out))

class Request {
public:
    /// `new_classes`: eligibility classes of new learners, numbered after the Ranker's own.
    Request(const Ranker::State& s, timestamp_t now, const RankingRules& rules,
            std::span<const EligibilityClass> new_classes = {});

    /// A request's own limits (RequestLimits): `only` narrows every class's eligibility bits.
    void restrict_to(std::span<const index_t> only);
    /// Merges the request's exclusions for learner `p` (its position in the request) into `v`.
    void add_exclusions(LearnerView& v, const RequestLimits& limits, std::size_t p) const;

    /// kByteMask[b][j] = 0 when bit j of b is set, else -inf: 8 courses masked by one addition of
    /// 8 floats (vectorised), from one byte of a class's bits.
    static const ByteMasks& byte_masks();

    bool eligible(const EligibilityClass& ec, index_t c, timestamp_t now, timestamp_t horizon) const;

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
        if (is_in_progress(e.state)) return rules_.exclude_in_progress;
        if (e.state == CourseState::dropped) return rules_.exclude_dropped;
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
    void view_of(const Population& people, index_t learner, LearnerView& v) const;

    void add_obligation(LearnerView& v, std::size_t o) const;

    void collect_obligations(LearnerView& v, const LearnerCodes* codes) const;

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
    void mask_tile(const LearnerView& v, index_t c0, index_t c1, float* row) const;

    void mask_excluded(const LearnerView& v, index_t c0, index_t c1, float* row) const;

    /// Adds gap_boost * gain to a score tile, visiting only courses that teach a gap skill.
    void boost_tile(const LearnerView& v, index_t c0, index_t c1, float* row) const;

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
    void goal_tile(const LearnerView& v, index_t c0, index_t c1, float* row) const;

    /// Candidate pools of size `pool` for the given learners (model top-k fused with the rules).
    /// `without_pinned`: the learners' pinned courses are left out (they are shown anyway, so a
    /// pool slot spent on one would only be skipped by candidates()).
    TopK pools(std::span<const LearnerView> views, const QueryBlock& queries, index_t pool,
               bool without_pinned = false) const;
    /// pools() for a batch of a factor model: each learner scored on its class's courses only.
    TopK class_pools(std::span<const LearnerView> views, const QueryBlock& queries, index_t pool,
                     bool without_pinned) const;

    float model_score(const QueryBlock& queries, index_t q, index_t c) const {
        if (s_.factor) return queries.embeddings.row(q).dot(s_.factor->item_factors().row(c));
        float out = 0.0f;
        s_.model->score(queries, q, q + 1, c, c + 1, &out, 1);
        return out;
    }

    /// Courses to show after pinned ones, from a pool sorted by final score, into `out` (cleared
    /// first: the caller keeps one per thread, so no learner allocates).
    void candidates(const LearnerView& v, std::span<const index_t> ids, std::span<const float> scores,
                    std::vector<Candidate>& out) const;

    /// out[i * b.size() + j] = the model's similarity of courses a[i] and b[j] (cosine for factor
    /// models, whose course queries are unit vectors: one small product instead of a call per column).
    void course_similarity(std::span<const index_t> a, std::span<const index_t> b, float* out) const;

    /// The whole course-by-course cosine matrix (row-major, num_courses wide) when the model is a
    /// factor model over few enough courses to keep it, computed on first use; else null.
    const float* cached_cosines() const;

    /// The first `want` courses of `cands` in MMR order, into `out` (cleared first).
    void diversify(const std::vector<Candidate>& cands, std::size_t want, std::vector<Candidate>& out) const;

    /// Appends the reasons for course `c` to `out`.
    void explain(const LearnerView& v, index_t c, index_t substitute_for, std::span<const float> similarity_to_completed,
                 std::span<const index_t> completed, std::vector<Reason>& out) const;

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

}  // namespace learnrec::ranking::engine
