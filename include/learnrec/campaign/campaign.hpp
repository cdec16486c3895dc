// learnrec campaign — a push campaign: every targeted learner's next courses, remembered.
//
// run_campaign ranks every targeted learner with the Ranker (all rules and reasons; learners the
// model lacks through their fold-in), leaves out what the push log says not to push again, caps
// the pushes per learner and period, and writes one row per (learner, rank, course):
//   CSV   campaign,learner_id,rank,course_id,score,model_score,mandatory,exploration,reason_kinds,reasons
//   JSONL the same keys; reasons as [{"kind": ..., "text": ...}]
// then appends one `pushed` record per row to the push log (campaign/push_log.hpp).
//
// What the log holds back, per (learner, course), from records dated at or before `now` of other
// campaigns (so that re-running a campaign id gives the same answer):
//   - dismissed: for dismiss_days days after the last dismissal (-1: for good);
//   - enrolled: a course the learner enrolled in from a push;
//   - unanswered: max_unanswered pushes since the last opened/clicked/enrolled;
//   - repeat: pushed within the last repeat_days days.
// These are the Ranker's per-request exclusions (RequestLimits), applied inside its masked top-k;
// the score floor is the ranking rules' min_score. Obligations the rules pin (due within the
// window) always go out whatever the caps and memory, and are counted apart. max_per_period caps
// the other pushes: P minus those logged in the last period_days days. The optional exploration
// slot proposes the best admissible course released within explore_days days (ranked by the model
// among the new courses only: for a hybrid model, its cold-start path), marked `new_course`,
// in place of the last ordinary push when the learner's budget is full.
//
// Idempotence: pushes already logged under the same campaign id are not logged again.
// Atomicity: the output goes to a temporary file renamed at the end; the log lines are staged in
// a temporary file and appended (fsync'ed) after the output is in place. An error before leaves
// neither output nor log lines; an error in between leaves the output, and re-running the id
// logs what is missing. Every input error (the log, the target) is raised before anything is written.
// Memory: learners are ranked chunk_learners at a time. The log is read once, streaming; the
// records of targeted learners are kept as 16 bytes each in at most 256 buckets of learners
// (spilled to anonymous temporary files past 64 MiB), each bucket's memory built when its
// learners come up. What grows with the target: 8 bytes per learner (id lookup, positions), one
// float per push (the median score), and with digests a few bytes per pushed course shown.
// Threads: ranking, the formatting of each chunk's rows and the parsing of the log use num_threads
// (rows formatted per segment of learners into per-thread buffers, each written in learner order
// as soon as the ones before it are; log blocks parsed in pieces, their records kept in file
// order): the bytes and the verdicts do not depend on the number of threads.
// Thread safety: run_campaign is reentrant; do not run two campaigns on one log at a time.
// Complexity: the Ranker's per learner (a second, course-restricted request with exploration)
// + O(log records log log records).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "learnrec/campaign/push_log.hpp"
#include "learnrec/campaign/digest.hpp"
#include "learnrec/campaign/rules.hpp"
#include "learnrec/ranking/ranker.hpp"
#include "learnrec/ranking/why_not.hpp"
#include "learnrec/text/index.hpp"

namespace learnrec::campaign {

/// Who a campaign targets. Within a field, any value matches (OR); fields combine with AND;
/// empty fields do not filter. Everything empty = all learners.
struct Target {
    std::vector<std::string> countries, regions, departments, roles;
    std::vector<std::string> learner_ids;  ///< each must be a known learner

