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
// now; the terms are grouped by course and each course takes them in one rank-k product (BLAS-3,
// courses in parallel) rather than one d x d rank-1 update per pair. A course is then solved from
// (X'X + reg I + A_c) y = b_c in O(d^3), exactly the training half-step on its column against the
// current learner factors (tested against fold-in, and the kept equations against a rebuild).
// Changed learners are solved as the training half-step solves them (through the Woodbury
// identity when a row is shorter than the factors).
//
// update(learners, rows): `rows.row(i)` is the whole current row of learner `learners[i]`
// (indices at or past num_learners() add learners; skipped indices get zero factors, as implicit
// does; columns at or past num_courses() add courses). The learners are solved against the course
// factors (their fold-in), then every course whose column changed (a pair added, removed or
// re-weighted) and any course in `refresh` is solved against the updated learners. Learners and
// courses not named keep their factors, as with als_partial_fit.
//
// Complexity: construction O(nnz d^2 + (n + m) d^2) (rank-k products per course); an update
// O(sum over changed rows of (old + new row length) d^2 + (learners + courses solved) d^3 + m d^2)
// (the m d^2: the courses' shared factor for the Woodbury solves, when some row uses it),
// independent of the number of learners and interactions otherwise; model() O((n + m) d^2)
// (copies the factors and forms the model's Gram caches). Memory: the interaction rows (O(nnz)) and m d (d + 1) doubles
// (32 KiB per course at 64 factors).
// Thread safety: one thread at a time per updater; model() returns an independent immutable model.
// Determinism: the solves run on num_threads (regions of less than 3e7 flops on the calling
// thread alone), the sums in a fixed order: the same updates give the same factors
// whatever the thread count.
#pragma once

#include <algorithm>
#include <memory>
#include <span>
#include <vector>

#include <Eigen/Cholesky>

#include "learnrec/model/als.hpp"
#include "learnrec/model/update.hpp"

namespace learnrec {

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
        : config_(model.config()), threads_(num_threads), X_(model.user_factors()), Y_(model.item_factors()) {
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

        // Learners against the fixed courses (new courses have zero factors until solved below).
        RowMatrix solved(rows.rows, d);
        solve_learners(solved, rows);

        // Each learner's old terms leave the equations of the courses they had, the new ones (new
        // weights, new factors) enter those they have now. The old factors are kept aside so the
        // terms can be applied course by course afterwards.
        std::vector<char> changed(m, 0);
        for (index_t c : refresh) changed[static_cast<std::size_t>(c)] = 1;
        RowMatrix previous(rows.rows, d);
        std::vector<std::pair<index_t, Term>> pending;
        for (std::size_t i = 0; i < learners.size(); ++i) {
            const index_t u = learners[i];
            const auto r = static_cast<Eigen::Index>(i);
            const CsrRow fresh = rows.row(static_cast<index_t>(i));
            auto& row = rows_[static_cast<std::size_t>(u)];
            stats.pairs_changed += mark_changes(row, fresh, changed);
            previous.row(r) = X_.row(u);
            for (std::size_t k = 0; k < row.courses.size(); ++k)
                pending.emplace_back(row.courses[k], term(previous.row(r).data(), row.weights[k], -1.0));
            for (std::size_t k = 0; k < fresh.size(); ++k)
                pending.emplace_back(fresh.indices[k], term(solved.row(r).data(), fresh.weights[k], +1.0));
            const Eigen::VectorXd old = previous.row(r).transpose().cast<double>();
            const Eigen::VectorXd now = solved.row(r).transpose().cast<double>();
            gx_.noalias() += now * now.transpose() - old * old.transpose();
            X_.row(u) = solved.row(r);
            row.courses.assign(fresh.indices.begin(), fresh.indices.end());
            row.weights.assign(fresh.weights.begin(), fresh.weights.end());
        }
        stats.learners_solved = static_cast<index_t>(learners.size());
        // Grouped by course, in the order above within a course (a stable counting sort).
        std::vector<std::size_t> starts(m + 1, 0);
        for (const auto& p : pending) ++starts[static_cast<std::size_t>(p.first) + 1];
        for (std::size_t c = 0; c < m; ++c) starts[c + 1] += starts[c];
        std::vector<Term> terms(pending.size());
        {
            std::vector<std::size_t> next(starts.begin(), starts.end() - 1);
            for (const auto& p : pending) terms[next[static_cast<std::size_t>(p.first)]++] = p.second;
        }
        apply_terms(terms, starts);

        // The changed courses against the updated learners, from their kept normal equations.
        std::vector<index_t> courses;
        for (std::size_t c = 0; c < m; ++c)
            if (changed[c]) courses.push_back(static_cast<index_t>(c));
        RowMatrix ys(static_cast<Eigen::Index>(courses.size()), d);
        Eigen::MatrixXd base = gx_;
        base.diagonal().array() += static_cast<double>(config_.regularization);
        const double solve_flops = static_cast<double>(courses.size()) * static_cast<double>(d * d * d) / 3.0;
        const auto solved_courses = static_cast<std::int64_t>(courses.size());
        detail::parallel_for(0, solved_courses, threads_for(solve_flops), [&](std::int64_t k) {
            const auto c = static_cast<std::size_t>(courses[static_cast<std::size_t>(k)]);
            const auto D = static_cast<std::size_t>(d);
            // Only the lower triangle of A_c is kept; LLT reads no more.
            Eigen::MatrixXd a = base;
            a.triangularView<Eigen::Lower>() += Eigen::Map<const Eigen::MatrixXd>(a_.data() + c * D * D, d, d);
            const Eigen::Map<const Eigen::VectorXd> b(b_.data() + c * D, d);
            Eigen::LLT<Eigen::MatrixXd, Eigen::Lower> llt(a);
            Eigen::VectorXd y;
            if (llt.info() == Eigen::Success) {
                y = llt.solve(b);
            } else {
                a.triangularView<Eigen::StrictlyUpper>() = a.transpose();
                y = a.ldlt().solve(b);
            }
            ys.row(k) = y.transpose().cast<float>();
        }, 4);
        for (std::size_t k = 0; k < courses.size(); ++k) {
            const index_t c = courses[k];
            const Eigen::VectorXd old = Y_.row(c).transpose().cast<double>();
            Y_.row(c) = ys.row(static_cast<Eigen::Index>(k));
            const Eigen::VectorXd now = Y_.row(c).transpose().cast<double>();
            gy_.noalias() += now * now.transpose() - old * old.transpose();
        }
        stats.courses_solved = static_cast<index_t>(courses.size());
        return stats;
    }

