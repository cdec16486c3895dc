// learnrec — incremental updates of a trained model without a full retrain, and forgetting learners.
//
// A trained model is immutable: every function here returns a new model and leaves its argument
// untouched (a server keeps answering from the old one until it publishes the new one).
//
// ALS (implicit's partial_fit_users / partial_fit_items):
//  - als_partial_fit_learners: rows of learners solved exactly against the fixed course factors,
//    the training normal equations of that half-step (so a new learner's row equals fold-in).
//    Indices at or past num_learners() grow the model; learners in between that were not given
//    get zero factors (as implicit 0.7 does).
//  - als_partial_fit_courses: the same for courses against the fixed learner factors, from their
//    columns (courses x learners): a refreshed course equals a training half-step on its column.
//  - als_partial_fit: the daily update from the whole current matrix and the learners and
//    courses whose data changed (new ones included): learners first (against the courses the
//    model knows), then courses (against the updated learners). Everything else keeps its factors.
//  - als_forget_learners: the learners' rows removed and every course they touched re-solved
//    against the remaining learners on the data without them. Nothing of them stays in the
//    model's factors except through the factors of the other learners, learned in earlier
//    iterations while they were present (second order); the full retrain that follows (README,
//    "Forgetting a learner") removes that too.
// Hybrid:
//  - hybrid_partial_fit_learners: new and changed learners by the model's fold-in (their
//    features plus a residual fitted to their positives); with id embeddings, the learner's id
//    row is set so that the model's tables represent them exactly as its representation.
//  - hybrid_partial_fit_courses: courses whose metadata changed re-placed from their new features
//    (a trained course keeps its id embedding), new courses placed from metadata (as with_courses),
//    and, given the interactions, each course's representation fitted to its positives with the
//    learners and the other courses fixed: the course side of the fold-in (fold_in_epochs passes of
//    the training loss over the course's column, Adagrad, the penalty fold_in_regularization
//    pulling it back to the metadata's placement; bias included). With id embeddings, a trained
//    course's id row is set so that the tables reproduce its new representation.
//
// Complexity: a learner row costs O(nnz_row d^2 + d^3), a course column likewise (hybrid courses:
// O(fold_in_epochs * column * draws * d) plus the positives of `interactions`, O(nnz)); building the
// new model copies both factor tables and recomputes the two d x d Gram caches, O((n + m) d^2).
// Thread safety: all functions are reentrant; they run their own team of num_threads (0 = all).
#pragma once

#include <algorithm>
#include <span>
#include <vector>

#include "learnrec/model/als.hpp"
#include "learnrec/model/hybrid.hpp"

