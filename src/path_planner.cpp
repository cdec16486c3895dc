// learnrec path — candidates, gaps, branch and bound and the greedy heuristic (path/plan.hpp).
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "learnrec/error.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "path_detail.hpp"

namespace learnrec::path {

void PlanOptions::validate() const {
    LEARNREC_CHECK(start_month >= 1 && start_month <= 12, "start month {} is not 1..12", start_month);
    LEARNREC_CHECK(months >= 1 && months <= 120, "months {} is not 1..120", months);
    LEARNREC_CHECK(hours_per_month >= 0.0 && std::isfinite(hours_per_month), "hours per month {} must be >= 0",
                   hours_per_month);
    LEARNREC_CHECK(hours_per_quarter >= 0.0 && std::isfinite(hours_per_quarter), "hours per quarter {} must be >= 0",
                   hours_per_quarter);
    LEARNREC_CHECK(hours_per_month > 0.0 || hours_per_quarter > 0.0,
                   "no time budget: hours per month or hours per quarter must be > 0");
    LEARNREC_CHECK(first_month >= 0 && first_month < months, "first_month {} is not 0..{}", first_month, months - 1);
    LEARNREC_CHECK(gig_hours_per_week >= 0.0 && std::isfinite(gig_hours_per_week) && work_package_hours_per_week >= 0.0 &&
                       std::isfinite(work_package_hours_per_week),
                   "gig and work package hours per week must be >= 0");
    LEARNREC_CHECK(options_per_gap >= 1, "options_per_gap {} must be >= 1", options_per_gap);
    LEARNREC_CHECK(exact_limit >= 0 && exact_limit <= 64, "exact_limit {} is not 0..64", exact_limit);
    LEARNREC_CHECK(node_limit > 0, "node_limit {} must be > 0", node_limit);
}

timestamp_t month_start(const PlanOptions& o, int month) {
    const std::int64_t index = std::int64_t{o.start_year} * 12 + (o.start_month - 1) + month;
    const std::int64_t year = learnrec::detail::floor_div(index, 12);
    return days_from_civil(year, static_cast<unsigned>(index - year * 12 + 1), 1) * ranking::kSecondsPerDay;
}

std::string month_label(const PlanOptions& o, int month) {
    const std::int64_t index = std::int64_t{o.start_year} * 12 + (o.start_month - 1) + month;
    const std::int64_t year = learnrec::detail::floor_div(index, 12);
    return fmt::format("{:04d}-{:02d}", year, index - year * 12 + 1);
}

std::string_view to_string(StepStatus status) {
    switch (status) {
        case StepStatus::planned: return "planned";
        case StepStatus::completed: return "completed";
        case StepStatus::failed: return "failed";
        case StepStatus::dropped: return "dropped";
    }
    return "planned";
}

bool obligation_applies(const ranking::Obligation& o, const ranking::LearnerFacts& l) {
    using ranking::ObligationScope;
    switch (o.scope) {
        case ObligationScope::all: return true;
        case ObligationScope::learner: return o.value == l.id;
        case ObligationScope::role: return o.value == l.role;
        case ObligationScope::country: return o.value == l.country;
        case ObligationScope::department: return o.value == l.department;
    }
    return false;
}

namespace {

using detail::Candidate;
using detail::Slot;
constexpr double kEps = 1e-9;
constexpr std::int64_t kScheduleNodes = 20000;
constexpr timestamp_t kNoDeadline = std::numeric_limits<timestamp_t>::max();

struct Gap {
    bool obligation = false;
    std::string skill;  // or the obligation's course id
    int current = 0, target = 0;
    index_t course = -1;            // obligation
    timestamp_t due = kNoDeadline;  // obligation
    std::vector<std::vector<int>> options;  // closures (candidate indices, sorted)
    std::vector<char> covered_by;           // per candidate: taking it closes the gap
    std::vector<index_t> replaced;          // failed courses (not retaken) that would have closed it
    std::string why, detail;                // when there is no option
};

struct Score {
    int obligations = -1, skills = 0;
    double hours = 0.0, preference = 0.0;
};
bool better(const Score& a, const Score& b) {
    if (a.obligations != b.obligations) return a.obligations > b.obligations;
    if (a.skills != b.skills) return a.skills > b.skills;
    if (std::abs(a.hours - b.hours) > 1e-6) return a.hours < b.hours;
    return a.preference > b.preference + 1e-9;
}

bool contains(const std::vector<std::string>& list, const std::string& x) {
    return std::find(list.begin(), list.end(), x) != list.end();
}

class Planner {
public:
    Planner(const ranking::Catalogue& cat, std::span<const float> hours, const PlanLearner& learner,
            const PlanOptions& options, std::span<const float> preference,
            std::span<const allocation::Opportunity> opportunities)
        : cat_(cat), hours_(hours), learner_(learner), o_(options), pref_(preference), opps_(opportunities) {}

