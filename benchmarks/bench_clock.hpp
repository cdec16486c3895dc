// learnrec benchmarks — the one process CPU clock every timing binary reports against.
#pragma once

#include <ctime>

namespace learnrec::bench {

/// User + system seconds of the whole process, all threads (CLOCK_PROCESS_CPUTIME_ID: the same
/// quantity as getrusage's ru_utime + ru_stime, at nanosecond resolution). Differences of two
/// calls time a region; the absolute value means nothing.
inline double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace learnrec::bench
