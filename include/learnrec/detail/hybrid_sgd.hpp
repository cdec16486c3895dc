// learnrec — internal: one epoch of the hybrid model's SGD (WARP / BPR triples, Adagrad, Hogwild
// slices), compiled once per instruction set. See model/hybrid.hpp for the algorithm.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <cassert>
#include <numeric>
#include <span>
#include <vector>

#include "learnrec/data/csr.hpp"
#include "learnrec/detail/sampling.hpp"  // BprRng
#include "learnrec/isa.hpp"              // LEARNREC_ISA_KERNEL
#include "learnrec/model/hybrid_config.hpp"

namespace learnrec::detail {

/// Parameters and Adagrad state, borrowed by the update functions.
struct HybridTables {
    float* user;      // learner table, rows x user_ld (factors used)
    float* user_acc;  // Adagrad accumulators, same shape
    float* item;      // course table, rows x item_ld (factors + bias)
    float* item_acc;
    std::size_t user_ld, item_ld;
    index_t factors;
};

/// One Adagrad step of `n` parameters: p -= lr * g / sqrt(G); G += g^2 (G before the step).
/// Eigen's packet sqrt and division: a plain loop stays scalar, since std::sqrt may set errno.
inline void hybrid_adagrad(float* p, float* acc, const float* g, index_t n, float lr) noexcept {
    Eigen::Map<Eigen::ArrayXf> param(p, n), sum(acc, n);
    const Eigen::Map<const Eigen::ArrayXf> grad(g, n);
    param -= lr * grad / sum.sqrt();
    sum += grad.square();
}

/// Descends the loss of the triple (learner row u, positive row i, negative row j) whose
/// derivative with respect to the margin s_i - s_j is -coefficient, given the representations
/// x (learner), yi, yj (courses, bias last) computed before the update. Every table row touched
/// gets its share of the gradient plus alpha * its value (L2). `scratch` holds 2 * (factors + 1)
/// floats.
inline void hybrid_apply(const HybridTables& t, const CsrRow& u, const CsrRow& i, const CsrRow& j, const float* x,
                         const float* yi, const float* yj, float coefficient, float lr, float user_alpha,
                         float item_alpha, float* scratch) noexcept {
    const index_t f = t.factors;
    float* g = scratch;
    // Learner rows: dL/dx = -c (yi - yj).
    for (std::size_t p = 0; p < u.size(); ++p) {
        const float w = u.weights[p];
        float* row = t.user + static_cast<std::size_t>(u.indices[p]) * t.user_ld;
        float* acc = t.user_acc + static_cast<std::size_t>(u.indices[p]) * t.user_ld;
        for (index_t k = 0; k < f; ++k) g[k] = -coefficient * w * (yi[k] - yj[k]) + user_alpha * row[k];
        hybrid_adagrad(row, acc, g, f, lr);
    }
    // Course rows: dL/dyi = -c x, dL/dbi = -c; dL/dyj = c x, dL/dbj = c.
    auto course = [&](const CsrRow& c, float sign) {
        for (std::size_t p = 0; p < c.size(); ++p) {
            const float w = c.weights[p] * sign * coefficient;
            float* row = t.item + static_cast<std::size_t>(c.indices[p]) * t.item_ld;
            float* acc = t.item_acc + static_cast<std::size_t>(c.indices[p]) * t.item_ld;
            for (index_t k = 0; k < f; ++k) g[k] = w * x[k] + item_alpha * row[k];
            g[f] = w + item_alpha * row[f];
            hybrid_adagrad(row, acc, g, f + 1, lr);
        }
    };
    course(i, -1.0f);
    course(j, 1.0f);
}

/// a . b over n floats (Eigen's vectorised reduction: a plain loop may not be reassociated).
inline float hybrid_dot(const float* a, const float* b, index_t n) noexcept {
    return Eigen::Map<const Eigen::VectorXf>(a, n).dot(Eigen::Map<const Eigen::VectorXf>(b, n));
}

/// WARP's rank weight after `draws` draws found a violator among `courses` courses.
inline float warp_weight(index_t courses, int draws) noexcept {
    const auto rank = static_cast<double>((courses - 1) / draws);
    return static_cast<float>(std::log(std::max(1.0, std::floor(rank))));
}

inline float hybrid_sigmoid(float z) noexcept { return 1.0f / (1.0f + std::exp(-z)); }

/// The loss of a triple with scores si (positive) and sj (negative) found after `draws` draws:
/// WARP weight * (1 - si + sj) when the margin is violated (0 otherwise), BPR -ln sigmoid(si - sj).
inline double hybrid_triple_loss(HybridLoss loss, float si, float sj, index_t courses, int draws) noexcept {
    if (loss == HybridLoss::warp)
        return sj > si - 1.0f ? static_cast<double>(warp_weight(courses, draws)) * (1.0 - si + sj) : 0.0;
    const double m = static_cast<double>(si) - static_cast<double>(sj);
    return m > 0 ? std::log1p(std::exp(-m)) : -m + std::log1p(std::exp(m));
}

/// -dLoss/d(si - sj) for that triple in `coefficient`; false when the triple gives no update
/// (WARP: the negative does not violate the margin, so the next draw is tried).
inline bool hybrid_coefficient(HybridLoss loss, float si, float sj, index_t courses, int draws,
                               float& coefficient) noexcept {
    if (loss == HybridLoss::warp) {
        if (sj <= si - 1.0f) return false;
        coefficient = warp_weight(courses, draws);
        return true;
    }
    coefficient = hybrid_sigmoid(sj - si);
    return true;
}

/// One embedding fitted against fixed ones (a learner's fold-in, a course's fit): Adagrad steps
/// that move the embedding and a residual, which the regulariser pulls back toward zero.
struct ResidualAdagrad {
    std::vector<float> residual, acc, g;  ///< g: the gradient the caller fills before apply()