    Plan run() {
        o_.validate();
        const auto n = static_cast<std::size_t>(cat_.num_courses());
        LEARNREC_CHECK(hours_.size() == n, "course hours: {} values for {} courses", hours_.size(), n);
        LEARNREC_CHECK(pref_.empty() || pref_.size() == n, "preference: {} values for {} courses", pref_.size(), n);
        done_.assign(n, 0);
        failed_.assign(n, 0);
        for (index_t c : learner_.completed) done_.at(checked(c, "completed")) = 1;
        for (index_t c : learner_.failed) failed_.at(checked(c, "failed")) = 1;
        for (const auto& t : learner_.targets) held_[t.skill] = std::max(held_[t.skill], t.current);
        for (index_t c : learner_.completed)
            for (const auto& s : cat_.courses[static_cast<std::size_t>(c)].skills) held_[s.skill] = std::max(held_[s.skill], s.level);
        opp_local_.assign(opps_.size(), -2);
        prereqs_.assign(n, {});
        for (const auto& p : cat_.prerequisites) prereqs_.at(checked(p.course, "prerequisite")).push_back(p.requires_course);
        sessions_of_.assign(n, {});
        for (std::size_t s = 0; s < cat_.sessions.size(); ++s)
            sessions_of_.at(checked(cat_.sessions[s].course, "session")).push_back(static_cast<std::int64_t>(s));
        local_.assign(n, -1);
        status_.assign(n, Status::unknown);
        horizon_end_ = month_start(o_, o_.months);
        build_budget();
        build_gaps();
        plan_.learner = learner_.facts.id;
        search();
        finish();
        return std::move(plan_);
    }

private:
    enum class Status : std::uint8_t { unknown, visiting, ok, ineligible, no_session, too_long, bad_prerequisite, replaced };

    std::size_t checked(index_t c, const char* what) const {
        LEARNREC_CHECK(c >= 0 && c < cat_.num_courses(), "{} course index {} is out of range (catalogue of {})",
                       what, c, cat_.num_courses());
        return static_cast<std::size_t>(c);
    }

    bool eligible(const ranking::CourseFacts& f) const {
        const auto& l = learner_.facts;
        if (!f.languages.empty() && !l.languages.empty() &&
            std::none_of(f.languages.begin(), f.languages.end(), [&](const auto& x) { return contains(l.languages, x); }))
            return false;
        if (!f.format.empty() && !l.formats.empty() && !contains(l.formats, f.format)) return false;
        if (!f.regions.empty() && !contains(f.regions, l.country) && !contains(f.regions, l.region)) return false;
        return true;
    }

    int month_of(timestamp_t t) const {
        const auto d = learnrec::detail::civil_from_days(learnrec::detail::floor_div(t, ranking::kSecondsPerDay));
        return static_cast<int>((d.year * 12 + d.month - 1) - (std::int64_t{o_.start_year} * 12 + o_.start_month - 1));
    }

