// learnrec — models whose scores are dot products of learner and course embeddings.
//
// score(learner, course) = user_factors[learner] . item_factors[course]; similar courses use cosine.
// Thread safety: immutable after construction; all members may be called concurrently, also on a
// model that has never been scored (the first retrieval builds the scoring copies below exactly
// once, other callers wait for it; afterwards each score() costs one acquire load more).
// Complexity: scoring a tile of q queries x c courses costs O(q c d) flops. Memory: the course
// factors are kept row-major (shared with callers). Retrieval also needs them packed for the
// scoring kernel and packed in half precision (single-learner shortlist): 1.5 copies more, built
// by the first score() / score_approximate() / half_items() call rather than by the constructor,
// so that training (which ends by constructing the model) and loading never pay for them. Batch
// retrieval adds a copy packed in order of decreasing course norm (1 more: pruned top-k) and, on
// CPUs with AVX512_BF16, a bfloat16 copy (0.5 more), each built by its first use.
#pragma once

#include <cmath>
#include <string>

#include "learnrec/detail/half_panels.hpp"
#include "learnrec/detail/kernels.hpp"
#include "learnrec/detail/lazy_panels.hpp"
#include "learnrec/detail/score_kernel.hpp"
#include "learnrec/model/model.hpp"

namespace learnrec {

namespace detail {
/// Tag of the constructors that take learner factors the caller has already checked to be finite
/// (the daily updater checks the rows it solves), so that publishing does not read the whole table.
struct LearnerFactorsChecked {};
}  // namespace detail

class FactorModel : public Model {
public:
    index_t num_learners() const noexcept override { return static_cast<index_t>(user_factors_.rows()); }
    index_t num_courses() const noexcept override { return static_cast<index_t>(item_factors_.rows()); }
    index_t factors() const noexcept { return static_cast<index_t>(item_factors_.cols()); }

    /// Learner embeddings, one row per learner (row-major, contiguous).
    const RowMatrix& user_factors() const noexcept { return user_factors_; }
    /// Course embeddings, one row per course (row-major, contiguous).
    const RowMatrix& item_factors() const noexcept { return item_factors_; }

    QueryBlock learner_queries(std::span<const index_t> learners) const override {
        return embedding_queries(user_factors_, learners, "learner", [](index_t) { return 1.0f; });
    }

    void score(const QueryBlock& queries, index_t q0, index_t q1, index_t c0, index_t c1, float* out,
               std::size_t ld) const override {
        assert(queries.embeddings.cols() == item_factors_.cols());
        if (c0 % detail::kPanel == 0 && queries.embeddings.cols() > 0) {
            detail::score_panels(queries.embeddings.data() + static_cast<std::size_t>(q0) * static_cast<std::size_t>(factors()),
                                 static_cast<std::size_t>(factors()), q1 - q0, panels_.get(item_factors_).packed, c0, c1, out, ld);
        } else {
            detail::gemm_nt(queries.embeddings, q0, q1 - q0, item_factors_, c0, c1 - c0, out, ld);
        }
    }

    /// The half-precision copy of the course factors (empty when the CPU cannot use it), for
    /// shortlisting in memory-bound retrieval; see detail/half_panels.hpp. Builds the scoring
    /// copies on first use (may throw std::bad_alloc then).
    const detail::HalfPanels& half_items() const { return panels_.get(item_factors_).half; }

    /// Like score(), from the half-precision copy: each score is within
    /// detail::half_score_error_bound(query) of score()'s. Requires !half_items().empty().
    void score_approximate(const QueryBlock& queries, index_t q0, index_t q1, index_t c0, index_t c1, float* out,
                           std::size_t ld) const {
        score_reduced(half_items(), [](auto&&... a) { detail::score_halves(a...); }, queries, q0, q1, c0, c1, out, ld);
    }

    /// Whether the scoring copies of the course factors exist yet: a diagnostic for memory
    /// accounting and tests (they are built by the first retrieval, never by training).
    bool panels_built() const noexcept { return panels_.built(); }

    /// The bfloat16 copy of the course factors (empty when the CPU lacks AVX512_BF16), built on
    /// first use, for batch retrieval's shortlist; see detail/bf16_panels.hpp.
    const detail::Bf16Panels& bf16_items() const { return panels_.bf16(item_factors_); }

    /// Like score(), from the bfloat16 copy: each score is within
    /// detail::bf16_score_error_bound(query) of score()'s. Requires !bf16_items().empty() and c0 a
    /// multiple of detail::kPanel.
    void score_bf16(const QueryBlock& queries, index_t q0, index_t q1, index_t c0, index_t c1, float* out,
                    std::size_t ld) const {
        score_reduced(bf16_items(), [](auto&&... a) { detail::score_bf16(a...); }, queries, q0, q1, c0, c1, out, ld);
    }

