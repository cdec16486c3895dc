// learnrec — per-row ALS solvers on raw arrays, compiled for several instruction sets.
//
// Why not Eigen here: Eigen picks its SIMD width from the compile flags, so the portable build
// runs these loops on 4-wide SSE2 without FMA. The row solvers are the whole cost of an ALS
// iteration, so they are written as plain loops over GCC vector types and compiled once per
// instruction set like the scoring kernel (baseline, AVX2+FMA, AVX-512; learnrec/isa.hpp picks one).
//
// Layout: Y is row-major (one course per row, `d` floats each); the regularised Gram matrix is a
// full symmetric d x d matrix (so its rows are its columns). Each call solves one learner (or one
// course) and touches only its own scratch, so rows run in parallel without synchronisation.
// Results depend only on the inputs and the instruction set chosen, never on the thread count.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstring>

#include "learnrec/detail/score_kernel.hpp"  // lr_v16
#include "learnrec/isa.hpp"
#include "learnrec/types.hpp"

namespace learnrec::detail {

/// The sum of v's lanes by halving (16 -> 8 -> 4 lanes, then two pairs) in registers, not L
/// scalar adds: short dot products are common (the triangular solves), so the reduction must be
/// cheap.
[[gnu::always_inline]] inline float als_hsum(const lr_v4f& v) { return (v[0] + v[2]) + (v[1] + v[3]); }
[[gnu::always_inline]] inline float als_hsum(const lr_v8f& v) {
    lr_v4f lo, hi;
    std::memcpy(&lo, &v, sizeof(lo));
    std::memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof(lo), sizeof(hi));
    return als_hsum(lr_v4f(lo + hi));
}
[[gnu::always_inline]] inline float als_hsum(const lr_v16& v) {
    lr_v8f lo, hi;
    std::memcpy(&lo, &v, sizeof(lo));
    std::memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof(lo), sizeof(hi));
    return als_hsum(lr_v8f(lo + hi));
}

/// a . b over n floats (one native vector Vec at a time, then the tail).
template <class Vec>
[[gnu::always_inline]] inline float als_dot(const float* a, const float* b, index_t n) {
    constexpr index_t L = static_cast<index_t>(sizeof(Vec) / sizeof(float));
    Vec acc{};
    index_t k = 0;
    for (; k + L <= n; k += L) {
        Vec va, vb;
        std::memcpy(&va, a + k, sizeof(va));
        std::memcpy(&vb, b + k, sizeof(vb));
        acc += va * vb;
    }
    float s = als_hsum(acc);
    for (; k < n; ++k) s += a[k] * b[k];
    return s;
}

/// out += s * y over n floats.
[[gnu::always_inline]] inline void als_axpy(float* __restrict out, float s, const float* __restrict y, index_t n) {
    for (index_t k = 0; k < n; ++k) out[k] += s * y[k];
}

/// out = A v for a symmetric d x d matrix A (as a sum of A's rows scaled by v).
[[gnu::always_inline]] inline void als_symv(float* __restrict out, const float* __restrict a, const float* __restrict v,
                                            index_t d) {
    for (index_t k = 0; k < d; ++k) out[k] = 0.0f;
    for (index_t r = 0; r < d; ++r) als_axpy(out, v[r], a + static_cast<std::size_t>(r) * static_cast<std::size_t>(d), d);
}

/// In place: the upper triangle of the row-major D x D matrix `a` (symmetric; only its upper
/// triangle is read) becomes U with U^T U = A. Right-looking: row k of U is row k of the updated A
/// scaled by 1 / sqrt(pivot), then every later row i loses U[k][i] * U[k][i..D), so every inner
/// loop is an axpy over a contiguous row. False when a pivot is not positive (A not numerically
/// positive definite).
[[gnu::always_inline]] inline bool als_cholesky_upper(float* __restrict a, std::size_t D) {
    for (std::size_t k = 0; k < D; ++k) {
        float* __restrict uk = a + k * D;
        const float pivot = uk[k];
        if (!(pivot > 0.0f) || !std::isfinite(pivot)) return false;
        const float diag = std::sqrt(pivot);
        const float inv = 1.0f / diag;
        uk[k] = diag;
        for (std::size_t c = k + 1; c < D; ++c) uk[c] *= inv;
        for (std::size_t i = k + 1; i < D; ++i) {
            float* __restrict ui = a + i * D;
            const float f = uk[i];
            for (std::size_t c = i; c < D; ++c) ui[c] -= f * uk[c];
        }
    }
    return true;
}

