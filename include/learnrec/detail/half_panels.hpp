// learnrec::detail — course embeddings in IEEE half precision, for memory-bound scoring.
//
// Scoring one learner (or a handful) against every course streams all course embeddings from
// memory once per query block: 41k courses x 128 factors are 21 MB in float32, far beyond the
// caches, so bytes moved set the time, not arithmetic. A half-precision copy halves the bytes.
// Scores computed from it are approximate; retrieval (retrieval/recommend.hpp) only uses them to
// shortlist candidates, re-scores the shortlist with the float32 kernel and proves, with the error
// bound below, that no course outside the shortlist can enter the exact top-k (otherwise it falls
// back to exact scoring). Results are therefore identical to the float32 path.
//
// Needs F16C (x86-64-v3 and later), checked at run time; elsewhere the copy is not built.
// Thread safety: immutable after construction. Memory: 2 bytes per factor (half the float copy).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "learnrec/detail/score_kernel.hpp"
#ifdef LEARNREC_X86_DISPATCH
#include <cpuid.h>
#endif
#include "learnrec/types.hpp"

namespace learnrec::detail {

struct HalfPanels {
    index_t courses = 0;
    index_t dim = 0;
    float max_norm = 0.0f;             // largest Euclidean norm of a course embedding (float32)
    std::vector<std::uint16_t> data;   // panels * dim * 16 halves, layout as PackedPanels

    bool empty() const noexcept { return data.empty(); }
    const std::uint16_t* panel(index_t first_course) const noexcept {
        return data.data() + static_cast<std::size_t>(first_course / kPanel) * static_cast<std::size_t>(dim) * kPanel;
    }
};

/// Whether the active path can convert and score halves (F16C and the avx2 or avx512 path).
inline bool half_scoring_supported() {
#ifdef LEARNREC_X86_DISPATCH
    static const bool ok = [] {
        __builtin_cpu_init();
        // F16C through CPUID leaf 1 (ECX bit 29): clang's __builtin_cpu_supports has no "f16c".
        unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
        const bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 29)) != 0;
        return f16c && active_isa() != Isa::baseline;
    }();
    return ok;
#else
    return false;
#endif
}

