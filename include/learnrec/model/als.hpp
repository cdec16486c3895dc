// learnrec — implicit-feedback alternating least squares (Hu, Koren & Volinsky 2008),
// with the conventions of the `implicit` package so the same hyperparameters give the same model.
//
// For an interaction weight w: confidence c = alpha * |w|, preference p = 1 if w > 0 else 0
// (a negative weight is negative feedback with confidence |alpha w|). With learner factors X
// and course factors Y the loss is
//     L = sum_{observed} (c - 1) (p - x.y)^2  +  sum_{all pairs} (p - x.y)^2  +  reg (|X|^2 + |Y|^2)
// and, as in implicit, the reported loss is L / (sum c + learners * courses - nnz).
// Each half-iteration solves, for every row, (Y'Y + reg I + Y' (C - I) Y) x = Y' C p, either
// exactly (Cholesky, O(nnz d^2 + n d^3)) or by `cg_steps` steps of conjugate gradient warm-started
// from the previous factors (O(cg_steps * (nnz d + n d^2))).
// Memory: training holds X, Y and a transpose of the interactions (O(nnz)). The exact solver's
// low-rank path keeps V = Y U^-1, a copy of the fixed side's factors, during a half-step, but only
// when some row has confidences above 1: binary interactions with alpha = 1 (implicit's default)
// solve every row with the shared factorisation of Y'Y + reg I instead.
//
// Thread safety: AlsModel is immutable; AlsTrainer is used by one thread at a time (it runs its
// own team of num_threads). Determinism: factors depend only on the seed and the data, whatever
// the thread count; so does the loss, a parallel sum taken in a fixed order.
#pragma once

#include <cassert>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "learnrec/types.hpp"  // first: it configures Eigen (EIGEN_DONT_PARALLELIZE) before Eigen is seen

#include <Eigen/Cholesky>

#include "learnrec/data/csr.hpp"
#include "learnrec/detail/als_kernels.hpp"
#include "learnrec/detail/kernels.hpp"
#include "learnrec/detail/parallel.hpp"
#include "learnrec/detail/training.hpp"
#include "learnrec/model/factor_model.hpp"

namespace learnrec {

enum class AlsSolver { cg, cholesky };

struct AlsConfig {
    index_t factors = 64;
    float regularization = 0.01f;
    float alpha = 1.0f;
    int iterations = 15;
    AlsSolver solver = AlsSolver::cg;
    int cg_steps = 3;
    std::uint64_t seed = 42;
    int num_threads = 0;          // 0: every processor
    bool calculate_loss = true;   // costs about one CG step per iteration

    void validate() const {
        LEARNREC_CHECK(factors > 0, "factors must be positive, got {}", factors);
        LEARNREC_CHECK(std::isfinite(regularization) && regularization >= 0.0f,
                       "regularization must be finite and >= 0, got {}", regularization);
        LEARNREC_CHECK(std::isfinite(alpha) && alpha > 0.0f, "alpha must be finite and > 0, got {}", alpha);
        LEARNREC_CHECK(iterations >= 0, "iterations must be >= 0, got {}", iterations);
        LEARNREC_CHECK(cg_steps > 0, "cg_steps must be positive, got {}", cg_steps);
        detail::check_num_threads(num_threads);
    }
};

/// Reported after each iteration; return false from the callback to stop training.
struct IterationInfo {
    int iteration = 0;       // 1-based
    double seconds = 0.0;    // wall time of this iteration
    double loss = std::numeric_limits<double>::quiet_NaN();  // NaN when not calculated
};
using IterationCallback = std::function<bool(const IterationInfo&)>;

namespace detail {

/// Per-thread scratch for the row solvers (allocated once per team member).
struct AlsScratch {
    std::vector<float> work;  // als_kernels.hpp: 2 d * d + 3 d floats (low-rank solve, m <= d) or 3 * 8 d (CG block)
    Eigen::MatrixXf a;        // the pivoting fallback of the exact solve
    explicit AlsScratch(Eigen::Index d)
        : work(std::max<std::size_t>(
              2 * static_cast<std::size_t>(d) * static_cast<std::size_t>(d) + 3 * static_cast<std::size_t>(d),
              3 * static_cast<std::size_t>(kAlsCgBlock) * static_cast<std::size_t>(d))) {}
};

/// What the low-rank exact solve shares across the rows of one half-step (als_lowrank_row):
/// U with U^T U = the regularised Gram matrix, and V = Y U^-1 (one row per course of the fixed side).
/// V is as large as the fixed side's factors, so it is only built (`with_v`) when some row will use
/// it; rows of unit confidences need only U (als_unit_confidence_row).
struct AlsLowRank {
    RowMatrix u;
    RowMatrix v;
    bool usable = false;  // false when the Gram matrix is not numerically positive definite

