// learnrec::detail — the kernels of the ALS daily update (model/daily_update.hpp): the kept
// per-course normal equations in a packed float layout, their rank-k updates, and the course CG
// solve on them, compiled per instruction set (learnrec/isa.hpp) like the row solvers.
//
// Why a packed layout and register tiles: a day changes about 4,500 courses' 64 x 64 systems with
// 160,000 terms (old rows out, new rows in). Updating A_c one term (or four) per pass streams the
// matrix through the load ports once per pass; holding a tile of A_c in registers while all of
// the course's terms stream by loads and stores A_c once per course, and the multiply-adds run at
// the FMA units' rate. Storing only the lower block triangle in float halves the memory traffic
// twice over compared with a full d x d matrix in double.
//
// Layout (d factors, padded to dp = d rounded up to 16): column j of the lower block triangle,
// rows 16 * floor(j / 16) .. dp - 1, contiguous, columns one after another (2,560 floats at d = 64).
// The diagonal 16 x 16 blocks are stored whole (both triangles, equal by symmetry); rows and
// columns at or past d stay zero as long as the padded lanes of the terms are zero.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstring>

#include "learnrec/detail/als_kernels.hpp"
#include "learnrec/isa.hpp"
#include "learnrec/types.hpp"

namespace learnrec::detail {

/// Rows and columns per block of the packed layout (one AVX-512 register of floats).
inline constexpr std::size_t kAlsPackBlock = 16;

/// d rounded up to a whole block.
inline constexpr std::size_t als_packed_dim(index_t d) noexcept {
    return (static_cast<std::size_t>(d) + kAlsPackBlock - 1) / kAlsPackBlock * kAlsPackBlock;
}

/// First stored row of column j.
inline constexpr std::size_t als_packed_first_row(std::size_t j) noexcept { return j / kAlsPackBlock * kAlsPackBlock; }

/// Offset of column j's first stored row, for padded dimension dp.
inline constexpr std::size_t als_packed_column(std::size_t dp, std::size_t j) noexcept {
    const std::size_t J = j / kAlsPackBlock, B = kAlsPackBlock;
    return B * (J * dp - B * (J * (J - 1) / 2)) + (j % B) * (dp - B * J);  // J = 0: 0 * (size_t)-1 is 0
}

/// Floats of one packed matrix.
inline constexpr std::size_t als_packed_size(index_t d) noexcept {
    const std::size_t dp = als_packed_dim(d);
    return als_packed_column(dp, dp);
}

/// Entry (i, j) of a packed matrix, i >= als_packed_first_row(j).
inline constexpr std::size_t als_packed_at(std::size_t dp, std::size_t i, std::size_t j) noexcept {
    return als_packed_column(dp, j) + i - als_packed_first_row(j);
}

/// a += sum_k p_k q_k' over the stored blocks of a packed matrix (p, q: count x dp, row-major,
/// padded lanes zero; q_k is the weighted p_k), and b += sum_k bw[k] p_k (b: dp floats; skipped
/// when bw is null). Each tile of `a` (16 rows x C columns: 16 / L native vectors by C
/// accumulators, C chosen to fill the path's registers) is loaded once per call, takes every term
/// in order, and is stored once. The sums run in term order: the same on every thread count.
template <class Vec>
[[gnu::always_inline]] inline void als_packed_update_impl(float* __restrict a, float* __restrict b, const float* __restrict p,
                                                         const float* __restrict q, const float* __restrict bw,
                                                         std::size_t count, std::size_t dp) {
    constexpr std::size_t L = sizeof(Vec) / sizeof(float);
    constexpr std::size_t NV = kAlsPackBlock / L;
    constexpr std::size_t C = L == 16 ? 16 : (L == 8 ? 4 : 2);  // 16, 8 or 8 accumulators
    const std::size_t blocks = dp / kAlsPackBlock;
    for (std::size_t J = 0; J < blocks; ++J) {
        for (std::size_t I = J; I < blocks; ++I) {
            for (std::size_t j0 = J * kAlsPackBlock; j0 < (J + 1) * kAlsPackBlock; j0 += C) {
                Vec acc[NV][C];
                float* base[C];
                for (std::size_t c = 0; c < C; ++c) {
                    base[c] = a + als_packed_column(dp, j0 + c) + (I - J) * kAlsPackBlock;
                    for (std::size_t v = 0; v < NV; ++v) std::memcpy(&acc[v][c], base[c] + v * L, sizeof(Vec));
                }
                const float* __restrict pk = p + I * kAlsPackBlock;
                const float* __restrict qk = q + j0;
                for (std::size_t k = 0; k < count; ++k, pk += dp, qk += dp) {
                    Vec pv[NV];
                    for (std::size_t v = 0; v < NV; ++v) std::memcpy(&pv[v], pk + v * L, sizeof(Vec));
                    for (std::size_t c = 0; c < C; ++c) {
                        const float s = qk[c];
                        for (std::size_t v = 0; v < NV; ++v) acc[v][c] += s * pv[v];
                    }
                }
                for (std::size_t c = 0; c < C; ++c)
                    for (std::size_t v = 0; v < NV; ++v) std::memcpy(base[c] + v * L, &acc[v][c], sizeof(Vec));
            }
        }
    }
    if (bw == nullptr) return;
    for (std::size_t k = 0; k < count; ++k)
        if (bw[k] != 0.0f)
            for (std::size_t i = 0; i < dp; i += L) {
                Vec bv, pv;
                std::memcpy(&bv, b + i, sizeof(Vec));
                std::memcpy(&pv, p + k * dp + i, sizeof(Vec));
                bv += bw[k] * pv;
                std::memcpy(b + i, &bv, sizeof(Vec));
            }
}

/// out = m v for a dense symmetric dp x dp matrix (column-major = row-major), as a sum of its
/// columns scaled by v; four partial sums per row block so the multiply-adds do not wait on each other.
template <class Vec>
[[gnu::always_inline]] inline void als_dense_symv(float* __restrict out, const float* __restrict m, const float* __restrict v,
                                                  std::size_t dp) {
    constexpr std::size_t L = sizeof(Vec) / sizeof(float);
    constexpr std::size_t NV = kAlsPackBlock / L;
    for (std::size_t i0 = 0; i0 < dp; i0 += kAlsPackBlock) {
        Vec acc[4][NV];
        for (auto& row : acc)
            for (auto& x : row) x = Vec{};
        for (std::size_t j = 0; j < dp; j += 4)
            for (std::size_t u = 0; u < 4; ++u) {
                const float s = v[j + u];
                const float* col = m + (j + u) * dp + i0;
                for (std::size_t w = 0; w < NV; ++w) {
                    Vec x;
                    std::memcpy(&x, col + w * L, sizeof(Vec));
                    acc[u][w] += s * x;
                }
            }
        for (std::size_t w = 0; w < NV; ++w) {
            const Vec sum = (acc[0][w] + acc[1][w]) + (acc[2][w] + acc[3][w]);
            std::memcpy(out + i0 + w * L, &sum, sizeof(Vec));
        }
    }
}

/// The dense dp x dp matrix g + a (g dense symmetric, a packed) into m, both triangles.
[[gnu::always_inline]] inline void als_packed_expand(float* __restrict m, const float* __restrict g,
                                                     const float* __restrict a, std::size_t dp) {
    for (std::size_t j = 0; j < dp; ++j) {
        const std::size_t r0 = als_packed_first_row(j);
        const float* __restrict col = a + als_packed_column(dp, j) - r0;
        float* __restrict mj = m + j * dp;
        const float* __restrict gj = g + j * dp;
        for (std::size_t i = r0; i < dp; ++i) mj[i] = gj[i] + col[i];
        for (std::size_t i = 0; i < r0; ++i) mj[i] = m[i * dp + j];  // the mirror of an earlier column's entry
    }
}

/// `steps` of conjugate gradient on (g + a) y = b warm-started from y (a packed, g dense; all
/// padded to dp with zeros), with als_cg_row's steps and stopping rules: the training half-step
/// of a course from its kept equations. `work` holds dp * dp + 3 dp floats.
template <class Vec>
[[gnu::always_inline]] inline void als_packed_cg_impl(float* __restrict y, const float* __restrict a, const float* __restrict g,
                                                     const float* __restrict b, std::size_t dp, int steps,
                                                     float* __restrict work) {
    float* __restrict m = work;
    float* __restrict r = m + dp * dp;
    float* __restrict p = r + dp;
    float* __restrict ap = p + dp;
    const auto n = static_cast<index_t>(dp);
    als_packed_expand(m, g, a, dp);
    als_dense_symv<Vec>(r, m, y, dp);
    for (std::size_t k = 0; k < dp; ++k) r[k] = b[k] - r[k];
    std::memcpy(p, r, dp * sizeof(float));
    float rs_old = als_dot<Vec>(r, r, n);
    if (rs_old < 1e-20f) return;
    for (int it = 0; it < steps; ++it) {
        als_dense_symv<Vec>(ap, m, p, dp);
        const float pap = als_dot<Vec>(p, ap, n);
        if (!(pap > 0.0f)) break;  // direction of non-positive curvature: stop rather than diverge
        const float step = rs_old / pap;
        als_axpy(y, step, p, n);
        als_axpy(r, -step, ap, n);
        const float rs_new = als_dot<Vec>(r, r, n);
        if (rs_new < 1e-20f) break;
        const float beta = rs_new / rs_old;
        for (std::size_t k = 0; k < dp; ++k) p[k] = r[k] + beta * p[k];
        rs_old = rs_new;
    }
}

LEARNREC_ISA_KERNEL_V(void, als_packed_update,
                      (float* __restrict a, float* __restrict b, const float* __restrict p, const float* __restrict q,
                       const float* __restrict bw, std::size_t count, std::size_t dp),
                      (a, b, p, q, bw, count, dp))
LEARNREC_ISA_KERNEL_V(void, als_packed_cg,
                      (float* __restrict y, const float* __restrict a, const float* __restrict g,
                       const float* __restrict b, std::size_t dp, int steps, float* __restrict work),
                      (y, a, g, b, dp, steps, work))

}  // namespace learnrec::detail
