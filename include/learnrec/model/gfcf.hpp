// learnrec — GF-CF (Shen et al., "How Powerful is Graph Convolution for Recommendation?", CIKM 2021):
// a closed-form graph filter, no training loop.
//
// With R the binary learner x course matrix (positive feedback), D_U, D_I its row and column
// degrees, and R~ = D_U^-1/2 R D_I^-1/2:
//     B = R~' R~  +  alpha * D_I^-1/2 V V' D_I^1/2
// where V holds the top `rank` right singular vectors of R~ (an "ideal low-pass filter"), and a
// learner with binary history r scores r B (see ItemItemModel). The singular vectors come from a
// randomized range finder (Halko, Martinsson & Tropp 2011) with power iterations and
// Cholesky-QR2 orthonormalisation, all from the seed, so results are reproducible.
// Thread safety: immutable after construction. Complexity: O(sum_u deg(u)^2) for R~'R~,
// O(nnz (rank + oversample) (2 power_iterations + 2)) for the SVD, O(courses^2 rank) for the
// low-rank term; memory 4 courses^2 bytes (checked against memory_budget_bytes before allocating).
#pragma once

#include <chrono>
#include <numbers>
#include <random>

#include "learnrec/types.hpp"  // first: it configures Eigen (EIGEN_DONT_PARALLELIZE) before Eigen is seen

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "learnrec/detail/kernels.hpp"
#include "learnrec/detail/parallel.hpp"
#include "learnrec/detail/score_kernel.hpp"
#include "learnrec/model/item_item.hpp"

namespace learnrec {

struct GfcfConfig {
    float alpha = 0.3f;                 // weight of the ideal low-pass term (0: linear filter only)
    index_t rank = 256;                 // singular vectors in the ideal low-pass filter
    index_t oversample = 64;            // extra range-finder columns for accuracy of the top `rank`
    int power_iterations = 4;
    std::uint64_t seed = 42;
    int num_threads = 0;
    std::size_t memory_budget_bytes = 0;  // 0: three quarters of physical memory

