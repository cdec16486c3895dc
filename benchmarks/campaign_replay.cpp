// Push campaigns on the academy: a replay of weekly campaigns fed by a simulated learner response,
// and the speed / memory of one campaign at company scale. Not a test: prints and writes JSON.
//
//   campaign_replay replay [--learners 5000 --courses 600 --weeks 12 --seed 42 --threads 2 --out FILE]
//   campaign_replay speed  [--learners 100000 --courses 5000 --threads 2 --mean-enrolments 12 --reps 2 --out FILE
//                          --keep DIR]
//
// replay: ALS is trained on the academy's interactions before 2025-10-01; the enrolments after it
// (to 2026-01-01) are held out. Each week (now = 2025-10-01 + 7 w) two policies push k = 5 courses
// to every learner, both through the Ranker with the same rules and the lifecycle up to now:
//   - campaign: run_campaign with its push log (repeat_days 28, max_unanswered 3, dismissed for good,
//     max_per_period 5 per 7 days, min_score 0);
//   - plain: the same ranking each week without memory (what a cron job calling recommend would do).
// Simulated response to each campaign push (mt19937_64 seeded with --seed): a held-out enrolment of
// that learner in that course within the week -> clicked + enrolled; else with probability 0.25 opened,
// 0.08 dismissed, otherwise nothing. Responses are appended to the push log before the next week.
// Reported per week and policy: repeat rate (pushes of a course pushed to the same learner within 28
// days; obligations due soon excluded, they go out every week by design), catalogue coverage, hit
// rate (pushes the learner enrols in during the held-out period, after the push), and obligations due
// within the window delivered before their due date (from the academy's obligations, independently).
//
// speed: the academy at the given size, ALS (64 factors, 4 iterations), one campaign week to fill the
// push log (CSV), then the next week timed (wall and CPU) side by side with the plain batch top-k of
// the same learners (learnrec::recommend with the history excluded) and the Ranker alone with the
// campaign's rules, and the campaign's peak RSS above what the process held before it (VmHWM reset
// through /proc/self/clear_refs; the academy is freed before).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <numeric>
#include <span>
#include <random>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "learnrec/campaign/campaign.hpp"
#include "learnrec/campaign/push_log.hpp"
#include "learnrec/data/academy.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/ranking/academy.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/retrieval/recommend.hpp"
#include "bench_clock.hpp"

using namespace learnrec;
using namespace learnrec::campaign;
using ranking::kSecondsPerDay;

namespace {

double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::shared_ptr<const Model> train(const Academy& academy, timestamp_t before, int threads, int iterations) {
    std::vector<Triplet> t;
    const auto& x = academy.interactions;
    for (index_t l = 0; l < x.matrix.rows(); ++l) {
        const auto row = x.matrix.row(l);
        const auto first = static_cast<std::size_t>(x.matrix.indptr()[static_cast<std::size_t>(l)]);
        for (std::size_t j = 0; j < row.size(); ++j)
            if (x.timestamps[first + j] < before) t.push_back({l, row.indices[j], row.weights[j]});
    }
    const CsrMatrix m = CsrMatrix::from_triplets(x.matrix.rows(), x.matrix.cols(), t);
    AlsConfig config;
    config.factors = 64;
    config.iterations = iterations;
    config.regularization = 5.0f;
    config.alpha = 10.0f;
    config.num_threads = threads;
    config.calculate_loss = false;
    return std::make_shared<const AlsModel>(fit_als(m.view(), config));
}

ranking::LearnerHistory history_before(const Academy& academy, timestamp_t now) {
    std::vector<LifecycleEvent> events;
    for (const auto& e : academy.lifecycle)
        if (e.time < now) events.push_back(e);
    return ranking::LearnerHistory::from_states(LearnerCourseStates::from_events(
        events, static_cast<index_t>(academy.learners.size()), static_cast<index_t>(academy.courses.size())));
}

Audience audience_at(const Academy& academy, std::shared_ptr<const Model> model, timestamp_t now) {
    ranking::RankingInputs in = ranking::academy_ranking_inputs(academy);
    Audience a;
    for (const auto& l : academy.learners) a.learner_ids.push_back(l.id);
    a.ranker = std::make_shared<const ranking::Ranker>(std::move(model), std::move(in.catalogue), std::move(in.learners),
                                                       history_before(academy, now));
    a.new_learners.queries.embeddings.resize(0, 64);
    return a;
}

struct Row {
    std::string learner, course;
    bool mandatory;
};

std::vector<Row> read_rows(const std::string& path) {
    std::vector<Row> out;
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::string cell;
        std::istringstream ls(line);
        for (int i = 0; i < 7 && std::getline(ls, cell, ','); ++i) f.push_back(cell);
        out.push_back({f[1], f[3], f[6] == "1"});
    }
    return out;
}

