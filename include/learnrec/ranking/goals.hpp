// learnrec ranking — what learners said they want, as scores the Ranker blends with the model's.
//
// A learner's goal ("je veux me former à l'IA générative") becomes, for each course it matches, a
// score in [0, 1] (1 = the goal's best match) and the words that matched. Where the scores come
// from is the caller's choice: the BM25 course index (text/goals.hpp: goal_matches), or the
// caller's own embeddings (text/goals.hpp: embedding_matches). The Ranker adds
// `rules.goal_weight x score` to each score tile before selection, as it adds the skill-gap boost,
// so the top-k of the blend is exact; a weight of 0 leaves the model's order exactly.
// A course shown with a match gets a `matches_goal` reason quoting the matched words.
//
// Rows follow the request: row i belongs to the i-th requested learner. A row may be empty (no
// goal). Each row's matches are sorted by course and unique.
// Thread safety: a plain value. Complexity: add_row O(m log m) for m matches.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "learnrec/types.hpp"

namespace learnrec::ranking {

struct GoalMatch {
    index_t course = -1;
    float score = 0.0f;  ///< in [0, 1]
    index_t terms = -1;  ///< index into GoalMatches::terms (what matched), or -1
};

struct GoalMatches {
    std::vector<offset_t> offsets{0};  ///< rows + 1
    std::vector<GoalMatch> matches;
    /// Matched-word texts the matches refer to, shared with the results (reasons render them).
    std::shared_ptr<std::vector<std::string>> terms = std::make_shared<std::vector<std::string>>();

    index_t rows() const noexcept { return static_cast<index_t>(offsets.size()) - 1; }
    std::span<const GoalMatch> of(index_t row) const {
        const auto r = static_cast<std::size_t>(row);
        return std::span<const GoalMatch>(matches).subspan(static_cast<std::size_t>(offsets[r]),
                                                           static_cast<std::size_t>(offsets[r + 1] - offsets[r]));
    }
    /// Appends the next learner's matches (any order; sorted here). Throws Error for a score that
    /// is not in [0, 1], a negative course, a duplicated course or a terms index out of range.
    void add_row(std::vector<GoalMatch> row);
    /// Index of `text` in terms (appended).
    index_t add_terms(std::string text);
    /// Throws Error when the rows do not fit `learners` requested learners and `courses` courses.
    void validate(index_t learners, index_t courses) const;
};

}  // namespace learnrec::ranking