/// In place: z = U^-T z (forward substitution as axpys over rows of U).
[[gnu::always_inline]] inline void als_solve_upper_transposed(const float* __restrict u, float* __restrict z,
                                                              std::size_t D) {
    for (std::size_t i = 0; i < D; ++i) {
        const float* __restrict ui = u + i * D;
        z[i] /= ui[i];
        const float zi = z[i];
        for (std::size_t c = i + 1; c < D; ++c) z[c] -= zi * ui[c];
    }
}

/// x = U^-1 z (backward substitution, dots over rows of U).
template <class Vec>
[[gnu::always_inline]] inline void als_solve_upper(const float* __restrict u, const float* __restrict z,
                                                   float* __restrict x, std::size_t D) {
    for (std::size_t i = D; i-- > 0;) {
        const float* ui = u + i * D;
        x[i] = (z[i] - als_dot<Vec>(ui + i + 1, x + i + 1, static_cast<index_t>(D - i - 1))) / ui[i];
    }
}

/// One row of implicit ALS by `steps` of conjugate gradient warm-started from x (implicit's
/// update): solves (A + sum_j (c_j - 1) y_j y_j^T) x = sum_j c_j p_j y_j with c_j = alpha |w_j| and
/// p_j = [w_j > 0]. `work` holds 3 d floats.
template <class Vec>
[[gnu::always_inline]] inline void als_cg_row_impl(float* __restrict x, const float* __restrict Y, index_t d, const float* __restrict gram_reg,
                       const index_t* idx, const float* w, std::size_t n, float alpha, int steps,
                       float* __restrict work) {
    float* __restrict r = work;
    float* __restrict p = work + d;
    float* __restrict ap = work + 2 * static_cast<std::size_t>(d);
    als_symv(r, gram_reg, x, d);
    for (index_t k = 0; k < d; ++k) r[k] = -r[k];
    for (std::size_t j = 0; j < n; ++j) {
        float c = alpha * w[j];
        const float pref = c > 0.0f ? 1.0f : 0.0f;
        c = std::fabs(c);
        const float* y = Y + static_cast<std::size_t>(idx[j]) * static_cast<std::size_t>(d);
        als_axpy(r, c * pref - (c - 1.0f) * als_dot<Vec>(y, x, d), y, d);
    }
    std::memcpy(p, r, static_cast<std::size_t>(d) * sizeof(float));
    float rs_old = als_dot<Vec>(r, r, d);
    if (rs_old < 1e-20f) return;
    for (int it = 0; it < steps; ++it) {
        als_symv(ap, gram_reg, p, d);
        for (std::size_t j = 0; j < n; ++j) {
            const float c = std::fabs(alpha * w[j]);
            const float* y = Y + static_cast<std::size_t>(idx[j]) * static_cast<std::size_t>(d);
            als_axpy(ap, (c - 1.0f) * als_dot<Vec>(y, p, d), y, d);
        }
        const float pap = als_dot<Vec>(p, ap, d);
        if (!(pap > 0.0f)) break;  // direction of non-positive curvature: stop rather than diverge
        const float step = rs_old / pap;
        als_axpy(x, step, p, d);
        als_axpy(r, -step, ap, d);
        const float rs_new = als_dot<Vec>(r, r, d);
        if (rs_new < 1e-20f) break;
        const float beta = rs_new / rs_old;
        for (index_t k = 0; k < d; ++k) p[k] = r[k] + beta * p[k];
        rs_old = rs_new;
    }
}

/// Rows solved together by als_cg_block: G is read once per block instead of once per row.
inline constexpr index_t kAlsCgBlock = 8;

