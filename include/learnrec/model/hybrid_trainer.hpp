// learnrec — training the hybrid model: HybridTrainer (one epoch per step), fit_hybrid, and the
// least-squares variant hybrid_from_factors (model/hybrid.hpp describes both).
// Thread safety: a HybridTrainer is used by one thread at a time (it runs its own team).
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
#include "learnrec/detail/training.hpp"
#include "learnrec/model/hybrid_model.hpp"

namespace learnrec {

/// Stepwise training (one epoch per step()), so hosts can drive the loop, show progress and stop.
/// Copies the positives and the feature rows (O(nnz)); the tables and Adagrad state are
/// O((ids + features) * factors).
class HybridTrainer {
public:
    /// `user_features` (learners x features) and `item_features` (courses x features) may be
    /// nullptr: then only ids represent that side (use_*_ids must be on).
    HybridTrainer(const CsrView& interactions, const CsrView* user_features, const CsrView* item_features,
                  HybridConfig config)
        : config_(config) {
        config_.validate();
        interactions.validate("interactions");
        const index_t learners = interactions.rows, courses = interactions.cols;
        if (user_features) {
            user_features->validate("learner features");
            LEARNREC_CHECK(user_features->rows == learners,
                           "learner features have {} rows but the interactions have {} learners", user_features->rows,
                           learners);
        }
        if (item_features) {
            item_features->validate("course features");
            LEARNREC_CHECK(item_features->rows == courses, "course features have {} rows but the interactions have {} courses",
                           item_features->rows, courses);
        }
        user_features_ = user_features ? user_features->cols : 0;
        item_features_ = item_features ? item_features->cols : 0;
        LEARNREC_CHECK(config_.use_user_ids || user_features_ > 0,
                       "learners have no representation: set use_user_ids or pass learner features");
        LEARNREC_CHECK(config_.use_item_ids || item_features_ > 0,
                       "courses have no representation: set use_item_ids or pass course features");
        positives_ = detail::bpr_positive_rows(interactions);
        LEARNREC_CHECK(courses > 0 || positives_.nnz() == 0, "the interactions have no courses");
        user_rows_ = detail::hybrid_table_rows(learners, config_.use_user_ids, user_features, config_.normalize_features,
                                               "learner features");
        item_rows_ = detail::hybrid_table_rows(courses, config_.use_item_ids, item_features, config_.normalize_features,
                                               "course features");
        threads_ = detail::resolve_threads(config_.num_threads);
        const index_t f = config_.factors;
        detail::BprRng init(detail::bpr_mix(config_.seed, 0x4b1d));
        const float scale = 1.0f / static_cast<float>(f);
        user_table_.resize(user_rows_.cols(), f);
        for (Eigen::Index k = 0; k < user_table_.size(); ++k) user_table_.data()[k] = (init.uniform() - 0.5f) * scale;
        item_table_.resize(item_rows_.cols(), f + 1);
        for (Eigen::Index r = 0; r < item_table_.rows(); ++r) {
            for (index_t k = 0; k < f; ++k) item_table_(r, k) = (init.uniform() - 0.5f) * scale;
            item_table_(r, f) = 0.0f;  // biases start at zero (LightFM)
        }
        user_acc_ = RowMatrix::Ones(user_table_.rows(), user_table_.cols());
        item_acc_ = RowMatrix::Ones(item_table_.rows(), item_table_.cols());
        order_.resize(static_cast<std::size_t>(positives_.nnz()));
        std::iota(order_.begin(), order_.end(), std::int64_t{0});
        owner_.resize(static_cast<std::size_t>(positives_.nnz()));
        for (index_t u = 0; u < learners; ++u)
            for (auto p = positives_.indptr()[static_cast<std::size_t>(u)];
                 p < positives_.indptr()[static_cast<std::size_t>(u) + 1]; ++p)
                owner_[static_cast<std::size_t>(p)] = u;
        rng_ = detail::SgdStreams(config_.seed, 0x8000, threads_);
    }

