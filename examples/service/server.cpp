// learnrec-serve — Boost.Beast over Boost.Asio in front of Service::handle(), signals, request log
// (server.hpp says why this shape).
#include "server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <limits>
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
#include <boost/asio/write.hpp>
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
using Clock = std::chrono::steady_clock;

/// Request line and headers together; a query may carry a learner's goal in words (the handlers
/// cap it at a few thousand bytes), so well above the 8 KiB most servers allow. Larger: 431.
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
/// Threads for the routes that block (a reload waits for its snapshot, an event append fsyncs):
/// never the I/O threads, which would stop answering every connection they carry meanwhile.
constexpr int kBlockingThreads = 4;
/// How often a worker looks for connections past their deadline: a stalled connection is closed
/// between --timeout and --timeout plus this after its read or write began.
constexpr auto kSweepPeriod = std::chrono::seconds(1);
constexpr Clock::rep kNever = std::numeric_limits<Clock::rep>::max();

void log_line(const nlohmann::json& j) {
    const std::string line = detail::dump(j) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);  // one write per line: lines never interleave
}

bool blocks(const Request& r) { return r.method == "POST" && (r.path == "/admin/reload" || r.path == "/v1/events"); }

class Listener;
class Session;

/// One io_context and the connections it carries. With --context-per-thread (the default) each
/// I/O thread runs a worker of its own: a connection's reads, ranking and writes never wake or
/// wait for another thread. Otherwise one worker's context is run by every I/O thread and each
/// connection is a strand.
///
/// Timeouts: a per-operation timer (Beast's tcp_stream) re-armed a timerfd twice per request; here
/// each connection only stores its deadline, and one timer per worker closes, once a second, the
/// connections whose deadline has passed.
struct Worker {
    Worker(int concurrency_hint, bool strands)
        : context(concurrency_hint), executor(executor_for(strands)), sweeper(executor) {}
    /// Where a new connection (or the sweeper) runs: its own strand when several threads run the context.
    net::any_io_executor executor_for(bool strand) {
        return strand ? net::any_io_executor(net::make_strand(context)) : net::any_io_executor(context.get_executor());
    }
    std::mutex mutex;  // guards sessions: connections are accepted on another thread, a stop walks them
    std::unordered_set<Session*> sessions;
    // Declared after the two above: destroying the context destroys the handlers still queued,
    // and with them sessions, whose destructors leave `sessions`.
    net::io_context context;
    net::any_io_executor executor;  // the sweeper's
    net::steady_timer sweeper;
};

/// State every connection reads: the service, the options, the pool for blocking routes, the
/// workers.
struct Shared {
    Shared(Service& s, const ServerOptions& o) : service(s), options(o) {}
    ~Shared() {
        // The listener (on worker 0) may be kept by sessions of the others: they go first.
        while (!workers.empty()) workers.pop_back();
    }
    Service& service;
    const ServerOptions& options;
    net::thread_pool blocking{kBlockingThreads};
    std::atomic<bool> stopping{false};
    std::vector<std::unique_ptr<Worker>> workers;
    bool strands = false;  // one worker run by every I/O thread: each connection is a strand
};

/// One keep-alive connection on one worker (and its own strand when the worker's threads share a
/// context): read a request, answer it, read the next. Requests are ranked right here, on the I/O
/// thread that read them; only the blocking routes go to Shared::blocking and their answer is
/// posted back to this connection's executor.
class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket&& socket, Shared& shared, Worker& worker, std::shared_ptr<Listener> listener)
        : socket_(std::move(socket)), shared_(shared), worker_(worker), listener_(std::move(listener)) {
        std::lock_guard<std::mutex> lock(worker_.mutex);
        worker_.sessions.insert(this);
    }
    ~Session();

    void start() {
        net::dispatch(socket_.get_executor(), beast::bind_front_handler(&Session::read, shared_from_this()));
    }
    /// Part of a graceful stop: a connection waiting for its next request is closed now; one whose
    /// request is being answered closes after the answer (read() sees Shared::stopping).
    void stop() {
        net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
            if (self->idle_) self->close();
        });
    }
    bool past_deadline(Clock::rep now) const noexcept { return deadline_.load(std::memory_order_relaxed) <= now; }
    /// The sweeper found this connection past its deadline: closed, unless it moved on meanwhile
    /// (on its own strand, the read or write may have finished since).
    void expire() {
        net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
            if (self->past_deadline(Clock::now().time_since_epoch().count())) self->close();
        });
    }

