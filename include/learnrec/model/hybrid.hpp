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

#include "learnrec/types.hpp"  // first: it configures Eigen before Eigen is seen

#include <Eigen/Cholesky>

#include "learnrec/data/csr.hpp"
#include "learnrec/detail/parallel.hpp"
#include "learnrec/isa.hpp"  // LEARNREC_ISA_KERNEL
#include "learnrec/model/bpr.hpp"            // BprRng, bpr_mix, bpr_positive_rows
#include "learnrec/model/factor_model.hpp"

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
        LEARNREC_CHECK(factors > 0, "factors must be positive, got {}", factors);
        LEARNREC_CHECK(std::isfinite(learning_rate) && learning_rate > 0.0f,
                       "learning_rate must be finite and > 0, got {}", learning_rate);
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
        LEARNREC_CHECK(num_threads >= 0, "num_threads must be >= 0 (0 = all processors), got {}", num_threads);
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

namespace detail {

/// Builds entities x (ids + features) rows: one-hot ids when `ids`, then `features` shifted past
/// them; with `normalize` each row is scaled to sum 1 in absolute value. `features` may be empty
/// (0 columns): then it is ignored.
inline CsrMatrix hybrid_table_rows(index_t entities, bool ids, const CsrView* features, bool normalize,
                                   const char* what) {
    const index_t nf = features ? features->cols : 0;
    assert(!features || features->rows == entities);
    const index_t id_cols = ids ? entities : 0;
    const auto width = detail::checked_add(static_cast<std::size_t>(id_cols), static_cast<std::size_t>(nf), what);
    LEARNREC_CHECK(width <= static_cast<std::size_t>(std::numeric_limits<index_t>::max()),
                   "{}: {} ids + {} features exceed the index range", what, id_cols, nf);
    std::vector<offset_t> indptr(static_cast<std::size_t>(entities) + 1, 0);
    std::vector<index_t> indices;
    std::vector<float> data;
    const auto nnz = (features ? static_cast<std::size_t>(features->nnz()) : 0) + static_cast<std::size_t>(id_cols);
    indices.reserve(nnz);
    data.reserve(nnz);
    for (index_t e = 0; e < entities; ++e) {
        const std::size_t start = indices.size();
        if (ids) {
            indices.push_back(e);
            data.push_back(1.0f);
        }
        if (features) {
            const auto row = features->row(e);
            for (std::size_t k = 0; k < row.size(); ++k) {
                indices.push_back(id_cols + row.indices[k]);
                data.push_back(row.weights[k]);
            }
        }
        if (normalize) {
            double sum = 0.0;
            for (std::size_t p = start; p < data.size(); ++p) sum += std::abs(static_cast<double>(data[p]));
            if (sum > 0.0)
                for (std::size_t p = start; p < data.size(); ++p) data[p] = static_cast<float>(data[p] / sum);
        }
        indptr[static_cast<std::size_t>(e) + 1] = static_cast<offset_t>(indices.size());
    }
    // The constructor sorts each row and sums duplicate feature columns.
    return CsrMatrix(entities, static_cast<index_t>(width), std::move(indptr), std::move(indices), std::move(data));
}

/// out = sum over the row's (table row t, weight w) of w * table[t][0, width).
inline void hybrid_sum_rows(const CsrRow& row, const float* table, std::size_t ld, index_t width, float* out) noexcept {
    for (index_t k = 0; k < width; ++k) out[k] = 0.0f;
    for (std::size_t p = 0; p < row.size(); ++p) {
        const float w = row.weights[p];
        const float* t = table + static_cast<std::size_t>(row.indices[p]) * ld;
        for (index_t k = 0; k < width; ++k) out[k] += w * t[k];
    }
}

/// Representations of every row of `rows` over `table`: [sum, 1] for learners (`learner_side`),
/// [sum of the factors, sum of the bias column] for courses. factors + 1 columns either way.
inline RowMatrix hybrid_representations(const CsrView& rows, const RowMatrix& table, index_t factors, bool learner_side,
                                        int num_threads) {
    RowMatrix out(rows.rows, factors + 1);
    const auto ld = static_cast<std::size_t>(table.cols());
    parallel_for(0, rows.rows, num_threads, [&](std::int64_t r) {
        float* o = out.row(r).data();
        hybrid_sum_rows(rows.row(static_cast<index_t>(r)), table.data(), ld, learner_side ? factors : factors + 1, o);
        if (learner_side) o[factors] = 1.0f;
    }, 64);
    return out;
}

/// Parameters and Adagrad state, borrowed by the update functions.
struct HybridTables {
    float* user;      // learner table, rows x user_ld (factors used)
    float* user_acc;  // Adagrad accumulators, same shape
    float* item;      // course table, rows x item_ld (factors + bias)
    float* item_acc;
    std::size_t user_ld, item_ld;
    index_t factors;
};

/// One Adagrad step of `n` parameters: p -= lr * g / sqrt(G); G += g^2 (G before the step).
/// Eigen's packet sqrt and division: a plain loop stays scalar, since std::sqrt may set errno.
inline void hybrid_adagrad(float* p, float* acc, const float* g, index_t n, float lr) noexcept {
    Eigen::Map<Eigen::ArrayXf> param(p, n), sum(acc, n);
    const Eigen::Map<const Eigen::ArrayXf> grad(g, n);
    param -= lr * grad / sum.sqrt();
    sum += grad.square();
}

/// Descends the loss of the triple (learner row u, positive row i, negative row j) whose
/// derivative with respect to the margin s_i - s_j is -coefficient, given the representations
/// x (learner), yi, yj (courses, bias last) computed before the update. Every table row touched
/// gets its share of the gradient plus alpha * its value (L2). `scratch` holds 2 * (factors + 1)
/// floats.
inline void hybrid_apply(const HybridTables& t, const CsrRow& u, const CsrRow& i, const CsrRow& j, const float* x,
                         const float* yi, const float* yj, float coefficient, float lr, float user_alpha,
                         float item_alpha, float* scratch) noexcept {
    const index_t f = t.factors;
    float* g = scratch;
    // Learner rows: dL/dx = -c (yi - yj).
    for (std::size_t p = 0; p < u.size(); ++p) {
        const float w = u.weights[p];
        float* row = t.user + static_cast<std::size_t>(u.indices[p]) * t.user_ld;
        float* acc = t.user_acc + static_cast<std::size_t>(u.indices[p]) * t.user_ld;
        for (index_t k = 0; k < f; ++k) g[k] = -coefficient * w * (yi[k] - yj[k]) + user_alpha * row[k];
        hybrid_adagrad(row, acc, g, f, lr);
    }
    // Course rows: dL/dyi = -c x, dL/dbi = -c; dL/dyj = c x, dL/dbj = c.
    auto course = [&](const CsrRow& c, float sign) {
        for (std::size_t p = 0; p < c.size(); ++p) {
            const float w = c.weights[p] * sign * coefficient;
            float* row = t.item + static_cast<std::size_t>(c.indices[p]) * t.item_ld;
            float* acc = t.item_acc + static_cast<std::size_t>(c.indices[p]) * t.item_ld;
            for (index_t k = 0; k < f; ++k) g[k] = w * x[k] + item_alpha * row[k];
            g[f] = w + item_alpha * row[f];
            hybrid_adagrad(row, acc, g, f + 1, lr);
        }
    };
    course(i, -1.0f);
    course(j, 1.0f);
}

/// a . b over n floats (Eigen's vectorised reduction: a plain loop may not be reassociated).
inline float hybrid_dot(const float* a, const float* b, index_t n) noexcept {
    return Eigen::Map<const Eigen::VectorXf>(a, n).dot(Eigen::Map<const Eigen::VectorXf>(b, n));
}

/// WARP's rank weight after `draws` draws found a violator among `courses` courses.
inline float warp_weight(index_t courses, int draws) noexcept {
    const auto rank = static_cast<double>((courses - 1) / draws);
    return static_cast<float>(std::log(std::max(1.0, std::floor(rank))));
}

inline float hybrid_sigmoid(float z) noexcept { return 1.0f / (1.0f + std::exp(-z)); }

/// The loss of a triple with scores si (positive) and sj (negative) found after `draws` draws:
/// WARP weight * (1 - si + sj) when the margin is violated (0 otherwise), BPR -ln sigmoid(si - sj).
inline double hybrid_triple_loss(HybridLoss loss, float si, float sj, index_t courses, int draws) noexcept {
    if (loss == HybridLoss::warp)
        return sj > si - 1.0f ? static_cast<double>(warp_weight(courses, draws)) * (1.0 - si + sj) : 0.0;
    const double m = static_cast<double>(si) - static_cast<double>(sj);
    return m > 0 ? std::log1p(std::exp(-m)) : -m + std::log1p(std::exp(m));
}

/// -dLoss/d(si - sj) for that triple in `coefficient`; false when the triple gives no update
/// (WARP: the negative does not violate the margin, so the next draw is tried).
inline bool hybrid_coefficient(HybridLoss loss, float si, float sj, index_t courses, int draws,
                               float& coefficient) noexcept {
    if (loss == HybridLoss::warp) {
        if (sj <= si - 1.0f) return false;
        coefficient = warp_weight(courses, draws);
        return true;
    }
    coefficient = hybrid_sigmoid(sj - si);
    return true;
}

struct HybridCounts {
    std::int64_t positives = 0, updates = 0, samples = 0;
    double loss = 0.0;
};

/// Everything an epoch slice needs, borrowed.
struct HybridEpochArgs {
    const CsrMatrix* positives;   // learners x courses, binary, sorted rows
    const CsrMatrix* user_rows;   // learners x user table rows
    const CsrMatrix* item_rows;   // courses x course table rows
    const std::int64_t* order;    // shuffled positive positions (into positives' non-zeros)
    const index_t* owner;         // learner of each positive position
    HybridTables tables;
    HybridLoss loss;
    int max_sampled;
    float lr, user_alpha, item_alpha;
};

/// Runs the updates of positives order[begin, end) with `rng`.
[[gnu::always_inline]] inline HybridCounts hybrid_epoch_slice_impl(const HybridEpochArgs& a, std::int64_t begin, std::int64_t end, BprRng& rng) {
    const index_t f = a.tables.factors;
    const index_t courses = a.positives->cols();
    std::vector<float> buf(static_cast<std::size_t>(5 * (f + 1)));
    float* x = buf.data();
    float* yi = x + (f + 1);
    float* yj = yi + (f + 1);
    float* scratch = yj + (f + 1);
    HybridCounts counts;
    const index_t* pos_indices = a.positives->indices().data();
    const auto& pos_indptr = a.positives->indptr();
    // Most of an epoch waits on memory: the shuffled positive's learner and course, the
    // learner's row of table indices, its id row (a random row of a large table) and rows the
    // other threads write. So each of these is prefetched a few positives ahead, in the order
    // its address becomes known, while the current positive is computed.
    constexpr std::int64_t kRows = 3, kIndices = 6, kIndptr = 9, kOrder = 12;
    const auto& user_indptr = a.user_rows->indptr();
    const index_t* user_indices = a.user_rows->indices().data();
    const float* user_weights = a.user_rows->data().data();
    for (std::int64_t p = begin; p < end; ++p) {
        if (p + kOrder < end) {
            const std::int64_t ahead = a.order[p + kOrder];
            __builtin_prefetch(a.owner + ahead, 0, 3);
            __builtin_prefetch(pos_indices + ahead, 0, 3);
        }
        if (p + kIndptr < end) __builtin_prefetch(user_indptr.data() + a.owner[a.order[p + kIndptr]], 0, 3);
        if (p + kIndices < end) {
            const auto b = user_indptr[static_cast<std::size_t>(a.owner[a.order[p + kIndices]])];
            __builtin_prefetch(user_indices + b, 0, 3);
            __builtin_prefetch(user_weights + b, 0, 3);
        }
        if (p + kRows < end) {
            const CsrRow r = a.user_rows->row(a.owner[a.order[p + kRows]]);
            for (std::size_t k = 0; k < r.size(); ++k) {
                const auto offset = static_cast<std::size_t>(r.indices[k]) * a.tables.user_ld;
                for (index_t c = 0; c < f; c += 16) {
                    __builtin_prefetch(a.tables.user + offset + c, 1, 3);
                    __builtin_prefetch(a.tables.user_acc + offset + c, 1, 3);
                }
            }
        }
        const std::int64_t at = a.order[p];
        const index_t u = a.owner[at];
        const index_t i = pos_indices[at];
        const index_t* liked = pos_indices + pos_indptr[static_cast<std::size_t>(u)];
        const index_t* liked_end = pos_indices + pos_indptr[static_cast<std::size_t>(u) + 1];
        const CsrRow urow = a.user_rows->row(u);
        const CsrRow irow = a.item_rows->row(i);
        hybrid_sum_rows(urow, a.tables.user, a.tables.user_ld, f, x);
        hybrid_sum_rows(irow, a.tables.item, a.tables.item_ld, f + 1, yi);
        const float si = hybrid_dot(x, yi, f) + yi[f];
        ++counts.positives;
        const int draws_allowed = a.loss == HybridLoss::warp ? a.max_sampled : 1;
        for (int draws = 1; draws <= draws_allowed; ++draws) {
            const auto j = static_cast<index_t>(rng.below(static_cast<std::uint64_t>(courses)));
            ++counts.samples;
            if (j == i || std::binary_search(liked, liked_end, j)) continue;
            const CsrRow jrow = a.item_rows->row(j);
            hybrid_sum_rows(jrow, a.tables.item, a.tables.item_ld, f + 1, yj);
            const float sj = hybrid_dot(x, yj, f) + yj[f];
            float coefficient;
            if (!hybrid_coefficient(a.loss, si, sj, courses, draws, coefficient)) continue;
            counts.loss += hybrid_triple_loss(a.loss, si, sj, courses, draws);
            ++counts.updates;
            hybrid_apply(a.tables, urow, irow, jrow, x, yi, yj, coefficient, a.lr, a.user_alpha, a.item_alpha,
                         scratch);
            break;
        }
    }
    return counts;
}
// One compilation per instruction set, chosen by learnrec::active_isa().
LEARNREC_ISA_KERNEL(HybridCounts, hybrid_epoch_slice, (const HybridEpochArgs& a, std::int64_t begin, std::int64_t end, BprRng& rng), (a, begin, end, rng))

/// Checks a CSR view of features: valid, `rows` rows, `cols` columns.
inline void check_feature_matrix(const CsrView& features, index_t rows, index_t cols, const char* what,
                                 const char* entities) {
    LEARNREC_CHECK(features.rows == rows, "{} have {} rows but {} {} were given", what, features.rows, rows,
                   entities);
    LEARNREC_CHECK(features.cols == cols, "{} have {} columns but the model was trained with {} features", what,
                   features.cols, cols);
    features.validate(what);
}

}  // namespace detail

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
            std::vector<float> residual(static_cast<std::size_t>(f), 0.0f), acc(static_cast<std::size_t>(f), 1.0f),
                g(static_cast<std::size_t>(f));
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
                            g[static_cast<std::size_t>(d)] =
                                -c * (yi[d] - yj[d]) + config_.fold_in_regularization * residual[static_cast<std::size_t>(d)];
                        for (index_t d = 0; d < f; ++d) {
                            const auto s = static_cast<std::size_t>(d);
                            const float step = config_.learning_rate * g[s] / std::sqrt(acc[s]);
                            acc[s] += g[s] * g[s];
                            residual[s] -= step;
                            x[d] -= step;
                        }
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

