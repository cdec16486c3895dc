// Where a day's update time goes, in C++ only (issue #21): the academy's typed events split in time
// as in daily_updates.py, ALS trained before day 0, then each day AlsDailyUpdater::update with the
// day's learners' whole rows and publish() (publishing; the day's model is released before the next
// day, as a server swapping snapshots does), each timed in process CPU seconds (all threads),
// against a full retrain on the last day's data; then recall@10 of both models on the positive pairs
// first seen in the next 7 days (courses already taken excluded), as daily_updates.py.
//
//   benchmarks/fresh/profile_update [learners courses factors iterations threads days
//                                    [learner_drift [course_change [course_max_updates]]]]
//
// The last three are AlsDailyUpdater::Staleness (default 0, 0, 7: exact).
//
// Built by benchmarks/CMakeLists.txt with -DLEARNREC_BUILD_BENCHMARKS=ON (target fresh_profile_update).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "learnrec/data/academy.hpp"
#include "learnrec/data/events.hpp"
#include "learnrec/eval/metrics.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/model/daily_update.hpp"
#include "learnrec/model/update.hpp"
#include "../bench_clock.hpp"

using namespace learnrec;

namespace {

CsrMatrix until(const EventLog& log, timestamp_t end) {
    EventLog part{{}, log.learners, log.courses};
    for (const auto& e : log.events)
        if (e.time < end) part.events.push_back(e);
    return apply_policy(part).matrix;
}

/// Positive pairs of events in [from, to) that `known` does not hold, as ones.
CsrMatrix future_positives(const EventLog& log, timestamp_t from, timestamp_t to, const CsrMatrix& known) {
    EventLog part{{}, log.learners, log.courses};
    for (const auto& e : log.events)
        if (e.time >= from && e.time < to) part.events.push_back(e);
    const CsrMatrix window = apply_policy(part).matrix;
    std::vector<Triplet> t;
    for (index_t u = 0; u < window.rows(); ++u) {
        const CsrRow row = window.row(u), seen = known.row(u);
        for (std::size_t k = 0; k < row.size(); ++k)
            if (row.weights[k] > 0.0f && !std::binary_search(seen.indices.begin(), seen.indices.end(), row.indices[k]))
                t.push_back({u, row.indices[k], 1.0f});
    }
    return CsrMatrix::from_triplets(known.rows(), known.cols(), t);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

double mean(const std::vector<double>& v) {
    double sum = 0.0;
    for (double x : v) sum += x;
    return v.empty() ? 0.0 : sum / static_cast<double>(v.size());
}

}  // namespace

int main(int argc, char** argv) {
    const auto arg = [&](int i, long fallback) { return argc > i ? std::atol(argv[i]) : fallback; };
    AcademyConfig ac;
    ac.learners = static_cast<index_t>(arg(1, 5000));
    ac.courses = static_cast<index_t>(arg(2, 600));
    AlsConfig config;
    config.factors = static_cast<index_t>(arg(3, 32));
    config.iterations = static_cast<int>(arg(4, 10));
    config.num_threads = static_cast<int>(arg(5, 2));
    config.regularization = 5.0f;
    config.alpha = 10.0f;
    config.calculate_loss = false;
    const int days = static_cast<int>(arg(6, 30));
    AlsDailyUpdater::Staleness staleness;
    if (argc > 7) staleness.learner_drift = std::strtof(argv[7], nullptr);
    if (argc > 8) staleness.course_change = std::strtof(argv[8], nullptr);
    if (argc > 9) staleness.course_max_updates = std::atoi(argv[9]);
    constexpr timestamp_t kDay = 86400;

    const EventLog log = academy_event_log(generate_academy(ac));
    timestamp_t end = 0;
    for (const auto& e : log.events) end = std::max(end, e.time);
    const timestamp_t day0 = end - (days + 7) * kDay;
    const CsrMatrix base = until(log, day0);
    double t = bench::process_cpu_seconds();
    const AlsModel model = fit_als(base.view(), config);
    const double first_fit = bench::process_cpu_seconds() - t;
    t = bench::process_cpu_seconds();
    AlsDailyUpdater updater(model, base.view(), config.num_threads);
    updater.set_staleness(staleness);
    std::printf("staleness: learner_drift %g, course_change %g, course_max_updates %d\n",
                static_cast<double>(staleness.learner_drift), static_cast<double>(staleness.course_change),
                staleness.course_max_updates);
    const double setup = bench::process_cpu_seconds() - t;
    std::printf("%zu events, %d x %d, %lld pairs before day 0; fit %.2f s CPU, updater built %.1f ms CPU\n",
                log.events.size(), base.rows(), base.cols(), static_cast<long long>(base.nnz()), first_fit,
                1e3 * setup);

    std::vector<double> solve_ms, publish_ms;
    CsrMatrix current;
    for (int d = 1; d <= days; ++d) {
        const timestamp_t t0 = day0 + (d - 1) * kDay, t1 = day0 + d * kDay;
        current = until(log, t1);
        std::vector<index_t> who;
        for (const auto& e : log.events)
            if (e.time >= t0 && e.time < t1) who.push_back(e.learner);
        std::sort(who.begin(), who.end());
        who.erase(std::unique(who.begin(), who.end()), who.end());
        const CsrMatrix rows = detail::select_rows(current.view(), who, current.cols());
        t = bench::process_cpu_seconds();
        const auto stats = updater.update(who, rows.view());
        solve_ms.push_back(1e3 * (bench::process_cpu_seconds() - t));
        t = bench::process_cpu_seconds();
        const std::shared_ptr<const AlsModel> published = updater.publish();
        publish_ms.push_back(1e3 * (bench::process_cpu_seconds() - t));
        std::printf("day %2d: %6d learners (%6d propagated), %5d courses solved (%5d waiting), %7zu pairs changed | "
                    "update %8.2f ms CPU, publish %7.2f ms CPU\n", d, stats.learners_solved, stats.learners_propagated,
                    stats.courses_solved, stats.courses_deferred, stats.pairs_changed, solve_ms.back(), publish_ms.back());
    }
    t = bench::process_cpu_seconds();
    const AlsModel nightly = fit_als(current.view(), config);
    const double retrain = bench::process_cpu_seconds() - t;
    const double per_day = median(solve_ms) + median(publish_ms);
    std::printf("median update %.2f ms + publish %.2f ms CPU; retrain on day %d's data %.2f s CPU: %.3f %%\n",
                median(solve_ms), median(publish_ms), days, retrain, 100.0 * per_day / (1e3 * retrain));
    const double mean_day = mean(solve_ms) + mean(publish_ms);
    std::printf("mean update %.2f ms + publish %.2f ms CPU: %.3f %% of the retrain\n", mean(solve_ms),
                mean(publish_ms), 100.0 * mean_day / (1e3 * retrain));
    const CsrMatrix future = future_positives(log, day0 + days * kDay, day0 + (days + 7) * kDay, current);
    const double r_inc = evaluate(updater.model(), current.view(), future.view(), 10, config.num_threads).recall;
    const double r_full = evaluate(nightly, current.view(), future.view(), 10, config.num_threads).recall;
    std::printf("day %d recall@10 (%lld test pairs): updated %.4f, retrained %.4f, relative gap %+.2f %%\n", days,
                static_cast<long long>(future.nnz()), r_inc, r_full, 100.0 * (r_full - r_inc) / r_full);
    return 0;
}