CampaignSettings replay_settings(int threads) {
    CampaignSettings s;
    s.ranking.num_threads = threads;
    s.ranking.min_score = 0.0f;
    s.campaign.repeat_days = 28;
    s.campaign.max_unanswered = 3;
    s.campaign.dismiss_days = -1;
    s.campaign.max_per_period = 5;
    s.campaign.period_days = 7;
    return s;
}

int replay(index_t learners, index_t courses, int weeks, std::uint64_t seed, int threads, const std::string& out_path) {
    AcademyConfig config;
    config.learners = learners;
    config.courses = courses;
    config.seed = seed;
    const Academy academy = generate_academy(config);
    const timestamp_t start = days_from_civil(2025, 10, 1) * kSecondsPerDay;
    const timestamp_t end = days_from_civil(2026, 1, 1) * kSecondsPerDay;
    auto model = train(academy, start, threads, 15);
    // Held-out enrolments: (learner id, course id) -> first enrolment time in [start, end).
    std::map<std::pair<std::string, std::string>, timestamp_t> enrolled;
    for (const auto& e : academy.events)
        if (e.kind == LifecycleKind::enrolled && e.time >= start && e.time < end) {
            auto key = std::make_pair(academy.learners[static_cast<std::size_t>(e.learner)].id,
                                      academy.courses[static_cast<std::size_t>(e.course)].id);
            if (!enrolled.count(key)) enrolled[key] = e.time;
        }
    const std::string dir = fmt::format("/tmp/learnrec_replay_{}", ::getpid());
    std::filesystem::create_directories(dir);
    const std::string log = dir + "/push_log.csv";
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u01(0.0, 1.0);  // documented: the replay's own draws
    const CampaignSettings settings = replay_settings(threads);
    const index_t k = 5;
    const int window = settings.ranking.obligation_window_days;
    // When each (learner, course) was last pushed, per policy; and mandatory deliveries.
    std::map<std::pair<std::string, std::string>, timestamp_t> last[2];
    std::set<std::pair<std::string, std::string>> hits_total[2], delivered_mandatory;
    std::map<std::pair<std::string, std::string>, timestamp_t> first_mandatory_push;
    nlohmann::json weeks_json = nlohmann::json::array();
    fmt::print("{:>4} {:>10} | {:>8} {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8} {:>8}\n", "week", "date", "c.pushes",
               "c.repeat", "c.cover", "c.hit", "p.pushes", "p.repeat", "p.cover", "p.hit");
    for (int w = 0; w < weeks; ++w) {
        const timestamp_t now = start + static_cast<timestamp_t>(7 * w) * kSecondsPerDay;
        const Audience a = audience_at(academy, model, now);
        CampaignSpec spec;
        spec.id = fmt::format("week-{:02d}", w + 1);
        spec.now = now;
        spec.k = k;
        spec.settings = settings;
        spec.num_threads = threads;
        const std::string out = fmt::format("{}/{}.csv", dir, spec.id);
        const CampaignReport report = run_campaign(a, spec, log, out);
        std::vector<Row> rows[2];
        rows[0] = read_rows(out);
        // Plain: the same rules and lifecycle, no memory.
        ranking::RankingRules rules = settings.ranking;
        rules.k = k;
        std::vector<index_t> everyone(static_cast<std::size_t>(learners));
        std::iota(everyone.begin(), everyone.end(), 0);
        const auto plain = a.ranker->recommend(everyone, now, rules);
        for (index_t l = 0; l < learners; ++l)
            for (index_t j = 0; j < plain.count(l); ++j) {
                const auto s = plain.slot(l, j);
                rows[1].push_back({a.learner_ids[static_cast<std::size_t>(l)],
                                   academy.courses[static_cast<std::size_t>(plain.ids[s])].id, plain.mandatory[s] != 0});
            }
        nlohmann::json wk{{"week", w + 1}, {"date", ranking::format_date(now)}, {"suppressed", report.suppressed}};
        std::string line = fmt::format("{:>4} {:>10} |", w + 1, ranking::format_date(now));
        for (int p = 0; p < 2; ++p) {
            std::size_t repeats = 0, ordinary = 0, hits = 0;
            std::set<std::string> distinct;
            for (const auto& r : rows[p]) {
                const auto key = std::make_pair(r.learner, r.course);
                distinct.insert(r.course);
                if (!r.mandatory) {
                    ++ordinary;
                    auto it = last[p].find(key);
                    if (it != last[p].end() && now - it->second < 28 * kSecondsPerDay) ++repeats;
                }
                last[p][key] = now;
                if (auto e = enrolled.find(key); e != enrolled.end() && e->second >= now) {
                    ++hits;
                    hits_total[p].insert(key);
                }
                if (p == 0 && r.mandatory && !first_mandatory_push.count(key)) first_mandatory_push[key] = now;
            }
            const double repeat_rate = ordinary ? double(repeats) / double(ordinary) : 0.0;
            const double coverage = double(distinct.size()) / double(courses);
            const double hit_rate = rows[p].empty() ? 0.0 : double(hits) / double(rows[p].size());
            line += fmt::format(" {:>8} {:>7.2f}% {:>7.1f}% {:>7.2f}% |", rows[p].size(), 100 * repeat_rate,
                                100 * coverage, 100 * hit_rate);
            wk[p == 0 ? "campaign" : "plain"] = {{"pushes", rows[p].size()}, {"repeat_rate", repeat_rate},
                                                 {"coverage", coverage},     {"hit_rate", hit_rate},
                                                 {"hits", hits}};
        }
        fmt::print("{}\n", line);
        weeks_json.push_back(wk);
        // The simulated response to this week's campaign pushes.
        std::vector<PushRecord> responses;
        for (const auto& r : rows[0]) {
            const auto key = std::make_pair(r.learner, r.course);
            auto e = enrolled.find(key);
            if (e != enrolled.end() && e->second >= now && e->second < now + 7 * kSecondsPerDay) {
                responses.push_back({now + kSecondsPerDay, spec.id, r.learner, r.course, PushEvent::clicked, false});
                responses.push_back({e->second, spec.id, r.learner, r.course, PushEvent::enrolled, false});
                continue;
            }
            const double x = u01(rng);
            if (x < 0.25)
                responses.push_back({now + kSecondsPerDay, spec.id, r.learner, r.course, PushEvent::opened, false});
            else if (x < 0.33)
                responses.push_back({now + 2 * kSecondsPerDay, spec.id, r.learner, r.course, PushEvent::dismissed, false});
        }
        append_push_records(log, responses);
    }
    // Obligations due within the window during the replay, for learners who had not completed
    // the course when it fell due: pushed (as mandatory) before the due date?
    const timestamp_t last_now = start + static_cast<timestamp_t>(7 * (weeks - 1)) * kSecondsPerDay;
    const auto history = history_before(academy, end);
    std::size_t due = 0, delivered = 0;
    for (std::size_t l = 0; l < academy.learners.size(); ++l) {
        const auto& p = academy.learners[l];
        std::map<std::string, timestamp_t> mine;
        for (const auto& o : academy.obligations) {
            const bool applies = o.scope == "all" || (o.scope == "role" && o.value == p.role) ||
                                 (o.scope == "country" && o.value == p.country) ||
                                 (o.scope == "department" && o.value == p.department) ||
                                 (o.scope == "learner" && o.value == p.id);
            if (!applies) continue;
            auto [it, inserted] = mine.emplace(o.course_id, o.due);
            if (!inserted) it->second = std::min(it->second, o.due);
        }
        for (const auto& [course, when] : mine) {
            // Due within a window seen during the replay, and not already overdue when it began.
            if (when > last_now + window * kSecondsPerDay || when < start) continue;
            const index_t c = academy.interactions.courses.at(course);
            const auto* h = history.find(static_cast<index_t>(l), c);
            // Completed before it fell due (before or during the replay): nothing left to deliver.
            if (h && h->completed_at != ranking::kNever && h->completed_at < when) continue;
            ++due;
            auto it = first_mandatory_push.find({p.id, course});
            if (it != first_mandatory_push.end() && it->second < when) ++delivered;
        }
    }
    fmt::print("distinct (learner, course) pairs pushed and enrolled over {} weeks: campaign {}, plain {}\n", weeks,
               hits_total[0].size(), hits_total[1].size());
    fmt::print("obligations due within the {}-day window during the replay: {}, delivered before due: {} ({:.1f} %)\n",
               window, due, delivered, due ? 100.0 * double(delivered) / double(due) : 100.0);
    const nlohmann::json out{{"learners", learners},
                             {"courses", courses},
                             {"weeks", weeks_json},
                             {"distinct_hits", {{"campaign", hits_total[0].size()}, {"plain", hits_total[1].size()}}},
                             {"obligations_due", due},
                             {"obligations_delivered_before_due", delivered}};
    if (!out_path.empty()) std::ofstream(out_path) << out.dump(2) << "\n";
    std::filesystem::remove_all(dir);
    return 0;
}