/// out[b] = G p[b] for the kAlsCgBlock rows of p (each d floats; G symmetric, so row r of G is
/// column r). Register-blocked like the scoring kernel: one native vector Vec of columns (16, 8 or
/// 4 floats for AVX-512, AVX2, SSE2) x 8 rows of accumulators, one load of G per 8 multiply-adds.
/// Vec must be the path's register width: a wider generic vector is split by GCC into halves that
/// live on the stack (AVX2 with 16-float vectors ran at a tenth of its speed).
template <class Vec>
[[gnu::always_inline]] inline void als_block_symv(float* __restrict out, const float* __restrict p,
                                                  const float* __restrict g, index_t d) {
    constexpr std::size_t L = sizeof(Vec) / sizeof(float);
    const auto D = static_cast<std::size_t>(d);
    std::size_t kc = 0;
    for (; kc + L <= D; kc += L) {
        Vec acc[kAlsCgBlock];
        for (auto& a : acc) a = Vec{};
        for (std::size_t r = 0; r < D; ++r) {
            Vec gv;
            std::memcpy(&gv, g + r * D + kc, sizeof(gv));
            for (index_t b = 0; b < kAlsCgBlock; ++b) acc[b] += p[static_cast<std::size_t>(b) * D + r] * gv;
        }
        for (index_t b = 0; b < kAlsCgBlock; ++b) std::memcpy(out + static_cast<std::size_t>(b) * D + kc, &acc[b], sizeof(Vec));
    }
    for (; kc < D; ++kc)
        for (index_t b = 0; b < kAlsCgBlock; ++b) {
            float sum = 0.0f;
            for (std::size_t r = 0; r < D; ++r) sum += p[static_cast<std::size_t>(b) * D + r] * g[r * D + kc];
            out[static_cast<std::size_t>(b) * D + kc] = sum;
        }
}

/// als_cg_row for `count` <= kAlsCgBlock consecutive rows in lockstep (x: their factors, row-major
/// with stride d; the CSR arrays of those rows). Each row follows exactly als_cg_row's steps and
/// stopping rules; only the products with G are shared. `work` holds 3 * kAlsCgBlock * d floats.
template <class Vec>
[[gnu::always_inline]] inline void als_cg_block_impl(float* __restrict x, index_t count, const float* __restrict Y, index_t d,
                         const float* __restrict gram_reg, const offset_t* indptr, const index_t* indices,
                         const float* weights, float alpha, int steps, float* __restrict work) {
    const auto D = static_cast<std::size_t>(d);
    const std::size_t B = kAlsCgBlock;
    float* __restrict r = work;
    float* __restrict p = work + B * D;
    float* __restrict ap = work + 2 * B * D;
    // Rows past `count` stay zero in p and are never updated.
    for (std::size_t k = 0; k < B * D; ++k) p[k] = 0.0f;
    std::memcpy(p, x, static_cast<std::size_t>(count) * D * sizeof(float));
    als_block_symv<Vec>(r, p, gram_reg, d);
    float rs[kAlsCgBlock];
    bool active[kAlsCgBlock];
    for (index_t b = 0; b < count; ++b) {
        float* __restrict rb = r + static_cast<std::size_t>(b) * D;
        const float* xb = x + static_cast<std::size_t>(b) * D;
        for (std::size_t k = 0; k < D; ++k) rb[k] = -rb[k];
        for (auto j = static_cast<std::size_t>(indptr[b]); j < static_cast<std::size_t>(indptr[b + 1]); ++j) {
            float c = alpha * weights[j];
            const float pref = c > 0.0f ? 1.0f : 0.0f;
            c = std::fabs(c);
            const float* y = Y + static_cast<std::size_t>(indices[j]) * D;
            als_axpy(rb, c * pref - (c - 1.0f) * als_dot<Vec>(y, xb, d), y, d);
        }
        rs[b] = als_dot<Vec>(rb, rb, d);
        active[b] = !(rs[b] < 1e-20f);
    }
    for (index_t b = count; b < kAlsCgBlock; ++b) active[b] = false;
    for (index_t b = 0; b < count; ++b) {
        float* __restrict pb = p + static_cast<std::size_t>(b) * D;
        if (active[b]) std::memcpy(pb, r + static_cast<std::size_t>(b) * D, D * sizeof(float));
        else for (std::size_t k = 0; k < D; ++k) pb[k] = 0.0f;
    }
    for (int it = 0; it < steps; ++it) {
        bool any = false;
        for (index_t b = 0; b < count; ++b) any = any || active[b];
        if (!any) break;
        als_block_symv<Vec>(ap, p, gram_reg, d);
        for (index_t b = 0; b < count; ++b) {
            if (!active[b]) continue;
            float* __restrict pb = p + static_cast<std::size_t>(b) * D;
            float* __restrict apb = ap + static_cast<std::size_t>(b) * D;
            float* __restrict rb = r + static_cast<std::size_t>(b) * D;
            for (auto j = static_cast<std::size_t>(indptr[b]); j < static_cast<std::size_t>(indptr[b + 1]); ++j) {
                const float c = std::fabs(alpha * weights[j]);
                const float* y = Y + static_cast<std::size_t>(indices[j]) * D;
                als_axpy(apb, (c - 1.0f) * als_dot<Vec>(y, pb, d), y, d);
            }
            const float pap = als_dot<Vec>(pb, apb, d);
            if (!(pap > 0.0f)) {  // direction of non-positive curvature: stop rather than diverge
                active[b] = false;
                for (std::size_t k = 0; k < D; ++k) pb[k] = 0.0f;
                continue;
            }
            const float step = rs[b] / pap;
            als_axpy(x + static_cast<std::size_t>(b) * D, step, pb, d);
            als_axpy(rb, -step, apb, d);
            const float rs_new = als_dot<Vec>(rb, rb, d);
            if (rs_new < 1e-20f) {
                active[b] = false;
                for (std::size_t k = 0; k < D; ++k) pb[k] = 0.0f;
                continue;
            }
            const float beta = rs_new / rs[b];
            for (std::size_t k = 0; k < D; ++k) pb[k] = rb[k] + beta * pb[k];
            rs[b] = rs_new;
        }
    }
}

