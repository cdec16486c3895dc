// learnrec text — learners' goals turned into the scores the Ranker blends (ranking/goals.hpp).
//
// goal_matches: one goal text per requested learner ("" = no goal) -> the courses the BM25 index
// finds for it, each with its normalised score (the goal's best course = 1) and the matched words
// as the learner wrote them, which the `matches_goal` reason quotes.
// embedding_matches: for a company that already embeds texts (its own model, e.g. behind a
// retrieval-augmented assistant): one vector per course and one per goal, scored by dot product
// with learnrec's exact top-k; the `limit` best courses with a positive score are kept, scored
// score / best (so 1 = the goal's best course). Nothing is downloaded: the vectors are the
// caller's.
// Thread safety: reentrant. Complexity: goal_matches O(goals x query cost); embedding_matches
// O(goals x courses x dimension) through the fused top-k.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "learnrec/ranking/goals.hpp"
#include "learnrec/text/index.hpp"
#include "learnrec/types.hpp"

namespace learnrec::text {

struct GoalOptions {
    std::string language;                 ///< ISO code of every goal, or "" to detect each
    Language fallback = Language::unknown;  ///< when detection finds nothing
    index_t limit = 0;                    ///< courses kept per goal (best first); 0 = every match
};

/// One row per goal text; `queries`, when given, receives the parsed queries (notes, skills).
ranking::GoalMatches goal_matches(const CourseTextIndex& index, std::span<const std::string> goals,
                                  const GoalOptions& options = {}, std::vector<TextQuery>* queries = nullptr);

/// One row per goal vector (rows of `goal_vectors`, same dimension as `course_vectors`). A goal
/// row of zeros (no goal) gives an empty row. Throws Error on a dimension mismatch or a
/// non-finite value.
ranking::GoalMatches embedding_matches(const RowMatrix& course_vectors, const RowMatrix& goal_vectors,
                                       index_t limit = 50, int num_threads = 0);

}  // namespace learnrec::text
