// learnrec — Bayesian Personalized Ranking matrix factorisation (Rendle et al., UAI 2009), with the
// conventions of the `implicit` package's CPU BPR.
//
// Model: score(u, c) = x_u . y_c + b_c. As in implicit, the course bias b_c is stored as the last
// column of the course factors and the learners' last column is fixed at 1, so the factor matrices
// have `factors + 1` columns (`factors` without item_bias) and FactorModel scoring is unchanged.
// Training maximises sum ln sigmoid(x_u . (y_i - y_j) + b_i - b_j) over triples (learner u, positive
// course i, sampled negative course j) by SGD with L2 penalty `regularization` on every parameter
// touched by an update (the learners' bias column is never updated).
//  - Positives are the entries with weight > 0; weights are otherwise ignored (binary), and negative
//    feedback is never a positive (it may be drawn as a negative).
//  - One epoch visits every positive once, learner by learner in an order shuffled each epoch; for
//    each positive, `negatives` negative courses are drawn uniformly over courses (`uniform`) or in
//    proportion to their number of positives (`popularity`, what implicit does: a uniform draw over
//    the non-zeros). With verify_negative_samples, a negative the learner has as a positive is
//    skipped (not redrawn), like implicit; a negative equal to the positive is always skipped.
//  - Initialisation as implicit: uniform in [-0.5, 0.5) / factors, zero for courses without positives,
//    learners' bias column 1.
//  - Threads: lock-free Hogwild. Each epoch the shuffled learner order is cut into num_threads
//    contiguous parts of about equal non-zeros; each thread owns its learners, shares the course
//    factors without locks (benign races on floats, as in implicit) and draws from its own RNG
//    seeded from (seed, thread index). With num_threads = 1 training is fully deterministic; with
//    more threads the result depends on the interleaving.
// Fold-in: a new learner's row is fitted by `fold_in_epochs` epochs of the same SGD with the course
// factors fixed, starting from zero factors (bias column 1) and uniform negatives. Its RNG is seeded
// from (seed, the row's positive courses), so a row always gets the same embedding, whatever the
// batch it comes in or the thread count. An empty row gets the bias-only embedding (course bias
// ranking, i.e. learned popularity).
// Similar courses: cosine of the course factor rows, bias column included (as implicit's similar_items).
// Hyperparameters: learning_rate defaults to 0.05 (implicit: 0.01, which needs several times more
// epochs here). Measured on Gowalla (LightGCN split, 64 factors, uniform negatives): recall@20 0.137
// after 100 epochs with regularization 0.001 (0.129 with 0.01); popularity sampling reached only 0.06.
//
// Thread safety: BprModel is immutable; BprTrainer is used by one thread at a time (it runs its own
// team of num_threads). Complexity: an epoch costs O(nnz * negatives * factors) (plus a binary search
// in the learner's row per sample with verify_negative_samples); memory O((learners + courses) factors
// + nnz) for training. Fold-in O(fold_in_epochs * |row| * negatives * factors) per learner.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <numeric>
#include <type_traits>
#include <string>
#include <vector>

#include "learnrec/data/csr.hpp"
#include "learnrec/detail/parallel.hpp"
#include "learnrec/isa.hpp"  // LEARNREC_ISA_KERNEL
#include "learnrec/detail/sampling.hpp"  // BprRng, bpr_mix, bpr_positive_rows
#include "learnrec/detail/training.hpp"
#include "learnrec/model/factor_model.hpp"

namespace learnrec {

enum class BprNegativeSampling {
    uniform,     // every course equally likely (Rendle et al.)
    popularity,  // in proportion to the course's positives (implicit: a uniform draw over the non-zeros)
};

struct BprConfig {
    index_t factors = 64;           // latent factors, not counting the bias column
    float learning_rate = 0.05f;    // implicit's default is 0.01, which needs many more epochs here
    float regularization = 0.01f;
    int iterations = 100;           // epochs
    int negatives = 1;              // negative samples (SGD updates) per positive and epoch
    BprNegativeSampling sampling = BprNegativeSampling::uniform;
    bool verify_negative_samples = true;
    bool item_bias = true;          // learn a course bias (an extra factor column, learners' side 1)
    int fold_in_epochs = 50;        // SGD epochs over a new learner's row in fold_in()
    std::uint64_t seed = 42;
    int num_threads = 0;            // 0: every processor

