// learnrec allocation — few places, many learners: an optimal assignment by min-cost flow.
//
// Input: opportunities (places, dates) and every learner's candidate opportunities, each with a
// utility (>= 0) and a priority tier. Output: an assignment where
//   - no opportunity gets more learners than its places,
//   - a learner gets at most `max_per_learner` places,
//   - a learner's places never overlap in time, and never two sessions of one course,
// and which is maximal LEXICOGRAPHICALLY in (number of mandatory assignments, number of
// skill-gap assignments, sum of weights), weight = 1 + utility quantised to `utility_steps` steps
// of the largest utility (so a suitable place always beats none, and utilities are compared to
// 1 / utility_steps of the largest), plus, with `fairness` > 0, a bonus of fairness x
// utility_steps for each learner's FIRST place: a concave utility in the number of places, which
// serves more learners once before serving anyone twice (fairness >= max_per_learner makes
// "one place for as many as possible" strict within a tier). The tiers are exact: tier bonuses
// are larger than anything the lower tiers can add up to.
//
// Solver: LEMON's network simplex (liblemon-dev; see README "Allocation: why the solver") on
//   source -> learner (cap 1 at -fairness bonus, cap max-1 at 0) -> [conflict group (cap 1)]
//          -> opportunity (cap 1, cost -weight) -> sink (cap places); source -> sink bypass.
// Conflicts (time overlap, same course) of one learner's candidates form groups (connected
// components). A group whose candidates pairwise conflict is a clique: one node of capacity 1
// expresses it exactly. A group that is not a clique (A overlaps B overlaps C, A and C apart) is
// also given capacity 1 — feasible but possibly suboptimal — and then a repair pass adds, by
// decreasing weight, each of its candidates that conflicts with none of the learner's places
// where a place is still free. `inexact_groups` counts such groups; with max_per_learner = 1 it
// is always 0. Such learners ("open learners") are then solved EXACTLY with a MIP (CBC,
// coinor-libcbc): learners are coupled only through places asked for more often than they exist,
// so they split into independent parts; each part with an open learner (up to mip_max_candidates
// candidates, within mip_seconds in all) is re-solved by CBC, tier by tier (mandatory count, then
// skill-gap count, then weight: lexicographic, so no huge tier bonuses in CBC's doubles), the rest
// keeps the flow's exact answer. `proven_optimal` says whether the whole result is the proven
// optimum (the tests check it against brute force on random instances with and without cliques).
// Bound: with open learners, a Lagrangian relaxation gives a proven upper bound on the objective
// (the flow with each non-clique group's clash cliques priced by multipliers >= 0 instead of
// enforced; `bound_steps` subgradient steps, one flow solve each): `objective_bound` >= the
// optimum's objective >= `objective`. When the bound meets the flow + repair answer, that answer is
// proven optimal without CBC; a relaxed answer that breaks no clash and is better is taken. From
// the bound, `mandatory_proven`, `skill_gap_headroom` and `weight_gap` say how far from optimal an
// unproven answer can be, tier by tier. The bound is at best the LP relaxation's (the flow with
// clique constraints), so a gap may be the relaxation's, not the answer's.
//
// Thread safety: reentrant. Complexity: network simplex on V = learners + groups + opportunities
// nodes and E ~ candidates + V arcs (in practice ~ E log V pivots); O(candidates log) around it.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "learnrec/allocation/opportunity.hpp"
#include "learnrec/types.hpp"