    void validate() const {
        LEARNREC_CHECK(std::isfinite(alpha) && alpha >= 0.0f, "alpha must be finite and >= 0, got {}", alpha);
        LEARNREC_CHECK(rank >= 0, "rank must be >= 0, got {}", rank);
        LEARNREC_CHECK(oversample >= 0, "oversample must be >= 0, got {}", oversample);
        LEARNREC_CHECK(power_iterations >= 0, "power_iterations must be >= 0, got {}", power_iterations);
        detail::check_num_threads(num_threads);
    }
};

class GfcfModel final : public ConfiguredItemItemModel<GfcfConfig> {
public:
    /// (train_rows, B, config): the training query rows and B.
    using ConfiguredItemItemModel::ConfiguredItemItemModel;
    /// The kind() of every instance, known without one (used by load_as<M>).
    static constexpr std::string_view kind_name = "gfcf";
    std::string_view kind() const noexcept override { return kind_name; }
};

namespace detail {

/// out = S * dense for a CSR S (rows x k) and a row-major dense (k x l), in parallel over rows.
inline RowMatrix sparse_times_dense(const CsrView& s, const RowMatrix& dense, int threads) {
    RowMatrix out = RowMatrix::Zero(s.rows, dense.cols());
    parallel_for(0, s.rows, threads, [&](std::int64_t r) {
        const auto row = s.row(static_cast<index_t>(r));
        auto o = out.row(r);
        for (std::size_t j = 0; j < row.size(); ++j) o.noalias() += row.weights[j] * dense.row(row.indices[j]);
    }, 64);
    return out;
}

/// Orthonormalises the columns of Y in place (Cholesky-QR, applied twice for accuracy).
inline void orthonormalize(RowMatrix& Y, int threads) {
    for (int pass = 0; pass < 2; ++pass) {
        Eigen::MatrixXd g = gram(Y, threads).cast<double>();
        // A tiny shift keeps the factorisation defined when Y is numerically rank deficient.
        g.diagonal().array() += 1e-12 * std::max(1e-30, g.trace());
        Eigen::LLT<Eigen::MatrixXd> llt(g);
        LEARNREC_CHECK(llt.info() == Eigen::Success, "range finder lost rank; lower rank or oversample");
        const Eigen::MatrixXd inv_u = llt.matrixU().solve(Eigen::MatrixXd::Identity(g.rows(), g.cols()));
        const Eigen::MatrixXf inv = inv_u.cast<float>();
        const auto rows = Y.rows();
        const std::int64_t chunks = (rows + 1023) / 1024;
        parallel_for(0, chunks, threads, [&](std::int64_t c) {
            const auto b = c * 1024, n = std::min<Eigen::Index>(1024, rows - b);
            RowMatrix block = Y.middleRows(b, n) * inv;
            Y.middleRows(b, n) = block;
        });
    }
}

}  // namespace detail

/// Builds GF-CF from a learners x courses matrix (positive entries are the interactions).
inline GfcfModel fit_gfcf(const CsrView& interactions, const GfcfConfig& config = {}) {
    config.validate();
    interactions.validate("interactions");
    const int threads = detail::resolve_threads(config.num_threads);
    const index_t m = interactions.rows, n = interactions.cols;
    const std::size_t budget = config.memory_budget_bytes ? config.memory_budget_bytes
                                                          : detail::physical_memory_bytes() / 4 * 3;
    detail::check_dense_item_budget(n, static_cast<std::size_t>(interactions.nnz()) * 24, budget ? budget : SIZE_MAX,
                                    "GF-CF");

    // Binary positives, normalised by sqrt of both degrees.
    CsrMatrix binary = detail::binary_positive_rows(interactions);
    Vector du = Vector::Zero(m), di = Vector::Zero(n);
    for (index_t u = 0; u < m; ++u) {
        const auto row = binary.row(u);
        du[u] = static_cast<float>(row.size());
        for (auto i : row.indices) di[i] += 1.0f;
    }
    std::vector<float> values(binary.data().size());
    for (index_t u = 0; u < m; ++u) {
        const auto row = binary.row(u);
        const auto base = static_cast<std::size_t>(binary.indptr()[static_cast<std::size_t>(u)]);
        for (std::size_t j = 0; j < row.size(); ++j)
            values[base + j] = 1.0f / std::sqrt(du[u] * di[row.indices[j]]);
    }
    const CsrMatrix norm(m, n, binary.indptr(), binary.indices(), std::move(values));
    const CsrMatrix norm_t = norm.transpose();

    // Linear filter R~' R~, one course row per task (deterministic for any thread count).
    RowMatrix B = detail::large_zero_matrix(n, n, threads);
    detail::parallel_for(0, n, threads, [&](std::int64_t i) {
        float* out = B.row(i).data();
        const auto col = norm_t.row(static_cast<index_t>(i));
        for (std::size_t a = 0; a < col.size(); ++a) {
            const auto row = norm.row(col.indices[a]);
            const float w = col.weights[a];
            for (std::size_t b = 0; b < row.size(); ++b) out[row.indices[b]] += w * row.weights[b];
        }
    }, 16);

    const index_t width = std::min<index_t>(config.rank + config.oversample, std::min(m, n));
    const index_t rank = std::min(config.rank, width);
    if (config.alpha > 0.0f && rank > 0) {
        // Randomized range finder for R~ (m x n): Y = R~ Omega, refined by power iterations.
        std::mt19937_64 rng(config.seed);
        RowMatrix omega(n, width);
        for (Eigen::Index k = 0; k < omega.size(); k += 2) {  // Box-Muller from the seed only
            const double u1 = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
            const double u2 = static_cast<double>(rng() >> 11) * 0x1.0p-53;
            const double r = std::sqrt(-2.0 * std::log(u1));
            omega.data()[k] = static_cast<float>(r * std::cos(2.0 * std::numbers::pi * u2));
            if (k + 1 < omega.size()) omega.data()[k + 1] = static_cast<float>(r * std::sin(2.0 * std::numbers::pi * u2));
        }
        RowMatrix Y = detail::sparse_times_dense(norm, omega, threads);
        detail::orthonormalize(Y, threads);
        for (int it = 0; it < config.power_iterations; ++it) {
            RowMatrix Z = detail::sparse_times_dense(norm_t, Y, threads);
            detail::orthonormalize(Z, threads);
            Y = detail::sparse_times_dense(norm, Z, threads);
            detail::orthonormalize(Y, threads);
        }
        // Z = R~' Q (n x width); the right singular vectors of R~ are those of Z' = Q' R~.
        const RowMatrix Z = detail::sparse_times_dense(norm_t, Y, threads);
        const Eigen::MatrixXd ztz = detail::gram(Z, threads).cast<double>();
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(ztz);
        LEARNREC_CHECK(eig.info() == Eigen::Success, "eigen-decomposition of the {} x {} projection failed", width,
                       width);
        // Eigenvalues ascend: the top `rank` are the last columns.
        Eigen::MatrixXf W(width, rank);
        for (index_t k = 0; k < rank; ++k) {
            const auto src = width - 1 - k;
            const double sigma2 = eig.eigenvalues()[src];
            const double inv_sigma = sigma2 > 0.0 ? 1.0 / std::sqrt(sigma2) : 0.0;
            W.col(k) = (eig.eigenvectors().col(src) * inv_sigma).cast<float>();
        }
        RowMatrix V = Z * W;  // n x rank, orthonormal columns

        // Ideal low-pass term alpha D^-1/2 V V' D^1/2, added row block by row block.
        RowMatrix left(n, rank), right(n, rank);
        for (index_t i = 0; i < n; ++i) {
            const float d = di[i];
            left.row(i) = V.row(i) * (d > 0.0f ? config.alpha / std::sqrt(d) : 0.0f);
            right.row(i) = V.row(i) * std::sqrt(d);
        }
        const auto packed = detail::PackedPanels::pack(right);
        const std::int64_t blocks = (n + 63) / 64;
        detail::parallel_for(0, blocks, threads, [&](std::int64_t blk) {
            const auto i0 = static_cast<index_t>(blk * 64);
            const auto rows = std::min<index_t>(64, n - i0);
            thread_local std::vector<float> tile;
            tile.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(n));
            detail::score_panels(left.row(i0).data(), static_cast<std::size_t>(rank), rows, packed, 0, n, tile.data(),
                                 static_cast<std::size_t>(n));
            for (index_t r = 0; r < rows; ++r)
                B.row(i0 + r) += Eigen::Map<const Eigen::RowVectorXf>(tile.data() + static_cast<std::size_t>(r) * n, n);
        });
    }
    return GfcfModel(std::move(binary), std::move(B), config);
}

}  // namespace learnrec