    void validate() const {
        detail::check_sgd_config(factors, learning_rate);
        LEARNREC_CHECK(std::isfinite(regularization) && regularization >= 0.0f,
                       "regularization must be finite and >= 0, got {}", regularization);
        LEARNREC_CHECK(iterations >= 0, "iterations must be >= 0, got {}", iterations);
        LEARNREC_CHECK(negatives > 0, "negatives must be positive, got {}", negatives);
        LEARNREC_CHECK(fold_in_epochs >= 0, "fold_in_epochs must be >= 0, got {}", fold_in_epochs);
        detail::check_num_threads(num_threads);
    }
    /// Columns of the factor matrices: factors, plus one for the course bias.
    index_t columns() const noexcept { return factors + (item_bias ? 1 : 0); }
};

/// Reported after each epoch; return false from the callback to stop training.
struct BprIterationInfo {
    int iteration = 0;        // 1-based epoch
    double seconds = 0.0;     // wall time of this epoch
    double correct = 0.0;     // fraction of updated triples ranked correctly before their update (implicit's "correct")
    double skipped = 0.0;     // fraction of drawn triples skipped (negative is a positive of the learner)
    std::int64_t samples = 0; // triples drawn
};
using BprIterationCallback = std::function<bool(const BprIterationInfo&)>;

namespace detail {

typedef float bpr_v8 __attribute__((vector_size(32), aligned(4)));

/// One SGD step on (user, liked, disliked) with `f` latent factors followed, when `bias`, by the
/// bias column (user side fixed at 1). Updates the course rows only when `update_items`.
/// Returns true when the triple was ranked correctly before the update.
template <bool update_items, class ItemPtr = std::conditional_t<update_items, float*, const float*>>
[[gnu::always_inline]] inline bool bpr_step(float* __restrict u, ItemPtr __restrict l, ItemPtr __restrict d, index_t f,
                                            bool bias, float lr, float reg) {
    // Vectors are moved with memcpy (rows are not aligned); no function passes them by value, so
    // the baseline build has no AVX ABI concerns while the AVX2 clone keeps them in registers.
    bpr_v8 a0{}, a1{}, uv, lv, dv;
    index_t j = 0;
    for (; j + 16 <= f; j += 16) {
        std::memcpy(&uv, u + j, sizeof uv);
        std::memcpy(&lv, l + j, sizeof lv);
        std::memcpy(&dv, d + j, sizeof dv);
        a0 += uv * (lv - dv);
        std::memcpy(&uv, u + j + 8, sizeof uv);
        std::memcpy(&lv, l + j + 8, sizeof lv);
        std::memcpy(&dv, d + j + 8, sizeof dv);
        a1 += uv * (lv - dv);
    }
    for (; j + 8 <= f; j += 8) {
        std::memcpy(&uv, u + j, sizeof uv);
        std::memcpy(&lv, l + j, sizeof lv);
        std::memcpy(&dv, d + j, sizeof dv);
        a0 += uv * (lv - dv);
    }
    a0 += a1;
    float score = 0.0f;
    for (int k = 0; k < 8; ++k) score += a0[k];
    for (; j < f; ++j) score += u[j] * (l[j] - d[j]);
    if (bias) score += l[f] - d[f];
    const float z = 1.0f / (1.0f + std::exp(score));  // sigmoid(-score): the gradient scale
    const float keep = 1.0f - lr * reg, step = lr * z;
    j = 0;
    for (; j + 8 <= f; j += 8) {
        std::memcpy(&uv, u + j, sizeof uv);
        std::memcpy(&lv, l + j, sizeof lv);
        std::memcpy(&dv, d + j, sizeof dv);
        const bpr_v8 un = keep * uv + step * (lv - dv);
        std::memcpy(u + j, &un, sizeof un);
        if constexpr (update_items) {
            const bpr_v8 ln = keep * lv + step * uv, dn = keep * dv - step * uv;
            std::memcpy(l + j, &ln, sizeof ln);
            std::memcpy(d + j, &dn, sizeof dn);
        }
    }
    for (; j < f; ++j) {
        const float us = u[j], ls = l[j], ds = d[j];
        u[j] = keep * us + step * (ls - ds);
        if constexpr (update_items) {
            l[j] = keep * ls + step * us;
            d[j] = keep * ds - step * us;
        }
    }
    if constexpr (update_items) {
        if (bias) {
            l[f] = keep * l[f] + step;
            d[f] = keep * d[f] - step;
        }
    }
    return z < 0.5f;
}

struct BprCounts {
    std::int64_t samples = 0, skipped = 0, correct = 0;
};

/// Everything an epoch slice needs, borrowed.
struct BprEpochArgs {
    const CsrMatrix* positives;        // learners x courses, binary positives, sorted rows
    const index_t* order;              // shuffled learners
    float* user;                       // learners x columns
    float* item;                       // courses x columns
    index_t columns, factors, courses;
    bool bias, verify, popularity;
    int negatives;
    float lr, reg;
};

inline void bpr_prefetch_row(const float* p, std::size_t cols) noexcept {
    for (std::size_t k = 0; k < cols; k += 16) __builtin_prefetch(p + k, 1, 3);
    __builtin_prefetch(p + cols - 1, 1, 3);
}

/// Runs the SGD updates of learners order[begin, end) with `rng`. Triples are drawn into a small
/// batch first so that the course rows of the triple kPrefetch ahead can be prefetched while the
/// current one is updated (random course rows are cache misses; this is most of an epoch's time).
/// Compiled for several instruction sets; learnrec::active_isa() picks one (learnrec/isa.hpp).
[[gnu::always_inline]] inline BprCounts bpr_epoch_slice_impl(const BprEpochArgs& a, std::int64_t begin, std::int64_t end, BprRng& rng) {
    constexpr int kBatch = 64, kPrefetch = 4;
    struct Triple {
        float* user;
        float* liked;
        float* disliked;
    };
    Triple batch[kBatch];
    int filled = 0;
    BprCounts counts;
    const auto cols = static_cast<std::size_t>(a.columns);
    auto run = [&]() {
        for (int t = 0; t < filled; ++t) {
            if (t + kPrefetch < filled) {
                bpr_prefetch_row(batch[t + kPrefetch].liked, cols);
                bpr_prefetch_row(batch[t + kPrefetch].disliked, cols);
            }
            counts.correct += bpr_step<true>(batch[t].user, batch[t].liked, batch[t].disliked, a.factors, a.bias, a.lr,
                                             a.reg);
        }
        filled = 0;
    };
    const auto& indptr = a.positives->indptr();
    const index_t* indices = a.positives->indices().data();
    const auto nnz = static_cast<std::uint64_t>(a.positives->nnz());
    for (std::int64_t p = begin; p < end; ++p) {
        const index_t u = a.order[p];
        const auto b = indptr[static_cast<std::size_t>(u)], e = indptr[static_cast<std::size_t>(u) + 1];
        const index_t* row = indices + b;
        const auto row_size = static_cast<std::size_t>(e - b);
        float* x = a.user + static_cast<std::size_t>(u) * cols;
        for (std::size_t k = 0; k < row_size; ++k) {
            const index_t liked = row[k];
            float* y_liked = a.item + static_cast<std::size_t>(liked) * cols;
            for (int n = 0; n < a.negatives; ++n) {
                const index_t disliked = a.popularity ? indices[rng.below(nnz)]
                                                      : static_cast<index_t>(rng.below(static_cast<std::uint64_t>(a.courses)));
                ++counts.samples;
                if (disliked == liked || (a.verify && std::binary_search(row, row + row_size, disliked))) {
                    ++counts.skipped;
                    continue;
                }
                float* y_disliked = a.item + static_cast<std::size_t>(disliked) * cols;
                if (filled < kPrefetch) {
                    bpr_prefetch_row(y_liked, cols);
                    bpr_prefetch_row(y_disliked, cols);
                }
                batch[filled++] = {x, y_liked, y_disliked};
                if (filled == kBatch) run();
            }
        }
    }
    run();
    return counts;
}
// One compilation per instruction set, chosen by learnrec::active_isa().
LEARNREC_ISA_KERNEL(BprCounts, bpr_epoch_slice, (const BprEpochArgs& a, std::int64_t begin, std::int64_t end, BprRng& rng), (a, begin, end, rng))

}  // namespace detail

/// A trained BPR model. Immutable. Factor matrices have config.columns() columns; with item_bias
/// the last course column is the bias and the last learner column is 1.
class BprModel final : public FactorModel {
public:
    BprModel(RowMatrix user_factors, RowMatrix item_factors, BprConfig config)
        : FactorModel(std::move(user_factors), std::move(item_factors)), config_(config) {
        config_.validate();
        LEARNREC_CHECK(item_factors_.cols() == config_.columns(),
                       "factor matrices have {} columns but the config expects {} ({} factors{})", item_factors_.cols(),
                       config_.columns(), config_.factors, config_.item_bias ? " + bias" : "");
    }

