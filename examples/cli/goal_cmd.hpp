// learnrec CLI — `recommend --goal "..."`: learners' goals in their own words, blended by the Ranker.
#pragma once

#include <span>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "learnrec/ranking/catalogue.hpp"
#include "learnrec/ranking/goals.hpp"
#include "learnrec/ranking/learners.hpp"

namespace learnrec::cli {

struct GoalFlags {
    std::string goal;            ///< one goal for every requested learner (else their learners.csv `goal`)
    std::string language;        ///< the goal's language code; empty = detected
    std::string skill_synonyms;  ///< skill,language,synonym CSV; default: <catalogue>/skill_synonyms.csv
    std::string text_index;      ///< a saved text index (save_text_index) instead of indexing the catalogue
    bool requested() const { return !goal.empty(); }
};

void add_goal_flags(CLI::App& cmd, GoalFlags& flags);

/// Goal matches for the requested learners (row i = learners[i]): --goal for all, else each
/// learner's stored goal; no goal anywhere = no rows. Skills the goals name join the learners'
/// target skills (level 2) so the skill-gap boost sees them too. Notes go to stderr.
ranking::GoalMatches goal_matches_for(const ranking::Catalogue& catalogue, const std::string& catalogue_dir,
                                      std::vector<ranking::LearnerFacts>& learners, std::span<const index_t> rows,
                                      const GoalFlags& flags);

}  // namespace learnrec::cli
