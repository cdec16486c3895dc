// learnrec — xAPI (Experience API) statements from a learning record store, read into the typed
// lifecycle events of data/events.hpp.
//
// Input: JSON Lines (one statement per line; blank lines allowed), or one JSON array of statements,
// or an LRS query response {"statements": [...]} (on one line, or as the whole file). A UTF-8 BOM is
// skipped. Statements keep file order.
//
// Learner: the actor's account name (actor.account.name) wins over its mailbox (actor.mbox, without
// "mailto:"): an LMS account name is the employee id the rest of the platform uses, a mailbox
// changes with marriages and mergers. XapiOptions::actor_key = mbox_first reverses the preference.
// mbox_sha1sum and openid are used when neither is present. A Group actor is malformed.
//
// Course: the object's id (an IRI) is looked up in XapiCourseMap::table (a CSV `object_iri,course_id`);
// when absent, the ids of context.contextActivities.parent and .grouping are looked up (cmi5 puts
// the course there, the assignable unit in the object); when none is in the table, the rule applies
// to the object id: last_segment (the text after the last '/', '#' or ':', before any '?'),
// regex (capture group 1 of XapiCourseMap::pattern, else the whole match), or table_only. An
// object no rule maps is counted (XapiStats::unmapped_objects) and skipped.
//
// Verbs (the ADL vocabulary, http://adlnet.gov/expapi/verbs/<name>, plus https://w3id.org/xapi/adl/verbs/
// and the TinCan registry's rated):
//   registered                                   -> enrolled
//   launched, initialized, attempted, resumed, progressed -> started
//   completed, attended, satisfied, waived       -> completed
//   passed, mastered                             -> passed
//   failed                                       -> failed
//   abandoned                                    -> dropped
//   rated (http://id.tincanapi.com/verb/rated)   -> rated, value = result.score.raw in [1, 5]
//   voided                                       -> removes the statement whose id its object
//                                                   (a StatementRef) names, wherever it is in the file
//   answered, asked, commented, exited, experienced, imported, interacted, preferred, responded,
//   scored, shared, suspended, terminated, logged-in, logged-out -> known, no lifecycle meaning:
//                                                   counted per verb in XapiStats::ignored_verbs
//   anything else                                -> counted per IRI in XapiStats::unknown_verbs
// XapiOptions::verbs adds or overrides IRIs. The result refines the verb: a `completed` with
// result.success true becomes passed, false failed; a `started` verb with result.completion true
// becomes completed (then refined by success likewise). result.score.scaled ([-1, 1]), success,
// completion and duration (ISO 8601, e.g. PT1H30M5.5S; a year counts 365 days, a month 30) are
// kept per event in XapiLog::results.
//
// Time: the statement's `timestamp`, else `stored` (ISO-8601 with offset, as in csv.hpp).
//
// Errors: a malformed statement (not JSON, not an object, no actor, verb, object or time, a bad
// score, duration or success flag, a Group actor, too large or too deeply nested) throws
// Error("<file>:<line>", reason), or with XapiOptions::skip_malformed is skipped and reported
// (XapiStats::malformed and the first messages in malformed_examples). Hostile input is bounded:
// a statement longer than max_statement_bytes or nested deeper than max_depth is rejected by a
// linear scan before the JSON parser sees it, so memory stays O(file) and the stack O(1).
//
// Thread safety: free functions are reentrant. Complexity: O(text + statements log statements).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "learnrec/data/events.hpp"

namespace learnrec {

/// How xAPI object ids (IRIs) become course ids.
struct XapiCourseMap {
    enum class Rule : std::uint8_t {
        last_segment,  ///< "https://lms.example.com/course/C0042" -> "C0042"
        regex,         ///< capture group 1 of `pattern` (ECMAScript), else the whole match
        table_only,    ///< only ids found in `table`
    };
    std::unordered_map<std::string, std::string> table;  ///< object IRI -> course id
    Rule rule = Rule::last_segment;
    std::string pattern;  ///< for Rule::regex

