// learnrec ranking — the ranking layer on top of ANY model behind the Model seam.
//
// Ranker joins a trained model with the catalogue, the learners' facts and their course history,
// and answers batches of learners with rule-aware top-k lists:
//   - eligibility (language, format, country/region, open sessions) and "already taken"
//     (lifecycle-aware: completed and still valid, in progress; expired certifications return)
//     and held-back prerequisites are one predicate evaluated INSIDE the fused top-k loop, over
//     per-learner codes and per-eligibility-class course bitsets built once per request (the same
//     bits also mask the score tiles, so the predicate is rarely asked about courses it rejects);
//   - the skill-gap boost is added to each score tile before selection, so it is exact;
//   - obligations due within the window are pinned on top (most urgent first), marked mandatory;
//   - prerequisites may substitute a locked course by its first missing prerequisite;
//   - MMR diversity re-ranks a candidate pool; explanations are built for the k shown courses.
// With every rule off (or at its neutral value) the result equals recommend() on the model.
//
// Learners the model was not trained on (new hires, or everyone when serving a saved model) are
// ranked by the same rules from their queries (the model's fold-in of their interactions, or a
// hybrid model's feature embeddings), their facts and their own history: see NewLearners.
//
// Thread safety: immutable after construction but for a mutex-guarded cache of eligibility bits
// (O(classes x C), kept for the last rules and time: a campaign's chunks share them); recommend()
// may be called concurrently. Complexity per request: the model's top-k (O(L C d); a batch of a
// factor model scores each learner on its eligibility class's courses only, O(L C_class d), with
// O(classes C d) to pack them) + O(L C / 64) + O(L (k + pool^2 + h) d) for MMR and explanations
// (h = completed courses, at most 64 used).
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "learnrec/model/model.hpp"
#include "learnrec/ranking/catalogue.hpp"
#include "learnrec/ranking/goals.hpp"
#include "learnrec/ranking/history.hpp"
#include "learnrec/ranking/learners.hpp"
#include "learnrec/ranking/recommendations.hpp"
#include "learnrec/ranking/rules.hpp"
#include "learnrec/ranking/why_not.hpp"

namespace learnrec::ranking {

/// Learners the Ranker does not know, described by the caller. Row i of each part is learner i.
struct NewLearners {
    QueryBlock queries;               ///< the model's queries for them, e.g. Model::fold_in(rows)
    std::vector<LearnerFacts> facts;  ///< one per learner, or empty (nothing known: no constraints)
    LearnerHistory history;           ///< learners x model courses, or empty (nothing taken)
};

/// Limits of one request on top of the rules, e.g. what a push campaign remembers: courses left
/// out per requested learner and, optionally, the only courses proposals may come from. Both act
/// inside the fused top-k exactly like "already taken"; obligations the rules pin are not affected.
struct RequestLimits {
    std::vector<offset_t> offsets;  ///< requested learners + 1 (CSR over `excluded`), or empty: none
    std::vector<index_t> excluded;  ///< model course indices, any order within a learner
    std::vector<index_t> only;      ///< when not empty: proposals come from these courses only
    /// When not empty, one per requested learner: at most this many results besides the pinned
    /// obligations (a campaign's budget left in the period). They are the first ones the full k
    /// would give (the MMR pool stays that of k), so the answer is a prefix, found with less work.
    std::vector<index_t> ordinary;
};

/// NewLearners whose queries are the model's fold-in of `interactions` (one row per learner,
/// the model's course indices). O(the model's fold-in).
NewLearners fold_in_learners(const Model& model, const CsrView& interactions, std::vector<LearnerFacts> facts = {},
                             LearnerHistory history = {}, int num_threads = 0);

class Ranker {
public:
    /// `catalogue.courses` must describe every model course; `learners` every model learner, or be
    /// empty (no segments, languages or goals known); `history` must match the model's shape or
    /// be empty (nothing taken). Throws Error on a mismatch or an invalid catalogue (including a
    /// prerequisite cycle).
    Ranker(std::shared_ptr<const Model> model, Catalogue catalogue, std::vector<LearnerFacts> learners = {},
           LearnerHistory history = {});
    /// The same catalogue, learners and history as `same_data`, with another model of the same
    /// learners and courses (in the same order: a retrained model of the same ids), e.g. a
    /// service's reload. Answers exactly as the constructor above given `same_data`'s parts would,
    /// without coding them again: the learners' part is shared with `same_data` (which may be
    /// destroyed first), the catalogue's codes are copied. Throws Error when the model's shape
    /// differs. O(courses x d + catalogue), independent of the number of learners.
    Ranker(std::shared_ptr<const Model> model, const Ranker& same_data);

