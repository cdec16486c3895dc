// learnrec CLI — the ranking layer behind `recommend --rules ... --catalogue ...` and `demo --rules ...`.
#include "ranking_cmd.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <limits>
#include <numeric>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "learnrec/data/csv.hpp"
#include "learnrec/data/events.hpp"
#include "learnrec/ranking/academy.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/ranking/files.hpp"
#include "learnrec/ranking/ranker.hpp"

namespace learnrec::cli {

using namespace learnrec::ranking;

void add_ranking_flags(CLI::App& cmd, RankingFlags& f) {
    cmd.add_option("--rules", f.rules, "Ranking rules (JSON; see the README) — turns the ranking layer on")
        ->check(CLI::ExistingFile);
    cmd.add_option("--catalogue", f.catalogue,
                   "Directory of catalogue CSVs (courses, course_skills, prerequisites, sessions, obligations, "
                   "learners, learner_skills)")
        ->check(CLI::ExistingDirectory);
    cmd.add_option("--now", f.now, "Date of the request, YYYY-MM-DD (default: today; demo: 2026-01-01)");
}

void add_events_flag(CLI::App& cmd, RankingFlags& f) {
    cmd.add_option("--events", f.events,
                   "Typed events CSV (learner_id,course_id,event,timestamp[,value]) or xAPI statements (.json, "
                   ".jsonl) for the lifecycle-aware 'already taken' (default: every interaction counts as completed)")
        ->check(CLI::ExistingFile);
    add_xapi_flags(cmd, f.xapi);
}

namespace {

timestamp_t resolve_now(const RankingFlags& f, timestamp_t fallback) {
    if (f.now.empty()) return fallback;
    const auto t = parse_timestamp(f.now);
    LEARNREC_CHECK(t.has_value(), "--now '{}' is not a date (YYYY-MM-DD)", f.now);
    return *t;
}

RankingRules rules_of(const RankingFlags& f, index_t k, int threads) {
    RankingRules rules = f.rules.empty() ? RankingRules{} : read_rules_json(f.rules);
    rules.k = k;
    rules.num_threads = threads;
    return rules;
}

std::string reasons_text(const Recommendations& result, std::span<const Reason> reasons) {
    std::string out;
    for (const auto& r : reasons) out += (out.empty() ? "" : "; ") + result.text(r);
    return out;
}

nlohmann::json reason_json(const Recommendations& result, const Reason& r, const Catalogue& cat) {
    nlohmann::json j{{"kind", std::string(to_string(r.kind))}, {"text", result.text(r)}};
    if (r.course >= 0) j["course_id"] = cat.course_name(r.course);
    if (!result.skill(r).empty()) j["skill"] = std::string(result.skill(r));
    if (!result.department(r).empty()) j["department"] = std::string(result.department(r));
    if (r.level > 0) j["level"] = r.level;
    if (r.kind == ReasonKind::mandatory || r.kind == ReasonKind::renewal) j["date"] = format_date(r.date);
    if (r.kind == ReasonKind::because_completed) j["similarity"] = r.value;
    if (r.kind == ReasonKind::matches_goal) {
        j["matched"] = std::string(result.goal_text(r));
        j["goal_score"] = r.value;
    }
    return j;
}

void print_results(const Recommendations& r, const Catalogue& cat, const std::vector<std::string>& learner_ids,
                   const std::string& format) {
    if (format == "json") {
        nlohmann::json out = nlohmann::json::array();
        for (index_t i = 0; i < r.learners; ++i) {
            nlohmann::json recs = nlohmann::json::array();
            for (index_t j = 0; j < r.count(i); ++j) {
                const auto s = r.slot(i, j);
                nlohmann::json reasons = nlohmann::json::array();
                for (const auto& x : r.reasons_of(i, j)) reasons.push_back(reason_json(r, x, cat));
                recs.push_back({{"rank", j + 1},
                                {"course_id", cat.course_name(r.ids[s])},
                                {"score", r.scores[s]},
                                {"model_score", r.model_scores[s]},
                                {"mandatory", r.mandatory[s] != 0},
                                {"reasons", reasons}});
            }
            out.push_back({{"learner_id", learner_ids[static_cast<std::size_t>(i)]}, {"recommendations", recs}});
            if (!r.model_version.empty()) out.back()["model_version"] = r.model_version;
        }
        fmt::print("{}\n", out.dump(2));
        return;
    }
    fmt::print("{:<12} {:>4}  {:<12} {:>8} {:>8} {:<1}  {}\n", "learner_id", "rank", "course_id", "score", "model", "M",
               "reasons");
    for (index_t i = 0; i < r.learners; ++i)
        for (index_t j = 0; j < r.count(i); ++j) {
            const auto s = r.slot(i, j);
            fmt::print("{:<12} {:>4}  {:<12} {:>8.4f} {:>8.4f} {:<1}  {}\n", learner_ids[static_cast<std::size_t>(i)],
                       j + 1, cat.course_name(r.ids[s]), r.scores[s], r.model_scores[s], r.mandatory[s] ? "*" : "",
                       reasons_text(r, r.reasons_of(i, j)));
        }
}

/// Adds the rows of a catalogue directory to inputs built elsewhere (the academy).
void merge_catalogue(RankingInputs& in, const CatalogueData& extra) {
    auto& cat = in.catalogue;
    for (std::size_t c = 0; c < cat.courses.size(); ++c) {
        const auto& e = extra.catalogue.courses[c];
        auto& f = cat.courses[c];
        f.skills.insert(f.skills.end(), e.skills.begin(), e.skills.end());
        if (e.validity_months > 0) f.validity_months = e.validity_months;
        if (!e.regions.empty()) f.regions = e.regions;
    }
    cat.prerequisites.insert(cat.prerequisites.end(), extra.catalogue.prerequisites.begin(),
                             extra.catalogue.prerequisites.end());
    cat.sessions.insert(cat.sessions.end(), extra.catalogue.sessions.begin(), extra.catalogue.sessions.end());
    cat.obligations.insert(cat.obligations.end(), extra.catalogue.obligations.begin(),
                           extra.catalogue.obligations.end());
    for (std::size_t l = 0; l < extra.learners.size() && l < in.learners.size(); ++l) {
        auto& goals = in.learners[l].target_skills;
        for (const auto& g : extra.learners[l].target_skills)
            if (std::none_of(goals.begin(), goals.end(), [&](const SkillGoal& x) { return x.skill == g.skill; }))
                goals.push_back(g);
    }
}

}  // namespace

int run_ranked_recommend(std::shared_ptr<const Model> model, const Interactions& data, std::span<const index_t> rows,
                         const std::vector<std::string>& learner_ids, index_t k, const std::string& format,
                         const RankingFlags& flags, int threads, const std::string& model_version) {
    CatalogueData files;
    if (!flags.catalogue.empty()) {
        // Rows about learners without interactions (who cannot be asked for) are skipped, and said so.
        CatalogueOptions options;
        options.allow_unknown_learners = true;
        files = read_catalogue_dir(flags.catalogue, data.courses, data.learners, options);
        if (files.skipped_rows > 0)
            fmt::print(stderr, "note: skipped {} catalogue rows about learners not in {}\n", files.skipped_rows,
                       "the interactions");
    } else {
        for (index_t c = 0; c < data.courses.size(); ++c) {
            CourseFacts f;
            f.id = data.courses.id(c);
            files.catalogue.courses.push_back(std::move(f));
        }
    }
    LearnerHistory history;
    if (!flags.events.empty()) {
        // The event log has its own id maps: events are moved onto the interactions' indices.
        const EventLog log = read_event_file(flags.events, flags.xapi);
        std::vector<LifecycleEvent> events;
        std::size_t skipped = 0;
        for (const auto& e : log.events) {
            const auto l = data.learners.find(log.learners.id(e.learner));
            const auto c = data.courses.find(log.courses.id(e.course));
            if (!l || !c) {
                ++skipped;
                continue;
            }
            events.push_back({*l, *c, e.kind, e.time, e.value});
        }
        if (skipped > 0)
            fmt::print(stderr, "note: skipped {} events of learners or courses not in the interactions\n", skipped);
        history = LearnerHistory::from_states(
            LearnerCourseStates::from_events(events, data.learners.size(), data.courses.size()));
    } else {
        history = LearnerHistory::from_interactions(data.matrix.view(), data.timestamps);
    }
    const GoalMatches goals = goal_matches_for(files.catalogue, flags.catalogue, files.learners, rows, flags.goals);
    Ranker ranker(std::move(model), std::move(files.catalogue), std::move(files.learners), std::move(history));
    ranker.set_model_version(model_version);
    const RankingRules rules = rules_of(flags, k, threads);
    const Recommendations r = ranker.recommend(rows, resolve_now(flags, std::time(nullptr)), rules, goals);
    print_results(r, ranker.catalogue(), learner_ids, format);
    return 0;
}

int run_ranked_recommend_new(std::shared_ptr<const Model> model, const IdMap& model_courses, const Interactions& data,
                             std::span<const index_t> rows, const std::vector<std::string>& learner_ids, index_t k,
                             const std::string& format, const RankingFlags& flags, int threads,
                             const std::string& model_version) {
    const index_t n = static_cast<index_t>(learner_ids.size());
    const index_t courses = model->num_courses();
    std::vector<index_t> to_model(static_cast<std::size_t>(data.courses.size()), -1);
    for (index_t c = 0; c < data.courses.size(); ++c)
        if (auto m = model_courses.find(data.courses.id(c))) to_model[static_cast<std::size_t>(c)] = *m;

    // The learners' interactions in the model's course space: what the model folds in.
    std::vector<Triplet> triplets;
    for (index_t q = 0; q < n; ++q) {
        const auto row = data.matrix.row(rows[static_cast<std::size_t>(q)]);
        for (std::size_t j = 0; j < row.indices.size(); ++j)
            if (const index_t c = to_model[static_cast<std::size_t>(row.indices[j])]; c >= 0)
                triplets.push_back({q, c, row.weights[j]});
    }
    const CsrMatrix interactions = CsrMatrix::from_triplets(n, courses, triplets);

    CatalogueData files;
    const IdMap requested(learner_ids);
    if (!flags.catalogue.empty()) {
        CatalogueOptions options;
        options.allow_unknown_learners = true;
        options.allow_unknown_courses = true;
        files = read_catalogue_dir(flags.catalogue, model_courses, requested, options);
        if (files.skipped_rows > 0)
            fmt::print(stderr, "note: skipped {} catalogue rows about other learners or courses the model lacks\n",
                       files.skipped_rows);
    } else {
        for (index_t c = 0; c < courses; ++c) {
            CourseFacts f;
            f.id = model_courses.id(c);
            files.catalogue.courses.push_back(std::move(f));
        }
    }
    LearnerHistory history(n, courses);
    if (!flags.events.empty()) {
        const EventLog log = read_event_file(flags.events, flags.xapi);
        std::vector<LifecycleEvent> events;
        for (const auto& e : log.events) {
            const auto l = requested.find(log.learners.id(e.learner));
            const auto c = model_courses.find(log.courses.id(e.course));
            if (l && c) events.push_back({*l, *c, e.kind, e.time, e.value});
        }
        history = LearnerHistory::from_states(LearnerCourseStates::from_events(events, n, courses));
    } else {
        // As for trained learners: every interaction counts as taken (negative weight: dropped).
        for (index_t q = 0; q < n; ++q) {
            const auto r = rows[static_cast<std::size_t>(q)];
            const auto row = data.matrix.row(r);
            const auto first = static_cast<std::size_t>(data.matrix.view().indptr[static_cast<std::size_t>(r)]);
            for (std::size_t j = 0; j < row.indices.size(); ++j) {
                const index_t c = to_model[static_cast<std::size_t>(row.indices[j])];
                if (c < 0) continue;
                if (row.weights[j] <= 0.0f)
                    history.set(q, c, CourseState::dropped);
                else
                    history.set(q, c, CourseState::completed,
                                data.timestamps.empty() ? std::numeric_limits<timestamp_t>::max()
                                                        : data.timestamps[first + j]);
            }
        }
        history.finish();
    }
    std::vector<index_t> own(static_cast<std::size_t>(n));
    std::iota(own.begin(), own.end(), 0);
    const GoalMatches goals = goal_matches_for(files.catalogue, flags.catalogue, files.learners, own, flags.goals);
    Ranker ranker(model, std::move(files.catalogue));
    ranker.set_model_version(model_version);
    const RankingRules rules = rules_of(flags, k, threads);
    const NewLearners fresh =
        fold_in_learners(*model, interactions.view(), std::move(files.learners), std::move(history), threads);
    const Recommendations r = ranker.recommend(fresh, resolve_now(flags, std::time(nullptr)), rules, goals);
    print_results(r, ranker.catalogue(), learner_ids, format);
    return 0;
}

int run_ranked_demo(const Academy& academy, std::shared_ptr<const Model> model, const RankingFlags& flags,
                    int threads) {
    RankingInputs in = academy_ranking_inputs(academy);
    if (!flags.catalogue.empty())
        merge_catalogue(
            in, read_catalogue_dir(flags.catalogue, academy.interactions.courses, academy.interactions.learners));
    const timestamp_t now = resolve_now(flags, days_from_civil(2026, 1, 1) * kSecondsPerDay);
    const Ranker ranker(std::move(model), std::move(in.catalogue), std::move(in.learners), std::move(in.history));
    const RankingRules rules = rules_of(flags, 10, threads);

    std::vector<index_t> everyone(static_cast<std::size_t>(academy.learners.size()));
    std::iota(everyone.begin(), everyone.end(), 0);
    const auto t0 = std::chrono::steady_clock::now();
    const Recommendations r = ranker.recommend(everyone, now, rules);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fmt::print("Ranked top-{} with the rules of {} for all {} learners at {} in {:.2f} s ({:.0f} learners/s)\n",
               rules.k, flags.rules.empty() ? std::string("defaults") : flags.rules, r.learners, format_date(now),
               seconds, static_cast<double>(r.learners) / std::max(seconds, 1e-9));

    // The learner whose list shows the most kinds of reasons (the lowest index among equals).
    index_t best = 0;
    std::size_t best_kinds = 0;
    std::vector<std::size_t> kind_counts(6, 0);
    for (index_t i = 0; i < r.learners; ++i) {
        std::set<ReasonKind> kinds;
        for (index_t j = 0; j < r.count(i); ++j)
            for (const auto& x : r.reasons_of(i, j)) kinds.insert(x.kind);
        for (auto kd : kinds) ++kind_counts[static_cast<std::size_t>(kd)];
        if (kinds.size() > best_kinds) {
            best = i;
            best_kinds = kinds.size();
        }
    }
    fmt::print("Learners with each kind of reason:");
    for (std::size_t kd = 0; kd < kind_counts.size(); ++kd)
        fmt::print(" {} {}{}", to_string(static_cast<ReasonKind>(kd)), kind_counts[kd],
                   kd + 1 < kind_counts.size() ? "," : "\n");
    const auto& p = academy.learners[static_cast<std::size_t>(best)];
    fmt::print("\nLearner {} — {} in {}, {} ({}): {} kinds of reasons\n", p.id, p.role, p.department, p.country,
               p.language, best_kinds);
    const auto& cat = ranker.catalogue();
    for (index_t j = 0; j < r.count(best); ++j) {
        const auto s = r.slot(best, j);
        const auto& f = cat.courses[static_cast<std::size_t>(r.ids[s])];
        fmt::print("  {:>2}. {}{:<55} {:<10} {:<3} score {:.3f} (model {:.3f})\n", j + 1, r.mandatory[s] ? "* " : "  ",
                   f.title, f.format, f.languages.empty() ? "" : f.languages[0], r.scores[s], r.model_scores[s]);
        for (const auto& x : r.reasons_of(best, j)) fmt::print("        - {}\n", r.text(x));
    }
    fmt::print("  (* = mandatory)\n\n");
    return 0;
}

}  // namespace learnrec::cli
