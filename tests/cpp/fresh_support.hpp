// Shared by the tests of incremental updates (test_fresh.cpp, test_daily_staleness.cpp): small
// data sets, the solver configurations and the oracles (half-steps) the updates are checked against.
#pragma once

#include <algorithm>
#include <numeric>
#include <utility>
#include <vector>

#include "learnrec/model/als.hpp"
#include "learnrec/model/update.hpp"
#include "test_support.hpp"

namespace fresh_support {

using namespace learnrec;

inline AlsConfig exact_config(int threads = 1) {
    AlsConfig c;
    c.factors = 6;
    c.iterations = 4;
    c.regularization = 0.5f;
    c.alpha = 4.0f;
    c.solver = AlsSolver::cholesky;
    c.num_threads = threads;
    c.calculate_loss = false;
    return c;
}

inline CsrMatrix data(index_t learners = 60, index_t courses = 25, std::uint64_t seed = 7) {
    return test_support::random_interactions(learners, courses, 2, 9, 0.05, seed);
}

/// Rows [0, n) of m.
inline CsrMatrix head_rows(const CsrView& m, index_t n) {
    std::vector<index_t> pick(static_cast<std::size_t>(n));
    std::iota(pick.begin(), pick.end(), 0);
    return detail::select_rows(m, pick, m.cols);
}

/// max |a - b| relative to max |b| (solver tolerance).
inline double relative_gap(const Eigen::Ref<const RowMatrix>& a, const Eigen::Ref<const RowMatrix>& b) {
    return static_cast<double>((a - b).cwiseAbs().maxCoeff()) / std::max(1e-6, static_cast<double>(b.cwiseAbs().maxCoeff()));
}

inline std::vector<index_t> all_rows(index_t n) {
    std::vector<index_t> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), 0);
    return v;
}

/// `all` with learner u's row replaced by `row` (pairs of course, weight).
inline CsrMatrix with_row(const CsrView& all, index_t u, const std::vector<std::pair<index_t, float>>& row, index_t cols) {
    std::vector<Triplet> t;
    for (index_t r = 0; r < all.rows; ++r) {
        if (r == u) continue;
        const auto rr = all.row(r);
        for (std::size_t k = 0; k < rr.size(); ++k) t.push_back({r, rr.indices[k], rr.weights[k]});
    }
    for (const auto& [c, w] : row) t.push_back({u, c, w});
    return CsrMatrix::from_triplets(std::max(all.rows, u + 1), cols, t);
}

inline AlsConfig cg_config(int threads = 1) {
    AlsConfig c = exact_config(threads);
    c.solver = AlsSolver::cg;
    c.cg_steps = 3;
    return c;
}

/// The CG training half-step for one row: cg_steps of CG from `start` against `other`.
inline Eigen::RowVectorXf cg_half_step(const RowMatrix& other, CsrRow row, const Eigen::RowVectorXf& start,
                                const AlsConfig& c) {
    Eigen::MatrixXf gram_reg = detail::gram(other, 1);
    gram_reg.diagonal().array() += c.regularization;
    detail::AlsScratch scratch(other.cols());
    Vector x = start.transpose();
    detail::als_solve_cg(x, other, gram_reg, row, c.alpha, c.cg_steps, scratch);
    return x.transpose();
}

}  // namespace fresh_support
