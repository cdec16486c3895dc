// learnrec::detail — the scoring micro-kernel behind factor-model top-k.
//
// Course embeddings are packed into panels of 16 courses stored dimension-major
// (panel[k][j] = course j's k-th factor), so a register block of 8 queries x 16 courses
// accumulates with one 16-float load and 8 broadcasts per factor, no horizontal sums (AVX-512
// uses 8 queries x 32 courses).
// The kernel is compiled three times (x86-64 baseline, AVX2+FMA, AVX-512, each with the register
// tile that fits its register file) and learnrec::active_isa() picks one once per process (the
// widest the CPU has unless LEARNREC_ISA asks for less): a portable binary that still uses the
// machine it runs on.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <vector>

#include "learnrec/types.hpp"

#include "learnrec/isa.hpp"  // LEARNREC_X86_DISPATCH, active_isa()
#ifdef LEARNREC_X86_DISPATCH
#include <immintrin.h>
#endif

namespace learnrec::detail {

inline constexpr index_t kPanel = 16;

/// Course embeddings in 16-course panels (zero-padded at the end), for score_panels().
struct PackedPanels {
    index_t courses = 0;
    index_t dim = 0;
    std::vector<float> data;  // panels * dim * 16

    static PackedPanels pack(const RowMatrix& items) {
        PackedPanels p;
        p.courses = static_cast<index_t>(items.rows());
        p.dim = static_cast<index_t>(items.cols());
        const auto panels = static_cast<std::size_t>((p.courses + kPanel - 1) / kPanel);
        p.data.assign(panels * static_cast<std::size_t>(p.dim) * kPanel, 0.0f);
        for (index_t c = 0; c < p.courses; ++c) {
            float* panel = p.data.data() + static_cast<std::size_t>(c / kPanel) * static_cast<std::size_t>(p.dim) * kPanel;
            for (index_t k = 0; k < p.dim; ++k) panel[static_cast<std::size_t>(k) * kPanel + static_cast<std::size_t>(c % kPanel)] = items(c, k);
        }
        return p;
    }
    const float* panel(index_t first_course) const noexcept {
        return data.data() + static_cast<std::size_t>(first_course / kPanel) * static_cast<std::size_t>(dim) * kPanel;
    }
};


/// A register tile: R queries x P panels (16 P courses) of accumulators in vectors V (16, 8 or 4
/// floats: one native register of the path, so GCC never splits a wider generic vector into
/// halves it keeps on the stack, which it does with 16-float vectors under AVX2); per factor, the
/// panel loads and R broadcasts feed R * P * 16 multiply-adds. `width` (<= 16 P) courses are stored.
template <class V, int R, int P>
[[gnu::always_inline]] inline void score_tile(const float* q, std::size_t ldq, const float* panel, index_t dim,
                                              float* out, std::size_t ldo, index_t width) {
    constexpr int L = static_cast<int>(sizeof(V) / sizeof(float));  // lanes per vector
    constexpr int N = kPanel / L;                                    // vectors per panel row
    V acc[R][P * N];
    for (int i = 0; i < R; ++i)
        for (int j = 0; j < P * N; ++j) acc[i][j] = V{};
    const auto panel_stride = static_cast<std::size_t>(dim) * kPanel;
    for (index_t k = 0; k < dim; ++k) {
        V y[P * N];
        for (int j = 0; j < P; ++j)
            for (int h = 0; h < N; ++h)
                std::memcpy(&y[j * N + h],
                            panel + static_cast<std::size_t>(j) * panel_stride + static_cast<std::size_t>(k) * kPanel +
                                static_cast<std::size_t>(h * L),
                            sizeof(V));
        for (int i = 0; i < R; ++i) {
            const float qi = q[static_cast<std::size_t>(i) * ldq + static_cast<std::size_t>(k)];
            for (int j = 0; j < P * N; ++j) acc[i][j] += qi * y[j];
        }
    }
    for (int i = 0; i < R; ++i)
        for (int j = 0; j < P; ++j) {
            const index_t cols = std::min<index_t>(kPanel, width - j * kPanel);
            float* o = out + static_cast<std::size_t>(i) * ldo + static_cast<std::size_t>(j) * kPanel;
            if (cols == kPanel) {
                for (int h = 0; h < N; ++h) std::memcpy(o + h * L, &acc[i][j * N + h], sizeof(V));
            } else if (cols > 0) {
                float tmp[kPanel];
                for (int h = 0; h < N; ++h) std::memcpy(tmp + h * L, &acc[i][j * N + h], sizeof(V));
                std::memcpy(o, tmp, static_cast<std::size_t>(cols) * sizeof(float));
            }
        }
}

/// The last nq < R queries of a block as one tile of nq rows. One row at a time would leave a
/// chain of dependent multiply-adds per vector waiting out the FMA latency: on AVX2 (R = 6) the 4
/// queries left of a 64-query block cost as much as 16 in full tiles. Every row of any tile runs
/// the same per-lane arithmetic, so the scores do not depend on R.
template <class V, int R, int P>
[[gnu::always_inline]] inline void score_rows_tail(const float* q, std::size_t ldq, index_t nq, const float* panel,
                                                   index_t dim, float* out, std::size_t ldo, index_t width) {
    if constexpr (R > 1) {
        if (nq < R) {
            score_rows_tail<V, R - 1, P>(q, ldq, nq, panel, dim, out, ldo, width);
            return;
        }
    }
    if (nq == R) score_tile<V, R, P>(q, ldq, panel, dim, out, ldo, width);
}

/// Every query against one group of P panels (`width` courses): R at a time, then the rest as one
/// narrower tile.
template <class V, int R, int P>
[[gnu::always_inline]] inline void score_rows(const float* q, std::size_t ldq, index_t nq, const float* panel,
                                              index_t dim, float* out, std::size_t ldo, index_t width) {
    index_t i = 0;
    for (; i + R <= nq; i += R)
        score_tile<V, R, P>(q + static_cast<std::size_t>(i) * ldq, ldq, panel, dim,
                            out + static_cast<std::size_t>(i) * ldo, ldo, width);
    if constexpr (R > 1)
        if (i < nq)
            score_rows_tail<V, R - 1, P>(q + static_cast<std::size_t>(i) * ldq, ldq, nq - i, panel, dim,
                                         out + static_cast<std::size_t>(i) * ldo, ldo, width);
}

/// score_panels() with R x P register tiles (P panels while at least P full panels remain, then
/// one at a time). Everything is always_inline: the loops must be compiled for the caller's
/// instruction set (a plain helper or lambda would be compiled for the baseline and spill).
template <class V, int R, int P>
[[gnu::always_inline]] inline void score_panels_tiled(const float* q, std::size_t ldq, index_t nq,
                                                      const PackedPanels& items, index_t c0, index_t c1, float* out,
                                                      std::size_t ldo) {
    index_t p = c0;
    // Few queries are bound by streaming the panels, not by arithmetic: one stream is best there.
    if (nq >= R && P > 1)
        for (; p + P * kPanel <= c1; p += P * kPanel)
            score_rows<V, R, P>(q, ldq, nq, items.panel(p), items.dim, out + (p - c0), ldo, P * kPanel);
    for (; p < c1; p += kPanel)
        score_rows<V, R, 1>(q, ldq, nq, items.panel(p), items.dim, out + (p - c0), ldo,
                            std::min<index_t>(kPanel, c1 - p));
}

// One entry point per instruction set, each with the tile that fits its register file:
// AVX-512 (32 x 16 floats): 8 queries x 2 panels = 16 accumulators; AVX2 (16 x 8 floats: a
// panel row takes two): 6 queries x 1 panel = 12 accumulators + 2 loads + 1 broadcast (the
// Haswell sgemm tile); baseline SSE2 (16 x 4 floats, no FMA): 2 x 1 = 8 accumulators + 4 loads
// + a broadcast + a product.
using ScorePanelsFn = void (*)(const float*, std::size_t, index_t, const PackedPanels&, index_t, index_t, float*,
                               std::size_t);

inline void score_panels_portable(const float* q, std::size_t ldq, index_t nq, const PackedPanels& items, index_t c0,
                                  index_t c1, float* out, std::size_t ldo) {
    score_panels_tiled<lr_v4f, 2, 1>(q, ldq, nq, items, c0, c1, out, ldo);
}

#ifdef LEARNREC_X86_DISPATCH
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) inline void score_panels_avx512(
    const float* q, std::size_t ldq, index_t nq, const PackedPanels& items, index_t c0, index_t c1, float* out,
    std::size_t ldo) {
    score_panels_tiled<lr_v16, 8, 2>(q, ldq, nq, items, c0, c1, out, ldo);
}