    /// The course id for an object, or nullopt when nothing maps it. Throws Error for Rule::regex
    /// with an invalid pattern.
    std::optional<std::string> course_of(std::string_view object_iri) const;
};

/// Reads a mapping CSV with columns `object_iri,course_id` (csv.hpp rules; errors name file and
/// line; an IRI listed twice with different courses is an error) into `map.table`.
void read_xapi_course_map_csv(const std::filesystem::path& path, XapiCourseMap& map);

struct XapiOptions {
    enum class ActorKey : std::uint8_t { account_first, mbox_first };
    ActorKey actor_key = ActorKey::account_first;
    XapiCourseMap courses;
    /// Extra or overriding verb IRIs: a kind, or nullopt for "known, no lifecycle meaning".
    std::unordered_map<std::string, std::optional<LifecycleKind>> verbs;
    bool skip_malformed = false;               ///< skip and report malformed statements instead of throwing
    std::size_t max_statement_bytes = 1 << 16;  ///< larger statements are malformed
    int max_depth = 32;                         ///< deeper JSON nesting is malformed
};

/// What a statement's result said, aligned with the events.
struct XapiResult {
    float score_scaled = std::numeric_limits<float>::quiet_NaN();       ///< [-1, 1]; NaN when absent
    std::int8_t success = -1;                                           ///< 1, 0, or -1 when absent
    std::int8_t completion = -1;                                        ///< 1, 0, or -1 when absent
    double duration_seconds = std::numeric_limits<double>::quiet_NaN();  ///< NaN when absent
};

struct XapiStats {
    std::size_t statements = 0;        ///< statements read (voiding ones included, malformed not)
    std::size_t events = 0;            ///< lifecycle events produced (after voiding)
    std::size_t voiding = 0;           ///< voiding statements
    std::size_t voided = 0;            ///< statements removed because a voiding statement named them
    std::size_t unmatched_voids = 0;   ///< voiding statements naming no statement of the input
    std::size_t duplicate_ids = 0;     ///< statements whose id was already seen (the first one is kept)
    std::size_t unmapped_objects = 0;  ///< statements whose object no course mapping covers
    std::size_t malformed = 0;         ///< skipped malformed statements (skip_malformed)
    std::map<std::string, std::size_t> unknown_verbs;  ///< IRI -> statements
    std::map<std::string, std::size_t> ignored_verbs;  ///< known verbs without lifecycle meaning -> statements
    std::vector<std::string> malformed_examples;       ///< "<file>:<line>: reason", the first 20
    std::vector<std::string> unmapped_examples;        ///< the first 20 unmapped object ids

    /// One paragraph for people: counts, unknown verbs, the first malformed statements.
    std::string summary() const;
};

struct XapiLog {
    EventLog log;                             ///< typed events, learner and course ids
    std::vector<XapiResult> results;          ///< one per event
    std::vector<std::string> statement_ids;   ///< one per event ("" when the statement had none)
    XapiStats stats;
};

/// Reads statements (format above) from a file. Throws Error naming file and line.
XapiLog read_xapi(const std::filesystem::path& path, const XapiOptions& options = {});
/// Same from memory; `source_name` replaces the file name in messages.
XapiLog parse_xapi(std::string_view text, std::string_view source_name, const XapiOptions& options = {});

/// Whether a file holds xAPI JSON rather than an events CSV: by extension (.json, .jsonl, .ndjson),
/// else by its first non-blank byte ('{' or '['). Reads at most a few KiB.
bool looks_like_xapi(const std::filesystem::path& path);

/// Seconds in an ISO 8601 duration ("PT1H30M", "P2DT3H", "PT0.5S"); nullopt when it is not one.
std::optional<double> parse_iso8601_duration(std::string_view text);

/// The lifecycle meaning of a verb IRI under `options.verbs` and the table above: a kind; nullopt
/// with `known` true for a known verb without lifecycle meaning (and voided); `known` false otherwise.
std::optional<LifecycleKind> xapi_verb_kind(std::string_view iri, const XapiOptions& options, bool& known);

}  // namespace learnrec