    AlsLowRank(const Eigen::MatrixXf& gram_reg, const RowMatrix& other, int threads, bool with_v = true)
        : u(gram_reg.rows(), gram_reg.cols()) {
        const auto d = static_cast<index_t>(other.cols());
        usable = als_lowrank_prepare_u(u.data(), gram_reg.data(), d);
        if (!usable || !with_v) return;
        v.resize(other.rows(), other.cols());
        parallel_for(0, other.rows(), threads, [&](std::int64_t j) {
            als_lowrank_prepare_v(v.row(j).data(), other.row(j).data(), u.data(), d);
        }, 256);
    }
};

/// One row of least squares by conjugate gradient, warm-started from x (implicit's update).
inline void als_solve_cg(Eigen::Ref<Vector> x, const RowMatrix& Y, const Eigen::MatrixXf& gram_reg, CsrRow row,
                         float alpha, int steps, AlsScratch& s) {
    assert(x.size() == Y.cols() && gram_reg.rows() == Y.cols() && gram_reg.cols() == Y.cols());
    als_cg_row(x.data(), Y.data(), static_cast<index_t>(Y.cols()), gram_reg.data(), row.indices.data(),
               row.weights.data(), row.size(), alpha, steps, s.work.data());
}

/// The exact solve with Eigen's pivoting LDLT: for the rare rows whose system is not numerically
/// positive definite (large negative feedback can make it indefinite).
inline void als_solve_exact_pivoting(Eigen::Ref<Vector> x, const RowMatrix& Y, const Eigen::MatrixXf& gram_reg,
                                     CsrRow row, float alpha, AlsScratch& s) {
    s.a = gram_reg;
    Vector b = Vector::Zero(Y.cols());
    for (std::size_t j = 0; j < row.size(); ++j) {
        float c = alpha * row.weights[j];
        const float pref = c > 0.0f ? 1.0f : 0.0f;
        c = std::abs(c);
        const auto y = Y.row(row.indices[j]);
        s.a.noalias() += (c - 1.0f) * (y.transpose() * y);
        if (pref > 0.0f) b.noalias() += c * y.transpose();
    }
    x = s.a.ldlt().solve(b);
}

/// Whether some row would take the low-rank solve with a correction (confidences above 1, none
/// below): only then does a half-step need AlsLowRank::v. O(nnz).
inline bool als_lowrank_needs_v(const CsrView& rows, float alpha, index_t d) {
    for (index_t r = 0; r < rows.rows; ++r) {
        const CsrRow row = rows.row(r);
        std::size_t m = 0;
        bool below = false;
        for (std::size_t j = 0; j < row.size(); ++j) {
            const float c = std::abs(alpha * row.weights[j]);
            m += c > 1.0f ? 1 : 0;
            below = below || c < 1.0f;
        }
        if (m > 0 && !below && als_lowrank_is_cheaper(row.size(), m, d)) return true;
    }
    return false;
}

/// One row of least squares solved exactly: with the shared factorisation of the Gram matrix when
/// every confidence is 1, through the Woodbury identity when `low_rank` has V and the row has few
/// enough entries for that to be cheaper, else by forming and factorising the d x d system
/// (Cholesky; LDLT if it is not positive definite).
inline void als_solve_exact(Eigen::Ref<Vector> x, const RowMatrix& Y, const Eigen::MatrixXf& gram_reg, CsrRow row,
                            float alpha, AlsScratch& s, const AlsLowRank* low_rank = nullptr) {
    assert(x.size() == Y.cols() && gram_reg.rows() == Y.cols() && gram_reg.cols() == Y.cols());
    const auto d = static_cast<index_t>(Y.cols());
    if (low_rank && low_rank->usable) {
        if (als_unit_confidence_row(x.data(), Y.data(), d, low_rank->u.data(), row.indices.data(), row.weights.data(),
                                    row.size(), alpha, s.work.data()))
            return;
        std::size_t m = 0;
        for (std::size_t j = 0; j < row.size(); ++j) m += std::abs(alpha * row.weights[j]) > 1.0f ? 1 : 0;
        if (low_rank->v.size() > 0 && als_lowrank_is_cheaper(row.size(), m, d) &&
            als_lowrank_row(x.data(), low_rank->v.data(), d, low_rank->u.data(), row.indices.data(),
                            row.weights.data(), row.size(), alpha, s.work.data()))
            return;
    }
    if (!als_exact_row(x.data(), Y.data(), static_cast<index_t>(Y.cols()), gram_reg.data(), row.indices.data(),
                       row.weights.data(), row.size(), alpha, s.work.data()))
        als_solve_exact_pivoting(x, Y, gram_reg, row, alpha, s);
}

/// Solves every row of `target` against the fixed `other` side.
inline void als_half_step(RowMatrix& target, const RowMatrix& other, const CsrView& rows, const AlsConfig& cfg,
                          bool exact) {
    Eigen::MatrixXf gram_reg = gram(other, cfg.num_threads);
    gram_reg.diagonal().array() += cfg.regularization;
    const int threads = resolve_threads(cfg.num_threads);
    std::optional<AlsLowRank> low_rank;
    if (exact)
        low_rank.emplace(gram_reg, other, threads,
                         als_lowrank_needs_v(rows, cfg.alpha, static_cast<index_t>(other.cols())));
    std::vector<std::unique_ptr<AlsScratch>> scratch(static_cast<std::size_t>(threads));
    if (exact) {
        parallel_for(0, rows.rows, threads, [&](std::int64_t r) {
            auto& s = scratch[static_cast<std::size_t>(thread_index())];
            if (!s) s = std::make_unique<AlsScratch>(other.cols());
            Eigen::Map<Vector> xm(target.row(r).data(), target.cols());
            als_solve_exact(xm, other, gram_reg, rows.row(static_cast<index_t>(r)), cfg.alpha, *s, &*low_rank);
        }, 64);
        return;
    }
    // CG in fixed blocks of rows (the blocks do not depend on the thread count, so neither do the
    // factors): the products with the Gram matrix are shared by the rows of a block.
    const auto d = static_cast<index_t>(other.cols());
    const std::int64_t blocks = (static_cast<std::int64_t>(rows.rows) + kAlsCgBlock - 1) / kAlsCgBlock;
    parallel_for(0, blocks, threads, [&](std::int64_t blk) {
        auto& s = scratch[static_cast<std::size_t>(thread_index())];
        if (!s) s = std::make_unique<AlsScratch>(other.cols());
        const std::int64_t r0 = blk * kAlsCgBlock;
        const auto count = static_cast<index_t>(std::min<std::int64_t>(kAlsCgBlock, rows.rows - r0));
        als_cg_block(target.row(r0).data(), count, other.data(), d, gram_reg.data(), rows.indptr.data() + r0,
                     rows.indices.data(), rows.data.data(), cfg.alpha, cfg.cg_steps, s->work.data());
    }, 8);
}

/// Normalised training loss (see the header comment), computed in parallel over learners.
inline double als_loss(const RowMatrix& X, const RowMatrix& Y, const CsrView& interactions, const AlsConfig& cfg) {
    const Eigen::MatrixXf yty = gram(Y, cfg.num_threads);
    // Partial sums per fixed block of learners, added in block order: the result does not depend
    // on the thread count or on which thread ran which block.
    constexpr std::int64_t block = 256;
    const std::int64_t blocks = (static_cast<std::int64_t>(interactions.rows) + block - 1) / block;
    std::vector<double> loss(static_cast<std::size_t>(blocks), 0.0), conf(static_cast<std::size_t>(blocks), 0.0);
    parallel_for(0, blocks, cfg.num_threads, [&](std::int64_t b) {
        double l = 0.0, cs = 0.0;
        for (std::int64_t u = b * block; u < std::min<std::int64_t>((b + 1) * block, interactions.rows); ++u) {
            const auto x = X.row(u);
            l += static_cast<double>(x * yty * x.transpose());
            const auto row = interactions.row(static_cast<index_t>(u));
            for (std::size_t j = 0; j < row.size(); ++j) {
                double c = static_cast<double>(cfg.alpha) * row.weights[j];
                const double p = c > 0.0 ? 1.0 : 0.0;
                c = std::abs(c);
                const double xy = static_cast<double>(x.dot(Y.row(row.indices[j])));
                l += (c - 1.0) * (p - xy) * (p - xy) + p * p - 2.0 * p * xy;
                cs += c;
            }
        }
        loss[static_cast<std::size_t>(b)] = l;
        conf[static_cast<std::size_t>(b)] = cs;
    });
    double total = 0.0, total_conf = 0.0;
    for (std::size_t b = 0; b < loss.size(); ++b) {
        total += loss[b];
        total_conf += conf[b];
    }
    total += static_cast<double>(cfg.regularization) *
             (static_cast<double>(X.squaredNorm()) + static_cast<double>(Y.squaredNorm()));
    const double pairs = static_cast<double>(X.rows()) * static_cast<double>(Y.rows());
    const double denom = total_conf + pairs - static_cast<double>(interactions.nnz());
    return denom > 0.0 ? total / denom : total;
}

/// Factors initialised as implicit does: uniform in [0, 0.01), from the seed only.
inline RowMatrix als_init(index_t rows, index_t factors, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    RowMatrix m(rows, factors);
    for (Eigen::Index i = 0; i < m.size(); ++i)
        m.data()[i] = static_cast<float>(static_cast<double>(rng() >> 11) * 0x1.0p-53 * 0.01);
    return m;
}

}  // namespace detail

class AlsDailyUpdater;

/// A trained implicit ALS model. Immutable.
/// Fold-in solves the training normal equations exactly for the new row, so a learner seen in
/// training and folded in from the same row gets (up to solver tolerance) its trained factors.
class AlsModel final : public FactorModel {
    friend class AlsDailyUpdater;  // takes back the learner table of a published model nobody holds any more

public:
    AlsModel(RowMatrix user_factors, RowMatrix item_factors, AlsConfig config)
        : FactorModel(std::move(user_factors), std::move(item_factors)), config_(config) {
        config_.validate();
        user_gram_ = detail::gram(item_factors_, config_.num_threads);
        user_gram_.diagonal().array() += config_.regularization;
        item_gram_ = detail::gram(user_factors_, config_.num_threads);
        item_gram_.diagonal().array() += config_.regularization;
    }
    /// With the regularised Gram matrices already known (Y'Y + reg I and X'X + reg I, d x d): a
    /// daily updater keeps them and publishes without recomputing them, O((n + m) d^2).
    AlsModel(RowMatrix user_factors, RowMatrix item_factors, AlsConfig config, Eigen::MatrixXf user_gram_reg,
             Eigen::MatrixXf item_gram_reg)
        : AlsModel(std::move(user_factors), std::move(item_factors), config, std::move(user_gram_reg),
                   std::move(item_gram_reg), detail::LearnerFactorsChecked{}) {
        LEARNREC_CHECK(finite(user_factors_), "factors contain NaN or infinity");
    }
    /// As above, with learner factors the caller has checked to be finite (a daily updater
    /// publishing: it checks the rows it solves, and reading 100,000 x 64 factors costs 2 ms).
    AlsModel(RowMatrix user_factors, RowMatrix item_factors, AlsConfig config, Eigen::MatrixXf user_gram_reg,
             Eigen::MatrixXf item_gram_reg, detail::LearnerFactorsChecked checked)
        : FactorModel(std::move(user_factors), std::move(item_factors), checked), config_(config),
          user_gram_(std::move(user_gram_reg)), item_gram_(std::move(item_gram_reg)) {
        config_.validate();
        LEARNREC_CHECK(user_gram_.rows() == factors() && user_gram_.cols() == factors() &&
                           item_gram_.rows() == factors() && item_gram_.cols() == factors(),
                       "AlsModel: Gram matrices of {} x {} and {} x {} for {} factors", user_gram_.rows(),
                       user_gram_.cols(), item_gram_.rows(), item_gram_.cols(), factors());
    }

