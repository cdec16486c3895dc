// learnrec — the daily update of an ALS model: only the learners whose rows changed and the courses
// whose columns changed are re-solved, and nothing proportional to the whole data set is touched.
//
// als_partial_fit (model/update.hpp) re-solves a course from its whole column: O(column d^2) per
// course, and the courses a day touches are the popular ones, whose columns hold a large share of
// all interactions. AlsDailyUpdater keeps, per course, the part of its normal equations that its
// column contributes,
//     A_c = sum_u (c_uc - 1) x_u x_u'      b_c = sum_u c_uc p_uc x_u
// (confidences and preferences as in model/als.hpp; only the lower triangle of A_c is kept), and
// both Gram matrices X'X and Y'Y, in double. When a learner's row changes, their old terms (old
// weights, old factors) leave the courses they had and the new ones enter the courses they have
// now; the terms are grouped by course and each course takes them in one pass of a rank-k kernel
// (lower triangle only, four terms per pass over A_c, vectorised per instruction set; courses in
// parallel) rather than one d x d rank-1 update per pair. A course is then solved from
// (X'X + reg I + A_c) y = b_c, the normal equations of the training half-step on its column against
// the current learner factors (tested against a half-step on the column, and the kept equations
// against a rebuild). Each solve is the model's training half-step for that row: for a model
// trained by CG (the default), `cg_steps` steps of CG warm-started from the row's current factors
// (learners by als_cg_block, courses on their kept equations in double); for a Cholesky model, the
// exact solve (learners through the Woodbury identity when a row is shorter than the factors). A
// learner or course with no interactions before the update has no trained row to start from and is
// solved exactly, whatever the solver (a new learner's row equals fold-in).
//
// update(learners, rows): `rows.row(i)` is the whole current row of learner `learners[i]`
// (indices at or past num_learners() add learners; skipped indices get zero factors, as implicit
// does; columns at or past num_courses() add courses). Learners whose row differs from the kept one
// are solved against the course factors (a learner whose row did not change keeps their factors:
// their data gave the solve nothing new), then every course whose column changed (a pair added,
// removed or re-weighted) and any course in `refresh` is solved against the updated learners.
// Learners and courses not named keep their factors, as with als_partial_fit.
//
// Complexity: construction O(nnz d^2 + (n + m) d^2) (rank-k products per course); an update
// O(sum over changed rows of (old + new row length) d^2 + courses solved * (d^3 exact, or
// cg_steps d^2 by CG) + learners solved * (d^3 exact, or cg_steps (row length d + d^2) by CG) + m d^2)
// (the m d^2: the courses' shared factor for the Woodbury solves, when some exact row uses it),
// independent of the number of learners and interactions otherwise; model() O((n + m) d) (copies
// the factors; the Gram matrices it caches are the updater's). Memory: the interaction rows
// (O(nnz)) and m d (d + 1) doubles (32 KiB per course at 64 factors).
// Thread safety: one thread at a time per updater; model() returns an independent immutable model.
// Determinism: the solves run on num_threads (regions of less than 3e7 flops on the calling
// thread alone), the sums in a fixed order: the same updates give the same factors
// whatever the thread count.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <span>
#include <vector>

#include <Eigen/Cholesky>

#include "learnrec/isa.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/model/update.hpp"