    /// Makes course c a candidate (with its slots and prerequisites) when the learner can take it.
    /// `mandatory`: an obligation is assigned, so its language and format do not rule it out.
    Status require(index_t c, timestamp_t deadline, bool mandatory = false) {
        const auto j = static_cast<std::size_t>(c);
        if (status_[j] == Status::visiting) return Status::bad_prerequisite;  // cycle: validate() forbids it
        if (status_[j] != Status::unknown) {
            if (status_[j] == Status::ok && deadline < kNoDeadline) tighten(local_[j], deadline);
            return status_[j];
        }
        status_[j] = Status::visiting;
        const auto& f = cat_.courses[j];
        Candidate cand{c, static_cast<double>(hours_[j]), pref_.empty() ? 0.0 : static_cast<double>(pref_[j]), {}, {}};
        Status st = Status::ok;
        if (!mandatory && !eligible(f)) st = Status::ineligible;
        if (!mandatory && failed_[j] && !o_.retake_failed) st = Status::replaced;
        if (st == Status::ok) {
            LEARNREC_CHECK(std::isfinite(cand.hours) && cand.hours > 0.0,
                           "course '{}' has no hours ({}): the planner needs a positive duration", cat_.course_name(c),
                           cand.hours);
            if (!sessions_of_[j].empty()) {
                for (std::int64_t s : sessions_of_[j]) {
                    const auto& ses = cat_.sessions[static_cast<std::size_t>(s)];
                    const auto& l = learner_.facts;
                    const bool place = ses.location.empty() || ses.location == l.country || ses.location == l.region;
                    if (!place || ses.capacity <= 0 || ses.start < month_start(o_, o_.first_month) ||
                        ses.end > horizon_end_)
                        continue;
                    cand.slots.push_back({month_of(ses.start), 1, ses.start, ses.end, s, true});
                }
                std::sort(cand.slots.begin(), cand.slots.end(),
                          [](const Slot& a, const Slot& b) { return a.start != b.start ? a.start < b.start : a.session < b.session; });
                if (cand.slots.empty()) st = Status::no_session;
                else if (cand.hours > o_.month_capacity() + kEps) st = Status::too_long;
            } else {
                const int span = std::max(1, static_cast<int>(std::ceil(cand.hours / o_.month_capacity() - 1e-9)));
                for (int m = o_.first_month; m + span <= o_.months; ++m)
                    cand.slots.push_back({m, span, month_start(o_, m), month_start(o_, m + span), -1, false});
                if (cand.slots.empty()) st = Status::too_long;
            }
        }
        if (st == Status::ok)
            for (index_t p : prereqs_[j]) {
                if (done_[static_cast<std::size_t>(p)]) continue;
                if (require(p, kNoDeadline) != Status::ok) {
                    st = Status::bad_prerequisite;
                    bad_prereq_[c] = p;
                    break;
                }
            }
        status_[j] = st;
        if (st != Status::ok) return st;
        local_[j] = static_cast<int>(cands_.size());
        for (index_t p : prereqs_[j])
            if (!done_[static_cast<std::size_t>(p)]) cand.prerequisites.push_back(local_[static_cast<std::size_t>(p)]);
        cands_.push_back(std::move(cand));
        if (deadline < kNoDeadline) tighten(local_[j], deadline);
        return st;
    }

    /// Makes opportunity k (a gig or work package) a candidate when the learner can take it.
    Status require_opportunity(std::size_t k) {
        if (opp_local_[k] >= 0) return Status::ok;
        if (opp_local_[k] == -1) return Status::ineligible;
        const auto& op = opps_[k];
        const auto& l = learner_.facts;
        const double per_week = op.kind == allocation::OpportunityKind::gig            ? o_.gig_hours_per_week
                                : op.kind == allocation::OpportunityKind::work_package ? o_.work_package_hours_per_week
                                                                                       : 0.0;
        bool ok = per_week > 0.0 && op.places > 0 && op.start >= month_start(o_, o_.first_month) &&
                  op.end <= horizon_end_ && op.end >= op.start;
        ok = ok && (op.location.empty() || op.location == l.country || op.location == l.region);
        ok = ok && (op.host_department.empty() || op.host_department != l.department);
        ok = ok && (op.languages.empty() || l.languages.empty() ||
                    std::any_of(op.languages.begin(), op.languages.end(), [&](const auto& x) { return contains(l.languages, x); }));
        for (const auto& r : op.required) {
            const auto it = held_.find(r.skill);
            ok = ok && it != held_.end() && it->second >= r.level;
        }
        if (!ok) {
            opp_local_[k] = -1;
            return Status::ineligible;
        }
        // A week started counts as a week: the host plans in weeks.
        const auto weeks = (op.end - op.start + 7 * ranking::kSecondsPerDay - 1) / (7 * ranking::kSecondsPerDay);
        const int first = month_of(op.start), last = month_of(op.end);
        Candidate cand{-1, per_week * static_cast<double>(std::max<timestamp_t>(1, weeks)), 0.0, {}, {},
                       static_cast<std::int64_t>(k)};
        cand.slots.push_back({first, last - first + 1, op.start, op.end, -1, true});
        opp_local_[k] = static_cast<int>(cands_.size());
        cands_.push_back(std::move(cand));
        return Status::ok;
    }

