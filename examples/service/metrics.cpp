// learnrec-serve — Prometheus text exposition (metrics.hpp).
#include "metrics.hpp"

#include <fmt/format.h>

namespace learnrec::service {

namespace {
/// Label values: backslash, quote and newline escaped as the format requires.
std::string label(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}
template <class... A>
void put(std::string& out, fmt::format_string<A...> f, A&&... args) {
    fmt::format_to(std::back_inserter(out), f, std::forward<A>(args)...);
}

}  // namespace

void Metrics::observe(std::string_view route, int status, double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++requests_[{std::string(route), status}];
    auto it = latency_.find(route);
    if (it == latency_.end()) it = latency_.emplace(std::string(route), Histogram{}).first;
    Histogram& h = it->second;
    for (std::size_t b = 0; b < kBuckets.size(); ++b)
        if (seconds <= kBuckets[b]) ++h.buckets[b];
    ++h.count;
    h.sum += seconds;
}

void Metrics::reload(bool ok) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++(ok ? reloads_ok_ : reloads_failed_);
}

std::string Metrics::render(const ServingGauges& g) const {
    std::string out;
    std::lock_guard<std::mutex> lock(mutex_);
    put(out, "# HELP learnrec_requests_total HTTP requests answered, by route and status.\n");
    put(out, "# TYPE learnrec_requests_total counter\n");
    for (const auto& [key, n] : requests_)
        put(out, "learnrec_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", label(key.first), key.second, n);
    put(out, "# HELP learnrec_request_duration_seconds Time to answer a request, by route.\n");
    put(out, "# TYPE learnrec_request_duration_seconds histogram\n");
    for (const auto& [route, h] : latency_) {
        for (std::size_t b = 0; b < kBuckets.size(); ++b)
            put(out, "learnrec_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", label(route), kBuckets[b],
                 h.buckets[b]);
        put(out, "learnrec_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", label(route), h.count);
        put(out, "learnrec_request_duration_seconds_sum{{route=\"{}\"}} {}\n", label(route), h.sum);
        put(out, "learnrec_request_duration_seconds_count{{route=\"{}\"}} {}\n", label(route), h.count);
    }
    put(out, "# HELP learnrec_reloads_total Snapshot reloads (POST /admin/reload, SIGHUP), by result.\n");
    put(out, "# TYPE learnrec_reloads_total counter\n");
    put(out, "learnrec_reloads_total{{result=\"ok\"}} {}\n", reloads_ok_);
    put(out, "learnrec_reloads_total{{result=\"failed\"}} {}\n", reloads_failed_);
    put(out, "# HELP learnrec_ready 1 once a model is loaded.\n# TYPE learnrec_ready gauge\nlearnrec_ready {}\n",
         g.ready ? 1 : 0);
    put(out, "# HELP learnrec_model_info The model serving (value 1): version (kind-crc32-trained_at), kind, trained_at.\n");
    put(out, "# TYPE learnrec_model_info gauge\nlearnrec_model_info{{version=\"{}\",kind=\"{}\",trained_at=\"{}\"}} 1\n",
        label(g.model_version), label(g.model_kind), label(g.model_trained_at));
    // Age since training is what staleness alerts want; a file without a trained-at stamp has none,
    // and an absent series says so better than a made-up value.
    if (g.ready && g.model_trained_at_seconds) {
        put(out, "# HELP learnrec_model_age_seconds Seconds since the serving model was trained (its trained_at).\n");
        put(out, "# TYPE learnrec_model_age_seconds gauge\nlearnrec_model_age_seconds {}\n",
            g.now - *g.model_trained_at_seconds);
    }
    put(out, "# HELP learnrec_snapshot_age_seconds Seconds since the serving snapshot was loaded.\n");
    put(out, "# TYPE learnrec_snapshot_age_seconds gauge\nlearnrec_snapshot_age_seconds {}\n",
        g.ready ? g.now - g.model_loaded_at : 0.0);
    put(out, "# HELP learnrec_snapshot_generation Snapshots published since start.\n");
    put(out, "# TYPE learnrec_snapshot_generation counter\nlearnrec_snapshot_generation {}\n", g.generation);
    put(out, "# HELP learnrec_pending_events Events accepted since the last reload, applied on top of the snapshot.\n");
    put(out, "# TYPE learnrec_pending_events gauge\nlearnrec_pending_events {}\n", g.pending_events);
    return out;
}

}  // namespace learnrec::service
