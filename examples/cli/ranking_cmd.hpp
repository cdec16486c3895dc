// learnrec CLI — the ranking layer's flags and output (ranking_cmd.cpp).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "learnrec/data/academy.hpp"
#include "learnrec/data/interactions.hpp"
#include "learnrec/model/model.hpp"
#include "events_input.hpp"
#include "goal_cmd.hpp"

namespace learnrec::cli {

struct RankingFlags {
    std::string rules;      ///< JSON rules file
    std::string catalogue;  ///< catalogue directory
    std::string now;        ///< YYYY-MM-DD
    std::string events;     ///< typed lifecycle events CSV or xAPI (recommend): the "already taken" history
    XapiFlags xapi;         ///< how --events reads xAPI statements
    GoalFlags goals;        ///< recommend --goal: the learners' goals in their own words
    bool requested() const { return !rules.empty() || !catalogue.empty() || !events.empty() || goals.requested(); }
};

void add_ranking_flags(CLI::App& cmd, RankingFlags& flags);
/// --events and the xAPI flags (recommend only; the demo has the academy's own lifecycle).
void add_events_flag(CLI::App& cmd, RankingFlags& flags);

/// `recommend` through the ranking layer: table or JSON with scores, model scores and reasons.
/// `model_version` (io/model_file.hpp) is carried by the results and printed with JSON output.
int run_ranked_recommend(std::shared_ptr<const Model> model, const Interactions& data, std::span<const index_t> rows,
                         const std::vector<std::string>& learner_ids, index_t k, const std::string& format,
                         const RankingFlags& flags, int threads, const std::string& model_version = {});

/// `recommend --model` through the ranking layer for learners the model was not trained on: each
/// is folded in from its rows of `data` (courses matched to the model's by id).
int run_ranked_recommend_new(std::shared_ptr<const Model> model, const IdMap& model_courses, const Interactions& data,
                             std::span<const index_t> rows, const std::vector<std::string>& learner_ids, index_t k,
                             const std::string& format, const RankingFlags& flags, int threads,
                             const std::string& model_version = {});

/// `demo` part: ranks every learner, reports learners/s, shows the learner with the most kinds of reasons.
int run_ranked_demo(const Academy& academy, std::shared_ptr<const Model> model, const RankingFlags& flags, int threads);

}  // namespace learnrec::cli