private:
    /// The read or write that starts now must end within --timeout.
    void arm() {
        deadline_.store((Clock::now() + std::chrono::seconds(shared_.options.timeout_seconds)).time_since_epoch().count(),
                        std::memory_order_relaxed);
    }
    /// Computing an answer has no deadline (a reload may take seconds); only the socket does.
    void disarm() { deadline_.store(kNever, std::memory_order_relaxed); }
    /// Pending reads and writes end with operation_aborted; the session then ends with them.
    void close() {
        beast::error_code ignored;
        socket_.close(ignored);
    }

    void read() {
        if (shared_.stopping.load(std::memory_order_relaxed)) return;
        parser_.emplace();
        parser_->header_limit(kHeaderLimit);
        parser_->body_limit(shared_.options.body_limit);
        // The same bound for a request to arrive on an idle keep-alive connection and for its bytes.
        arm();
        idle_ = true;
        http::async_read(socket_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        idle_ = false;
        disarm();
        if (ec) return refuse_or_close(ec);
        auto& req = parser_->get();
        t0_ = Clock::now();
        keep_alive_ = req.keep_alive();
        version_ = req.version();
        // Into the same Request as the connection's previous one: its strings keep their capacity.
        Request& r = request_;
        detail::split_target_into(std::string_view(req.target().data(), req.target().size()), r.path, r.query);
        r.method.assign(req.method_string().data(), req.method_string().size());
        r.body = std::move(req.body());
        if (const auto it = req.find(http::field::authorization); it != req.end())
            r.authorization.assign(it->value().data(), it->value().size());
        else
            r.authorization.clear();
        parser_.reset();
        if (!blocks(r)) return answer(r.method, shared_.service.handle(r));
        auto guard = net::make_work_guard(socket_.get_executor());
        net::post(shared_.blocking, [self = shared_from_this(), r, guard = std::move(guard)]() mutable {
            Response out = self->shared_.service.handle(r);
            net::post(self->socket_.get_executor(), [self, method = std::move(r.method), out = std::move(out)]() mutable {
                self->answer(method, std::move(out));
            });
        });
    }

    /// A request that did not parse gets a JSON error and the connection closes; a connection that
    /// ended (the client, a timeout, a stop) just closes.
    void refuse_or_close(beast::error_code ec) {
        if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
            ec.category() != http::make_error_code(http::error::bad_target).category())
            return;  // the socket closes with this session
        Response out;
        out.route = "unparsed";
        keep_alive_ = false;
        version_ = 11;
        t0_ = Clock::now();
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
            const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0_).count();
            log_line({{"ts", static_cast<std::int64_t>(std::time(nullptr))},
                      {"method", method},
                      {"route", out.route},
                      {"status", out.status},
                      {"micros", micros},
                      {"learners", out.learners}});
        }
        // The header is three lines known here, written into a string the connection keeps;
        // Beast's serializer allocated a node per field and walked a buffer view per answer.
        // Same bytes as Beast wrote them: status line, Content-Type, Connection when it differs
        // from the version's default, Content-Length.
        keep_open_ = keep_alive_ && !shared_.stopping.load(std::memory_order_relaxed);
        head_.clear();
        const auto reason = http::obsolete_reason(static_cast<http::status>(out.status));
        fmt::format_to(std::back_inserter(head_), "HTTP/1.{} {} {}\r\nContent-Type: {}\r\n", version_ == 10 ? 0 : 1,
                       out.status, std::string_view(reason.data(), reason.size()), out.content_type);
        if (version_ == 10 && keep_open_) head_ += "Connection: keep-alive\r\n";
        if (version_ != 10 && !keep_open_) head_ += "Connection: close\r\n";
        fmt::format_to(std::back_inserter(head_), "Content-Length: {}\r\n\r\n", out.body.size());
        body_ = std::move(out.body);
        arm();
        // Header and body in one gather write: one sendmsg per answer.
        const std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
        net::async_write(socket_, buffers, beast::bind_front_handler(&Session::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        disarm();
        if (ec) return;
        if (keep_open_) return read();
        // Closing with a request body still unread (a 413) would make the kernel reset the
        // connection, and the client could lose the answer before reading it: say we are done
        // sending, then read and drop what the client still sends until it closes (bounded by
        // the timeout).
        beast::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
        arm();
        drain();
    }

    void drain() {
        buffer_.consume(buffer_.size());
        socket_.async_read_some(buffer_.prepare(16 * 1024), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (!ec) self->drain();
        });
    }

    tcp::socket socket_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    Request request_;
    std::string head_;  // the answer's status line and header fields
    std::string body_;  // the answer's body, kept until it is written
    bool keep_open_ = true;  // the answer being written leaves the connection open
    Shared& shared_;
    Worker& worker_;
    std::shared_ptr<Listener> listener_;
    std::atomic<Clock::rep> deadline_{kNever};  // written on the session's executor, read by the sweeper
    Clock::time_point t0_;
    unsigned version_ = 11;
    bool keep_alive_ = true;
    bool idle_ = false;  // waiting for a request (a stop may close it)
};

