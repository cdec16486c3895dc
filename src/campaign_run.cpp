// learnrec campaign — running a push campaign (see campaign/campaign.hpp).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <utility>
#include <iterator>
#include <array>
#include <condition_variable>
#include <exception>
#include <mutex>

#include "learnrec/detail/parallel.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "campaign_digest_book.hpp"
#include "campaign_io.hpp"
#include "campaign_memory.hpp"
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

bool valid_campaign_id(std::string_view id) {
    if (id.empty() || id.size() > 200) return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':')) return false;
    return true;
}

/// Whether `v` holds a comma, CR or LF (then append_csv quotes it), and whether it holds a quote
/// (then it also doubles them). Sixteen bytes per step (GCC does not vectorise the scalar loop).
std::pair<bool, bool> csv_specials(std::string_view v) {
    typedef char lr_c16 __attribute__((vector_size(16)));
    lr_c16 special = {}, quote = {};
    std::size_t b = 0;
    for (; b + 16 <= v.size(); b += 16) {
        lr_c16 x;
        std::memcpy(&x, v.data() + b, sizeof x);
        special |= (x == ',') | (x == '\r') | (x == '\n');
        quote |= x == '"';
    }
    auto any = [](const lr_c16& m) {
        std::uint64_t h[2];
        std::memcpy(h, &m, sizeof h);
        return (h[0] | h[1]) != 0;
    };
    bool s = any(special), q = any(quote);
    for (; b < v.size(); ++b) {
        s |= v[b] == ',' || v[b] == '\r' || v[b] == '\n';
        q |= v[b] == '"';
    }
    return {s, q};
}

/// Appends `v` as a CSV field, quoted only when it must be.
void append_csv(std::string& out, std::string_view v) {
    // One pass over the bytes: find_first_of calls memchr on the four specials once per byte of
    // `v`, which made this the campaign's costliest line for long reason texts.
    const auto [special, quote] = csv_specials(v);
    if (!special && !quote) {
        out += v;
        return;
    }
    // Runs between quotes appended whole (reason texts hold commas, rarely quotes): not a
    // push_back per byte.
    out += '"';
    for (std::size_t from = 0;;) {
        const std::size_t q = v.find('"', from);
        if (q == std::string_view::npos) {
            out.append(v.substr(from));
            break;
        }
        out.append(v.substr(from, q + 1 - from));
        out += '"';
        from = q + 1;
    }
    out += '"';
}

std::string csv_field(std::string_view v) {
    std::string out;
    append_csv(out, v);
    return out;
}

/// One row to write.
struct Row {
    std::size_t slot;     // in the main result
    bool explore = false; // from the exploration request (slot in its result)
};

/// What one segment of a chunk's learners produced: its bytes of output and log, in learner
/// order, and its counts (added up by the writer). Kept from chunk to chunk for their capacity.
/// (Cache-line aligned: neighbouring parts are filled by different threads, row by row.)
struct alignas(64) Part {
    std::string out, staged;
    std::vector<float> scores;
    std::vector<std::size_t> course_rows;  // per course, over the whole campaign
    std::array<std::size_t, 32> reasons{};  // per reason kind, over the whole campaign
    std::size_t learners_reached = 0, pushes = 0, mandatory = 0, exploration = 0, logged = 0, already_logged = 0,
                period_cap = 0;
    std::vector<Row> rows;
    std::string learner_csv, texts;
};

