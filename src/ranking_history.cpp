// learnrec ranking — learner histories: what each learner took, when, in which state.
#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "learnrec/detail/parallel.hpp"
#include "learnrec/error.hpp"
#include "learnrec/model/factor_model.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/ranking/ranker.hpp"
#include "learnrec/retrieval/topk.hpp"
#include "ranking_probe.hpp"

namespace learnrec::ranking {

// ---- history -------------------------------------------------------------------------------------

LearnerHistory::LearnerHistory(index_t learners, index_t courses) : learners_(learners), courses_(courses) {
    LEARNREC_CHECK(learners >= 0 && courses >= 0, "negative history shape ({}, {})", learners, courses);
    offsets_.assign(static_cast<std::size_t>(learners) + 1, 0);
}

LearnerHistory LearnerHistory::from_interactions(const CsrView& matrix, std::span<const timestamp_t> timestamps) {
    LEARNREC_CHECK(timestamps.empty() || timestamps.size() == static_cast<std::size_t>(matrix.nnz()),
                   "{} timestamps for {} interactions", timestamps.size(), matrix.nnz());
    LearnerHistory h(matrix.rows, matrix.cols);
    for (index_t r = 0; r < matrix.rows; ++r) {
        const auto b = static_cast<std::size_t>(matrix.indptr[static_cast<std::size_t>(r)]);
        const auto row = matrix.row(r);
        for (std::size_t j = 0; j < row.size(); ++j) {
            if (row.weights[j] > 0.0f)
                h.set(r, row.indices[j], CourseState::completed, timestamps.empty() ? kNever : timestamps[b + j]);
            else
                h.set(r, row.indices[j], CourseState::dropped);
        }
    }
    // Without timestamps the completion date is unknown: it counts as valid forever rather than
    // as expired, so nothing the learner took comes back by surprise.
    if (timestamps.empty())
        for (auto& p : h.pending_)
            if (p.second.state == CourseState::completed) p.second.completed_at = std::numeric_limits<timestamp_t>::max();
    h.finish();
    return h;
}

LearnerHistory LearnerHistory::from_states(const LearnerCourseStates& states) {
    LearnerHistory h(states.num_learners(), states.num_courses());
    for (index_t l = 0; l < states.num_learners(); ++l) {
        const auto courses = states.courses(l);
        const auto statuses = states.statuses(l);
        for (std::size_t j = 0; j < courses.size(); ++j) {
            const CourseStatus& st = statuses[j];
            if (st.state != CourseState::none) h.set(l, courses[j], st.state, st.completed_at);
        }
    }
    h.finish();
    return h;
}

std::string_view outcome_name(CourseState state) {
    if (is_in_progress(state)) return "in_progress";
    if (is_completed(state)) return "completed";
    return to_string(state);
}

void LearnerHistory::set(index_t learner, index_t course, CourseState state, timestamp_t completed_at) {
    LEARNREC_CHECK(learner >= 0 && learner < learners_, "learner index {} outside [0, {})", learner, learners_);
    LEARNREC_CHECK(course >= 0 && course < courses_, "course index {} outside [0, {})", course, courses_);
    LEARNREC_CHECK(state != CourseState::none, "course {} of learner {} has state none: a history holds only seen pairs",
                   course, learner);
    pending_.push_back({learner, HistoryEntry{course, state, completed_at}});
}

void LearnerHistory::finish() {
    // Facts already finished come before the new ones, so that the new ones update them.
    std::vector<std::pair<index_t, HistoryEntry>> all;
    all.reserve(entries_.size() + pending_.size());
    for (index_t l = 0; l < learners_; ++l)
        for (const auto& e : of(l)) all.push_back({l, e});
    all.insert(all.end(), pending_.begin(), pending_.end());
    pending_ = std::move(all);
    std::stable_sort(pending_.begin(), pending_.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : a.second.course < b.second.course;
    });
    entries_.clear();
    offsets_.assign(static_cast<std::size_t>(learners_) + 1, 0);
    for (std::size_t i = 0; i < pending_.size(); ++i) {
        const auto& [l, e] = pending_[i];
        if (i > 0 && pending_[i - 1].first == l && pending_[i - 1].second.course == e.course) {
            auto& last = entries_.back();
            last.state = e.state;
            last.completed_at = std::max(last.completed_at, e.completed_at);
        } else {
            entries_.push_back(e);
            ++offsets_[static_cast<std::size_t>(l) + 1];
        }
    }
    for (std::size_t l = 0; l < static_cast<std::size_t>(learners_); ++l) offsets_[l + 1] += offsets_[l];
    pending_.clear();
    pending_.shrink_to_fit();
}

std::span<const HistoryEntry> LearnerHistory::of(index_t learner) const {
    if (learner < 0 || learner >= learners_ || offsets_.empty()) return {};
    const auto b = static_cast<std::size_t>(offsets_[static_cast<std::size_t>(learner)]);
    const auto e = static_cast<std::size_t>(offsets_[static_cast<std::size_t>(learner) + 1]);
    return std::span<const HistoryEntry>(entries_).subspan(b, e - b);
}

const HistoryEntry* LearnerHistory::find(index_t learner, index_t course) const {
    const auto row = of(learner);
    auto it =
        std::lower_bound(row.begin(), row.end(), course, [](const HistoryEntry& e, index_t c) { return e.course < c; });
    return it != row.end() && it->course == course ? &*it : nullptr;
}

}  // namespace learnrec::ranking
