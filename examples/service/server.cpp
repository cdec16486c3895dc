// learnrec-serve — Boost.Beast over Boost.Asio in front of Service::handle(), signals, request log
// (server.hpp says why this shape).
#include "server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include <pthread.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "http_target.hpp"
#include "request_parsing.hpp"

namespace learnrec::service {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

/// Request line and headers together; a query may carry a learner's goal in words (the handlers
/// cap it at a few thousand bytes), so well above the 8 KiB most servers allow. Larger: 431.
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
/// Threads for the routes that block (a reload waits for its snapshot, an event append fsyncs):
/// never the I/O threads, which would stop answering every connection they carry meanwhile.
constexpr int kBlockingThreads = 4;

void log_line(const nlohmann::json& j) {
    const std::string line = detail::dump(j) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);  // one write per line: lines never interleave
}

bool blocks(const Request& r) { return r.method == "POST" && (r.path == "/admin/reload" || r.path == "/v1/events"); }

class Listener;
class Session;

/// State every connection reads: the service, the options, the pool for blocking routes, and the
/// open connections (so a stop can close the idle ones).
struct Shared {
    Shared(Service& s, const ServerOptions& o) : service(s), options(o) {}
    Service& service;
    const ServerOptions& options;
    net::thread_pool blocking{kBlockingThreads};
    std::atomic<bool> stopping{false};
    std::mutex sessions_mutex;
    std::unordered_set<Session*> sessions;
};

/// One keep-alive connection, on one thread's io_context (or its own strand when the threads share
/// one): read a request, answer it, read the next. Requests are ranked right here, on the I/O
/// thread that read them; only the blocking routes go to Shared::blocking and their answer is
/// posted back to this connection's executor.
class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket&& socket, Shared& shared, std::shared_ptr<Listener> listener)
        : stream_(std::move(socket)), shared_(shared), listener_(std::move(listener)) {
        std::lock_guard<std::mutex> lock(shared_.sessions_mutex);
        shared_.sessions.insert(this);
    }
    ~Session();

    void start() {
        net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::read, shared_from_this()));
    }
    /// Part of a graceful stop: a connection waiting for its next request is closed now; one whose
    /// request is being answered closes after the answer (read() sees Shared::stopping).
    void stop() {
        net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
            if (self->idle_) self->stream_.cancel();
        });
    }

private:
    std::chrono::seconds timeout() const { return std::chrono::seconds(shared_.options.timeout_seconds); }

    void read() {
        if (shared_.stopping.load(std::memory_order_relaxed)) return;
        parser_.emplace();
        parser_->header_limit(kHeaderLimit);
        parser_->body_limit(shared_.options.body_limit);
        // The same bound for a request to arrive on an idle keep-alive connection and for its bytes.
        stream_.expires_after(timeout());
        idle_ = true;
        http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        idle_ = false;
        if (ec) return refuse_or_close(ec);
        auto& req = parser_->get();
        t0_ = std::chrono::steady_clock::now();
        keep_alive_ = req.keep_alive();
        version_ = req.version();
        auto target = detail::split_target(std::string_view(req.target().data(), req.target().size()));
        Request r;
        r.method.assign(req.method_string().data(), req.method_string().size());
        r.path = std::move(target.path);
        r.query = std::move(target.query);
        r.body = std::move(req.body());
        if (const auto it = req.find(http::field::authorization); it != req.end())
            r.authorization.assign(it->value().data(), it->value().size());
        parser_.reset();
        if (!blocks(r)) return answer(r.method, shared_.service.handle(r));
        auto guard = net::make_work_guard(stream_.get_executor());
        net::post(shared_.blocking, [self = shared_from_this(), r = std::move(r), guard = std::move(guard)]() mutable {
            Response out = self->shared_.service.handle(r);
            net::post(self->stream_.get_executor(), [self, method = std::move(r.method), out = std::move(out)]() mutable {
                self->answer(method, std::move(out));
            });
        });
    }

    /// A request that did not parse gets a JSON error and the connection closes; a connection that
    /// ended (the client, a timeout, a stop) just closes.
    void refuse_or_close(beast::error_code ec) {
        if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == beast::error::timeout ||
            ec.category() != http::make_error_code(http::error::bad_target).category())
            return;  // the socket closes with this session
        Response out;
        out.route = "unparsed";
        keep_alive_ = false;
        version_ = 11;
        t0_ = std::chrono::steady_clock::now();
        if (ec == http::error::body_limit) {
            out.status = 413;
            out.body = detail::error_body("request body over the size limit (--body-limit)", "body");
        } else if (ec == http::error::header_limit) {
            out.status = 431;
            out.body = detail::error_body("request line and headers over 64 KiB", "");
        } else {
            out.status = 400;
            out.body = detail::error_body(fmt::format("malformed request: {}", ec.message()), "");
        }
        answer("-", std::move(out));
    }

    void answer(const std::string& method, Response out) {
        if (shared_.options.request_log) {
            const auto micros =
                std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0_).count();
            log_line({{"ts", static_cast<std::int64_t>(std::time(nullptr))},
                      {"method", method},
                      {"route", out.route},
                      {"status", out.status},
                      {"micros", micros},
                      {"learners", out.learners}});
        }
        response_.emplace(static_cast<http::status>(out.status), version_ == 10 ? 10 : 11);
        response_->set(http::field::content_type, out.content_type);
        response_->keep_alive(keep_alive_ && !shared_.stopping.load(std::memory_order_relaxed));
        response_->body() = std::move(out.body);
        response_->prepare_payload();
        stream_.expires_after(timeout());
        // Beast's serializer hands header and body to one write_some: one sendmsg per answer.
        http::async_write(stream_, *response_, beast::bind_front_handler(&Session::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        if (ec) return;
        const bool again = response_->keep_alive();
        response_.reset();
        if (again) return read();
        // Closing with a request body still unread (a 413) would make the kernel reset the
        // connection, and the client could lose the answer before reading it: say we are done
        // sending, then read and drop what the client still sends until it closes (bounded by
        // the timeout).
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after(timeout());
        drain();
    }

    void drain() {
        buffer_.consume(buffer_.size());
        stream_.async_read_some(buffer_.prepare(16 * 1024), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (!ec) self->drain();
        });
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<http::response<http::string_body>> response_;
    Shared& shared_;
    std::shared_ptr<Listener> listener_;
    std::chrono::steady_clock::time_point t0_;
    unsigned version_ = 11;
    bool keep_alive_ = true;
    bool idle_ = false;  // waiting for a request (a stop may close it)
};