/// Ranks chunks of learners and writes their rows, the staged log lines and the report's counts.
/// The rows of a chunk are formatted in parallel, each segment of learners into its own Part,
/// then written in learner order: the output is the same bytes whatever the number of threads.
/// Per row it only appends to reused buffers: ids are escaped once (courses) or only when needed
/// (learners), reason texts are rendered into the row, the log lines share one prefix (time,
/// campaign), and the counts are arrays turned into the report's maps at the end.
class Writer {
public:
    Writer(const Audience& a, const CampaignSpec& spec, CampaignReport& report, detail::AtomicFile& out,
           detail::AtomicFile& staged, detail::DigestBook& book, PushLogFormat log_format)
        : a_(a), spec_(spec), report_(report), out_(out), staged_(staged), book_(book), log_format_(log_format) {
        const auto& cat = a.ranker->catalogue();
        course_csv_.reserve(cat.courses.size());
        for (const auto& c : cat.courses) course_csv_.push_back(csv_field(c.id));
        const auto& cr = spec.settings.campaign;
        for (std::size_t c = 0; c < a.course_released.size(); ++c)
            if (cr.explore && a.course_released[c] != ranking::kNever && a.course_released[c] <= spec.now &&
                spec.now - a.course_released[c] <= static_cast<timestamp_t>(cr.explore_days) * kSecondsPerDay)
                new_courses_.push_back(static_cast<index_t>(c));
        // A few segments per thread, so that one slow segment does not leave a thread waiting.
        parts_.resize(static_cast<std::size_t>(4 * learnrec::detail::resolve_threads(spec.num_threads)));
        for (auto& p : parts_) p.course_rows.assign(cat.courses.size(), 0);
        if (spec.format == OutputFormat::csv)
            out_.write("campaign,learner_id,rank,course_id,score,model_score,mandatory,exploration,reason_kinds,reasons\n");
        // Every pushed record of the log shares its time and campaign: formatted once.
        const std::string sample = format_push_record({spec.now, spec.id, "", "", PushEvent::pushed, false}, PushLogFormat::csv);
        log_prefix_ = sample.substr(0, sample.find(',', sample.find(',') + 1) + 1);
    }

