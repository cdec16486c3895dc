// learnrec — the daily update of an ALS model: only the learners whose rows changed and the courses
// whose columns changed are re-solved, and nothing proportional to the whole data set is touched.
//
// als_partial_fit (model/update.hpp) re-solves a course from its whole column: O(column d^2) per
// course, and the courses a day touches are the popular ones, whose columns hold a large share of
// all interactions. AlsDailyUpdater keeps, per course, the part of its normal equations that its
// column contributes,
//     A_c = sum_u (c_uc - 1) x_u x_u'      b_c = sum_u c_uc p_uc x_u
// (confidences and preferences as in model/als.hpp), and both Gram matrices X'X and Y'Y, in double.
// When a learner's row changes, their old contribution is taken out of the courses they had and
// the new one (new weights, new factors) put into the courses they have now: O(row d^2). A course
// is then solved from (X'X + reg I + A_c) y = b_c in O(d^3), exactly the training half-step on its
// column against the current learner factors (tested against fold-in).
//
// update(learners, rows): `rows.row(i)` is the whole current row of learner `learners[i]`
// (indices at or past num_learners() add learners; skipped indices get zero factors, as implicit
// does; columns at or past num_courses() add courses). The learners are solved against the course
// factors (their fold-in), then every course whose column changed (a pair added, removed or
// re-weighted) and any course in `refresh` is solved against the updated learners. Learners and
// courses not named keep their factors, as with als_partial_fit.
//
// Complexity: construction O(nnz d^2 + (n + m) d^2); an update O(sum over changed rows of
// (old + new row length) d^2 + (learners + courses solved) d^3), independent of the number of
// learners, courses and interactions otherwise; model() O((n + m) d^2) (copies the factors and
// forms the model's Gram caches). Memory: the interaction rows (O(nnz)) and m d (d + 1) doubles
// (32 KiB per course at 64 factors).
// Thread safety: one thread at a time per updater; model() returns an independent immutable model.
// Determinism: the solves run on num_threads, the sums in a fixed order: the same updates give the
// same factors whatever the thread count.
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

    /// `model` and the interactions it was trained on (`user_items`, the model's shape; copied).
    AlsDailyUpdater(const AlsModel& model, const CsrView& user_items, int num_threads = 0)
        : config_(model.config()), threads_(num_threads), X_(model.user_factors()), Y_(model.item_factors()) {
        user_items.validate("user_items");
        LEARNREC_CHECK(user_items.rows == model.num_learners() && user_items.cols == model.num_courses(),
                       "user_items is {} x {} but the model {} x {}: the updater starts from the data the model was "
                       "trained on", user_items.rows, user_items.cols, model.num_learners(), model.num_courses());
        const auto d = static_cast<std::size_t>(config_.factors);
        rows_.resize(static_cast<std::size_t>(user_items.rows));
        for (index_t u = 0; u < user_items.rows; ++u) {
            const CsrRow r = user_items.row(u);
            auto& row = rows_[static_cast<std::size_t>(u)];
            row.courses.assign(r.indices.begin(), r.indices.end());
            row.weights.assign(r.weights.begin(), r.weights.end());
        }
        gx_ = X_.cast<double>().transpose() * X_.cast<double>();
        gy_ = Y_.cast<double>().transpose() * Y_.cast<double>();
        a_.assign(static_cast<std::size_t>(Y_.rows()) * d * d, 0.0);
        b_.assign(static_cast<std::size_t>(Y_.rows()) * d, 0.0);
        for (index_t u = 0; u < user_items.rows; ++u) contribute(u, +1.0);
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

        // Learners against the fixed courses (new courses have zero factors until solved below).
        Eigen::MatrixXf gram_reg = gy_.cast<float>();
        gram_reg.diagonal().array() += config_.regularization;
        RowMatrix solved(rows.rows, d);
        solve_rows(solved, Y_, gram_reg, rows);

        // Take each learner's old contribution out of the courses and put the new one in.
        std::vector<char> changed(static_cast<std::size_t>(num_courses()), 0);
        for (index_t c : refresh) changed[static_cast<std::size_t>(c)] = 1;
        for (std::size_t i = 0; i < learners.size(); ++i) {
            const index_t u = learners[i];
            const CsrRow fresh = rows.row(static_cast<index_t>(i));
            stats.pairs_changed += mark_changes(rows_[static_cast<std::size_t>(u)], fresh, changed);
            contribute(u, -1.0);
            const Eigen::VectorXd old = X_.row(u).transpose().cast<double>();
            X_.row(u) = solved.row(static_cast<Eigen::Index>(i));
            const Eigen::VectorXd now = X_.row(u).transpose().cast<double>();
            gx_.noalias() += now * now.transpose() - old * old.transpose();
            auto& row = rows_[static_cast<std::size_t>(u)];
            row.courses.assign(fresh.indices.begin(), fresh.indices.end());
            row.weights.assign(fresh.weights.begin(), fresh.weights.end());
            contribute(u, +1.0);
        }
        stats.learners_solved = static_cast<index_t>(learners.size());

        // The changed courses against the updated learners, from their kept normal equations.
        std::vector<index_t> courses;
        for (index_t c = 0; c < num_courses(); ++c)
            if (changed[static_cast<std::size_t>(c)]) courses.push_back(c);
        RowMatrix ys(static_cast<Eigen::Index>(courses.size()), d);
        Eigen::MatrixXd base = gx_;
        base.diagonal().array() += static_cast<double>(config_.regularization);
        detail::parallel_for(0, static_cast<std::int64_t>(courses.size()), threads_, [&](std::int64_t k) {
            const auto c = static_cast<std::size_t>(courses[static_cast<std::size_t>(k)]);
            const auto D = static_cast<std::size_t>(d);
            Eigen::MatrixXd a = base + Eigen::Map<const Eigen::MatrixXd>(a_.data() + c * D * D, d, d);
            const Eigen::Map<const Eigen::VectorXd> b(b_.data() + c * D, d);
            Eigen::LLT<Eigen::MatrixXd> llt(a);
            const Eigen::VectorXd y = llt.info() == Eigen::Success ? Eigen::VectorXd(llt.solve(b))
                                                                   : Eigen::VectorXd(a.ldlt().solve(b));
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

private:
    struct Row {
        std::vector<index_t> courses;
        std::vector<float> weights;
    };

    /// Adds (sign +1) or removes (-1) learner u's terms from the courses' normal equations.
    void contribute(index_t u, double sign) {
        const auto& row = rows_[static_cast<std::size_t>(u)];
        if (row.courses.empty()) return;
        const auto d = static_cast<Eigen::Index>(config_.factors);
        const auto D = static_cast<std::size_t>(d);
        const Eigen::VectorXd x = X_.row(u).transpose().cast<double>();
        const Eigen::MatrixXd xx = x * x.transpose();
        for (std::size_t k = 0; k < row.courses.size(); ++k) {
            const double w = static_cast<double>(config_.alpha) * static_cast<double>(row.weights[k]);
            const double conf = std::abs(w);
            const auto c = static_cast<std::size_t>(row.courses[k]);
            Eigen::Map<Eigen::MatrixXd>(a_.data() + c * D * D, d, d) += (sign * (conf - 1.0)) * xx;
            if (w > 0.0) Eigen::Map<Eigen::VectorXd>(b_.data() + c * D, d) += (sign * conf) * x;
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
            b_.resize(static_cast<std::size_t>(courses) * D, 0.0);
        }
    }

    void solve_rows(RowMatrix& out, const RowMatrix& other, const Eigen::MatrixXf& gram_reg, const CsrView& rows) const {
        const int threads = detail::resolve_threads(threads_);
        std::vector<std::unique_ptr<detail::AlsScratch>> scratch(static_cast<std::size_t>(threads));
        detail::parallel_for(0, rows.rows, threads, [&](std::int64_t r) {
            auto& s = scratch[static_cast<std::size_t>(detail::thread_index())];
            if (!s) s = std::make_unique<detail::AlsScratch>(other.cols());
            Eigen::Map<Vector> x(out.row(r).data(), out.cols());
            detail::als_solve_exact(x, other, gram_reg, rows.row(static_cast<index_t>(r)), config_.alpha, *s);
        }, 16);
    }

    AlsConfig config_;
    int threads_ = 0;
    RowMatrix X_, Y_;
    std::vector<Row> rows_;
    Eigen::MatrixXd gx_, gy_;   // X'X and Y'Y
    std::vector<double> a_;     // per course, d x d: sum (c - 1) x x'
    std::vector<double> b_;     // per course, d: sum c p x
};

}  // namespace learnrec