namespace learnrec::allocation {

/// Lower value = served first.
enum class Priority : std::uint8_t {
    mandatory = 0,   ///< an obligation due after the opportunity ends
    skill_gap = 1,   ///< closes a target skill (skills review or personal goal)
    preference = 2,  ///< the learner's interest alone
};
std::string_view to_string(Priority priority);

struct Candidate {
    index_t learner = -1;
    index_t opportunity = -1;
    double utility = 0.0;  ///< >= 0, finite
    Priority priority = Priority::preference;
};

struct AllocationRules {
    int max_per_learner = 1;    ///< places per learner, >= 1
    double fairness = 0.0;      ///< bonus for a learner's first place, in units of the largest utility; >= 0
    int utility_steps = 1000;   ///< quantisation of utilities (the solver works in integers), >= 1
    // Used when building candidates (allocation/market.hpp):
    index_t candidates_per_learner = 10;  ///< top-N ranked courses / opportunities per learner, >= 1
    int horizon_days = 180;               ///< opportunities starting in [now, now + horizon]
    double min_host_fit = 0.5;            ///< gigs, work packages: the host's side must reach this
    int num_threads = 0;                  ///< 0 = all processors
    // The exact part (CBC) for learners whose clashes are not cliques:
    index_t mip_max_candidates = 200000;  ///< a larger independent part keeps the flow + repair (not proven)
    double mip_seconds = 60.0;            ///< time for all MIPs together; a part left unproven says so
    int bound_steps = 8;                  ///< subgradient steps of the upper bound (flow solves), >= 0

    /// Throws Error on a value out of range.
    void validate() const;
};

struct Allocation {
    std::vector<std::uint8_t> chosen;  ///< per candidate: 1 when assigned
    std::vector<index_t> filled;       ///< per opportunity: places taken
    index_t assigned = 0;              ///< number of assignments
    index_t inexact_groups = 0;        ///< conflict groups that are not cliques (repaired; see above)
    index_t open_learners = 0;         ///< learners with such a group (the flow alone cannot be exact for them)
    index_t mip_parts = 0;             ///< independent parts solved by CBC
    index_t mip_learners = 0;          ///< learners in those parts
    double mip_seconds = 0.0;          ///< wall time in CBC
    bool proven_optimal = false;       ///< the lexicographic optimum, proven (flow exact, every MIP proven)
    double total_utility = 0.0;        ///< sum of the chosen candidates' utilities
    /// The solver's objective of this answer: mandatory_bonus x mandatory placements + skill_gap_bonus
    /// x skill-gap placements + the sum of quantised_weight + fairness_bonus x learners served.
    std::int64_t objective = 0;
    std::int64_t objective_bound = 0;  ///< proven: no allocation's objective exceeds it (= objective when proven_optimal)
    std::int64_t mandatory_bonus = 0;  ///< tier bonuses and fairness bonus of the objective (0: tier absent)
    std::int64_t skill_gap_bonus = 0;
    std::int64_t fairness_bonus = 0;
    bool mandatory_proven = false;     ///< the bound proves the mandatory count maximal
    /// The most skill-gap placements an allocation with as many mandatory ones can have beyond this
    /// answer's, by the bound (0: the skill-gap count is proven maximal too).
    index_t skill_gap_headroom = 0;
    bool tiers_proven = false;         ///< mandatory_proven and skill_gap_headroom == 0
    /// (objective_bound - objective) / this answer's lowest tier (weights + fairness bonuses): when
    /// tiers_proven, the optimum's lowest tier exceeds this answer's by at most this share of it.
    double weight_gap = 0.0;
    int bound_solves = 0;              ///< flow solves spent on the bound
    int utility_steps = 0;             ///< the quantisation used (rules' value, fewer when the tiers needed it)
    double seconds = 0.0;              ///< solver wall time
};

/// The optimal assignment. `learners`: the number of learners (candidates' learner < learners).
/// Throws Error on a candidate naming an unknown learner or opportunity, a duplicated (learner,
/// opportunity) pair, a negative or non-finite utility, invalid opportunities or rules.
Allocation allocate(index_t learners, const std::vector<Opportunity>& opportunities,
                    std::span<const Candidate> candidates, const AllocationRules& rules = {});

/// The solver's integer weight of one assignment (see above); `max_utility` is the largest
/// candidate utility (0 = all utilities are 0). Exposed so that checks can recompute the objective.
std::int64_t quantised_weight(double utility, double max_utility, int utility_steps);

/// Whether two opportunities cannot both go to one learner: overlapping [start, end] or the same course.
bool conflicts(const Opportunity& a, const Opportunity& b);

}  // namespace learnrec::allocation
