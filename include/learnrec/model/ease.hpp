// learnrec — EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019).
//
// With X the learners x courses matrix (see EaseWeights) and lambda the L2 penalty:
//     P = (X'X + lambda I)^-1,    B = I - P diag(1 / diag(P)),   so diag(B) = 0,
// the closed-form solution of min |X - X B|^2 + lambda |B|^2 subject to diag(B) = 0. A learner
// with row x scores x B (ItemItemModel): score(c) = sum over the row (i, w) of w * B[i, c].
//  - Weights: `binary` (default) turns positive feedback into 1 and leaves negative feedback out;
//    `as_given` uses the weights as they are, negative feedback included with its sign. Queries
//    (training rows and fold-in rows) are transformed the same way.
//  - Computed in place in one dense courses x courses float32 matrix: the Gram matrix is built in
//    it (sparse, parallel over courses on num_threads threads), then inverted in place and turned
//    into B. The inverse goes through LAPACK (OpenBLAS's spotrf + spotri: Cholesky, then
//    L^-T L^-1, on OpenBLAS's threads; see learnrec/detail/dense_blas.hpp for how its thread
//    count is set) when learnrec was built with OpenBLAS, else through learnrec's blocked Eigen
//    code (spd_inverse_inplace below, tile products in parallel on num_threads threads). Single
//    precision both ways: B is stored as float32, and a double inverse would need a second
//    8 * courses^2 bytes (13.4 GB at 40,981 courses) instead of working in B's own memory.
//    fit_ease is compiled into learnrec::learnrec (it is not part of the header-only core).
//  - Memory: 4 * courses^2 bytes for B, plus the stored training rows (12 bytes per non-zero,
//    kept so learner_queries() can score learners seen in training), plus a transposed copy of X
//    and a courses x 256 panel while fitting. fit_ease checks this against memory_budget_bytes
//    before allocating and fails with the numbers.
//  - Fold-in is exact and free: the row is the query.
//  - Similar courses: row i of B, what taking course i adds to every course's score (B is not
//    symmetric; the course itself scores 0).
// Thread safety: EaseModel is immutable; all members may be called concurrently.
// Complexity: O(sum over learners of |row|^2) for the Gram matrix, O(courses^3) for the inverse
// (about courses^3 flops); scoring a query costs O(|row| * courses).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "learnrec/detail/dense_blas.hpp"
#include "learnrec/detail/parallel.hpp"
#include "learnrec/model/item_item.hpp"

namespace learnrec {

enum class EaseWeights {
    binary,    // positive feedback -> 1, negative feedback left out
    as_given,  // the interaction weights as they are (negative feedback kept with its sign)
};

struct EaseConfig {
    float lambda = 200.0f;                // L2 penalty added to the Gram matrix's diagonal
    EaseWeights weights = EaseWeights::binary;
    int num_threads = 0;                  // 0: every processor
    std::size_t memory_budget_bytes = 0;  // 0: three quarters of physical memory

    void validate() const {
        LEARNREC_CHECK(std::isfinite(lambda) && lambda > 0.0f, "lambda must be finite and > 0, got {}", lambda);
        detail::check_num_threads(num_threads);
    }
};

class EaseModel final : public ConfiguredItemItemModel<EaseConfig> {
public:
    /// (train_rows, B, config): the training rows already transformed by config.weights (see
    /// ease_rows) and B (courses x courses, row i = what course i adds).
    using ConfiguredItemItemModel::ConfiguredItemItemModel;
    /// The kind() of every instance, known without one (used by load_as<M>).
    static constexpr std::string_view kind_name = "ease";
    std::string_view kind() const noexcept override { return kind_name; }

    QueryBlock fold_in(const CsrView& rows, int /*num_threads*/ = 0) const override {
        return detail::history_fold_in(rows, num_courses(),
                                       [&](const CsrView& r) { return ease_rows(r, config().weights); });
    }

