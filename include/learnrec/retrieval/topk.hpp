// learnrec — exact top-k selection fused with blocked scoring.
//
// Scores are produced tile by tile (a block of queries x a block of courses) into a small buffer
// and consumed at once by per-query bounded heaps, so the full queries x courses score matrix is
// never materialised: memory is O(threads * tile) + O(queries * k).
// Candidate filters are evaluated inside the loop, and only for courses whose score would enter
// the heap, so an expensive predicate costs little and k eligible courses are always found when
// they exist.
// Ordering: higher score first; equal scores by lower course index. NaN scores never qualify.
// Thread safety: topk() is reentrant; the scorer and predicate are called from several threads
// at once and must be safe for that (the models' score() is).
// Complexity: O(Q C d) flops for scoring + O(Q C) comparisons + O(Q k log k) heap work.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <span>
#include <vector>

#include "learnrec/data/csr.hpp"
#include "learnrec/detail/parallel.hpp"
#include "learnrec/detail/score_kernel.hpp"

namespace learnrec {

/// Top-k results for a batch of queries: row q holds up to k course indices, best first,
/// padded with -1 and -infinity when fewer than k candidates exist.
struct TopK {
    index_t queries = 0;
    index_t k = 0;
    std::vector<index_t> ids;    // queries * k, row-major
    std::vector<float> scores;   // queries * k, row-major

    std::span<const index_t> ids_of(index_t q) const {
        return std::span<const index_t>(ids).subspan(static_cast<std::size_t>(q) * static_cast<std::size_t>(k),
                                                     static_cast<std::size_t>(k));
    }
    std::span<const float> scores_of(index_t q) const {
        return std::span<const float>(scores).subspan(static_cast<std::size_t>(q) * static_cast<std::size_t>(k),
                                                      static_cast<std::size_t>(k));
    }
    /// Number of real (non-padding) results of query q.
    index_t count(index_t q) const {
        auto r = ids_of(q);
        return static_cast<index_t>(std::find(r.begin(), r.end(), index_t{-1}) - r.begin());
    }
};

/// Per-learner eligibility: return false to exclude `course` for the query at position `query`.
using CoursePredicate = std::function<bool(index_t query, index_t course)>;

/// Which courses may be returned for each query.
struct CandidateFilter {
    /// Courses to exclude per query (e.g. already taken). Query q uses row
    /// exclude_rows[q] of `exclude` when exclude_rows is non-empty, else row q.
    const CsrView* exclude = nullptr;
    std::span<const index_t> exclude_rows;
    std::span<const index_t> allow;  // when non-empty: only these courses (for every query)
    std::span<const index_t> deny;   // never these courses
    CoursePredicate predicate;       // optional per-query eligibility
};

/// Fills out[(q - q0) * ld + (c - c0)] with scores for queries [q0, q1) and courses [c0, c1).
using TileScorer = std::function<void(index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld)>;

namespace detail {

struct Candidate {
    float score;
    index_t id;
};
/// a ranks before b.
inline bool ranks_before(const Candidate& a, const Candidate& b) noexcept {
    return a.score > b.score || (a.score == b.score && a.id < b.id);
}

/// Bounded heap keeping the k best candidates; the worst kept candidate is on top.
class TopKHeap {
public:
    void reset(index_t k) {
        k_ = static_cast<std::size_t>(k);
        items_.clear();
        items_.reserve(k_);
    }
    /// Candidates visited in increasing id order only need to beat the threshold strictly.
    float threshold() const noexcept {
        return items_.size() < k_ ? -std::numeric_limits<float>::infinity() : items_.front().score;
    }
    bool full() const noexcept { return items_.size() >= k_; }
    void push(Candidate c) {
        if (items_.size() < k_) {
            items_.push_back(c);
            std::push_heap(items_.begin(), items_.end(), Before{});
        } else if (ranks_before(c, items_.front())) {
            replace_top(c);
        }
    }
    /// Adds every candidate `other` keeps (the k best of both remain).
    void merge(const TopKHeap& other) {
        for (const auto& c : other.items_) push(c);
    }
    void write_sorted(index_t* ids, float* scores) {
        std::sort_heap(items_.begin(), items_.end(), Before{});
        std::size_t i = 0;
        for (; i < items_.size(); ++i) {
            ids[i] = items_[i].id;
            scores[i] = items_[i].score;
        }
        for (; i < k_; ++i) {
            ids[i] = -1;
            scores[i] = -std::numeric_limits<float>::infinity();
        }
    }

private:
    // A function object, not a function pointer: the heap algorithms inline it.
    struct Before {
        bool operator()(const Candidate& a, const Candidate& b) const noexcept { return ranks_before(a, b); }
    };