namespace learnrec {
namespace detail {

/// Checks update indices (non-negative, unique) and returns the size the table grows to.
inline index_t grown_size(std::span<const index_t> indices, index_t current, const char* what) {
    std::vector<index_t> sorted(indices.begin(), indices.end());
    std::sort(sorted.begin(), sorted.end());
    LEARNREC_CHECK(sorted.empty() || sorted.front() >= 0, "{} index {} is negative", what, sorted.front());
    const auto dup = std::adjacent_find(sorted.begin(), sorted.end());
    LEARNREC_CHECK(dup == sorted.end(), "{} index {} is given twice", what, dup == sorted.end() ? 0 : *dup);
    return sorted.empty() ? current : std::max(current, sorted.back() + 1);
}

/// `table` with `rows` rows (new ones zero) and rows indices[i] replaced by solved.row(i).
inline RowMatrix updated_table(const RowMatrix& table, index_t rows, std::span<const index_t> indices,
                               const RowMatrix& solved) {
    RowMatrix out = RowMatrix::Zero(rows, table.cols());
    out.topRows(table.rows()) = table;
    for (std::size_t i = 0; i < indices.size(); ++i)
        out.row(indices[i]) = solved.row(static_cast<Eigen::Index>(i));
    return out;
}

/// `table` (`current` rows) with rows ids[i] replaced, or added, by row i of solve(given): one row
/// of `given` (`unit`: "rows" or "columns", for errors) per id of a `what` ("learner", "course").
template <class Solve>
RowMatrix refit_table(const RowMatrix& table, index_t current, std::span<const index_t> ids, const CsrView& given,
                      const char* what, const char* unit, Solve&& solve) {
    LEARNREC_CHECK(static_cast<std::size_t>(given.rows) == ids.size(), "{} {} indices for {} {}", ids.size(), what,
                   given.rows, unit);
    const index_t rows = grown_size(ids, current, what);
    return updated_table(table, rows, ids, solve(given));
}

/// Rows `pick` of `m`, keeping only columns < `cols` (a view's columns past the model's are dropped),
/// sorted and with duplicates summed as CsrMatrix does. The arrays are copied straight: no triplets
/// and no sort of the whole selection (a daily update copies a few thousand rows this way).
inline CsrMatrix select_rows(const CsrView& m, std::span<const index_t> pick, index_t cols) {
    std::vector<offset_t> indptr(pick.size() + 1, 0);
    for (std::size_t i = 0; i < pick.size(); ++i) {
        LEARNREC_CHECK(pick[i] >= 0 && pick[i] < m.rows, "row {} outside [0, {})", pick[i], m.rows);
        const auto row = m.row(pick[i]);
        offset_t kept = 0;
        for (std::size_t k = 0; k < row.size(); ++k) kept += row.indices[k] < cols ? 1 : 0;
        indptr[i + 1] = indptr[i] + kept;
    }
    std::vector<index_t> indices;
    std::vector<float> weights;
    indices.reserve(static_cast<std::size_t>(indptr.back()));
    weights.reserve(static_cast<std::size_t>(indptr.back()));
    for (index_t r : pick) {
        const auto row = m.row(r);
        for (std::size_t k = 0; k < row.size(); ++k)
            if (row.indices[k] < cols) {
                indices.push_back(row.indices[k]);
                weights.push_back(row.weights[k]);
            }
    }
    return CsrMatrix(static_cast<index_t>(pick.size()), cols, std::move(indptr), std::move(indices), std::move(weights));
}

/// Columns `pick` of `m` as rows (pick.size() x m.rows), skipping the rows where `skip_row` is set.
inline CsrMatrix select_columns(const CsrView& m, std::span<const index_t> pick, const std::vector<char>* skip_row) {
    std::vector<index_t> slot(static_cast<std::size_t>(m.cols), -1);
    for (std::size_t i = 0; i < pick.size(); ++i) {
        LEARNREC_CHECK(pick[i] >= 0 && pick[i] < m.cols, "column {} outside [0, {})", pick[i], m.cols);
        slot[static_cast<std::size_t>(pick[i])] = static_cast<index_t>(i);
    }
    std::vector<Triplet> t;
    for (index_t r = 0; r < m.rows; ++r) {
        if (skip_row && (*skip_row)[static_cast<std::size_t>(r)]) continue;
        const auto row = m.row(r);
        for (std::size_t k = 0; k < row.size(); ++k) {
            const index_t s = slot[static_cast<std::size_t>(row.indices[k])];
            if (s >= 0) t.push_back({s, r, row.weights[k]});
        }
    }
    return CsrMatrix::from_triplets(static_cast<index_t>(pick.size()), m.rows, t);
}

}  // namespace detail

/// Learners `learners[i]` re-solved (or added) from `rows.row(i)` (num_courses() columns) against
/// the fixed course factors; see the header comment.
inline AlsModel als_partial_fit_learners(const AlsModel& model, std::span<const index_t> learners,
                                         const CsrView& rows, int num_threads = 0) {
    RowMatrix refit = detail::refit_table(model.user_factors(), model.num_learners(), learners, rows, "learner", "rows",
                                          [&](const CsrView& r) { return model.fold_in_learners(r, num_threads); });
    return AlsModel(std::move(refit), model.item_factors(), model.config());
}

/// Courses `courses[i]` re-solved (or added) from `columns.row(i)` (one row per course over the
/// model's num_learners() learners) against the fixed learner factors.
inline AlsModel als_partial_fit_courses(const AlsModel& model, std::span<const index_t> courses,
                                        const CsrView& columns, int num_threads = 0) {
    RowMatrix refit = detail::refit_table(model.item_factors(), model.num_courses(), courses, columns, "course", "columns",
                                          [&](const CsrView& c) { return model.fold_in_courses(c, num_threads); });
    return AlsModel(model.user_factors(), std::move(refit), model.config());
}

/// The daily update: `interactions` is the whole current matrix (at least the model's shape; extra
/// rows and columns are new learners and courses), `learners` and `courses` those whose data
/// changed (every new one must be listed). Learners are solved first, against the courses the
/// model knows; then the courses, against the updated learners, on their full columns.
inline AlsModel als_partial_fit(const AlsModel& model, const CsrView& interactions, std::span<const index_t> learners,
                                std::span<const index_t> courses, int num_threads = 0) {
    interactions.validate("interactions");
    LEARNREC_CHECK(interactions.rows >= model.num_learners() && interactions.cols >= model.num_courses(),
                   "the interactions are {} x {}, smaller than the model's {} x {}: updates never shrink a model (use "
                   "forget to remove learners)", interactions.rows, interactions.cols, model.num_learners(),
                   model.num_courses());
    const CsrMatrix rows = detail::select_rows(interactions, learners, model.num_courses());
    AlsModel with_learners = als_partial_fit_learners(model, learners, rows.view(), num_threads);
    LEARNREC_CHECK(with_learners.num_learners() == interactions.rows,
                   "the interactions have {} learners but the update gives the model {}: list every new learner",
                   interactions.rows, with_learners.num_learners());
    const CsrMatrix columns = detail::select_columns(interactions, courses, nullptr);
    AlsModel out = als_partial_fit_courses(with_learners, courses, columns.view(), num_threads);
    LEARNREC_CHECK(out.num_courses() == interactions.cols,
                   "the interactions have {} courses but the update gives the model {}: list every new course",
                   interactions.cols, out.num_courses());
    return out;
}

/// What forgetting changed, for reports and logs (never the learners' ids).
struct ForgetReport {
    index_t learners_removed = 0;
    std::vector<index_t> courses_resolved;  ///< indices of the courses re-solved (the model's, unchanged by removal)
};

/// `model` without `learners` (their rows removed; the others keep their order) and every course
/// they touched in `interactions` (the training data, the model's shape) re-solved against the
/// remaining learners on the data without them. `report`, when given, says what changed.
inline AlsModel als_forget_learners(const AlsModel& model, const CsrView& interactions, std::span<const index_t> learners,
                                    int num_threads = 0, ForgetReport* report = nullptr) {
    interactions.validate("interactions");
    LEARNREC_CHECK(interactions.rows == model.num_learners() && interactions.cols == model.num_courses(),
                   "the training data is {} x {} but the model {} x {}: forgetting re-solves courses on the data the "
                   "model was trained on", interactions.rows, interactions.cols, model.num_learners(), model.num_courses());
    detail::grown_size(learners, model.num_learners(), "learner");
    std::vector<char> gone(static_cast<std::size_t>(model.num_learners()), 0);
    std::vector<char> touched(static_cast<std::size_t>(model.num_courses()), 0);
    for (index_t u : learners) {
        LEARNREC_CHECK(u < model.num_learners(), "learner index {} outside [0, {})", u, model.num_learners());
        gone[static_cast<std::size_t>(u)] = 1;
        for (index_t c : interactions.row(u).indices) touched[static_cast<std::size_t>(c)] = 1;
    }
    std::vector<index_t> courses, keep;
    for (index_t c = 0; c < model.num_courses(); ++c)
        if (touched[static_cast<std::size_t>(c)]) courses.push_back(c);
    for (index_t u = 0; u < model.num_learners(); ++u)
        if (!gone[static_cast<std::size_t>(u)]) keep.push_back(u);
    RowMatrix users(static_cast<Eigen::Index>(keep.size()), model.factors());
    for (std::size_t i = 0; i < keep.size(); ++i) users.row(static_cast<Eigen::Index>(i)) = model.user_factors().row(keep[i]);
    const AlsModel without(std::move(users), model.item_factors(), model.config());
    // Columns of the touched courses over the remaining learners, renumbered in their order.
    const CsrMatrix remaining = detail::select_rows(interactions, keep, interactions.cols);
    const CsrMatrix columns = detail::select_columns(remaining.view(), courses, nullptr);
    if (report) {
        report->learners_removed = static_cast<index_t>(learners.size());
        report->courses_resolved = courses;
    }
    return als_partial_fit_courses(without, courses, columns.view(), num_threads);
}

/// Hybrid learners `learners[i]` re-fitted (or added) from `rows.row(i)` (num_courses() columns)
/// and their features (`features`: one row per learner, user_features() columns; nullptr when the
/// model has no learner features) by the model's fold-in. New indices must follow the model's
/// learners without a gap (an id embedding needs its learner). See the header comment.
inline HybridModel hybrid_partial_fit_learners(const HybridModel& model, std::span<const index_t> learners,
                                               const CsrView& rows, const CsrView* features, int num_threads = 0) {
    LEARNREC_CHECK(static_cast<std::size_t>(rows.rows) == learners.size(), "{} learner indices for {} rows",
                   learners.size(), rows.rows);
    const index_t n = detail::grown_size(learners, model.num_learners(), "learner");
    const auto added = std::count_if(learners.begin(), learners.end(), [&](index_t u) { return u >= model.num_learners(); });
    LEARNREC_CHECK(added == n - model.num_learners(), "new learners must follow the model's {} learners without a gap",
                   model.num_learners());
    const HybridConfig& c = model.config();
    const RowMatrix solved = model.fold_in_learners(rows, features, num_threads);
    RowMatrix users = detail::updated_table(model.user_factors(), n, learners, solved);
    RowMatrix table = model.user_table();
    if (c.use_user_ids) {
        // [id rows (n); feature rows], each given learner's id row the remainder of its representation.
        const index_t old = model.num_learners();
        table = RowMatrix::Zero(n + model.user_features(), c.factors);
        table.topRows(old) = model.user_table().topRows(old);
        table.bottomRows(model.user_features()) = model.user_table().bottomRows(model.user_features());
        const CsrView* f = features && features->cols > 0 ? features : nullptr;
        const CsrMatrix weights = detail::hybrid_table_rows(rows.rows, true, f, c.normalize_features, "learner features");
        for (index_t i = 0; i < rows.rows; ++i) {
            const auto w = weights.row(i);
            Eigen::RowVectorXf rest = solved.row(i).leftCols(c.factors);
            float id_weight = 1.0f;
            for (std::size_t k = 0; k < w.size(); ++k) {
                if (w.indices[k] == i)
                    id_weight = w.weights[k];
                else
                    rest -= w.weights[k] * model.user_table().row(old + (w.indices[k] - rows.rows));
            }
            table.row(learners[static_cast<std::size_t>(i)]) = rest / id_weight;
        }
    }
    // Learners in the gap are impossible (checked above), so every new row has its bias column 1.
    return HybridModel(std::move(users), model.item_factors(), std::move(table), model.item_table(),
                       model.user_features(), model.item_features(), model.trained_courses(), c);
}


/// Hybrid courses `courses[i]` re-placed and/or re-fitted; see the header comment. `features`: one
/// row per course (item_features() columns), their current metadata; nullptr keeps each existing
/// course's representation as the starting point (metadata unchanged; new courses then start from
/// zero; with id embeddings the id row is then left as it was). `interactions`: the current learners x courses matrix (num_learners() rows, the grown
/// number of courses as columns) to fit each course to its positives, or nullptr (metadata only).
/// New indices must follow the model's courses without a gap.
inline HybridModel hybrid_partial_fit_courses(const HybridModel& model, std::span<const index_t> courses,
                                              const CsrView* features, const CsrView* interactions, int num_threads = 0) {
    const HybridConfig& c = model.config();
    const index_t m = detail::grown_size(courses, model.num_courses(), "course");
    const auto added = std::count_if(courses.begin(), courses.end(), [&](index_t i) { return i >= model.num_courses(); });
    LEARNREC_CHECK(added == m - model.num_courses(), "new courses must follow the model's {} courses without a gap",
                   model.num_courses());
    if (features) {
        detail::check_feature_matrix(*features, static_cast<index_t>(courses.size()), model.item_features(),
                                     "course features", "courses");
    }
    if (interactions) {
        interactions->validate("interactions");
        LEARNREC_CHECK(interactions->rows == model.num_learners() && interactions->cols == m,
                       "the interactions are {} x {}, expected the model's {} learners x {} courses", interactions->rows,
                       interactions->cols, model.num_learners(), m);
    }
    const index_t f = c.factors;
    const index_t feature_offset = c.use_item_ids ? model.trained_courses() : 0;
    const RowMatrix& table = model.item_table();
    RowMatrix items = RowMatrix::Zero(m, c.columns());
    items.topRows(model.num_courses()) = model.item_factors();
    // The metadata's placement: [w_id * id row] + sum of w_f * feature rows, normalised as in training.
    std::vector<float> id_weight(courses.size(), 0.0f);
    for (std::size_t k = 0; k < courses.size(); ++k) {
        const index_t i = courses[k];
        const bool has_id = c.use_item_ids && i < model.trained_courses();
        if (!features) continue;
        const CsrRow row = features->row(static_cast<index_t>(k));
        double sum = has_id ? 1.0 : 0.0;
        for (std::size_t j = 0; j < row.size(); ++j) sum += std::abs(static_cast<double>(row.weights[j]));
        const float scale = c.normalize_features && sum > 0.0 ? static_cast<float>(1.0 / sum) : 1.0f;
        Eigen::RowVectorXf y = Eigen::RowVectorXf::Zero(c.columns());
        if (has_id) {
            id_weight[k] = scale;
            y += scale * table.row(i);
        }
        for (std::size_t j = 0; j < row.size(); ++j)
            y += (scale * row.weights[j]) * table.row(feature_offset + row.indices[j]);
        items.row(i) = y;
    }
    const RowMatrix placed = items;  // what the penalty pulls back to

    if (interactions && c.fold_in_epochs > 0) {
        const CsrMatrix positives = detail::bpr_positive_rows(*interactions);
        const CsrMatrix columns = detail::select_columns(positives.view(), courses, nullptr);
        const RowMatrix& X = model.user_factors();
        RowMatrix fitted = items;
        detail::parallel_for(0, static_cast<std::int64_t>(courses.size()), num_threads, [&](std::int64_t k) {
            const index_t i = courses[static_cast<std::size_t>(k)];
            const auto col = columns.row(static_cast<index_t>(k));
            if (col.size() == 0) return;
            std::uint64_t h = detail::bpr_mix(c.seed, 0xc0a5e);
            for (auto u : col.indices) h = detail::bpr_mix(h, static_cast<std::uint64_t>(u));
            detail::BprRng rng(h);
            float* y = fitted.row(i).data();
            detail::ResidualAdagrad fit(static_cast<std::size_t>(f) + 1);
            for (int epoch = 0; epoch < c.fold_in_epochs; ++epoch) {
                for (const index_t u : col.indices) {
                    const float* x = X.row(u).data();
                    const auto mine = positives.row(u);
                    const float si = detail::hybrid_dot(x, y, f) + y[f];
                    const int allowed = c.loss == HybridLoss::warp ? c.max_sampled : 1;
                    for (int draws = 1; draws <= allowed; ++draws) {
                        const auto j = static_cast<index_t>(rng.below(static_cast<std::uint64_t>(m)));
                        if (j == i || std::binary_search(mine.indices.begin(), mine.indices.end(), j)) continue;
                        const float* yj = items.row(j).data();
                        const float sj = detail::hybrid_dot(x, yj, f) + yj[f];
                        float coefficient;
                        if (!detail::hybrid_coefficient(c.loss, si, sj, m, draws, coefficient)) continue;
                        for (index_t d = 0; d <= f; ++d) {
                            const auto s = static_cast<std::size_t>(d);
                            fit.g[s] = -coefficient * (d < f ? x[d] : 1.0f) + c.fold_in_regularization * fit.residual[s];
                        }
                        fit.apply(c.learning_rate, y);
                        break;
                    }
                }
            }
        }, 4);
        LEARNREC_CHECK(fitted.allFinite(), "course fit diverged (non-finite embeddings); lower learning_rate");
        items = std::move(fitted);
    }

    // With id embeddings and features given, a trained course's id row takes whatever its features
    // do not explain, so the tables reproduce its representation. Without features the trained
    // feature weights are unknown: the id row is left as it was (the representation serves).
    RowMatrix new_table = table;
    for (std::size_t k = 0; k < courses.size(); ++k) {
        const index_t i = courses[k];
        if (!features || id_weight[k] <= 0.0f) continue;
        const Eigen::RowVectorXf features_part = placed.row(i) - id_weight[k] * table.row(i);
        new_table.row(i) = (items.row(i) - features_part) / id_weight[k];
    }
    return HybridModel(model.user_factors(), std::move(items), model.user_table(), std::move(new_table),
                       model.user_features(), model.item_features(), model.trained_courses(), c);
}

}  // namespace learnrec