    /// Calendar quarters of the plan's months, and what past steps already spent in them.
    void build_budget() {
        budget_.per_month = o_.hours_per_month;
        budget_.per_quarter = o_.hours_per_quarter;
        budget_.first_month = o_.first_month;
        const int base = (o_.start_month - 1) / 3;
        for (int m = 0; m < o_.months; ++m) budget_.quarter.push_back((o_.start_month - 1 + m) / 3 - base);
        budget_.spent.assign(static_cast<std::size_t>(o_.months), 0.0);
        budget_.quarter_spent.assign(static_cast<std::size_t>(budget_.quarter.back() + 1), 0.0);
        for (const auto& p : learner_.past) {
            const int m = month_of(p.time);
            checked(p.course, "past step");
            if (m < 0 || m >= o_.months || p.state == CourseState::dropped) continue;
            const double h = hours_[static_cast<std::size_t>(p.course)];
            budget_.spent[static_cast<std::size_t>(m)] += h;
            budget_.quarter_spent[static_cast<std::size_t>(budget_.quarter[static_cast<std::size_t>(m)])] += h;
        }
    }

    /// An obligation's course must end by its due date whenever it is taken. Its prerequisites are
    /// not cut here: they may serve other gaps, and the scheduler puts them before it anyway.
    void tighten(int c, timestamp_t deadline) {
        auto& slots = cands_[static_cast<std::size_t>(c)].slots;
        std::erase_if(slots, [&](const Slot& s) { return s.end > deadline; });
    }

    std::vector<int> closure(int c) const {
        std::vector<int> out{c};
        for (std::size_t k = 0; k < out.size(); ++k)
            for (int p : cands_[static_cast<std::size_t>(out[k])].prerequisites)
                if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
        std::sort(out.begin(), out.end());
        return out;
    }

    static std::pair<std::string, std::string> explain(Status st) {
        switch (st) {
            case Status::ineligible: return {"no course", "not in the learner's languages, formats or country"};
            case Status::no_session: return {"no session", "no open session in the horizon where the learner is"};
            case Status::too_long: return {"budget", "longer than the monthly budget or the horizon"};
            case Status::bad_prerequisite: return {"no course", "a prerequisite the learner cannot take"};
            case Status::replaced: return {"no course", "only the failed course teaches it (retaking is off)"};
            default: return {"budget", "does not fit the months and hours left"};
        }
    }

