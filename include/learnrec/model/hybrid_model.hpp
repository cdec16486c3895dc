// learnrec — the trained hybrid model: precomputed representations, the embedding tables, cold
// start from features and fold-in (model/hybrid.hpp describes the model and its costs).
// Thread safety: immutable; every member may be called concurrently.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <cassert>
#include <numeric>
#include <span>
#include <vector>

#include "learnrec/detail/hybrid_features.hpp"
#include "learnrec/detail/hybrid_sgd.hpp"
#include "learnrec/detail/sampling.hpp"  // BprRng, bpr_mix, bpr_positive_rows
#include "learnrec/model/factor_model.hpp"
#include "learnrec/model/hybrid_config.hpp"

namespace learnrec {

/// A trained hybrid model. Immutable. user_factors() / item_factors() are the precomputed
/// representations ([x_u, 1] and [y_c, b_c], config.columns() wide) of the training learners and
/// the model's courses; the embedding tables keep the id rows (when used) followed by the
/// feature rows, so new learners and courses can be represented from their features.
class HybridModel final : public FactorModel {
public:
    /// From trained parts (as the trainer and model files make it). user_table: (learner ids if
    /// use_user_ids) + user_features rows, factors wide; item_table: (course ids if use_item_ids)
    /// + item_features rows, factors + 1 wide (bias last).
    HybridModel(RowMatrix user_factors, RowMatrix item_factors, RowMatrix user_table, RowMatrix item_table,
                index_t user_features, index_t item_features, index_t trained_courses, HybridConfig config)
        : FactorModel(std::move(user_factors), std::move(item_factors)),
          user_table_(std::move(user_table)),
          item_table_(std::move(item_table)),
          user_features_(user_features),
          item_features_(item_features),
          trained_courses_(trained_courses),
          config_(config) {
        config_.validate();
        LEARNREC_CHECK(user_features_ >= 0 && item_features_ >= 0, "negative feature counts ({}, {})", user_features_,
                       item_features_);
        LEARNREC_CHECK(item_factors_.cols() == config_.columns(),
                       "representations have {} columns but the config expects {} ({} factors + bias)",
                       item_factors_.cols(), config_.columns(), config_.factors);
        LEARNREC_CHECK(trained_courses_ >= 0 && trained_courses_ <= num_courses(),
                       "{} trained courses for a model of {} courses", trained_courses_, num_courses());
        const auto user_rows = (config_.use_user_ids ? std::int64_t{num_learners()} : 0) + user_features_;
        const auto item_rows = (config_.use_item_ids ? std::int64_t{trained_courses_} : 0) + item_features_;
        LEARNREC_CHECK(user_table_.rows() == user_rows && user_table_.cols() == config_.factors,
                       "learner table is {} x {}, expected {} x {}", user_table_.rows(), user_table_.cols(), user_rows,
                       config_.factors);
        LEARNREC_CHECK(item_table_.rows() == item_rows && item_table_.cols() == config_.columns(),
                       "course table is {} x {}, expected {} x {}", item_table_.rows(), item_table_.cols(), item_rows,
                       config_.columns());
        LEARNREC_CHECK(user_table_.allFinite() && item_table_.allFinite(), "embedding tables contain NaN or infinity");
        for (index_t u = 0; u < num_learners(); ++u)
            LEARNREC_CHECK(user_factors_(u, config_.factors) == 1.0f,
                           "learner {} has {} in the bias column, expected 1", u, user_factors_(u, config_.factors));
    }

    /// The kind() of every instance, known without one (used by load_as<M>).
    static constexpr std::string_view kind_name = "hybrid";
    std::string_view kind() const noexcept override { return kind_name; }
    const HybridConfig& config() const noexcept { return config_; }

    /// Learner features the model was trained with (columns of a learner feature matrix).
    index_t user_features() const noexcept { return user_features_; }
    /// Course features the model was trained with.
    index_t item_features() const noexcept { return item_features_; }
    /// Courses that were in the training data (the first ones); later ones were added by with_courses().
    index_t trained_courses() const noexcept { return trained_courses_; }
    /// Learner embedding table: id rows (if use_user_ids) then feature rows; factors wide.
    const RowMatrix& user_table() const noexcept { return user_table_; }
    /// Course embedding table: id rows (if use_item_ids) then feature rows; factors + 1 wide.
    const RowMatrix& item_table() const noexcept { return item_table_; }

    /// [x, 1] for learners known only by their features (learners x user_features()): the
    /// representation of a new learner, without any id embedding.
    RowMatrix learner_embeddings_from_features(const CsrView& features, int num_threads = 0) const {
        detail::check_feature_matrix(features, features.rows, user_features_, "learner features", "learners");
        const CsrMatrix rows = feature_rows(features, config_.use_user_ids ? num_learners() : 0);
        return detail::hybrid_representations(rows, user_table_, config_.factors, true, num_threads);
    }

    /// [y, b] for courses known only by their features (courses x item_features()).
    RowMatrix course_embeddings_from_features(const CsrView& features, int num_threads = 0) const {
        detail::check_feature_matrix(features, features.rows, item_features_, "course features", "courses");
        const CsrMatrix rows = feature_rows(features, config_.use_item_ids ? trained_courses_ : 0);
        return detail::hybrid_representations(rows, item_table_, config_.factors, false, num_threads);
    }

