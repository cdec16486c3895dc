// learnrec text — goals to GoalMatches, from the text index or the caller's embeddings
// (see text/goals.hpp).
#include <cmath>

#include "learnrec/error.hpp"
#include "learnrec/retrieval/topk.hpp"
#include "learnrec/text/goals.hpp"

namespace learnrec::text {

ranking::GoalMatches goal_matches(const CourseTextIndex& index, std::span<const std::string> goals,
                                  const GoalOptions& options, std::vector<TextQuery>* queries) {
    LEARNREC_CHECK(options.limit >= 0, "limit must be >= 0, got {}", options.limit);
    ranking::GoalMatches out;
    if (queries) queries->clear();
    for (const std::string& goal : goals) {
        std::vector<ranking::GoalMatch> row;
        bool blank = true;
        for (char ch : goal) blank = blank && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r');
        if (blank) {  // no goal stated: nothing to blend for this learner
            if (queries) queries->emplace_back();
            out.add_row({});
            continue;
        }
        TextQuery q = index.query(goal, options.language, options.fallback);
        // Courses matched by the same terms quote the same words: one text per distinct set.
        std::vector<std::pair<std::uint64_t, index_t>> texts;
        for (const TextHit& h : index.search(q, options.limit)) {
            index_t terms = -1;
            for (const auto& [mask, id] : texts)
                if (mask == h.terms) terms = id;
            if (terms < 0) {
                terms = out.add_terms(index.matched_text(q, h));
                texts.push_back({h.terms, terms});
            }
            row.push_back({h.course, h.normalised, terms});
        }
        out.add_row(std::move(row));
        if (queries) queries->push_back(std::move(q));
    }
    return out;
}

ranking::GoalMatches embedding_matches(const RowMatrix& course_vectors, const RowMatrix& goal_vectors, index_t limit,
                                       int num_threads) {
    LEARNREC_CHECK(limit > 0, "limit must be positive, got {}", limit);
    LEARNREC_CHECK(course_vectors.cols() == goal_vectors.cols(),
                   "course vectors have {} dimensions, goal vectors {}", course_vectors.cols(), goal_vectors.cols());
    LEARNREC_CHECK(course_vectors.allFinite(), "course vectors hold NaN or infinite values");
    LEARNREC_CHECK(goal_vectors.allFinite(), "goal vectors hold NaN or infinite values");
    const auto courses = static_cast<index_t>(course_vectors.rows());
    const auto goals = static_cast<index_t>(goal_vectors.rows());
    ranking::GoalMatches out;
    if (courses == 0) {
        for (index_t g = 0; g < goals; ++g) out.add_row({});
        return out;
    }
    const TopK top = topk(
        goals, courses, std::min(limit, courses),
        [&](index_t q0, index_t q1, index_t c0, index_t c1, float* tile, std::size_t ld) {
            for (index_t q = q0; q < q1; ++q)
                for (index_t c = c0; c < c1; ++c)
                    tile[static_cast<std::size_t>(q - q0) * ld + static_cast<std::size_t>(c - c0)] =
                        goal_vectors.row(q).dot(course_vectors.row(c));
        },
        CandidateFilter{}, num_threads);
    for (index_t g = 0; g < goals; ++g) {
        std::vector<ranking::GoalMatch> row;
        const auto ids = top.ids_of(g);
        const auto scores = top.scores_of(g);
        const float best = ids.empty() || ids[0] < 0 ? 0.0f : scores[0];
        if (best > 0.0f)
            for (std::size_t j = 0; j < ids.size() && ids[j] >= 0 && scores[j] > 0.0f; ++j)
                row.push_back({ids[j], std::min(1.0f, scores[j] / best), -1});
        out.add_row(std::move(row));
    }
    return out;
}

}  // namespace learnrec::text