    void build_gaps() {
        const timestamp_t start = month_start(o_, o_.first_month);  // re-planning: overdue by now
        // Obligations: pending, applying, due before the horizon ends (overdue ones as soon as possible).
        std::map<index_t, timestamp_t> due;
        for (const auto& ob : cat_.obligations) {
            const auto j = checked(ob.course, "obligation");
            if (done_[j] || !obligation_applies(ob, learner_.facts) || ob.due > horizon_end_) continue;
            auto [it, fresh] = due.emplace(ob.course, ob.due);
            if (!fresh) it->second = std::min(it->second, ob.due);
        }
        for (const auto& [c, d] : due) {
            Gap g;
            g.obligation = true;
            g.course = c;
            g.skill = cat_.course_name(c);
            g.due = d;
            const Status st = require(c, d < start ? kNoDeadline : d, true);
            if (st == Status::ok) {
                const int l = local_[static_cast<std::size_t>(c)];
                if (cands_[static_cast<std::size_t>(l)].slots.empty()) {
                    g.why = "budget";
                    g.detail = fmt::format("no month or session before the due date {}", ranking::format_date(d));
                } else {
                    g.options.push_back(closure(l));
                }
            } else {
                std::tie(g.why, g.detail) = explain(st);
            }
            gaps_.push_back(std::move(g));
        }
        // Skills: every course teaching the skill at the target level or above is an option.
        std::vector<Gap> skills;
        for (const auto& t : learner_.targets) {
            if (t.current >= t.target) continue;
            Gap g;
            g.skill = t.skill;
            g.current = t.current;
            g.target = t.target;
            Status worst = Status::unknown;
            bool taught = false;
            for (index_t c = 0; c < cat_.num_courses(); ++c) {
                const auto j = static_cast<std::size_t>(c);
                if (done_[j]) continue;
                const bool teaches = std::any_of(cat_.courses[j].skills.begin(), cat_.courses[j].skills.end(),
                                                 [&](const ranking::CourseSkill& s) { return s.skill == t.skill && s.level >= t.target; });
                if (!teaches) continue;
                taught = true;
                const Status st = require(c, kNoDeadline);
                if (st == Status::ok) g.options.push_back(closure(local_[j]));
                else if (worst == Status::unknown || rank(st) > rank(worst)) worst = st;
                if (st == Status::replaced) g.replaced.push_back(c);
            }
            for (std::size_t k = 0; k < opps_.size(); ++k) {
                const auto& taught_here = opps_[k].taught;
                if (std::none_of(taught_here.begin(), taught_here.end(), [&](const ranking::CourseSkill& s) {
                        return s.skill == t.skill && s.level >= t.target;
                    }))
                    continue;
                taught = true;
                const Status st = require_opportunity(k);
                if (st == Status::ok) g.options.push_back({opp_local_[k]});
                else if (worst == Status::unknown || rank(st) > rank(worst)) worst = st;
            }
            prune(g);
            if (g.options.empty()) {
                if (!taught) {
                    g.why = "no course";
                    g.detail = fmt::format("no course teaches {} at level {}", t.skill, t.target);
                } else {
                    std::tie(g.why, g.detail) = explain(worst);
                }
            }
            skills.push_back(std::move(g));
        }
        std::stable_sort(skills.begin(), skills.end(), [](const Gap& a, const Gap& b) {
            return a.options.size() < b.options.size();
        });
        for (auto& g : skills) gaps_.push_back(std::move(g));
        compact();
        // Which candidates close which gap (known only now that all candidates exist).
        for (auto& g : gaps_) {
            g.covered_by.assign(cands_.size(), 0);
            for (std::size_t c = 0; c < cands_.size(); ++c) {
                const auto& skills_of = taught_by(cands_[c]);
                g.covered_by[c] = g.obligation
                                      ? cands_[c].course == g.course
                                      : std::any_of(skills_of.begin(), skills_of.end(), [&](const ranking::CourseSkill& s) {
                                            return s.skill == g.skill && s.level >= g.target;
                                        });
            }
            std::sort(g.options.begin(), g.options.end(), [&](const auto& a, const auto& b) { return cost(a) < cost(b); });
        }
    }

    const std::vector<ranking::CourseSkill>& taught_by(const Candidate& c) const {
        return c.opportunity >= 0 ? opps_[static_cast<std::size_t>(c.opportunity)].taught
                                  : cat_.courses[static_cast<std::size_t>(c.course)].skills;
    }

    /// Keeps a gap's `options_per_gap` cheapest options (hours, then preference): what bounds the
    /// search when many courses teach one skill.
    void prune(Gap& g) {
        if (static_cast<int>(g.options.size()) <= o_.options_per_gap) return;
        auto pref = [&](const std::vector<int>& opt) {
            double x = 0.0;
            for (int c : opt) x += cands_[static_cast<std::size_t>(c)].preference;
            return x;
        };
        std::stable_sort(g.options.begin(), g.options.end(), [&](const auto& a, const auto& b) {
            const double ca = cost(a), cb = cost(b);
            return std::abs(ca - cb) > 1e-9 ? ca < cb : pref(a) > pref(b);
        });
        g.options.resize(static_cast<std::size_t>(o_.options_per_gap));
        plan_.options_cut = true;
    }