    /// The worst kept candidate leaves for `c`: one sift-down instead of pop_heap + push_heap.
    void replace_top(Candidate c) noexcept {
        const std::size_t n = items_.size();
        std::size_t hole = 0;
        for (;;) {
            std::size_t child = 2 * hole + 1;
            if (child >= n) break;
            // The child that ranks later (worse) must move up to keep the worst on top.
            if (child + 1 < n && ranks_before(items_[child], items_[child + 1])) ++child;
            if (!ranks_before(c, items_[child])) break;
            items_[hole] = items_[child];
            hole = child;
        }
        items_[hole] = c;
    }

    std::size_t k_ = 0;
    std::vector<Candidate> items_;
};

inline std::vector<std::uint8_t> course_mask(std::span<const index_t> courses, index_t num_courses, const char* what) {
    std::vector<std::uint8_t> mask(static_cast<std::size_t>(num_courses), 0);
    for (auto c : courses) {
        LEARNREC_CHECK(c >= 0 && c < num_courses, "{} contains course index {} outside [0, {})", what, c, num_courses);
        mask[static_cast<std::size_t>(c)] = 1;
    }
    return mask;
}

/// A CandidateFilter checked against the shape of a top-k problem, its course lists as masks.
class Eligibility {
public:
    Eligibility(const CandidateFilter& filter, index_t num_queries, index_t num_courses)
        : filter_(filter),
          // No mask without a list: one learner's top-k would otherwise zero two catalogue-sized
          // buffers it never reads.
          allow_(filter.allow.empty() ? std::vector<std::uint8_t>{} : course_mask(filter.allow, num_courses, "allow-list")),
          deny_(filter.deny.empty() ? std::vector<std::uint8_t>{} : course_mask(filter.deny, num_courses, "deny-list")),
          use_allow_(!filter.allow.empty()),
          use_deny_(!filter.deny.empty()) {
        if (filter.exclude) {
            const auto rows =
                filter.exclude_rows.empty() ? num_queries : static_cast<index_t>(filter.exclude_rows.size());
            LEARNREC_CHECK(rows == num_queries, "exclusions cover {} queries, expected {}", rows, num_queries);
            LEARNREC_CHECK(filter.exclude->cols == num_courses,
                           "exclusion rows have {} columns, expected {} courses", filter.exclude->cols, num_courses);
            if (filter.exclude_rows.empty())
                LEARNREC_CHECK(filter.exclude->rows == num_queries, "exclusions have {} rows, expected {} queries",
                               filter.exclude->rows, num_queries);
            for (auto r : filter.exclude_rows)
                LEARNREC_CHECK(r >= 0 && r < filter.exclude->rows, "exclusion row {} outside [0, {})", r,
                               filter.exclude->rows);
            sorted_exclusions_ = filter.exclude->has_sorted_unique_indices();
        }
    }

