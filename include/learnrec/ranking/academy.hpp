// learnrec ranking — the synthetic academy as ranking inputs (demo, benchmark, notebooks).
//
// Course facts from the catalogue (title, topic, format, language), learner facts from the
// profiles (role, department, country, languages "fr,en"), the history from the events (a course
// completed at its completion time; enrolled but not completed = in progress). Schema-2 fields
// (skills, validity, regions, target skills, obligations, prerequisites, sessions) are carried
// over when the academy has them.
// Thread safety: reentrant. Complexity: O(learners + courses + events).
#pragma once

#include "learnrec/data/academy.hpp"
#include "learnrec/ranking/catalogue.hpp"
#include "learnrec/ranking/history.hpp"
#include "learnrec/ranking/learners.hpp"

namespace learnrec::ranking {

struct RankingInputs {
    Catalogue catalogue;
    std::vector<LearnerFacts> learners;
    LearnerHistory history;
};

RankingInputs academy_ranking_inputs(const Academy& academy);

}  // namespace learnrec::ranking
