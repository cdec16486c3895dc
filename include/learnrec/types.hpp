// learnrec — basic types shared by every header.
#pragma once

#include <cstdint>

// learnrec runs its own OpenMP teams (sized per call); Eigen's internal GEMM parallelism would
// nest a team inside each small product and follow process-wide OpenMP settings. The CMake
// targets define this too; this covers builds that include the headers directly.
#if !defined(EIGEN_DONT_PARALLELIZE) && !defined(EIGEN_CORE_H)
#define EIGEN_DONT_PARALLELIZE
#endif
#include <Eigen/Core>

namespace learnrec {

/// Dense index of a learner or a course (int32, like implicit and scipy's default indices).
using index_t = std::int32_t;
/// Position in the non-zeros of a sparse matrix (int64: large logs exceed 2^31 events).
using offset_t = std::int64_t;

/// Row-major float32 matrix: one embedding per row, contiguous, shareable with numpy.
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;

}  // namespace learnrec
