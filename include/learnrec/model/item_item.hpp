// learnrec — models that score through a dense course x course matrix B:
//     score(learner, c) = sum over the learner's history (i, w) of  w * B[i, c].
//
// The learner's query is their history row (QueryBlock::history), so fold-in is exact and free:
// a new learner is scored from their row with no solve. Learners seen in training are scored
// from the training rows the model keeps (HistoryModel, shared with item-kNN). GF-CF builds on
// this; EASE and item-kNN have the same shape.
// Thread safety: immutable after construction; all members may be called concurrently.
// Complexity: memory 4 * courses^2 bytes for B plus the training matrix; scoring a query costs
// O(|history| * courses).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#if defined(__unix__)
#include <unistd.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "learnrec/detail/parallel.hpp"

#include "learnrec/model/model.hpp"

namespace learnrec {

namespace detail {
/// Physical memory in bytes (0 when unknown); used for default memory budgets.
inline std::size_t physical_memory_bytes() noexcept {
#if defined(__unix__)
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && page > 0) return static_cast<std::size_t>(pages) * static_cast<std::size_t>(page);
#endif
    return 0;
}

/// Throws unless a dense courses x courses float32 matrix (plus `extra` bytes) fits in `budget`.
inline void check_dense_item_budget(index_t courses, std::size_t extra, std::size_t budget, const char* model) {
    const auto n = static_cast<std::size_t>(courses);
    const auto need = checked_add(checked_mul(checked_mul(n, n, model), sizeof(float), model), extra, model);
    LEARNREC_CHECK(need <= budget,
                   "{} needs about {:.2f} GiB for a dense {} x {} course matrix, above the memory budget of {:.2f} GiB; "
                   "raise memory_budget_bytes or use a factor model",
                   model, static_cast<double>(need) / 1073741824.0, courses, courses,
                   static_cast<double>(budget) / 1073741824.0);
}
/// An uninitialised-then-zeroed rows x cols matrix for multi-GiB dense course matrices: asks
/// Linux for transparent huge pages (first-touch page faults and TLB misses dominate otherwise:
/// measured here 8.5 s vs 5.1 s to fault in 6.7 GB, and 7x faster later passes) and zeroes it
/// with `threads` threads so the faults are shared.
inline RowMatrix large_zero_matrix(index_t rows, index_t cols, int threads) {
    RowMatrix m(rows, cols);  // Eigen leaves the storage untouched
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
    const auto begin = (reinterpret_cast<std::uintptr_t>(m.data()) + huge - 1) & ~(huge - 1);
    const auto end = reinterpret_cast<std::uintptr_t>(m.data() + m.size()) & ~(huge - 1);
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // advisory: ignore failure
#endif
    parallel_for(0, rows, threads, [&](std::int64_t r) { m.row(r).setZero(); }, 64);
    return m;
}

/// Queries of history-based models for new learners: `rows` (checked against the model's
/// `courses`) turned into query weights by `to_query`.
template <class ToQuery>
QueryBlock history_fold_in(const CsrView& rows, index_t courses, ToQuery&& to_query) {
    rows.validate("learner rows");
    LEARNREC_CHECK(rows.cols == courses, "rows have {} columns, the model has {} courses", rows.cols, courses);
    QueryBlock q;
    q.count = rows.rows;
    q.history = to_query(rows);
    return q;
}

/// Interaction rows turned into query weights: 1 for positive feedback. Negative feedback carries
/// no signal in item-item models and is left out of the query (recommendations still exclude
/// those courses, since exclusion uses the caller's rows).
inline CsrMatrix binary_positive_rows(const CsrView& rows) {
    std::vector<Triplet> t;
    t.reserve(static_cast<std::size_t>(rows.nnz()));
    for (index_t r = 0; r < rows.rows; ++r) {
        const auto row = rows.row(r);
        for (std::size_t j = 0; j < row.size(); ++j)
            if (row.weights[j] > 0.0f) t.push_back({r, row.indices[j], 1.0f});
    }
    return CsrMatrix::from_triplets(rows.rows, rows.cols, t);
}
}  // namespace detail

