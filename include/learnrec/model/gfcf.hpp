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
// Dense algebra (the range finder's Gram matrices and triangular products, V, and the courses x
// courses low-rank term, the bulk of the time) goes through OpenBLAS (sgemm, ssyrk, strmm on
// OpenBLAS's threads; see learnrec/detail/dense_blas.hpp for how its thread count is set) when
// learnrec was built with it, else through Eigen and learnrec's own scoring kernel on num_threads
// threads; the sparse products always run on num_threads threads. fit_gfcf is compiled into
// learnrec::learnrec (it is not part of the header-only core).
// Thread safety: immutable after construction. Complexity: O(sum_u deg(u)^2) for R~'R~,
// O(nnz (rank + oversample) (2 power_iterations + 2)) for the SVD, O(courses^2 rank) for the
// low-rank term; memory 4 courses^2 bytes (checked against memory_budget_bytes before allocating).
#pragma once

#include "learnrec/types.hpp"  // first: it configures Eigen (EIGEN_DONT_PARALLELIZE) before Eigen is seen

#include "learnrec/detail/dense_blas.hpp"
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

/// Builds GF-CF from a learners x courses matrix (positive entries are the interactions). Throws
/// Error when the dense course matrix would exceed the memory budget (naming the sizes).
GfcfModel fit_gfcf(const CsrView& interactions, const GfcfConfig& config = {});

namespace detail {
/// fit_gfcf with the dense algebra on a chosen backend (tests and benchmarks compare the two;
/// fit_gfcf uses default_dense_backend()). Throws Error for DenseBackend::blas when learnrec has
/// no BLAS.
GfcfModel fit_gfcf_with(const CsrView& interactions, const GfcfConfig& config, DenseBackend backend);
}  // namespace detail

}  // namespace learnrec