    /// Drops the candidates no gap's option uses any more (pruned options), renumbering the rest.
    void compact() {
        std::vector<int> renumber(cands_.size(), -1);
        for (const Gap& g : gaps_)
            for (const auto& opt : g.options)
                for (int c : opt) renumber[static_cast<std::size_t>(c)] = 0;
        std::vector<Candidate> kept;
        for (std::size_t c = 0; c < cands_.size(); ++c)
            if (renumber[c] == 0) {
                renumber[c] = static_cast<int>(kept.size());
                kept.push_back(std::move(cands_[c]));
            }
        if (kept.size() == cands_.size()) {
            cands_ = std::move(kept);
            return;
        }
        for (int& l : local_)
            if (l >= 0) l = renumber[static_cast<std::size_t>(l)];
        for (int& l : opp_local_)
            if (l >= 0) l = renumber[static_cast<std::size_t>(l)];
        for (auto& c : kept)
            for (int& p : c.prerequisites) p = renumber[static_cast<std::size_t>(p)];  // in a closure: kept
        for (Gap& g : gaps_)
            for (auto& opt : g.options) {
                for (int& c : opt) c = renumber[static_cast<std::size_t>(c)];
                std::sort(opt.begin(), opt.end());
            }
        cands_ = std::move(kept);
    }
    /// Which failure explains a gap best: the one closest to working.
    static int rank(Status st) {
        switch (st) {
            case Status::too_long: return 4;
            case Status::no_session: return 3;
            case Status::bad_prerequisite: return 2;
            default: return 1;
        }
    }

    double cost(const std::vector<int>& set, const std::vector<char>* in = nullptr) const {
        double h = 0.0;
        for (int c : set)
            if (!in || !(*in)[static_cast<std::size_t>(c)]) h += cands_[static_cast<std::size_t>(c)].hours;
        return h;
    }

    bool covered(const Gap& g, const std::vector<char>& in) const {
        for (std::size_t c = 0; c < in.size(); ++c)
            if (in[c] && g.covered_by[c]) return true;
        return false;
    }

    bool schedulable(const std::vector<int>& set) {
        std::uint64_t key = 0;
        const bool memo = cands_.size() <= 64;
        if (memo) {
            for (int c : set) key |= std::uint64_t{1} << c;
            if (auto it = memo_.find(key); it != memo_.end()) return it->second;
        }
        bool exhausted = false;
        // A bounded search per set: an unproven set counts as not schedulable (and the plan as not proven).
        const bool ok = detail::schedule(cands_, set, budget_, nullptr, plan_.nodes,
                                         plan_.nodes + kScheduleNodes, exhausted);
        if (exhausted) stopped_schedule_ = true;
        if (memo) memo_.emplace(key, ok);
        return ok;
    }

    // ---- branch and bound ----
    void branch(std::size_t g, std::vector<char>& in, std::vector<int>& set, Score score) {
        if (stopped_) return;
        if (++plan_.nodes > o_.node_limit) {
            stopped_ = true;
            return;
        }
        if (g == gaps_.size()) {
            if (better(score, best_)) {
                best_ = score;
                best_set_ = set;
            }
            return;
        }
        // Bound: every remaining gap with an option closed, at the dearest single one's extra cost.
        Score bound = score;
        double extra = 0.0;
        for (std::size_t k = g; k < gaps_.size(); ++k) {
            const Gap& r = gaps_[k];
            if (r.options.empty()) continue;
            (r.obligation ? bound.obligations : bound.skills) += 1;
            if (covered(r, in)) continue;
            double cheapest = std::numeric_limits<double>::infinity();
            for (const auto& opt : r.options) cheapest = std::min(cheapest, cost(opt, &in));
            extra = std::max(extra, cheapest);
        }
        bound.hours += extra;
        if (best_.obligations >= 0) {
            if (bound.obligations != best_.obligations || bound.skills != best_.skills) {
                if (!better(Score{bound.obligations, bound.skills, 0, 0}, Score{best_.obligations, best_.skills, 0, 0}))
                    return;
            } else if (bound.hours > best_.hours + 1e-6) {
                return;
            }
        }
        const Gap& gap = gaps_[g];
        Score next = score;
        if (covered(gap, in)) {
            (gap.obligation ? next.obligations : next.skills) += 1;
            branch(g + 1, in, set, next);
            return;
        }
        for (const auto& opt : gap.options) {
            std::vector<int> added;
            for (int c : opt)
                if (!in[static_cast<std::size_t>(c)]) added.push_back(c);
            for (int c : added) {
                in[static_cast<std::size_t>(c)] = 1;
                set.push_back(c);
            }
            if (schedulable(set)) {
                Score s = score;
                (gap.obligation ? s.obligations : s.skills) += 1;
                for (int c : added) {
                    s.hours += cands_[static_cast<std::size_t>(c)].hours;
                    s.preference += cands_[static_cast<std::size_t>(c)].preference;
                }
                branch(g + 1, in, set, s);
            }
            for (int c : added) in[static_cast<std::size_t>(c)] = 0;
            set.resize(set.size() - added.size());
            if (stopped_) return;
        }
        branch(g + 1, in, set, score);  // leave the gap open
    }

