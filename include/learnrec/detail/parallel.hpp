// learnrec::detail — OpenMP helpers that never touch process-wide thread state.
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "learnrec/types.hpp"

namespace learnrec::detail {

/// Threads to use for a call: `requested` when > 0, else every processor.
inline int resolve_threads(int requested) noexcept {
    if (requested > 0) return requested;
#if defined(_OPENMP)
    return std::max(1, omp_get_num_procs());
#else
    return 1;
#endif
}

/// Index of the calling thread within the current parallel_for team.
inline int thread_index() noexcept {
#if defined(_OPENMP)
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/// True when a team of `threads` may be replaced by a plain call on the calling thread. A region
/// of one thread still costs libgomp's team setup and barrier (six futex calls per region, which
/// was most of a one-thread Ranker call's syscalls in the HTTP service). Only outside any active
/// region: there omp_get_thread_num() is 0, the index a one-thread team would give, so
/// thread_index() stays right without a region; inside an active team it is the outer index.
inline bool run_serially(int threads) noexcept {
#if defined(_OPENMP)
    return threads <= 1 && !omp_in_parallel();
#else
    (void)threads;
    return true;
#endif
}

/// Runs body(i) for i in [begin, end) on `threads` threads with dynamic scheduling in `chunk`s.
/// The first exception thrown by any body is rethrown on the calling thread once the team has
/// stopped; remaining iterations are skipped. The team size is passed per region (num_threads
/// clause), so omp_set_num_threads and friends are never called. One thread outside a parallel
/// region runs a plain loop on the caller (same exception semantics, no region).
template <class Body>
void parallel_for(std::int64_t begin, std::int64_t end, int threads, Body&& body, std::int64_t chunk = 1) {
    if (end <= begin) return;
    threads = static_cast<int>(std::min<std::int64_t>(resolve_threads(threads), end - begin));
    if (run_serially(threads)) {
        for (std::int64_t i = begin; i < end; ++i) body(i);
        return;
    }
    std::exception_ptr error;
    std::atomic<bool> failed{false};
    std::mutex error_mutex;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(threads) schedule(dynamic, chunk)
#endif
    for (std::int64_t i = begin; i < end; ++i) {
        if (failed.load(std::memory_order_relaxed)) continue;
        try {
            body(i);
        } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (!error) error = std::current_exception();
            failed.store(true, std::memory_order_relaxed);
        }
    }
    (void)chunk;
    if (error) std::rethrow_exception(error);
}

/// Runs body(thread_id, num_threads) once per thread of a team (for per-thread state).
template <class Body>
void parallel_team(int threads, Body&& body) {
    threads = resolve_threads(threads);
    if (run_serially(threads)) {
        body(0, 1);
        return;
    }
    std::exception_ptr error;
    std::mutex error_mutex;
#if defined(_OPENMP)
#pragma omp parallel num_threads(threads)
#endif
    {
        try {
#if defined(_OPENMP)
            body(omp_get_thread_num(), omp_get_num_threads());
#else
            body(0, 1);
#endif
        } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (!error) error = std::current_exception();
        }
    }
    if (error) std::rethrow_exception(error);
}

}  // namespace learnrec::detail
