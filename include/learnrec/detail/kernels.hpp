// learnrec::detail — dense kernels shared by models and retrieval.
#pragma once

#include <vector>

#include "learnrec/types.hpp"  // first: it configures Eigen (EIGEN_DONT_PARALLELIZE) before Eigen is seen

#include <Eigen/Core>

namespace learnrec::detail {

using ConstRowMap = Eigen::Map<const RowMatrix, Eigen::Unaligned, Eigen::OuterStride<>>;
using RowMap = Eigen::Map<RowMatrix, Eigen::Unaligned, Eigen::OuterStride<>>;

/// out[i, j] = A[a0 + i] . B[b0 + j] for i < na, j < nb; out has leading dimension ld.
/// Runs on the calling thread (callers parallelise over tiles).
inline void gemm_nt(const RowMatrix& A, index_t a0, index_t na, const RowMatrix& B, index_t b0, index_t nb, float* out,
                    std::size_t ld) {
    RowMap C(out, na, nb, Eigen::OuterStride<>(static_cast<Eigen::Index>(ld)));
    if (A.cols() == 0) {
        C.setZero();
        return;
    }
    C.noalias() = A.middleRows(a0, na) * B.middleRows(b0, nb).transpose();
}

/// Gram matrix A^T A computed with `threads` threads. The rows are split into parts that depend
/// only on A's size, summed in part order, so the result is the same for any thread count.
RowMatrix gram(const RowMatrix& A, int threads);

}  // namespace learnrec::detail

#include "learnrec/detail/als_kernels.hpp"  // als_gram_rows: register tiles per instruction set
#include "learnrec/detail/parallel.hpp"

namespace learnrec::detail {
inline RowMatrix gram(const RowMatrix& A, int threads) {
    const auto d = A.cols();
    const auto n = A.rows();
    // The partition must not depend on `threads`: float sums in another grouping differ in the
    // last bits, and ALS promises the same factors whatever the thread count.
    const auto parts = std::max<Eigen::Index>(1, std::min<Eigen::Index>(n / 1024 + 1, 64));
    std::vector<Eigen::MatrixXf> partial(static_cast<std::size_t>(parts), Eigen::MatrixXf::Zero(d, d));
    parallel_for(0, parts, threads, [&](std::int64_t t) {
        const auto b = n * t / parts, e = n * (t + 1) / parts;
        // Symmetric, so its row-major result is also the column-major one.
        if (e > b)
            als_gram_rows(partial[static_cast<std::size_t>(t)].data(), A.row(b).data(), static_cast<std::size_t>(e - b),
                          static_cast<index_t>(d));
    });
    Eigen::MatrixXf sum = Eigen::MatrixXf::Zero(d, d);
    for (auto& p : partial) sum += p;
    return sum;
}
}  // namespace learnrec::detail
