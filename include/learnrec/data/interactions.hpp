// learnrec — the learner x course interaction log in CSR form, with its id maps.
//
// Weights: positive = implicit positive feedback (enrolment, completion, time spent...),
// negative = negative feedback (the ALS confidence is |alpha * w|, preference 0).
// Duplicate (learner, course) pairs are summed; their timestamp is the latest one.
// Thread safety: immutable once built; InteractionsBuilder is single-threaded.
// Complexity: building is O(n log n) in the number of added events.
#pragma once

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "learnrec/data/csr.hpp"
#include "learnrec/data/id_map.hpp"

namespace learnrec {

/// Timestamps are seconds since the Unix epoch (UTC).
using timestamp_t = std::int64_t;

struct Interactions {
    CsrMatrix matrix;                   // learners x courses
    IdMap learners;                     // row index <-> learner id
    IdMap courses;                      // column index <-> course id
    std::vector<timestamp_t> timestamps;  // empty, or one per non-zero aligned with matrix.indices()

    bool has_timestamps() const noexcept { return !timestamps.empty(); }
};

/// Accumulates events by external id, then builds Interactions.
class InteractionsBuilder {
public:
    /// Pre-registers ids so that indices follow a given order (e.g. a catalogue with no events yet).
    index_t add_learner(std::string id) {
        LEARNREC_CHECK(!id.empty(), "empty learner id");
        return learners_.insert(std::move(id));
    }
    index_t add_course(std::string id) {
        LEARNREC_CHECK(!id.empty(), "empty course id");
        return courses_.insert(std::move(id));
    }

    /// Adds one event. `where` names the source (e.g. "file.csv:12") for error messages.
    void add(std::string learner, std::string course, float weight, std::optional<timestamp_t> ts = std::nullopt,
             const std::string& where = {}) {
        if (learner.empty()) LEARNREC_FAIL_AT(where, "empty learner id");
        if (course.empty()) LEARNREC_FAIL_AT(where, "empty course id");
        if (!std::isfinite(weight)) LEARNREC_FAIL_AT(where, "weight {} is not finite", weight);
        if (weight == 0.0f) LEARNREC_FAIL_AT(where, "weight is 0; give a non-zero weight or leave the row out");
        if (!entries_.empty() && ts.has_value() != any_timestamp_)
            LEARNREC_FAIL_AT(where, "some events have a timestamp and some do not; give all or none");
        any_timestamp_ = ts.has_value();
        entries_.push_back({learners_.insert(std::move(learner)), courses_.insert(std::move(course)), weight,
                            ts.value_or(0)});
    }
    void add(index_t learner, index_t course, float weight, std::optional<timestamp_t> ts = std::nullopt) {
        LEARNREC_CHECK(learner >= 0 && learner < learners_.size(), "learner index {} not registered", learner);
        LEARNREC_CHECK(course >= 0 && course < courses_.size(), "course index {} not registered", course);
        LEARNREC_CHECK(std::isfinite(weight) && weight != 0.0f, "weight {} must be finite and non-zero", weight);
        LEARNREC_CHECK(entries_.empty() || ts.has_value() == any_timestamp_,
                       "some events have a timestamp and some do not; give all or none");
        any_timestamp_ = ts.has_value();
        entries_.push_back({learner, course, weight, ts.value_or(0)});
    }
    std::size_t events() const noexcept { return entries_.size(); }

    Interactions build() && {
        std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
            return a.row != b.row ? a.row < b.row : a.col < b.col;
        });
        std::vector<offset_t> indptr(static_cast<std::size_t>(learners_.size()) + 1, 0);
        std::vector<index_t> indices;
        std::vector<float> data;
        std::vector<timestamp_t> ts;
        indices.reserve(entries_.size());
        data.reserve(entries_.size());
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            const auto& e = entries_[i];
            if (i > 0 && e.row == entries_[i - 1].row && e.col == entries_[i - 1].col) {
                data.back() += e.weight;
                if (any_timestamp_) ts.back() = std::max(ts.back(), e.ts);
                continue;
            }
            indices.push_back(e.col);
            data.push_back(e.weight);
            if (any_timestamp_) ts.push_back(e.ts);
            ++indptr[static_cast<std::size_t>(e.row) + 1];
        }
        for (std::size_t k = 0; k < data.size(); ++k)
            LEARNREC_CHECK(data[k] != 0.0f && std::isfinite(data[k]),
                           "the weights of one (learner, course) pair sum to {}; a pair must keep a non-zero, "
                           "finite total",
                           data[k]);
        for (std::size_t r = 1; r < indptr.size(); ++r) indptr[r] += indptr[r - 1];
        Interactions out{CsrMatrix(learners_.size(), courses_.size(), std::move(indptr), std::move(indices),
                                   std::move(data)),
                         std::move(learners_), std::move(courses_), std::move(ts)};
        return out;
    }

private:
    struct Entry {
        index_t row;
        index_t col;
        float weight;
        timestamp_t ts;
    };
    IdMap learners_;
    IdMap courses_;
    std::vector<Entry> entries_;
    bool any_timestamp_ = false;
};

}  // namespace learnrec