    /// The course factors in order of decreasing norm, built on first use, for pruned batch
    /// retrieval; see detail/norm_panels.hpp.
    const detail::NormOrderedPanels& norm_ordered_items() const { return panels_.norm_ordered(item_factors_); }

    QueryBlock course_queries(std::span<const index_t> courses) const override {
        return embedding_queries(item_factors_, courses, "course", [&](index_t c) { return item_inverse_norms_[c]; });
    }

    ScoringForm scoring() const noexcept override { return {.factors = this}; }

    void score_similar(const QueryBlock& queries, index_t q0, index_t q1, index_t c0, index_t c1, float* out,
                       std::size_t ld) const override {
        detail::gemm_nt(queries.embeddings, q0, q1 - q0, item_factors_, c0, c1 - c0, out, ld);
        for (index_t q = q0; q < q1; ++q) {
            float* row = out + static_cast<std::size_t>(q - q0) * ld;
            for (index_t c = c0; c < c1; ++c) row[c - c0] *= item_inverse_norms_[c];
        }
    }

protected:
    FactorModel(RowMatrix user_factors, RowMatrix item_factors)
        : FactorModel(std::move(user_factors), std::move(item_factors), detail::LearnerFactorsChecked{}) {
        LEARNREC_CHECK(finite(user_factors_), "factors contain NaN or infinity");
    }
    FactorModel(RowMatrix user_factors, RowMatrix item_factors, detail::LearnerFactorsChecked)
        : user_factors_(std::move(user_factors)), item_factors_(std::move(item_factors)) {
        LEARNREC_CHECK(user_factors_.cols() == item_factors_.cols(),
                       "learner factors have {} columns but course factors {}", user_factors_.cols(),
                       item_factors_.cols());
        LEARNREC_CHECK(finite(item_factors_), "factors contain NaN or infinity");
        item_inverse_norms_.resize(item_factors_.rows());
        for (Eigen::Index c = 0; c < item_factors_.rows(); ++c) {
            const float n = item_factors_.row(c).norm();
            // A zero vector is similar to nothing rather than dividing by zero.
            item_inverse_norms_[c] = n > 0.0f ? 1.0f / n : 0.0f;
        }
    }

    /// x - x is 0 for a finite x and NaN otherwise, and the sum vectorises; Eigen's allFinite()
    /// tests entry by entry (37 ms for 100,000 x 64 factors, most of a daily update's publish).
    template <class M>
    static bool finite(const M& m) {
        return (m.array() - m.array()).sum() == 0.0f;
    }

    RowMatrix user_factors_;
    RowMatrix item_factors_;
    Vector item_inverse_norms_;

    /// Rows `ids` of `table` (`what`: "learner" or "course", for errors), row i scaled by scale(ids[i]).
    template <class Scale>
    static QueryBlock embedding_queries(const RowMatrix& table, std::span<const index_t> ids, const char* what,
                                       Scale&& scale) {
        const auto rows = static_cast<index_t>(table.rows());
        QueryBlock q;
        q.count = static_cast<index_t>(ids.size());
        q.embeddings.resize(q.count, table.cols());
        for (std::size_t i = 0; i < ids.size(); ++i) {
            LEARNREC_CHECK(ids[i] >= 0 && ids[i] < rows, "{} index {} outside [0, {})", what, ids[i], rows);
            q.embeddings.row(static_cast<Eigen::Index>(i)) = table.row(ids[i]) * scale(ids[i]);
        }
        return q;
    }

private:
    /// Queries [q0, q1) against a reduced-precision copy of the course factors, through its `kernel`.
    template <class Panels, class Kernel>
    void score_reduced(const Panels& panels, Kernel&& kernel, const QueryBlock& queries, index_t q0, index_t q1,
                       index_t c0, index_t c1, float* out, std::size_t ld) const {
        assert(!panels.empty() && c0 % detail::kPanel == 0);
        const auto d = static_cast<std::size_t>(factors());
        kernel(queries.embeddings.data() + static_cast<std::size_t>(q0) * d, d, q1 - q0, panels, c0, c1, out, ld);
    }

    // The course factors packed for score() and in half precision for score_approximate(): 1.5
    // copies' worth of bytes, built on first use (see detail/lazy_panels.hpp).
    detail::LazyCoursePanels panels_;
};

}  // namespace learnrec
