// learnrec-serve — events accepted since the serving snapshot read the event log, applied on top
// of it per learner, so a course completed a second ago is not recommended again.
//
// A reload re-reads the log, which already holds every accepted event (they are appended and
// fsync'ed before they enter the overlay); the events it covered are then dropped from here.
// Memory is bounded: at most `capacity` events are kept; beyond that add() refuses (the service
// answers 503 until a reload folds the pending events into a snapshot).
// Thread safety: not thread-safe; the service guards it with its state mutex.
// Complexity: add O(events); of() O(events of the learner); forget_through O(pending events).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "learnrec/data/events.hpp"

namespace learnrec::service {

struct PendingEvent {
    std::string learner;
    std::string course;
    LifecycleKind kind = LifecycleKind::completed;
    timestamp_t time = 0;
    float value = 0.0f;
    std::uint64_t sequence = 0;  ///< order of acceptance, from 1
};

class EventOverlay {
public:
    explicit EventOverlay(std::size_t capacity) : capacity_(capacity) {}

    bool has_room_for(std::size_t n) const noexcept { return size_ + n <= capacity_; }
    /// Adds events in order, numbering them; the caller checked has_room_for().
    void add(std::vector<PendingEvent> events);
    /// The learner's pending events in acceptance order (a copy: the caller ranks without the lock).
    std::vector<PendingEvent> of(std::string_view learner) const;
    /// Drops events numbered <= `sequence` (the log a new snapshot read held them).
    void forget_through(std::uint64_t sequence);

    std::uint64_t last_sequence() const noexcept { return sequence_; }
    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return capacity_; }

private:
    std::size_t capacity_;
    std::size_t size_ = 0;
    std::uint64_t sequence_ = 0;
    std::unordered_map<std::string, std::vector<PendingEvent>> by_learner_;
};

}  // namespace learnrec::service
