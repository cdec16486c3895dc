// learnrec::detail — the candidates for one row's exact top-k, found in two vector passes.
//
// A running heap over a row (push, sift, restart the scan) pays a pass through the heap for every
// score that beats the k-th best so far: about k (1 + ln(n / k)) of them over a row in random
// order. Here a lower bound on the k-th best score comes first: the row is cut into groups (lane
// j of 16 consecutive rows of 16 scores), and any T that at least k group maxima reach is at most
// the k-th best score, because k groups each hold a score >= T. Every score < T ranks after those k,
// so only the scores >= T (and at least the caller's least) are candidates: usually a few more than k.
// The caller then orders them under topk()'s total order (score desc, index asc), so ties at T
// come out exactly as topk() keeps them. NaN is never a candidate (no comparison admits it).
//
// Each instruction-set path has its kernel (learnrec/isa.hpp): the group maxima in the path's
// vectors, the filter with its compare mask. The groups, hence the bound and the candidates, are
// the same on every path.
// Thread safety: pure functions of their arguments. Complexity: O(n) (two passes over the row,
// a few counts over n / 16 maxima), plus the candidates' count in stores.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "learnrec/isa.hpp"
#include "learnrec/types.hpp"
#ifdef LEARNREC_X86_DISPATCH
#include <immintrin.h>
#endif

namespace learnrec::detail {

/// Writes to slots[0..) every i of [0, n) with s[i] >= least that can be among the k best of
/// s[0..n) (score desc, then index asc), in increasing i, and returns their count: a superset of
/// those k best. `maxima` must hold n + 16 floats (scratch), `slots` n indices. (s > gate is
/// s >= nextafter(gate, +inf); NaN as `least` admits nothing.)
using PoolCandidatesFn = index_t (*)(const float* s, index_t n, float least, index_t k, float* maxima,
                                     index_t* slots);

/// Rows of 16 scores per group: group j of a run of kPoolGroupRows rows is lane j of each row.
inline constexpr index_t kPoolGroupRows = 16;

/// Group maxima of s[0..n): lane j of each run of kPoolGroupRows rows of 16 scores, then each of
/// the last n % 16 scores alone (the same groups on every path, in vectors V of 16 / L rows).
/// Returns their count. NaN never wins a maximum.
template <class V>
[[gnu::always_inline]] inline index_t pool_group_maxima(const float* s, index_t n, float* maxima) {
    constexpr auto L = static_cast<index_t>(sizeof(V) / sizeof(float));
    constexpr index_t W = 16 / L;  // vectors per row
    constexpr float kLow = -std::numeric_limits<float>::infinity();
    const index_t full = n / 16;
    index_t count = 0;
    for (index_t r0 = 0; r0 < full; r0 += kPoolGroupRows) {
        const index_t r1 = std::min(full, r0 + kPoolGroupRows);
        V acc[W];
        for (index_t h = 0; h < W; ++h) acc[h] = V{} + kLow;  // every lane -inf
        for (index_t r = r0; r < r1; ++r)
            for (index_t h = 0; h < W; ++h) {
                V x;
                std::memcpy(&x, s + static_cast<std::size_t>(r) * 16 + static_cast<std::size_t>(h * L), sizeof(V));
                // x > acc ? x : acc is the max instruction's rule: a NaN in x keeps acc.
                acc[h] = x > acc[h] ? x : acc[h];
            }
        for (index_t h = 0; h < W; ++h) std::memcpy(maxima + count + h * L, &acc[h], sizeof(V));
        count += 16;
    }
    for (index_t i = full * 16; i < n; ++i) maxima[count++] = s[i] > kLow ? s[i] : kLow;
    return count;
}

/// How many of maxima[0..count) are >= x (count a multiple of the lanes of V).
template <class V>
[[gnu::always_inline]] inline index_t pool_count_at_least(const float* maxima, index_t count, float x) {
    constexpr auto L = static_cast<index_t>(sizeof(V) / sizeof(float));
    using I = decltype(V{} >= V{});  // the lanes' int32 compare masks
    const V xv = V{} + x;
    I hits{};
    for (index_t i = 0; i < count; i += L) {
        V m;
        std::memcpy(&m, maxima + i, sizeof(V));
        hits -= (m >= xv);  // a true lane is -1
    }
    index_t total = 0;
    for (index_t j = 0; j < L; ++j) total += hits[j];
    return total;
}

/// Bisection steps of the bound: each halves the distance to the k-th largest group maximum.
inline constexpr int kPoolBoundSteps = 10;

/// The threshold a candidate must reach (>=): a value T with at least k group maxima >= T, found
/// by bisection between the smallest finite maximum and the largest (a selection among the maxima
/// would cost more than the filter it tightens), and at least `least`. Without k groups holding
/// a finite maximum there is no bound but `least`.
template <class V>
[[gnu::always_inline]] inline float pool_candidate_threshold(const float* s, index_t n, float least, index_t k,
                                                             float* maxima) {
    constexpr float kLow = -std::numeric_limits<float>::infinity();
    if (k <= 0) return std::numeric_limits<float>::quiet_NaN();  // no score is >= NaN
    // Fewer than k groups bound nothing; k groups of one score each would be the row itself.
    if (n < k * kPoolGroupRows) return least;
    index_t groups = pool_group_maxima<V>(s, n, maxima);
    float lo = std::numeric_limits<float>::infinity(), hi = kLow;
    for (index_t i = 0; i < groups; ++i) {
        const float x = maxima[i];
        if (x > kLow && x < lo) lo = x;
        if (x > hi) hi = x;
    }
    while (groups % 16 != 0) maxima[groups++] = kLow;  // whole vectors on every path
    if (!(lo < std::numeric_limits<float>::infinity()) || pool_count_at_least<V>(maxima, groups, lo) < k)
        return least;
    // Invariant: at least k maxima are >= lo. (Scalar float arithmetic, the same on every path:
    // (lo + hi) * 0.5f cannot be contracted into a multiply-add.)
    for (int step = 0; step < kPoolBoundSteps && lo < hi; ++step) {
        const float mid = (lo + hi) * 0.5f;
        if (!(mid > lo && mid < hi)) break;
        if (pool_count_at_least<V>(maxima, groups, mid) >= k) lo = mid;
        else hi = mid;
    }
    // (Not std::max: a NaN `least` must keep every score out.)
    return lo > least ? lo : least;
}

inline index_t pool_candidates_scalar(const float* s, index_t n, float least, index_t k, float* maxima,
                                      index_t* slots) {
    const float t = pool_candidate_threshold<lr_v4f>(s, n, least, k, maxima);
    index_t count = 0;
#ifdef LEARNREC_X86_DISPATCH
    // SSE2 is part of x86-64 itself: the baseline path's filter, four scores at a time.
    const __m128 tv = _mm_set1_ps(t);
    index_t i = 0;
    for (; i + 4 <= n; i += 4) {
        auto m = static_cast<unsigned>(_mm_movemask_ps(_mm_cmpge_ps(_mm_loadu_ps(s + i), tv)));
        for (; m; m &= m - 1) slots[count++] = i + static_cast<index_t>(__builtin_ctz(m));
    }
    for (; i < n; ++i)
        if (s[i] >= t) slots[count++] = i;
#else
    for (index_t i = 0; i < n; ++i)
        if (s[i] >= t) slots[count++] = i;
#endif
    return count;
}

#ifdef LEARNREC_X86_DISPATCH
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) inline index_t pool_candidates_avx512(
    const float* s, index_t n, float least, index_t k, float* maxima, index_t* slots) {
    const float t = pool_candidate_threshold<lr_v16>(s, n, least, k, maxima);
    const __m512 tv = _mm512_set1_ps(t);
    index_t count = 0;
    for (index_t i = 0; i < n; i += 16) {
        const auto lanes = n - i >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (n - i)) - 1u);
        auto m = static_cast<unsigned>(
            _mm512_mask_cmp_ps_mask(lanes, _mm512_maskz_loadu_ps(lanes, s + i), tv, _CMP_GE_OQ));
        for (; m; m &= m - 1) slots[count++] = i + static_cast<index_t>(__builtin_ctz(m));
    }
    return count;
}

