// learnrec coldstart-demo: a new hire with only a profile gets a top-10 from the hybrid model,
// and the list changes as their first enrolments arrive (fold-in, no retraining).
//
// The academy's learners are split: 20 % are held out whole (cold_start_split) and play new hires;
// the hybrid model trains on the others with learner features only (no learner ids, so a profile
// is all it needs) and course ids + course features.
#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "learnrec/data/academy.hpp"
#include "learnrec/eval/split.hpp"
#include "learnrec/model/hybrid.hpp"
#include "learnrec/retrieval/recommend.hpp"

namespace {

using namespace learnrec;

struct DemoFlags {
    std::uint64_t seed = 42;
    index_t learners = 5000, courses = 600;
    int factors = 32, iterations = 30, threads = 2, steps = 3;
};

int run_coldstart_demo(const DemoFlags& flags) {
    AcademyConfig ac;
    ac.seed = flags.seed;
    ac.learners = flags.learners;
    ac.courses = flags.courses;
    const Academy academy = generate_academy(ac);
    const auto& m = academy.interactions.matrix;

    // The academy's feature tokens: role=, department=, country=, lang=, region=, seniority=, goal=
    // for learners; topic=, format=, lang=, level=, provider=, skill=, duration= for courses.
    const CsrMatrix user_features = academy_learner_features(academy).matrix;
    const CsrMatrix item_features = academy_course_features(academy).matrix;

    const ColdStartSplit split = cold_start_split(m, 0.2, flags.seed);
    HybridConfig config;
    config.factors = flags.factors;
    config.iterations = flags.iterations;
    config.num_threads = flags.threads;
    config.seed = flags.seed;
    config.use_user_ids = false;  // new hires have no id embedding: learners are their profiles
    fmt::print("Academy: {} learners, {} courses; {} held out as new hires. Training the hybrid model "
               "(WARP, {} factors, {} epochs, {} learner and {} course features)...\n",
               m.rows(), m.cols(), split.learners.size(), config.factors, config.iterations, user_features.cols(),
               item_features.cols());
    const auto t0 = std::chrono::steady_clock::now();
    const CsrView uf = user_features, itf = item_features;
    const HybridModel model = fit_hybrid(split.train, &uf, &itf, config);
    fmt::print("Trained in {:.2f} s\n\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

    // The first held-out learner with enough history to show several steps.
    index_t hire = -1;
    for (auto u : split.learners)
        if (m.row(u).size() >= static_cast<std::size_t>(flags.steps) + 3) {
            hire = u;
            break;
        }
    if (hire < 0) LEARNREC_FAIL_AT("coldstart-demo", "no held-out learner has enough enrolments to show");
    const auto& p = academy.learners[static_cast<std::size_t>(hire)];
    fmt::print("New hire {}: {} {} in {}, {} ({}), speaks {}. No enrolments yet.\n", p.id, p.seniority, p.role,
               p.department, p.country, p.region, p.language);
    if (!p.target_skills.empty()) {
        fmt::print("Goals:");
        for (std::size_t g = 0; g < p.target_skills.size(); ++g)
            fmt::print("{} {} (level {})", g ? "," : "", p.target_skills[g].skill, p.target_skills[g].level);
        fmt::print("\n");
    }

    // Their enrolments in the order they happened.
    std::vector<index_t> history;
    for (const auto& e : academy.events)
        if (e.learner == hire && e.kind == LifecycleKind::enrolled &&
            std::find(history.begin(), history.end(), e.course) == history.end())
            history.push_back(e.course);

    const std::vector<Triplet> profile_entries = [&] {
        std::vector<Triplet> t;
        for (std::size_t k = 0; k < user_features.row(hire).size(); ++k)
            t.push_back({0, user_features.row(hire).indices[k], 1.0f});
        return t;
    }();
    const CsrMatrix profile = CsrMatrix::from_triplets(1, user_features.cols(), profile_entries);
    const CsrView profile_view = profile;

    std::vector<index_t> previous;
    for (int step = 0; step <= flags.steps; ++step) {
        std::vector<Triplet> t;
        for (int k = 0; k < step; ++k) t.push_back({0, history[static_cast<std::size_t>(k)], 1.0f});
        const CsrMatrix rows = CsrMatrix::from_triplets(1, m.cols(), t);
        QueryBlock q;
        q.count = 1;
        q.embeddings = model.fold_in_learners(rows, &profile_view, flags.threads);
        const CsrView exclude = rows;
        const TopK top = topk(1, m.cols(), 10,
                              [&](index_t q0, index_t q1, index_t c0, index_t c1, float* out, std::size_t ld) {
                                  model.score(q, q0, q1, c0, c1, out, ld);
                              },
                              CandidateFilter{&exclude, {}, {}, {}, {}}, flags.threads);
        if (step == 0) {
            fmt::print("\nTop-10 from the profile alone:\n");
        } else {
            const auto& c = academy.courses[static_cast<std::size_t>(history[static_cast<std::size_t>(step - 1)])];
            fmt::print("\nEnrols in \"{}\" ({}, {}). Top-10 after their first enrolments ({}), folded in without "
                       "retraining:\n",
                       c.title, c.topic, c.format, step);
        }
        const auto ids = top.ids_of(0);
        const auto scores = top.scores_of(0);
        const std::set<index_t> later(history.begin() + step, history.end());
        int hits = 0;
        for (std::size_t r = 0; r < ids.size() && ids[r] >= 0; ++r) {
            const auto& c = academy.courses[static_cast<std::size_t>(ids[r])];
            const bool is_new = step > 0 && std::find(previous.begin(), previous.end(), ids[r]) == previous.end();
            const bool taken_later = later.count(ids[r]) > 0;
            hits += taken_later ? 1 : 0;
            fmt::print("  {:>2}. {:<55} {:<10} {:<3} score {:6.3f}{}{}\n", r + 1, c.title, c.format, c.language,
                       scores[r], is_new ? "  (new)" : "", taken_later ? "  *" : "");
        }
        fmt::print("  (* = a course this learner actually took later: {} of the 10)\n", hits);
        previous.assign(ids.begin(), ids.end());
    }
    return 0;
}

}  // namespace

/// Adds `learnrec coldstart-demo` to the CLI (called from main.cpp).
void add_coldstart_demo(CLI::App& app) {
    static DemoFlags flags;
    auto* cmd = app.add_subcommand("coldstart-demo",
                                   "Hybrid model: a new hire's top-10 from their profile, then after each first enrolment");
    cmd->add_option("--data-seed", flags.seed, "Seed of the generated academy, split and training")->capture_default_str();
    cmd->add_option("--learners", flags.learners, "Learners to generate")->capture_default_str();
    cmd->add_option("--courses", flags.courses, "Courses to generate")->capture_default_str();
    cmd->add_option("--factors", flags.factors, "Embedding dimension")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--iterations", flags.iterations, "Training epochs")->capture_default_str();
    cmd->add_option("--threads", flags.threads, "Threads (0 = all processors)")->capture_default_str();
    cmd->add_option("--steps", flags.steps, "Enrolments to fold in one by one")->capture_default_str();
    cmd->callback([] {
        int rc = 0;
        try {
            rc = run_coldstart_demo(flags);
        } catch (const learnrec::Error& e) {
            fmt::print(stderr, "\nlearnrec: error: {}\n", e.what());
            rc = 2;
        }
        if (rc != 0) throw CLI::RuntimeError(rc);
    });
}