    /// Runs one epoch; see HybridIterationInfo.
    HybridIterationInfo step() {
        const auto start = std::chrono::steady_clock::now();
        rng_.shuffle_order(order_);
        const auto n = static_cast<std::int64_t>(order_.size());
        const detail::HybridEpochArgs args{
            &positives_, &user_rows_, &item_rows_, order_.data(), owner_.data(),
            detail::HybridTables{user_table_.data(), user_acc_.data(), item_table_.data(), item_acc_.data(),
                                 static_cast<std::size_t>(user_table_.cols()),
                                 static_cast<std::size_t>(item_table_.cols()), config_.factors},
            config_.loss, config_.max_sampled, config_.learning_rate, config_.user_alpha, config_.item_alpha};
        std::vector<detail::HybridCounts> counts(static_cast<std::size_t>(threads_));
        if (n > 0) {
            detail::parallel_team(threads_, [&](int t, int team) {
                for (int part = t; part < threads_; part += team) {
                    const auto s = static_cast<std::size_t>(part);
                    counts[s] = detail::hybrid_epoch_slice(args, n * part / threads_, n * (part + 1) / threads_,
                                                           rng_.threads[s]);
                }
            });
        }
        detail::HybridCounts total;
        for (const auto& c : counts) {
            total.positives += c.positives;
            total.updates += c.updates;
            total.samples += c.samples;
            total.loss += c.loss;
        }
        LEARNREC_CHECK(user_table_.allFinite() && item_table_.allFinite(),
                       "training diverged at epoch {} (non-finite embeddings); lower learning_rate", iteration_ + 1);
        HybridIterationInfo info;
        info.iteration = ++iteration_;
        info.samples = total.samples;
        info.violations = total.positives > 0 ? static_cast<double>(total.updates) / static_cast<double>(total.positives)
                                              : 0.0;
        info.loss = total.updates > 0 ? total.loss / static_cast<double>(total.updates) : 0.0;
        info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return info;
    }

    int iteration() const noexcept { return iteration_; }
    const HybridConfig& config() const noexcept { return config_; }
    const RowMatrix& user_table() const noexcept { return user_table_; }
    const RowMatrix& item_table() const noexcept { return item_table_; }

