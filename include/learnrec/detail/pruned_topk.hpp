// learnrec::detail — exact batch top-k of a factor model that skips the courses no learner needs.
//
// The courses are scanned in order of decreasing norm (detail/norm_panels.hpp), a tile at a time.
// Before each tile, every learner of a block whose k-th eligible score so far is above the bound
// ||u|| x (largest norm left), rounding included, stops: no later course can enter its top k,
// ties included. The learners still going are scored together (their rows gathered), and the
// block ends when none is left. Each score is the float the kernel computes for that learner and
// course in any tile (every row of a tile runs the same per-lane arithmetic), and candidates that
// tie with the k-th score are compared by course index, so the result is exactly topk()'s over
// the courses in index order.
//
// Thread safety: reentrant; reads the model only. Complexity: O(Q C' d) flops where C' is the
// number of courses scanned before a learner's bound falls below its k-th score (all C in the
// worst case: equal norms, or learners whose k-th score is not positive), plus topk()'s selection.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cmath>
#include <limits>
#include <vector>

#include "learnrec/detail/norm_panels.hpp"
#include "learnrec/detail/parallel.hpp"
#include "learnrec/model/factor_model.hpp"
#include "learnrec/retrieval/topk.hpp"

namespace learnrec::detail {

/// Courses per pruning step: the bound is checked once per tile, so a narrower tile stops a
/// learner sooner, at the price of one more pass over its heap and one more kernel call.
inline constexpr index_t kPrunedTile = 512;

/// What a pruned scan did: (learner, course) pairs scored out of queries x courses.
struct PruneStats {
    std::atomic<std::int64_t> scored{0};
    std::int64_t total = 0;
    double fraction() const noexcept {
        return total > 0 ? static_cast<double>(scored.load()) / static_cast<double>(total) : 0.0;
    }
};

inline TopK factor_topk_pruned(const FactorModel& model, const QueryBlock& queries, index_t k,
                               const CandidateFilter& filter, int num_threads, PruneStats* stats = nullptr) {
    LEARNREC_CHECK(k > 0, "k must be positive, got {}", k);
    const index_t nq = queries.count;
    const index_t nc = model.num_courses();
    const index_t d = model.factors();
    TopK out;
    out.queries = nq;
    out.k = k;
    if (nq == 0) return out;
    const Eligibility eligible(filter, nq, nc);
    out.ids.assign(checked_mul(static_cast<std::size_t>(nq), static_cast<std::size_t>(k), "topk"), -1);
    out.scores.assign(out.ids.size(), -std::numeric_limits<float>::infinity());
    if (stats) stats->total += static_cast<std::int64_t>(nq) * nc;
    if (nc == 0) return out;

    const NormOrderedPanels& items = model.norm_ordered_items();
    const index_t kept = std::min(k, nc);
    const FindAboveFn find_above = find_above_fn();
    // A batch smaller than threads x kQueryBlock is cut into one block per thread.
    const int threads = resolve_threads(num_threads);
    const index_t block = std::clamp<index_t>((nq + threads - 1) / threads, 1, kQueryBlock);
    const auto blocks = (nq + block - 1) / block;
    const auto ud = static_cast<std::size_t>(d);

    parallel_for(0, blocks, num_threads, [&](std::int64_t b) {
        const auto q0 = static_cast<index_t>(b * block);
        const index_t n = std::min<index_t>(q0 + block, nq) - q0;
        thread_local std::vector<float> tile;
        thread_local std::vector<TopKHeap> heaps;
        thread_local std::vector<float> rows;     // the embeddings of the learners still going
        thread_local std::vector<double> reach;   // ||u|| of each learner of the block
        thread_local std::vector<index_t> active, going;
        tile.resize(static_cast<std::size_t>(kQueryBlock) * kPrunedTile);
        if (heaps.size() < static_cast<std::size_t>(kQueryBlock)) heaps.resize(kQueryBlock);
        reach.resize(static_cast<std::size_t>(n));
        active.resize(static_cast<std::size_t>(n));
        const float* first = queries.embeddings.data() + static_cast<std::size_t>(q0) * ud;
        for (index_t i = 0; i < n; ++i) {
            heaps[static_cast<std::size_t>(i)].reset(kept);
            double sum = 0.0;
            for (std::size_t f = 0; f < ud; ++f) {
                const double x = first[static_cast<std::size_t>(i) * ud + f];
                sum += x * x;
            }
            reach[static_cast<std::size_t>(i)] = std::sqrt(sum);
            active[static_cast<std::size_t>(i)] = i;
        }
        const float* scored = first;  // rows of the active learners, stride d
        std::int64_t pairs = 0;
        for (index_t p0 = 0; p0 < nc; p0 += kPrunedTile) {
            const float largest = items.norm_from[static_cast<std::size_t>(p0)];
            going.clear();
            for (const index_t i : active) {
                const auto& heap = heaps[static_cast<std::size_t>(i)];
                // NaN (a query with NaN factors) never stops: it compares false.
                const bool done =
                    heap.full() && score_bound(reach[static_cast<std::size_t>(i)], largest, d) <
                                       static_cast<double>(heap.threshold());
                if (!done) going.push_back(i);
            }
            if (going.empty()) break;
            if (going.size() != active.size()) {
                rows.resize(going.size() * ud);
                for (std::size_t r = 0; r < going.size(); ++r)
                    std::copy_n(first + static_cast<std::size_t>(going[r]) * ud, ud, rows.data() + r * ud);
                scored = rows.data();
                active.swap(going);
            }
            const index_t p1 = std::min<index_t>(p0 + kPrunedTile, nc);
            pairs += static_cast<std::int64_t>(active.size()) * (p1 - p0);
            score_panels(scored, ud, static_cast<index_t>(active.size()), items.packed, p0, p1, tile.data(),
                         kPrunedTile);
            for (std::size_t r = 0; r < active.size(); ++r) {
                const index_t i = active[r];
                const index_t q = q0 + i;
                auto& heap = heaps[static_cast<std::size_t>(i)];
                const float* s = tile.data() + r * kPrunedTile;
                float threshold = heap.threshold();
                for (index_t p = p0; p < p1; ++p) {
                    // Courses do not arrive in index order here, so a score equal to the k-th may
                    // still enter (by a lower index): look for scores >= the threshold.
                    p += find_above(s + (p - p0), p1 - p,
                                    std::nextafter(threshold, -std::numeric_limits<float>::infinity()));
                    if (p >= p1) break;
                    const index_t c = items.course_of[static_cast<std::size_t>(p)];
                    if (!eligible(q, c)) continue;
                    heap.push({s[p - p0], c});
                    threshold = heap.threshold();
                }
            }
        }
        if (stats) stats->scored += pairs;
        for (index_t i = 0; i < n; ++i) {
            const auto offset = static_cast<std::size_t>(q0 + i) * static_cast<std::size_t>(k);
            heaps[static_cast<std::size_t>(i)].write_sorted(out.ids.data() + offset, out.scores.data() + offset);
        }
    });
    return out;
}

}  // namespace learnrec::detail