    /// Ranks the learners of positions [first, first + log_index.size()) (log indices
    /// `log_index`), all in one bucket of `memory`.
    template <class Rank>
    void chunk(std::span<const index_t> log_index, std::size_t first, detail::LogMemory& log_memory, Rank&& rank) {
        const auto& cr = spec_.settings.campaign;
        const detail::Memory& memory = log_memory.at(first);
        const std::size_t base = first - memory.first;
        // The memory as exclusions, and the budget as the Ranker's cap on ordinary results: it
        // then explains only the courses that go out (the same first ones as with the full k).
        ranking::RequestLimits limits;
        limits.offsets.push_back(0);
        for (std::size_t i = 0; i < log_index.size(); ++i) {
            const auto held = memory.held(base + i);
            limits.excluded.insert(limits.excluded.end(), held.begin(), held.end());
            limits.offsets.push_back(static_cast<offset_t>(limits.excluded.size()));
            limits.ordinary.push_back(static_cast<index_t>(std::min(budget_of(memory, base + i), static_cast<std::size_t>(k_))));
            for (auto rule : memory.held_rules(base + i)) ++suppressed_[rule];
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
                const auto held = memory.held(base + i);
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
        (void)cr;

        const auto n = static_cast<std::int64_t>(log_index.size());
        const auto segments = std::min(static_cast<std::int64_t>(parts_.size()), n);
        // Each segment, once formatted, is written as soon as the ones before it are (in learner
        // order: the same bytes as writing them one after another), while the other threads go
        // on formatting: the kernel's copy into the page cache, serialised per file anyway,
        // overlaps the formatting instead of following it. Every segment takes its turn even
        // after an error (a thread waiting for it would wait forever); the first error in
        // segment order is raised once the team has stopped.
        std::mutex turn_mutex;
        std::condition_variable turn_done;
        std::int64_t turn = 0;
        std::exception_ptr error;
        learnrec::detail::parallel_for(0, segments, spec_.num_threads, [&](std::int64_t p) {
            Part& part = parts_[static_cast<std::size_t>(p)];
            std::exception_ptr failed;
            try {
                part.out.clear();
                part.staged.clear();
                for (std::int64_t i = n * p / segments; i < n * (p + 1) / segments; ++i)
                    learner(part, r, x ? &*x : nullptr, memory, base, log_index, static_cast<std::size_t>(i));
            } catch (...) {
                failed = std::current_exception();
            }
            std::unique_lock<std::mutex> lock(turn_mutex);
            turn_done.wait(lock, [&] { return turn == p; });
            if (failed && !error) error = failed;
            if (!error) {
                try {
                    out_.write(part.out);
                    staged_.write(part.staged);
                } catch (...) {
                    error = std::current_exception();
                }
            }
            ++turn;
            lock.unlock();
            turn_done.notify_all();
        });
        if (error) std::rethrow_exception(error);
        out_.write_behind();
        done_ += log_index.size();
        if (spec_.progress) spec_.progress(done_, total_);
    }

    void set_total(std::size_t total) { total_ = total; }

    /// Moves the counts into the report.
    void finish() {
        const auto& cat = a_.ranker->catalogue();
        std::array<std::size_t, 32> reasons{};
        for (const auto& p : parts_) {
            report_.learners_reached += p.learners_reached;
            report_.pushes += p.pushes;
            report_.mandatory_pushes += p.mandatory;
            report_.exploration_pushes += p.exploration;
            report_.logged += p.logged;
            report_.already_logged += p.already_logged;
            period_cap_ += p.period_cap;
            for (std::size_t k = 0; k < reasons.size(); ++k) reasons[k] += p.reasons[k];
        }
        for (std::size_t c = 0; c < cat.courses.size(); ++c) {
            std::size_t rows = 0;
            for (const auto& p : parts_) rows += p.course_rows[c];
            if (rows > 0) {
                ++report_.courses_pushed;
                report_.by_format[cat.courses[c].format] += rows;
            }
        }
        for (std::size_t k = 0; k < reasons.size(); ++k)
            if (reasons[k] > 0) report_.by_reason[std::string(to_string(static_cast<ReasonKind>(k)))] = reasons[k];
        for (std::size_t k = 0; k < detail::kRules; ++k) report_.suppressed[detail::kRuleNames[k]] = suppressed_[k];
        report_.suppressed["period_cap"] = period_cap_;
    }

    /// Every pushed score (for the median; in no particular order).
    std::vector<float> scores() {
        std::vector<float> all;
        for (auto& p : parts_) all.insert(all.end(), p.scores.begin(), p.scores.end());
        return all;
    }

private:
    std::size_t budget_of(const detail::Memory& memory, std::size_t local) const {
        const auto& cr = spec_.settings.campaign;
        const std::size_t cap = cr.max_per_period > 0 ? static_cast<std::size_t>(cr.max_per_period)
                                                      : static_cast<std::size_t>(k_);
        const std::size_t used = memory.period_pushes[local];
        return used >= cap ? std::size_t{0} : cap - used;
    }

    /// The rows of chunk learner `i` into `part`.
    void learner(Part& part, const Recommendations& r, const Recommendations* x, const detail::Memory& memory,
                 std::size_t base, std::span<const index_t> log_index, std::size_t i) const {
        const index_t li = log_index[i];
        const auto q = static_cast<index_t>(i);
        const std::size_t budget = budget_of(memory, base + i);
        auto& rows = part.rows;
        rows.clear();
        std::size_t ordinary = 0, last_ordinary = 0, pinned = 0;
        for (index_t j = 0; j < r.count(q); ++j) {
            const auto s = r.slot(q, j);
            if (r.mandatory[s]) {
                rows.push_back({s});
                ++pinned;
            } else if (ordinary < budget) {
                last_ordinary = rows.size();
                rows.push_back({s});
                ++ordinary;
            }
        }
        // Places the cap withheld: what k leaves after the obligations, beyond the budget.
        const std::size_t places = static_cast<std::size_t>(k_) - std::min(pinned, static_cast<std::size_t>(k_));
        if (places > budget) part.period_cap += places - budget;
        if (x && budget > 0 && x->count(q) > 0) {
            const Row e{x->slot(q, 0), true};
            if (ordinary < budget && rows.size() < static_cast<std::size_t>(k_))
                rows.push_back(e);
            else if (ordinary > 0)
                rows[last_ordinary] = e;  // the exploration slot takes the last ordinary place
        }
        if (!rows.empty()) ++part.learners_reached;
        const std::string& id = a_.learner_ids.size() > static_cast<std::size_t>(li)
                                    ? a_.learner_ids[static_cast<std::size_t>(li)]
                                    : a_.new_learner_ids[static_cast<std::size_t>(li) - a_.learner_ids.size()];
        part.learner_csv.clear();
        append_csv(part.learner_csv, id);
        for (std::size_t n = 0; n < rows.size(); ++n)
            write(part, rows[n].explore ? *x : r, rows[n], memory, base + i, li, id, n + 1);
    }

    void write(Part& part, const Recommendations& r, const Row& row, const detail::Memory& memory, std::size_t local,
               index_t li, const std::string& learner, std::size_t rank) const {
        const index_t c = r.ids[row.slot];
        const auto reasons = r.reasons_of(static_cast<index_t>(row.slot / static_cast<std::size_t>(r.k)),
                                          static_cast<index_t>(row.slot % static_cast<std::size_t>(r.k)));
        Reason fresh;  // the exploration slot's own reason, first
        fresh.kind = ReasonKind::new_course;
        if (row.explore) fresh.date = a_.course_released[static_cast<std::size_t>(c)];
        const std::size_t n_reasons = reasons.size() + (row.explore ? 1 : 0);
        auto reason = [&](std::size_t i) -> const Reason& {
            return row.explore ? (i == 0 ? fresh : reasons[i - 1]) : reasons[i];
        };
        const bool mandatory = r.mandatory[row.slot] != 0;
        std::uint32_t kind_bits = 0;
        for (std::size_t i = 0; i < n_reasons; ++i) {
            const auto kind = static_cast<std::size_t>(reason(i).kind);
            kind_bits |= 1u << kind;
            ++part.reasons[kind];
        }
        std::string& line = part.out;
        if (spec_.format == OutputFormat::csv) {
            auto& texts = part.texts;
            texts.clear();
            line += spec_.id;
            line += ',';
            line += part.learner_csv;
            // Numbers are formatted into a stack buffer, then appended: formatting straight into
            // the string goes through fmt's growing iterator buffer, a copy per call.
            char num[96];
            line.append(num, fmt::format_to(num, FMT_COMPILE(",{},"), rank));
            line += course_csv_[static_cast<std::size_t>(c)];
            // Compiled formats: fmt's own float formatting without parsing the format per row.
            char* end = fmt::format_to(num, FMT_COMPILE(",{:.6g},{:.6g},"), r.scores[row.slot], r.model_scores[row.slot]);
            *end++ = mandatory ? '1' : '0';
            *end++ = ',';
            *end++ = row.explore ? '1' : '0';
            *end++ = ',';
            line.append(num, end);
            for (std::size_t i = 0; i < n_reasons; ++i) {
                if (i) line += ';';
                line += to_string(reason(i).kind);
            }
            // The texts are rendered in place, after an opening quote that only stays if
            // append_csv would quote them: one copy of them instead of two.
            line += ",\"";
            const std::size_t open = line.size() - 1;
            for (std::size_t i = 0; i < n_reasons; ++i) {
                if (i) line += "; ";
                r.append_text(line, reason(i));
            }
            const auto [special, quote] = csv_specials(std::string_view(line).substr(open + 1));
            if (quote) {  // rare: the inner quotes are doubled by append_csv
                texts.assign(line, open + 1);
                line.resize(open);
                append_csv(line, texts);
            } else if (special) {
                line += '"';
            } else {
                line.erase(open, 1);
            }
            line += '\n';
        } else {
            nlohmann::json rs = nlohmann::json::array();
            for (std::size_t i = 0; i < n_reasons; ++i)
                rs.push_back({{"kind", std::string(to_string(reason(i).kind))}, {"text", r.text(reason(i))}});
            const auto& course = a_.ranker->catalogue().courses[static_cast<std::size_t>(c)].id;
            const nlohmann::json j{{"campaign", spec_.id},           {"learner_id", learner},
                                   {"rank", rank},                   {"course_id", course},
                                   {"score", r.scores[row.slot]},    {"model_score", r.model_scores[row.slot]},
                                   {"mandatory", mandatory},         {"exploration", row.explore},
                                   {"reasons", rs}};
            line += j.dump();
            line += '\n';
        }
        // Each learner is in one segment: its digest slot is written by one thread only.
        book_.pushed(li, c, r.scores[row.slot], mandatory, row.explore, kind_bits);
        ++part.pushes;
        if (mandatory) ++part.mandatory;
        if (row.explore) ++part.exploration;
        ++part.course_rows[static_cast<std::size_t>(c)];
        part.scores.push_back(r.scores[row.slot]);
        if (memory.logged(local, c)) {
            ++part.already_logged;
            return;
        }
        std::string& log = part.staged;
        if (log_format_ == PushLogFormat::csv) {
            log += log_prefix_;
            log += part.learner_csv;
            log += ',';
            log += course_csv_[static_cast<std::size_t>(c)];
            log += mandatory ? ",pushed,1\n" : ",pushed,0\n";
        } else {
            log += format_push_record({spec_.now, spec_.id, learner,
                                       a_.ranker->catalogue().courses[static_cast<std::size_t>(c)].id,
                                       PushEvent::pushed, mandatory},
                                      log_format_);
        }
        ++part.logged;
    }

    const Audience& a_;
    const CampaignSpec& spec_;
    CampaignReport& report_;
    detail::AtomicFile& out_;
    detail::AtomicFile& staged_;
    detail::DigestBook& book_;
    PushLogFormat log_format_;
    index_t k_ = spec_.k > 0 ? spec_.k : spec_.settings.ranking.k;
    std::vector<index_t> new_courses_;
    std::vector<std::string> course_csv_;
    std::vector<Part> parts_;
    std::size_t suppressed_[detail::kRules] = {}, period_cap_ = 0;
    std::string log_prefix_;
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
                out.history.set(static_cast<index_t>(i), e.course, e.state, e.completed_at);
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
    const detail::LearnerLookup learners(a);
    const Target& target = spec.target;
    std::vector<std::uint8_t> listed;  // by log index, when the target lists ids
    if (!target.learner_ids.empty()) {
        listed.assign(learners.size(), 0);
        for (const auto& id : target.learner_ids) {
            const auto l = learners.find(id);
            LEARNREC_CHECK(l.has_value(), "target: unknown learner '{}' (not in the model nor in learners.csv)", id);
            listed[static_cast<std::size_t>(*l)] = 1;
        }
    }
    const bool by_facts = !(target.countries.empty() && target.regions.empty() && target.departments.empty() &&
                            target.roles.empty());
    LEARNREC_CHECK(!by_facts || !ranker.learners().empty() || trained == 0,
                   "target: filtering by country, region, department or role needs learners.csv in the catalogue");
    auto wanted = [&](const ranking::LearnerFacts* facts, std::size_t l) {
        if (!listed.empty() && !listed[l]) return false;
        if (!by_facts) return true;
        if (!facts) return false;
        auto in = [](const std::vector<std::string>& values, const std::string& v) {
            return values.empty() || std::find(values.begin(), values.end(), v) != values.end();
        };
        return in(target.countries, facts->country) && in(target.regions, facts->region) &&
               in(target.departments, facts->department) && in(target.roles, facts->role);
    };
    detail::DigestBook book(a, spec);  // checks the digests directory before anything is read
    // Targeted learners by log index, the model's first: position p of the campaign is rows[p].
    std::vector<index_t> rows;
    for (std::size_t l = 0; l < trained; ++l)
        if (wanted(ranker.learners().empty() ? nullptr : &ranker.learners()[l], l)) rows.push_back(static_cast<index_t>(l));
    const std::size_t old_count = rows.size();
    for (std::size_t l = 0; l < fresh; ++l)
        if (wanted(a.new_learners.facts.empty() ? nullptr : &a.new_learners.facts[l], trained + l))
            rows.push_back(static_cast<index_t>(trained + l));
    for (auto l : rows) book.target(l);

    IdMap courses;
    for (const auto& c : ranker.catalogue().courses) courses.insert(c.id);
    const auto chunk = static_cast<std::size_t>(spec.settings.campaign.chunk_learners);
    detail::LogMemory memory = [&] {
        std::vector<std::int32_t> position(learners.size(), -1);
        for (std::size_t p = 0; p < rows.size(); ++p) position[static_cast<std::size_t>(rows[p])] = static_cast<std::int32_t>(p);
        return detail::LogMemory(push_log, learners, courses, std::move(position), rows.size(), chunk, spec);
    }();
    CampaignReport report;
    report.campaign = spec.id;
    report.now = spec.now;
    report.log_warning = memory.warning();
    report.learners_targeted = rows.size();
    report.new_learners_targeted = rows.size() - old_count;
    report.model_version = a.model_version;
    report.catalogue_courses = ranker.catalogue().courses.size();

    detail::AtomicFile output(out);
    const std::filesystem::path staging = push_log.parent_path() / fmt::format(".{}.staged", push_log.filename().string());
    detail::AtomicFile staged(staging);
    Writer writer(a, spec, report, output, staged, book, push_log_format_of(push_log));
    writer.set_total(report.learners_targeted);
    const auto num_courses = ranker.model().num_courses();
    std::vector<index_t> part;
    // Chunks on the grid of `chunk` positions (so that none straddles two buckets of the log's
    // memory), cut where the new learners begin.
    for (std::size_t p = 0; p < rows.size();) {
        std::size_t end = std::min(rows.size(), (p / chunk + 1) * chunk);
        if (p < old_count) end = std::min(end, old_count);
        const auto who = std::span<const index_t>(rows).subspan(p, end - p);
        if (p < old_count) {
            writer.chunk(who, p, memory, [&](const ranking::RankingRules& rules, const ranking::RequestLimits& limits) {
                std::vector<std::string> goals;
                if (a.goals_index && !ranker.learners().empty())
                    for (auto l : who) goals.push_back(ranker.learners()[static_cast<std::size_t>(l)].goal);
                return ranker.recommend(who, spec.now, rules, limits, goals_of(a, goals));
            });
        } else {
            part.clear();
            for (auto l : who) part.push_back(l - static_cast<index_t>(trained));
            const ranking::NewLearners people = subset(a.new_learners, part, num_courses);
            writer.chunk(who, p, memory, [&](const ranking::RankingRules& rules, const ranking::RequestLimits& limits) {
                std::vector<std::string> goals;
                if (a.goals_index && !people.facts.empty())
                    for (const auto& f : people.facts) goals.push_back(f.goal);
                return ranker.recommend(people, spec.now, rules, limits, goals_of(a, goals));
            });
        }
        p = end;
    }

    writer.finish();
    report.coverage = report.catalogue_courses ? double(report.courses_pushed) / double(report.catalogue_courses) : 0.0;
    report.share_mandatory = report.pushes ? double(report.mandatory_pushes) / double(report.pushes) : 0.0;
    auto s = writer.scores();
    report.median_score = std::numeric_limits<double>::quiet_NaN();
    if (!s.empty()) {
        const auto mid = s.begin() + static_cast<std::ptrdiff_t>(s.size() / 2);
        std::nth_element(s.begin(), mid, s.end());
        report.median_score = *mid;
        if (s.size() % 2 == 0) report.median_score = 0.5 * (report.median_score + *std::max_element(s.begin(), mid));
    }
    // The output first: a failure between the two leaves it without log lines, and re-running the
    // id then logs them (idempotence); never log lines for an output that does not exist.
    report.digests = book.stage();
    output.commit();
    book.publish();
    // The staged lines are a spill file read back once (its temporary is removed by its
    // destructor): only the log they are appended to is fsync'ed.
    append_push_log_file(push_log, staged.flushed());
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
                     {"digests", digests},
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
    if (digests > 0) out += fmt::format("  manager digests: {}\n", digests);
    return out;
}

}  // namespace learnrec::campaign
