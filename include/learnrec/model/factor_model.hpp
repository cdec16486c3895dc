// learnrec — models whose scores are dot products of learner and course embeddings.
//
// score(learner, course) = user_factors[learner] . item_factors[course]; similar courses use cosine.
// Thread safety: immutable after construction; all members may be called concurrently.
// Complexity: scoring a tile of q queries x c courses costs O(q c d) flops. Memory: the course
// factors are kept row-major (shared with callers), packed for the scoring kernel, and packed in
// half precision for single-learner retrieval (2.5 copies' worth of bytes in all).
#pragma once

#include <cmath>
#include <string>

#include "learnrec/detail/half_panels.hpp"
#include "learnrec/detail/kernels.hpp"
#include "learnrec/detail/score_kernel.hpp"
#include "learnrec/model/model.hpp"

namespace learnrec {

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
        QueryBlock q;
        q.count = static_cast<index_t>(learners.size());
        q.embeddings.resize(q.count, user_factors_.cols());
        for (std::size_t i = 0; i < learners.size(); ++i) {
            LEARNREC_CHECK(learners[i] >= 0 && learners[i] < num_learners(), "learner index {} outside [0, {})",
                           learners[i], num_learners());
            q.embeddings.row(static_cast<Eigen::Index>(i)) = user_factors_.row(learners[i]);
        }
        return q;
    }

    void score(const QueryBlock& queries, index_t q0, index_t q1, index_t c0, index_t c1, float* out,
               std::size_t ld) const override {
        assert(queries.embeddings.cols() == item_factors_.cols());
        if (c0 % detail::kPanel == 0 && queries.embeddings.cols() > 0) {
            detail::score_panels(queries.embeddings.data() + static_cast<std::size_t>(q0) * static_cast<std::size_t>(factors()),
                                 static_cast<std::size_t>(factors()), q1 - q0, packed_items_, c0, c1, out, ld);
        } else {
            detail::gemm_nt(queries.embeddings, q0, q1 - q0, item_factors_, c0, c1 - c0, out, ld);
        }
    }

    /// The half-precision copy of the course factors (empty when the CPU cannot use it), for
    /// shortlisting in memory-bound retrieval; see detail/half_panels.hpp.
    const detail::HalfPanels& half_items() const noexcept { return half_items_; }

    /// Like score(), from the half-precision copy: each score is within
    /// detail::half_score_error_bound(query) of score()'s. Requires !half_items().empty().
    void score_approximate(const QueryBlock& queries, index_t q0, index_t q1, index_t c0, index_t c1, float* out,
                           std::size_t ld) const {
        assert(!half_items_.empty() && c0 % detail::kPanel == 0);
        detail::score_halves(queries.embeddings.data() + static_cast<std::size_t>(q0) * static_cast<std::size_t>(factors()),
                             static_cast<std::size_t>(factors()), q1 - q0, half_items_, c0, c1, out, ld);
    }

    QueryBlock course_queries(std::span<const index_t> courses) const override {
        QueryBlock q;
        q.count = static_cast<index_t>(courses.size());
        q.embeddings.resize(q.count, item_factors_.cols());
        for (std::size_t i = 0; i < courses.size(); ++i) {
            LEARNREC_CHECK(courses[i] >= 0 && courses[i] < num_courses(), "course index {} outside [0, {})",
                           courses[i], num_courses());
            q.embeddings.row(static_cast<Eigen::Index>(i)) =
                item_factors_.row(courses[i]) * item_inverse_norms_[courses[i]];
        }
        return q;
    }

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
        : user_factors_(std::move(user_factors)), item_factors_(std::move(item_factors)) {
        LEARNREC_CHECK(user_factors_.cols() == item_factors_.cols(),
                       "learner factors have {} columns but course factors {}", user_factors_.cols(),
                       item_factors_.cols());
        LEARNREC_CHECK(user_factors_.allFinite() && item_factors_.allFinite(), "factors contain NaN or infinity");
        packed_items_ = detail::PackedPanels::pack(item_factors_);
        half_items_ = detail::make_half_panels(packed_items_, item_factors_);
        item_inverse_norms_.resize(item_factors_.rows());
        for (Eigen::Index c = 0; c < item_factors_.rows(); ++c) {
            const float n = item_factors_.row(c).norm();
            // A zero vector is similar to nothing rather than dividing by zero.
            item_inverse_norms_[c] = n > 0.0f ? 1.0f / n : 0.0f;
        }
    }

    RowMatrix user_factors_;
    RowMatrix item_factors_;
    Vector item_inverse_norms_;
    detail::PackedPanels packed_items_;  // a second copy of the course factors, laid out for scoring
    detail::HalfPanels half_items_;      // a third, in half precision (half the bytes of the second)
};

}  // namespace learnrec
