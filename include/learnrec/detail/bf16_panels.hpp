// learnrec::detail — course embeddings in bfloat16, for compute-bound (batch) scoring.
//
// Scoring every learner against every course is bound by multiply-adds, and the float32 kernel
// already runs at the machine's sgemm rate. CPUs with AVX512_BF16 (Zen 4, Cooper Lake, Sapphire
// Rapids) multiply pairs of bfloat16 into float32 sums (vdpbf16ps): twice the products per
// instruction, and half the bytes per course. bfloat16 keeps 8 significant bits, so these scores
// are approximate; retrieval (retrieval/recommend.hpp) uses them only to shortlist candidates,
// re-scores the shortlist with the float32 kernel and proves, with the error bound below, that no
// course outside the shortlist can enter the exact top-k (queries where the proof fails are scored
// exactly). Results are therefore identical to the float32 path.
//
// Layout: 16-course panels as PackedPanels, factors in pairs: for pair j of panel p, 32 values,
// course i's factors 2j and 2j+1 at positions 2i and 2i+1 (a zero pads an odd dimension), so one
// 64-byte load feeds one vdpbf16ps for 16 courses.
// Needs AVX512F, AVX512BW and AVX512_BF16, checked at run time; elsewhere the copy is not built.
// Thread safety: immutable after construction. Memory: 2 bytes per factor.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "learnrec/detail/half_panels.hpp"  // query_norms
#include "learnrec/detail/score_kernel.hpp"
#ifdef LEARNREC_X86_DISPATCH
#include <cpuid.h>
#endif
#include "learnrec/types.hpp"

namespace learnrec::detail {

struct Bf16Panels {
    index_t courses = 0;
    index_t dim = 0;                  // factors
    index_t pairs = 0;                // ceil(dim / 2)
    float max_norm = 0.0f;            // largest Euclidean norm of a course embedding (float32)
    std::vector<std::uint16_t> data;  // panels * pairs * 32

    bool empty() const noexcept { return data.empty(); }
    const std::uint16_t* panel(index_t first_course) const noexcept {
        return data.data() + static_cast<std::size_t>(first_course / kPanel) * static_cast<std::size_t>(pairs) * 32;
    }
};

/// Whether this CPU has vdpbf16ps on 512-bit registers and the avx512 path is active.
inline bool bf16_scoring_supported() {
#ifdef LEARNREC_X86_DISPATCH
    static const bool ok = [] {
        __builtin_cpu_init();
        // AVX512_BF16 is CPUID leaf 7, sub-leaf 1, EAX bit 5 (not every compiler's
        // __builtin_cpu_supports knows it).
        unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
        const bool bf16 = __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) && (eax & (1u << 5)) != 0;
        return bf16 && active_isa() == Isa::avx512;
    }();
    return ok;
#else
    return false;
#endif
}

/// float32 to bfloat16, rounding to nearest even (finite inputs).
inline std::uint16_t to_bf16(float x) noexcept {
    std::uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return static_cast<std::uint16_t>(bits >> 16);
}

/// The bfloat16 copy of `items`, or an empty one when the CPU cannot score it or a factor is not
/// finite.
inline Bf16Panels make_bf16_panels(const RowMatrix& items) {
    Bf16Panels b;
    if (!bf16_scoring_supported() || items.size() == 0 || !items.allFinite()) return b;
    b.courses = static_cast<index_t>(items.rows());
    b.dim = static_cast<index_t>(items.cols());
    b.pairs = (b.dim + 1) / 2;
    const auto panels = static_cast<std::size_t>((b.courses + kPanel - 1) / kPanel);
    b.data.assign(panels * static_cast<std::size_t>(b.pairs) * 32, 0);
    for (index_t c = 0; c < b.courses; ++c) {
        std::uint16_t* panel = b.data.data() + static_cast<std::size_t>(c / kPanel) * static_cast<std::size_t>(b.pairs) * 32;
        const auto lane = static_cast<std::size_t>(c % kPanel);
        for (index_t k = 0; k < b.dim; ++k)
            panel[static_cast<std::size_t>(k / 2) * 32 + 2 * lane + static_cast<std::size_t>(k % 2)] = to_bf16(items(c, k));
        b.max_norm = std::max(b.max_norm, items.row(c).norm());
    }
    return b;
}

