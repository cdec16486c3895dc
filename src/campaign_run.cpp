// learnrec campaign — running a push campaign (see campaign/campaign.hpp).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "campaign_io.hpp"
#include "learnrec/campaign/campaign.hpp"
#include "learnrec/campaign/push_log.hpp"
#include "learnrec/error.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/text/goals.hpp"

namespace learnrec::campaign {

using ranking::kSecondsPerDay;
using ranking::Reason;
using ranking::ReasonKind;
using ranking::Recommendations;

bool Target::everyone() const noexcept {
    return countries.empty() && regions.empty() && departments.empty() && roles.empty() && learner_ids.empty();
}

bool Target::matches(const ranking::LearnerFacts& l) const {
    auto in = [](const std::vector<std::string>& values, const std::string& v) {
        return values.empty() || std::find(values.begin(), values.end(), v) != values.end();
    };
    return in(countries, l.country) && in(regions, l.region) && in(departments, l.department) && in(roles, l.role) &&
           in(learner_ids, l.id);
}

OutputFormat parse_output_format(std::string_view text) {
    if (text == "csv") return OutputFormat::csv;
    if (text == "jsonl") return OutputFormat::jsonl;
    LEARNREC_FAIL("unknown output format '{}' (expected csv or jsonl)", text);
}

namespace {

enum Rule : std::uint8_t { kDismissed, kEnrolled, kUnanswered, kRepeat, kRules };
constexpr const char* kRuleNames[kRules] = {"dismissed", "enrolled", "unanswered", "repeat"};

/// What the log says about the campaign's learners: per learner (log index) the courses held
/// back and why (CSR), the pushes of the current period, and the pairs this campaign id logged.
struct Memory {
    std::vector<offset_t> offsets;
    std::vector<index_t> courses;
    std::vector<std::uint8_t> rules;
    std::vector<std::uint32_t> period_pushes;
    std::vector<std::uint64_t> logged_here;  // (learner << 32 | course), sorted

    std::span<const index_t> held(index_t l) const {
        const auto b = static_cast<std::size_t>(offsets[static_cast<std::size_t>(l)]);
        const auto e = static_cast<std::size_t>(offsets[static_cast<std::size_t>(l) + 1]);
        return std::span<const index_t>(courses).subspan(b, e - b);
    }
    bool logged(index_t l, index_t c) const {
        const auto key = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(l)) << 32) | static_cast<std::uint32_t>(c);
        return std::binary_search(logged_here.begin(), logged_here.end(), key);
    }
};

Memory remember(PushLog log, std::size_t learners, const CampaignSpec& spec) {
    const auto& cr = spec.settings.campaign;
    const timestamp_t now = spec.now;
    const std::int64_t self = log.campaign_index(spec.id);
    Memory m;
    m.period_pushes.assign(learners, 0);
    auto& entries = log.entries;
    for (const auto& e : entries)
        if (static_cast<std::int64_t>(e.campaign) == self && e.event == PushEvent::pushed)
            m.logged_here.push_back((static_cast<std::uint64_t>(static_cast<std::uint32_t>(e.learner)) << 32) |
                                    static_cast<std::uint32_t>(e.course));
    std::sort(m.logged_here.begin(), m.logged_here.end());
    m.logged_here.erase(std::unique(m.logged_here.begin(), m.logged_here.end()), m.logged_here.end());
    // Only other campaigns' records up to now count: a re-run sees what the first run saw.
    std::erase_if(entries, [&](const PushEntry& e) { return e.time > now || static_cast<std::int64_t>(e.campaign) == self; });
    std::stable_sort(entries.begin(), entries.end(), [](const PushEntry& a, const PushEntry& b) {
        return a.learner != b.learner ? a.learner < b.learner : a.course != b.course ? a.course < b.course : a.time < b.time;
    });
    const timestamp_t period_start = now - static_cast<timestamp_t>(cr.period_days) * kSecondsPerDay;
    m.offsets.assign(learners + 1, 0);
    std::size_t i = 0;
    for (std::size_t l = 0; l < learners; ++l) {
        while (i < entries.size() && static_cast<std::size_t>(entries[i].learner) == l) {
            const index_t c = entries[i].course;
            std::size_t j = i;
            for (; j < entries.size() && static_cast<std::size_t>(entries[j].learner) == l && entries[j].course == c; ++j)
                if (entries[j].event == PushEvent::pushed && !entries[j].mandatory && entries[j].time > period_start)
                    ++m.period_pushes[l];
            const PushHold hold = push_hold(std::span<const PushEntry>(entries).subspan(i, j - i), now, cr);
            i = j;
            if (hold.rule != PushHoldRule::none) {
                m.courses.push_back(c);
                m.rules.push_back(static_cast<std::uint8_t>(static_cast<int>(hold.rule) - 1));  // kRuleNames order
            }
        }
        m.offsets[l + 1] = static_cast<offset_t>(m.courses.size());
    }
    return m;
}

