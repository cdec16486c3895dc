// learnrec — fitting EASE (see learnrec/model/ease.hpp): the sparse Gram matrix, its in-place
// inverse on the chosen backend, and B.
#include "learnrec/model/ease.hpp"

namespace learnrec {

namespace detail {

EaseModel fit_ease_with(const CsrView& interactions, const EaseConfig& config, DenseBackend backend) {
    config.validate();
    interactions.validate("interactions");
    const int threads = resolve_threads(config.num_threads);
    const index_t n = interactions.cols;
    const std::size_t budget =
        config.memory_budget_bytes ? config.memory_budget_bytes : physical_memory_bytes() / 4 * 3;
    // The Eigen path's courses x 256 panel copies; LAPACK's buffers are smaller.
    const std::size_t extra = static_cast<std::size_t>(interactions.nnz()) * 24 +
                              static_cast<std::size_t>(n) * 256 * sizeof(float) * 2;
    check_dense_item_budget(n, extra, budget ? budget : SIZE_MAX, "EASE");

    CsrMatrix x = EaseModel::ease_rows(interactions, config.weights);
    RowMatrix b = large_zero_matrix(n, n, threads);
    {
        const CsrMatrix xt = x.transpose();
        gram_lower_inplace(x, xt, b.data(), threads);
    }
    const auto un = static_cast<std::size_t>(n);
    for (std::size_t i = 0; i < un; ++i) b.data()[i * un + i] += config.lambda;
    if (backend == DenseBackend::blas)
        blas_spd_inverse_lower(b.data(), n);
    else
        spd_inverse_inplace(b.data(), n, threads);
    ease_b_from_inverse(b.data(), n, threads);
    return EaseModel(std::move(x), std::move(b), config);
}

}  // namespace detail

EaseModel fit_ease(const CsrView& interactions, const EaseConfig& config) {
    return detail::fit_ease_with(interactions, config, detail::default_dense_backend());
}

}  // namespace learnrec
