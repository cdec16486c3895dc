// learnrec CLI — `allocate`: every learner's candidate places from the ranked lists, one optimal
// assignment (allocation/allocator.hpp), and the files L&D and the campaigns read from then on.
//
//   learnrec allocate --model M.lrc --catalogue DIR --now 2026-01-01 --out assignment.csv [--rules rules.json]
// writes assignment.csv (learner_id,opportunity_id,kind,course_id,start,end,location,priority,utility,reasons)
// and next to it <stem>.json (the same rows), <stem>_waiting.csv, <stem>_demand.csv, <stem>_sessions.csv (sessions.csv with the
// seats left) and <stem>_lists.csv (each learner's ranked courses from then on: full sessions no
// longer pushed). The catalogue directory is read as by `recommend --catalogue`; its events.csv (or
// else interactions.csv) gives the history, its opportunities.csv the gigs and work packages, its
// skill_synonyms.csv the phrases naming skills in learners' goals. --catalogue-out DIR writes the
// catalogue directory from then on (allocation/report.hpp write_catalogue_dir).
#include "allocate_cmd.hpp"

#include <chrono>
#include <filesystem>
#include <numeric>
#include <string>

#include <fmt/format.h>

#include "learnrec/allocation/files.hpp"
#include "learnrec/allocation/market.hpp"
#include "learnrec/allocation/report.hpp"
#include "learnrec/data/csv.hpp"
#include "learnrec/data/events.hpp"
#include "learnrec/io/model_file.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/ranking/files.hpp"
#include "learnrec/ranking/ranker.hpp"
#include "learnrec/text/skills.hpp"