    bool everyone() const noexcept;
    bool matches(const ranking::LearnerFacts& learner) const;
};

enum class OutputFormat : std::uint8_t { csv, jsonl };
OutputFormat parse_output_format(std::string_view text);

struct CampaignSpec {
    std::string id;                ///< letters, digits, '-', '_', '.', ':' only
    timestamp_t now = 0;           ///< the campaign's date; log records are stamped with it
    index_t k = 0;                 ///< rows per learner at most (obligations due soon included); 0 = the rules' k
    CampaignSettings settings;
    Target target;
    OutputFormat format = OutputFormat::csv;
    int num_threads = 0;           ///< 0 = all processors
    std::function<void(std::size_t done, std::size_t total)> progress;  ///< after each chunk
    /// Directory for the manager digests (campaign/digest.hpp); empty: none.
    std::filesystem::path digests;
};

/// The learners a campaign can reach, and the course facts only campaigns use.
struct Audience {
    std::shared_ptr<const ranking::Ranker> ranker;  ///< its learners' facts (ids) drive the target
    std::vector<std::string> learner_ids;           ///< the model's learners, in model order
    ranking::NewLearners new_learners;              ///< learners the model lacks
    std::vector<std::string> new_learner_ids;       ///< one per new learner
    std::vector<timestamp_t> course_released;       ///< per model course, or empty (no exploration)
    /// The catalogue's text index, when some learner states a goal in words (learners.csv `goal`):
    /// their goals are blended in (rules' goals.weight) and quoted in `matches_goal` reasons.
    /// Null: goals are not used.
    std::shared_ptr<const text::CourseTextIndex> goals_index;
    /// Reporting lines (learners.csv `manager_id`): distinct manager ids, and per learner (the
    /// model's, then the new ones) an index into them or -1. Empty: no managers known.
    std::vector<std::string> managers;
    std::vector<std::int32_t> manager_of;
    std::string note;                               ///< what the loader skipped, for the caller to show
    std::string model_version;                      ///< the model file's (io/model_file.hpp model_version)
};

/// Loads a model file (saved with ids), a catalogue directory whose learners.csv may name
/// learners the model lacks (they are folded in from their events), and optionally typed
/// lifecycle events (data/events.hpp) for the "already taken" history. courses.csv may have a
/// `released` date per course (exploration). Throws Error naming the file on bad input.
Audience load_audience(const std::filesystem::path& model, const std::filesystem::path& catalogue,
                       const std::filesystem::path& events = {}, int num_threads = 0);

struct CampaignReport {
    std::string campaign;
    timestamp_t now = 0;
    std::size_t learners_targeted = 0;
    std::size_t new_learners_targeted = 0;
    std::size_t learners_reached = 0;  ///< with at least one row
    std::size_t pushes = 0;            ///< rows written
    std::size_t mandatory_pushes = 0;
    std::size_t exploration_pushes = 0;
    std::size_t courses_pushed = 0;    ///< distinct courses
    std::size_t catalogue_courses = 0;
    double coverage = 0.0;             ///< courses_pushed / catalogue_courses
    double share_mandatory = 0.0;
    double median_score = 0.0;         ///< of every row's final score (NaN without rows)
    std::map<std::string, std::size_t> by_reason;  ///< reason kind -> rows giving it
    std::map<std::string, std::size_t> by_format;  ///< course format ("" = unknown) -> rows
    /// rule -> what it held back: "dismissed", "enrolled", "unanswered", "repeat" count (learner,
    /// course) pairs left out of the targeted learners' ranking; "period_cap" counts the places
    /// the cap withheld (k minus the learner's obligations shown, beyond their budget).
    std::map<std::string, std::size_t> suppressed;
    std::size_t logged = 0;          ///< pushed records appended to the log
    std::size_t already_logged = 0;  ///< rows this campaign id had already logged (a re-run)
    std::size_t digests = 0;         ///< managers with a digest written (CampaignSpec::digests)
    std::string log_warning;         ///< the log's torn last line, if any
    std::string model_version;       ///< the audience's model version (empty: not known)
    double seconds = 0.0;

    std::string to_json() const;  ///< one JSON object, the fields above
    std::string summary() const;  ///< a few readable lines
};

/// Writes report.to_json() to `path` atomically (temporary file, fsync, rename).
void write_report(const CampaignReport& report, const std::filesystem::path& path);

/// Runs the campaign described above. Throws Error (naming file and line for the log) before
/// writing anything when an input is bad.
CampaignReport run_campaign(const Audience& audience, const CampaignSpec& spec, const std::filesystem::path& push_log,
                            const std::filesystem::path& out);

/// "Why not?" for a push: why `course_id` is or is not among what campaign `spec` would push
/// `learner_id` (one of the model's learners) given `push_log`. The log is read and remembered as
/// run_campaign does (other campaigns' records up to spec.now); the learner is ranked with the
/// campaign's rules and k and the courses the log holds back, so `answer` is the Ranker's why_not
/// for that request (a held course answers `push_log`) and `hold` says which rule of the log
/// holds the course, with its dates. Goals stated in words and the period cap are not part of the
/// answer. Throws Error on an unknown id, a learner the model lacks, or a bad log line.
/// O(log records + the Ranker's why_not).
struct PushWhyNot {
    ranking::WhyNot answer;
    PushHold hold;
    /// answer.text(), with the push log's rule in words when it holds the course.
    std::string text(const ranking::Catalogue& catalogue) const;
};
PushWhyNot why_not_pushed(const Audience& audience, const CampaignSpec& spec, const std::filesystem::path& push_log,
                          std::string_view learner_id, std::string_view course_id);

}  // namespace learnrec::campaign