/// A bound on |bfloat16 score - float32 score| for a query q of dimension d against any course.
/// Rounding a factor to bfloat16 changes it by at most 2^-8 relative (subnormals are flushed to
/// zero by vdpbf16ps: at most 2^-126 absolute), products of two bfloat16 are exact in float32, and
/// float32 sums of d terms err by at most about d 2^-24 relative to sum |q_k y_k| <= |q| max_norm.
/// Doubled for safety.
inline double bf16_score_error_bound(const float* q, index_t d, float max_norm) {
    const auto [l1, l2] = query_norms(q, d);
    const double u = std::ldexp(1.0, -8);
    const double rel = 2.0 * u + u * u + 2.0 * (d + 2) * std::ldexp(1.0, -24);
    return 2.0 * (std::sqrt(l2) * max_norm * rel + (l1 + static_cast<double>(max_norm) * d + 2.0 * d) * std::ldexp(1.0, -126));
}

#ifdef LEARNREC_X86_DISPATCH
/// R queries (as bfloat16 pairs) x P panels: per pair of factors, P panel loads and R broadcasts
/// feed R * P vdpbf16ps.
template <int R, int P>
__attribute__((target("avx512f,avx512bw,avx512bf16"))) inline void score_bf16_tile(
    const std::uint32_t* q, std::size_t ldq, const std::uint16_t* panel, std::size_t panel_stride, index_t pairs,
    float* out, std::size_t ldo, index_t width) {
    __m512 acc[R][P];
    for (int i = 0; i < R; ++i)
        for (int j = 0; j < P; ++j) acc[i][j] = _mm512_setzero_ps();
    for (index_t k = 0; k < pairs; ++k) {
        __m512i y[P];
        for (int j = 0; j < P; ++j)
            y[j] = _mm512_loadu_si512(panel + static_cast<std::size_t>(j) * panel_stride + static_cast<std::size_t>(k) * 32);
        for (int i = 0; i < R; ++i) {
            const __m512i x = _mm512_set1_epi32(static_cast<int>(q[static_cast<std::size_t>(i) * ldq + static_cast<std::size_t>(k)]));
            for (int j = 0; j < P; ++j) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], (__m512bh)x, (__m512bh)y[j]);
        }
    }
    for (int i = 0; i < R; ++i)
        for (int j = 0; j < P; ++j) {
            float* o = out + static_cast<std::size_t>(i) * ldo + static_cast<std::size_t>(j) * kPanel;
            const index_t w = std::min<index_t>(kPanel, width - j * kPanel);
            if (w >= kPanel) _mm512_storeu_ps(o, acc[i][j]);
            else if (w > 0) _mm512_mask_storeu_ps(o, static_cast<__mmask16>((1u << w) - 1u), acc[i][j]);
        }
}

template <int R>
__attribute__((target("avx512f,avx512bw,avx512bf16"))) inline void score_bf16_rows(
    const std::uint32_t* q, std::size_t ldq, const Bf16Panels& items, index_t c0, index_t c1, float* out,
    std::size_t ldo) {
    const std::size_t stride = static_cast<std::size_t>(items.pairs) * 32;
    index_t p = c0;
    for (; p + kPanel < c1; p += 2 * kPanel)
        score_bf16_tile<R, 2>(q, ldq, items.panel(p), stride, items.pairs, out + (p - c0), ldo,
                              std::min<index_t>(2 * kPanel, c1 - p));
    for (; p < c1; p += kPanel)
        score_bf16_tile<R, 1>(q, ldq, items.panel(p), stride, items.pairs, out + (p - c0), ldo,
                              std::min<index_t>(kPanel, c1 - p));
}
#endif

