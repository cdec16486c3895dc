// learnrec — the dense algebra of EASE and GF-CF through the machine's tuned BLAS / LAPACK.
//
// learnrec's compiled library links OpenBLAS (and its LAPACK) when it is found at build time
// (CMake option LEARNREC_WITH_BLAS, default ON); OpenBLAS picks its kernels per microarchitecture
// at load time (OPENBLAS_CORETYPE overrides, e.g. Haswell for the AVX2 kernels). Only
// src/dense_blas.cpp includes cblas.h / lapack.h, and these functions are not inline, so
// translation units never disagree on what a function does (unlike defining EIGEN_USE_BLAS in
// some of them). Without OpenBLAS the same models run on the portable Eigen code in their headers.
//
// Threads: the routines below run on OpenBLAS's own thread pool, sized by the environment
// variable OPENBLAS_NUM_THREADS (default: every processor), not by the callers' num_threads.
// openblas_set_num_threads is process-wide, so learnrec never calls it (it would change the
// threads of every other BLAS user in the process), and the OpenBLAS of Debian 12 (0.3.21) has no
// per-call thread count. A host that wants one thread per call sets OPENBLAS_NUM_THREADS=1.
// Results are reproducible for a given OpenBLAS core type and thread count.
// Thread safety: every function may be called from any thread; concurrent calls share OpenBLAS's
// one pool (OpenBLAS >= 0.3.7 locks it; Debian 12 ships 0.3.21).
#pragma once

#include <string>

#include "learnrec/types.hpp"

namespace learnrec::detail {

/// Where EASE and GF-CF do their dense algebra: the tuned BLAS / LAPACK when the library was
/// built with one, or the portable Eigen code (and learnrec's own scoring kernel) in the headers.
enum class DenseBackend { eigen, blas };

/// True when learnrec was built with OpenBLAS (LEARNREC_WITH_BLAS found it).
bool blas_available() noexcept;

/// blas when available, else eigen: what fit_ease and fit_gfcf use.
DenseBackend default_dense_backend() noexcept;

/// "OpenBLAS 0.3.21 ... (core: SkylakeX, 2 threads)" or "none", for benchmark reports.
std::string blas_description();

/// Replaces the lower triangle of a symmetric positive definite n x n column-major matrix
/// (leading dimension n) by the lower triangle of its inverse, in place: LAPACK spotrf (A = L L')
/// then spotri (L^-T L^-1). The strict upper triangle is not touched. Throws Error, naming the
/// first failing pivot, when A is not numerically positive definite, and when BLAS is unavailable.
/// Complexity: about n^3 flops, no memory beyond OpenBLAS's packing buffers.
void blas_spd_inverse_lower(float* a, index_t n);

/// c (m x n, row-major, leading dimension ldc) = alpha * a * b' + beta * c, with a (m x k) and
/// b (n x k) row-major (leading dimensions lda, ldb): one sgemm. Throws Error when BLAS is
/// unavailable.
void blas_gemm_abt(index_t m, index_t n, index_t k, float alpha, const float* a, index_t lda, const float* b,
                   index_t ldb, float beta, float* c, index_t ldc);

/// The k x k Gram matrix a' a of a row-major rows x k matrix (ssyrk, both triangles filled).
/// Throws Error when BLAS is unavailable.
RowMatrix blas_gram(const RowMatrix& a);

/// y <- y * u for a row-major rows x k matrix y and an upper triangular k x k matrix u (row-major;
/// strict lower triangle ignored), in place (strmm). Throws Error when BLAS is unavailable.
void blas_times_upper_inplace(RowMatrix& y, const RowMatrix& u);

}  // namespace learnrec::detail