__attribute__((target("avx2,fma"))) inline index_t pool_candidates_avx2(const float* s, index_t n, float least,
                                                                        index_t k, float* maxima, index_t* slots) {
    const float t = pool_candidate_threshold<lr_v8f>(s, n, least, k, maxima);
    const __m256 tv = _mm256_set1_ps(t);
    index_t count = 0;
    index_t i = 0;
    for (; i + 8 <= n; i += 8) {
        auto m = static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(s + i), tv, _CMP_GE_OQ)));
        for (; m; m &= m - 1) slots[count++] = i + static_cast<index_t>(__builtin_ctz(m));
    }
    for (; i < n; ++i)
        if (s[i] >= t) slots[count++] = i;
    return count;
}
#endif

/// topk()'s order (score desc, then index asc) as one unsigned integer, larger first: the score's
/// bits made monotonic above, the complemented index below. -0 and +0 get the same key bits (they
/// compare equal), so the key does not carry the score back: read it from the row. Not for NaN.
inline std::uint64_t pool_key(float score, index_t id) noexcept {
    std::uint32_t u;
    const float canonical = score + 0.0f;  // -0 + 0 is +0 (round to nearest)
    std::memcpy(&u, &canonical, sizeof u);
    u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
    return (std::uint64_t{u} << 32) | (0xffffffffu - static_cast<std::uint32_t>(id));
}
inline index_t pool_key_id(std::uint64_t key) noexcept {
    return static_cast<index_t>(0xffffffffu - static_cast<std::uint32_t>(key));
}

// ---- the candidates' order ----------------------------------------------------------------------
//
// A few dozen candidates are ordered faster by counting, for each, how many rank before it (all
// pairs, in vectors: no branch to mispredict) than by a selection and a sort.

/// Largest candidate count pool_ranks() is used for (its work grows with the square).
inline constexpr index_t kPoolRankMax = 64;