__attribute__((target("avx2,fma"))) inline void score_panels_avx2(const float* q, std::size_t ldq, index_t nq,
                                                                  const PackedPanels& items, index_t c0, index_t c1,
                                                                  float* out, std::size_t ldo) {
    score_panels_tiled<lr_v8f, 6, 1>(q, ldq, nq, items, c0, c1, out, ldo);
}
#endif

/// out[i * ldo + (c - c0)] = q_i . course c, for nq queries (rows of q, stride ldq) and courses
/// [c0, c1); c0 must be a multiple of 16. Uses the kernel of learnrec::active_isa().
inline void score_panels(const float* q, std::size_t ldq, index_t nq, const PackedPanels& items, index_t c0, index_t c1,
                         float* out, std::size_t ldo) {
#ifdef LEARNREC_X86_DISPATCH
    static const ScorePanelsFn fn = [] {
        switch (active_isa()) {
        case Isa::avx512: return &score_panels_avx512;
        case Isa::avx2: return &score_panels_avx2;
        default: return &score_panels_portable;
        }
    }();
    fn(q, ldq, nq, items, c0, c1, out, ldo);
#else
    score_panels_portable(q, ldq, nq, items, c0, c1, out, ldo);
#endif
}

// ---- threshold scan for top-k selection -------------------------------------------------------
//
// After a tile is scored, almost every score is below the k-th best so far; finding the few that
// are not, 16 (or 8) at a time, keeps selection from costing as much as the scoring itself.
// Dispatched once through learnrec::active_isa() (explicit intrinsics, so the scan also compiles
// with clang); NaN never compares above the threshold, as in the scalar loop.