#ifdef LEARNREC_X86_DISPATCH
/// Packs float32 panels into halves (round to nearest even).
__attribute__((target("f16c,avx2"))) inline void pack_halves(const float* in, std::uint16_t* out, std::size_t n) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (; i < n; ++i) out[i] = _cvtss_sh(in[i], _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
#endif

/// The half-precision copy of `packed`, or an empty one when the CPU lacks F16C or a factor is
/// outside the half range (|x| > 65504 would become infinite).
inline HalfPanels make_half_panels(const PackedPanels& packed, const RowMatrix& items) {
    HalfPanels h;
    if (!half_scoring_supported() || packed.data.empty()) return h;
    for (Eigen::Index i = 0; i < items.size(); ++i)
        if (!(std::fabs(items.data()[i]) <= 65504.0f)) return h;
#ifdef LEARNREC_X86_DISPATCH
    h.courses = packed.courses;
    h.dim = packed.dim;
    h.data.resize(packed.data.size());
    pack_halves(packed.data.data(), h.data.data(), packed.data.size());
    for (Eigen::Index c = 0; c < items.rows(); ++c) h.max_norm = std::max(h.max_norm, items.row(c).norm());
#endif
    return h;
}

/// (sum |q_k|, sum q_k^2) in double precision: what the reduced-precision error bounds need.
struct QueryNorms {
    double l1, l2;
};
inline QueryNorms query_norms(const float* q, index_t d) {
    QueryNorms n{0.0, 0.0};
    for (index_t k = 0; k < d; ++k) {
        n.l1 += std::fabs(static_cast<double>(q[k]));
        n.l2 += static_cast<double>(q[k]) * q[k];
    }
    return n;
}

/// A bound on |half score - float32 score| for a query q of dimension d against any course:
/// storing a factor in half precision changes it by at most 2^-11 relative (or 2^-25 absolute
/// in the subnormal range), and each float32 accumulation of d products errs by at most about
/// d 2^-24 relative to sum |q_k y_k| <= |q| max_norm. Doubled for safety.
inline double half_score_error_bound(const float* q, index_t d, float max_norm) {
    const auto [l1, l2] = query_norms(q, d);
    const double rel = std::ldexp(1.0, -11) + 2.0 * (d + 2) * std::ldexp(1.0, -24);
    return 2.0 * (std::sqrt(l2) * max_norm * rel + l1 * std::ldexp(1.0, -25));
}

#ifdef LEARNREC_X86_DISPATCH
// GCC 12's _mm512_cvtph_ps starts from _mm512_undefined_ps(), which -Wmaybe-uninitialized reports
// (a false positive in the compiler's own header).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
/// The g panels after the g starting at course p (to prefetch), or those themselves at the end.
inline const std::uint16_t* next_group(const HalfPanels& items, index_t p, index_t g) noexcept {
    const auto stride = static_cast<std::size_t>(items.dim) * kPanel;
    const auto first = static_cast<std::size_t>(p / kPanel + g);
    return (first + static_cast<std::size_t>(g)) * stride <= items.data.size() ? items.data.data() + first * stride
                                                                                : items.panel(p);
}

// One learner's scan streams the half copy once (41k courses x 64 factors: 5 MB, 2.6 MB per core
// on 2 threads, past a 2 MB L2), so it waits on memory as much as on FMAs: prefetching the next
// group of panels while scoring this one took a 20k-course scan from 95-114 to 71-73 us on AVX2
// and from 85-103 to 63-72 us on AVX-512 (Xeon, 1 thread, loaded machine). A non-temporal hint
// (into L1 only) made it twice as slow. One prefetch per 64 bytes (two factor rows of a panel)
// touches every cache line once.
#define LEARNREC_HALF_PREFETCH(j, k)                                                                          \
    _mm_prefetch(reinterpret_cast<const char*>(next + static_cast<std::size_t>(j) * stride +                  \
                                               static_cast<std::size_t>(k) * kPanel),                         \
                 _MM_HINT_T0)

// One query against G consecutive full panels. A query's dot product is a chain of dependent
// FMAs: with one or two chains per panel (the former kernels) each factor waited out the FMA
// latency. G panels x two chains (even and odd factors) keep 2G FMAs in flight: a 6,000-course scan
// in cache took 12.6 instead of 27.1 us on AVX2, 10.8 instead of 17.3 on AVX-512. The scores are
// approximate anyway: any summation order stays within half_score_error_bound.
template <int G>
__attribute__((target("avx512f,f16c,fma"), always_inline)) inline void score_halves_group_avx512(
    const float* qi, const std::uint16_t* panel, const std::uint16_t* next, std::size_t stride, index_t dim,
    __m512* res) {
    __m512 even[G], odd[G];
    for (int j = 0; j < G; ++j) even[j] = odd[j] = _mm512_setzero_ps();
    // (A lambda for the loads would not inherit this function's target and would not inline.)
#define LEARNREC_HALF16(j, k)                                                                    \
    _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(                         \
        panel + static_cast<std::size_t>(j) * stride + static_cast<std::size_t>(k) * kPanel)))
    index_t k = 0;
    for (; k + 2 <= dim; k += 2) {
        const __m512 qk = _mm512_set1_ps(qi[k]), qk2 = _mm512_set1_ps(qi[k + 1]);
        for (int j = 0; j < G; ++j) {
            LEARNREC_HALF_PREFETCH(j, k);
            even[j] = _mm512_fmadd_ps(qk, LEARNREC_HALF16(j, k), even[j]);
            odd[j] = _mm512_fmadd_ps(qk2, LEARNREC_HALF16(j, k + 1), odd[j]);
        }
    }
    if (k < dim) {
        const __m512 qk = _mm512_set1_ps(qi[k]);
        for (int j = 0; j < G; ++j) even[j] = _mm512_fmadd_ps(qk, LEARNREC_HALF16(j, k), even[j]);
    }
#undef LEARNREC_HALF16
    for (int j = 0; j < G; ++j) res[j] = _mm512_add_ps(even[j], odd[j]);
}