    /// Interaction rows as EASE sees them (the X of the header comment).
    static CsrMatrix ease_rows(const CsrView& rows, EaseWeights weights) {
        return weights == EaseWeights::binary ? detail::binary_positive_rows(rows) : CsrMatrix::copy_of(rows);
    }
};

namespace detail {

/// Replaces a symmetric positive definite n x n matrix by its inverse, in place. The matrix is
/// column-major with leading dimension n; only the lower triangle is read, and on return the lower
/// triangle holds the inverse (the strict upper triangle is left with scratch values). Blocked in
/// `block` x `block` tiles: Cholesky A = L L' (Eigen's in-place LLT on diagonal tiles), L <- L^-1,
/// then A^-1 = L^-T L^-1, each step's tile products in parallel on `threads` threads.
/// Throws Error when A is not numerically positive definite.
inline void spd_inverse_inplace(float* a, Eigen::Index n, int threads, Eigen::Index block = 256) {
    using Index = Eigen::Index;
    using ColMap = Eigen::Map<Eigen::MatrixXf, 0, Eigen::OuterStride<>>;
    if (n == 0) return;
    const Index nt = (n + block - 1) / block;
    const auto start = [&](Index t) { return t * block; };
    const auto size = [&](Index t) { return std::min(block, n - t * block); };
    const auto blk = [&](Index r0, Index c0, Index rows, Index cols) {
        return ColMap(a + c0 * n + r0, rows, cols, Eigen::OuterStride<>(n));
    };

    // 1. Right-looking blocked Cholesky.
    for (Index k = 0; k < nt; ++k) {
        const Index k0 = start(k), kb = size(k);
        ColMap akk = blk(k0, k0, kb, kb);
        {
            Eigen::LLT<Eigen::Ref<Eigen::MatrixXf>> llt(akk);
            LEARNREC_CHECK(llt.info() == Eigen::Success,
                           "the {} x {} matrix is not numerically positive definite (pivot block at row {}); "
                           "raise lambda",
                           n, n, k0);
        }
        if (k + 1 == nt) break;
        parallel_for(k + 1, nt, threads, [&](std::int64_t i) {
            ColMap panel = blk(start(i), k0, size(i), kb);
            akk.triangularView<Eigen::Lower>().transpose().solveInPlace<Eigen::OnTheRight>(panel);
        });
        parallel_for(k + 1, nt, threads, [&](std::int64_t j) {
            const Index j0 = start(j), jb = size(j);
            blk(j0, j0, n - j0, jb).noalias() -= blk(j0, k0, n - j0, kb) * blk(j0, k0, jb, kb).transpose();
        });
    }

    // 2. L <- L^-1, block columns from last to first: X21 = -X22 L21 X11.
    for (Index j = nt - 1; j >= 0; --j) {
        const Index j0 = start(j), jb = size(j);
        ColMap ljj = blk(j0, j0, jb, jb);
        Eigen::MatrixXf inv = Eigen::MatrixXf::Identity(jb, jb);
        ljj.triangularView<Eigen::Lower>().solveInPlace(inv);
        const Index r0 = j0 + jb;
        if (r0 < n) {
            const Eigen::MatrixXf panel = blk(r0, j0, n - r0, jb);  // L21, overwritten below
            parallel_for(j + 1, nt, threads, [&](std::int64_t i) {
                const Index i0 = start(i), ib = size(i);
                Eigen::MatrixXf acc = blk(i0, i0, ib, ib).triangularView<Eigen::Lower>() * panel.middleRows(i0 - r0, ib);
                if (i0 > r0) acc.noalias() += blk(i0, r0, ib, i0 - r0) * panel.topRows(i0 - r0);
                blk(i0, j0, ib, jb).noalias() = -(acc * inv.triangularView<Eigen::Lower>());
            });
        }
        ljj.triangularView<Eigen::Lower>() = inv;
    }

    // 3. A^-1 = X' X with X = L^-1 (lower): (A^-1)_ij = sum_{m >= i} X_mi' X_mj, block columns in order.
    for (Index j = 0; j < nt; ++j) {
        const Index j0 = start(j), jb = size(j);
        Eigen::MatrixXf panel = blk(j0, j0, n - j0, jb);  // X[j0:, j], overwritten below
        panel.topRows(jb).triangularView<Eigen::StrictlyUpper>().setZero();
        parallel_for(j, nt, threads, [&](std::int64_t i) {
            const Index i0 = start(i), ib = size(i);
            Eigen::MatrixXf acc;
            if (i == j) {
                acc.noalias() = panel.transpose() * panel;
            } else {
                acc.noalias() = blk(i0, i0, ib, ib).triangularView<Eigen::Lower>().transpose() *
                                panel.middleRows(i0 - j0, ib);
                const Index r = i0 + ib;
                if (r < n) acc.noalias() += blk(r, i0, n - r, ib).transpose() * panel.bottomRows(n - r);
            }
            blk(i0, j0, ib, jb) = acc;
        });
    }
}

/// Lower triangle of X'X (column-major, leading dimension n) accumulated into `a`, which must be
/// zero; parallel over courses (one column per task, deterministic for any thread count).
inline void gram_lower_inplace(const CsrMatrix& x, const CsrMatrix& xt, float* a, int threads) {
    const auto n = static_cast<std::size_t>(x.cols());
    parallel_for(0, x.cols(), threads, [&](std::int64_t c) {
        float* column = a + static_cast<std::size_t>(c) * n;
        const auto users = xt.row(static_cast<index_t>(c));
        for (std::size_t k = 0; k < users.size(); ++k) {
            const auto row = x.row(users.indices[k]);
            const float w = users.weights[k];
            auto first = static_cast<std::size_t>(
                std::lower_bound(row.indices.begin(), row.indices.end(), static_cast<index_t>(c)) - row.indices.begin());
            for (std::size_t j = first; j < row.size(); ++j) column[row.indices[j]] += w * row.weights[j];
        }
    }, 4);
}

/// Turns the lower triangle of P (column-major) into B^T = -diag(1/diag(P)) P with a zero diagonal,
/// written over the whole matrix, so that the same memory read row-major is B.
inline void ease_b_from_inverse(float* a, Eigen::Index n, int threads, Eigen::Index block = 256) {
    std::vector<float> inv_diag(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) inv_diag[static_cast<std::size_t>(i)] = 1.0f / a[i * n + i];
    const Eigen::Index nt = (n + block - 1) / block;
    parallel_for(0, nt, threads, [&](std::int64_t tj) {
        const Eigen::Index c0 = tj * block, c1 = std::min(n, c0 + block);
        for (Eigen::Index c = c0; c < c1; ++c) a[c * n + c] = 0.0f;
        // Tile by tile below the diagonal, so the transposed writes stay in cache.
        for (Eigen::Index r0 = c0; r0 < n; r0 += block) {
            const Eigen::Index r1 = std::min(n, r0 + block);
            for (Eigen::Index c = c0; c < c1; ++c) {
                float* column = a + c * n;
                const float dc = inv_diag[static_cast<std::size_t>(c)];
                for (Eigen::Index r = std::max(r0, c + 1); r < r1; ++r) {
                    const float v = column[r];
                    column[r] = -v * inv_diag[static_cast<std::size_t>(r)];
                    a[r * n + c] = -v * dc;
                }
            }
        }
    });
}

}  // namespace detail

/// Fits EASE on a learners x courses matrix; see the header comment. Throws Error when the dense
/// course matrix would exceed the memory budget (naming the sizes) or the system is not positive
/// definite.
EaseModel fit_ease(const CsrView& interactions, const EaseConfig& config = {});

namespace detail {
/// fit_ease with the inverse on a chosen backend (tests and benchmarks compare the two; fit_ease
/// uses default_dense_backend()). Throws Error for DenseBackend::blas when learnrec has no BLAS.
EaseModel fit_ease_with(const CsrView& interactions, const EaseConfig& config, DenseBackend backend);
}  // namespace detail

}  // namespace learnrec
