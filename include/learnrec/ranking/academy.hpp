// learnrec ranking — the synthetic academy as ranking inputs (demo, benchmark, notebooks).
//
// Course facts from the catalogue (title, topic, format, language), learner facts from the
// profiles (role, department, country, region, languages "fr,en", target skills), and at schema 2
// skills, certification validity, obligations, prerequisites, sessions and the history from the
// typed lifecycle (LearnerCourseStates). At schema 1 the history comes from the enrolled/completed
// events (completed at its time; enrolled only = in progress) and the schema-2 parts are empty.
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