/// Stepwise training (one epoch per step()), so hosts can drive the loop, show progress and stop.
/// Copies the positives and the feature rows (O(nnz)); the tables and Adagrad state are
/// O((ids + features) * factors).
class HybridTrainer {
public:
    /// `user_features` (learners x features) and `item_features` (courses x features) may be
    /// nullptr: then only ids represent that side (use_*_ids must be on).
    HybridTrainer(const CsrView& user_items, const CsrView* user_features, const CsrView* item_features,
                  HybridConfig config)
        : config_(config) {
        config_.validate();
        user_items.validate("user_items");
        const index_t learners = user_items.rows, courses = user_items.cols;
        if (user_features) {
            user_features->validate("learner features");
            LEARNREC_CHECK(user_features->rows == learners,
                           "learner features have {} rows but user_items has {} learners", user_features->rows,
                           learners);
        }
        if (item_features) {
            item_features->validate("course features");
            LEARNREC_CHECK(item_features->rows == courses, "course features have {} rows but user_items has {} courses",
                           item_features->rows, courses);
        }
        user_features_ = user_features ? user_features->cols : 0;
        item_features_ = item_features ? item_features->cols : 0;
        LEARNREC_CHECK(config_.use_user_ids || user_features_ > 0,
                       "learners have no representation: set use_user_ids or pass learner features");
        LEARNREC_CHECK(config_.use_item_ids || item_features_ > 0,
                       "courses have no representation: set use_item_ids or pass course features");
        positives_ = detail::bpr_positive_rows(user_items);
        LEARNREC_CHECK(courses > 0 || positives_.nnz() == 0, "user_items has no courses");
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
        shuffle_rng_ = detail::BprRng(detail::bpr_mix(config_.seed, 0x5eed));
        for (int t = 0; t < threads_; ++t)
            rngs_.emplace_back(detail::bpr_mix(config_.seed, 0x8000 + static_cast<std::uint64_t>(t)));
    }

