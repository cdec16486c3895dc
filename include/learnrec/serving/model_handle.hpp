// learnrec — hot-swappable model for serving: many threads recommend while another publishes
// a newly trained (or newly loaded) model.
//
//     ModelHandle handle(std::make_shared<const AlsModel>(fit_als(data, config)));
//     // request threads:
//     TopK top = handle.recommend(learners, nullptr, options);  // or: auto m = handle.current();
//     // a training / reloading thread:
//     handle.publish(load_as<AlsModel>("model.lrm"));
//
// Each call takes one snapshot (a std::shared_ptr copy) of the current model and uses only that
// snapshot, so a result always comes from exactly one model, never a mix of an old and a new one.
// A published model stays alive while any reader still holds a snapshot of it and is destroyed
// by whichever thread drops the last reference (often a reader, after its request).
//
// Thread safety: every member function may be called concurrently from any number of threads;
// publish() and current() are linearizable. The handle is neither copyable nor movable; share it
// by reference.
// Complexity: current() and publish() are O(1): a mutex held for one reference-count update (a
// few nanoseconds, so readers barely contend); the replaced model is destroyed outside the lock,
// by whoever drops the last reference. A publish never waits for readers' requests to finish.
// Why not std::atomic<std::shared_ptr>: libstdc++ 12's implementation releases its internal lock
// with a relaxed store after reading the pointer in load(), which is a data race by the memory
// model (ThreadSanitizer reports it, and weakly ordered CPUs may act on it).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <type_traits>
#include <utility>

#include "learnrec/error.hpp"
#include "learnrec/model/model.hpp"
#include "learnrec/retrieval/recommend.hpp"

namespace learnrec {

/// Holds the current std::shared_ptr<const T> and swaps it atomically. T is usually Model (see
/// ModelHandle); any type works for current()/publish(), e.g. a struct of a model and its id maps
/// that must change together.
template <class T>
class BasicModelHandle {
public:
    using pointer = std::shared_ptr<const T>;

    BasicModelHandle() = default;
    explicit BasicModelHandle(pointer initial) : current_(std::move(initial)), generation_(current_ ? 1 : 0) {}
    BasicModelHandle(const BasicModelHandle&) = delete;
    BasicModelHandle& operator=(const BasicModelHandle&) = delete;

    /// Makes `next` the model every later call sees; returns the previous one (the caller may
    /// drop it: it lives on in readers' snapshots as long as they need it). Null unpublishes.
    pointer publish(pointer next) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            current_.swap(next);
            generation_.fetch_add(1, std::memory_order_release);
        }
        return next;  // the previous model, released (and maybe destroyed) outside the lock
    }

    /// A snapshot of the current model (null when none was published). Hold it for the whole of
    /// a request that must see one model.
    pointer current() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return current_;
    }

    /// Number of publish() calls so far (plus one for a model given to the constructor). Useful
    /// for monitoring; read separately from current(), so not tied to a particular snapshot.
    std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

    /// The current model; throws Error when none is published.
    pointer require() const {
        pointer m = current();
        LEARNREC_CHECK(m != nullptr, "no model has been published to this handle yet");
        return m;
    }

    // ---- conveniences for models: one snapshot per call --------------------------------------

    /// learnrec::recommend() on a snapshot. `history`, when given, must match the snapshot's
    /// shape; with models of changing shape pass nullptr or use current() and check the shape.
    TopK recommend(std::span<const index_t> learners, const CsrView* history, const RecommendOptions& options = {}) const
        requires std::is_base_of_v<Model, T>
    {
        const pointer m = require();
        return learnrec::recommend(*m, learners, history, options);
    }
    /// learnrec::recommend_from_rows() on a snapshot.
    TopK recommend_from_rows(const CsrView& rows, bool exclude_own = true, const RecommendOptions& options = {}) const
        requires std::is_base_of_v<Model, T>
    {
        const pointer m = require();
        return learnrec::recommend_from_rows(*m, rows, exclude_own, options);
    }
    /// learnrec::similar_courses() on a snapshot.
    TopK similar_courses(std::span<const index_t> courses, const RecommendOptions& options = {}) const
        requires std::is_base_of_v<Model, T>
    {
        const pointer m = require();
        return learnrec::similar_courses(*m, courses, options);
    }

private:
    mutable std::mutex mutex_;
    pointer current_;  // guarded by mutex_
    std::atomic<std::uint64_t> generation_{0};
};

/// The usual handle: any model behind the Model seam.
using ModelHandle = BasicModelHandle<Model>;

}  // namespace learnrec