    /// The model as updated so far (an independent immutable copy).
    AlsModel model() const { return AlsModel(X_, Y_, config_); }

    /// Regions of less than `flops` work run on the calling thread alone (default 3e7, about 10 ms
    /// on one core); 0 gives every region num_threads. The factors do not depend on it.
    void set_serial_below_flops(double flops) {
        LEARNREC_CHECK(flops >= 0, "a negative flop threshold: {}", flops);
        serial_below_flops_ = flops;
    }

private:
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

    /// Adds terms[starts[c], starts[c + 1]) to course c's equations, for every course: one rank-k
    /// product per course (lower triangle only), courses in parallel, each summed in its given order.
    void apply_terms(const std::vector<Term>& terms, const std::vector<std::size_t>& starts) {
        const auto d = static_cast<Eigen::Index>(config_.factors);
        const auto D = static_cast<std::size_t>(d);
        const double flops = static_cast<double>(terms.size()) * static_cast<double>(d * d);
        detail::parallel_for(0, static_cast<std::int64_t>(starts.size()) - 1, threads_for(flops), [&](std::int64_t ci) {
            const auto c = static_cast<std::size_t>(ci);
            const std::size_t first = starts[c], count = starts[c + 1] - first;
            if (count == 0) return;
            Eigen::MatrixXd P(static_cast<Eigen::Index>(count), d);
            Eigen::VectorXd wa(static_cast<Eigen::Index>(count)), wb(static_cast<Eigen::Index>(count));
            for (std::size_t k = 0; k < count; ++k) {
                const Term& t = terms[first + k];
                const auto r = static_cast<Eigen::Index>(k);
                P.row(r) = Eigen::Map<const Eigen::RowVectorXf>(t.x, d).cast<double>();
                wa(r) = t.a;
                wb(r) = t.b;
            }
            Eigen::Map<Eigen::MatrixXd> A(a_.data() + c * D * D, d, d);
            A.triangularView<Eigen::Lower>() += P.transpose() * (wa.asDiagonal() * P);
            Eigen::Map<Eigen::VectorXd>(b_.data() + c * D, d) += P.transpose() * wb;
        }, 8);
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
            b_.resize(static_cast<std::size_t>(courses) * D, 0.0);
        }
    }

    /// The training half-step's exact solve of these rows against the current courses (through
    /// the Woodbury identity for rows shorter than the factors, as in training).
    void solve_learners(RowMatrix& out, const CsrView& rows) const {
        if (rows.rows == 0) return;
        Eigen::MatrixXf gram_reg = gy_.cast<float>();
        gram_reg.diagonal().array() += config_.regularization;
        const auto d = static_cast<double>(config_.factors);
        const bool needs_v = detail::als_lowrank_needs_v(rows, config_.alpha, config_.factors);
        const double flops = static_cast<double>(rows.nnz()) * d * d +
                             static_cast<double>(rows.rows) * d * d * d / 3.0 +
                             (needs_v ? static_cast<double>(Y_.rows()) * d * d : 0.0);
        const int threads = detail::resolve_threads(threads_for(flops));
        const detail::AlsLowRank low_rank(gram_reg, Y_, threads,
                                          needs_v);
        std::vector<std::unique_ptr<detail::AlsScratch>> scratch(static_cast<std::size_t>(threads));
        detail::parallel_for(0, rows.rows, threads, [&](std::int64_t r) {
            auto& s = scratch[static_cast<std::size_t>(detail::thread_index())];
            if (!s) s = std::make_unique<detail::AlsScratch>(Y_.cols());
            Eigen::Map<Vector> x(out.row(r).data(), out.cols());
            detail::als_solve_exact(x, Y_, gram_reg, rows.row(static_cast<index_t>(r)), config_.alpha, *s, &low_rank);
        }, 16);
    }

    AlsConfig config_;
    int threads_ = 0;
    double serial_below_flops_ = 3e7;
    RowMatrix X_, Y_;
    std::vector<Row> rows_;
    Eigen::MatrixXd gx_, gy_;   // X'X and Y'Y
    std::vector<double> a_;     // per course, d x d, lower triangle: sum (c - 1) x x'
    std::vector<double> b_;     // per course, d: sum c p x
};

}  // namespace learnrec
