// learnrec — the daily update of an ALS model: only the learners whose rows changed and the courses
// whose columns changed are re-solved, and nothing proportional to the whole data set is touched.
//
// als_partial_fit (model/update.hpp) re-solves a course from its whole column: O(column d^2) per
// course, and the courses a day touches are the popular ones, whose columns hold a large share of
// all interactions. AlsDailyUpdater keeps, per course, the part of its normal equations that its
// column contributes,
//     A_c = sum_u (c_uc - 1) x_u x_u'      b_c = sum_u c_uc p_uc x_u
// (confidences and preferences as in model/als.hpp), in float, only the lower block triangle of A_c
// (detail/als_update_kernels.hpp: 2,560 floats, 10 KiB, at 64 factors), and both Gram matrices X'X
// and Y'Y in double. When a learner's row changes, their old terms (old weights, old factors)
// leave the courses they had and the new ones enter the courses they have now; the terms are
// grouped by course and each course takes all of its terms at once, each register tile of A_c
// loaded and stored once per course (detail::als_packed_update, vectorised per instruction set;
// courses in parallel), rather than one d x d rank-1 update per pair. Float is enough: a day adds
// one rounding per entry per 64 terms (a course's terms are summed in registers first), the
// training half-step it reproduces runs in float, and the tests hold at the solver tolerance (1e-4
// relative against a half-step on the column, 1e-5 against equations rebuilt from the data). A
// changed course is then solved, right after its terms went in (its equations still in cache),
// from (X'X + reg I + A_c) y = b_c, the normal equations of the training half-step on its column
// against the current learner factors. Each solve is the model's training half-step for that row:
// for a model trained by CG (the default), `cg_steps` steps of CG warm-started from the row's
// current factors (learners by als_cg_block, courses by detail::als_packed_cg on their kept
// equations); for a Cholesky model, the exact solve (in double; learners through the Woodbury
// identity when a row is shorter than the factors). A learner or course with no interactions
// before the update has no trained row to start from and is solved exactly, whatever the solver
// (a new learner's row equals fold-in).
//
// update(learners, rows): `rows.row(i)` is the whole current row of learner `learners[i]`
// (indices at or past num_learners() add learners; skipped indices get zero factors, as implicit
// does; columns at or past num_courses() add courses). Learners whose row differs from the kept one
// are solved against the course factors (a learner whose row did not change keeps their factors:
// their data gave the solve nothing new), then every course whose column changed (a pair added,
// removed or re-weighted) and any course in `refresh` is solved against the updated learners.
// Learners and courses not named keep their factors, as with als_partial_fit.
//
// Bounded staleness (set_staleness; the default is exact, as above). With learner_drift > 0 a
// solved learner whose new factors are within that relative distance of the ones their courses'
// equations hold leaves those there (the updater keeps them): only the pairs they added, removed
// or re-weighted enter, with the held factors, about one term per learner instead of two per pair
// of their row. With course_change > 0 a changed course is solved once its changed pairs since its
// last solve reach that fraction of its column, or after course_max_updates updates (a new course,
// or one in `refresh`, at once); until then its terms wait, copied, and its factors are its last
// solve's. flush() solves every course that waits. Why: at 100,000 x 5,000 a day's exact update is
// dominated by the whole rows of the moved learners (about 170,000 rank-1 terms) and by the 2,000
// courses solved, most for a pair or two in columns of hundreds; learner_drift 0.5 and
// course_change 0.05 cut its CPU by about 2.5 times with recall@10 after 30 days unchanged
// (benchmarks/README.md, issue #21).
//
// Publishing: model() copies the learner table into an independent model; publish() hands out a
// shared model and takes back the table of one nobody holds any more, copying into it only the
// rows changed since it was published.
//
// Complexity: construction O(nnz d^2 + (n + m) d^2) (rank-k products per course); an update
// O(sum over changed rows of (old + new row length) d^2 + courses solved * (d^3 exact, or
// cg_steps d^2 by CG) + learners solved * (d^3 exact, or cg_steps (row length d + d^2) by CG) + m d^2)
// (the m d^2: the courses' shared factor for the Woodbury solves, only when the exact rows' saving pays for it),
// independent of the number of learners and interactions otherwise; model() O((n + m) d) (copies
// the factors and checks only the rows the updater solved; the Gram matrices it caches are the
// updater's); publish() O(n + (rows changed since the recycled table's model + m) d), or as
// model() without a table to recycle. Memory: the interaction rows (O(nnz)) and about m d (d / 2 + 1)
// floats (10 KiB per course at 64 factors); with staleness, d floats per held learner and per waiting term;
// publish() keeps at most one spare learner table (n d floats) between a model's release and the next publish.
// Thread safety: one thread at a time per updater; model() returns an independent immutable model;
// the models from publish() may be held and released by any threads (and outlive the updater).
// Determinism: the solves run on num_threads (regions of less than 3e7 flops on the calling
// thread alone), the sums in a fixed order: the same updates give the same factors
// whatever the thread count.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

#include <Eigen/Cholesky>

