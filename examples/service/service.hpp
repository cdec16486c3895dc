// learnrec-serve — the service without its sockets: a Request in, a JSON Response out.
//
// server.cpp only moves bytes between the sockets and Service::handle(), so every route, its
// validation and its errors are testable (and fuzzable) without a network. Routes:
//   GET  /healthz, /readyz, /metrics
//   GET  /v1/learners/{id}/recommendations?k=&now=     (reader)
//   POST /v1/recommendations                           (reader) learners the model never saw
//   GET  /v1/courses/{id}/similar?k=                   (reader)
//   POST /v1/events                                    (reader) appended, fsync'ed, applied at once
//   POST /admin/reload                                 (admin)
// Errors are JSON {"error": "...", "field": "..."} with 400 (bad input, naming the field), 401
// (no or unknown token), 403 (reader token on an admin route), 404 (unknown route or course),
// 405, 409 (events without an event log), 503 (not ready, or too many pending events).
//
// Reloads and the event log: a reload re-reads the log (folding the pending events into the new
// snapshot's history, then dropping them from the overlay) when the model's ids changed, the log
// file is not the one the serving history was read from or was written by someone else, the
// overlay is over half full, or a full reload is asked for (POST /admin/reload?full=1). Otherwise
// it keeps the serving history and the pending events stay on top: reading a log of millions of
// events is most of a reload's cost. Likewise the catalogue directory: when none of its files
// changed (name, size, modification time, inode) and the model's ids are the same, the serving
// snapshot's catalogue, learner facts and goals index are kept (?full=1 reads it again); the model
// file is always read and checked in full.
//
// Thread safety: handle() and reload() may be called concurrently from any number of threads;
// reloads are serialized among themselves and never block requests (a request keeps the snapshot
// it started with). Every reload runs on one long-lived reload thread (started by the first
// reload), niced below the request workers (ServiceOptions::reload_nice) or at SCHED_IDLE
// (reload_idle); it waits for the previous snapshot's last reader, frees it there and hands the
// freed memory back to the system (malloc_trim), so RSS does not climb with reloads.
// Complexity per recommendation request: one Ranker call for one learner.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "auth.hpp"
#include "event_log.hpp"
#include "metrics.hpp"
#include "overlay.hpp"
#include "snapshot.hpp"
#include "learnrec/serving/model_handle.hpp"

namespace learnrec::service {

struct ServiceOptions {
    SnapshotSources sources;
    index_t max_k = 100;                         ///< larger k is a 400
    std::size_t max_events_per_request = 1000;   ///< POST /v1/events
    std::size_t max_learners_per_request = 100;  ///< POST /v1/recommendations
    std::size_t pending_capacity = 200'000;      ///< events kept on top of the snapshot until a reload
    int reload_nice = 10;  ///< nice steps below the request workers for the thread that builds a snapshot
    /// Run the reload thread under SCHED_IDLE (Linux): it gets a core only when no request worker
    /// wants one, where a nice value still leaves it a share. reload_nice then does not matter.
    bool reload_idle = false;
};

struct Request {
    std::string method;
    std::string path;                                        ///< decoded, without the query
    std::vector<std::pair<std::string, std::string>> query;  ///< decoded parameters, in order
    std::string body;
    std::string authorization;  ///< the Authorization header, or empty
};

struct Response {
    int status = 200;
    std::string body;
    // Both are string literals (static storage): two heap strings per request otherwise.
    std::string_view content_type = "application/json";
    std::string_view route = "unmatched";  ///< the route's pattern, for logs and metrics
    std::size_t learners = 0;         ///< learners the request ranked, for the request log
};

struct ReloadResult {
    bool ok = false;
    std::string message;  ///< the new version, or why the old snapshot keeps serving
    double seconds = 0;      ///< wall time
    double cpu_seconds = 0;  ///< CPU time of the thread that built it (freeing the old snapshot included)
};

class Service {
public:
    /// Opens the event log (if configured) and loads the first snapshot unless `initial` is given.
    /// Throws Error when either fails: a service that cannot serve should not start.
    Service(ServiceOptions options, Tokens tokens, std::shared_ptr<const Snapshot> initial = nullptr);
    /// Stops the reload thread (after the reload it is running, if any).
    ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    /// Never throws: every failure becomes a JSON error response.
    Response handle(const Request& request);
    /// Loads a new snapshot and publishes it; on failure the current one keeps serving. `full`:
    /// re-read the event log even when the serving history could be kept.
    ReloadResult reload(bool full = false);

    std::shared_ptr<const Snapshot> snapshot() const { return handle_.current(); }
    const Metrics& metrics() const noexcept { return metrics_; }
    std::size_t pending_events() const;
    /// Bytes of a torn last line cut off the event log when it was opened (0 when none).
    std::size_t torn_event_bytes() const noexcept { return log_ ? log_->torn_bytes() : 0; }

private:
    Response& dispatch(const Request& request, Response& out);
    Response& learner_recommendations(const Request& request, std::string_view learner, Response& out);
    Response& new_learner_recommendations(const Request& request, Response& out);
    Response& similar_courses(const Request& request, std::string_view course, Response& out);
    Response& post_events(const Request& request, Response& out);
    Response& admin_reload(const Request& request, Response& out);
    /// reload()'s work, on the calling thread (reload() runs it on the reload thread).
    ReloadResult reload_here(bool full);
    /// The reload thread's loop: one job at a time, until the destructor says stop.
    void reload_loop();
    Response& metrics_text(Response& out);

    /// The snapshot and a learner's pending events, read together (a reload swaps both at once).
    std::pair<std::shared_ptr<const Snapshot>, std::vector<PendingEvent>> state_of(std::string_view learner) const;

    ServiceOptions options_;
    /// The `now` of the latest ranking request: a reload warms the new snapshot up for it.
    std::atomic<timestamp_t> last_now_{0};
    Tokens tokens_;
    Metrics metrics_;
    BasicModelHandle<Snapshot> handle_;
    mutable std::mutex state_mutex_;  // guards overlay_, log_ appends, and publishing with forgetting
    EventOverlay overlay_;
    std::unique_ptr<EventLogWriter> log_;
    std::mutex reload_mutex_;  // one reload at a time
    // The reload thread is one for the service's life: a thread per reload would take a new malloc
    // arena slot and a fresh stack each time and leave the previous thread's cached memory behind.
    std::mutex job_mutex_;  // guards the four below
    std::condition_variable job_changed_;
    std::optional<bool> job_;             // a reload asked for (its `full`), not yet taken
    std::optional<ReloadResult> job_done_;
    bool stopping_ = false;
    std::thread reload_thread_;  // started by the first reload()
};

}  // namespace learnrec::service
