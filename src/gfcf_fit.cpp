// learnrec — fitting GF-CF (see learnrec/model/gfcf.hpp): the linear filter, the randomized range
// finder for the top singular vectors, and the ideal low-pass term, with the dense algebra on the
// chosen backend.
#include "learnrec/model/gfcf.hpp"

#include <numbers>
#include <random>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "learnrec/detail/kernels.hpp"
#include "learnrec/detail/parallel.hpp"
#include "learnrec/detail/score_kernel.hpp"

namespace learnrec {

namespace detail {
namespace {

/// out = S * dense for a CSR S (rows x k) and a row-major dense (k x l), in parallel over rows.
RowMatrix sparse_times_dense(const CsrView& s, const RowMatrix& dense, int threads) {
    RowMatrix out = RowMatrix::Zero(s.rows, dense.cols());
    parallel_for(0, s.rows, threads, [&](std::int64_t r) {
        const auto row = s.row(static_cast<index_t>(r));
        auto o = out.row(r);
        for (std::size_t j = 0; j < row.size(); ++j) o.noalias() += row.weights[j] * dense.row(row.indices[j]);
    }, 64);
    return out;
}

RowMatrix gram_on(const RowMatrix& y, int threads, DenseBackend backend) {
    return backend == DenseBackend::blas ? blas_gram(y) : gram(y, threads);
}

/// Orthonormalises the columns of Y in place (Cholesky-QR, applied twice for accuracy).
void orthonormalize(RowMatrix& Y, int threads, DenseBackend backend) {
    for (int pass = 0; pass < 2; ++pass) {
        Eigen::MatrixXd g = gram_on(Y, threads, backend).cast<double>();
        // A tiny shift keeps the factorisation defined when Y is numerically rank deficient.
        g.diagonal().array() += 1e-12 * std::max(1e-30, g.trace());
        Eigen::LLT<Eigen::MatrixXd> llt(g);
        LEARNREC_CHECK(llt.info() == Eigen::Success, "range finder lost rank; lower rank or oversample");
        const Eigen::MatrixXd inv_u = llt.matrixU().solve(Eigen::MatrixXd::Identity(g.rows(), g.cols()));
        if (backend == DenseBackend::blas) {
            const RowMatrix inv = inv_u.cast<float>();
            blas_times_upper_inplace(Y, inv);
            continue;
        }
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

/// B += left * right' (B courses x courses, left and right courses x rank, all row-major).
void add_low_rank(RowMatrix& B, const RowMatrix& left, const RowMatrix& right, int threads, DenseBackend backend) {
    const auto n = static_cast<index_t>(B.rows());
    const auto rank = static_cast<index_t>(left.cols());
    if (backend == DenseBackend::blas) {
        blas_gemm_abt(n, n, rank, 1.0f, left.data(), rank, right.data(), rank, 1.0f, B.data(), n);
        return;
    }
    const auto packed = PackedPanels::pack(right);
    const std::int64_t blocks = (n + 63) / 64;
    parallel_for(0, blocks, threads, [&](std::int64_t blk) {
        const auto i0 = static_cast<index_t>(blk * 64);
        const auto rows = std::min<index_t>(64, n - i0);
        thread_local std::vector<float> tile;
        tile.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(n));
        score_panels(left.row(i0).data(), static_cast<std::size_t>(rank), rows, packed, 0, n, tile.data(),
                     static_cast<std::size_t>(n));
        for (index_t r = 0; r < rows; ++r)
            B.row(i0 + r) += Eigen::Map<const Eigen::RowVectorXf>(tile.data() + static_cast<std::size_t>(r) * n, n);
    });
}

}  // namespace

GfcfModel fit_gfcf_with(const CsrView& interactions, const GfcfConfig& config, DenseBackend backend) {
    config.validate();
    interactions.validate("interactions");
    const int threads = resolve_threads(config.num_threads);
    const index_t m = interactions.rows, n = interactions.cols;
    const std::size_t budget =
        config.memory_budget_bytes ? config.memory_budget_bytes : physical_memory_bytes() / 4 * 3;
    check_dense_item_budget(n, static_cast<std::size_t>(interactions.nnz()) * 24, budget ? budget : SIZE_MAX, "GF-CF");

    // Binary positives, normalised by sqrt of both degrees.
    CsrMatrix binary = binary_positive_rows(interactions);
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
    RowMatrix B = large_zero_matrix(n, n, threads);
    parallel_for(0, n, threads, [&](std::int64_t i) {
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
        RowMatrix Y = sparse_times_dense(norm, omega, threads);
        orthonormalize(Y, threads, backend);
        for (int it = 0; it < config.power_iterations; ++it) {
            RowMatrix Z = sparse_times_dense(norm_t, Y, threads);
            orthonormalize(Z, threads, backend);
            Y = sparse_times_dense(norm, Z, threads);
            orthonormalize(Y, threads, backend);
        }
        // Z = R~' Q (n x width); the right singular vectors of R~ are those of Z' = Q' R~.
        const RowMatrix Z = sparse_times_dense(norm_t, Y, threads);
        const Eigen::MatrixXd ztz = gram_on(Z, threads, backend).cast<double>();
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
        RowMatrix V(n, rank);  // orthonormal columns
        if (backend == DenseBackend::blas)  // W column-major is W' row-major: V = Z (W')'
            blas_gemm_abt(n, rank, width, 1.0f, Z.data(), width, W.data(), width, 0.0f, V.data(), rank);
        else
            V.noalias() = Z * W;

        // Ideal low-pass term alpha D^-1/2 V V' D^1/2.
        RowMatrix left(n, rank), right(n, rank);
        for (index_t i = 0; i < n; ++i) {
            const float d = di[i];
            left.row(i) = V.row(i) * (d > 0.0f ? config.alpha / std::sqrt(d) : 0.0f);
            right.row(i) = V.row(i) * std::sqrt(d);
        }
        add_low_rank(B, left, right, threads, backend);
    }
    return GfcfModel(std::move(binary), std::move(B), config);
}

}  // namespace detail

GfcfModel fit_gfcf(const CsrView& interactions, const GfcfConfig& config) {
    return detail::fit_gfcf_with(interactions, config, detail::default_dense_backend());
}

}  // namespace learnrec
