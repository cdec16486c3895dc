// learnrec-serve — cpp-httplib glue and signals (server.hpp).
#include "server.hpp"

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <semaphore>
#include <thread>
#include <vector>

#include <pthread.h>

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <httplib.h>

#include "request_parsing.hpp"

namespace learnrec::service {

namespace {

void log_line(const nlohmann::json& j) {
    const std::string line = detail::dump(j) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);  // one write per line: lines never interleave
}

/// cpp-httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG is compiled into Debian's
/// libcpp-httplib, so defining it here changes nothing): a burst of connections beyond that is a
/// dropped SYN and a client retransmission a second or more later. listen() again on the bound
/// socket raises the backlog (Linux keeps the socket, only the queue length changes); the kernel's
/// net.core.somaxconn still caps it. The socket is found as the one listening on `port`.
void raise_listen_backlog(int port) {
    for (int fd = 0; fd < 4096; ++fd) {
        int listening = 0;
        socklen_t len = sizeof listening;
        if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
        sockaddr_storage addr{};
        socklen_t alen = sizeof addr;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
        const int bound = addr.ss_family == AF_INET    ? ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port)
                          : addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port)
                                                       : -1;
        if (bound == port) (void)::listen(fd, SOMAXCONN);
    }
}

/// The requests that compute run on `threads` long-lived threads, taken in arrival order from one
/// queue. Running them here rather than on the HTTP worker that read them keeps the ranking's
/// per-thread memory in these few threads: on the workers, heap in use grows with every one of the
/// --connections threads that ever ranked (measured: benchmarks/README.md, issue #15). The price
/// is two context switches per request (ServerOptions::rank_on_workers trades it back).
class ComputePool {
public:
    explicit ComputePool(int threads) {
        for (int t = 0; t < threads; ++t) workers_.emplace_back([this] { work(); });
    }
    ~ComputePool() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        ready_.notify_all();
        for (auto& w : workers_) w.join();
    }
    ComputePool(const ComputePool&) = delete;
    ComputePool& operator=(const ComputePool&) = delete;

    /// Runs `job` on a pool thread and waits for it; its exception, if any, is rethrown here.
    void call(std::function<void()> job) {
        std::packaged_task<void()> task(std::move(job));
        auto done = task.get_future();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            queue_.push_back(std::move(task));
        }
        ready_.notify_one();
        done.get();
    }

private:
    void work() {
        for (;;) {
            std::packaged_task<void()> task;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
                if (queue_.empty()) return;
                task = std::move(queue_.front());
                queue_.pop_front();
            }
            task();
        }
    }

    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::packaged_task<void()>> queue_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

Request to_request(const httplib::Request& req) {
    Request r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params) r.query.emplace_back(k, v);
    r.body = req.body;
    r.authorization = req.get_header_value("Authorization");
    return r;
}

}  // namespace

