// learnrec — internal: what the SGD trainers (BPR, hybrid) share: a small generator and the
// positive rows they sample from.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "learnrec/data/csr.hpp"

namespace learnrec::detail {

/// splitmix64: a small, fast, fully specified generator (one per thread).
struct BprRng {
    std::uint64_t state;
    explicit BprRng(std::uint64_t seed) noexcept : state(seed) {}
    std::uint64_t next() noexcept {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, n) for n < 2^32 (Lemire's multiply-shift; bias below 2^-32 * n).
    std::uint32_t below(std::uint64_t n) noexcept { return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32); }
    /// Uniform in [0, 1).
    float uniform() noexcept { return static_cast<float>(next() >> 40) * 0x1.0p-24f; }
};

inline std::uint64_t bpr_mix(std::uint64_t a, std::uint64_t b) noexcept {
    BprRng r(a ^ (b * 0xd1b54a32d192ed03ULL));
    r.next();
    return r.next();
}

/// The generators of an SGD trainer: one shuffles the visiting order each epoch, and one per
/// thread draws samples; `thread_stream` keeps two trainers' thread streams apart.
struct SgdStreams {
    BprRng shuffle{0};
    std::vector<BprRng> threads;

    SgdStreams() = default;
    SgdStreams(std::uint64_t seed, std::uint64_t thread_stream, int count) : shuffle(bpr_mix(seed, 0x5eed)) {
        for (int t = 0; t < count; ++t) threads.emplace_back(bpr_mix(seed, thread_stream + static_cast<std::uint64_t>(t)));
    }
    /// Fisher-Yates with our own bounded draw (std::shuffle's use of the engine is unspecified).
    template <class T>
    void shuffle_order(std::vector<T>& order) noexcept {
        for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[shuffle.below(i)]);
    }
};

/// Learner rows reduced to their positive courses, binary, sorted.
inline CsrMatrix bpr_positive_rows(const CsrView& rows) {
    std::vector<offset_t> indptr(static_cast<std::size_t>(rows.rows) + 1, 0);
    std::vector<index_t> indices;
    indices.reserve(static_cast<std::size_t>(rows.nnz()));
    for (index_t r = 0; r < rows.rows; ++r) {
        const auto row = rows.row(r);
        for (std::size_t j = 0; j < row.size(); ++j)
            if (row.weights[j] > 0.0f) indices.push_back(row.indices[j]);
        indptr[static_cast<std::size_t>(r) + 1] = static_cast<offset_t>(indices.size());
    }
    std::vector<float> ones(indices.size(), 1.0f);
    // The CsrMatrix constructor sorts rows and sums duplicates (a view may hold either).
    CsrMatrix m(rows.rows, rows.cols, std::move(indptr), std::move(indices), std::move(ones));
    if (m.data().empty() || std::all_of(m.data().begin(), m.data().end(), [](float w) { return w == 1.0f; })) return m;
    std::vector<float> binary(m.data().size(), 1.0f);
    return CsrMatrix(m.rows(), m.cols(), m.indptr(), m.indices(), std::move(binary));
}

}  // namespace learnrec::detail