/// out[i * ldo + (c - c0)] ~ q_i . item_c for nq float32 queries (rows ldq apart) and courses
/// [c0, c1), c0 a multiple of kPanel. Requires !items.empty() (so the CPU has AVX512_BF16).
inline void score_bf16(const float* q, std::size_t ldq, index_t nq, const Bf16Panels& items, index_t c0, index_t c1,
                       float* out, std::size_t ldo) {
#ifdef LEARNREC_X86_DISPATCH
    // The queries as bfloat16 pairs (low half = the even factor), converted once per call.
    thread_local std::vector<std::uint32_t> pairs;
    const auto np = static_cast<std::size_t>(items.pairs);
    pairs.assign(static_cast<std::size_t>(nq) * np, 0);
    for (index_t i = 0; i < nq; ++i)
        for (index_t k = 0; k < items.dim; ++k) {
            const std::uint32_t h = to_bf16(q[static_cast<std::size_t>(i) * ldq + static_cast<std::size_t>(k)]);
            pairs[static_cast<std::size_t>(i) * np + static_cast<std::size_t>(k / 2)] |= k % 2 ? h << 16 : h;
        }
    constexpr index_t kRows = 8;
    index_t i = 0;
    for (; i + kRows <= nq; i += kRows)
        score_bf16_rows<kRows>(pairs.data() + static_cast<std::size_t>(i) * np, np, items, c0, c1,
                               out + static_cast<std::size_t>(i) * ldo, ldo);
    for (; i < nq; ++i)
        score_bf16_rows<1>(pairs.data() + static_cast<std::size_t>(i) * np, np, items, c0, c1,
                           out + static_cast<std::size_t>(i) * ldo, ldo);
#else
    (void)q, (void)ldq, (void)nq, (void)items, (void)c0, (void)c1, (void)out, (void)ldo;
#endif
}

/// How many times faster score_bf16 scores than the float32 kernel (score_panels) on this CPU,
/// timed once per process on an in-cache block like the top-k's tiles (64 queries x 1,024 courses,
/// d = 64; the best of 5 interleaved runs of each, about 1 ms in all). vdpbf16ps does twice the
/// products of an FMA per instruction, but CPUs issue it at different rates: on the AMD EPYC
/// (Zen 4) of earlier sessions the bfloat16 shortlist made batches faster (benchmarks/README.md),
/// while on this project's Xeon (Sapphire Rapids class) this ratio is about 0.5 and the shortlisted
/// batch took 2.27 CPU s against 1.24 for the float32 pruned scan (Gowalla, every learner, random
/// factors). Returns 0 when there is no bfloat16 copy. Results never depend on it (every path is exact).
inline double bf16_speedup() {
    static const double speedup = [] {
        if (!bf16_scoring_supported()) return 0.0;
        constexpr index_t kQ = 64, kC = 1024, kD = 64;
        RowMatrix items(kC, kD), queries(kQ, kD);
        // Deterministic values of mixed sign and magnitude (no special cases for either kernel).
        for (Eigen::Index i = 0; i < items.size(); ++i) items.data()[i] = static_cast<float>((i * 37 % 101) - 50) / 64.0f;
        for (Eigen::Index i = 0; i < queries.size(); ++i) queries.data()[i] = static_cast<float>((i * 53 % 97) - 48) / 64.0f;
        const PackedPanels packed = PackedPanels::pack(items);
        const Bf16Panels bf16 = make_bf16_panels(items);
        if (bf16.empty()) return 0.0;
        std::vector<float> out(static_cast<std::size_t>(kQ) * kC);
        using clock = std::chrono::steady_clock;
        auto best = [](auto&& run) {
            const auto t0 = clock::now();
            run();
            return std::chrono::duration<double>(clock::now() - t0).count();
        };
        double f32 = 1e30, b16 = 1e30;
        for (int r = 0; r < 5; ++r) {  // interleaved, the minimum of each: robust to preemption
            f32 = std::min(f32, best([&] { score_panels(queries.data(), kD, kQ, packed, 0, kC, out.data(), kC); }));
            b16 = std::min(b16, best([&] { score_bf16(queries.data(), kD, kQ, bf16, 0, kC, out.data(), kC); }));
        }
        return b16 > 0.0 ? f32 / b16 : 0.0;
    }();
    return speedup;
}

/// Whether a batch's bfloat16 shortlist can beat the float32 kernel here: its kernel must be
/// clearly faster, since the shortlist also selects and re-scores 2k + 16 candidates per query.
inline constexpr double kBf16MinSpeedup = 1.25;
inline bool bf16_shortlist_pays() { return bf16_speedup() >= kBf16MinSpeedup; }

}  // namespace learnrec::detail
