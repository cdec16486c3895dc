// learnrec — train/test splits.
//
// holdout_split: for every learner, a fraction of their positive interactions (rounded, at
// least one when they have two or more positives, never all) moves to test; negative feedback
// always stays in train. The choice for a learner depends only on (seed, learner index), so the
// split is the same whatever the thread count or the order of other learners.
// Thread safety: pure functions. Complexity: O(nnz).
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
}  // namespace detail

inline Split holdout_split(const CsrView& user_items, double test_fraction, std::uint64_t seed) {
    user_items.validate("user_items");
    LEARNREC_CHECK(test_fraction > 0.0 && test_fraction < 1.0, "test_fraction must be in (0, 1), got {}",
                   test_fraction);
    std::vector<Triplet> train, test;
    train.reserve(static_cast<std::size_t>(user_items.nnz()));
    std::vector<std::size_t> positives;
    for (index_t u = 0; u < user_items.rows; ++u) {
        const auto row = user_items.row(u);
        positives.clear();
        for (std::size_t j = 0; j < row.size(); ++j) {
            if (row.weights[j] > 0.0f)
                positives.push_back(j);
            else
                train.push_back({u, row.indices[j], row.weights[j]});
        }
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
        for (std::size_t i = 0; i < positives.size(); ++i) {
            const auto j = positives[i];
            (i < n_test ? test : train).push_back({u, row.indices[j], row.weights[j]});
        }
    }
    return {CsrMatrix::from_triplets(user_items.rows, user_items.cols, train),
            CsrMatrix::from_triplets(user_items.rows, user_items.cols, test)};
}

}  // namespace learnrec