bool valid_campaign_id(std::string_view id) {
    if (id.empty() || id.size() > 200) return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':')) return false;
    return true;
}

std::string csv_field(std::string_view v) {
    if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
    std::string out = "\"";
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + '"';
}

/// One row to write.
struct Row {
    std::size_t slot;     // in the main result
    bool explore = false; // from the exploration request (slot in its result)
};

class Writer {
public:
    Writer(const Audience& a, const CampaignSpec& spec, CampaignReport& report, detail::AtomicFile& out,
           detail::AtomicFile& staged, const Memory& memory)
        : a_(a), spec_(spec), report_(report), out_(out), staged_(staged), memory_(memory),
          log_format_(PushLogFormat::csv) {
        const auto& cat = a.ranker->catalogue();
        pushed_course_.assign(cat.courses.size(), 0);
        const auto& cr = spec.settings.campaign;
        for (std::size_t c = 0; c < a.course_released.size(); ++c)
            if (cr.explore && a.course_released[c] != ranking::kNever && a.course_released[c] <= spec.now &&
                spec.now - a.course_released[c] <= static_cast<timestamp_t>(cr.explore_days) * kSecondsPerDay)
                new_courses_.push_back(static_cast<index_t>(c));
        if (spec.format == OutputFormat::csv)
            out_.write("campaign,learner_id,rank,course_id,score,model_score,mandatory,exploration,reason_kinds,reasons\n");
    }
    void set_log_format(PushLogFormat f) { log_format_ = f; }

    /// Ranks one chunk: `log_index[i]` is the chunk's learner i in the log, `ids[i]` its id.
    template <class Rank>
    void chunk(std::span<const index_t> log_index, std::span<const std::string* const> ids, Rank&& rank) {
        const auto& cr = spec_.settings.campaign;
        ranking::RequestLimits limits;
        limits.offsets.push_back(0);
        for (auto l : log_index) {
            const auto held = memory_.held(l);
            limits.excluded.insert(limits.excluded.end(), held.begin(), held.end());
            limits.offsets.push_back(static_cast<offset_t>(limits.excluded.size()));
            const auto b = static_cast<std::size_t>(memory_.offsets[static_cast<std::size_t>(l)]);
            for (std::size_t j = 0; j < held.size(); ++j) ++report_.suppressed[kRuleNames[memory_.rules[b + j]]];
        }
        ranking::RankingRules rules = spec_.settings.ranking;
        rules.k = k_;
        rules.num_threads = spec_.num_threads;
        const Recommendations r = rank(rules, limits);

        std::optional<Recommendations> x;  // the exploration slot
        if (!new_courses_.empty()) {
            ranking::RequestLimits more;
            more.only = new_courses_;
            more.offsets.push_back(0);
            for (std::size_t i = 0; i < log_index.size(); ++i) {
                const auto held = memory_.held(log_index[i]);
                more.excluded.insert(more.excluded.end(), held.begin(), held.end());
                for (index_t j = 0; j < r.count(static_cast<index_t>(i)); ++j)
                    more.excluded.push_back(r.ids[r.slot(static_cast<index_t>(i), j)]);
                more.offsets.push_back(static_cast<offset_t>(more.excluded.size()));
            }
            ranking::RankingRules er = rules;
            er.k = 1;
            er.obligations = false;
            er.min_score = -std::numeric_limits<float>::infinity();
            er.mmr_lambda = 1.0f;
            x = rank(er, more);
        }

        const std::size_t cap = cr.max_per_period > 0 ? static_cast<std::size_t>(cr.max_per_period)
                                                      : static_cast<std::size_t>(k_);
        std::vector<Row> rows;
        for (std::size_t i = 0; i < log_index.size(); ++i) {
            const index_t li = log_index[i];
            const auto q = static_cast<index_t>(i);
            const std::size_t used = memory_.period_pushes[static_cast<std::size_t>(li)];
            const std::size_t budget = used >= cap ? 0 : cap - used;
            rows.clear();
            std::size_t ordinary = 0, last_ordinary = 0;
            for (index_t j = 0; j < r.count(q); ++j) {
                const auto s = r.slot(q, j);
                if (r.mandatory[s]) {
                    rows.push_back({s});
                } else if (ordinary < budget) {
                    last_ordinary = rows.size();
                    rows.push_back({s});
                    ++ordinary;
                } else {
                    ++report_.suppressed["period_cap"];
                }
            }
            if (x && budget > 0 && x->count(q) > 0) {
                const Row e{x->slot(q, 0), true};
                if (ordinary < budget && rows.size() < static_cast<std::size_t>(k_))
                    rows.push_back(e);
                else if (ordinary > 0)
                    rows[last_ordinary] = e;  // the exploration slot takes the last ordinary place
            }
            if (!rows.empty()) ++report_.learners_reached;
            for (std::size_t n = 0; n < rows.size(); ++n) write(rows[n].explore ? *x : r, rows[n], li, *ids[i], n + 1);
        }
        done_ += log_index.size();
        if (spec_.progress) spec_.progress(done_, total_);
    }

