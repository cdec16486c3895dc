// learnrec-serve — the HTTP glue: cpp-httplib in front of Service::handle(), signals, request log.
//
// Why cpp-httplib: one header from Debian (libcpp-httplib-dev), HTTP/1.1 with keep-alive, a
// thread pool and read/write timeouts and a body cap built in; the service needs no more, and
// Boost.Beast would mean writing the connection handling (and its bugs) ourselves. Its one limit
// that matters here: a worker thread stays with a keep-alive connection while it is open. So the
// workers are many (--connections, mostly waiting on sockets) and the CPU work is bounded apart:
// the requests that compute run on --threads threads of their own, first come first served (the
// ranking's per-thread memory then lives in those few threads, not in every worker), so a request's
// wait is its place in one queue rather than the luck of its connection.
// Thread safety: run() owns the calling thread until a stop (SIGINT/SIGTERM or stop()).
#pragma once

#include <string>

#include "service.hpp"

namespace learnrec::service {

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;            ///< 0: a free port, printed on stdout
    int threads = 2;         ///< requests computed at once (ranking, one thread each)
    int connections = 128;   ///< HTTP worker threads: keep-alive connections served at once
    std::size_t body_limit = 1 << 20;  ///< bytes; a larger body is 413
    int timeout_seconds = 10;          ///< read and write timeouts per request
    bool request_log = true;           ///< one JSON line per request on stderr
    /// Rank on the HTTP worker that read the request (at most `threads` at once) instead of handing
    /// it to `threads` compute threads: about 0.03 ms less CPU per request (no context switches),
    /// but heap in use then grows with every worker that ever ranked (benchmarks/README.md, #15).
    bool rank_on_workers = false;
};

/// Binds, prints "listening on http://HOST:PORT" as the first line on stdout, serves until
/// SIGINT/SIGTERM; SIGHUP reloads. Returns the process exit code.
int run_server(Service& service, const ServerOptions& options);

}  // namespace learnrec::service