/// One row of implicit ALS solved exactly: forms the upper triangle of
/// A = gram_reg + sum_j (c_j - 1) y_j y_j^T (four courses per pass over A, so each row of A is
/// loaded once per four rank-1 updates) and b, factorises A = U^T U in place and solves.
/// Every inner loop is an axpy over a contiguous row (right-looking factorisation, row-major
/// upper triangle), so nothing needs a horizontal reduction except the d dots of the last sweep.
/// Returns false, leaving x untouched, when A is not numerically positive definite (the caller
/// then uses a pivoting solver). `work` holds d * d + 2 d floats.
template <class Vec>
[[gnu::always_inline]] inline bool als_exact_row_impl(float* __restrict x, const float* __restrict Y, index_t d, const float* __restrict gram_reg,
                          const index_t* idx, const float* w, std::size_t n, float alpha, float* __restrict work) {
    const auto D = static_cast<std::size_t>(d);
    float* __restrict a = work;
    float* __restrict b = work + D * D;
    float* __restrict z = b + D;
    std::memcpy(a, gram_reg, D * D * sizeof(float));
    for (std::size_t k = 0; k < D; ++k) b[k] = 0.0f;
    const auto weight_of = [&](std::size_t jj, float& conf_minus_one) {
        float c = alpha * w[jj];
        const float pref = c > 0.0f ? 1.0f : 0.0f;
        c = std::fabs(c);
        conf_minus_one = c - 1.0f;
        return c * pref;
    };
    std::size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const float* y[4];
        float cm[4];
        for (int q = 0; q < 4; ++q) {
            y[q] = Y + static_cast<std::size_t>(idx[j + q]) * D;
            als_axpy(b, weight_of(j + q, cm[q]), y[q], d);
        }
        for (std::size_t row = 0; row < D; ++row) {
            const float s0 = cm[0] * y[0][row], s1 = cm[1] * y[1][row], s2 = cm[2] * y[2][row], s3 = cm[3] * y[3][row];
            float* __restrict ar = a + row * D;
            for (std::size_t col = row; col < D; ++col)
                ar[col] += s0 * y[0][col] + s1 * y[1][col] + s2 * y[2][col] + s3 * y[3][col];
        }
    }
    for (; j < n; ++j) {
        float cm;
        const float* y = Y + static_cast<std::size_t>(idx[j]) * D;
        als_axpy(b, weight_of(j, cm), y, d);
        for (std::size_t row = 0; row < D; ++row) {
            const float s = cm * y[row];
            float* __restrict ar = a + row * D;
            for (std::size_t col = row; col < D; ++col) ar[col] += s * y[col];
        }
    }
    if (!als_cholesky_upper(a, D)) return false;
    std::memcpy(z, b, D * sizeof(float));
    als_solve_upper_transposed(a, z, D);
    als_solve_upper<Vec>(a, z, x, D);
    return true;
}