/// Accepts connections, at most --connections open at once: at the cap it stops accepting and the
/// kernel queues further clients in the listen backlog (SOMAXCONN) until one closes.
class Listener : public std::enable_shared_from_this<Listener> {
public:
    /// `contexts`: one per I/O thread, or one that every I/O thread runs (then each connection
    /// gets a strand).
    Listener(std::vector<std::unique_ptr<net::io_context>>& contexts, Shared& shared)
        : contexts_(contexts),
          acceptor_(contexts.size() == 1 ? net::any_io_executor(net::make_strand(*contexts[0]))
                                         : net::any_io_executor(contexts[0]->get_executor())),
          retry_(acceptor_.get_executor()),
          shared_(shared) {}

    /// Binds and listens; the port actually bound, or -1 (with the reason on stderr).
    int bind(const std::string& host, int port) {
        beast::error_code ec;
        tcp::resolver resolver(*contexts_[0]);
        const auto endpoints = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
        for (const auto& e : endpoints) {
            ec.clear();
            acceptor_.open(e.endpoint().protocol(), ec);
            if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
            if (!ec) acceptor_.bind(e.endpoint(), ec);
            if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
            if (!ec) return acceptor_.local_endpoint().port();
            beast::error_code ignored;
            acceptor_.close(ignored);
        }
        fmt::print(stderr, "error: cannot bind {}:{}: {}\n", host, port, ec ? ec.message() : "no address");
        return -1;
    }

    void start() { net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); }); }
    void stop() {
        net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
            beast::error_code ignored;
            self->acceptor_.close(ignored);
            self->retry_.cancel();
        });
    }
    /// A session ended (called from its destructor).
    void closed() {
        net::post(acceptor_.get_executor(), [self = shared_from_this()] {
            --self->open_;
            if (self->paused_ && !self->shared_.stopping) {
                self->paused_ = false;
                self->accept();
            }
        });
    }

private:
    void accept() {
        if (open_ >= shared_.options.connections) {
            paused_ = true;
            return;
        }
        // Connections go round the threads' contexts: a connection stays on one thread, which
        // then needs no lock or wake-up of another thread to serve it.
        net::any_io_executor where = contexts_.size() == 1
                                         ? net::any_io_executor(net::make_strand(*contexts_[0]))
                                         : net::any_io_executor(contexts_[next_++ % contexts_.size()]->get_executor());
        acceptor_.async_accept(where, beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
    }

    void on_accept(beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || shared_.stopping) return;
        if (ec) {
            // Out of descriptors (EMFILE) and the like: try again shortly rather than spin.
            retry_.expires_after(std::chrono::milliseconds(100));
            retry_.async_wait([self = shared_from_this()](beast::error_code e) {
                if (!e) self->accept();
            });
            return;
        }
        // Nagle's algorithm would hold an answer back until the client's delayed ACK.
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        ++open_;
        std::make_shared<Session>(std::move(socket), shared_, shared_from_this())->start();
        accept();
    }

    std::vector<std::unique_ptr<net::io_context>>& contexts_;
    std::size_t next_ = 0;
    tcp::acceptor acceptor_;
    net::steady_timer retry_;
    Shared& shared_;
    int open_ = 0;  // on the acceptor's strand only
    bool paused_ = false;
};