    // ---- greedy ----
    std::pair<Score, std::vector<int>> greedy() {
        std::vector<char> in(cands_.size(), 0);
        std::vector<int> set;
        Score score{0, 0, 0.0, 0.0};
        for (const Gap& gap : gaps_) {
            if (covered(gap, in)) {
                (gap.obligation ? score.obligations : score.skills) += 1;
                continue;
            }
            // Options by extra hours, then preference.
            std::vector<std::pair<std::pair<double, double>, std::size_t>> order;
            for (std::size_t k = 0; k < gap.options.size(); ++k) {
                double pref = 0.0;
                for (int c : gap.options[k])
                    if (!in[static_cast<std::size_t>(c)]) pref += cands_[static_cast<std::size_t>(c)].preference;
                order.push_back({{cost(gap.options[k], &in), -pref}, k});
            }
            std::sort(order.begin(), order.end());
            for (const auto& [key, k] : order) {
                std::vector<int> trial = set;
                for (int c : gap.options[k])
                    if (!in[static_cast<std::size_t>(c)]) trial.push_back(c);
                if (!schedulable(trial)) continue;
                for (std::size_t i = set.size(); i < trial.size(); ++i) {
                    const auto& cand = cands_[static_cast<std::size_t>(trial[i])];
                    in[static_cast<std::size_t>(trial[i])] = 1;
                    score.hours += cand.hours;
                    score.preference += cand.preference;
                }
                set = std::move(trial);
                (gap.obligation ? score.obligations : score.skills) += 1;
                break;
            }
        }
        return {score, set};
    }

    void search() {
        const bool exact = static_cast<int>(cands_.size()) <= o_.exact_limit;
        if (exact) {
            std::vector<char> in(cands_.size(), 0);
            std::vector<int> set;
            branch(0, in, set, Score{0, 0, 0.0, 0.0});
        }
        if (!exact || stopped_) {
            auto [score, set] = greedy();
            if (better(score, best_)) {
                best_ = score;
                best_set_ = std::move(set);
            }
        }
        plan_.optimal = exact && !stopped_ && !stopped_schedule_ && !plan_.options_cut;
    }