/// Index of the first of s[0..n) that is > t, or n.
using FindAboveFn = index_t (*)(const float* s, index_t n, float t);

inline index_t find_above_scalar(const float* s, index_t n, float t) {
    for (index_t i = 0; i < n; ++i)
        if (s[i] > t) return i;
    return n;
}

#ifdef LEARNREC_X86_DISPATCH
__attribute__((target("avx512f"))) inline index_t find_above_avx512(const float* s, index_t n, float t) {
    const __m512 tv = _mm512_set1_ps(t);
    index_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __mmask16 m = _mm512_cmp_ps_mask(_mm512_loadu_ps(s + i), tv, _CMP_GT_OQ);
        if (m) return i + static_cast<index_t>(__builtin_ctz(m));
    }
    if (i < n) {
        const auto lanes = static_cast<__mmask16>((1u << (n - i)) - 1u);
        const __mmask16 m = _mm512_mask_cmp_ps_mask(lanes, _mm512_maskz_loadu_ps(lanes, s + i), tv, _CMP_GT_OQ);
        if (m) return i + static_cast<index_t>(__builtin_ctz(m));
    }
    return n;
}

__attribute__((target("avx2"))) inline index_t find_above_avx2(const float* s, index_t n, float t) {
    const __m256 tv = _mm256_set1_ps(t);
    index_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const int m = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(s + i), tv, _CMP_GT_OQ));
        if (m) return i + static_cast<index_t>(__builtin_ctz(static_cast<unsigned>(m)));
    }
    return i + find_above_scalar(s + i, n - i, t);
}
#endif

/// The scan of the active instruction-set path (chosen once per process).
inline FindAboveFn find_above_fn() {
#ifdef LEARNREC_X86_DISPATCH
    static const FindAboveFn fn = [] {
        switch (active_isa()) {
        case Isa::avx512: return &find_above_avx512;
        case Isa::avx2: return &find_above_avx2;
        default: return &find_above_scalar;
        }
    }();
    return fn;
#else
    return &find_above_scalar;
#endif
}

}  // namespace learnrec::detail