namespace learnrec {
namespace detail {

/// The lower triangle of a (d x d, column-major) += sum_k w[k] p_k p_k', p_k the rows of p
/// (count x d, row-major). Terms are taken four at a time, so each column of a is read and written
/// once per four; the sums run in a fixed order (the same on every path and thread count).
[[gnu::always_inline]] inline void als_rank_update_impl(double* __restrict a, const double* __restrict p,
                                                        const double* __restrict w, std::size_t count, index_t d) {
    const auto D = static_cast<std::size_t>(d);
    std::size_t k = 0;
    for (; k + 4 <= count; k += 4) {
        const double* __restrict p0 = p + k * D;
        const double* __restrict p1 = p0 + D;
        const double* __restrict p2 = p1 + D;
        const double* __restrict p3 = p2 + D;
        for (std::size_t j = 0; j < D; ++j) {
            const double s0 = w[k] * p0[j], s1 = w[k + 1] * p1[j], s2 = w[k + 2] * p2[j], s3 = w[k + 3] * p3[j];
            double* __restrict col = a + j * D;
            for (std::size_t i = j; i < D; ++i) col[i] += s0 * p0[i] + s1 * p1[i] + s2 * p2[i] + s3 * p3[i];
        }
    }
    for (; k < count; ++k) {
        const double* __restrict p0 = p + k * D;
        for (std::size_t j = 0; j < D; ++j) {
            const double s0 = w[k] * p0[j];
            double* __restrict col = a + j * D;
            for (std::size_t i = j; i < D; ++i) col[i] += s0 * p0[i];
        }
    }
}

LEARNREC_ISA_KERNEL(void, als_rank_update,
                    (double* __restrict a, const double* __restrict p, const double* __restrict w, std::size_t count,
                     index_t d),
                    (a, p, w, count, d))

}  // namespace detail

class AlsDailyUpdater {
public:
    /// What one update did.
    struct Stats {
        index_t learners_solved = 0;
        index_t courses_solved = 0;
        index_t learners_added = 0;
        index_t courses_added = 0;
        std::size_t pairs_changed = 0;  ///< (learner, course) pairs added, removed or re-weighted
    };

    /// `model` and the interactions it was trained on (learners x courses, the model's shape; copied).
    AlsDailyUpdater(const AlsModel& model, const CsrView& interactions, int num_threads = 0)
        : config_(model.config()), cg_(model.config().solver == AlsSolver::cg), threads_(num_threads),
          X_(model.user_factors()), Y_(model.item_factors()) {
        interactions.validate("interactions");
        LEARNREC_CHECK(interactions.rows == model.num_learners() && interactions.cols == model.num_courses(),
                       "the interactions are {} x {} but the model {} x {}: the updater starts from the data the model was "
                       "trained on", interactions.rows, interactions.cols, model.num_learners(), model.num_courses());
        const auto d = static_cast<std::size_t>(config_.factors);
        rows_.resize(static_cast<std::size_t>(interactions.rows));
        for (index_t u = 0; u < interactions.rows; ++u) {
            const CsrRow r = interactions.row(u);
            auto& row = rows_[static_cast<std::size_t>(u)];
            row.courses.assign(r.indices.begin(), r.indices.end());
            row.weights.assign(r.weights.begin(), r.weights.end());
        }
        gx_ = X_.cast<double>().transpose() * X_.cast<double>();
        gy_ = Y_.cast<double>().transpose() * Y_.cast<double>();
        a_.assign(static_cast<std::size_t>(Y_.rows()) * d * d, 0.0);
        b_.assign(static_cast<std::size_t>(Y_.rows()) * d, 0.0);
        // Each course's equations from its column in one rank-k product (not nnz rank-1 updates).
        const CsrMatrix columns = CsrMatrix::transpose_of(interactions);
        column_size_.resize(static_cast<std::size_t>(columns.rows()));
        for (index_t c = 0; c < columns.rows(); ++c)
            column_size_[static_cast<std::size_t>(c)] = static_cast<index_t>(columns.row(c).size());
        std::vector<Term> terms;
        std::vector<std::size_t> starts(static_cast<std::size_t>(columns.rows()) + 1, 0);
        terms.reserve(static_cast<std::size_t>(interactions.nnz()));
        for (index_t c = 0; c < columns.rows(); ++c) {
            const CsrRow col = columns.row(c);
            for (std::size_t k = 0; k < col.size(); ++k)
                terms.push_back(term(X_.row(col.indices[k]).data(), col.weights[k], +1.0));
            starts[static_cast<std::size_t>(c) + 1] = terms.size();
        }
        apply_terms(terms, starts);
    }

