// learnrec allocation — scarce opportunities: classroom or webinar sessions (seats), gigs and
// work packages (places in a host team).
//
// A session comes from the catalogue (ranking::Session: course, dates, location, seats still open);
// a gig or work package from opportunities.csv: a host department, a country ("" = remote), a
// start and a duration, places, the skills it requires (host side) and the skills it teaches
// (learner side), and the languages worked in. Both become one Opportunity, so the allocator sees
// one kind of thing: an id, dates, places.
//
// opportunities.csv (header required, columns by name, RFC 4180; lists separated by ';'):
//   opportunity_id, kind (gig | work_package), start (date), places (>= 0)
//   [, host_department, country (empty = remote), duration_days (>= 1, default 1), end (date; instead
//    of duration_days), required_skills ("python:2;sql:1"), taught_skills, languages ("en;fr"), title]
// Errors name file and line: negative places, an end before the start, a duplicated id, an
// unknown kind, a malformed skill list.
//
// Thread safety: plain values; the readers are reentrant. Complexity: linear in the input.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "learnrec/data/academy.hpp"
#include "learnrec/data/interactions.hpp"
#include "learnrec/ranking/catalogue.hpp"
#include "learnrec/types.hpp"

namespace learnrec::allocation {

enum class OpportunityKind : std::uint8_t { session, gig, work_package };

/// "session", "gig", "work_package"; parse_opportunity_kind throws Error on anything else.
std::string_view to_string(OpportunityKind kind);
OpportunityKind parse_opportunity_kind(std::string_view text);

struct Opportunity {
    std::string id;                     ///< session id or opportunity id; unique
    OpportunityKind kind = OpportunityKind::session;
    index_t course = -1;                ///< sessions: the course (model index); else -1
    index_t session = -1;               ///< sessions: index into Catalogue::sessions; else -1
    timestamp_t start = 0;
    timestamp_t end = 0;                ///< >= start; two opportunities of one learner clash when they overlap
    std::string location;               ///< country or region; "" = online / remote
    int places = 0;                     ///< seats or places still open, >= 0
    std::string title;
    std::string host_department;        ///< gigs, work packages: the host team's department
    std::vector<std::string> languages; ///< gigs, work packages: languages worked in; empty = any
    std::vector<ranking::CourseSkill> required;  ///< host side: levels the learner must bring
    std::vector<ranking::CourseSkill> taught;    ///< learner side: skills practised, up to the level
};

/// Throws Error (naming the opportunity) on negative places, an end before the start, an empty or
/// duplicated id, or a skill level < 1.
void validate_opportunities(const std::vector<Opportunity>& opportunities);

/// The catalogue's sessions as opportunities (course, dates, location, capacity, session id).
std::vector<Opportunity> session_opportunities(const ranking::Catalogue& catalogue);

/// Reads opportunities.csv (format above). Errors: Error("<file>:<line>", ...).
std::vector<Opportunity> read_opportunities_csv(const std::filesystem::path& path, char delimiter = ',');

/// Writes gigs and work packages in the format read_opportunities_csv reads (sessions are skipped:
/// they live in sessions.csv). Atomic (temporary file, fsync, rename).
void write_opportunities_csv(const std::filesystem::path& path, const std::vector<Opportunity>& opportunities);

/// The academy's gigs and work packages as opportunities (what its opportunities.csv reads back as).
std::vector<Opportunity> academy_opportunities(const Academy& academy);

}  // namespace learnrec::allocation