    /// A new model whose courses are this model's followed by `features.rows` courses placed from
    /// their features; learners and tables unchanged.
    HybridModel with_courses(const CsrView& features, int num_threads = 0) const {
        RowMatrix added = course_embeddings_from_features(features, num_threads);
        LEARNREC_CHECK(added.allFinite(), "course features give non-finite embeddings");
        RowMatrix items(num_courses() + added.rows(), config_.columns());
        items.topRows(num_courses()) = item_factors_;
        items.bottomRows(added.rows()) = added;
        return HybridModel(user_factors_, std::move(items), user_table_, item_table_, user_features_, item_features_,
                           trained_courses_, config_);
    }

    /// Learner representations ([x, 1], config().columns() wide) fitted to interaction rows
    /// (num_courses() columns) on top of their features (`features`: one row per interaction row,
    /// user_features() columns; nullptr or zero columns when the model has no learner features):
    /// see the header comment.
    RowMatrix fold_in_learners(const CsrView& interactions, const CsrView* features, int num_threads = 0) const {
        interactions.validate("learner rows");
        LEARNREC_CHECK(interactions.cols == num_courses(), "rows have {} columns, the model has {} courses",
                       interactions.cols, num_courses());
        RowMatrix out;
        if (features && (features->cols > 0 || user_features_ > 0)) {
            detail::check_feature_matrix(*features, interactions.rows, user_features_, "learner features",
                                         "interaction rows");
            out = learner_embeddings_from_features(*features, num_threads);
        } else {
            out = RowMatrix::Zero(interactions.rows, config_.columns());
            out.col(config_.factors).setOnes();
        }
        const CsrMatrix positives = detail::bpr_positive_rows(interactions);
        const index_t f = config_.factors, courses = num_courses();
        detail::parallel_for(0, interactions.rows, num_threads, [&](std::int64_t r) {
            const auto row = positives.row(static_cast<index_t>(r));
            if (row.size() == 0 || config_.fold_in_epochs == 0) return;
            std::uint64_t h = detail::bpr_mix(config_.seed, 0xf01d);
            for (auto c : row.indices) h = detail::bpr_mix(h, static_cast<std::uint64_t>(c));
            detail::BprRng rng(h);
            float* x = out.row(r).data();
            detail::ResidualAdagrad fit(static_cast<std::size_t>(f));
            const index_t* ix = row.indices.data();
            const auto n = row.size();
            for (int epoch = 0; epoch < config_.fold_in_epochs; ++epoch) {
                for (std::size_t k = 0; k < n; ++k) {
                    const index_t i = ix[k];
                    const float* yi = item_factors_.row(i).data();
                    const float si = detail::hybrid_dot(x, yi, f) + yi[f];
                    const int allowed = config_.loss == HybridLoss::warp ? config_.max_sampled : 1;
                    for (int draws = 1; draws <= allowed; ++draws) {
                        const auto j = static_cast<index_t>(rng.below(static_cast<std::uint64_t>(courses)));
                        if (j == i || std::binary_search(ix, ix + n, j)) continue;
                        const float* yj = item_factors_.row(j).data();
                        const float sj = detail::hybrid_dot(x, yj, f) + yj[f];
                        float c;
                        if (!detail::hybrid_coefficient(config_.loss, si, sj, courses, draws, c)) continue;
                        for (index_t d = 0; d < f; ++d)
                            fit.g[static_cast<std::size_t>(d)] =
                                -c * (yi[d] - yj[d]) + config_.fold_in_regularization * fit.residual[static_cast<std::size_t>(d)];
                        fit.apply(config_.learning_rate, x);
                        break;
                    }
                }
            }
        }, 16);
        LEARNREC_CHECK(out.allFinite(), "fold-in diverged (non-finite embeddings); lower learning_rate");
        return out;
    }

    QueryBlock fold_in(const CsrView& rows, int num_threads = 0) const override {
        QueryBlock q;
        q.embeddings = fold_in_learners(rows, nullptr, num_threads);
        q.count = rows.rows;
        return q;
    }

    index_t learner_features() const noexcept override { return user_features_; }

    QueryBlock fold_in_with_features(const CsrView& rows, const CsrView& features,
                                     int num_threads = 0) const override {
        QueryBlock q;
        q.embeddings = fold_in_learners(rows, &features, num_threads);
        q.count = rows.rows;
        return q;
    }

private:
    /// Rows over a table whose feature part starts at `offset`, normalised like training rows
    /// (the id weight absent: a new entity has no id).
    CsrMatrix feature_rows(const CsrView& features, index_t offset) const {
        CsrMatrix rows = detail::hybrid_table_rows(features.rows, false, &features, config_.normalize_features,
                                                   "features");
        if (offset == 0) return rows;
        std::vector<index_t> shifted(rows.indices());
        for (auto& c : shifted) c += offset;
        return CsrMatrix(rows.rows(), offset + rows.cols(), rows.indptr(), std::move(shifted), rows.data());
    }

    RowMatrix user_table_;
    RowMatrix item_table_;
    index_t user_features_ = 0;
    index_t item_features_ = 0;
    index_t trained_courses_ = 0;
    HybridConfig config_;
};

}  // namespace learnrec