    index_t num_learners() const noexcept { return static_cast<index_t>(X_.rows()); }
    index_t num_courses() const noexcept { return static_cast<index_t>(Y_.rows()); }
    const RowMatrix& user_factors() const noexcept { return X_; }
    const RowMatrix& item_factors() const noexcept { return Y_; }
    const AlsConfig& config() const noexcept { return config_; }

    /// See the header comment. Throws Error on a negative or repeated index, a row count that does
    /// not match `learners`, or fewer columns than num_courses(); the updater is unchanged then.
    Stats update(std::span<const index_t> learners, const CsrView& rows, std::span<const index_t> refresh = {}) {
        rows.validate("rows");
        LEARNREC_CHECK(static_cast<std::size_t>(rows.rows) == learners.size(), "{} learner indices for {} rows",
                       learners.size(), rows.rows);
        LEARNREC_CHECK(rows.cols >= num_courses(), "rows have {} columns, the model {} courses: updates never remove "
                       "courses", rows.cols, num_courses());
        const index_t n = detail::grown_size(learners, num_learners(), "learner");
        for (index_t c : refresh)
            LEARNREC_CHECK(c >= 0 && c < rows.cols, "course {} to refresh is outside [0, {})", c, rows.cols);
        Stats stats;
        stats.learners_added = n - num_learners();
        stats.courses_added = rows.cols - num_courses();
        grow(n, rows.cols);
        const auto d = static_cast<Eigen::Index>(config_.factors);
        const auto m = static_cast<std::size_t>(num_courses());

        // Only learners whose row changed are solved: an unchanged row gives the solve no new data.
        // A learner without interactions before (a new one) is solved exactly, as fold-in; the others
        // as the training half-step solves them (CG warm-started from their row, or exactly).
        std::vector<char> changed(m, 0);
        for (index_t c : refresh) changed[static_cast<std::size_t>(c)] = 1;
        std::vector<index_t> moved, exact_pick, cg_pick;  // positions in `learners`
        for (std::size_t i = 0; i < learners.size(); ++i) {
            const auto& row = rows_[static_cast<std::size_t>(learners[i])];
            const std::size_t pairs = mark_changes(row, rows.row(static_cast<index_t>(i)), changed);
            if (pairs == 0) continue;
            stats.pairs_changed += pairs;
            moved.push_back(static_cast<index_t>(i));
            (cg_ && !row.courses.empty() ? cg_pick : exact_pick).push_back(static_cast<index_t>(i));
        }
        // Courses without interactions before this update are solved exactly (their fold-in).
        std::vector<char> course_was_empty(m, 0);
        for (std::size_t c = 0; c < m; ++c) course_was_empty[c] = column_size_[c] == 0;
        RowMatrix solved(rows.rows, d);
        solve_learners(solved, rows, learners, exact_pick, cg_pick);

        // Each moved learner's old terms (old weights, old factors) leave the equations of the courses
        // they had, the new ones enter those they have now, grouped by course in a stable order.
        RowMatrix previous(static_cast<Eigen::Index>(moved.size()), d);
        std::vector<std::size_t> starts(m + 1, 0);
        for (index_t i : moved) {
            for (index_t c : rows_[static_cast<std::size_t>(learners[static_cast<std::size_t>(i)])].courses)
                ++starts[static_cast<std::size_t>(c) + 1];
            for (index_t c : rows.row(i).indices) ++starts[static_cast<std::size_t>(c) + 1];
        }
        for (std::size_t c = 0; c < m; ++c) starts[c + 1] += starts[c];
        std::vector<Term> terms(starts[m]);
        std::vector<std::size_t> next(starts.begin(), starts.end() - 1);
        for (std::size_t k = 0; k < moved.size(); ++k) {
            const index_t i = moved[k];
            const index_t u = learners[static_cast<std::size_t>(i)];
            const CsrRow fresh = rows.row(i);
            auto& row = rows_[static_cast<std::size_t>(u)];
            const auto r = static_cast<Eigen::Index>(k);
            previous.row(r) = X_.row(u);
            for (std::size_t j = 0; j < row.courses.size(); ++j) {
                const auto c = static_cast<std::size_t>(row.courses[j]);
                terms[next[c]++] = term(previous.row(r).data(), row.weights[j], -1.0);
                --column_size_[c];
            }
            for (std::size_t j = 0; j < fresh.size(); ++j) {
                const auto c = static_cast<std::size_t>(fresh.indices[j]);
                terms[next[c]++] = term(solved.row(i).data(), fresh.weights[j], +1.0);
                ++column_size_[c];
            }
            X_.row(u) = solved.row(i);
            row.courses.assign(fresh.indices.begin(), fresh.indices.end());
            row.weights.assign(fresh.weights.begin(), fresh.weights.end());
        }
        std::vector<index_t> moved_learners(moved.size());
        for (std::size_t k = 0; k < moved.size(); ++k) moved_learners[k] = learners[static_cast<std::size_t>(moved[k])];
        gram_update(gx_, previous, X_, moved_learners);
        stats.learners_solved = static_cast<index_t>(moved.size());
        apply_terms(terms, starts);

        // The changed courses against the updated learners, from their kept normal equations.
        std::vector<index_t> courses;
        for (std::size_t c = 0; c < m; ++c)
            if (changed[c]) courses.push_back(static_cast<index_t>(c));
        RowMatrix ys(static_cast<Eigen::Index>(courses.size()), d);
        Eigen::MatrixXd base = gx_;
        base.diagonal().array() += static_cast<double>(config_.regularization);
        const double per_course = cg_ ? 2.0 * static_cast<double>(config_.cg_steps + 1) * static_cast<double>(d * d)
                                      : static_cast<double>(d * d * d) / 3.0;
        const double solve_flops = static_cast<double>(courses.size()) * per_course;
        const auto solved_courses = static_cast<std::int64_t>(courses.size());
        detail::parallel_for(0, solved_courses, threads_for(solve_flops), [&](std::int64_t k) {
            const auto c = static_cast<std::size_t>(courses[static_cast<std::size_t>(k)]);
            const auto D = static_cast<std::size_t>(d);
            // Only the lower triangle of A_c is kept; LLT and the symmetric products read no more.
            Eigen::MatrixXd a = base;
            a.triangularView<Eigen::Lower>() += Eigen::Map<const Eigen::MatrixXd>(a_.data() + c * D * D, d, d);
            const Eigen::Map<const Eigen::VectorXd> b(b_.data() + c * D, d);
            Eigen::VectorXd y;
            if (cg_ && !course_was_empty[c]) {
                y = Y_.row(static_cast<Eigen::Index>(c)).transpose().cast<double>();
                cg_solve(a, b, y, config_.cg_steps);
            } else {
                Eigen::LLT<Eigen::MatrixXd, Eigen::Lower> llt(a);
                if (llt.info() == Eigen::Success) {
                    y = llt.solve(b);
                } else {
                    a.triangularView<Eigen::StrictlyUpper>() = a.transpose();
                    y = a.ldlt().solve(b);
                }
            }
            ys.row(k) = y.transpose().cast<float>();
        }, 4);
        RowMatrix old_ys(static_cast<Eigen::Index>(courses.size()), d);
        for (std::size_t k = 0; k < courses.size(); ++k) {
            old_ys.row(static_cast<Eigen::Index>(k)) = Y_.row(courses[k]);
            Y_.row(courses[k]) = ys.row(static_cast<Eigen::Index>(k));
        }
        gram_update(gy_, old_ys, Y_, courses);
        stats.courses_solved = static_cast<index_t>(courses.size());
        return stats;
    }

