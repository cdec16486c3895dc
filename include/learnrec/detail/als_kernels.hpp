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

#include <algorithm>
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

/// out[q] = als_dot<Vec>(y[q], v, n) for four rows y[q] in one pass. Each row's sum is formed in
/// als_dot's order (bit-identical results), but as four independent multiply-add chains: one
/// chain waits on the FMA latency at every step, and at 128 factors the CG's per-course dots ran
/// at a quarter of the FMA units' rate and were the largest cost of a step. v's chunks are loaded
/// once for the four rows.
template <class Vec>
[[gnu::always_inline]] inline void als_dot4(float* __restrict out, const float* const* y, const float* __restrict v,
                                            index_t n) {
    constexpr index_t L = static_cast<index_t>(sizeof(Vec) / sizeof(float));
    const float* __restrict y0 = y[0];
    const float* __restrict y1 = y[1];
    const float* __restrict y2 = y[2];
    const float* __restrict y3 = y[3];
    Vec a0{}, a1{}, a2{}, a3{};
    index_t k = 0;
    for (; k + L <= n; k += L) {
        Vec vv, v0, v1, v2, v3;
        std::memcpy(&vv, v + k, sizeof(vv));
        std::memcpy(&v0, y0 + k, sizeof(v0));
        std::memcpy(&v1, y1 + k, sizeof(v1));
        std::memcpy(&v2, y2 + k, sizeof(v2));
        std::memcpy(&v3, y3 + k, sizeof(v3));
        a0 += v0 * vv;
        a1 += v1 * vv;
        a2 += v2 * vv;
        a3 += v3 * vv;
    }
    float s0 = als_hsum(a0), s1 = als_hsum(a1), s2 = als_hsum(a2), s3 = als_hsum(a3);
    for (; k < n; ++k) {
        s0 += y0[k] * v[k];
        s1 += y1[k] * v[k];
        s2 += y2[k] * v[k];
        s3 += y3[k] * v[k];
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
}

/// out += s[0] y[0], then s[1] y[1], s[2] y[2], s[3] y[3]: four als_axpy calls in one pass over
/// out (each element takes the four terms in the same order, so the result is bit-identical).
[[gnu::always_inline]] inline void als_axpy4(float* __restrict out, const float* s, const float* const* y, index_t n) {
    const float s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    const float* __restrict y0 = y[0];
    const float* __restrict y1 = y[1];
    const float* __restrict y2 = y[2];
    const float* __restrict y3 = y[3];
    for (index_t k = 0; k < n; ++k) {
        float o = out[k];
        o += s0 * y0[k];
        o += s1 * y1[k];
        o += s2 * y2[k];
        o += s3 * y3[k];
        out[k] = o;
    }
}

/// out += sum_j coef(alpha w_j, y_j . v) y_j over a row's entries j (idx, w: n of them), in entry
/// order: the course terms of a CG residual or product. Four courses at a time (als_dot4 /
/// als_axpy4), with the next four courses' rows prefetched: they are scattered over a matrix far
/// larger than the caches, and a learner's rows are reused across the CG steps once fetched.
template <class Vec, class Coef>
[[gnu::always_inline]] inline void als_course_terms(float* __restrict out, const float* __restrict v,
                                                    const float* __restrict Y, index_t d, const index_t* idx,
                                                    const float* w, std::size_t n, float alpha, Coef coef) {
    const auto D = static_cast<std::size_t>(d);
    std::size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const float* y[4];
        float dots[4], s[4];
        for (std::size_t q = 0; q < 4; ++q) y[q] = Y + static_cast<std::size_t>(idx[j + q]) * D;
        for (std::size_t q = j + 4; q < std::min(j + 8, n); ++q)
            for (std::size_t line = 0; line < D; line += 16)
                __builtin_prefetch(Y + static_cast<std::size_t>(idx[q]) * D + line);
        als_dot4<Vec>(dots, y, v, d);
        for (std::size_t q = 0; q < 4; ++q) s[q] = coef(alpha * w[j + q], dots[q]);
        als_axpy4(out, s, y, d);
    }
    for (; j < n; ++j) {
        const float* y = Y + static_cast<std::size_t>(idx[j]) * D;
        als_axpy(out, coef(alpha * w[j], als_dot<Vec>(y, v, d)), y, d);
    }
}