    /// Runs one epoch; see HybridIterationInfo.
    HybridIterationInfo step() {
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t k = order_.size(); k > 1; --k) std::swap(order_[k - 1], order_[shuffle_rng_.below(k)]);
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
                                                           rngs_[s]);
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
    detail::BprRng shuffle_rng_{0};
    std::vector<detail::BprRng> rngs_;
    int threads_ = 1;
    int iteration_ = 0;
};

/// Trains the hybrid model for config.iterations epochs. Feature matrices may be nullptr (ids only
/// on that side). `callback` sees each epoch and may stop training by returning false.
inline HybridModel fit_hybrid(const CsrView& user_items, const CsrView* user_features, const CsrView* item_features,
                              const HybridConfig& config, const HybridIterationCallback& callback = {}) {
    HybridTrainer trainer(user_items, user_features, item_features, config);
    for (int i = 0; i < config.iterations; ++i) {
        const auto info = trainer.step();
        if (callback && !callback(info)) break;
    }
    return std::move(trainer).release();
}

namespace detail {

/// Least-squares feature embeddings: argmin_E |F E - T|^2 + ridge |E|^2 over the rows of F
/// (entities x features) and targets T (entities x width). O(nnz(F) * (features + width) + features^3).
inline RowMatrix hybrid_ridge(const CsrView& f, const RowMatrix& targets, float ridge) {
    // A dense features x features system: fine for profile and metadata vocabularies, not for
    // millions of tokens (the SGD model has no such limit).
    LEARNREC_CHECK(f.cols <= 16384, "the least-squares variant solves a dense system over the features: {} features "
                   "exceed 16384; use the WARP/BPR model for larger vocabularies", f.cols);
    const auto n = static_cast<Eigen::Index>(f.cols);
    Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(n, n);
    Eigen::MatrixXd rhs = Eigen::MatrixXd::Zero(n, targets.cols());
    for (index_t r = 0; r < f.rows; ++r) {
        const auto row = f.row(r);
        for (std::size_t a = 0; a < row.size(); ++a) {
            rhs.row(row.indices[a]) += static_cast<double>(row.weights[a]) * targets.row(r).cast<double>();
            for (std::size_t b = 0; b < row.size(); ++b)
                gram(row.indices[a], row.indices[b]) += static_cast<double>(row.weights[a]) * row.weights[b];
        }
    }
    gram.diagonal().array() += static_cast<double>(ridge);
    return Eigen::LDLT<Eigen::MatrixXd>(gram).solve(rhs).cast<float>();
}

/// Embedding table [id rows; feature rows] such that every training entity's representation
/// (its row of `rows`: id then normalised features) equals its target: feature rows from the
/// ridge fit on feature-only rows (what a new entity will have), id rows the remainders.
inline RowMatrix hybrid_table_from_targets(index_t entities, bool ids, const CsrView* features, bool normalize,
                                           const RowMatrix& targets, float ridge, const char* what) {
    const index_t id_rows = ids ? entities : 0;
    RowMatrix table = RowMatrix::Zero(id_rows + (features ? features->cols : 0), targets.cols());
    if (features && features->cols > 0) {
        const CsrMatrix only = hybrid_table_rows(entities, false, features, normalize, what);
        table.bottomRows(features->cols) = hybrid_ridge(only, targets, ridge);
    }
    if (ids) {
        const CsrMatrix rows = hybrid_table_rows(entities, true, features, normalize, what);
        for (index_t e = 0; e < entities; ++e) {
            const auto row = rows.row(e);
            Eigen::RowVectorXf rest = targets.row(e);
            float id_weight = 0.0f;
            for (std::size_t k = 0; k < row.size(); ++k) {
                if (row.indices[k] == e)
                    id_weight = row.weights[k];
                else
                    rest -= row.weights[k] * table.row(row.indices[k]);
            }
            table.row(e) = rest / id_weight;
        }
    }
    return table;
}

}  // namespace detail

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
