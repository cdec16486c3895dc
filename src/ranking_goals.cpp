// learnrec ranking — GoalMatches, the goal scores a request blends in (see ranking/goals.hpp).
#include <algorithm>
#include <cmath>

#include "learnrec/error.hpp"
#include "learnrec/ranking/goals.hpp"

namespace learnrec::ranking {

void GoalMatches::add_row(std::vector<GoalMatch> row) {
    const auto num_terms = static_cast<index_t>(terms ? terms->size() : 0);
    std::sort(row.begin(), row.end(), [](const GoalMatch& a, const GoalMatch& b) { return a.course < b.course; });
    for (std::size_t i = 0; i < row.size(); ++i) {
        const GoalMatch& m = row[i];
        LEARNREC_CHECK(m.course >= 0, "goal match for learner row {}: negative course index {}", rows(), m.course);
        LEARNREC_CHECK(std::isfinite(m.score) && m.score >= 0.0f && m.score <= 1.0f,
                       "goal match for learner row {}, course {}: score {} is not in [0, 1]", rows(), m.course,
                       m.score);
        LEARNREC_CHECK(m.terms >= -1 && m.terms < num_terms,
                       "goal match for learner row {}, course {}: terms index {} outside [-1, {})", rows(), m.course,
                       m.terms, num_terms);
        LEARNREC_CHECK(i == 0 || row[i - 1].course != m.course, "goal matches for learner row {} name course {} twice",
                       rows(), m.course);
    }
    matches.insert(matches.end(), row.begin(), row.end());
    offsets.push_back(static_cast<offset_t>(matches.size()));
}

index_t GoalMatches::add_terms(std::string text) {
    if (!terms) terms = std::make_shared<std::vector<std::string>>();
    terms->push_back(std::move(text));
    return static_cast<index_t>(terms->size() - 1);
}

void GoalMatches::validate(index_t learners, index_t courses) const {
    LEARNREC_CHECK(!offsets.empty() && offsets.front() == 0 &&
                       offsets.back() == static_cast<offset_t>(matches.size()),
                   "goal matches: offsets do not describe the {} matches", matches.size());
    LEARNREC_CHECK(rows() == learners, "goal matches have {} rows for {} requested learners", rows(), learners);
    for (std::size_t r = 0; r + 1 < offsets.size(); ++r)
        LEARNREC_CHECK(offsets[r] <= offsets[r + 1], "goal matches: offsets decrease at row {}", r);
    const auto num_terms = static_cast<index_t>(terms ? terms->size() : 0);
    for (index_t r = 0; r < rows(); ++r) {
        const auto row = of(r);
        for (std::size_t i = 0; i < row.size(); ++i) {
            const GoalMatch& m = row[i];
            LEARNREC_CHECK(m.course >= 0 && m.course < courses, "goal match of learner row {}: course {} outside [0, {})",
                           r, m.course, courses);
            LEARNREC_CHECK(i == 0 || row[i - 1].course < m.course,
                           "goal matches of learner row {} are not sorted by course (course {})", r, m.course);
            LEARNREC_CHECK(std::isfinite(m.score) && m.score >= 0.0f && m.score <= 1.0f,
                           "goal match of learner row {}, course {}: score {} is not in [0, 1]", r, m.course, m.score);
            LEARNREC_CHECK(m.terms >= -1 && m.terms < num_terms,
                           "goal match of learner row {}, course {}: terms index {} outside [-1, {})", r, m.course,
                           m.terms, num_terms);
        }
    }
}

}  // namespace learnrec::ranking