    /// The model as updated so far (an independent immutable copy; the Gram matrices it caches
    /// come from the updater's, so publishing costs a copy of the factors).
    AlsModel model() const {
        Eigen::MatrixXf user_gram = gy_.cast<float>(), item_gram = gx_.cast<float>();
        user_gram.diagonal().array() += config_.regularization;
        item_gram.diagonal().array() += config_.regularization;
        return AlsModel(X_, Y_, config_, std::move(user_gram), std::move(item_gram));
    }

    /// Regions of less than `flops` work run on the calling thread alone (default 3e7, about 10 ms
    /// on one core); 0 gives every region num_threads. The factors do not depend on it.
    void set_serial_below_flops(double flops) {
        LEARNREC_CHECK(flops >= 0, "a negative flop threshold: {}", flops);
        serial_below_flops_ = flops;
    }

private:
    using RowMatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

    struct Row {
        std::vector<index_t> courses;
        std::vector<float> weights;
    };

    /// The team for a region of about `flops` work. A day's regions are small, and an OpenMP worker
    /// that joins one then spins for milliseconds after it (CPU time the update is charged for;
    /// measured: 5 ms of work cost 30 ms of CPU on 2 threads): below 3e7 flops (about 10 ms on
    /// one core) the region runs on the calling thread alone.
    int threads_for(double flops) const { return flops < serial_below_flops_ ? 1 : threads_; }