/// A model whose learner query is the learner's history row (item-item models, item-kNN). It keeps
/// the training rows as query weights; a course's "similar courses" query is a history holding
/// that course alone, scored as a learner's would be.
class HistoryModel : public Model {
public:
    index_t num_learners() const noexcept override { return train_.rows(); }
    /// The training rows (already transformed into query weights), one per learner.
    const CsrMatrix& training_rows() const noexcept { return train_; }

    QueryBlock learner_queries(std::span<const index_t> learners) const override {
        for (auto l : learners)
            LEARNREC_CHECK(l >= 0 && l < train_.rows(), "learner index {} outside [0, {})", l, train_.rows());
        QueryBlock q;
        q.count = static_cast<index_t>(learners.size());
        q.history = train_.select_rows(learners);
        return q;
    }
    QueryBlock course_queries(std::span<const index_t> courses) const override {
        const index_t n = num_courses();
        std::vector<Triplet> t;
        for (std::size_t i = 0; i < courses.size(); ++i) {
            LEARNREC_CHECK(courses[i] >= 0 && courses[i] < n, "course index {} outside [0, {})", courses[i], n);
            t.push_back({static_cast<index_t>(i), courses[i], 1.0f});
        }
        QueryBlock q;
        q.count = static_cast<index_t>(courses.size());
        q.history = CsrMatrix::from_triplets(q.count, n, t);
        return q;
    }
    void score_similar(const QueryBlock& queries, index_t q0, index_t q1, index_t c0, index_t c1, float* out,
                       std::size_t ld) const override {
        score(queries, q0, q1, c0, c1, out, ld);
    }

protected:
    explicit HistoryModel(CsrMatrix train) : train_(std::move(train)) {}

    CsrMatrix train_;
};

class ItemItemModel : public HistoryModel {
public:
    index_t num_courses() const noexcept override { return static_cast<index_t>(weights_.rows()); }

    /// B: row i holds what having taken course i adds to every course's score.
    const RowMatrix& item_weights() const noexcept { return weights_; }

    QueryBlock fold_in(const CsrView& rows, int /*num_threads*/ = 0) const override {
        return detail::history_fold_in(rows, num_courses(), [](const CsrView& r) { return query_rows(r); });
    }

    void score(const QueryBlock& queries, index_t q0, index_t q1, index_t c0, index_t c1, float* out,
               std::size_t ld) const override {
        const auto width = static_cast<Eigen::Index>(c1 - c0);
        for (index_t q = q0; q < q1; ++q) {
            Eigen::Map<Eigen::RowVectorXf> o(out + static_cast<std::size_t>(q - q0) * ld, width);
            o.setZero();
            const auto row = queries.history.row(q);
            for (std::size_t j = 0; j < row.size(); ++j)
                o.noalias() += row.weights[j] * weights_.row(row.indices[j]).segment(c0, width);
        }
    }

    /// Similar courses score row i of B (what taking course i suggests).
    ScoringForm scoring() const noexcept override { return {.course_matrix = &weights_}; }

protected:
    /// `train` must already hold query weights (see query_rows).
    ItemItemModel(CsrMatrix train, RowMatrix weights) : HistoryModel(std::move(train)), weights_(std::move(weights)) {
        LEARNREC_CHECK(weights_.rows() == weights_.cols(), "course matrix is {} x {}, expected square",
                       weights_.rows(), weights_.cols());
        LEARNREC_CHECK(train_.cols() == weights_.rows(), "training rows have {} columns but the model has {} courses",
                       train_.cols(), weights_.rows());
        LEARNREC_CHECK(weights_.allFinite(), "course matrix contains NaN or infinity");
    }

    static CsrMatrix query_rows(const CsrView& rows) { return detail::binary_positive_rows(rows); }

    RowMatrix weights_;
};

/// An ItemItemModel with the config it was trained with, validated on construction (EASE, GF-CF).
template <class Config>
class ConfiguredItemItemModel : public ItemItemModel {
public:
    /// Rebuilds a trained model from its state: the training rows (already query weights) and B.
    ConfiguredItemItemModel(CsrMatrix train_rows, RowMatrix weights, Config config)
        : ItemItemModel(std::move(train_rows), std::move(weights)), config_(config) {
        config_.validate();
    }
    const Config& config() const noexcept { return config_; }

private:
    Config config_;
};

}  // namespace learnrec
