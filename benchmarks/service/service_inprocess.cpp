// The in-process side of the learnrec-serve load benchmark (run.sh): the same snapshot the
// service loads (examples/service/snapshot.hpp), the same learners, one learner per Ranker call,
// from --threads threads for --seconds. Prints one JSON line: calls, calls/s, p50/p99 per call.
// With --reloads N it instead loads the snapshot N times and prints the RSS every --every loads
// (memory across reloads without HTTP in between).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "learnrec/data/csv.hpp"
#include "snapshot.hpp"
#include "../bench_clock.hpp"

namespace {
long rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}
}  // namespace

int main(int argc, char** argv) {
    using namespace learnrec;
    CLI::App app{"learnrec-serve benchmark: the Ranker in process, one learner per call"};
    service::SnapshotSources sources;
    std::string learners_file, now_text = "2026-01-01";
    int threads = 2, k = 10, reloads = 0, every = 100;
    double seconds = 10;
    app.add_option("--model", sources.model)->required();
    app.add_option("--catalogue", sources.catalogue)->required();
    app.add_option("--rules", sources.rules);
    app.add_option("--events", sources.events);
    app.add_option("--learners", learners_file, "One learner id per line (the requests' learners)");
    app.add_option("--threads", threads);
    app.add_option("--seconds", seconds);
    app.add_option("-k", k);
    app.add_option("--now", now_text);
    app.add_option("--reloads", reloads, "Load the snapshot this many times and report RSS instead");
    app.add_option("--every", every);
    CLI11_PARSE(app, argc, argv);

    const auto t_load = std::chrono::steady_clock::now();
    auto snap = service::load_snapshot(sources, 0);
    const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count();
    if (reloads > 0) {
        fmt::print("{{\"reload\": 0, \"rss_kib\": {}, \"seconds\": {:.3f}}}\n", rss_kib(), load_s);
        for (int r = 1; r <= reloads; ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            snap = service::load_snapshot(sources, r, snap.get(), snap.get());  // as the service: history and catalogue kept
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (r % every == 0) fmt::print("{{\"reload\": {}, \"rss_kib\": {}, \"seconds\": {:.3f}}}\n", r, rss_kib(), s);
            std::fflush(stdout);
        }
        return 0;
    }
    std::vector<index_t> learners;
    std::ifstream in(learners_file);
    for (std::string id; std::getline(in, id);)
        if (auto l = snap->bundle.learners.find(id)) learners.push_back(*l);
    if (learners.empty()) {
        fmt::print(stderr, "no learner of {} is in the model\n", learners_file);
        return 1;
    }
    const timestamp_t now = *parse_timestamp(now_text);
    ranking::RankingRules rules = snap->rules;
    rules.k = k;
    std::vector<std::vector<double>> micros(static_cast<std::size_t>(threads));
    std::atomic<bool> stop{false};
    std::vector<std::thread> pool;
    const double cpu0 = bench::process_cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            std::size_t i = static_cast<std::size_t>(t);
            while (!stop.load(std::memory_order_relaxed)) {
                const index_t l = learners[i++ % learners.size()];
                const auto a = std::chrono::steady_clock::now();
                const auto r = snap->ranker.recommend(std::span<const index_t>(&l, 1), now, rules);
                micros[static_cast<std::size_t>(t)].push_back(
                    std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a).count());
                if (r.learners != 1) std::abort();
            }
        });
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& th : pool) th.join();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = bench::process_cpu_seconds() - cpu0;
    std::vector<double> all;
    for (auto& m : micros) all.insert(all.end(), m.begin(), m.end());
    std::sort(all.begin(), all.end());
    auto pct = [&](double p) { return all[std::min(all.size() - 1, static_cast<std::size_t>(p * static_cast<double>(all.size())))]; };
    fmt::print("{{\"threads\": {}, \"calls\": {}, \"calls_per_s\": {:.1f}, \"p50_us\": {:.1f}, \"p99_us\": {:.1f}, "
               "\"cpu_us_per_call\": {:.1f}, \"load_s\": {:.2f}}}\n",
               threads, all.size(), static_cast<double>(all.size()) / elapsed, pct(0.5), pct(0.99),
               1e6 * cpu / static_cast<double>(all.size()), load_s);
    return 0;
}
