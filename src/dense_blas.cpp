// learnrec — the only file that calls BLAS / LAPACK (see learnrec/detail/dense_blas.hpp for why
// one non-inline place, and for the threads). Built with LEARNREC_HAVE_BLAS when CMake found
// OpenBLAS; otherwise every entry point says so and fit_ease / fit_gfcf stay on Eigen.
#include "learnrec/detail/dense_blas.hpp"

#include <climits>

#include "learnrec/error.hpp"

#if LEARNREC_HAVE_BLAS
#include <cblas.h>
#include <lapack.h>
#endif

namespace learnrec::detail {

#if LEARNREC_HAVE_BLAS

namespace {

// Debian's OpenBLAS uses 32-bit BLAS integers; n^2 elements are addressed by OpenBLAS itself in
// 64-bit, so only each dimension has to fit.
blasint blas_int(long long v, const char* what) {
    LEARNREC_CHECK(v >= 0 && v <= INT_MAX, "{} = {} does not fit a BLAS integer", what, v);
    return static_cast<blasint>(v);
}

}  // namespace

bool blas_available() noexcept { return true; }

std::string blas_description() {
    return fmt::format("{} (core: {}, {} threads)", openblas_get_config(), openblas_get_corename(),
                       openblas_get_num_threads());
}

void blas_spd_inverse_lower(float* a, index_t n) {
    if (n == 0) return;
    const lapack_int size = blas_int(n, "n");
    lapack_int info = 0;
    LAPACK_spotrf("L", &size, a, &size, &info);
    LEARNREC_CHECK(info == 0,
                   "the {} x {} matrix is not numerically positive definite (spotrf: pivot at row {}); raise lambda",
                   n, n, info > 0 ? info - 1 : info);
    LAPACK_spotri("L", &size, a, &size, &info);
    LEARNREC_CHECK(info == 0, "the {} x {} matrix is singular (spotri: info {}); raise lambda", n, n, info);
}

void blas_gemm_abt(index_t m, index_t n, index_t k, float alpha, const float* a, index_t lda, const float* b,
                   index_t ldb, float beta, float* c, index_t ldc) {
    if (m == 0 || n == 0) return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blas_int(m, "m"), blas_int(n, "n"), blas_int(k, "k"), alpha,
                a, blas_int(lda, "lda"), b, blas_int(ldb, "ldb"), beta, c, blas_int(ldc, "ldc"));
}

RowMatrix blas_gram(const RowMatrix& a) {
    const auto k = a.cols();
    RowMatrix g = RowMatrix::Zero(k, k);
    if (k == 0) return g;
    const blasint kk = blas_int(k, "k");
    cblas_ssyrk(CblasRowMajor, CblasLower, CblasTrans, kk, blas_int(a.rows(), "rows"), 1.0f, a.data(), kk, 0.0f,
                g.data(), kk);
    g.triangularView<Eigen::StrictlyUpper>() = g.transpose();
    return g;
}

void blas_times_upper_inplace(RowMatrix& y, const RowMatrix& u) {
    LEARNREC_CHECK(u.rows() == y.cols() && u.cols() == y.cols(), "u is {} x {}, y has {} columns", u.rows(), u.cols(),
                   y.cols());
    if (y.size() == 0) return;
    const blasint k = blas_int(y.cols(), "k");
    cblas_strmm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, blas_int(y.rows(), "rows"), k, 1.0f,
                u.data(), k, y.data(), k);
}

#else  // built without BLAS

// Each names itself (LEARNREC_FAIL) so the message says which step needed the BLAS.
constexpr const char* kNoBlas =
    "learnrec was built without OpenBLAS (install libopenblas-dev and liblapacke-dev, configure with "
    "-DLEARNREC_WITH_BLAS=ON)";

bool blas_available() noexcept { return false; }
std::string blas_description() { return "none"; }
void blas_spd_inverse_lower(float*, index_t) { LEARNREC_FAIL("{}", kNoBlas); }
void blas_gemm_abt(index_t, index_t, index_t, float, const float*, index_t, const float*, index_t, float, float*,
                   index_t) {
    LEARNREC_FAIL("{}", kNoBlas);
}
RowMatrix blas_gram(const RowMatrix&) { LEARNREC_FAIL("{}", kNoBlas); }
void blas_times_upper_inplace(RowMatrix&, const RowMatrix&) { LEARNREC_FAIL("{}", kNoBlas); }

#endif

DenseBackend default_dense_backend() noexcept { return blas_available() ? DenseBackend::blas : DenseBackend::eigen; }

}  // namespace learnrec::detail