/// The shared half of the low-rank exact solve (see als_lowrank_row): U with U^T U = G (the
/// regularised Gram matrix of the fixed side) and V = Y U^-1, i.e. row j of V is U^-T y_j.
/// O(d^3 + courses d^2) once per half-step. False when G is not numerically positive definite.
template <class Vec>
[[gnu::always_inline]] inline bool als_lowrank_prepare_u_impl(float* __restrict u, const float* __restrict gram_reg, index_t d) {
    const auto D = static_cast<std::size_t>(d);
    std::memcpy(u, gram_reg, D * D * sizeof(float));
    return als_cholesky_upper(u, D);
}
template <class Vec>
[[gnu::always_inline]] inline void als_lowrank_prepare_v_impl(float* __restrict v, const float* __restrict y, const float* __restrict u,
                                  index_t d) {
    const auto D = static_cast<std::size_t>(d);
    std::memcpy(v, y, D * sizeof(float));
    als_solve_upper_transposed(u, v, D);
}

/// Floating-point operations of the two exact solves for a row with n entries (m of them with
/// confidence above 1), used to pick the cheaper one.
inline bool als_lowrank_is_cheaper(std::size_t n, std::size_t m, index_t d) {
    const double D = d, N = static_cast<double>(n), M = static_cast<double>(m);
    const double direct = N * D * D / 2 + D * D * D / 6 + D * D;
    const double lowrank = M * M * D / 2 + M * M * M / 6 + 4 * M * D + N * D + D * D / 2;
    return m <= static_cast<std::size_t>(d) && lowrank < direct;
}

/// A row whose every entry has confidence exactly 1 (binary interactions with alpha = 1, implicit's
/// default): then A = G, the half-step's shared Gram matrix, and x = U^-1 U^-T b with b = sum of the
/// positive entries' y_j. O(n d + d^2), and unlike als_lowrank_row it needs no V (a copy of the
/// fixed side's factors). False, x untouched, when some entry's confidence is not 1. `work` holds
/// d floats.
template <class Vec>
[[gnu::always_inline]] inline bool als_unit_confidence_row_impl(float* __restrict x, const float* __restrict Y, index_t d,
                                    const float* __restrict u, const index_t* idx, const float* w, std::size_t n,
                                    float alpha, float* __restrict work) {
    const auto D = static_cast<std::size_t>(d);
    for (std::size_t j = 0; j < n; ++j)
        if (std::fabs(alpha * w[j]) != 1.0f) return false;
    float* __restrict b = work;
    for (std::size_t k = 0; k < D; ++k) b[k] = 0.0f;
    for (std::size_t j = 0; j < n; ++j)
        if (alpha * w[j] > 0.0f) als_axpy(b, 1.0f, Y + static_cast<std::size_t>(idx[j]) * D, d);
    als_solve_upper_transposed(u, b, D);
    als_solve_upper<Vec>(u, b, x, D);
    return true;
}

