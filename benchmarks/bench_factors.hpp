// learnrec benchmarks — random factor matrices shared by the kernel benchmarks (bench_topk,
// bench_scoring_blas), so both score the same values for the same shape and seed.
#pragma once

#include <cstdint>
#include <random>

#include "learnrec/types.hpp"

namespace learnrec::bench {

/// rows x d floats uniform in [-1, 1), from a 64-bit Mersenne twister seeded with `seed`.
inline RowMatrix random_factors(index_t rows, index_t d, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    RowMatrix m(rows, d);
    for (Eigen::Index i = 0; i < m.size(); ++i)
        m.data()[i] = static_cast<float>(static_cast<double>(rng() >> 11) * 0x1.0p-53 * 2.0 - 1.0);
    return m;
}

}  // namespace learnrec::bench