    /// The model as trained so far (copies the embedding tables; the trainer can keep going).
    HybridModel model() const {
        return HybridModel(detail::hybrid_representations(user_rows_, user_table_, config_.factors, true,
                                                          config_.num_threads),
                           detail::hybrid_representations(item_rows_, item_table_, config_.factors, false,
                                                          config_.num_threads),
                           user_table_, item_table_, user_features_, item_features_, positives_.cols(), config_);
    }
    /// The model, moving the embedding tables out; the trainer is spent afterwards. The end of
    /// training is its peak of memory: the Adagrad accumulators go before the representations
    /// are built, and the tables are not copied.
    HybridModel release() && {
        user_acc_ = RowMatrix();
        item_acc_ = RowMatrix();
        // Built before the tables are moved: arguments are initialised in no specified order.
        RowMatrix users = detail::hybrid_representations(user_rows_, user_table_, config_.factors, true,
                                                         config_.num_threads);
        RowMatrix items = detail::hybrid_representations(item_rows_, item_table_, config_.factors, false,
                                                         config_.num_threads);
        return HybridModel(std::move(users), std::move(items), std::move(user_table_), std::move(item_table_),
                           user_features_, item_features_, positives_.cols(), config_);
    }

private:
    HybridConfig config_;
    CsrMatrix positives_, user_rows_, item_rows_;
    index_t user_features_ = 0, item_features_ = 0;
    RowMatrix user_table_, item_table_, user_acc_, item_acc_;
    std::vector<std::int64_t> order_;
    std::vector<index_t> owner_;
    detail::SgdStreams rng_;
    int threads_ = 1;
    int iteration_ = 0;
};

/// Trains the hybrid model for config.iterations epochs. Feature matrices may be nullptr (ids only
/// on that side). `callback` sees each epoch and may stop training by returning false.
inline HybridModel fit_hybrid(const CsrView& interactions, const CsrView* user_features, const CsrView* item_features,
                              const HybridConfig& config, const HybridIterationCallback& callback = {}) {
    return detail::train_epochs(HybridTrainer(interactions, user_features, item_features, config), config.iterations,
                                callback);
}

/// The least-squares variant: a hybrid model built from a trained factor model (e.g. implicit
/// ALS: `user_factors`, `item_factors`, `config.factors` columns each). Feature embeddings are
/// the ridge regression (penalty `ridge`) of the factors on the normalised feature rows, so a new
/// learner or course gets the least-squares estimate of its factors from its features; id
/// embeddings (when used) are the remainders, so every training learner and course keeps its
/// factors exactly and warm recommendations are the factor model's. Course biases are 0.
/// Complexity: O(nnz(features) * (features + factors) + features^3) per side.
inline HybridModel hybrid_from_factors(const RowMatrix& user_factors, const RowMatrix& item_factors,
                                       const CsrView* user_features, const CsrView* item_features,
                                       const HybridConfig& config, float ridge = 1.0f) {
    config.validate();
    LEARNREC_CHECK(std::isfinite(ridge) && ridge > 0.0f, "ridge must be finite and > 0, got {}", ridge);
    LEARNREC_CHECK(user_factors.cols() == config.factors && item_factors.cols() == config.factors,
                   "factor matrices have {} and {} columns, the config expects {} factors", user_factors.cols(),
                   item_factors.cols(), config.factors);
    const auto learners = static_cast<index_t>(user_factors.rows());
    const auto courses = static_cast<index_t>(item_factors.rows());
    if (user_features) {
        user_features->validate("learner features");
        LEARNREC_CHECK(user_features->rows == learners, "learner features have {} rows but there are {} learners",
                       user_features->rows, learners);
    }
    if (item_features) {
        item_features->validate("course features");
        LEARNREC_CHECK(item_features->rows == courses, "course features have {} rows but there are {} courses",
                       item_features->rows, courses);
    }
    const index_t nu = user_features ? user_features->cols : 0, ni = item_features ? item_features->cols : 0;
    LEARNREC_CHECK(config.use_user_ids || nu > 0, "learners have no representation: set use_user_ids or pass learner features");
    LEARNREC_CHECK(config.use_item_ids || ni > 0, "courses have no representation: set use_item_ids or pass course features");
    RowMatrix user_table = detail::hybrid_table_from_targets(learners, config.use_user_ids, user_features,
                                                             config.normalize_features, user_factors, ridge,
                                                             "learner features");
    RowMatrix item_part = detail::hybrid_table_from_targets(courses, config.use_item_ids, item_features,
                                                            config.normalize_features, item_factors, ridge,
                                                            "course features");
    RowMatrix item_table = RowMatrix::Zero(item_part.rows(), config.columns());
    item_table.leftCols(config.factors) = item_part;
    const CsrMatrix user_rows = detail::hybrid_table_rows(learners, config.use_user_ids, user_features,
                                                          config.normalize_features, "learner features");
    const CsrMatrix item_rows = detail::hybrid_table_rows(courses, config.use_item_ids, item_features,
                                                          config.normalize_features, "course features");
    // Computed before the tables are moved into the model (argument order is unspecified).
    RowMatrix users = detail::hybrid_representations(user_rows, user_table, config.factors, true, config.num_threads);
    RowMatrix items = detail::hybrid_representations(item_rows, item_table, config.factors, false, config.num_threads);
    return HybridModel(std::move(users), std::move(items), std::move(user_table), std::move(item_table), nu, ni,
                       courses, config);
}

}  // namespace learnrec
