// learnrec — most-popular baseline: every learner gets the courses with most positive interactions.
//
// Popularity of a course = number of learners with a positive weight on it. Fold-in is trivial
// (the score does not depend on the learner); similar courses are ranked by popularity too.
// Thread safety: immutable after construction. Complexity: fit O(nnz); scoring O(courses) per query.
#pragma once

#include "learnrec/model/model.hpp"

namespace learnrec {

class PopularityModel final : public Model {
public:
    /// Counts learners with positive feedback per course.
    static PopularityModel fit(const CsrView& interactions) {
        interactions.validate("interactions");
        Vector counts = Vector::Zero(interactions.cols);
        for (offset_t p = 0; p < interactions.nnz(); ++p)
            if (interactions.data[static_cast<std::size_t>(p)] > 0.0f) counts[interactions.indices[static_cast<std::size_t>(p)]] += 1.0f;
        return PopularityModel(interactions.rows, std::move(counts));
    }
    PopularityModel(index_t num_learners, Vector popularity)
        : num_learners_(num_learners), popularity_(std::move(popularity)) {
        LEARNREC_CHECK(num_learners >= 0, "negative number of learners {}", num_learners);
        LEARNREC_CHECK(popularity_.allFinite(), "popularity contains NaN or infinity");
    }

    /// The kind() of every instance, known without one (used by load_as<M>).
    static constexpr std::string_view kind_name = "popularity";
    std::string_view kind() const noexcept override { return kind_name; }
    index_t num_learners() const noexcept override { return num_learners_; }
    index_t num_courses() const noexcept override { return static_cast<index_t>(popularity_.size()); }
    const Vector& popularity() const noexcept { return popularity_; }

    QueryBlock learner_queries(std::span<const index_t> learners) const override {
        for (auto l : learners)
            LEARNREC_CHECK(l >= 0 && l < num_learners_, "learner index {} outside [0, {})", l, num_learners_);
        return blank(static_cast<index_t>(learners.size()));
    }
    QueryBlock fold_in(const CsrView& rows, int /*num_threads*/ = 0) const override {
        rows.validate("learner rows");
        LEARNREC_CHECK(rows.cols == num_courses(), "rows have {} columns, the model has {} courses", rows.cols,
                       num_courses());
        return blank(rows.rows);
    }
    void score(const QueryBlock&, index_t q0, index_t q1, index_t c0, index_t c1, float* out,
               std::size_t ld) const override {
        for (index_t q = q0; q < q1; ++q)
            std::copy(popularity_.data() + c0, popularity_.data() + c1, out + static_cast<std::size_t>(q - q0) * ld);
    }
    QueryBlock course_queries(std::span<const index_t> courses) const override {
        for (auto c : courses)
            LEARNREC_CHECK(c >= 0 && c < num_courses(), "course index {} outside [0, {})", c, num_courses());
        return blank(static_cast<index_t>(courses.size()));
    }
    void score_similar(const QueryBlock& q, index_t q0, index_t q1, index_t c0, index_t c1, float* out,
                       std::size_t ld) const override {
        score(q, q0, q1, c0, c1, out, ld);
    }

private:
    static QueryBlock blank(index_t n) {
        QueryBlock q;
        q.count = n;
        q.embeddings.resize(n, 0);
        return q;
    }
    index_t num_learners_;
    Vector popularity_;
};

}  // namespace learnrec