#include "learnrec/detail/als_update_kernels.hpp"
#include "learnrec/detail/stream_copy.hpp"
#include "learnrec/isa.hpp"
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
        /// Solved learners whose new factors entered the equations of all their courses (all of
        /// them at drift tolerance 0; the others' changed pairs entered with the factors held).
        index_t learners_propagated = 0;
        /// Changed courses left unsolved after this update (a course-change tolerance only).
        index_t courses_deferred = 0;
    };

    /// How far the kept equations and the published course factors may lag the data, in exchange
    /// for a cheaper update. The default is exact: every solved learner's factors enter their
    /// courses' equations and every changed course is solved in the same update.
    struct Staleness {
        /// A solved learner whose new factors are within this relative (Euclidean) distance of
        /// those their courses' equations hold leaves the old ones there: only their added, removed
        /// or re-weighted pairs change the equations (with the held factors), about one term per
        /// learner instead of two per pair of their row. In [0, 1).
        float learner_drift = 0.0f;
        /// A changed course is solved once its changed pairs since its last solve reach this
        /// fraction of its column (or after course_max_updates updates, or when it is new or in
        /// `refresh`); until then its factors are the last solve's and the day's terms wait, so
        /// its equations are touched once per solve. 0 solves every changed course at once.
        float course_change = 0.0f;
        /// The most updates a changed course waits to be solved (1 = at once); each course's limit
        /// is between half of it and it, staggered by course so that courses do not come due together.
        int course_max_updates = 7;
    };

    /// `model` and the interactions it was trained on (learners x courses, the model's shape; copied).
    AlsDailyUpdater(const AlsModel& model, const CsrView& interactions, int num_threads = 0)
        : config_(model.config()), cg_(model.config().solver == AlsSolver::cg), threads_(num_threads),
          X_(model.user_factors()), Y_(model.item_factors()), dp_(detail::als_packed_dim(model.config().factors)),
          packed_(detail::als_packed_size(model.config().factors)) {
        interactions.validate("interactions");
        LEARNREC_CHECK(interactions.rows == model.num_learners() && interactions.cols == model.num_courses(),
                       "the interactions are {} x {} but the model {} x {}: the updater starts from the data the model was "
                       "trained on", interactions.rows, interactions.cols, model.num_learners(), model.num_courses());
        rows_.resize(static_cast<std::size_t>(interactions.rows));
        row_changed_at_.assign(static_cast<std::size_t>(interactions.rows), 0);
        for (index_t u = 0; u < interactions.rows; ++u) {
            const CsrRow r = interactions.row(u);
            auto& row = rows_[static_cast<std::size_t>(u)];
            row.courses.assign(r.indices.begin(), r.indices.end());
            row.weights.assign(r.weights.begin(), r.weights.end());
        }
        gx_ = X_.cast<double>().transpose() * X_.cast<double>();
        gy_ = Y_.cast<double>().transpose() * Y_.cast<double>();
        a_.assign(static_cast<std::size_t>(Y_.rows()) * packed_, 0.0f);
        pending_.resize(static_cast<std::size_t>(Y_.rows()));
        pending_changes_.assign(static_cast<std::size_t>(Y_.rows()), 0);
        pending_age_.assign(static_cast<std::size_t>(Y_.rows()), 0);
        b_.assign(static_cast<std::size_t>(Y_.rows()) * dp_, 0.0f);
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
                terms.push_back(term(X_.row(col.indices[k]).data(), col.weights[k], +1.0f));
            starts[static_cast<std::size_t>(c) + 1] = terms.size();
        }
        apply_terms(terms, starts, 0.0, [](std::size_t, std::vector<float>&) {});
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
        std::vector<char> changed(m, 0), asked(m, 0);
        for (index_t c : refresh) changed[static_cast<std::size_t>(c)] = asked[static_cast<std::size_t>(c)] = 1;
        std::vector<index_t> moved, exact_pick, cg_pick;  // positions in `learners`
        // The pairs each moved learner added, removed or re-weighted: diffs[diff_at[k]..diff_at[k+1]).
        std::vector<PairChange> diffs;
        std::vector<std::size_t> diff_at{0};
        constexpr std::size_t kAhead = 8;  // rows prefetched ahead: a day's learners are scattered over the table
        for (std::size_t i = 0; i < learners.size(); ++i) {
            // Two stages: the kept row's header 2 x kAhead ahead, the storage it points to kAhead ahead.
            if (i + 2 * kAhead < learners.size()) __builtin_prefetch(&rows_[static_cast<std::size_t>(learners[i + 2 * kAhead])]);
            if (i + kAhead < learners.size()) {
                const auto& ahead = rows_[static_cast<std::size_t>(learners[i + kAhead])];
                __builtin_prefetch(ahead.courses.data());
                __builtin_prefetch(ahead.weights.data());
            }
            const auto& row = rows_[static_cast<std::size_t>(learners[i])];
            const std::size_t pairs = row_changes(row, rows.row(static_cast<index_t>(i)), diffs);
            if (pairs == 0) continue;
            for (std::size_t j = diffs.size() - pairs; j < diffs.size(); ++j)
                changed[static_cast<std::size_t>(diffs[j].course)] = 1;
            diff_at.push_back(diffs.size());
            stats.pairs_changed += pairs;
            moved.push_back(static_cast<index_t>(i));
            (cg_ && !row.courses.empty() ? cg_pick : exact_pick).push_back(static_cast<index_t>(i));
        }
        // Courses without interactions before this update are solved exactly (their fold-in).
        std::vector<char> course_was_empty(m, 0);
        for (std::size_t c = 0; c < m; ++c) course_was_empty[c] = column_size_[c] == 0;
        // Which courses are solved now: every changed one, or with a course-change tolerance only
        // those whose changes since their last solve are enough, old enough, new, or asked for.
        for (const PairChange& change : diffs) ++pending_changes_[static_cast<std::size_t>(change.course)];
        const bool stale_courses = staleness_.course_change > 0.0f;
        std::vector<char> solve(m, 0);
        for (std::size_t c = 0; c < m; ++c) {
            if (!changed[c] && pending_changes_[c] == 0) continue;
            solve[c] = !stale_courses || course_was_empty[c] || asked[c] ||
                       static_cast<double>(pending_changes_[c]) >=
                           static_cast<double>(staleness_.course_change) * static_cast<double>(column_size_[c]) ||
                       pending_age_[c] + 1 >= wait_limit(c);
        }
        RowMatrix solved(rows.rows, d);
        solve_learners(solved, rows, learners, exact_pick, cg_pick);

        // Each moved learner's old terms (old weights, the factors the equations hold) leave the
        // equations of the courses they had, the new ones enter those they have now, grouped by course
        // in a stable order. A learner whose factors stay within the drift tolerance of those the
        // equations hold keeps them there: only their changed pairs make terms (an unchanged pair's
        // old and new terms would cancel).
        RowMatrix previous(static_cast<Eigen::Index>(moved.size()), d);
        std::vector<char> propagate(moved.size(), 1);
        std::vector<const float*> held(moved.size(), nullptr);
        const auto D = static_cast<std::size_t>(d);
        for (std::size_t k = 0; k < moved.size(); ++k) {
            if (k + 2 * kAhead < moved.size()) {
                const auto ahead = static_cast<std::size_t>(learners[static_cast<std::size_t>(moved[k + 2 * kAhead])]);
                if (ahead < held_slot_.size()) __builtin_prefetch(&held_slot_[ahead]);
            }
            if (k + kAhead < moved.size()) {
                const index_t ahead = learners[static_cast<std::size_t>(moved[k + kAhead])];
                for (std::size_t f = 0; f < D; f += 16) __builtin_prefetch(X_.row(ahead).data() + f);
                if (const float* kept = held_factors(ahead, nullptr))
                    for (std::size_t f = 0; f < D; f += 16) __builtin_prefetch(kept + f);
            }
            const index_t i = moved[k];
            const index_t u = learners[static_cast<std::size_t>(i)];
            previous.row(static_cast<Eigen::Index>(k)) = X_.row(u);
            held[k] = held_factors(u, previous.row(static_cast<Eigen::Index>(k)).data());
            if (staleness_.learner_drift > 0.0f && !rows_[static_cast<std::size_t>(u)].courses.empty())
                propagate[k] = drifted(held[k], solved.row(i).data()) ? 1 : 0;
        }
        const auto visit = [&](std::size_t k, auto&& emit) {
            if (propagate[k]) {
                const auto& old = rows_[static_cast<std::size_t>(learners[static_cast<std::size_t>(moved[k])])];
                const CsrRow fresh = rows.row(moved[k]);
                for (std::size_t j = 0; j < old.courses.size(); ++j) emit(old.courses[j], old.weights[j], -1.0f);
                for (std::size_t j = 0; j < fresh.size(); ++j) emit(fresh.indices[j], fresh.weights[j], +1.0f);
                return;
            }
            for (std::size_t j = diff_at[k]; j < diff_at[k + 1]; ++j) {
                const PairChange& change = diffs[j];
                if (change.had) emit(change.course, change.old_weight, -1.0f);
                if (change.has) emit(change.course, change.new_weight, +1.0f);
            }
        };
        // A course solved now takes its deferred terms first, then today's; an unsolved one (with a
        // course-change tolerance) keeps today's terms, copied, until it is solved.
        std::vector<std::size_t> starts(m + 1, 0);
        for (std::size_t c = 0; c < m; ++c)
            if (solve[c]) starts[c + 1] = pending_[c].a.size();
        for (std::size_t k = 0; k < moved.size(); ++k)
            visit(k, [&](index_t c, float, float) {
                if (solve[static_cast<std::size_t>(c)] || !stale_courses) ++starts[static_cast<std::size_t>(c) + 1];
            });
        for (std::size_t c = 0; c < m; ++c) starts[c + 1] += starts[c];
        std::vector<Term> terms(starts[m]);
        std::vector<std::size_t> next(starts.begin(), starts.end() - 1);
        for (std::size_t c = 0; c < m; ++c)
            if (solve[c])
                for (std::size_t t = 0; t < pending_[c].a.size(); ++t)
                    terms[next[c]++] = Term{pending_[c].x.data() + t * D, pending_[c].a[t], pending_[c].b[t]};
        for (std::size_t k = 0; k < moved.size(); ++k) {
            const index_t i = moved[k];
            const float* entering = propagate[k] ? solved.row(i).data() : held[k];
            visit(k, [&](index_t course, float weight, float sign) {
                const auto c = static_cast<std::size_t>(course);
                const Term t = term(sign < 0.0f ? held[k] : entering, weight, sign);
                if (solve[c] || !stale_courses) {
                    terms[next[c]++] = t;
                } else {
                    Pending& later = pending_[c];
                    later.x.insert(later.x.end(), t.x, t.x + D);
                    later.a.push_back(t.a);
                    later.b.push_back(t.b);
                }
            });
        }
        for (std::size_t k = 0; k < moved.size(); ++k) {
            const index_t i = moved[k];
            const index_t u = learners[static_cast<std::size_t>(i)];
            X_.row(u) = solved.row(i);
            row_changed_at_[static_cast<std::size_t>(u)] = publishes_ + 1;
            // Publishing checks only what the updater wrote (model()): an ill-posed solve is caught there.
            if (!((solved.row(i).array() - solved.row(i).array()).sum() == 0.0f)) nonfinite_learners_ = true;
            for (std::size_t j = diff_at[k]; j < diff_at[k + 1]; ++j)
                column_size_[static_cast<std::size_t>(diffs[j].course)] += diffs[j].has - diffs[j].had;
            keep_row(rows_[static_cast<std::size_t>(u)], rows.row(i));
            stats.learners_propagated += propagate[k];
        }
        std::vector<index_t> moved_learners(moved.size());
        for (std::size_t k = 0; k < moved.size(); ++k) moved_learners[k] = learners[static_cast<std::size_t>(moved[k])];
        gram_update(gx_, previous, X_, moved_learners);
        stats.learners_solved = static_cast<index_t>(moved.size());

        // Each changed course is solved against the updated learners from its kept equations right
        // after its terms went in, while they are still in cache.
        std::vector<index_t> courses;
        std::vector<std::int64_t> solve_at(m, -1);
        for (std::size_t c = 0; c < m; ++c)
            if (solve[c]) {
                solve_at[c] = static_cast<std::int64_t>(courses.size());
                courses.push_back(static_cast<index_t>(c));
            }
        RowMatrix ys(static_cast<Eigen::Index>(courses.size()), d);
        const std::size_t dp = dp_;
        // X'X + reg I, dense and zero-padded to dp: the shared part of every course's equations.
        std::vector<float> base(dp * dp, 0.0f);
        for (std::size_t j = 0; j < D; ++j)
            for (std::size_t i = 0; i < D; ++i)
                base[j * dp + i] = static_cast<float>(gx_(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) +
                                                      (i == j ? static_cast<double>(config_.regularization) : 0.0));
        const double per_course = cg_ ? 2.0 * static_cast<double>(config_.cg_steps + 1) * static_cast<double>(d * d)
                                      : static_cast<double>(d * d * d) / 3.0;
        const double solve_flops = static_cast<double>(courses.size()) * per_course;
        apply_terms(terms, starts, solve_flops, [&](std::size_t c, std::vector<float>& work) {
            const std::int64_t k = solve_at[c];
            if (k < 0) return;
            if (work.size() < dp * dp + 4 * dp) work.assign(dp * dp + 4 * dp, 0.0f);
            float* y = work.data() + dp * dp + 3 * dp;  // padded lanes stay zero
            const float* a = a_.data() + c * packed_;
            const float* b = b_.data() + c * dp;
            if (cg_ && !course_was_empty[c]) {
                std::memcpy(y, Y_.row(static_cast<Eigen::Index>(c)).data(), D * sizeof(float));
                detail::als_packed_cg(y, a, base.data(), b, dp, config_.cg_steps, work.data());
            } else {
                detail::als_packed_expand(work.data(), base.data(), a, dp);
                const Eigen::MatrixXd dense =
                    Eigen::Map<const Eigen::MatrixXf>(work.data(), static_cast<Eigen::Index>(dp), static_cast<Eigen::Index>(dp))
                        .topLeftCorner(d, d).cast<double>();
                const Eigen::VectorXd rhs = Eigen::Map<const Eigen::VectorXf>(b, d).cast<double>();
                Eigen::LLT<Eigen::MatrixXd> llt(dense);
                const Eigen::VectorXd sol = llt.info() == Eigen::Success ? Eigen::VectorXd(llt.solve(rhs))
                                                                         : Eigen::VectorXd(dense.ldlt().solve(rhs));
                for (std::size_t i = 0; i < D; ++i) y[i] = static_cast<float>(sol(static_cast<Eigen::Index>(i)));
            }
            std::memcpy(ys.row(k).data(), y, D * sizeof(float));
        });
        RowMatrix old_ys(static_cast<Eigen::Index>(courses.size()), d);
        for (std::size_t k = 0; k < courses.size(); ++k) {
            old_ys.row(static_cast<Eigen::Index>(k)) = Y_.row(courses[k]);
            Y_.row(courses[k]) = ys.row(static_cast<Eigen::Index>(k));
        }
        gram_update(gy_, old_ys, Y_, courses);
        // The deferred terms and held factors change only now: the terms above pointed into them.
        for (std::size_t c = 0; c < m; ++c) {
            if (solve[c]) {
                pending_[c].x.clear();  // capacity kept: the course defers about as much again
                pending_[c].a.clear();
                pending_[c].b.clear();
                pending_changes_[c] = 0;
                pending_age_[c] = 0;
            } else if (pending_changes_[c] > 0) {
                ++pending_age_[c];
                ++stats.courses_deferred;
            }
        }
        for (std::size_t k = 0; k < moved.size(); ++k) {
            const index_t u = learners[static_cast<std::size_t>(moved[k])];
            if (propagate[k]) release_held(u);
            else hold(u, previous.row(static_cast<Eigen::Index>(k)).data());
        }
        stats.courses_solved = static_cast<index_t>(courses.size());
        return stats;
    }

    /// The model as updated so far (an independent immutable copy; the Gram matrices it caches
    /// come from the updater's, so publishing costs a copy of the factors).
    AlsModel model() const { return model_with(detail::copied_table(X_)); }

    /// The model as updated so far, shared and immutable: what a server swaps in. Unlike model(),
    /// it recycles learner tables: when the last holder of a model from publish() lets go of it,
    /// its table comes back to the updater (the model's deleter hands it over, under a mutex), and
    /// the next publish copies into it only the learner rows changed since that model was
    /// published, a day's few thousand rows instead of the whole table (25.6 MB at 100,000 x 64).
    /// Without a table to recycle (the first publish, a model still held, learners added since)
    /// it copies the whole table, as model() does. Models from publish() may outlive the updater.
    std::shared_ptr<const AlsModel> publish() {
        ++publishes_;
        RowMatrix table;
        std::uint64_t table_publish = 0;
        {
            std::lock_guard<std::mutex> lock(spare_->mutex);
            table = std::move(spare_->table);
            table_publish = spare_->publish;
            spare_->table = RowMatrix();
        }
        if (table.rows() == X_.rows() && table.cols() == X_.cols()) {
            for (std::size_t u = 0; u < row_changed_at_.size(); ++u)
                if (row_changed_at_[u] > table_publish) table.row(static_cast<Eigen::Index>(u)) = X_.row(static_cast<Eigen::Index>(u));
        } else {
            table = detail::copied_table(X_);
        }
        // new from the prvalue: the model is built in place, its table never copied.
        return std::shared_ptr<const AlsModel>(
            new AlsModel(model_with(std::move(table))), [spare = spare_, at = publishes_](const AlsModel* done) noexcept {
                // publish() made the model non-const and nobody holds it any more: its table may move.
                auto* model = const_cast<AlsModel*>(done);
                RowMatrix kept = std::move(model->user_factors_);
                delete model;
                std::lock_guard<std::mutex> lock(spare->mutex);
                if (spare->table.size() == 0 || spare->publish < at) {
                    spare->table = std::move(kept);
                    spare->publish = at;
                }
            });
    }

    /// Sets the staleness bounds (see Staleness); takes effect from the next update.
    void set_staleness(const Staleness& bounds) {
        LEARNREC_CHECK(std::isfinite(bounds.learner_drift) && bounds.learner_drift >= 0.0f && bounds.learner_drift < 1.0f,
                       "learner_drift is a relative distance in [0, 1), not {}", bounds.learner_drift);
        LEARNREC_CHECK(std::isfinite(bounds.course_change) && bounds.course_change >= 0.0f && bounds.course_change <= 1.0f,
                       "course_change is a fraction of a course's column in [0, 1], not {}", bounds.course_change);
        LEARNREC_CHECK(bounds.course_max_updates >= 1, "course_max_updates must be at least 1, not {}",
                       bounds.course_max_updates);
        staleness_ = bounds;
    }
    const Staleness& staleness() const noexcept { return staleness_; }

    /// Solves every course with changes not yet solved (a course-change tolerance defers them):
    /// afterwards each course's factors are its half-step on all the data given so far.
    Stats flush() {
        std::vector<index_t> waiting;
        for (std::size_t c = 0; c < pending_changes_.size(); ++c)
            if (pending_changes_[c] > 0) waiting.push_back(static_cast<index_t>(c));
        const CsrMatrix none = CsrMatrix::from_triplets(0, num_courses(), {});
        return update({}, none.view(), waiting);
    }

    /// Regions of less than `flops` work run on the calling thread alone (default 3e7, about 10 ms
    /// on one core); 0 gives every region num_threads. The factors do not depend on it.
    void set_serial_below_flops(double flops) {
        LEARNREC_CHECK(flops >= 0, "a negative flop threshold: {}", flops);
        serial_below_flops_ = flops;
    }

