// learnrec-serve — counters for /metrics in the Prometheus text exposition format (0.0.4).
//
// Requests by route (the route's pattern, never the raw path, so the label set stays bounded)
// and status, a latency histogram per route, reloads that succeeded or failed.
// Thread safety: every member may be called concurrently (one mutex, held for a few increments).
// Complexity: observe() O(log routes); render() O(routes x (statuses + buckets)).
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
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, std::uint64_t> requests_;
    std::map<std::string, Histogram, std::less<>> latency_;
    std::uint64_t reloads_ok_ = 0;
    std::uint64_t reloads_failed_ = 0;
};

}  // namespace learnrec::service