    void set_total(std::size_t total) { total_ = total; }
    std::vector<float> scores;
    std::vector<std::uint8_t> pushed_course_;

private:
    void write(const Recommendations& r, const Row& row, index_t li, const std::string& learner, std::size_t rank) {
        const auto& cat = a_.ranker->catalogue();
        const index_t c = r.ids[row.slot];
        const auto reasons = r.reasons_of(static_cast<index_t>(row.slot / static_cast<std::size_t>(r.k)),
                                          static_cast<index_t>(row.slot % static_cast<std::size_t>(r.k)));
        std::vector<Reason> all(reasons.begin(), reasons.end());
        if (row.explore) {
            Reason n;
            n.kind = ReasonKind::new_course;
            n.date = a_.course_released[static_cast<std::size_t>(c)];
            all.insert(all.begin(), n);
        }
        const bool mandatory = r.mandatory[row.slot] != 0;
        const std::string& course = cat.courses[static_cast<std::size_t>(c)].id;
        std::string kinds, texts;
        for (const auto& x : all) {
            const auto kind = std::string(to_string(x.kind));
            kinds += (kinds.empty() ? "" : ";") + kind;
            texts += (texts.empty() ? "" : "; ") + r.text(x);
            ++report_.by_reason[kind];
        }
        if (spec_.format == OutputFormat::csv) {
            out_.write(fmt::format("{},{},{},{},{:.6g},{:.6g},{},{},{},{}\n", spec_.id, csv_field(learner), rank,
                                   csv_field(course), r.scores[row.slot], r.model_scores[row.slot], mandatory ? 1 : 0,
                                   row.explore ? 1 : 0, kinds, csv_field(texts)));
        } else {
            nlohmann::json rs = nlohmann::json::array();
            for (const auto& x : all) rs.push_back({{"kind", std::string(to_string(x.kind))}, {"text", r.text(x)}});
            const nlohmann::json j{{"campaign", spec_.id},           {"learner_id", learner},
                                   {"rank", rank},                   {"course_id", course},
                                   {"score", r.scores[row.slot]},    {"model_score", r.model_scores[row.slot]},
                                   {"mandatory", mandatory},         {"exploration", row.explore},
                                   {"reasons", rs}};
            out_.write(j.dump() + "\n");
        }
        ++report_.pushes;
        if (mandatory) ++report_.mandatory_pushes;
        if (row.explore) ++report_.exploration_pushes;
        ++report_.by_format[cat.courses[static_cast<std::size_t>(c)].format];
        scores.push_back(r.scores[row.slot]);
        pushed_course_[static_cast<std::size_t>(c)] = 1;
        if (memory_.logged(li, c)) {
            ++report_.already_logged;
            return;
        }
        staged_.write(format_push_record({spec_.now, spec_.id, learner, course, PushEvent::pushed, mandatory}, log_format_));
        ++report_.logged;
    }

