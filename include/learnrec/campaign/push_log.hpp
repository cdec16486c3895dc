// learnrec campaign — the push log: what was pushed to whom, and how learners responded.
//
// An append-only file, CSV or JSON Lines (chosen by the extension: .jsonl / .ndjson = JSON Lines,
// anything else = CSV). One record per event:
//   CSV   time,campaign,learner_id,course_id,event[,mandatory]      (header required, columns by name)
//   JSONL {"time": "...", "campaign": "...", "learner_id": "...", "course_id": "...", "event": "...",
//          "mandatory": false}
// event: pushed | opened | clicked | enrolled | dismissed; time: a date or ISO-8601 UTC timestamp
// (data/csv.hpp); mandatory (pushes only): the push was an obligation due soon, outside the caps.
//
// Crash safety: appends are written in one go and fsync'ed. A crash mid-append can only leave a
// last line without its newline: the reader ignores it with a warning, and the next append cuts
// it off before writing. Any other malformed line is an error naming file and line, and so is a
// learner or course the campaign does not know.
// Thread safety: reentrant; one process appends to a log at a time (the caller's lock, if any).
// Complexity: reading is linear in the file (scan_push_log in memory independent of it);
// appending is linear in what is appended.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "learnrec/campaign/rules.hpp"
#include "learnrec/data/id_map.hpp"
#include "learnrec/data/interactions.hpp"
#include "learnrec/ranking/history.hpp"

namespace learnrec::campaign {

enum class PushEvent : std::uint8_t { pushed, opened, clicked, enrolled, dismissed };

/// "pushed", "opened", "clicked", "enrolled", "dismissed"; and the inverse (Error when unknown).
std::string_view to_string(PushEvent event);
PushEvent parse_push_event(std::string_view text);

enum class PushLogFormat : std::uint8_t { csv, jsonl };
/// JSON Lines for .jsonl / .ndjson, else CSV.
PushLogFormat push_log_format_of(const std::filesystem::path& path);

/// One event by external ids (what is appended).
struct PushRecord {
    timestamp_t time = 0;
    std::string campaign;
    std::string learner_id;
    std::string course_id;
    PushEvent event = PushEvent::pushed;
    bool mandatory = false;
};

/// One event resolved to indices (what campaigns read); 24 bytes, so long logs stay small.
struct PushEntry {
    timestamp_t time;
    index_t learner;
    index_t course;
    std::uint32_t campaign;  ///< index into PushLog::campaigns
    PushEvent event;
    bool mandatory;
};

struct PushLog {
    std::vector<PushEntry> entries;      ///< in file order
    std::vector<std::string> campaigns;  ///< campaign ids by index
    std::size_t lines = 0;               ///< records read
    std::string warning;                 ///< non-empty when a torn last line was ignored

    /// Index of a campaign id, or -1 when the log never mentions it.
    std::int64_t campaign_index(std::string_view id) const;
};

/// Why the log holds a course back from a learner (campaign/campaign.hpp lists the rules); none:
/// it may be pushed.
enum class PushHoldRule : std::uint8_t { none, dismissed, enrolled, unanswered, repeat };
/// "none", "dismissed", "enrolled", "unanswered", "repeat".
std::string_view to_string(PushHoldRule rule);

/// What one learner's records about one course say at a campaign's date.
struct PushHold {
    PushHoldRule rule = PushHoldRule::none;  ///< the first that applies, in the enum's order
    timestamp_t last_pushed = ranking::kNever;   ///< the latest push (kNever: never pushed)
    timestamp_t dismissed_at = ranking::kNever;  ///< the latest dismissal (kNever: never)
    int unanswered = 0;                      ///< pushes since the last opened/clicked/enrolled
    int pushes = 0;
};

/// The hold of `records`: one learner's records about one course, in time order, already limited
/// to other campaigns' records dated at or before `now` (what run_campaign remembers). O(records).
PushHold push_hold(std::span<const PushEntry> records, timestamp_t now, const CampaignRules& rules);

/// Learner or course ids -> indices for scan_push_log; nullopt: unknown (an error naming the line).
using PushLogLookup = std::function<std::optional<index_t>(std::string_view)>;

/// What scanning a log learns besides its records.
struct PushLogScan {
    std::vector<std::string> campaigns;  ///< campaign ids by index (PushEntry::campaign)
    std::size_t lines = 0;               ///< records read
    std::string warning;                 ///< non-empty when a torn last line was ignored
};

/// Streams the log at `path` a few MiB at a time, calling `sink` for each record (and its campaign
/// id) in file order:
/// memory does not grow with the log (what campaigns use). Same rules and errors as read_push_log.
/// `num_threads` (0: all cores) parse pieces of each block side by side: the lookups are then
/// called from several threads at once (they must be safe for that); the sink always from the
/// calling thread, in file order, and an error is the first one in the file whatever the threads.
PushLogScan scan_push_log(const std::filesystem::path& path, const PushLogLookup& learners,
                          const PushLogLookup& courses, const std::function<void(const PushEntry&, std::string_view campaign)>& sink,
                          int num_threads = 1);

/// Reads `path` (a missing file is an empty log: the first campaign). Learners and courses are
/// resolved through the maps; an unknown one, a malformed line, an unknown event or a bad time is
/// Error("<file>:<line>", ...). A torn last line is skipped and reported in `warning`.
PushLog read_push_log(const std::filesystem::path& path, const IdMap& learners, const IdMap& courses);

/// One record as a line of the given format, with its newline.
std::string format_push_record(const PushRecord& record, PushLogFormat format);
/// The CSV header line (with its newline).
std::string_view push_log_csv_header();

/// Appends `text` (whole lines of the log's format) to the log at `path`, creating it (with the
/// CSV header) when missing; a torn last line left by a crash is cut off first. The bytes are
/// fsync'ed before returning. Throws Error naming the path and the system's reason.
void append_push_log(const std::filesystem::path& path, std::string_view text);
/// Same, copying the lines from the file `staged` in blocks (bounded memory for any size).
void append_push_log_file(const std::filesystem::path& path, const std::filesystem::path& staged);

/// Appends records (the simulated responses of a replay, an LMS export, tests).
void append_push_records(const std::filesystem::path& path, std::span<const PushRecord> records);

}  // namespace learnrec::campaign
