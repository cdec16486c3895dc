// learnrec — the hybrid model: learner and course embeddings built from ids and features (the
// LightFM model, Kula 2015), trained on implicit feedback with a ranking loss (WARP or BPR).
//
// Representation. Each side has an embedding table whose rows are the entity ids (when
// use_user_ids / use_item_ids) followed by the feature columns. An entity's row over that table is
// its one-hot id (weight 1) and its feature weights; with normalize_features the row is scaled
// to sum 1 (in absolute value), as LightFM's Dataset does. Then
//     x_u = sum_f w_uf E_f                 (learner, `factors` wide)
//     y_c = sum_f w_cf F_f, b_c = sum_f w_cf beta_f   (course, plus a bias)
//     score(u, c) = x_u . y_c + b_c
// The trained model precomputes [x_u, 1] and [y_c, b_c] for the training learners and courses,
// so it is a FactorModel with factors + 1 columns (the bias folded into the last column) and
// retrieval uses the packed top-k unchanged. Without id embeddings the model is purely feature
// based: any learner or course is represented by its features alone.
//
// Training. Positives are the entries with weight > 0 (binary; negative feedback is never a
// positive). One epoch visits every positive once in an order shuffled each epoch:
//  - WARP (Weston et al. 2011): draw courses uniformly until one violates the margin
//    (s_j > s_i - 1) or max_sampled draws are spent (a draw that is a positive of the learner
//    counts but is skipped); on a violation after n draws the hinge 1 - s_i + s_j is descended
//    with weight log(max(1, floor((courses - 1) / n))).
//  - BPR: one uniform negative j (not a positive) and the loss -ln sigmoid(s_i - s_j).
// Each touched table row gets the gradient of the triple's loss plus L2 (user_alpha on learner
// rows, item_alpha on course rows, per touch). Learning rates are Adagrad's, per parameter: the
// step is learning_rate / sqrt(G), G starting at 1 and accumulating squared gradients after the
// step (LightFM's schedule; the first step of a parameter is plain SGD).
// Threads: lock-free Hogwild. The shuffled positives are cut into num_threads contiguous parts;
// threads share every table without locks (benign float races, as LightFM and implicit) and
// draw from their own RNG seeded from (seed, thread). One thread: fully deterministic.
//
// Cold start (no retraining):
//  - learner_embeddings_from_features / course_embeddings_from_features: the feature part of the
//    representation (no id row), for learners or courses unseen in training.
//  - with_courses(features): a new model value with extra courses placed from their features, so
//    every retrieval function (filters, top-k) works on them.
//  - fold_in_learners(interactions, features): the feature embedding plus a per-learner residual r
//    fitted to the learner's positives with the course side fixed: fold_in_epochs passes of the
//    training loss over the row (Adagrad, fresh accumulators) with the penalty
//    fold_in_regularization * |r|^2 / 2 pulling r back to the features' answer. The RNG is seeded
//    from (seed, the row's positives), so a row gets the same embedding in any batch and with any
//    thread count. The Model seam's fold_in(rows) is this without features (x0 = 0), which is what
//    an id-only model can do for a new learner.
//
// The least-squares variant, hybrid_from_factors: a trained factor model (implicit ALS) keeps its
// factors as the warm representations; feature embeddings are the ridge regression of the
// factors on the features and id embeddings the remainders. Measured (benchmarks/README.md,
// 5 seeds): cold-start recall@3 OULAD 0.357 (WARP 0.359, best segment popularity 0.240),
// academy 0.094 (WARP 0.094, segment 0.081); warm it is ALS (OULAD 0.529, where WARP with ids
// reaches 0.300). So: WARP for mostly new learners, the least-squares variant for a mixed
// population.
//
// Thread safety: HybridModel is immutable; HybridTrainer is used by one thread at a time (it runs
// its own team). Complexity: an epoch costs O(nnz * (draws * (f_c + 1) + f_u + f_c) * factors)
// with f_u / f_c the features per learner / course and draws <= max_sampled (1 for BPR); memory
// O((ids + features) * factors) for the tables and as much again for Adagrad's accumulators.
// Representations: O(nnz(features) * factors). Fold-in: O(fold_in_epochs * |row| * draws *
// factors) per learner.
//
// Files: model/hybrid_config.hpp (HybridConfig, HybridLoss), model/hybrid_model.hpp (HybridModel),
// model/hybrid_trainer.hpp (HybridTrainer, fit_hybrid, hybrid_from_factors); internals in
// detail/hybrid_features.hpp and detail/hybrid_sgd.hpp. This header gives all of them.
#pragma once

#include "learnrec/model/hybrid_config.hpp"
#include "learnrec/model/hybrid_model.hpp"
#include "learnrec/model/hybrid_trainer.hpp"