    const Audience& a_;
    const CampaignSpec& spec_;
    CampaignReport& report_;
    detail::AtomicFile& out_;
    detail::AtomicFile& staged_;
    const Memory& memory_;
    PushLogFormat log_format_;
    index_t k_ = spec_.k > 0 ? spec_.k : spec_.settings.ranking.k;
    std::vector<index_t> new_courses_;
    std::size_t done_ = 0, total_ = 0;
};

/// Rows `which` of new learners, as a NewLearners of their own.
ranking::NewLearners subset(const ranking::NewLearners& all, std::span<const index_t> which, index_t courses) {
    ranking::NewLearners out;
    out.queries.count = static_cast<index_t>(which.size());
    if (all.queries.embeddings.rows() > 0) {
        out.queries.embeddings.resize(out.queries.count, all.queries.embeddings.cols());
        for (std::size_t i = 0; i < which.size(); ++i)
            out.queries.embeddings.row(static_cast<Eigen::Index>(i)) = all.queries.embeddings.row(which[i]);
    }
    if (all.queries.history.rows() > 0) out.queries.history = all.queries.history.select_rows(which);
    for (auto w : which)
        if (!all.facts.empty()) out.facts.push_back(all.facts[static_cast<std::size_t>(w)]);
    if (all.history.num_learners() > 0) {
        out.history = ranking::LearnerHistory(static_cast<index_t>(which.size()), courses);
        for (std::size_t i = 0; i < which.size(); ++i)
            for (const auto& e : all.history.of(which[i]))
                out.history.set(static_cast<index_t>(i), e.course, e.outcome, e.completed_at);
        out.history.finish();
    }
    return out;
}

}  // namespace

namespace {
/// One row of goal matches per learner ("" = no goal), or none at all when nobody states one.
ranking::GoalMatches goals_of(const Audience& a, std::vector<std::string>& goals) {
    if (!a.goals_index || std::all_of(goals.begin(), goals.end(), [](const std::string& g) { return g.empty(); }))
        return {};
    for (auto& g : goals)
        if (g.find_first_not_of(" \t\r\n") == std::string::npos) g.clear();
    return text::goal_matches(*a.goals_index, goals);
}
}  // namespace

