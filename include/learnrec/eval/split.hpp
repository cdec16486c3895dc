// learnrec — train/test splits.
//
// holdout_split: for every learner, a fraction of their positive interactions (rounded, at
// least one when they have two or more positives, never all) moves to test; negative feedback
// always stays in train. The choice for a learner depends only on (seed, learner index), so the
// split is the same whatever the thread count or the order of other learners.
// leave_last_k_out: for every learner, their k most recent positive interactions (by timestamp;
// equal times broken by the higher course index) move to test, always leaving at least one
// positive in train.
// cold_start_split: a fraction of the learners (chosen from the seed) is held out entirely: their
// rows are empty in train and complete in test, as for brand-new learners (metrics read only
// the positive entries of test rows).
// Thread safety: pure functions. Complexity: O(nnz) (O(nnz log nnz) for leave_last_k_out).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "learnrec/data/csr.hpp"

namespace learnrec {

struct Split {
    CsrMatrix train;
    CsrMatrix test;
};

namespace detail {
inline std::uint64_t mix64(std::uint64_t x) noexcept {  // splitmix64 finaliser
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/// The per-learner split both holdout_split and leave_last_k_out make: negative feedback to train;
/// the learner's positives (offsets in the row) put in order by pick(u, row, positives), which
/// returns how many of them, from the front, go to test.
template <class Pick>
Split split_positives(const CsrView& interactions, Pick&& pick) {
    std::vector<Triplet> train, test;
    train.reserve(static_cast<std::size_t>(interactions.nnz()));
    std::vector<std::size_t> positives;
    for (index_t u = 0; u < interactions.rows; ++u) {
        const auto row = interactions.row(u);
        positives.clear();
        for (std::size_t j = 0; j < row.size(); ++j) {
            if (row.weights[j] > 0.0f)
                positives.push_back(j);
            else
                train.push_back({u, row.indices[j], row.weights[j]});
        }
        const std::size_t n_test = pick(u, row, positives);
        for (std::size_t i = 0; i < positives.size(); ++i) {
            const auto j = positives[i];
            (i < n_test ? test : train).push_back({u, row.indices[j], row.weights[j]});
        }
    }
    return {CsrMatrix::from_triplets(interactions.rows, interactions.cols, train),
            CsrMatrix::from_triplets(interactions.rows, interactions.cols, test)};
}
}  // namespace detail

inline Split holdout_split(const CsrView& interactions, double test_fraction, std::uint64_t seed) {
    interactions.validate("interactions");
    LEARNREC_CHECK(test_fraction > 0.0 && test_fraction < 1.0, "test_fraction must be in (0, 1), got {}",
                   test_fraction);
    return detail::split_positives(interactions, [&](index_t u, const CsrRow&, std::vector<std::size_t>& positives) {
        std::size_t n_test = 0;
        if (positives.size() >= 2) {
            n_test = static_cast<std::size_t>(std::llround(test_fraction * static_cast<double>(positives.size())));
            n_test = std::clamp<std::size_t>(n_test, 1, positives.size() - 1);
        }
        std::mt19937_64 rng(detail::mix64(seed ^ detail::mix64(static_cast<std::uint64_t>(u))));
        // Partial Fisher-Yates with our own bounded draw: std::shuffle's use of the engine is
        // implementation-defined, and the split must be reproducible everywhere.
        for (std::size_t i = 0; i < n_test; ++i) {
            const auto span = positives.size() - i;
            const auto pick = i + static_cast<std::size_t>(rng() % span);
            std::swap(positives[i], positives[pick]);
        }
        return n_test;
    });
}

/// Moves each learner's `k` most recent positives to test. `timestamps` is aligned with the
/// matrix's non-zeros (Interactions::timestamps).
inline Split leave_last_k_out(const CsrView& interactions, std::span<const std::int64_t> timestamps, index_t k) {
    interactions.validate("interactions");
    LEARNREC_CHECK(k > 0, "k must be positive, got {}", k);
    LEARNREC_CHECK(timestamps.size() == static_cast<std::size_t>(interactions.nnz()),
                   "{} timestamps for {} interactions; leave-last-k-out needs one per interaction",
                   timestamps.size(), interactions.nnz());
    return detail::split_positives(interactions, [&](index_t u, const CsrRow& row, std::vector<std::size_t>& positives) {
        const auto base = static_cast<std::size_t>(interactions.indptr[static_cast<std::size_t>(u)]);
        std::sort(positives.begin(), positives.end(), [&](std::size_t a, std::size_t b) {
            const auto ta = timestamps[base + a], tb = timestamps[base + b];
            return ta != tb ? ta > tb : row.indices[a] > row.indices[b];
        });
        return positives.size() >= 2 ? std::min<std::size_t>(static_cast<std::size_t>(k), positives.size() - 1) : 0;
    });
}

struct ColdStartSplit {
    CsrMatrix train;                  // held-out learners' rows are empty
    CsrMatrix test;                   // the held-out learners' complete rows
    std::vector<index_t> learners;    // the held-out learners, ascending
};

/// Holds out round(fraction * learners with a positive) whole learners, chosen from the seed.
inline ColdStartSplit cold_start_split(const CsrView& interactions, double fraction, std::uint64_t seed) {
    interactions.validate("interactions");
    LEARNREC_CHECK(fraction > 0.0 && fraction < 1.0, "fraction must be in (0, 1), got {}", fraction);
    std::vector<index_t> active;
    for (index_t u = 0; u < interactions.rows; ++u) {
        const auto row = interactions.row(u);
        if (std::any_of(row.weights.begin(), row.weights.end(), [](float w) { return w > 0.0f; })) active.push_back(u);
    }
    const auto n_out = std::min<std::size_t>(
        active.size(), static_cast<std::size_t>(std::llround(fraction * static_cast<double>(active.size()))));
    std::mt19937_64 rng(detail::mix64(seed));
    for (std::size_t i = 0; i < n_out; ++i) {  // partial Fisher-Yates, reproducible everywhere
        const auto pick = i + static_cast<std::size_t>(rng() % (active.size() - i));
        std::swap(active[i], active[pick]);
    }
    ColdStartSplit out;
    out.learners.assign(active.begin(), active.begin() + static_cast<std::ptrdiff_t>(n_out));
    std::sort(out.learners.begin(), out.learners.end());
    std::vector<std::uint8_t> held(static_cast<std::size_t>(interactions.rows), 0);
    for (auto u : out.learners) held[static_cast<std::size_t>(u)] = 1;
    std::vector<Triplet> train, test;
    for (index_t u = 0; u < interactions.rows; ++u) {
        const auto row = interactions.row(u);
        for (std::size_t j = 0; j < row.size(); ++j) {
            if (!held[static_cast<std::size_t>(u)])
                train.push_back({u, row.indices[j], row.weights[j]});
            else
                test.push_back({u, row.indices[j], row.weights[j]});
        }
    }
    out.train = CsrMatrix::from_triplets(interactions.rows, interactions.cols, train);
    out.test = CsrMatrix::from_triplets(interactions.rows, interactions.cols, test);
    return out;
}

}  // namespace learnrec
