// learnrec — the hybrid model's configuration and per-epoch report (model/hybrid.hpp describes
// the model). Thread safety: plain values.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>

#include "learnrec/error.hpp"
#include "learnrec/types.hpp"

namespace learnrec {

enum class HybridLoss : std::uint8_t {
    warp,  // weighted approximate-rank pairwise (LightFM's default; best for top-k precision)
    bpr,   // Bayesian personalised ranking
};

struct HybridConfig {
    index_t factors = 32;          // latent factors, not counting the bias column
    HybridLoss loss = HybridLoss::warp;
    float learning_rate = 0.05f;   // Adagrad's base rate
    float user_alpha = 0.0f;       // L2 on learner table rows, per touch
    float item_alpha = 0.0f;       // L2 on course table rows, per touch
    int max_sampled = 10;          // WARP: most negatives drawn per positive
    int iterations = 30;           // epochs
    bool use_user_ids = true;      // a learner embedding per training learner, added to its features
    bool use_item_ids = true;      // a course embedding per training course, added to its features
    bool normalize_features = true;  // scale each entity's (id + features) row to sum 1
    float fold_in_regularization = 1.0f;  // pull of a folded-in residual toward zero
    int fold_in_epochs = 30;       // passes over a learner's row in fold-in
    std::uint64_t seed = 42;
    int num_threads = 0;           // 0: every processor

    void validate() const {
        detail::check_sgd_config(factors, learning_rate);
        LEARNREC_CHECK(std::isfinite(user_alpha) && user_alpha >= 0.0f, "user_alpha must be finite and >= 0, got {}",
                       user_alpha);
        LEARNREC_CHECK(std::isfinite(item_alpha) && item_alpha >= 0.0f, "item_alpha must be finite and >= 0, got {}",
                       item_alpha);
        LEARNREC_CHECK(loss == HybridLoss::warp || loss == HybridLoss::bpr, "unknown loss {}",
                       static_cast<int>(loss));
        LEARNREC_CHECK(max_sampled > 0, "max_sampled must be positive, got {}", max_sampled);
        LEARNREC_CHECK(iterations >= 0, "iterations must be >= 0, got {}", iterations);
        LEARNREC_CHECK(std::isfinite(fold_in_regularization) && fold_in_regularization >= 0.0f,
                       "fold_in_regularization must be finite and >= 0, got {}", fold_in_regularization);
        LEARNREC_CHECK(fold_in_epochs >= 0, "fold_in_epochs must be >= 0, got {}", fold_in_epochs);
        detail::check_num_threads(num_threads);
    }
    /// Columns of the precomputed learner and course representations: factors + the bias column.
    index_t columns() const noexcept { return factors + 1; }
};

/// Reported after each epoch; return false from the callback to stop training.
struct HybridIterationInfo {
    int iteration = 0;          // 1-based epoch
    double seconds = 0.0;       // wall time of this epoch
    double violations = 0.0;    // fraction of positives that got an update (WARP: a violator was found)
    double loss = 0.0;          // mean loss of the updated triples before their update
    std::int64_t samples = 0;   // negatives drawn
};
using HybridIterationCallback = std::function<bool(const HybridIterationInfo&)>;

}  // namespace learnrec