CampaignReport run_campaign(const Audience& a, const CampaignSpec& spec, const std::filesystem::path& push_log,
                            const std::filesystem::path& out) {
    const auto t0 = std::chrono::steady_clock::now();
    LEARNREC_CHECK(a.ranker != nullptr, "campaign: no ranker");
    LEARNREC_CHECK(valid_campaign_id(spec.id),
                   "campaign id '{}' must be 1-200 letters, digits, '-', '_', '.' or ':'", spec.id);
    LEARNREC_CHECK(spec.k >= 0, "campaign: k must be at least 1 (or 0: the rules' k), got {}", spec.k);
    spec.settings.campaign.validate();
    spec.settings.ranking.validate();
    const ranking::Ranker& ranker = *a.ranker;
    const auto trained = static_cast<std::size_t>(ranker.model().num_learners());
    const std::size_t fresh = a.new_learner_ids.size();
    LEARNREC_CHECK(a.learner_ids.size() == trained, "campaign: {} learner ids for {} model learners",
                   a.learner_ids.size(), trained);
    LEARNREC_CHECK(static_cast<index_t>(fresh) == a.new_learners.queries.count,
                   "campaign: {} new learner ids for {} new learners", fresh, a.new_learners.queries.count);
    LEARNREC_CHECK(a.course_released.empty() || a.course_released.size() == ranker.catalogue().courses.size(),
                   "campaign: {} release dates for {} courses", a.course_released.size(), ranker.catalogue().courses.size());
    std::error_code ec;
    LEARNREC_CHECK(!std::filesystem::is_directory(out, ec), "campaign output '{}' is a directory", out.string());

    // The target, checked before anything is read or written.
    std::vector<std::string> log_ids(a.learner_ids);
    log_ids.insert(log_ids.end(), a.new_learner_ids.begin(), a.new_learner_ids.end());
    const IdMap learners(log_ids);
    const Target& target = spec.target;
    for (const auto& id : target.learner_ids)
        LEARNREC_CHECK(learners.find(id).has_value(), "target: unknown learner '{}' (not in the model nor in learners.csv)", id);
    const bool by_facts = !(target.countries.empty() && target.regions.empty() && target.departments.empty() &&
                            target.roles.empty());
    LEARNREC_CHECK(!by_facts || !ranker.learners().empty() || trained == 0,
                   "target: filtering by country, region, department or role needs learners.csv in the catalogue");
    auto wanted = [&](const ranking::LearnerFacts* facts, const std::string& id) {
        if (!target.learner_ids.empty() &&
            std::find(target.learner_ids.begin(), target.learner_ids.end(), id) == target.learner_ids.end())
            return false;
        if (!by_facts) return true;
        if (!facts) return false;
        ranking::LearnerFacts f = *facts;
        f.id = id;
        return target.matches(f);
    };
    std::vector<index_t> old_rows, new_rows;
    for (std::size_t l = 0; l < trained; ++l)
        if (wanted(ranker.learners().empty() ? nullptr : &ranker.learners()[l], a.learner_ids[l]))
            old_rows.push_back(static_cast<index_t>(l));
    for (std::size_t l = 0; l < fresh; ++l)
        if (wanted(a.new_learners.facts.empty() ? nullptr : &a.new_learners.facts[l], a.new_learner_ids[l]))
            new_rows.push_back(static_cast<index_t>(l));

    IdMap courses;
    for (const auto& c : ranker.catalogue().courses) courses.insert(c.id);
    PushLog log = read_push_log(push_log, learners, courses);
    CampaignReport report;
    report.campaign = spec.id;
    report.now = spec.now;
    report.log_warning = log.warning;
    report.model_version = a.model_version;
    report.learners_targeted = old_rows.size() + new_rows.size();
    report.new_learners_targeted = new_rows.size();
    report.catalogue_courses = ranker.catalogue().courses.size();
    for (const char* name : kRuleNames) report.suppressed[name] = 0;
    report.suppressed["period_cap"] = 0;
    const Memory memory = remember(std::move(log), log_ids.size(), spec);

    detail::AtomicFile output(out);
    const std::filesystem::path staging = push_log.parent_path() / fmt::format(".{}.staged", push_log.filename().string());
    detail::AtomicFile staged(staging);
    Writer writer(a, spec, report, output, staged, memory);
    writer.set_log_format(push_log_format_of(push_log));
    writer.set_total(report.learners_targeted);
    const auto chunk = static_cast<std::size_t>(spec.settings.campaign.chunk_learners);
    std::vector<const std::string*> ids;
    std::vector<index_t> log_index;
    for (std::size_t b = 0; b < old_rows.size(); b += chunk) {
        const auto part = std::span<const index_t>(old_rows).subspan(b, std::min(chunk, old_rows.size() - b));
        ids.clear();
        for (auto l : part) ids.push_back(&a.learner_ids[static_cast<std::size_t>(l)]);
        writer.chunk(part, ids, [&](const ranking::RankingRules& rules, const ranking::RequestLimits& limits) {
            std::vector<std::string> goals;
            if (a.goals_index && !ranker.learners().empty())
                for (auto l : part) goals.push_back(ranker.learners()[static_cast<std::size_t>(l)].goal);
            return ranker.recommend(part, spec.now, rules, limits, goals_of(a, goals));
        });
    }
    const auto num_courses = ranker.model().num_courses();
    for (std::size_t b = 0; b < new_rows.size(); b += chunk) {
        const auto part = std::span<const index_t>(new_rows).subspan(b, std::min(chunk, new_rows.size() - b));
        ids.clear();
        log_index.clear();
        for (auto l : part) {
            ids.push_back(&a.new_learner_ids[static_cast<std::size_t>(l)]);
            log_index.push_back(static_cast<index_t>(trained) + l);
        }
        const ranking::NewLearners people = subset(a.new_learners, part, num_courses);
        writer.chunk(log_index, ids, [&](const ranking::RankingRules& rules, const ranking::RequestLimits& limits) {
            std::vector<std::string> goals;
            if (a.goals_index && !people.facts.empty())
                for (const auto& f : people.facts) goals.push_back(f.goal);
            return ranker.recommend(people, spec.now, rules, limits, goals_of(a, goals));
        });
    }

    report.courses_pushed = static_cast<std::size_t>(std::count(writer.pushed_course_.begin(), writer.pushed_course_.end(), 1));
    report.coverage = report.catalogue_courses ? double(report.courses_pushed) / double(report.catalogue_courses) : 0.0;
    report.share_mandatory = report.pushes ? double(report.mandatory_pushes) / double(report.pushes) : 0.0;
    auto& s = writer.scores;
    report.median_score = std::numeric_limits<double>::quiet_NaN();
    if (!s.empty()) {
        const auto mid = s.begin() + static_cast<std::ptrdiff_t>(s.size() / 2);
        std::nth_element(s.begin(), mid, s.end());
        report.median_score = *mid;
        if (s.size() % 2 == 0) report.median_score = 0.5 * (report.median_score + *std::max_element(s.begin(), mid));
    }
    // The output first: a failure between the two leaves it without log lines, and re-running the
    // id then logs them (idempotence); never log lines for an output that does not exist.
    output.commit();
    staged.commit();
    try {
        append_push_log_file(push_log, staging);
    } catch (...) {
        std::filesystem::remove(staging, ec);
        throw;
    }
    std::filesystem::remove(staging, ec);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report;
}

