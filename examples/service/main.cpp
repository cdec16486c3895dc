// learnrec-serve — an HTTP service that links learnrec and answers a learning platform: ranked
// courses with rules and reasons per learner, new learners, similar courses, lifecycle events,
// health, metrics and hot reloads. See examples/service/README.md.
#include <csignal>
#include <cstdio>
#include <malloc.h>
#include <string>
#include <thread>

#include <pthread.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "server.hpp"
#include "service.hpp"

int main(int argc, char** argv) {
    using namespace learnrec::service;
    CLI::App app{"learnrec-serve: course recommendations over HTTP (JSON)"};
    app.set_config("--config", "", "Configuration file (TOML or INI: the long flag names as keys)");
    ServiceOptions options;
    ServerOptions server;
    std::string model, catalogue, rules, events, tokens, learner_features;
    app.add_option("--model", model, "Model file (learnrec train --save), with its learner and course ids")
        ->required()->check(CLI::ExistingFile);
    app.add_option("--catalogue", catalogue, "Catalogue directory (courses, sessions, obligations, learners, ...)")
        ->required()->check(CLI::ExistingDirectory);
    app.add_option("--rules", rules, "Ranking rules (JSON)")->check(CLI::ExistingFile);
    app.add_option("--events", events,
                   "Event log (CSV learner_id,course_id,event,timestamp,value): read as the 'already taken' state, "
                   "appended to by POST /v1/events (created if missing)");
    app.add_option("--learner-features", learner_features,
                   "Hybrid model: the learner feature CSV it was trained with (learner_id,feature,weight); its "
                   "feature names let a new learner's profile reach the model on POST /v1/recommendations")
        ->check(CLI::ExistingFile);
    app.add_option("--reload-nice", options.reload_nice,
                   "Nice steps below the request workers for the thread that builds a reloaded snapshot")
        ->capture_default_str()->check(CLI::Range(0, 19));
    app.add_flag("--reload-idle", options.reload_idle,
                 "Build reloaded snapshots at SCHED_IDLE (Linux): only when no request wants a core");
    int arenas = 4;
    app.add_option("--malloc-arenas", arenas,
                   "Cap on glibc malloc arenas (mallopt M_ARENA_MAX), set at startup; 0: glibc's default")
        ->capture_default_str()->check(CLI::Range(0, 1024));
    app.add_option("--host", server.host, "Address to bind (loopback unless --tokens is given)")->capture_default_str();
    app.add_option("--port", server.port, "Port (0: a free one, printed on stdout)")->capture_default_str()
        ->check(CLI::Range(0, 65535));
    server.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    app.add_option("--threads", server.threads,
                   "I/O threads: each reads, ranks and answers requests (at most this many computed at once; "
                   "default: processors)")
        ->capture_default_str()->check(CLI::Range(1, 1024));
    app.add_option("--connections", server.connections,
                   "Open connections at most; further clients wait in the listen backlog until one closes")
        ->capture_default_str()->check(CLI::Range(1, 4096));
    app.add_option("--tokens", tokens, "Bearer tokens file: lines 'reader TOKEN' and 'admin TOKEN'")
        ->check(CLI::ExistingFile);
    app.add_option("--max-k", options.max_k, "Largest k a request may ask for")->capture_default_str()
        ->check(CLI::Range(1, 10000));
    app.add_option("--body-limit", server.body_limit, "Largest request body in bytes (larger: 413)")
        ->capture_default_str();
    app.add_option("--timeout", server.timeout_seconds, "Read/write timeout per request, seconds")
        ->capture_default_str()->check(CLI::Range(1, 3600));
    app.add_option("--max-pending-events", options.pending_capacity,
                   "Events kept on top of the snapshot until a reload (then POST /v1/events is 503)")
        ->capture_default_str();
    // Ranking now always happens on the I/O thread that read the request (server.hpp); the flag
    // that chose it over a hand-off to compute threads stays accepted so existing command lines
    // and config files still start.
    bool rank_on_workers = false;
    app.add_flag("--rank-on-workers", rank_on_workers, "Accepted for compatibility: requests are always ranked "
                 "on the I/O thread that read them")->group("");
    // Per-thread contexts became the default (#15: fewer futex calls and wake-ups per request); the
    // flag that chose them stays accepted so existing command lines and config files still start.
    bool context_per_thread = true;
    app.add_flag("--context-per-thread", context_per_thread,
                 "Accepted for compatibility: each I/O thread runs an io_context of its own (the default)")->group("");
    bool shared_context = false;
    app.add_flag("--shared-context", shared_context,
                 "All I/O threads run one io_context (a strand per connection, any idle thread takes any ready "
                 "connection) instead of one each, connections dealt round them");
    bool quiet = false;
    app.add_flag("--no-request-log", quiet, "Do not log one line per request on stderr");
    CLI11_PARSE(app, argc, argv);
    // SIGINT/SIGTERM/SIGHUP are taken by run_server's signal thread (sigwait), which works only if
    // no thread leaves them unblocked: loading the first snapshot already starts OpenMP's pool,
    // whose threads would otherwise take a SIGTERM with its default action (the process dies
    // instead of stopping cleanly). So they are blocked before anything starts a thread; a signal
    // that comes during the load waits and is handled once the server runs.
    sigset_t signals;
    sigemptyset(&signals);
    for (int sig : {SIGHUP, SIGINT, SIGTERM, SIGUSR1}) sigaddset(&signals, sig);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    // A reload allocates a whole snapshot (hundreds of MB at 100k learners) on its own thread, and
    // the old one is freed by whichever thread drops it last. glibc's dynamic
    // mmap threshold would soon serve such blocks from per-thread arenas that keep the memory after
    // free, so RSS would climb with every reload: fixed thresholds keep big blocks mmapped
    // (returned to the system when freed) and the arenas few. A host program's choice, not the
    // library's.
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    if (arenas > 0) mallopt(M_ARENA_MAX, arenas);
    server.request_log = !quiet;
    server.context_per_thread = !shared_context;
    options.sources = {model, catalogue, rules, events, learner_features};

    const bool loopback = server.host == "127.0.0.1" || server.host == "::1" || server.host == "localhost";
    try {
        Tokens t = tokens.empty() ? Tokens{} : Tokens::read(tokens);
        if (!loopback && !t.enabled()) {
            fmt::print(stderr, "error: binding {} (not loopback) needs --tokens\n", server.host);
            return 2;
        }
        Service service(options, std::move(t));
        if (service.torn_event_bytes() > 0)
            fmt::print(stderr, "warning: cut a torn last line ({} bytes) off the event log {}\n",
                       service.torn_event_bytes(), events);
        {
            // Scoped: a reference kept here for the server's life would keep the first snapshot
            // (a whole model and catalogue) alive beside every later one.
            const auto s = service.snapshot();
            fmt::print(stderr, "loaded {} ({} learners, {} courses, {} events of the log matched)\n", s->version.id,
                       s->bundle.model->num_learners(), s->bundle.model->num_courses(), s->events_read);
        }
        return run_server(service, server);
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
}