long vm_kib(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
    return -1;
}

/// Wall and CPU (user + sys, all threads) seconds of one call.
struct Timing {
    double wall = 1e30, cpu = 1e30;
    template <class F>
    void best_of(F&& f) {
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = bench::process_cpu_seconds();
        f();
        wall = std::min(wall, since(t0));
        cpu = std::min(cpu, bench::process_cpu_seconds() - c0);
    }
};

int speed(index_t learners, index_t courses, int threads, double mean_enrolments, int reps, const std::string& out_path,
          const std::string& keep) {
    AcademyConfig config;
    config.learners = learners;
    config.courses = courses;
    config.mean_enrolments = mean_enrolments;
    const timestamp_t now = days_from_civil(2026, 1, 5) * kSecondsPerDay;
    Audience a;
    std::shared_ptr<const Model> model;
    CsrMatrix taken_matrix;
    {
        // The academy itself is only needed to build the inputs: freed before anything is measured.
        const Academy academy = generate_academy(config);
        model = train(academy, now, threads, 4);
        a = audience_at(academy, model, now);
        taken_matrix = academy.interactions.matrix;
    }
    // --keep DIR: the push log and the second week's output stay there (to compare two builds).
    const std::string dir = keep.empty() ? fmt::format("/tmp/learnrec_speed_{}", ::getpid()) : keep;
    std::filesystem::create_directories(dir);
    CampaignSpec spec;
    spec.k = 10;
    spec.num_threads = threads;
    spec.settings = replay_settings(threads);
    spec.settings.ranking.gap_boost = 0.5f;
    spec.settings.ranking.mmr_lambda = 0.8f;
    spec.settings.ranking.renewal_days = 30;
    spec.id = "week-1";
    spec.now = now - 7 * kSecondsPerDay;
    run_campaign(a, spec, dir + "/log.csv", dir + "/w1.csv");  // fills the push log
    std::filesystem::remove(dir + "/w1.csv");
    const auto log_bytes = std::filesystem::file_size(dir + "/log.csv");

    // Side by side, each best of `reps`: the plain batch top-k (the model's top-10 of every
    // learner, the history excluded), the Ranker alone with the campaign's rules (in the
    // campaign's chunks, results dropped), and the campaign (log read, ranking, output, log append).
    std::vector<index_t> everyone(static_cast<std::size_t>(learners));
    std::iota(everyone.begin(), everyone.end(), 0);
    const CsrView taken = taken_matrix.view();
    RecommendOptions options;
    options.k = 10;
    options.num_threads = threads;
    ranking::RankingRules rules = spec.settings.ranking;
    rules.k = 10;
    rules.num_threads = threads;
    const auto chunk = static_cast<std::size_t>(spec.settings.campaign.chunk_learners);
    Timing plain, ranker, campaign;
    long base = 0, peak = 0;
    for (int rep = 0; rep < reps; ++rep) {
        plain.best_of([&] {
            for (std::size_t b = 0; b < everyone.size(); b += chunk) {
                const auto part = std::span<const index_t>(everyone).subspan(b, std::min(chunk, everyone.size() - b));
                const TopK top = recommend(*model, part, &taken, options);
            }
        });
        ranker.best_of([&] {
            for (std::size_t b = 0; b < everyone.size(); b += chunk) {
                const auto part = std::span<const index_t>(everyone).subspan(b, std::min(chunk, everyone.size() - b));
                const auto r = a.ranker->recommend(part, now, rules);
            }
        });
        base = vm_kib("VmRSS:");
        std::ofstream("/proc/self/clear_refs") << "5";  // VmHWM := VmRSS
        spec.id = "week-2";
        spec.now = now;
        campaign.best_of([&] { run_campaign(a, spec, dir + "/log.csv", dir + "/w2.csv"); });
        peak = std::max(peak, vm_kib("VmHWM:") - base);
    }
    const double model_mib = double(model->num_courses() + model->num_learners()) * 64 * 4 / (1 << 20);
    fmt::print("{} learners x {} courses, {} threads: plain top-10 {:.2f} s ({:.2f} s CPU), Ranker {:.2f} s ({:.2f} s "
               "CPU), campaign {:.2f} s ({:.2f} s CPU); campaign / plain {:.2f}x wall, {:.2f}x CPU; push log {:.1f} MiB; "
               "campaign peak RSS above the loaded process {:.1f} MiB (process before {:.1f} MiB, factors {:.1f} MiB)\n",
               learners, courses, threads, plain.wall, plain.cpu, ranker.wall, ranker.cpu, campaign.wall, campaign.cpu,
               campaign.wall / plain.wall, campaign.cpu / plain.cpu, double(log_bytes) / (1 << 20), double(peak) / 1024,
               double(base) / 1024, model_mib);
    const nlohmann::json out{{"learners", learners},
                             {"courses", courses},
                             {"threads", threads},
                             {"plain_topk_s", plain.wall},
                             {"plain_topk_cpu_s", plain.cpu},
                             {"ranker_s", ranker.wall},
                             {"ranker_cpu_s", ranker.cpu},
                             {"campaign_s", campaign.wall},
                             {"campaign_cpu_s", campaign.cpu},
                             {"ratio", campaign.wall / plain.wall},
                             {"ratio_cpu", campaign.cpu / plain.cpu},
                             {"push_log_bytes", log_bytes},
                             {"campaign_peak_rss_above_base_mib", double(peak) / 1024},
                             {"process_rss_before_mib", double(base) / 1024},
                             {"factors_mib", model_mib}};
    if (!out_path.empty()) std::ofstream(out_path, std::ios::app) << out.dump() << "\n";
    if (keep.empty()) std::filesystem::remove_all(dir);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"push campaigns: weekly replay and speed on the academy"};
    app.require_subcommand(1);
    index_t learners = 5000, courses = 600;
    int weeks = 12, threads = 2;
    std::uint64_t seed = 42;
    std::string out;
    auto* r = app.add_subcommand("replay", "12 weekly campaigns with a simulated response vs plain top-k");
    r->add_option("--learners", learners);
    r->add_option("--courses", courses);
    r->add_option("--weeks", weeks);
    r->add_option("--seed", seed);
    r->add_option("--threads", threads);
    r->add_option("--out", out);
    index_t s_learners = 100000, s_courses = 5000;
    double s_mean = 12.0;
    int reps = 2;
    auto* s = app.add_subcommand("speed", "one campaign vs the plain batch top-k, time and peak RSS");
    s->add_option("--learners", s_learners);
    s->add_option("--courses", s_courses);
    s->add_option("--threads", threads);
    s->add_option("--mean-enrolments", s_mean, "academy mean enrolments per learner");
    s->add_option("--reps", reps, "best of this many runs of each");
    s->add_option("--out", out);
    std::string keep;
    s->add_option("--keep", keep, "keep the push log and the output in this directory");
    CLI11_PARSE(app, argc, argv);
    try {
        if (*r) return replay(learners, courses, weeks, seed, threads, out);
        return speed(s_learners, s_courses, threads, s_mean, reps, out, keep);
    } catch (const Error& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 2;
    }
}