    /// The kind() of every instance, known without one (used by load_as<M>).
    static constexpr std::string_view kind_name = "bpr";
    std::string_view kind() const noexcept override { return kind_name; }
    const BprConfig& config() const noexcept { return config_; }

    /// Learner embeddings (config().columns() wide) fitted to interaction rows with the course
    /// factors fixed; see the header comment.
    RowMatrix fold_in_learners(const CsrView& rows, int num_threads = 0) const {
        rows.validate("learner rows");
        LEARNREC_CHECK(rows.cols == num_courses(), "rows have {} columns, the model has {} courses", rows.cols,
                       num_courses());
        const CsrMatrix positives = detail::bpr_positive_rows(rows);
        const index_t f = config_.factors, cols = config_.columns();
        RowMatrix out = RowMatrix::Zero(rows.rows, cols);
        if (config_.item_bias) out.col(f).setOnes();
        const float* items = item_factors_.data();
        detail::parallel_for(0, rows.rows, num_threads, [&](std::int64_t r) {
            const auto row = positives.row(static_cast<index_t>(r));
            if (row.size() == 0) return;
            std::uint64_t h = config_.seed;
            for (auto c : row.indices) h = detail::bpr_mix(h, static_cast<std::uint64_t>(c));
            detail::BprRng rng(h);
            float* x = out.row(r).data();
            const index_t* ix = row.indices.data();
            const auto n = row.size();
            for (int epoch = 0; epoch < config_.fold_in_epochs; ++epoch) {
                for (std::size_t k = 0; k < n; ++k) {
                    const index_t liked = ix[k];
                    for (int s = 0; s < config_.negatives; ++s) {
                        const auto disliked = static_cast<index_t>(rng.below(static_cast<std::uint64_t>(num_courses())));
                        if (disliked == liked ||
                            (config_.verify_negative_samples && std::binary_search(ix, ix + n, disliked)))
                            continue;
                        detail::bpr_step<false>(x, items + static_cast<std::size_t>(liked) * static_cast<std::size_t>(cols),
                                                items + static_cast<std::size_t>(disliked) * static_cast<std::size_t>(cols),
                                                f, config_.item_bias, config_.learning_rate, config_.regularization);
                    }
                }
            }
        }, 16);
        LEARNREC_CHECK(out.allFinite(), "fold-in diverged (non-finite factors); lower learning_rate");
        return out;
    }

