// learnrec-serve — counters for /metrics in the Prometheus text exposition format (0.0.4).
//
// Requests by route (the route's pattern, never the raw path, so the label set stays bounded)
// and status, a latency histogram per route, reloads that succeeded or failed.
// Thread safety: every member may be called concurrently (one mutex, held for a few increments).
// Complexity: observe() O(log routes + log statuses); render() O(routes x (statuses + buckets)).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace learnrec::service {

/// The process's memory as the allocator sees it (glibc mallinfo2 and malloc_info), to tell a
/// snapshot that is kept (in use grows) from a heap that fragments (free grows, arenas hold it).
struct HeapStats {
    std::size_t in_use = 0;        ///< bytes in allocated chunks, every arena plus mmapped blocks
    std::size_t free = 0;          ///< bytes in free chunks the arenas keep (not handed back)
    std::size_t mmapped = 0;       ///< bytes of blocks served by mmap (returned to the system when freed)
    std::size_t arenas = 0;        ///< malloc arenas (the main one plus one per set of threads)
    std::size_t resident = 0;      ///< resident set size of the process, bytes (/proc/self/statm)
};
/// Reads the heap's figures; all zero where the C library offers none. O(arenas + chunks in the
/// arenas' bins): meant for a scrape every few seconds, not per request.
HeapStats heap_stats();

/// Gauges that belong to the serving state rather than to counters.
struct ServingGauges {
    bool ready = false;
    std::string model_version;
    std::string model_kind;
    std::string model_trained_at;  ///< ISO-8601 from the model file, empty when not recorded
    std::optional<double> model_trained_at_seconds;  ///< the same as seconds since the epoch
    double model_loaded_at = 0;   ///< seconds since the epoch
    double now = 0;               ///< seconds since the epoch
    std::size_t pending_events = 0;  ///< events accepted since the last reload (the overlay)
    std::uint64_t generation = 0;    ///< snapshots published so far
    std::size_t snapshots_alive = 0;  ///< snapshots in memory (snapshot.hpp, snapshots_alive())
    std::optional<HeapStats> heap;   ///< absent: not measured
};

class Metrics {
public:
    static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

    void observe(std::string_view route, int status, double seconds);
    void reload(bool ok);
    std::string render(const ServingGauges& gauges) const;

private:
    struct Histogram {
        std::array<std::uint64_t, kBuckets.size()> buckets{};
        std::uint64_t count = 0;
        double sum = 0;
    };
    /// One route's counters. Keyed by the route alone so that observe() finds them by a
    /// string_view (heterogeneous lookup) and allocates only for a route's first request.
    struct RouteStats {
        std::map<int, std::uint64_t> requests;  ///< by status
        Histogram latency;
    };
    mutable std::mutex mutex_;
    std::map<std::string, RouteStats, std::less<>> routes_;
    std::uint64_t reloads_ok_ = 0;
    std::uint64_t reloads_failed_ = 0;
};

}  // namespace learnrec::service
