// learnrec::detail — the course factors packed in order of decreasing norm, for pruned top-k.
//
// A learner's score on course v is at most ||u|| ||v|| (Cauchy-Schwarz). Scanned in order of
// decreasing ||v||, the catalogue's remaining courses can all be dismissed at once when ||u||
// times the largest norm left is below the learner's k-th score so far. Factors trained on
// implicit feedback (ALS) have norms that grow with popularity, so most of the long tail is never
// scored (detail/pruned_topk.hpp).
//
// Thread safety: immutable once built. Complexity: O(C d + C log C) to build; C d floats of memory
// (a second packed copy beside the one in course-index order that score() uses).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "learnrec/detail/score_kernel.hpp"
#include "learnrec/types.hpp"

namespace learnrec::detail {

struct NormOrderedPanels {
    PackedPanels packed;              // position p holds course course_of[p]
    std::vector<index_t> course_of;   // position -> course index
    std::vector<float> norm_from;     // norm_from[p] >= ||v|| of every course at position >= p

    bool empty() const noexcept { return course_of.empty(); }
};

/// Courses ordered by decreasing norm (equal norms by increasing index, so the order is
/// deterministic), packed as score_panels() reads them.
inline NormOrderedPanels make_norm_ordered_panels(const RowMatrix& items) {
    NormOrderedPanels out;
    const auto n = static_cast<index_t>(items.rows());
    const auto d = static_cast<index_t>(items.cols());
    std::vector<double> norms(static_cast<std::size_t>(n));
    for (index_t c = 0; c < n; ++c) {
        double sum = 0.0;
        for (index_t f = 0; f < d; ++f) sum += static_cast<double>(items(c, f)) * static_cast<double>(items(c, f));
        norms[static_cast<std::size_t>(c)] = std::sqrt(sum);
    }
    out.course_of.resize(static_cast<std::size_t>(n));
    std::iota(out.course_of.begin(), out.course_of.end(), index_t{0});
    std::stable_sort(out.course_of.begin(), out.course_of.end(), [&](index_t a, index_t b) {
        return norms[static_cast<std::size_t>(a)] > norms[static_cast<std::size_t>(b)];
    });
    out.norm_from.resize(static_cast<std::size_t>(n));
    for (std::size_t p = 0; p < out.course_of.size(); ++p)
        // Rounded up, so the float is a bound on the norm and not just near it.
        out.norm_from[p] = std::nextafter(static_cast<float>(norms[static_cast<std::size_t>(out.course_of[p])]),
                                          std::numeric_limits<float>::infinity());
    RowMatrix ordered(n, d);
    for (index_t p = 0; p < n; ++p) ordered.row(p) = items.row(out.course_of[static_cast<std::size_t>(p)]);
    out.packed = PackedPanels::pack(ordered);
    return out;
}

/// An upper bound on every float score the scoring kernel computes for a query of norm
/// `query_norm` (computed in double) and a course of norm at most `course_norm`, with d factors.
/// Each score is d multiply-adds rounded in float: |computed - exact| <= gamma_d sum |u_i v_i|
/// <= gamma_d ||u|| ||v||, gamma_d = d eps / (1 - d eps), eps = 2^-24 (Higham, "Accuracy and
/// Stability of Numerical Algorithms", 3.1); 2 (d + 2) eps covers gamma_d and the rounding of the
/// norms and of this product in double.
inline double score_bound(double query_norm, float course_norm, index_t d) noexcept {
    return query_norm * static_cast<double>(course_norm) * (1.0 + 2.0 * static_cast<double>(d + 2) * 0x1p-24);
}

}  // namespace learnrec::detail
