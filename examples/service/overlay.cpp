// learnrec-serve — pending events per learner (overlay.hpp).
#include "overlay.hpp"

#include <algorithm>

namespace learnrec::service {

void EventOverlay::add(std::vector<PendingEvent> events) {
    for (auto& e : events) {
        e.sequence = ++sequence_;
        by_learner_[e.learner].push_back(std::move(e));
        ++size_;
    }
}

std::vector<PendingEvent> EventOverlay::of(std::string_view learner) const {
    const auto it = by_learner_.find(std::string(learner));
    return it == by_learner_.end() ? std::vector<PendingEvent>{} : it->second;
}

void EventOverlay::forget_through(std::uint64_t sequence) {
    for (auto it = by_learner_.begin(); it != by_learner_.end();) {
        auto& v = it->second;
        const auto keep = std::remove_if(v.begin(), v.end(), [&](const PendingEvent& e) { return e.sequence <= sequence; });
        size_ -= static_cast<std::size_t>(v.end() - keep);
        v.erase(keep, v.end());
        it = v.empty() ? by_learner_.erase(it) : std::next(it);
    }
}

}  // namespace learnrec::service
