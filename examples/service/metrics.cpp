// learnrec-serve — Prometheus text exposition (metrics.hpp).
#include "metrics.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string_view>

#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

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

HeapStats heap_stats() {
    HeapStats h;
#ifdef __GLIBC__
    const struct mallinfo2 m = ::mallinfo2();
    h.in_use = m.uordblks + m.hblkhd;
    h.free = m.fordblks;
    h.mmapped = m.hblkhd;
    // mallinfo2 sums the arenas; their number is only in malloc_info's XML, one <heap nr=...> each.
    char* text = nullptr;
    std::size_t size = 0;
    if (FILE* f = ::open_memstream(&text, &size)) {
        if (::malloc_info(0, f) == 0) {
            std::fflush(f);
            const std::string_view xml(text, size);
            for (std::size_t at = xml.find("<heap nr="); at != std::string_view::npos; at = xml.find("<heap nr=", at + 1))
                ++h.arenas;
        }
        std::fclose(f);
        std::free(text);
    }
#endif
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    if (statm >> pages >> resident) h.resident = resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return h;
}

void Metrics::observe(std::string_view route, int status, double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = routes_.find(route);
    if (it == routes_.end()) it = routes_.emplace(std::string(route), RouteStats{}).first;
    ++it->second.requests[status];
    Histogram& h = it->second.latency;
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
    for (const auto& [route, stats] : routes_)
        for (const auto& [status, n] : stats.requests)
            put(out, "learnrec_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", label(route), status, n);
    put(out, "# HELP learnrec_request_duration_seconds Time to answer a request, by route.\n");
    put(out, "# TYPE learnrec_request_duration_seconds histogram\n");
    for (const auto& [route, stats] : routes_) {
        const Histogram& h = stats.latency;
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
    put(out, "# HELP learnrec_snapshots_alive Snapshots in memory: 1 serving, 2 while a reload builds or a request "
             "still reads the previous one.\n");
    put(out, "# TYPE learnrec_snapshots_alive gauge\nlearnrec_snapshots_alive {}\n", g.snapshots_alive);
    if (g.heap) {
        const HeapStats& h = *g.heap;
        put(out, "# HELP learnrec_heap_in_use_bytes Bytes allocated by malloc (all arenas and mmapped blocks).\n");
        put(out, "# TYPE learnrec_heap_in_use_bytes gauge\nlearnrec_heap_in_use_bytes {}\n", h.in_use);
        put(out, "# HELP learnrec_heap_free_bytes Bytes free inside malloc's arenas (kept, not returned).\n");
        put(out, "# TYPE learnrec_heap_free_bytes gauge\nlearnrec_heap_free_bytes {}\n", h.free);
        put(out, "# HELP learnrec_heap_mmapped_bytes Bytes of blocks malloc served by mmap.\n");
        put(out, "# TYPE learnrec_heap_mmapped_bytes gauge\nlearnrec_heap_mmapped_bytes {}\n", h.mmapped);
        put(out, "# HELP learnrec_heap_arenas malloc arenas.\n");
        put(out, "# TYPE learnrec_heap_arenas gauge\nlearnrec_heap_arenas {}\n", h.arenas);
        put(out, "# HELP process_resident_memory_bytes Resident memory size in bytes.\n");
        put(out, "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {}\n", h.resident);
    }
    return out;
}

}  // namespace learnrec::service