std::string CampaignReport::to_json() const {
    nlohmann::json j{{"campaign", campaign},
                     {"now", ranking::format_date(now)},
                     {"learners_targeted", learners_targeted},
                     {"new_learners_targeted", new_learners_targeted},
                     {"learners_reached", learners_reached},
                     {"pushes", pushes},
                     {"mandatory_pushes", mandatory_pushes},
                     {"exploration_pushes", exploration_pushes},
                     {"courses_pushed", courses_pushed},
                     {"catalogue_courses", catalogue_courses},
                     {"coverage", coverage},
                     {"share_mandatory", share_mandatory},
                     {"median_score", std::isnan(median_score) ? nlohmann::json(nullptr) : nlohmann::json(median_score)},
                     {"by_reason", by_reason},
                     {"by_format", by_format},
                     {"suppressed", suppressed},
                     {"logged", logged},
                     {"already_logged", already_logged},
                     {"seconds", seconds}};
    if (!log_warning.empty()) j["log_warning"] = log_warning;
    if (!model_version.empty()) j["model_version"] = model_version;
    return j.dump(2);
}

void write_report(const CampaignReport& report, const std::filesystem::path& path) {
    detail::AtomicFile file(path);
    file.write(report.to_json() + "\n");
    file.commit();
}

std::string CampaignReport::summary() const {
    std::string out = fmt::format(
        "campaign {} ({}): {} learners targeted ({} new), {} reached; {} pushes ({} mandatory, {:.1f} %; {} "
        "exploration); {} of {} courses ({:.1f} % coverage); median score {:.4f}; {} logged, {} already logged; "
        "{:.2f} s\n",
        campaign, ranking::format_date(now), learners_targeted, new_learners_targeted, learners_reached, pushes,
        mandatory_pushes, 100.0 * share_mandatory, exploration_pushes, courses_pushed, catalogue_courses,
        100.0 * coverage, median_score, logged, already_logged, seconds);
    out += "  by reason:";
    for (const auto& [k, v] : by_reason) out += fmt::format(" {}={}", k, v);
    out += "\n  by format:";
    for (const auto& [k, v] : by_format) out += fmt::format(" {}={}", k.empty() ? "unknown" : k, v);
    out += "\n  suppressed:";
    for (const auto& [k, v] : suppressed) out += fmt::format(" {}={}", k, v);
    out += "\n";
    if (!model_version.empty()) out += fmt::format("  model version: {}\n", model_version);
    return out;
}

}  // namespace learnrec::campaign