__attribute__((target("avx512f,f16c,fma"))) inline void score_halves_avx512(const float* q, std::size_t ldq,
                                                                            index_t nq, const HalfPanels& items,
                                                                            index_t c0, index_t c1, float* out,
                                                                            std::size_t ldo) {
    constexpr int G = 4;
    const std::size_t stride = static_cast<std::size_t>(items.dim) * kPanel;
    index_t p = c0;
    for (; p + G * kPanel <= c1; p += G * kPanel) {
        const std::uint16_t* panel = items.panel(p);
        for (index_t i = 0; i < nq; ++i) {
            __m512 res[G];
            score_halves_group_avx512<G>(q + static_cast<std::size_t>(i) * ldq, panel, next_group(items, p, G), stride,
                                         items.dim, res);
            float* o = out + static_cast<std::size_t>(i) * ldo + (p - c0);
            for (int j = 0; j < G; ++j) _mm512_storeu_ps(o + j * kPanel, res[j]);
        }
    }
    for (; p < c1; p += kPanel) {
        const std::uint16_t* panel = items.panel(p);
        const index_t width = std::min<index_t>(kPanel, c1 - p);
        for (index_t i = 0; i < nq; ++i) {
            __m512 res[1];
            score_halves_group_avx512<1>(q + static_cast<std::size_t>(i) * ldq, panel, next_group(items, p, 1), stride,
                                         items.dim, res);
            float* o = out + static_cast<std::size_t>(i) * ldo + (p - c0);
            if (width == kPanel) _mm512_storeu_ps(o, res[0]);
            else _mm512_mask_storeu_ps(o, static_cast<__mmask16>((1u << width) - 1u), res[0]);
        }
    }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// As score_halves_group_avx512 with 8-float vectors: a panel is two vectors, so G = 2 panels x two
// chains keep eight FMAs in flight in 8 accumulators (of 16 ymm registers).
template <int G>
__attribute__((target("avx2,f16c,fma"), always_inline)) inline void score_halves_group_avx2(
    const float* qi, const std::uint16_t* panel, const std::uint16_t* next, std::size_t stride, index_t dim,
    __m256* res) {
    __m256 even[2 * G], odd[2 * G];
    for (int j = 0; j < 2 * G; ++j) even[j] = odd[j] = _mm256_setzero_ps();
    // Vector j % 2 of panel j / 2 at factor k.
#define LEARNREC_HALF8(j, k)                                                                     \
    _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(                            \
        panel + static_cast<std::size_t>((j) / 2) * stride + static_cast<std::size_t>(k) * kPanel + \
        static_cast<std::size_t>((j) % 2) * 8)))
    index_t k = 0;
    for (; k + 2 <= dim; k += 2) {
        const __m256 qk = _mm256_set1_ps(qi[k]), qk2 = _mm256_set1_ps(qi[k + 1]);
        for (int j = 0; j < G; ++j) LEARNREC_HALF_PREFETCH(j, k);
        for (int j = 0; j < 2 * G; ++j) {
            even[j] = _mm256_fmadd_ps(qk, LEARNREC_HALF8(j, k), even[j]);
            odd[j] = _mm256_fmadd_ps(qk2, LEARNREC_HALF8(j, k + 1), odd[j]);
        }
    }
    if (k < dim) {
        const __m256 qk = _mm256_set1_ps(qi[k]);
        for (int j = 0; j < 2 * G; ++j) even[j] = _mm256_fmadd_ps(qk, LEARNREC_HALF8(j, k), even[j]);
    }
#undef LEARNREC_HALF8
    for (int j = 0; j < 2 * G; ++j) res[j] = _mm256_add_ps(even[j], odd[j]);
}

__attribute__((target("avx2,f16c,fma"))) inline void score_halves_avx2(const float* q, std::size_t ldq, index_t nq,
                                                                       const HalfPanels& items, index_t c0, index_t c1,
                                                                       float* out, std::size_t ldo) {
    constexpr int G = 2;
    const std::size_t stride = static_cast<std::size_t>(items.dim) * kPanel;
    index_t p = c0;
    for (; p + G * kPanel <= c1; p += G * kPanel) {
        const std::uint16_t* panel = items.panel(p);
        for (index_t i = 0; i < nq; ++i) {
            __m256 res[2 * G];
            score_halves_group_avx2<G>(q + static_cast<std::size_t>(i) * ldq, panel, next_group(items, p, G), stride,
                                       items.dim, res);
            float* o = out + static_cast<std::size_t>(i) * ldo + (p - c0);
            for (int j = 0; j < 2 * G; ++j) _mm256_storeu_ps(o + j * 8, res[j]);
        }
    }
    for (; p < c1; p += kPanel) {
        const std::uint16_t* panel = items.panel(p);
        const index_t width = std::min<index_t>(kPanel, c1 - p);
        for (index_t i = 0; i < nq; ++i) {
            __m256 res[2];
            score_halves_group_avx2<1>(q + static_cast<std::size_t>(i) * ldq, panel, next_group(items, p, 1), stride,
                                       items.dim, res);
            float tmp[kPanel];
            _mm256_storeu_ps(tmp, res[0]);
            _mm256_storeu_ps(tmp + 8, res[1]);
            std::memcpy(out + static_cast<std::size_t>(i) * ldo + (p - c0), tmp, static_cast<std::size_t>(width) * sizeof(float));
        }
    }
}
#undef LEARNREC_HALF_PREFETCH
#endif

/// Approximate scores from the half copy (items must not be empty; c0 a multiple of 16).
inline void score_halves(const float* q, std::size_t ldq, index_t nq, const HalfPanels& items, index_t c0, index_t c1,
                         float* out, std::size_t ldo) {
#ifdef LEARNREC_X86_DISPATCH
    static const bool wide = active_isa() == Isa::avx512;
    if (wide) score_halves_avx512(q, ldq, nq, items, c0, c1, out, ldo);
    else score_halves_avx2(q, ldq, nq, items, c0, c1, out, ldo);
#else
    (void)q, (void)ldq, (void)nq, (void)items, (void)c0, (void)c1, (void)out, (void)ldo;
#endif
}

}  // namespace learnrec::detail