/// One row of implicit ALS solved exactly through the Woodbury identity, for rows with fewer
/// entries than factors. With G = U^T U and v_j = U^-T y_j (both from the half-step's
/// preparation), A = G + sum_j (c_j - 1) y_j y_j^T = U^T (I + W^T W) U where the rows of W are
/// sqrt(c_j - 1) v_j, so x = A^-1 b = U^-1 (t0 - W^T K^-1 W t0) with t0 = U^-T b = sum_j c_j p_j v_j
/// and K = I + W W^T, an m x m matrix whose eigenvalues are all >= 1 (well conditioned, so this is
/// as accurate as the direct solve). Costs O(m^2 d + m^3 + d^2) instead of O(n d^2 + d^3).
/// Requires c_j >= 1 for every entry (returns false otherwise, x untouched: the caller solves
/// directly). Entries with c_j = 1 only contribute to b. `work` holds m d + m m + 2 m + d floats.
template <class Vec>
[[gnu::always_inline]] inline bool als_lowrank_row_impl(float* __restrict x, const float* __restrict V, index_t d, const float* __restrict u,
                            const index_t* idx, const float* w, std::size_t n, float alpha, float* __restrict work) {
    const auto D = static_cast<std::size_t>(d);
    std::size_t m = 0;
    for (std::size_t j = 0; j < n; ++j) {
        const float c = std::fabs(alpha * w[j]);
        if (c < 1.0f) return false;
        if (c > 1.0f) ++m;
    }
    float* __restrict W = work;            // m x d
    float* __restrict K = W + m * D;       // m x m
    float* __restrict t = K + m * m;       // m
    float* __restrict sol = t + m;         // m
    float* __restrict t0 = sol + m;        // d
    for (std::size_t k = 0; k < D; ++k) t0[k] = 0.0f;
    std::size_t r = 0;
    for (std::size_t j = 0; j < n; ++j) {
        const float cw = alpha * w[j];
        const float c = std::fabs(cw);
        const float* __restrict vj = V + static_cast<std::size_t>(idx[j]) * D;
        if (cw > 0.0f) als_axpy(t0, c, vj, d);
        if (c > 1.0f) {
            const float s = std::sqrt(c - 1.0f);
            float* __restrict wr = W + r * D;
            for (std::size_t k = 0; k < D; ++k) wr[k] = s * vj[k];
            ++r;
        }
    }
    for (std::size_t i = 0; i < m; ++i) {
        const float* wi = W + i * D;
        for (std::size_t k = i; k < m; ++k) K[i * m + k] = als_dot<Vec>(wi, W + k * D, d) + (i == k ? 1.0f : 0.0f);
        t[i] = als_dot<Vec>(wi, t0, d);
    }
    if (!als_cholesky_upper(K, m)) return false;  // cannot happen in exact arithmetic (K >= I)
    als_solve_upper_transposed(K, t, m);
    als_solve_upper<Vec>(K, t, sol, m);  // sol = K^-1 W t0
    for (std::size_t i = 0; i < m; ++i) als_axpy(t0, -sol[i], W + i * D, d);
    als_solve_upper<Vec>(u, t0, x, D);
    return true;
}

// One compilation of each row solver per instruction set, chosen by learnrec::active_isa().
LEARNREC_ISA_KERNEL_V(void, als_cg_row,
                    (float* __restrict x, const float* __restrict Y, index_t d, const float* __restrict gram_reg,
                     const index_t* idx, const float* w, std::size_t n, float alpha, int steps, float* __restrict work),
                    (x, Y, d, gram_reg, idx, w, n, alpha, steps, work))
LEARNREC_ISA_KERNEL_V(void, als_cg_block,
                    (float* __restrict x, index_t count, const float* __restrict Y, index_t d,
                     const float* __restrict gram_reg, const offset_t* indptr, const index_t* indices,
                     const float* weights, float alpha, int steps, float* __restrict work),
                    (x, count, Y, d, gram_reg, indptr, indices, weights, alpha, steps, work))
LEARNREC_ISA_KERNEL_V(bool, als_exact_row,
                    (float* __restrict x, const float* __restrict Y, index_t d, const float* __restrict gram_reg,
                     const index_t* idx, const float* w, std::size_t n, float alpha, float* __restrict work),
                    (x, Y, d, gram_reg, idx, w, n, alpha, work))
LEARNREC_ISA_KERNEL_V(bool, als_lowrank_prepare_u, (float* __restrict u, const float* __restrict gram_reg, index_t d),
                    (u, gram_reg, d))
LEARNREC_ISA_KERNEL_V(void, als_lowrank_prepare_v,
                    (float* __restrict v, const float* __restrict y, const float* __restrict u, index_t d), (v, y, u, d))
LEARNREC_ISA_KERNEL_V(bool, als_unit_confidence_row,
                    (float* __restrict x, const float* __restrict Y, index_t d, const float* __restrict u,
                     const index_t* idx, const float* w, std::size_t n, float alpha, float* __restrict work),
                    (x, Y, d, u, idx, w, n, alpha, work))
LEARNREC_ISA_KERNEL_V(bool, als_lowrank_row,
                    (float* __restrict x, const float* __restrict V, index_t d, const float* __restrict u,
                     const index_t* idx, const float* w, std::size_t n, float alpha, float* __restrict work),
                    (x, V, d, u, idx, w, n, alpha, work))

}  // namespace learnrec::detail