/// The coefficient of y_j in the CG residual b - A x: c p - (c - 1) y_j . x with c = |alpha w_j|
/// and p = [alpha w_j > 0].
[[gnu::always_inline]] inline float als_residual_coef(float cw, float dot) {
    const float pref = cw > 0.0f ? 1.0f : 0.0f;
    const float c = std::fabs(cw);
    return c * pref - (c - 1.0f) * dot;
}

/// The coefficient of y_j in A p: (c - 1) y_j . p.
[[gnu::always_inline]] inline float als_product_coef(float cw, float dot) { return (std::fabs(cw) - 1.0f) * dot; }

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
    als_course_terms<Vec>(r, x, Y, d, idx, w, n, alpha, als_residual_coef);
    std::memcpy(p, r, static_cast<std::size_t>(d) * sizeof(float));
    float rs_old = als_dot<Vec>(r, r, d);
    if (rs_old < 1e-20f) return;
    for (int it = 0; it < steps; ++it) {
        als_symv(ap, gram_reg, p, d);
        als_course_terms<Vec>(ap, p, Y, d, idx, w, n, alpha, als_product_coef);
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

/// A register tile of a small matrix product: out[b][v] = sum_r s[b, r] m[r][v] for R rows b and
/// NV native vectors Vec of columns v, with s[b, r] = bsrc[b * b_stride + r * r_stride] and row r
/// of m at m + r * ldm, r < count; out's rows are ldo apart. Each element is summed over r in
/// order, so the tile shape never changes a result. Both the CG's products with the Gram matrix
/// and the Gram matrix itself are made of these tiles.
template <class Vec, std::size_t R, std::size_t NV>
[[gnu::always_inline]] inline void als_tile(float* __restrict out, std::size_t ldo, const float* __restrict bsrc,
                                            std::size_t b_stride, std::size_t r_stride, const float* __restrict m,
                                            std::size_t ldm, std::size_t count) {
    constexpr std::size_t L = sizeof(Vec) / sizeof(float);
    Vec acc[R][NV];
    for (auto& row : acc)
        for (auto& a : row) a = Vec{};
    for (std::size_t r = 0; r < count; ++r) {
        Vec mv[NV];
        for (std::size_t v = 0; v < NV; ++v) std::memcpy(&mv[v], m + r * ldm + v * L, sizeof(Vec));
        for (std::size_t b = 0; b < R; ++b) {
            const float s = bsrc[b * b_stride + r * r_stride];
            for (std::size_t v = 0; v < NV; ++v) acc[b][v] += s * mv[v];
        }
    }
    for (std::size_t b = 0; b < R; ++b)
        for (std::size_t v = 0; v < NV; ++v) std::memcpy(out + b * ldo + v * L, &acc[b][v], sizeof(Vec));
}

/// Tile shape per path: AVX2 and SSE2 have 16 vector registers, AVX-512 has 32. AVX2 and SSE2:
/// 4 x 2 = 8 accumulators, 2 loads and 4 broadcasts per 8 multiply-adds (the former 8 x 1 tile
/// needed 9 loads per 8). A 4 x 3 tile (12 accumulators + 3 loaded vectors + a broadcast) leaves
/// GCC no spare register: it spilled accumulators to the stack in the hot loop and ran slower
/// than 8 x 1. AVX-512: 8 x 2.
template <class Vec>
inline constexpr std::size_t kAlsTileRows = sizeof(Vec) == 64 ? 8 : 4;
template <class Vec>
inline constexpr std::size_t kAlsTileVecs = 2;

/// Columns [0, cols) of rows [b0, b0 + R) of the product above, in tiles of NV vectors, then single
/// vectors, then single columns (d not a multiple of the vector width).
template <class Vec, std::size_t R>
[[gnu::always_inline]] inline void als_tile_row(float* __restrict out, std::size_t ldo, const float* __restrict bsrc,
                                                std::size_t b_stride, std::size_t r_stride,
                                                const float* __restrict m, std::size_t ldm, std::size_t count,
                                                std::size_t cols) {
    constexpr std::size_t L = sizeof(Vec) / sizeof(float);
    constexpr std::size_t NV = kAlsTileVecs<Vec>;
    std::size_t kc = 0;
    for (; kc + NV * L <= cols; kc += NV * L)
        als_tile<Vec, R, NV>(out + kc, ldo, bsrc, b_stride, r_stride, m + kc, ldm, count);
    for (; kc + L <= cols; kc += L) als_tile<Vec, R, 1>(out + kc, ldo, bsrc, b_stride, r_stride, m + kc, ldm, count);
    // The same start as kc, written so that GCC sees the tail is empty when cols % L == 0 (it
    // otherwise warns -Waggressive-loop-optimizations on instantiations with a known d).
    for (kc = cols - cols % L; kc < cols; ++kc)
        for (std::size_t b = 0; b < R; ++b) {
            float sum = 0.0f;
            for (std::size_t r = 0; r < count; ++r) sum += bsrc[b * b_stride + r * r_stride] * m[r * ldm + kc];
            out[b * ldo + kc] = sum;
        }
}

/// out[b] = G p[b] for the kAlsCgBlock rows of p (each d floats; G symmetric, so row r of G is
/// column r), in register tiles (als_tile). Vec must be the path's register width: a wider
/// generic vector is split by GCC into halves that live on the stack (AVX2 with 16-float vectors
/// ran at a tenth of its speed).
template <class Vec>
[[gnu::always_inline]] inline void als_block_symv(float* __restrict out, const float* __restrict p,
                                                  const float* __restrict g, index_t d) {
    constexpr std::size_t R = kAlsTileRows<Vec>;
    static_assert(kAlsCgBlock % R == 0, "row tiles must cover the block");
    const auto D = static_cast<std::size_t>(d);
    for (std::size_t b0 = 0; b0 < static_cast<std::size_t>(kAlsCgBlock); b0 += R)
        als_tile_row<Vec, R>(out + b0 * D, D, p + b0 * D, D, 1, g, D, D, D);
}

/// out (d x d, row-major) = sum over `rows` rows a_n of a (row-major, d floats each) of a_n a_n',
/// the Gram matrix of a block of rows. Only the tiles that reach the lower triangle are computed
/// (about half the multiply-adds of a general product), then mirrored, so out is exactly
/// symmetric. Replaces a portable Eigen product, which the baseline build runs on 4-wide SSE2
/// without FMA on every path (a tenth of the CG half-step at 128 factors).
template <class Vec>
[[gnu::always_inline]] inline void als_gram_rows_impl(float* __restrict out, const float* __restrict a, std::size_t rows,
                                                      index_t d) {
    constexpr std::size_t R = kAlsTileRows<Vec>;
    const auto D = static_cast<std::size_t>(d);
    if (rows == 0) {
        for (std::size_t k = 0; k < D * D; ++k) out[k] = 0.0f;
        return;
    }
    constexpr std::size_t L = sizeof(Vec) / sizeof(float);
    // Row block [i0, i0 + R) needs columns [0, i0 + R) (every (i, j) with j <= i), rounded up to
    // whole vectors: a few entries above the diagonal more, instead of scalar columns.
    const auto cols = [&](std::size_t end) { return std::min(D, (end + L - 1) / L * L); };
    std::size_t i0 = 0;
    for (; i0 + R <= D; i0 += R) als_tile_row<Vec, R>(out + i0 * D, D, a + i0, 1, D, a, D, rows, cols(i0 + R));
    for (; i0 < D; ++i0) als_tile_row<Vec, 1>(out + i0 * D, D, a + i0, 1, D, a, D, rows, cols(i0 + 1));
    for (std::size_t i = 0; i < D; ++i)
        for (std::size_t j = i + 1; j < D; ++j) out[i * D + j] = out[j * D + i];
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
        const auto j0 = static_cast<std::size_t>(indptr[b]), j1 = static_cast<std::size_t>(indptr[b + 1]);
        als_course_terms<Vec>(rb, xb, Y, d, indices + j0, weights + j0, j1 - j0, alpha, als_residual_coef);
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
            const auto j0 = static_cast<std::size_t>(indptr[b]), j1 = static_cast<std::size_t>(indptr[b + 1]);
            als_course_terms<Vec>(apb, pb, Y, d, indices + j0, weights + j0, j1 - j0, alpha, als_product_coef);
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
LEARNREC_ISA_KERNEL_V(void, als_gram_rows,
                    (float* __restrict out, const float* __restrict a, std::size_t rows, index_t d), (out, a, rows, d))
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