int run_server(Service& service, const ServerOptions& options) {
    // Signals go to one thread that waits for them; every other thread (httplib's workers are
    // created later and inherit the mask) never sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    httplib::Server server;
    const int workers = std::max(1, options.connections);
    server.new_task_queue = [workers] { return new httplib::ThreadPool(static_cast<std::size_t>(workers)); };
    server.set_payload_max_length(options.body_limit);
    server.set_read_timeout(options.timeout_seconds, 0);
    server.set_write_timeout(options.timeout_seconds, 0);
    server.set_keep_alive_timeout(5);
    // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm holds the
    // body until the client's delayed ACK (about 40 ms per request on Linux loopback).
    server.set_tcp_nodelay(true);
    // A worker serves one keep-alive connection at a time; bounding its requests lets connections
    // beyond --connections have a turn now and then. Not often: a reconnect costs a handshake.
    server.set_keep_alive_max_count(10000);

    const bool log = options.request_log;
    // --rank-on-workers: at most --threads requests compute at once, each on the HTTP worker that
    // read it, gated by a semaphore (uncontended, one atomic operation). Otherwise on the pool.
    std::counting_semaphore<> computing(std::max(1, options.threads));
    std::optional<ComputePool> pool;
    if (!options.rank_on_workers) pool.emplace(std::max(1, options.threads));  // after the signal mask
    auto serve = [&service, &computing, &pool, log](const httplib::Request& req, httplib::Response& res) {
        const auto t0 = std::chrono::steady_clock::now();
        // The API's routes compute; health, readiness, metrics and reloads never wait for them.
        const bool computes = req.path.rfind("/v1/", 0) == 0;
        Response out;
        if (!computes) {
            out = service.handle(to_request(req));
        } else if (pool) {
            pool->call([&] { out = service.handle(to_request(req)); });
        } else {
            computing.acquire();
            try {
                out = service.handle(to_request(req));
            } catch (...) {
                computing.release();
                throw;
            }
            computing.release();
        }
        res.status = out.status;
        res.body = std::move(out.body);
        res.set_header("Content-Type", out.content_type);
        if (log) {
            const auto micros =
                std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
            log_line({{"ts", static_cast<std::int64_t>(std::time(nullptr))},
                      {"method", req.method},
                      {"route", out.route},
                      {"status", out.status},
                      {"micros", micros},
                      {"learners", out.learners}});
        }
    };
    // GETs without a body are answered before cpp-httplib's routing, which matches every route's
    // std::regex against the path. The pre-routing hook runs before the body is read, so requests
    // that carry one (POSTs, a GET with a body) go the routed way.
    server.set_pre_routing_handler([serve](const httplib::Request& req, httplib::Response& res) {
        if (req.method != "GET" || req.has_header("Content-Length") || req.has_header("Transfer-Encoding"))
            return httplib::Server::HandlerResponse::Unhandled;
        serve(req, res);
        return httplib::Server::HandlerResponse::Handled;
    });
    for (const char* pattern : {".*"}) {
        server.Get(pattern, serve);
        server.Post(pattern, serve);
        server.Put(pattern, serve);
        server.Delete(pattern, serve);
        server.Patch(pattern, serve);
    }
    // Errors cpp-httplib answers itself (a body over the cap: 413; a POST without Content-Length:
    // 400; a malformed request line) get a JSON body like the service's own errors.
    server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const char* why = res.status == 413 ? "request body over the size limit (--body-limit)"
                          : res.status == 400 ? "malformed request (a POST needs a Content-Length, even 0)"
                                              : "the request was refused";
        res.set_content(detail::error_body(why, res.status == 413 ? "body" : ""), "application/json");
        return httplib::Server::HandlerResponse::Handled;
    }));
    server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(detail::error_body("internal error", ""), "application/json");
    });

    const int port = options.port == 0 ? server.bind_to_any_port(options.host)
                                       : (server.bind_to_port(options.host, options.port) ? options.port : -1);
    if (port < 0) {
        fmt::print(stderr, "error: cannot bind {}:{}\n", options.host, options.port);
        return 1;
    }
    raise_listen_backlog(port);
    const bool v6 = options.host.find(':') != std::string::npos;
    fmt::print("listening on http://{}{}{}:{}\n", v6 ? "[" : "", options.host, v6 ? "]" : "", port);
    std::fflush(stdout);

    std::thread signal_thread([&server, &service, &signals] {
        for (;;) {
            int sig = 0;
            if (sigwait(&signals, &sig) != 0) continue;
            if (sig == SIGHUP) {
                const ReloadResult r = service.reload();
                log_line({{"event", "reload"}, {"trigger", "SIGHUP"}, {"ok", r.ok}, {"detail", r.message},
                          {"seconds", r.seconds}});
                continue;
            }
            log_line({{"event", "stop"}, {"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
            server.stop();
            return;
        }
    });
    const bool clean = server.listen_after_bind();
    if (server.is_running() || !clean) {
        // listen failed on its own: wake the signal thread so it stops too.
        pthread_kill(signal_thread.native_handle(), SIGTERM);
    }
    signal_thread.join();
    log_line({{"event", "stopped"}});
    return clean ? 0 : 1;
}

}  // namespace learnrec::service