    /// The kind() of every instance, known without one (used by load_as<M>).
    static constexpr std::string_view kind_name = "als";
    std::string_view kind() const noexcept override { return kind_name; }
    const AlsConfig& config() const noexcept { return config_; }

    /// Learner embeddings from interaction rows over courses (one row per new learner).
    RowMatrix fold_in_learners(const CsrView& rows, int num_threads = 0) const {
        return solve_rows(rows, num_courses(), item_factors_, user_gram_, "learner rows", num_threads);
    }
    /// Course embeddings from interaction rows over learners (one row per new course).
    RowMatrix fold_in_courses(const CsrView& rows, int num_threads = 0) const {
        return solve_rows(rows, num_learners(), user_factors_, item_gram_, "course rows", num_threads);
    }

    QueryBlock fold_in(const CsrView& rows, int num_threads = 0) const override {
        QueryBlock q;
        q.embeddings = fold_in_learners(rows, num_threads);
        q.count = rows.rows;
        return q;
    }

private:
    RowMatrix solve_rows(const CsrView& rows, index_t width, const RowMatrix& other, const Eigen::MatrixXf& gram_reg,
                         const char* what, int num_threads) const {
        rows.validate(what);
        LEARNREC_CHECK(rows.cols == width, "{} have {} columns, the model has {}", what, rows.cols, width);
        RowMatrix out = RowMatrix::Zero(rows.rows, factors());
        const int threads = detail::resolve_threads(num_threads);
        std::vector<std::unique_ptr<detail::AlsScratch>> scratch(static_cast<std::size_t>(threads));
        detail::parallel_for(0, rows.rows, threads, [&](std::int64_t r) {
            auto& s = scratch[static_cast<std::size_t>(detail::thread_index())];
            if (!s) s = std::make_unique<detail::AlsScratch>(factors());
            Eigen::Map<Vector> x(out.row(r).data(), factors());
            detail::als_solve_exact(x, other, gram_reg, rows.row(static_cast<index_t>(r)), config_.alpha, *s);
        }, 16);
        return out;
    }