    void finish() {
        std::vector<char> in(cands_.size(), 0);
        for (int c : best_set_) in[static_cast<std::size_t>(c)] = 1;
        std::vector<int> slots;
        bool exhausted = false;
        std::int64_t nodes = 0;
        if (!best_set_.empty())
            LEARNREC_CHECK(detail::schedule(cands_, best_set_, budget_, &slots, nodes,
                                            std::numeric_limits<std::int64_t>::max(), exhausted),
                           "internal: the chosen courses no longer schedule");
        // Past steps (re-planning) as they happened, then the planned ones; all by time.
        std::vector<Step> steps;
        std::vector<int> cand_of;  // per step: its candidate, or -1 for a past step
        for (const auto& past : learner_.past) {
            const int m = month_of(past.time);
            if (m < 0 || m >= o_.months) continue;
            const StepStatus status = past.state == CourseState::failed    ? StepStatus::failed
                                      : past.state == CourseState::dropped ? StepStatus::dropped
                                                                           : StepStatus::completed;
            Step step{past.course, m, 1, hours_[static_cast<std::size_t>(past.course)], -1, -1, past.time, past.time, status, {}};
            step.reasons.push_back(fmt::format("{} {}", to_string(status), ranking::format_date(past.time)));
            steps.push_back(std::move(step));
            cand_of.push_back(-1);
        }
        for (std::size_t i = 0; i < best_set_.size(); ++i) {
            const auto& cand = cands_[static_cast<std::size_t>(best_set_[i])];
            const Slot& s = cand.slots[static_cast<std::size_t>(slots[i])];
            steps.push_back({cand.course, s.month, s.span, cand.hours, s.session, cand.opportunity, s.start, s.end,
                             StepStatus::planned, {}});
            cand_of.push_back(best_set_[i]);
        }
        std::vector<std::size_t> order(steps.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            const Step &x = steps[a], &y = steps[b];
            if (x.month != y.month) return x.month < y.month;
            if (x.start != y.start) return x.start < y.start;
            if (x.course != y.course) return x.course < y.course;
            return x.opportunity < y.opportunity;
        });
        std::vector<int> step_of(cands_.size(), -1);
        for (std::size_t k = 0; k < order.size(); ++k)
            if (cand_of[order[k]] >= 0) step_of[static_cast<std::size_t>(cand_of[order[k]])] = static_cast<int>(k);
        for (std::size_t k = 0; k < order.size(); ++k) {
            Step step = std::move(steps[order[k]]);
            const int c = cand_of[order[k]];
            if (c >= 0) {
                const auto& cand = cands_[static_cast<std::size_t>(c)];
                for (const Gap& g : gaps_) {
                    if (!g.covered_by[static_cast<std::size_t>(c)]) continue;
                    if (g.obligation)
                        step.reasons.push_back(g.due < month_start(o_, o_.first_month)
                                                   ? fmt::format("mandatory, overdue since {}", ranking::format_date(g.due))
                                                   : fmt::format("mandatory, due {}", ranking::format_date(g.due)));
                    else
                        step.reasons.push_back(fmt::format("closes skill {} from level {} to {}", g.skill, g.current, g.target));
                    for (index_t f : g.replaced) step.reasons.push_back(fmt::format("replaces {} (failed)", cat_.course_name(f)));
                }
                for (std::size_t j = 0; j < cands_.size(); ++j)
                    if (in[j] && std::find(cands_[j].prerequisites.begin(), cands_[j].prerequisites.end(), c) !=
                                     cands_[j].prerequisites.end())
                        step.reasons.push_back(fmt::format("prerequisite of step {} ({})", step_of[j] + 1,
                                                           cat_.course_name(cands_[j].course)));
                if (cand.course >= 0 && failed_[static_cast<std::size_t>(cand.course)])
                    step.reasons.push_back("retake after a failed attempt");
                plan_.total_hours += cand.hours;
                plan_.preference += cand.preference;
            }
            plan_.steps.push_back(std::move(step));
        }
        // Gaps left open, and the bound.
        double bound = 0.0;
        for (const Gap& g : gaps_) {
            if (covered(g, in)) {
                double cheapest = std::numeric_limits<double>::infinity();
                for (const auto& opt : g.options) cheapest = std::min(cheapest, cost(opt));
                bound = std::max(bound, cheapest);
                continue;
            }
            Unmet u;
            if (g.obligation) u.course_id = g.skill;
            else u.skill = g.skill;
            u.current = g.current;
            u.target = g.target;
            u.why = g.options.empty() ? g.why : "budget";
            u.detail = g.options.empty() ? g.detail : "its courses do not fit the months and hours left";
            plan_.unmet.push_back(std::move(u));
        }
        plan_.lower_bound_hours = plan_.optimal ? plan_.total_hours : bound;
    }

    const ranking::Catalogue& cat_;
    std::span<const float> hours_;
    const PlanLearner& learner_;
    PlanOptions o_;
    std::span<const float> pref_;
    std::span<const allocation::Opportunity> opps_;
    std::vector<int> opp_local_;  // -2 not seen, -1 not for this learner, else the candidate
    std::map<std::string, int> held_;  // skill levels the learner has now (targets' current, completed courses)
    detail::Budget budget_;
    std::vector<char> done_, failed_;
    std::vector<std::vector<index_t>> prereqs_;
    std::vector<std::vector<std::int64_t>> sessions_of_;
    std::vector<int> local_;
    std::vector<Status> status_;
    std::map<index_t, index_t> bad_prereq_;
    std::vector<Candidate> cands_;
    std::vector<Gap> gaps_;
    timestamp_t horizon_end_ = 0;
    std::unordered_map<std::uint64_t, bool> memo_;
    Score best_;
    std::vector<int> best_set_;
    bool stopped_ = false;
    bool stopped_schedule_ = false;
    Plan plan_;
};

}  // namespace

Plan plan_path(const ranking::Catalogue& catalogue, std::span<const float> course_hours, const PlanLearner& learner,
               const PlanOptions& options, std::span<const float> preference,
               std::span<const allocation::Opportunity> opportunities) {
    return Planner(catalogue, course_hours, learner, options, preference, opportunities).run();
}

}  // namespace learnrec::path