    QueryBlock fold_in(const CsrView& rows, int num_threads = 0) const override {
        QueryBlock q;
        q.embeddings = fold_in_learners(rows, num_threads);
        q.count = rows.rows;
        return q;
    }

private:
    BprConfig config_;
};

/// Stepwise training (one epoch per step()), so hosts can drive the loop, show progress and stop.
/// Holds the binary positives (O(nnz)) and the factors.
class BprTrainer {
public:
    BprTrainer(const CsrView& interactions, BprConfig config) : config_(config) {
        config_.validate();
        interactions.validate("interactions");
        LEARNREC_CHECK(interactions.nnz() < (offset_t{1} << 32), "BPR draws 32-bit samples: at most 2^32 positives, got {}",
                       interactions.nnz());
        positives_ = detail::bpr_positive_rows(interactions);
        threads_ = detail::resolve_threads(config_.num_threads);
        const index_t f = config_.factors, cols = config_.columns();
        const index_t learners = positives_.rows(), courses = positives_.cols();
        // Initialisation from one stream: learners then courses (implicit's scheme).
        detail::BprRng init(detail::bpr_mix(config_.seed, 0x1417));
        const float scale = 1.0f / static_cast<float>(f);
        X_.resize(learners, cols);
        for (Eigen::Index i = 0; i < X_.size(); ++i) X_.data()[i] = (init.uniform() - 0.5f) * scale;
        if (config_.item_bias) X_.col(f).setOnes();
        Y_.resize(courses, cols);
        for (Eigen::Index i = 0; i < Y_.size(); ++i) Y_.data()[i] = (init.uniform() - 0.5f) * scale;
        std::vector<char> has(static_cast<std::size_t>(courses), 0);
        for (auto c : positives_.indices()) has[static_cast<std::size_t>(c)] = 1;
        for (index_t c = 0; c < courses; ++c)
            if (!has[static_cast<std::size_t>(c)]) Y_.row(c).setZero();
        order_.resize(static_cast<std::size_t>(learners));
        std::iota(order_.begin(), order_.end(), index_t{0});
        rng_ = detail::SgdStreams(config_.seed, 0x7000, threads_);
    }

