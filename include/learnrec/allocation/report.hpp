// learnrec allocation — what an allocation tells people: the assignment with reasons, a ranked
// waiting list per place, the demand per place (where L&D should open another session), and the
// catalogue from then on (sessions' open seats minus the seats given: a full session is no longer
// pushed, since the Ranker's require_session rule reads capacity).
//
// CSV files (RFC 4180, written atomically: temporary file, fsync, rename):
//   assignment: learner_id,opportunity_id,kind,course_id,start,end,location,priority,utility,reasons
//               (also as JSON: write_assignment_json)
//   waiting:    opportunity_id,position,learner_id,priority,utility,placed_elsewhere
//   demand:     opportunity_id,kind,course_id,start,places,filled,demand,waiting,unserved
//               (demand = learners for whom it was a candidate; waiting = demand - filled;
//                unserved = of those, learners who got no place at all)
//   sessions:   course_id,session_id,start,end,location,capacity  (sessions.csv with the seats left)
// Thread safety: reentrant. Complexity: O(candidates log candidates + opportunities).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "learnrec/allocation/allocator.hpp"
#include "learnrec/allocation/market.hpp"

namespace learnrec::allocation {

struct WaitingEntry {
    index_t opportunity;
    index_t position;        ///< 1-based: by priority, then utility (higher first), then learner
    index_t candidate;       ///< index into Market::candidates
    bool placed_elsewhere;   ///< the learner got another place
};
/// Candidates not given the opportunity they asked for, ranked per opportunity (sorted by opportunity, position).
std::vector<WaitingEntry> waiting_lists(const Market& market, const Allocation& allocation);

struct Demand {
    index_t opportunity;
    index_t places;    ///< places open before the allocation
    index_t filled;
    index_t demand;    ///< learners for whom it was a candidate
    index_t unserved;  ///< of those, learners who got nothing at all
};
/// One entry per opportunity, in the market's order.
std::vector<Demand> demand_per_opportunity(const Market& market, const Allocation& allocation);

/// The catalogue with each session's capacity reduced by the seats given (ids made explicit).
ranking::Catalogue catalogue_after(const ranking::Catalogue& catalogue, const Market& market,
                                   const Allocation& allocation);

/// `learner_id(i)` names market learner i; `course_id(c)` names course c.
using NameOf = std::function<std::string(index_t)>;
void write_assignment_csv(const std::filesystem::path& path, const Market& market, const Allocation& allocation,
                          const NameOf& learner_id, const NameOf& course_id);
/// The same rows as JSON: [{"learner_id", "opportunity_id", "kind", "course_id", "start", "end", "location",
/// "priority", "utility", "reasons": [...]}, ...] (reasons split at "; ").
void write_assignment_json(const std::filesystem::path& path, const Market& market, const Allocation& allocation,
                           const NameOf& learner_id, const NameOf& course_id);
void write_waiting_csv(const std::filesystem::path& path, const Market& market, const Allocation& allocation,
                       const NameOf& learner_id);
void write_demand_csv(const std::filesystem::path& path, const Market& market, const Allocation& allocation,
                      const NameOf& course_id);
void write_sessions_csv(const std::filesystem::path& path, const ranking::Catalogue& catalogue);

/// The catalogue directory from then on: `to` gets every file of `from` (copied atomically, the
/// same bytes) but sessions.csv, which is `after`'s sessions with the seats left. `to` may be
/// `from` itself (then only sessions.csv is replaced, atomically). Whatever reads a catalogue
/// directory (`learnrec push`, `recommend --catalogue`, learnrec-serve's snapshot, why-not) then
/// no longer proposes a course whose sessions are all full: the Ranker's require_session rule
/// reads the seats, and why-not says "no open session within the horizon".
void write_catalogue_dir(const std::filesystem::path& from, const std::filesystem::path& to,
                         const ranking::Catalogue& after);

}  // namespace learnrec::allocation