/// Closes the worker's connections that are past their deadline, every kSweepPeriod, until the
/// server stops and the worker carries no connection any more.
void sweep(Shared& shared, Worker& worker) {
    const auto now = Clock::now().time_since_epoch().count();
    std::vector<std::shared_ptr<Session>> late;
    bool empty = false;
    {
        std::lock_guard<std::mutex> lock(worker.mutex);
        for (Session* s : worker.sessions)
            if (s->past_deadline(now))
                if (auto alive = s->weak_from_this().lock()) late.push_back(std::move(alive));
        empty = worker.sessions.empty();
    }
    for (auto& s : late) s->expire();
    if (empty && shared.stopping.load()) return;
    worker.sweeper.expires_after(kSweepPeriod);
    worker.sweeper.async_wait([&shared, &worker](beast::error_code) { sweep(shared, worker); });
}

/// A stop or the last connection of a stopping worker: the sweeper looks now rather than up to
/// a second later (its context's run() returns only once the sweeper is done).
void wake_sweeper(Worker& worker) {
    net::post(worker.executor, [&worker] { worker.sweeper.cancel(); });
}

/// Accepts connections, at most --connections open at once: at the cap it stops accepting and the
/// kernel queues further clients in the listen backlog (SOMAXCONN) until one closes.
class Listener : public std::enable_shared_from_this<Listener> {
public:
    explicit Listener(Shared& shared)
        : shared_(shared),
          acceptor_(shared.workers[0]->executor_for(shared.strands)),
          retry_(acceptor_.get_executor()) {}

    /// Binds and listens; the port actually bound, or -1 (with the reason on stderr).
    int bind(const std::string& host, int port) {
        beast::error_code ec;
        tcp::resolver resolver(shared_.workers[0]->context);
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
        // Connections go round the workers: a connection stays on one worker, whose thread then
        // needs no lock or wake-up of another thread to serve it.
        Worker& w = *shared_.workers[next_++ % shared_.workers.size()];
        acceptor_.async_accept(w.executor_for(shared_.strands), [self = shared_from_this(), &w](beast::error_code ec, tcp::socket socket) {
            self->on_accept(ec, std::move(socket), w);
        });
    }

    void on_accept(beast::error_code ec, tcp::socket socket, Worker& worker) {
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
        std::make_shared<Session>(std::move(socket), shared_, worker, shared_from_this())->start();
        accept();
    }

    Shared& shared_;
    std::size_t next_ = 0;
    tcp::acceptor acceptor_;
    net::steady_timer retry_;
    int open_ = 0;  // on the acceptor's executor only
    bool paused_ = false;
};

Session::~Session() {
    bool last = false;
    {
        std::lock_guard<std::mutex> lock(worker_.mutex);
        worker_.sessions.erase(this);
        last = worker_.sessions.empty();
    }
    if (!shared_.stopping) listener_->closed();
    else if (last) wake_sweeper(worker_);
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
    shared.strands = !options.context_per_thread && threads > 1;
    // With a context per thread the concurrency hint 1 tells Asio that one thread runs it: no
    // wake-ups of other threads for the work it queues.
    for (int w = 0; w < (shared.strands ? 1 : threads); ++w)
        shared.workers.push_back(std::make_unique<Worker>(shared.strands ? threads : 1, shared.strands));
    // A worker has no connection until one lands on it; the guards keep run() from returning
    // before a stop.
    std::vector<net::executor_work_guard<net::io_context::executor_type>> keep;
    for (auto& w : shared.workers) keep.push_back(net::make_work_guard(w->context));
    auto listener = std::make_shared<Listener>(shared);
    const int port = listener->bind(options.host, options.port);
    if (port < 0) {
        shared.blocking.join();
        return 1;
    }
    const bool v6 = options.host.find(':') != std::string::npos;
    fmt::print("listening on http://{}{}{}:{}\n", v6 ? "[" : "", options.host, v6 ? "]" : "", port);
    std::fflush(stdout);
    listener->start();
    for (auto& w : shared.workers) net::dispatch(w->executor, [&shared, &w = *w] { sweep(shared, w); });

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
            for (auto& w : shared.workers) {
                {
                    std::lock_guard<std::mutex> lock(w->mutex);
                    for (Session* s : w->sessions)
                        if (auto alive = s->weak_from_this().lock()) alive->stop();
                }
                wake_sweeper(*w);
            }
            for (auto& k : keep) k.reset();
            std::unique_lock<std::mutex> lock(done_mutex);
            if (!done_changed.wait_for(lock, std::chrono::seconds(options.timeout_seconds) + std::chrono::seconds(5),
                                       [&] { return done; }))
                for (auto& w : shared.workers) w->context.stop();
            return;
        }
    });
    listener.reset();

    std::vector<std::thread> io;
    for (int t = 0; t < threads; ++t)
        io.emplace_back([&ctx = shared.workers[shared.strands ? 0 : static_cast<std::size_t>(t)]->context] {
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