    /// Ranked courses for learners given by model index, at time `now` (seconds since the epoch).
    Recommendations recommend(std::span<const index_t> learners, timestamp_t now, const RankingRules& rules = {}) const;

    /// Ranked courses for learners the model was not trained on. Their languages, segments and
    /// goals are coded against this Ranker's catalogue (a value it never mentions matches
    /// nothing); department popularity is the trained learners'. Throws Error when the parts'
    /// sizes disagree, or the queries do not fit the model.
    Recommendations recommend(const NewLearners& learners, timestamp_t now, const RankingRules& rules = {}) const;

    /// Both of the above with a request's own limits. Throws Error when the offsets do not cover
    /// the requested learners or a course index is outside the model. O(excluded + only) more.
    Recommendations recommend(std::span<const index_t> learners, timestamp_t now, const RankingRules& rules,
                              const RequestLimits& limits) const;
    Recommendations recommend(const NewLearners& learners, timestamp_t now, const RankingRules& rules,
                              const RequestLimits& limits) const;
    /// Why `course` is or is not in the list recommend() gives learner `learner` (model index) at
    /// `now` under `rules`: its rank, or every rule keeping it out and the facts behind each
    /// (ranking/why_not.hpp). Throws Error on an index out of range or invalid rules.
    WhyNot why_not(index_t learner, index_t course, timestamp_t now, const RankingRules& rules = {}) const;
    /// The same for a request with its own limits for this one learner (`limits.offsets` covers
    /// one learner, or is empty): the rank is in recommend(..., limits)'s list, and a course the
    /// limits leave out answers `push_log` (a campaign's memory). Throws Error as recommend() does.
    WhyNot why_not(index_t learner, index_t course, timestamp_t now, const RankingRules& rules,
                   const RequestLimits& limits) const;
    /// The same, with the learners' goals blended in (row i of `goals` = the i-th learner; no rows
    /// = no goals): final = model + rules.goal_weight x goal score, exact like the skill-gap boost.
    /// Throws Error when the rows do not match the learners or name courses outside the model.
    Recommendations recommend(std::span<const index_t> learners, timestamp_t now, const RankingRules& rules,
                              const GoalMatches& goals) const;
    Recommendations recommend(const NewLearners& learners, timestamp_t now, const RankingRules& rules,
                              const GoalMatches& goals) const;
    /// A request's own limits and the learners' goals together (what a push campaign with stated
    /// goals asks).
    Recommendations recommend(std::span<const index_t> learners, timestamp_t now, const RankingRules& rules,
                              const RequestLimits& limits, const GoalMatches& goals) const;
    Recommendations recommend(const NewLearners& learners, timestamp_t now, const RankingRules& rules,
                              const RequestLimits& limits, const GoalMatches& goals) const;

    /// The model's version (io/model_file.hpp model_version(bundle)) that every Recommendations
    /// this ranker returns carries; empty until set (a ranker knows its model, not its file). Set
    /// it before sharing the ranker between threads.
    void set_model_version(std::string version) { model_version_ = std::move(version); }
    const std::string& model_version() const noexcept { return model_version_; }

    const Model& model() const noexcept;
    const Catalogue& catalogue() const noexcept;
    const std::vector<LearnerFacts>& learners() const noexcept;
    const LearnerHistory& history() const noexcept;

    struct State;  // precomputed codes; defined in src/ranking_state.hpp

private:
    static void set_model_codes(State& s);  // what depends on the model alone

    std::shared_ptr<const State> state_;
    std::string model_version_;
};

}  // namespace learnrec::ranking