    /// Whether `course` may be returned for the query at position `query`. Called only for
    /// courses whose score would enter the heap, so the cheap tests go first.
    bool operator()(index_t query, index_t course) const {
        if (use_allow_ && !allow_[static_cast<std::size_t>(course)]) return false;
        if (use_deny_ && deny_[static_cast<std::size_t>(course)]) return false;
        if (filter_.exclude) {
            const auto r = filter_.exclude_rows.empty() ? query : filter_.exclude_rows[static_cast<std::size_t>(query)];
            const auto ix = filter_.exclude->row(r).indices;
            const bool taken = sorted_exclusions_ ? std::binary_search(ix.begin(), ix.end(), course)
                                                  : std::find(ix.begin(), ix.end(), course) != ix.end();
            if (taken) return false;
        }
        return !filter_.predicate || filter_.predicate(query, course);
    }

private:
    const CandidateFilter& filter_;
    std::vector<std::uint8_t> allow_, deny_;
    bool use_allow_, use_deny_;
    bool sorted_exclusions_ = false;
};

// Tile sizes: a query block shares each course tile's embeddings (cache reuse); the score
// buffer (query block x course tile floats = 256 KiB) stays in L2.
inline constexpr index_t kQueryBlock = 64;
inline constexpr index_t kCourseTile = 1024;

}  // namespace detail

/// Exact top-k of `num_queries` queries over `num_courses` courses.
inline TopK topk(index_t num_queries, index_t num_courses, index_t k, const TileScorer& scorer,
                 const CandidateFilter& filter = {}, int num_threads = 0) {
    LEARNREC_CHECK(k > 0, "k must be positive, got {}", k);
    LEARNREC_CHECK(num_queries >= 0 && num_courses >= 0, "negative sizes ({} queries, {} courses)", num_queries,
                   num_courses);
    TopK out;
    out.queries = num_queries;
    out.k = k;
    if (num_queries == 0) return out;
    const detail::Eligibility eligible(filter, num_queries, num_courses);

    out.ids.resize(detail::checked_mul(static_cast<std::size_t>(num_queries), static_cast<std::size_t>(k), "topk"));
    out.scores.resize(out.ids.size());

    const index_t kept = std::min(k, num_courses);
    const detail::FindAboveFn find_above = detail::find_above_fn();
    const auto blocks = (num_queries + detail::kQueryBlock - 1) / detail::kQueryBlock;
    const auto tiles = (num_courses + detail::kCourseTile - 1) / detail::kCourseTile;
    // Few queries (one learner, a handful): split the catalogue across threads instead of the
    // queries, or a single query would run on one core. Each part keeps its own k best; the
    // parts are merged in the (score, index) order, so the result does not depend on the split.
    const int threads = detail::resolve_threads(num_threads);
    const std::int64_t parts = blocks >= threads ? 1 : std::min<std::int64_t>(threads, tiles);

    // The k best of queries [q0, q1) among courses [cb, ce) (cb a multiple of the tile size).
    auto scan = [&](index_t q0, index_t q1, index_t cb, index_t ce, detail::TopKHeap* heaps) {
        thread_local std::vector<float> tile;
        tile.resize(static_cast<std::size_t>(detail::kQueryBlock) * detail::kCourseTile);
        for (index_t q = q0; q < q1; ++q) heaps[q - q0].reset(kept);
        for (index_t c0 = cb; c0 < ce; c0 += detail::kCourseTile) {
            const index_t c1 = std::min<index_t>(c0 + detail::kCourseTile, ce);
            scorer(q0, q1, c0, c1, tile.data(), detail::kCourseTile);
            for (index_t q = q0; q < q1; ++q) {
                auto& heap = heaps[q - q0];
                const float* s = tile.data() + static_cast<std::size_t>(q - q0) * detail::kCourseTile;
                float threshold = heap.threshold();
                for (index_t c = c0; c < c1; ++c) {
                    // Courses arrive in increasing index, so an equal score never beats a kept one:
                    // jump to the next score strictly above the threshold.
                    c += find_above(s + (c - c0), c1 - c, threshold);
                    if (c >= c1) break;
                    if (!eligible(q, c)) continue;
                    heap.push({s[c - c0], c});
                    threshold = heap.threshold();
                }
            }
        }
    };
    auto finish = [&](index_t q, detail::TopKHeap& heap) {
        const auto offset = static_cast<std::size_t>(q) * static_cast<std::size_t>(k);
        heap.write_sorted(out.ids.data() + offset, out.scores.data() + offset);
        for (index_t j = kept; j < k; ++j) {
            out.ids[offset + static_cast<std::size_t>(j)] = -1;
            out.scores[offset + static_cast<std::size_t>(j)] = -std::numeric_limits<float>::infinity();
        }
    };

    if (parts <= 1) {
        detail::parallel_for(0, blocks, num_threads, [&](std::int64_t block) {
            const auto q0 = static_cast<index_t>(block * detail::kQueryBlock);
            const auto q1 = std::min<index_t>(q0 + detail::kQueryBlock, num_queries);
            thread_local std::vector<detail::TopKHeap> heaps;
            if (heaps.size() < static_cast<std::size_t>(detail::kQueryBlock)) heaps.resize(detail::kQueryBlock);
            scan(q0, q1, 0, num_courses, heaps.data());
            for (index_t q = q0; q < q1; ++q) finish(q, heaps[static_cast<std::size_t>(q - q0)]);
        });
        return out;
    }
    // heaps[(block * parts + part) * kQueryBlock + (q - q0)]
    std::vector<detail::TopKHeap> heaps(static_cast<std::size_t>(blocks * parts * detail::kQueryBlock));
    detail::parallel_for(0, blocks * parts, num_threads, [&](std::int64_t job) {
        const std::int64_t block = job / parts, part = job % parts;
        const auto q0 = static_cast<index_t>(block * detail::kQueryBlock);
        const auto q1 = std::min<index_t>(q0 + detail::kQueryBlock, num_queries);
        const auto cb = static_cast<index_t>(tiles * part / parts * detail::kCourseTile);
        const auto ce = static_cast<index_t>(std::min<std::int64_t>(tiles * (part + 1) / parts * detail::kCourseTile,
                                                                    num_courses));
        scan(q0, q1, cb, ce, heaps.data() + job * detail::kQueryBlock);
    }, 1);
    for (std::int64_t block = 0; block < blocks; ++block) {
        const auto q0 = static_cast<index_t>(block * detail::kQueryBlock);
        const auto q1 = std::min<index_t>(q0 + detail::kQueryBlock, num_queries);
        for (index_t q = q0; q < q1; ++q) {
            auto& merged = heaps[static_cast<std::size_t>(block * parts * detail::kQueryBlock + (q - q0))];
            for (std::int64_t part = 1; part < parts; ++part)
                merged.merge(heaps[static_cast<std::size_t>((block * parts + part) * detail::kQueryBlock + (q - q0))]);
            finish(q, merged);
        }
    }
    return out;
}

}  // namespace learnrec
