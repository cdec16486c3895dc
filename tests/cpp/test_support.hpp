// Shared random-data helpers and oracles for the core tests (top-k, ALS, data, eval).
// Everything is seeded explicitly; nothing here depends on the thread count.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "learnrec/data/csr.hpp"
#include "learnrec/types.hpp"

namespace learnrec::test_support {

/// Uniform integer in [lo, hi] from a 64-bit engine, independent of the standard library's
/// distribution implementations (so the data is the same everywhere).
inline std::int64_t uniform_int(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
}
/// Uniform double in [0, 1).
inline double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

/// rows x d factors, uniform in [-1, 1).
inline RowMatrix random_factors(index_t rows, index_t d, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    RowMatrix m(rows, d);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(2.0 * uniform01(rng) - 1.0);
    return m;
}

/// rows x d factors with integer values in [-range, range]: dot products are exact in float and
/// many scores tie.
inline RowMatrix integer_factors(index_t rows, index_t d, int range, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    RowMatrix m(rows, d);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(uniform_int(rng, -range, range));
    return m;
}

/// Random learners x courses matrix: each row gets between min_per_row and max_per_row distinct
/// courses with weights in {1, 2, 3}; a fraction `negative` of entries get weight -1 instead.
inline CsrMatrix random_interactions(index_t rows, index_t cols, int min_per_row, int max_per_row, double negative,
                                     std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<Triplet> t;
    for (index_t u = 0; u < rows; ++u) {
        const auto n = uniform_int(rng, min_per_row, max_per_row);
        std::set<index_t> chosen;
        while (static_cast<std::int64_t>(chosen.size()) < std::min<std::int64_t>(n, cols))
            chosen.insert(static_cast<index_t>(uniform_int(rng, 0, cols - 1)));
        for (auto c : chosen) {
            const float w = uniform01(rng) < negative ? -1.0f : static_cast<float>(uniform_int(rng, 1, 3));
            t.push_back({u, c, w});
        }
    }
    return CsrMatrix::from_triplets(rows, cols, t);
}

/// Dense copy (rows x cols, zeros where absent) for brute-force oracles.
inline std::vector<std::vector<double>> to_dense(const CsrView& m) {
    std::vector<std::vector<double>> d(static_cast<std::size_t>(m.rows), std::vector<double>(static_cast<std::size_t>(m.cols), 0.0));
    for (index_t r = 0; r < m.rows; ++r) {
        const auto row = m.row(r);
        for (std::size_t j = 0; j < row.size(); ++j) d[static_cast<std::size_t>(r)][static_cast<std::size_t>(row.indices[j])] += row.weights[j];
    }
    return d;
}

/// Plain double-precision dot product of row a of A and row b of B.
inline double dot(const RowMatrix& A, index_t a, const RowMatrix& B, index_t b) {
    double s = 0.0;
    for (Eigen::Index k = 0; k < A.cols(); ++k) s += static_cast<double>(A(a, k)) * static_cast<double>(B(b, k));
    return s;
}

/// Cosine similarity in double; 0 when either vector is zero (as FactorModel documents).
inline double cosine(const RowMatrix& A, index_t a, const RowMatrix& B, index_t b) {
    const double na = std::sqrt(dot(A, a, A, a)), nb = std::sqrt(dot(B, b, B, b));
    if (na == 0.0 || nb == 0.0) return 0.0;
    return dot(A, a, B, b) / (na * nb);
}

struct Ranked {
    index_t id;
    double score;
};

/// The oracle: every eligible course with a non-NaN score, sorted by score descending then
/// index ascending (std::sort over the full list), truncated to k.
template <class Score, class Eligible>
std::vector<Ranked> full_sort_topk(index_t num_courses, index_t k, Score&& score, Eligible&& eligible) {
    std::vector<Ranked> all;
    for (index_t c = 0; c < num_courses; ++c) {
        if (!eligible(c)) continue;
        const double s = score(c);
        if (std::isnan(s)) continue;
        all.push_back({c, s});
    }
    std::sort(all.begin(), all.end(), [](const Ranked& a, const Ranked& b) {
        return a.score > b.score || (a.score == b.score && a.id < b.id);
    });
    if (all.size() > static_cast<std::size_t>(k)) all.resize(static_cast<std::size_t>(k));
    return all;
}

inline std::vector<index_t> iota_indices(index_t n, index_t first = 0) {
    std::vector<index_t> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), first);
    return v;
}

/// Sorted, distinct random subset of [0, n) of the given size.
inline std::vector<index_t> random_subset(index_t n, std::size_t size, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::set<index_t> s;
    while (s.size() < size) s.insert(static_cast<index_t>(uniform_int(rng, 0, n - 1)));
    return {s.begin(), s.end()};
}

inline double max_abs_diff(const RowMatrix& a, const RowMatrix& b) {
    return static_cast<double>((a - b).cwiseAbs().maxCoeff());
}

/// Same shape and the same bits in every entry.
inline bool bit_identical(const RowMatrix& a, const RowMatrix& b) {
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(float)) == 0;
}

}  // namespace learnrec::test_support