private:
    /// The model of the current factors with learner table `table` (a copy of X_), the updater's Gram
    /// matrices as its caches. The table is checked only when a solve wrote a non-finite row: the rows
    /// it started from were checked by the trained model, and the solved ones as they were written.
    AlsModel model_with(RowMatrix table) const {
        Eigen::MatrixXf user_gram = gy_.cast<float>(), item_gram = gx_.cast<float>();
        user_gram.diagonal().array() += config_.regularization;
        item_gram.diagonal().array() += config_.regularization;
        if (nonfinite_learners_) return AlsModel(std::move(table), Y_, config_, std::move(user_gram), std::move(item_gram));
        return AlsModel(std::move(table), Y_, config_, std::move(user_gram), std::move(item_gram),
                        detail::LearnerFactorsChecked{});
    }

    /// How many updates course c may wait: course_max_updates, less up to half of it by course index,
    /// so that courses which began to wait on the same day (most do, on the first) are not all
    /// solved on one later day: a whole cohort coming due at once made every seventh day's update
    /// 1.3 times the median at 100,000 x 5,000.
    int wait_limit(std::size_t c) const noexcept {
        const auto spread = static_cast<std::size_t>((staleness_.course_max_updates + 1) / 2);
        return staleness_.course_max_updates - static_cast<int>(c % spread);
    }

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
        float a = 0.0f;
        float b = 0.0f;
    };

    Term term(const float* x, float weight, float sign) const {
        const float w = config_.alpha * weight;
        const float conf = std::abs(w);
        return Term{x, sign * (conf - 1.0f), w > 0.0f ? sign * conf : 0.0f};
    }

    /// Terms per call of the packed kernel: their rows (and weighted rows) stay in L1 while every
    /// tile of A_c takes them.
    static constexpr std::size_t kChunk = 64;

    /// Per-thread scratch of the packed kernel: kChunk padded rows, their weighted copies and b
    /// weights. The padded lanes are zeroed once and never written.
    std::vector<float> chunk_scratch() const { return std::vector<float>(2 * kChunk * dp_ + kChunk, 0.0f); }

    /// Adds terms [first, first + count) to the packed equations (a, b; b skipped when null), kChunk
    /// at a time, in the terms' order.
    void add_terms(float* a, float* b, const Term* terms, std::size_t count, std::vector<float>& scratch) const {
        const auto D = static_cast<std::size_t>(config_.factors);
        float* p = scratch.data();
        float* q = p + kChunk * dp_;
        float* bw = q + kChunk * dp_;
        for (std::size_t first = 0; first < count; first += kChunk) {
            const std::size_t n = std::min(kChunk, count - first);
            for (std::size_t k = 0; k < n; ++k) {
                const Term& t = terms[first + k];
                std::memcpy(p + k * dp_, t.x, D * sizeof(float));
                for (std::size_t i = 0; i < D; ++i) q[k * dp_ + i] = t.a * t.x[i];
                bw[k] = t.b;
            }
            detail::als_packed_update(a, b, p, q, b != nullptr ? bw : nullptr, n, dp_);
        }
    }

    /// Adds terms[starts[c], starts[c + 1]) to course c's equations, for every course, courses in
    /// parallel, each in its terms' order (detail::als_packed_update: register tiles of the packed
    /// lower block triangle, vectorised for the active instruction set), then calls
    /// after(c, scratch) for that course (a per-thread scratch vector it may grow); `after_flops`
    /// is its work over all courses, for the team size.
    template <class After>
    void apply_terms(const std::vector<Term>& terms, const std::vector<std::size_t>& starts, double after_flops,
                     After&& after) {
        const double flops = 2.0 * static_cast<double>(terms.size()) * static_cast<double>(packed_) + after_flops;
        const int threads = detail::resolve_threads(threads_for(flops));
        struct Scratch {
            std::vector<float> chunk, after;
        };
        std::vector<Scratch> scratch(static_cast<std::size_t>(threads));
        detail::parallel_for(0, static_cast<std::int64_t>(starts.size()) - 1, threads, [&](std::int64_t ci) {
            const auto c = static_cast<std::size_t>(ci);
            const std::size_t first = starts[c], count = starts[c + 1] - first;
            auto& s = scratch[static_cast<std::size_t>(detail::thread_index())];
            if (count > 0) {
                if (s.chunk.empty()) s.chunk = chunk_scratch();
                add_terms(a_.data() + c * packed_, b_.data() + c * dp_, terms.data() + first, count, s.chunk);
            }
            after(c, s.after);
        }, 8);
    }

    /// g += sum_k (table.row(at[k]) table.row(at[k])' - old.row(k) old.row(k)'): the change summed
    /// in float by the packed kernel (each row's new and old terms side by side, so a small move
    /// stays a small difference), then added to g in double.
    void gram_update(Eigen::MatrixXd& g, const RowMatrix& old, const RowMatrix& table,
                     std::span<const index_t> at) const {
        if (at.empty()) return;
        std::vector<Term> terms;
        terms.reserve(2 * at.size());
        for (std::size_t k = 0; k < at.size(); ++k) {
            terms.push_back(Term{table.row(at[k]).data(), 1.0f, 0.0f});
            terms.push_back(Term{old.row(static_cast<Eigen::Index>(k)).data(), -1.0f, 0.0f});
        }
        std::vector<float> delta(packed_, 0.0f), scratch = chunk_scratch();
        add_terms(delta.data(), nullptr, terms.data(), terms.size(), scratch);
        const auto D = static_cast<std::size_t>(config_.factors);
        for (std::size_t j = 0; j < D; ++j)
            for (std::size_t i = j; i < D; ++i) {
                const double v = delta[detail::als_packed_at(dp_, i, j)];
                g(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) += v;
                if (i != j) g(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i)) += v;
            }
    }

    /// A pair of a learner's row that an update added (had = 0), removed (has = 0) or re-weighted.
    struct PairChange {
        index_t course = 0;
        std::uint8_t had = 0, has = 0;
        float old_weight = 0.0f, new_weight = 0.0f;
    };

    /// Appends to `out` the pairs added, removed or re-weighted from `old` to `fresh` in course
    /// order and returns their number. Rows with strictly increasing indices (CSR as built by
    /// learnrec) are merged in place; others are sorted into copies first.
    static std::size_t row_changes(const Row& old, const CsrRow& fresh, std::vector<PairChange>& out) {
        if (strictly_increasing(old.courses) && strictly_increasing(fresh.indices))
            return merge_changes(old.courses, old.weights, fresh.indices, fresh.weights, out);
        const auto [ai, aw] = sorted_pairs(old.courses, old.weights);
        const auto [bi, bw] = sorted_pairs(fresh.indices, fresh.weights);
        return merge_changes(ai, aw, bi, bw, out);
    }

    static std::size_t merge_changes(std::span<const index_t> ai, std::span<const float> aw,
                                     std::span<const index_t> bi, std::span<const float> bw,
                                     std::vector<PairChange>& out) {
        const std::size_t before = out.size();
        std::size_t i = 0, j = 0;
        while (i < ai.size() || j < bi.size()) {
            if (j == bi.size() || (i < ai.size() && ai[i] < bi[j])) {
                out.push_back({ai[i], 1, 0, aw[i], 0.0f});
                ++i;
            } else if (i == ai.size() || bi[j] < ai[i]) {
                out.push_back({bi[j], 0, 1, 0.0f, bw[j]});
                ++j;
            } else {
                if (aw[i] != bw[j]) out.push_back({ai[i], 1, 1, aw[i], bw[j]});
                ++i;
                ++j;
            }
        }
        return out.size() - before;
    }

    /// The kept copy of a learner's row becomes `fresh`, its storage grown geometrically (a
    /// learner's row grows by a pair or two a day: exact-size copies would reallocate each time).
    static void keep_row(Row& row, const CsrRow& fresh) {
        if (row.courses.capacity() < fresh.size()) {
            row.courses.reserve(fresh.size() + fresh.size() / 2 + 4);
            row.weights.reserve(fresh.size() + fresh.size() / 2 + 4);
        }
        row.courses.assign(fresh.indices.begin(), fresh.indices.end());
        row.weights.assign(fresh.weights.begin(), fresh.weights.end());
    }

    /// The factors course equations hold for learner u: their own row in X_ (`current`, a copy
    /// of it) unless they are held at an older value within the drift tolerance.
    const float* held_factors(index_t u, const float* current) const {
        const auto at = static_cast<std::size_t>(u);
        return at < held_slot_.size() && held_slot_[at] >= 0
                   ? held_pool_.data() + static_cast<std::size_t>(held_slot_[at]) * static_cast<std::size_t>(config_.factors)
                   : current;
    }

    /// Whether `fresh` moved from `held` by more than the drift tolerance (relative, Euclidean).
    bool drifted(const float* held, const float* fresh) const {
        const Eigen::Map<const Vector> h(held, config_.factors), f(fresh, config_.factors);
        return (f - h).squaredNorm() > staleness_.learner_drift * staleness_.learner_drift * h.squaredNorm();
    }

    /// Course equations keep holding `factors` for u (a no-op when they already hold older ones).
    void hold(index_t u, const float* factors) {
        const auto at = static_cast<std::size_t>(u);
        if (held_slot_.size() <= at) held_slot_.resize(static_cast<std::size_t>(num_learners()), -1);
        if (held_slot_[at] >= 0) return;
        const auto D = static_cast<std::size_t>(config_.factors);
        std::int64_t slot;
        if (!free_slots_.empty()) {
            slot = free_slots_.back();
            free_slots_.pop_back();
        } else {
            slot = static_cast<std::int64_t>(held_pool_.size() / D);
            held_pool_.resize(held_pool_.size() + D);
        }
        std::memcpy(held_pool_.data() + static_cast<std::size_t>(slot) * D, factors, D * sizeof(float));
        held_slot_[at] = slot;
    }

    /// Course equations hold u's own factors again.
    void release_held(index_t u) {
        const auto at = static_cast<std::size_t>(u);
        if (at >= held_slot_.size() || held_slot_[at] < 0) return;
        free_slots_.push_back(held_slot_[at]);
        held_slot_[at] = -1;
    }

    static bool strictly_increasing(std::span<const index_t> v) {
        return std::adjacent_find(v.begin(), v.end(), [](index_t x, index_t y) { return x >= y; }) == v.end();
    }

    static std::pair<std::vector<index_t>, std::vector<float>> sorted_pairs(std::span<const index_t> indices,
                                                                            std::span<const float> weights) {
        std::vector<std::pair<index_t, float>> v;
        for (std::size_t k = 0; k < indices.size(); ++k) v.emplace_back(indices[k], weights[k]);
        std::sort(v.begin(), v.end());
        std::pair<std::vector<index_t>, std::vector<float>> out;
        for (const auto& [i, w] : v) {
            out.first.push_back(i);
            out.second.push_back(w);
        }
        return out;
    }

    void grow(index_t learners, index_t courses) {
        const auto d = static_cast<Eigen::Index>(config_.factors);
        if (learners > num_learners()) {
            RowMatrix x = RowMatrix::Zero(learners, d);
            x.topRows(X_.rows()) = X_;
            X_ = std::move(x);
            rows_.resize(static_cast<std::size_t>(learners));
            row_changed_at_.resize(static_cast<std::size_t>(learners), publishes_ + 1);
        }
        if (courses > num_courses()) {
            RowMatrix y = RowMatrix::Zero(courses, d);
            y.topRows(Y_.rows()) = Y_;
            Y_ = std::move(y);
            a_.resize(static_cast<std::size_t>(courses) * packed_, 0.0f);
            column_size_.resize(static_cast<std::size_t>(courses), 0);
            pending_.resize(static_cast<std::size_t>(courses));
            pending_changes_.resize(static_cast<std::size_t>(courses), 0);
            pending_age_.resize(static_cast<std::size_t>(courses), 0);
            b_.resize(static_cast<std::size_t>(courses) * dp_, 0.0f);
        }
    }

    /// Whether the Woodbury identity's per-course factor V pays for these rows: building it costs
    /// about m d^2 / 2 multiply-adds (one triangular solve per course, whatever the number of rows),
    /// and it can save at most the direct solve (n d^2 / 2 + d^3 / 6) of each row it would serve
    /// (als_lowrank_is_cheaper). Training solves all learners and always gains; a day's exact rows
    /// are its few new learners (3 a day at 100,000 x 5,000), for whom V cost 2.8 ms of a 40 ms
    /// update. Both ways solve the same equations exactly: the choice changes roundings only.
    bool woodbury_pays(const CsrView& part) const {
        const index_t d = config_.factors;
        const double D = static_cast<double>(d);
        double saved = 0.0;
        for (index_t r = 0; r < part.rows; ++r) {
            const CsrRow row = part.row(r);
            std::size_t m = 0;
            bool below = false;
            for (std::size_t j = 0; j < row.size(); ++j) {
                const float c = std::abs(config_.alpha * row.weights[j]);
                m += c > 1.0f ? 1 : 0;
                below = below || c < 1.0f;
            }
            if (m > 0 && !below && detail::als_lowrank_is_cheaper(row.size(), m, d))
                saved += static_cast<double>(row.size()) * D * D / 2.0 + D * D * D / 6.0;
        }
        return saved > static_cast<double>(Y_.rows()) * D * D / 2.0;
    }

    /// Rows `exact` of `rows` solved exactly against the current courses (through the Woodbury
    /// identity for rows shorter than the factors when woodbury_pays, as in training), rows `cg` by the training CG
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
            const bool needs_v = woodbury_pays(part.view());
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
            for (std::size_t k = 0; k < cg.size(); ++k) {
                if (k + 8 < cg.size()) __builtin_prefetch(X_.row(learners[static_cast<std::size_t>(cg[k + 8])]).data());
                x.row(static_cast<Eigen::Index>(k)) = X_.row(learners[static_cast<std::size_t>(cg[k])]);
            }
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
    std::size_t dp_ = 0;        // factors padded to the packed blocks
    std::size_t packed_ = 0;    // floats of one packed matrix
    std::vector<float> a_;      // per course, packed lower block triangle: sum (c - 1) x x'
    std::vector<float> b_;      // per course, dp: sum c p x
    std::vector<index_t> column_size_;  // interactions per course
    bool nonfinite_learners_ = false;   // a solve wrote a non-finite learner row (model() then checks all)
    Staleness staleness_;
    struct Pending {  // a course's deferred terms: factors (d floats each) and coefficients
        std::vector<float> x, a, b;
    };
    /// A learner table handed back by the last holder of a published model, and which publish it was.
    struct SpareTable {
        std::mutex mutex;
        RowMatrix table;
        std::uint64_t publish = 0;
    };
    std::shared_ptr<SpareTable> spare_ = std::make_shared<SpareTable>();
    std::uint64_t publishes_ = 0;               // publish() calls so far
    std::vector<std::uint64_t> row_changed_at_;  // per learner: the first publish that holds their current row
    std::vector<Pending> pending_;               // per course
    std::vector<std::int64_t> pending_changes_;  // per course: changed pairs since its last solve
    std::vector<int> pending_age_;               // per course: updates since its oldest unsolved change
    std::vector<std::int64_t> held_slot_;  // per learner: the slot of the factors held for them, or -1
    std::vector<float> held_pool_;         // held factors, d floats per slot
    std::vector<std::int64_t> free_slots_;
};

}  // namespace learnrec