    /// Runs one epoch; see BprIterationInfo.
    BprIterationInfo step() {
        const auto start = std::chrono::steady_clock::now();
        rng_.shuffle_order(order_);
        // Cut the order into threads_ parts of about equal non-zeros.
        std::vector<std::int64_t> cut(static_cast<std::size_t>(threads_) + 1, static_cast<std::int64_t>(order_.size()));
        cut[0] = 0;
        {
            const double total = static_cast<double>(positives_.nnz());
            double seen = 0.0;
            int t = 1;
            for (std::size_t p = 0; p < order_.size() && t < threads_; ++p) {
                while (t < threads_ && seen >= total * t / threads_) cut[static_cast<std::size_t>(t++)] = static_cast<std::int64_t>(p);
                const auto u = static_cast<std::size_t>(order_[p]);
                seen += static_cast<double>(positives_.indptr()[u + 1] - positives_.indptr()[u]);
            }
        }
        const detail::BprEpochArgs args{&positives_, order_.data(), X_.data(), Y_.data(), config_.columns(),
                                        config_.factors, positives_.cols(), config_.item_bias,
                                        config_.verify_negative_samples,
                                        config_.sampling == BprNegativeSampling::popularity, config_.negatives,
                                        config_.learning_rate, config_.regularization};
        std::vector<detail::BprCounts> counts(static_cast<std::size_t>(threads_));
        if (positives_.nnz() > 0) {
            detail::parallel_team(threads_, [&](int t, int team) {
                // A smaller team than asked for (nested or limited OpenMP) takes over the missing parts.
                for (int part = t; part < threads_; part += team) {
                    const auto s = static_cast<std::size_t>(part);
                    const auto c = detail::bpr_epoch_slice(args, cut[s], cut[s + 1], rng_.threads[s]);
                    counts[s].samples += c.samples;
                    counts[s].skipped += c.skipped;
                    counts[s].correct += c.correct;
                }
            });
        }
        detail::BprCounts total;
        for (const auto& c : counts) {
            total.samples += c.samples;
            total.skipped += c.skipped;
            total.correct += c.correct;
        }
        BprIterationInfo info;
        info.iteration = ++iteration_;
        info.samples = total.samples;
        const auto updated = total.samples - total.skipped;
        info.correct = updated > 0 ? static_cast<double>(total.correct) / static_cast<double>(updated) : 0.0;
        info.skipped = total.samples > 0 ? static_cast<double>(total.skipped) / static_cast<double>(total.samples) : 0.0;
        info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return info;
    }

    int iteration() const noexcept { return iteration_; }
    const BprConfig& config() const noexcept { return config_; }
    const RowMatrix& user_factors() const noexcept { return X_; }
    const RowMatrix& item_factors() const noexcept { return Y_; }

    /// The model as trained so far (copies the factors; the trainer can keep going).
    BprModel model() const { return BprModel(X_, Y_, config_); }
    /// The model, moving the factors out; the trainer is spent afterwards.
    BprModel release() && { return BprModel(std::move(X_), std::move(Y_), config_); }

private:
    BprConfig config_;
    CsrMatrix positives_;
    RowMatrix X_, Y_;
    std::vector<index_t> order_;
    detail::SgdStreams rng_;
    int threads_ = 1;
    int iteration_ = 0;
};

/// Trains BPR on a learners x courses matrix for config.iterations epochs. `callback` sees each
/// epoch's info and may stop training early by returning false.
inline BprModel fit_bpr(const CsrView& interactions, const BprConfig& config, const BprIterationCallback& callback = {}) {
    return detail::train_epochs(BprTrainer(interactions, config), config.iterations, callback);
}

}  // namespace learnrec