    /// One learner's share of a course's equations: a (c - 1) x x' in A_c, b c p x in b_c.
    struct Term {
        const float* x = nullptr;  // the learner's factors (d floats)
        double a = 0.0;
        double b = 0.0;
    };

    Term term(const float* x, float weight, double sign) const {
        const double w = static_cast<double>(config_.alpha) * static_cast<double>(weight);
        const double conf = std::abs(w);
        return Term{x, sign * (conf - 1.0), w > 0.0 ? sign * conf : 0.0};
    }

    /// Adds terms[starts[c], starts[c + 1]) to course c's equations, for every course, courses in
    /// parallel, each in its terms' order: A_c by detail::als_rank_update (the lower triangle only,
    /// vectorised for the active instruction set), b_c by one axpy per term.
    void apply_terms(const std::vector<Term>& terms, const std::vector<std::size_t>& starts) {
        const auto d = static_cast<Eigen::Index>(config_.factors);
        const auto D = static_cast<std::size_t>(d);
        const double flops = static_cast<double>(terms.size()) * static_cast<double>(d * d) / 2.0;
        detail::parallel_for(0, static_cast<std::int64_t>(starts.size()) - 1, threads_for(flops), [&](std::int64_t ci) {
            const auto c = static_cast<std::size_t>(ci);
            const std::size_t first = starts[c], count = starts[c + 1] - first;
            if (count == 0) return;
            RowMatrixD p(static_cast<Eigen::Index>(count), d);
            Eigen::VectorXd wa(static_cast<Eigen::Index>(count));
            Eigen::Map<Eigen::VectorXd> b(b_.data() + c * D, d);
            for (std::size_t k = 0; k < count; ++k) {
                const Term& t = terms[first + k];
                const auto r = static_cast<Eigen::Index>(k);
                p.row(r) = Eigen::Map<const Eigen::RowVectorXf>(t.x, d).cast<double>();
                wa(r) = t.a;
                if (t.b != 0.0) b += t.b * p.row(r).transpose();
            }
            detail::als_rank_update(a_.data() + c * D * D, p.data(), wa.data(), count, config_.factors);
        }, 8);
    }

    /// g += sum_k (table.row(at[k]) table.row(at[k])' - old.row(k) old.row(k)'), in double.
    static void gram_update(Eigen::MatrixXd& g, const RowMatrix& old, const RowMatrix& table,
                            std::span<const index_t> at) {
        if (at.empty()) return;
        Eigen::MatrixXd now(old.rows(), old.cols());
        for (std::size_t k = 0; k < at.size(); ++k)
            now.row(static_cast<Eigen::Index>(k)) = table.row(at[k]).cast<double>();
        const Eigen::MatrixXd before = old.cast<double>();
        g.noalias() += now.transpose() * now;
        g.noalias() -= before.transpose() * before;
    }

