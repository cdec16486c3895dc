// learnrec-serve — routing, authentication, events, reloads and metrics (service.hpp). The
// ranking routes are in recommend_handlers.cpp.
#include <chrono>
#include <ctime>
#include <cerrno>
#include <exception>
#include <thread>

#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include "learnrec/ranking/calendar.hpp"
#include "request_parsing.hpp"
#include "service.hpp"

namespace learnrec::service {

using detail::HttpError;

namespace {

double epoch_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Response& json_answer(Response& out, int status, const nlohmann::json& body) {
    out.status = status;
    out.body = detail::dump(body);
    return out;
}

/// Splits "/v1/learners/{id}/recommendations"-like paths: the id between `prefix` and `suffix`.
bool match(std::string_view path, std::string_view prefix, std::string_view suffix, std::string_view& id) {
    if (path.size() <= prefix.size() + suffix.size() || path.substr(0, prefix.size()) != prefix ||
        path.substr(path.size() - suffix.size()) != suffix)
        return false;
    id = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    return id.find('/') == std::string_view::npos;
}

std::string event_line(const PendingEvent& e) {
    return fmt::format("{},{},{},{},{}\n", csv_field(e.learner), csv_field(e.course), to_string(e.kind), e.time,
                       e.kind == LifecycleKind::rated ? fmt::format("{}", e.value) : std::string());
}

/// One event of POST /v1/events, validated like a line of the CSV log.
PendingEvent parse_event(const nlohmann::json& j, std::size_t i) {
    const std::string where = fmt::format("[{}]", i);
    if (!j.is_object()) throw HttpError{400, where, "each event must be an object"};
    for (const auto& [key, _] : j.items())
        if (key != "learner" && key != "course" && key != "event" && key != "timestamp" && key != "value")
            throw HttpError{400, where + "." + key, "unknown field (expected learner, course, event, timestamp, value)"};
    PendingEvent e;
    if (!j.contains("learner")) throw HttpError{400, where + ".learner", "required"};
    if (!j.contains("course")) throw HttpError{400, where + ".course", "required"};
    if (!j.contains("event")) throw HttpError{400, where + ".event", "required"};
    if (!j.contains("timestamp")) throw HttpError{400, where + ".timestamp", "required"};
    e.learner = detail::id_field(j["learner"], where + ".learner");
    e.course = detail::id_field(j["course"], where + ".course");
    const auto& ev = j["event"];
    const auto kind = ev.is_string() ? parse_lifecycle_kind(ev.get_ref<const std::string&>()) : std::nullopt;
    if (!kind)
        throw HttpError{400, where + ".event",
                        "must be one of assigned, enrolled, started, completed, passed, failed, dropped, rated"};
    e.kind = *kind;
    const auto& ts = j["timestamp"];
    std::optional<timestamp_t> t;
    if (ts.is_number_integer()) t = ts.get<timestamp_t>();
    else if (ts.is_string()) t = parse_timestamp(ts.get_ref<const std::string&>());
    if (!t) throw HttpError{400, where + ".timestamp", "must be epoch seconds (integer) or an ISO-8601 time"};
    e.time = *t;
    const auto v = j.find("value");
    const bool has_value = v != j.end() && !v->is_null();
    if (has_value && !v->is_number()) throw HttpError{400, where + ".value", "must be a number"};
    const double value = has_value ? v->get<double>() : 0.0;
    if (e.kind == LifecycleKind::rated) {
        if (!has_value || !(value >= 1.0 && value <= 5.0))
            throw HttpError{400, where + ".value", "a rated event needs a value in [1, 5]"};
    } else if (has_value && value != 0.0) {
        throw HttpError{400, where + ".value", "only rated events carry a value"};
    }
    e.value = static_cast<float>(value);
    return e;
}

}  // namespace

Service::Service(ServiceOptions options, Tokens tokens, std::shared_ptr<const Snapshot> initial)
    : options_(std::move(options)), tokens_(std::move(tokens)), overlay_(options_.pending_capacity) {
    // The log is opened (and a torn tail cut) before the snapshot reads it.
    if (!options_.sources.events.empty()) log_ = std::make_unique<EventLogWriter>(options_.sources.events);
    if (!initial) initial = load_snapshot(options_.sources, static_cast<timestamp_t>(std::time(nullptr)));
    handle_.publish(std::move(initial));
}

std::size_t Service::pending_events() const {
    std::lock_guard<std::mutex> lock(state_mutex_);
    return overlay_.size();
}

std::pair<std::shared_ptr<const Snapshot>, std::vector<PendingEvent>> Service::state_of(std::string_view learner) const {
    std::lock_guard<std::mutex> lock(state_mutex_);
    return {handle_.current(), overlay_.of(learner)};
}

Response Service::handle(const Request& request) {
    const auto t0 = std::chrono::steady_clock::now();
    Response out;
    try {
        dispatch(request, out);
    } catch (const HttpError& e) {
        out.status = e.status;
        out.body = detail::error_body(e.message, e.field);
        out.content_type = "application/json";
    } catch (const Error& e) {
        // Inputs are validated before the library sees them; what remains is the library refusing a
        // combination (e.g. a learner's facts), which is still the request's fault.
        out.status = 400;
        out.body = detail::error_body(e.what(), "");
        out.content_type = "application/json";
    } catch (const std::exception& e) {
        out.status = 500;
        out.body = detail::error_body(fmt::format("internal error: {}", e.what()), "");
        out.content_type = "application/json";
    }
    metrics_.observe(out.route, out.status,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return out;
}

Response& Service::dispatch(const Request& r, Response& out) {
    std::string_view id;
    Role needed = Role::reader;
    enum class Route { healthz, readyz, metrics, learner, fresh, similar, events, reload } route;
    std::string_view method = "GET";
    const std::string_view path = r.path;
    if (path == "/healthz") route = Route::healthz, out.route = "/healthz", needed = Role::none;
    else if (path == "/readyz") route = Route::readyz, out.route = "/readyz", needed = Role::none;
    else if (path == "/metrics") route = Route::metrics, out.route = "/metrics";
    else if (match(path, "/v1/learners/", "/recommendations", id))
        route = Route::learner, out.route = "/v1/learners/{id}/recommendations";
    else if (path == "/v1/recommendations") route = Route::fresh, out.route = "/v1/recommendations", method = "POST";
    else if (match(path, "/v1/courses/", "/similar", id)) route = Route::similar, out.route = "/v1/courses/{id}/similar";
    else if (path == "/v1/events") route = Route::events, out.route = "/v1/events", method = "POST";
    else if (path == "/admin/reload") route = Route::reload, out.route = "/admin/reload", method = "POST", needed = Role::admin;
    else throw HttpError{404, "", "no such route"};

    if (r.method != method) throw HttpError{405, "", fmt::format("{} expects {}", out.route, method)};
    if (needed != Role::none && tokens_.enabled()) {
        const Role role = tokens_.role_of(r.authorization);
        if (role == Role::none) throw HttpError{401, "", "missing or unknown bearer token"};
        if (needed == Role::admin && role != Role::admin) throw HttpError{403, "", "this route needs an admin token"};
    }
    switch (route) {
    case Route::healthz: return json_answer(out, 200, {{"status", "ok"}});
    case Route::readyz: {
        const auto s = handle_.current();
        if (!s) return json_answer(out, 503, {{"status", "loading"}});
        return json_answer(out, 200, {{"status", "ready"}, {"model_version", s->version.id}});
    }
    case Route::metrics: return metrics_text(out);
    case Route::learner: return learner_recommendations(r, id, out);
    case Route::fresh: return new_learner_recommendations(r, out);
    case Route::similar: return similar_courses(r, id, out);
    case Route::events: return post_events(r, out);
    case Route::reload: return admin_reload(r, out);
    }
    throw HttpError{404, "", "no such route"};
}

Response& Service::post_events(const Request& r, Response& out) {
    const nlohmann::json body = detail::parse_body(r.body);
    if (!body.is_array()) throw HttpError{400, "body", "expected a JSON array of events"};
    if (body.size() > options_.max_events_per_request)
        throw HttpError{400, "body", fmt::format("at most {} events per request", options_.max_events_per_request)};
    std::vector<PendingEvent> events;
    events.reserve(body.size());
    for (std::size_t i = 0; i < body.size(); ++i) events.push_back(parse_event(body[i], i));
    if (!log_) throw HttpError{409, "", "this service has no event log (start it with --events FILE)"};
    std::string lines;
    for (const auto& e : events) lines += event_line(e);
    const std::size_t n = events.size();
    {
        // Appended and fsync'ed before it counts: an answered event survives a crash. The overlay
        // changes under the same lock, so a reload's sequence number covers exactly what it read.
        std::lock_guard<std::mutex> lock(state_mutex_);
        if (!overlay_.has_room_for(n))
            throw HttpError{503, "", fmt::format("{} events are pending; reload (POST /admin/reload) to fold them into "
                                                 "the snapshot", overlay_.size())};
        try {
            log_->append(lines);
        } catch (const Error& e) {
            throw HttpError{500, "", fmt::format("the events could not be stored (none was accepted): {}", e.what())};
        }
        overlay_.add(std::move(events));
    }
    return json_answer(out, 200, {{"accepted", n}});
}

namespace {

/// Lowers the calling thread's priority by `delta` nice steps (Linux: a thread's nice value is its
/// own). Only ever lowered, which needs no privilege; failure just leaves the priority as it was.
void lower_this_thread_priority(int delta) {
    if (delta <= 0) return;
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    errno = 0;
    const int current = ::getpriority(PRIO_PROCESS, tid);
    if (errno != 0) return;
    (void)::setpriority(PRIO_PROCESS, tid, std::min(19, current + delta));
}

/// Hands the heap's free pages back to the system. A snapshot at 100k learners is hundreds of MB
/// in many blocks below the mmap threshold; without this, each reload's freed snapshot stays in
/// the arena that built it and RSS steps up with reloads until the arenas are full.
void return_freed_memory() {
#ifdef __GLIBC__
    ::malloc_trim(0);
#endif
}

/// CPU time of the calling thread (user + system): what a reload costs, whatever the machine's load
/// does to its wall time.
double thread_cpu_seconds() {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

}  // namespace

ReloadResult Service::reload(bool full) {
    // The caller (a blocking-route thread on POST /admin/reload, or the signal thread) only waits: the
    // snapshot is built on the reload thread at a lower priority, so on a busy machine the
    // scheduler serves requests first and the reload takes the idle time; requests never wait
    // for it (they read the published snapshot), they only share the cores.
    std::lock_guard<std::mutex> serial(reload_mutex_);
    std::unique_lock<std::mutex> lock(job_mutex_);
    if (!reload_thread_.joinable()) reload_thread_ = std::thread([this] { reload_loop(); });
    job_ = full;
    job_done_.reset();
    job_changed_.notify_all();
    job_changed_.wait(lock, [&] { return job_done_.has_value(); });
    ReloadResult result = std::move(*job_done_);
    job_done_.reset();
    return result;
}

void Service::reload_loop() {
    pthread_setname_np(pthread_self(), "learnrec-reload");
    if (options_.reload_idle) {
        // Per thread on Linux: only this thread leaves the normal policy. Needs no privilege.
        sched_param none{};
        (void)pthread_setschedparam(pthread_self(), SCHED_IDLE, &none);
    } else {
        lower_this_thread_priority(options_.reload_nice);
    }
    std::unique_lock<std::mutex> lock(job_mutex_);
    for (;;) {
        job_changed_.wait(lock, [&] { return stopping_ || job_.has_value(); });
        if (stopping_) return;
        const bool full = *job_;
        job_.reset();
        lock.unlock();
        ReloadResult r = reload_here(full);
        lock.lock();
        job_done_ = std::move(r);
        job_changed_.notify_all();
    }
}

Service::~Service() {
    {
        std::lock_guard<std::mutex> lock(job_mutex_);
        stopping_ = true;
    }
    job_changed_.notify_all();
    if (reload_thread_.joinable()) reload_thread_.join();
}

ReloadResult Service::reload_here(bool full) {
    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = thread_cpu_seconds();
    std::uint64_t covered = 0;
    bool keep_history = false;
    std::shared_ptr<const Snapshot> current = handle_.current();
    {
        std::lock_guard<std::mutex> lock(state_mutex_);
        covered = overlay_.last_sequence();  // every event up to here is in the log file
        if (log_ && current && !full && overlay_.size() <= overlay_.capacity() / 2) {
            // The serving history still holds if the log is the same file and grew only by our
            // own appends, which are all pending in the overlay.
            std::error_code ec;
            const auto size = std::filesystem::file_size(log_->path(), ec);
            keep_history = !ec && size == log_->size() &&
                           file_identity(log_->path()) == std::pair{current->log_device, current->log_inode};
        }
    }
    ReloadResult result;
    try {
        // Without `full`, an unchanged catalogue directory is taken from the serving snapshot
        // (load_snapshot compares the directory's stamp and the model's ids).
        auto next = load_snapshot(options_.sources, static_cast<timestamp_t>(std::time(nullptr)),
                                  keep_history ? current.get() : nullptr, full ? nullptr : current.get());
        result.message = next->version.id;
        const timestamp_t recent = last_now_.load(std::memory_order_relaxed);
        warm_up(*next, recent != 0 ? recent : static_cast<timestamp_t>(std::time(nullptr)));
        const bool reread = !next->history_reused;
        {
            std::lock_guard<std::mutex> lock(state_mutex_);
            handle_.publish(std::move(next));
            if (reread) overlay_.forget_through(covered);  // the new history holds them
        }
        result.ok = true;
    } catch (const std::exception& e) {
        result.message = e.what();
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    metrics_.reload(result.ok);
    // The previous snapshot dies with the last request still reading it (milliseconds). Wait for
    // that here, bounded, so it is freed on this thread and its memory returned before the next
    // reload allocates again: RSS then stays at one snapshot plus the one being built.
    if (result.ok) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (current.use_count() > 1 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    current.reset();
    return_freed_memory();
    // After freeing the old snapshot: that is part of what a reload costs the machine.
    result.cpu_seconds = thread_cpu_seconds() - cpu0;
    return result;
}

Response& Service::admin_reload(const Request& request, Response& out) {
    const std::string* full = detail::query_param(request.query, "full");
    const ReloadResult r = reload(full && (*full == "1" || *full == "true"));
    if (!r.ok) {
        const auto s = handle_.current();
        return json_answer(out, 500, {{"error", fmt::format("reload failed, the previous snapshot keeps serving: {}",
                                                             r.message)},
                                      {"model_version", s ? s->version.id : ""}});
    }
    const auto s = handle_.current();
    return json_answer(out, 200, {{"model_version", r.message},
                                  {"seconds", r.seconds},
                                  {"cpu_seconds", r.cpu_seconds},
                                  {"history", s && s->history_reused ? "kept" : "re-read from the event log"},
                                  {"catalogue", s && s->catalogue_reused ? "kept (unchanged)" : "read"}});
}

Response& Service::metrics_text(Response& out) {
    ServingGauges g;
    const auto s = handle_.current();
    g.ready = s != nullptr;
    if (s) {
        g.model_version = s->version.id;
        g.model_kind = s->version.kind;
        g.model_trained_at = s->version.trained_at;
        if (s->version.trained_at_seconds) g.model_trained_at_seconds = static_cast<double>(*s->version.trained_at_seconds);
        g.model_loaded_at = static_cast<double>(s->version.loaded_at);
    }
    g.now = epoch_now();
    g.pending_events = pending_events();
    g.generation = handle_.generation();
    g.snapshots_alive = snapshots_alive();
    g.heap = heap_stats();
    out.status = 200;
    out.content_type = "text/plain; version=0.0.4";
    out.body = metrics_.render(g);
    return out;
}

}  // namespace learnrec::service