/// rank[i] = how many of the n candidates (score[j], id[j]) rank before candidate i under topk()'s
/// order (score desc, id asc): distinct ranks 0..n-1 for distinct ids. score and id must hold n
/// rounded up to 16 entries, the padding (-inf, the largest index_t) ranking after every
/// candidate; no score may be NaN.
using PoolRanksFn = void (*)(const float* score, const index_t* id, index_t n, index_t* rank);

// (Explicit intrinsics: GCC 12 turns a generic-vector float compare under AVX-512 into per-lane
// scalar code.)
inline void pool_ranks_scalar(const float* score, const index_t* id, index_t n, index_t* rank) {
    const index_t padded = (n + 15) / 16 * 16;
#ifdef LEARNREC_X86_DISPATCH
    for (index_t i = 0; i < n; ++i) {
        const __m128 si = _mm_set1_ps(score[i]);
        const __m128i ii = _mm_set1_epi32(id[i]);
        index_t before = 0;
        for (index_t j = 0; j < padded; j += 4) {
            const __m128 sj = _mm_loadu_ps(score + j);
            const __m128i ij = _mm_loadu_si128(reinterpret_cast<const __m128i*>(id + j));
            const __m128 tie = _mm_and_ps(_mm_cmpeq_ps(sj, si), _mm_castsi128_ps(_mm_cmplt_epi32(ij, ii)));
            before += __builtin_popcount(static_cast<unsigned>(_mm_movemask_ps(_mm_or_ps(_mm_cmpgt_ps(sj, si), tie))));
        }
        rank[i] = before;
    }
#else
    for (index_t i = 0; i < n; ++i) {
        index_t before = 0;
        for (index_t j = 0; j < padded; ++j)
            before += score[j] > score[i] || (score[j] == score[i] && id[j] < id[i]);
        rank[i] = before;
    }
#endif
}

#ifdef LEARNREC_X86_DISPATCH
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,popcnt"))) inline void pool_ranks_avx512(
    const float* score, const index_t* id, index_t n, index_t* rank) {
    const index_t padded = (n + 15) / 16 * 16;
    for (index_t i = 0; i < n; ++i) {
        const __m512 si = _mm512_set1_ps(score[i]);
        const __m512i ii = _mm512_set1_epi32(id[i]);
        index_t before = 0;
        for (index_t j = 0; j < padded; j += 16) {
            const __m512 sj = _mm512_loadu_ps(score + j);
            const __m512i ij = _mm512_loadu_si512(id + j);
            const __mmask16 tie = _mm512_mask_cmplt_epi32_mask(_mm512_cmp_ps_mask(sj, si, _CMP_EQ_OQ), ij, ii);
            before += __builtin_popcount(static_cast<unsigned>(_mm512_cmp_ps_mask(sj, si, _CMP_GT_OQ) | tie));
        }
        rank[i] = before;
    }
}

__attribute__((target("avx2,fma,popcnt"))) inline void pool_ranks_avx2(const float* score, const index_t* id,
                                                                       index_t n, index_t* rank) {
    const index_t padded = (n + 15) / 16 * 16;
    for (index_t i = 0; i < n; ++i) {
        const __m256 si = _mm256_set1_ps(score[i]);
        const __m256i ii = _mm256_set1_epi32(id[i]);
        index_t before = 0;
        for (index_t j = 0; j < padded; j += 8) {
            const __m256 sj = _mm256_loadu_ps(score + j);
            const __m256i ij = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(id + j));
            const __m256 tie = _mm256_and_ps(_mm256_cmp_ps(sj, si, _CMP_EQ_OQ),
                                             _mm256_castsi256_ps(_mm256_cmpgt_epi32(ii, ij)));
            const __m256 ahead = _mm256_or_ps(_mm256_cmp_ps(sj, si, _CMP_GT_OQ), tie);
            before += __builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(ahead)));
        }
        rank[i] = before;
    }
}
#endif

/// The candidates' ranking of the active instruction-set path (chosen once per process).
inline PoolRanksFn pool_ranks_fn() {
#ifdef LEARNREC_X86_DISPATCH
    static const PoolRanksFn fn = [] {
        switch (active_isa()) {
        case Isa::avx512: return &pool_ranks_avx512;
        case Isa::avx2: return &pool_ranks_avx2;
        default: return &pool_ranks_scalar;
        }
    }();
    return fn;
#else
    return &pool_ranks_scalar;
#endif
}

/// The candidate filter of the active instruction-set path (chosen once per process).
inline PoolCandidatesFn pool_candidates_fn() {
#ifdef LEARNREC_X86_DISPATCH
    static const PoolCandidatesFn fn = [] {
        switch (active_isa()) {
        case Isa::avx512: return &pool_candidates_avx512;
        case Isa::avx2: return &pool_candidates_avx2;
        default: return &pool_candidates_scalar;
        }
    }();
    return fn;
#else
    return &pool_candidates_scalar;
#endif
}

}  // namespace learnrec::detail