    /// `steps` of conjugate gradient on a y = b (a: lower triangle read) warm-started from y, with
    /// als_cg_row's steps and stopping rules (the training half-step's solve, here in double).
    static void cg_solve(const Eigen::MatrixXd& a, const Eigen::Map<const Eigen::VectorXd>& b, Eigen::VectorXd& y,
                         int steps) {
        Eigen::VectorXd r = b - a.selfadjointView<Eigen::Lower>() * y;
        Eigen::VectorXd p = r, ap(y.size());
        double rs_old = r.squaredNorm();
        if (rs_old < 1e-20) return;
        for (int it = 0; it < steps; ++it) {
            ap.noalias() = a.selfadjointView<Eigen::Lower>() * p;
            const double pap = p.dot(ap);
            if (!(pap > 0.0)) break;  // non-positive curvature: stop rather than diverge
            const double step = rs_old / pap;
            y += step * p;
            r -= step * ap;
            const double rs_new = r.squaredNorm();
            if (rs_new < 1e-20) break;
            p = r + (rs_new / rs_old) * p;
            rs_old = rs_new;
        }
    }

    /// Marks the courses whose pair with this learner was added, removed or re-weighted.
    static std::size_t mark_changes(const Row& old, const CsrRow& fresh, std::vector<char>& changed) {
        std::vector<std::pair<index_t, float>> a, b;
        for (std::size_t k = 0; k < old.courses.size(); ++k) a.emplace_back(old.courses[k], old.weights[k]);
        for (std::size_t k = 0; k < fresh.size(); ++k) b.emplace_back(fresh.indices[k], fresh.weights[k]);
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        std::size_t n = 0, i = 0, j = 0;
        const auto mark = [&](index_t c) {
            changed[static_cast<std::size_t>(c)] = 1;
            ++n;
        };
        while (i < a.size() || j < b.size()) {
            if (j == b.size() || (i < a.size() && a[i].first < b[j].first)) {
                mark(a[i++].first);
            } else if (i == a.size() || b[j].first < a[i].first) {
                mark(b[j++].first);
            } else {
                if (a[i].second != b[j].second) mark(a[i].first);
                ++i;
                ++j;
            }
        }
        return n;
    }

    void grow(index_t learners, index_t courses) {
        const auto d = static_cast<Eigen::Index>(config_.factors);
        if (learners > num_learners()) {
            RowMatrix x = RowMatrix::Zero(learners, d);
            x.topRows(X_.rows()) = X_;
            X_ = std::move(x);
            rows_.resize(static_cast<std::size_t>(learners));
        }
        if (courses > num_courses()) {
            RowMatrix y = RowMatrix::Zero(courses, d);
            y.topRows(Y_.rows()) = Y_;
            Y_ = std::move(y);
            const auto D = static_cast<std::size_t>(d);
            a_.resize(static_cast<std::size_t>(courses) * D * D, 0.0);
            column_size_.resize(static_cast<std::size_t>(courses), 0);
            b_.resize(static_cast<std::size_t>(courses) * D, 0.0);
        }
    }