namespace learnrec::cli {

namespace {

struct AllocateFlags {
    std::string model, catalogue, now, out, rules, catalogue_out;
    int threads = 0;
};

ranking::LearnerHistory read_history(const std::filesystem::path& dir, const ModelBundle& bundle) {
    const index_t L = bundle.learners.size(), C = bundle.courses.size();
    if (std::filesystem::exists(dir / "events.csv")) {
        const EventLog log = read_events_csv(dir / "events.csv");
        std::vector<LifecycleEvent> events;
        for (const auto& e : log.events) {
            const auto l = bundle.learners.find(log.learners.id(e.learner));
            const auto c = bundle.courses.find(log.courses.id(e.course));
            if (l && c) events.push_back({*l, *c, e.kind, e.time, e.value});
        }
        return ranking::LearnerHistory::from_states(LearnerCourseStates::from_events(events, L, C));
    }
    ranking::LearnerHistory history(L, C);
    if (std::filesystem::exists(dir / "interactions.csv")) {
        const Interactions data = read_interactions_csv(dir / "interactions.csv");
        for (index_t r = 0; r < data.matrix.rows(); ++r) {
            const auto l = bundle.learners.find(data.learners.id(r));
            if (!l) continue;
            const auto row = data.matrix.row(r);
            const auto first = static_cast<std::size_t>(data.matrix.view().indptr[static_cast<std::size_t>(r)]);
            for (std::size_t j = 0; j < row.indices.size(); ++j) {
                const auto c = bundle.courses.find(data.courses.id(row.indices[j]));
                if (!c) continue;
                if (row.weights[j] <= 0.0f)
                    history.set(*l, *c, CourseState::dropped);
                else
                    history.set(*l, *c, CourseState::completed,
                                data.timestamps.empty() ? ranking::kNever : data.timestamps[first + j]);
            }
        }
    }
    history.finish();
    return history;
}

std::filesystem::path sibling(const std::filesystem::path& out, std::string_view suffix) {
    return out.parent_path() / (out.stem().string() + std::string(suffix) + ".csv");
}

int run(const AllocateFlags& f) {
    using namespace learnrec::allocation;
    const auto t0 = std::chrono::steady_clock::now();
    const auto now = parse_timestamp(f.now);
    LEARNREC_CHECK(now.has_value(), "--now '{}' is not a date (YYYY-MM-DD)", f.now);
    ModelBundle bundle = load(f.model);
    LEARNREC_CHECK(bundle.learners.size() == bundle.model->num_learners() && bundle.courses.size() > 0,
                   "model file '{}' has no learner and course ids (learnrec train --save, or model.save(path, "
                   "learner_ids=..., course_ids=...))",
                   f.model);
    AllocationSettings settings = f.rules.empty() ? AllocationSettings{} : read_allocation_rules_json(f.rules);
    if (f.threads > 0) settings.allocation.num_threads = f.threads;

    ranking::CatalogueOptions options;
    options.allow_unknown_learners = true;  // rows about people the model never saw: skipped, and said so
    ranking::CatalogueData files = ranking::read_catalogue_dir(f.catalogue, bundle.courses, bundle.learners, options);
    if (files.skipped_rows > 0)
        fmt::print(stderr, "note: skipped {} catalogue rows about learners the model does not know\n", files.skipped_rows);
    std::vector<Opportunity> extra;
    if (const auto p = std::filesystem::path(f.catalogue) / "opportunities.csv"; std::filesystem::exists(p))
        extra = read_opportunities_csv(p);
    const ranking::Catalogue catalogue = files.catalogue;
    const std::vector<ranking::LearnerFacts> facts = files.learners;
    ranking::LearnerHistory history = read_history(f.catalogue, bundle);
    const ranking::Ranker ranker(bundle.model, std::move(files.catalogue), std::move(files.learners), history);

    std::vector<index_t> everyone(static_cast<std::size_t>(bundle.learners.size()));
    std::iota(everyone.begin(), everyone.end(), 0);
    text::SkillVocabulary vocabulary;  // lets a goal in one language name a gig's skill
    if (const auto p = std::filesystem::path(f.catalogue) / "skill_synonyms.csv"; std::filesystem::exists(p))
        vocabulary = text::read_skill_vocabulary_csv(p);
    const Market market = build_market(ranker, everyone, std::move(extra), *now, settings.ranking, settings.allocation,
                                       std::move(vocabulary));
    const Allocation a = allocate(static_cast<index_t>(everyone.size()), market.opportunities, market.candidates,
                                  settings.allocation);

    const NameOf learner = [&](index_t i) { return bundle.learners.id(market.learners[static_cast<std::size_t>(i)]); };
    const NameOf course = [&](index_t c) { return bundle.courses.id(c); };
    const std::filesystem::path out(f.out);
    write_assignment_csv(out, market, a, learner, course);
    const auto json_path = out.parent_path() / (out.stem().string() + ".json");
    write_assignment_json(json_path, market, a, learner, course);
    write_waiting_csv(sibling(out, "_waiting"), market, a, learner);
    write_demand_csv(sibling(out, "_demand"), market, a, course);
    const ranking::Catalogue after = catalogue_after(ranker.catalogue(), market, a);
    write_sessions_csv(sibling(out, "_sessions"), after);
    if (!f.catalogue_out.empty()) write_catalogue_dir(f.catalogue, f.catalogue_out, after);

    // The ranked lists from then on: the same rules on the catalogue with the seats left.
    const ranking::Ranker ranker_after(bundle.model, after, facts, std::move(history));
    ranking::RankingRules rules = settings.ranking;
    rules.num_threads = settings.allocation.num_threads;
    rules.session_horizon_days = settings.allocation.horizon_days;
    const auto lists = ranker_after.recommend(everyone, *now, rules);
    std::string text = "learner_id,rank,course_id,score,mandatory\n";
    for (index_t i = 0; i < lists.learners; ++i)
        for (index_t j = 0; j < lists.count(i); ++j) {
            const auto s = lists.slot(i, j);
            text += fmt::format("{},{},{},{:.6g},{}\n", bundle.learners.id(i), j + 1, bundle.courses.id(lists.ids[s]),
                                lists.scores[s], lists.mandatory[s] ? "true" : "false");
        }
    {
        // Ids are the model's (validated on load); written through the same atomic path as the rest.
        const auto path = sibling(out, "_lists");
        const auto temp = path.string() + ".tmp";
        std::FILE* fp = std::fopen(temp.c_str(), "wb");
        LEARNREC_CHECK(fp != nullptr, "cannot write '{}'", temp);
        const bool ok = std::fwrite(text.data(), 1, text.size(), fp) == text.size() && std::fflush(fp) == 0 &&
                        ::fsync(fileno(fp)) == 0;
        std::fclose(fp);
        LEARNREC_CHECK(ok && std::rename(temp.c_str(), path.c_str()) == 0, "cannot write '{}'", path.string());
    }

    std::size_t mandatory = 0, mandatory_served = 0;
    std::vector<std::uint8_t> served(everyone.size(), 0), had(everyone.size(), 0);
    for (std::size_t k = 0; k < market.candidates.size(); ++k) {
        const auto& c = market.candidates[k];
        had[static_cast<std::size_t>(c.learner)] = 1;
        if (a.chosen[k]) served[static_cast<std::size_t>(c.learner)] = 1;
    }
    for (std::size_t k = 0; k < market.candidates.size(); ++k)
        if (market.candidates[k].priority == Priority::mandatory && a.chosen[k]) ++mandatory_served;
    std::vector<std::uint8_t> needs(everyone.size(), 0);
    for (const auto& c : market.candidates)
        if (c.priority == Priority::mandatory) needs[static_cast<std::size_t>(c.learner)] = 1;
    for (const auto x : needs) mandatory += x;
    std::int64_t places = 0;
    for (const auto& o : market.opportunities) places += o.places;
    fmt::print("allocated {} places of {} open ({} opportunities) to {} of {} learners with candidates; "
               "{} mandatory placements for {} learners with a mandatory candidate; total utility {:.3f}\n",
               a.assigned, places, market.opportunities.size(),
               std::accumulate(served.begin(), served.end(), 0), std::accumulate(had.begin(), had.end(), 0),
               mandatory_served, mandatory, a.total_utility);
    fmt::print("candidates {} built in {:.2f} s, solved in {:.2f} s ({} inexact conflict groups, {} open learners, "
               "{} in {} MIP parts solved in {:.2f} s; {}); total {:.2f} s\n",
               market.candidates.size(), market.seconds, a.seconds, a.inexact_groups, a.open_learners, a.mip_learners,
               a.mip_parts, a.mip_seconds, a.proven_optimal ? "proven optimal" : "NOT proven optimal",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (!a.proven_optimal)
        fmt::print("upper bound after {} flow solves: mandatory count {}; at most {} more skill-gap placements{}\n",
                   a.bound_solves, a.mandatory_proven ? "proven maximal" : "NOT proven maximal", a.skill_gap_headroom,
                   a.tiers_proven ? fmt::format("; utility weights at most {:.3f} % below the optimum's", 100.0 * a.weight_gap)
                                  : std::string());
    fmt::print("wrote {}, {}, {}, {}, {}, {}\n", out.string(), json_path.string(), sibling(out, "_waiting").string(),
               sibling(out, "_demand").string(), sibling(out, "_sessions").string(), sibling(out, "_lists").string());
    return 0;
}

}  // namespace

Command add_allocate_command(CLI::App& app) {
    auto flags = std::make_shared<AllocateFlags>();
    auto* cmd = app.add_subcommand("allocate", "Allocate scarce places (sessions, gigs, work packages) to learners");
    cmd->add_option("--model", flags->model, "Model file with learner and course ids")->required()->check(CLI::ExistingFile);
    cmd->add_option("--catalogue", flags->catalogue, "Catalogue directory (sessions.csv, opportunities.csv, ...)")
        ->required()
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--now", flags->now, "Date of the allocation, YYYY-MM-DD")->required();
    cmd->add_option("--out", flags->out, "Assignment CSV (siblings: _waiting, _demand, _sessions, _lists)")->required();
    cmd->add_option("--rules", flags->rules, "Rules JSON (ranking rules + an \"allocation\" section)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--threads", flags->threads, "Threads (0 = all processors)")->capture_default_str();
    cmd->add_option("--catalogue-out", flags->catalogue_out,
                    "Write the catalogue directory from then on here (a copy of --catalogue with the seats left in "
                    "sessions.csv; may be --catalogue itself): push, recommend and the service read it");
    return {cmd, [flags] { return run(*flags); }};
}

}  // namespace learnrec::cli