    explicit ResidualAdagrad(std::size_t n) : residual(n, 0.0f), acc(n, 1.0f), g(n) {}
    void apply(float learning_rate, float* embedding) noexcept {
        for (std::size_t s = 0; s < g.size(); ++s) {
            const float step = learning_rate * g[s] / std::sqrt(acc[s]);
            acc[s] += g[s] * g[s];
            residual[s] -= step;
            embedding[s] -= step;
        }
    }
};

struct HybridCounts {
    std::int64_t positives = 0, updates = 0, samples = 0;
    double loss = 0.0;
};

/// Everything an epoch slice needs, borrowed.
struct HybridEpochArgs {
    const CsrMatrix* positives;   // learners x courses, binary, sorted rows
    const CsrMatrix* user_rows;   // learners x user table rows
    const CsrMatrix* item_rows;   // courses x course table rows
    const std::int64_t* order;    // shuffled positive positions (into positives' non-zeros)
    const index_t* owner;         // learner of each positive position
    HybridTables tables;
    HybridLoss loss;
    int max_sampled;
    float lr, user_alpha, item_alpha;
};

/// Runs the updates of positives order[begin, end) with `rng`.
[[gnu::always_inline]] inline HybridCounts hybrid_epoch_slice_impl(const HybridEpochArgs& a, std::int64_t begin, std::int64_t end, BprRng& rng) {
    const index_t f = a.tables.factors;
    const index_t courses = a.positives->cols();
    std::vector<float> buf(static_cast<std::size_t>(5 * (f + 1)));
    float* x = buf.data();
    float* yi = x + (f + 1);
    float* yj = yi + (f + 1);
    float* scratch = yj + (f + 1);
    HybridCounts counts;
    const index_t* pos_indices = a.positives->indices().data();
    const auto& pos_indptr = a.positives->indptr();
    // Most of an epoch waits on memory: the shuffled positive's learner and course, the
    // learner's row of table indices, its id row (a random row of a large table) and rows the
    // other threads write. So each of these is prefetched a few positives ahead, in the order
    // its address becomes known, while the current positive is computed.
    constexpr std::int64_t kRows = 3, kIndices = 6, kIndptr = 9, kOrder = 12;
    const auto& user_indptr = a.user_rows->indptr();
    const index_t* user_indices = a.user_rows->indices().data();
    const float* user_weights = a.user_rows->data().data();
    for (std::int64_t p = begin; p < end; ++p) {
        if (p + kOrder < end) {
            const std::int64_t ahead = a.order[p + kOrder];
            __builtin_prefetch(a.owner + ahead, 0, 3);
            __builtin_prefetch(pos_indices + ahead, 0, 3);
        }
        if (p + kIndptr < end) __builtin_prefetch(user_indptr.data() + a.owner[a.order[p + kIndptr]], 0, 3);
        if (p + kIndices < end) {
            const auto b = user_indptr[static_cast<std::size_t>(a.owner[a.order[p + kIndices]])];
            __builtin_prefetch(user_indices + b, 0, 3);
            __builtin_prefetch(user_weights + b, 0, 3);
        }
        if (p + kRows < end) {
            const CsrRow r = a.user_rows->row(a.owner[a.order[p + kRows]]);
            for (std::size_t k = 0; k < r.size(); ++k) {
                const auto offset = static_cast<std::size_t>(r.indices[k]) * a.tables.user_ld;
                for (index_t c = 0; c < f; c += 16) {
                    __builtin_prefetch(a.tables.user + offset + c, 1, 3);
                    __builtin_prefetch(a.tables.user_acc + offset + c, 1, 3);
                }
            }
        }
        const std::int64_t at = a.order[p];
        const index_t u = a.owner[at];
        const index_t i = pos_indices[at];
        const index_t* liked = pos_indices + pos_indptr[static_cast<std::size_t>(u)];
        const index_t* liked_end = pos_indices + pos_indptr[static_cast<std::size_t>(u) + 1];
        const CsrRow urow = a.user_rows->row(u);
        const CsrRow irow = a.item_rows->row(i);
        hybrid_sum_rows(urow, a.tables.user, a.tables.user_ld, f, x);
        hybrid_sum_rows(irow, a.tables.item, a.tables.item_ld, f + 1, yi);
        const float si = hybrid_dot(x, yi, f) + yi[f];
        ++counts.positives;
        const int draws_allowed = a.loss == HybridLoss::warp ? a.max_sampled : 1;
        for (int draws = 1; draws <= draws_allowed; ++draws) {
            const auto j = static_cast<index_t>(rng.below(static_cast<std::uint64_t>(courses)));
            ++counts.samples;
            if (j == i || std::binary_search(liked, liked_end, j)) continue;
            const CsrRow jrow = a.item_rows->row(j);
            hybrid_sum_rows(jrow, a.tables.item, a.tables.item_ld, f + 1, yj);
            const float sj = hybrid_dot(x, yj, f) + yj[f];
            float coefficient;
            if (!hybrid_coefficient(a.loss, si, sj, courses, draws, coefficient)) continue;
            counts.loss += hybrid_triple_loss(a.loss, si, sj, courses, draws);
            ++counts.updates;
            hybrid_apply(a.tables, urow, irow, jrow, x, yi, yj, coefficient, a.lr, a.user_alpha, a.item_alpha,
                         scratch);
            break;
        }
    }
    return counts;
}
// One compilation per instruction set, chosen by learnrec::active_isa().
LEARNREC_ISA_KERNEL(HybridCounts, hybrid_epoch_slice, (const HybridEpochArgs& a, std::int64_t begin, std::int64_t end, BprRng& rng), (a, begin, end, rng))

}  // namespace learnrec::detail