    AlsConfig config_;
    Eigen::MatrixXf user_gram_;  // Y'Y + reg I, reused by every learner fold-in
    Eigen::MatrixXf item_gram_;  // X'X + reg I, reused by every course fold-in
};

/// Stepwise training, so hosts (the Python package, a service) can drive the loop, show progress
/// and stop between iterations. Holds a copy of the matrix's transpose: O(nnz) extra memory.
class AlsTrainer {
public:
    AlsTrainer(const CsrView& interactions, AlsConfig config) : config_(config), interactions_(interactions) {
        config_.validate();
        interactions_.validate("interactions");
        course_learners_ = CsrMatrix::transpose_of(interactions_);
        // Learners first then courses from one stream, so a seed fixes both.
        std::mt19937_64 seeder(config_.seed);
        X_ = detail::als_init(interactions_.rows, config_.factors, seeder());
        Y_ = detail::als_init(interactions_.cols, config_.factors, seeder());
    }

    /// Runs one iteration (learners then courses); returns the loss when calculate_loss, else NaN.
    IterationInfo step() {
        const auto start = std::chrono::steady_clock::now();
        const bool exact = config_.solver == AlsSolver::cholesky;
        detail::als_half_step(X_, Y_, interactions_, config_, exact);
        detail::als_half_step(Y_, X_, course_learners_.view(), config_, exact);
        IterationInfo info;
        info.iteration = ++iteration_;
        if (config_.calculate_loss) info.loss = detail::als_loss(X_, Y_, interactions_, config_);
        info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return info;
    }
    int iteration() const noexcept { return iteration_; }
    const AlsConfig& config() const noexcept { return config_; }
    double loss() const { return detail::als_loss(X_, Y_, interactions_, config_); }

    /// The model as trained so far (copies the factors; the trainer can keep going).
    AlsModel model() const { return AlsModel(X_, Y_, config_); }
    /// The model, moving the factors out; the trainer is spent afterwards.
    AlsModel release() && { return AlsModel(std::move(X_), std::move(Y_), config_); }

private:
    AlsConfig config_;
    CsrView interactions_;   // borrowed: must outlive the trainer
    CsrMatrix course_learners_;
    RowMatrix X_, Y_;
    int iteration_ = 0;
};

/// Trains implicit ALS on a learners x courses matrix. `callback` sees each iteration's info and
/// may stop training early by returning false.
inline AlsModel fit_als(const CsrView& interactions, const AlsConfig& config, const IterationCallback& callback = {}) {
    return detail::train_epochs(AlsTrainer(interactions, config), config.iterations, callback);
}

}  // namespace learnrec
