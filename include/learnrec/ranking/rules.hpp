// learnrec ranking — the rules' settings: which rules run, with which weights, windows and modes.
//
// A plain struct with defaults; validate() checks ranges. Loadable from JSON (ranking/files.hpp).
// Thread safety: a plain value. Complexity: O(1).
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include "learnrec/types.hpp"

namespace learnrec::ranking {

enum class PrerequisiteMode : std::uint8_t {
    ignore,      ///< the graph is not used
    hold_back,   ///< a course with missing prerequisites is not proposed
    substitute,  ///< it is replaced by its first missing prerequisite (followed down the graph)
};
enum class DiversitySource : std::uint8_t {
    embeddings,  ///< similarity = the model's course-to-course similarity (cosine for factor models)
    topics,      ///< similarity = 1 for courses of the same topic, else 0
};

struct RankingRules {
    index_t k = 10;

    // Lifecycle ("already taken"): completed courses stay out while valid; failed ones may return.
    bool exclude_in_progress = true;  ///< enrolled / started courses are not proposed
    bool exclude_dropped = false;     ///< dropped courses are not proposed again
    int renewal_days = 0;             ///< an expiring certification returns this many days before expiry

    // Obligations: due within the window (or overdue) => pinned on top, most urgent first.
    bool obligations = true;
    int obligation_window_days = 90;

    // Skill gaps: final = model score + gap_boost * (fraction of target levels the course closes).
    // In the model's score units; 0 leaves the model's order untouched.
    float gap_boost = 0.0f;

    PrerequisiteMode prerequisites = PrerequisiteMode::hold_back;

    // Eligibility, evaluated inside the top-k loop.
    bool match_language = true;
    bool match_format = true;
    bool match_region = true;
    bool require_session = true;     ///< courses with sessions need an open one within the horizon
    int session_horizon_days = 180;  ///< sessions starting in [now, now + horizon] count

    // Diversity: maximal marginal relevance; 1 = pure relevance (unchanged order).
    float mmr_lambda = 1.0f;
    DiversitySource diversity_source = DiversitySource::embeddings;
    index_t mmr_pool = 0;  ///< candidates re-ranked by MMR; 0 = 2k

    // Explanations.
    bool explain = true;
    float similarity_threshold = 0.3f;  ///< "because you completed X" needs at least this similarity
    index_t popular_top = 20;           ///< "popular in your department": among its top-N completed courses

    // Score floor: courses whose final score is below it are not proposed (pinned obligations
    // still are). A push with nothing worth sending sends nothing rather than filler. -inf = off.
    float min_score = -std::numeric_limits<float>::infinity();

    int num_threads = 0;  ///< 0 = all processors

    // Goals in the learner's words (ranking/goals.hpp): final += goal_weight x the goal's score
    // (0..1) for the courses the goal matches, in the model's score units; 0 = the model's order.
    // Only requests that pass GoalMatches are affected. The default suits implicit ALS (scores
    // mostly within [0, 1.5]): on the multilingual relevance set weights 2-4 beat text alone and
    // the model alone on both MRR and recall@10 (benchmarks/README.md).
    float goal_weight = 2.0f;

    /// Throws Error for k < 1, negative windows, a non-finite or negative gap_boost, lambda outside
    /// [0, 1], a negative pool or popular_top, a threshold that is not finite, a NaN min_score, or
    /// a non-finite or negative goal_weight.
    void validate() const;
};

std::string_view to_string(PrerequisiteMode mode);
PrerequisiteMode parse_prerequisite_mode(std::string_view text);
std::string_view to_string(DiversitySource source);
DiversitySource parse_diversity_source(std::string_view text);

}  // namespace learnrec::ranking