    /// Rows `exact` of `rows` solved exactly against the current courses (through the Woodbury
    /// identity for rows shorter than the factors, as in training), rows `cg` by the training CG
    /// half-step warm-started from the learners' current factors (als_cg_block, in its fixed
    /// blocks of rows); into the same rows of `out`.
    void solve_learners(RowMatrix& out, const CsrView& rows, std::span<const index_t> learners,
                        const std::vector<index_t>& exact, const std::vector<index_t>& cg) const {
        if (exact.empty() && cg.empty()) return;
        Eigen::MatrixXf gram_reg = gy_.cast<float>();
        gram_reg.diagonal().array() += config_.regularization;
        const auto d = static_cast<double>(config_.factors);
        if (!exact.empty()) {
            const CsrMatrix part = detail::select_rows(rows, exact, rows.cols);
            const bool needs_v = detail::als_lowrank_needs_v(part.view(), config_.alpha, config_.factors);
            const double flops = static_cast<double>(part.nnz()) * d * d +
                                 static_cast<double>(part.rows()) * d * d * d / 3.0 +
                                 (needs_v ? static_cast<double>(Y_.rows()) * d * d : 0.0);
            const int threads = detail::resolve_threads(threads_for(flops));
            const detail::AlsLowRank low_rank(gram_reg, Y_, threads, needs_v);
            std::vector<std::unique_ptr<detail::AlsScratch>> scratch(static_cast<std::size_t>(threads));
            detail::parallel_for(0, part.rows(), threads, [&](std::int64_t r) {
                auto& s = scratch[static_cast<std::size_t>(detail::thread_index())];
                if (!s) s = std::make_unique<detail::AlsScratch>(Y_.cols());
                Eigen::Map<Vector> x(out.row(exact[static_cast<std::size_t>(r)]).data(), out.cols());
                detail::als_solve_exact(x, Y_, gram_reg, part.row(static_cast<index_t>(r)), config_.alpha, *s,
                                        &low_rank);
            }, 16);
        }
        if (!cg.empty()) {
            const CsrMatrix part = detail::select_rows(rows, cg, rows.cols);
            RowMatrix x(part.rows(), Y_.cols());
            for (std::size_t k = 0; k < cg.size(); ++k)
                x.row(static_cast<Eigen::Index>(k)) = X_.row(learners[static_cast<std::size_t>(cg[k])]);
            const double flops = static_cast<double>(config_.cg_steps + 1) *
                                 (2.0 * static_cast<double>(part.nnz()) * d + static_cast<double>(part.rows()) * d * d);
            const int threads = detail::resolve_threads(threads_for(flops));
            const auto D = static_cast<index_t>(Y_.cols());
            const std::int64_t blocks = (static_cast<std::int64_t>(part.rows()) + detail::kAlsCgBlock - 1) /
                                        detail::kAlsCgBlock;
            std::vector<std::unique_ptr<detail::AlsScratch>> scratch(static_cast<std::size_t>(threads));
            detail::parallel_for(0, blocks, threads, [&](std::int64_t blk) {
                auto& s = scratch[static_cast<std::size_t>(detail::thread_index())];
                if (!s) s = std::make_unique<detail::AlsScratch>(Y_.cols());
                const std::int64_t r0 = blk * detail::kAlsCgBlock;
                const auto count = static_cast<index_t>(std::min<std::int64_t>(detail::kAlsCgBlock, part.rows() - r0));
                detail::als_cg_block(x.row(r0).data(), count, Y_.data(), D, gram_reg.data(),
                                     part.indptr().data() + r0, part.indices().data(), part.data().data(),
                                     config_.alpha, config_.cg_steps, s->work.data());
            }, 8);
            for (std::size_t k = 0; k < cg.size(); ++k) out.row(cg[k]) = x.row(static_cast<Eigen::Index>(k));
        }
    }

    AlsConfig config_;
    bool cg_ = false;  // the model was trained by CG: existing rows are re-solved as its half-step
    int threads_ = 0;
    double serial_below_flops_ = 3e7;
    RowMatrix X_, Y_;
    std::vector<Row> rows_;
    Eigen::MatrixXd gx_, gy_;   // X'X and Y'Y
    std::vector<double> a_;     // per course, d x d, lower triangle: sum (c - 1) x x'
    std::vector<double> b_;     // per course, d: sum c p x
    std::vector<index_t> column_size_;  // interactions per course
};

}  // namespace learnrec