Session::~Session() {
    {
        std::lock_guard<std::mutex> lock(shared_.sessions_mutex);
        shared_.sessions.erase(this);
    }
    if (!shared_.stopping) listener_->closed();
}

}  // namespace

int run_server(Service& service, const ServerOptions& options) {
    // Signals go to one thread that waits for them; every other thread (created below, inheriting
    // the mask) never sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGUSR1);  // from this function only: the I/O threads ended on their own
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    const int threads = std::max(1, options.threads);
    Shared shared(service, options);
    // Declared after `shared`, so destroyed before it: handlers still queued at the end hold
    // sessions, whose destructors read `shared`.
    std::vector<std::unique_ptr<net::io_context>> contexts;
    const bool per_thread = options.context_per_thread && threads > 1;
    for (int c = 0; c < (per_thread ? threads : 1); ++c)
        contexts.push_back(std::make_unique<net::io_context>(per_thread ? 1 : threads));
    // A thread's context has no work until a connection lands on it; the guards keep run() from
    // returning before a stop.
    std::vector<net::executor_work_guard<net::io_context::executor_type>> keep;
    for (auto& c : contexts) keep.push_back(net::make_work_guard(*c));
    auto listener = std::make_shared<Listener>(contexts, shared);
    const int port = listener->bind(options.host, options.port);
    if (port < 0) {
        shared.blocking.join();
        return 1;
    }
    const bool v6 = options.host.find(':') != std::string::npos;
    fmt::print("listening on http://{}{}{}:{}\n", v6 ? "[" : "", options.host, v6 ? "]" : "", port);
    std::fflush(stdout);
    listener->start();

    std::mutex done_mutex;
    std::condition_variable done_changed;
    bool done = false;
    std::thread signal_thread([&, listener] {
        for (;;) {
            int sig = 0;
            if (sigwait(&signals, &sig) != 0) continue;
            if (sig == SIGHUP) {
                const ReloadResult r = service.reload();
                log_line({{"event", "reload"}, {"trigger", "SIGHUP"}, {"ok", r.ok}, {"detail", r.message},
                          {"seconds", r.seconds}, {"cpu_seconds", r.cpu_seconds}});
                continue;
            }
            if (sig == SIGUSR1) {
                std::lock_guard<std::mutex> lock(done_mutex);
                if (done) return;
                continue;
            }
            log_line({{"event", "stop"}, {"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
            // Graceful: no new connections, idle ones closed, answers being computed or written
            // finish (their connections then close); after the timeout, whatever is left is dropped.
            shared.stopping = true;
            listener->stop();
            {
                std::lock_guard<std::mutex> lock(shared.sessions_mutex);
                for (Session* s : shared.sessions)
                    if (auto alive = s->weak_from_this().lock()) alive->stop();
            }
            for (auto& k : keep) k.reset();
            std::unique_lock<std::mutex> lock(done_mutex);
            if (!done_changed.wait_for(lock, std::chrono::seconds(options.timeout_seconds) + std::chrono::seconds(5),
                                       [&] { return done; }))
                for (auto& c : contexts) c->stop();
            return;
        }
    });
    listener.reset();

    std::vector<std::thread> io;
    for (int t = 0; t < threads; ++t)
        io.emplace_back([&ctx = *contexts[per_thread ? static_cast<std::size_t>(t) : 0]] {
            for (;;) {
                try {
                    ctx.run();
                    return;
                } catch (const std::exception& e) {
                    // A handler that throws (allocation failure) costs its connection, not the server.
                    log_line({{"event", "error"}, {"detail", e.what()}});
                }
            }
        });
    for (auto& t : io) t.join();
    const bool stopped = shared.stopping.exchange(true);
    {
        std::lock_guard<std::mutex> lock(done_mutex);
        done = true;
    }
    done_changed.notify_all();
    if (!stopped) pthread_kill(signal_thread.native_handle(), SIGUSR1);
    signal_thread.join();
    shared.blocking.join();  // a reload or an append in flight ends; its answer is dropped with the contexts
    log_line({{"event", "stopped"}});
    return stopped ? 0 : 1;
}

}  // namespace learnrec::service
