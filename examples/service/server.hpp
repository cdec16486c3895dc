// learnrec-serve — the HTTP glue: Boost.Beast over Boost.Asio in front of Service::handle(), signals,
// request log.
//
// Why Beast: a request's HTTP cost should be small beside its ranking (issue #15: at most +50 %).
// cpp-httplib (the first transport) gives each keep-alive connection a worker thread, so ranking
// either ran on many threads (each keeping the ranking's per-thread memory) or was handed to a few
// compute threads (two context switches and futex wake-ups per request); Debian's compiled build also
// sent header and body in two writes, polled six times and asked getpeername/getsockname per
// request, and listened with a backlog of 5. With Asio, each of the `threads` I/O threads runs an
// io_context of its own and connections are dealt round them; a request is parsed by Beast and
// ranked on the I/O thread that read it (no hand-off, the ranking's memory stays in these few
// threads), the answer goes out in one gather write, and an idle connection is only an epoll
// registration, not a thread. Timeouts are deadlines swept once a second per I/O thread, not a
// timer per operation. Beast and Asio are header-only parts of Debian's Boost, which the library
// already uses.
// Routes that block (POST /admin/reload waits for a snapshot, POST /v1/events fsyncs) run on a
// small pool of their own and post their answer back, so they never stall the I/O threads.
// Thread safety: run_server() owns the calling thread until a stop (SIGINT/SIGTERM).
#pragma once

#include <cstddef>
#include <string>

#include "service.hpp"

namespace learnrec::service {

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;            ///< 0: a free port, printed on stdout
    int threads = 2;         ///< I/O threads; each parses, ranks and answers the requests it reads
    int connections = 128;   ///< open connections at most; beyond, clients wait in the listen backlog
    std::size_t body_limit = 1 << 20;  ///< bytes; a larger body is 413
    int timeout_seconds = 10;          ///< read and write timeouts, and the idle keep-alive bound
    bool request_log = true;           ///< one JSON line per request on stderr
    /// true (the default): each I/O thread runs an io_context of its own and connections are dealt
    /// round them: a request's read, ranking and write never wake or wait for another thread (at
    /// one connection 6 futex calls per request, all the Ranker's own as in process, against 11
    /// with a shared context, #15), but a thread with busy connections cannot hand them to an idle one. false (--shared-context): the I/O threads share one
    /// io_context and every connection is a strand, so any idle thread takes any ready connection.
    bool context_per_thread = true;
};

/// Binds (listen backlog SOMAXCONN), prints "listening on http://HOST:PORT" as the first line on
/// stdout, serves until SIGINT/SIGTERM (gracefully: answers in progress finish, idle connections
/// close); SIGHUP reloads. Returns the process exit code.
int run_server(Service& service, const ServerOptions& options);

}  // namespace learnrec::service
