// learnrec allocation — candidates from the Ranker (model in allocation/market.hpp).
#include "learnrec/allocation/market.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "learnrec/detail/parallel.hpp"
#include "learnrec/error.hpp"
#include "learnrec/ranking/calendar.hpp"

namespace learnrec::allocation {

std::vector<SkillLevels> current_skill_levels(const ranking::Ranker& ranker) {
    const auto& history = ranker.history();
    const auto& cat = ranker.catalogue();
    // Every model learner has an entry (a Ranker built without history has none in it).
    std::vector<SkillLevels> out(static_cast<std::size_t>(std::max(history.num_learners(), ranker.model().num_learners())));
    for (index_t l = 0; l < history.num_learners(); ++l) {
        auto& levels = out[static_cast<std::size_t>(l)];
        for (const auto& e : history.of(l)) {
            if (e.completed_at == ranking::kNever && !is_completed(e.state)) continue;
            for (const auto& s : cat.courses[static_cast<std::size_t>(e.course)].skills) levels.push_back(s);
        }
        std::sort(levels.begin(), levels.end(), [](const auto& a, const auto& b) {
            return a.skill != b.skill ? a.skill < b.skill : a.level > b.level;
        });
        levels.erase(std::unique(levels.begin(), levels.end(), [](const auto& a, const auto& b) { return a.skill == b.skill; }),
                     levels.end());
    }
    return out;
}

namespace {

/// Strings as small integers: skills, places and languages are compared per learner and gig
/// millions of times, so they are interned once. An unknown name is -1 and equals nothing.
struct Names {
    std::unordered_map<std::string, int> ids;
    std::vector<std::string> names;
    int add(const std::string& name) {
        const auto [it, fresh] = ids.emplace(name, static_cast<int>(names.size()));
        if (fresh) names.push_back(name);
        return it->second;
    }
    int find(const std::string& name) const {
        const auto it = ids.find(name);
        return it == ids.end() ? -1 : it->second;
    }
};

struct SkillId {
    int skill;
    int level;
};

/// A gig or work package with interned names: what two_sided_fit reads, in integers.
struct Gig {
    std::vector<SkillId> taught, required;
    std::vector<int> languages;
    int location = -1;  ///< -1: remote
    int region = -1;    ///< -1: unknown
};

/// One learner's side of the fit, in dense arrays over skill ids (filled per learner, then reset).
struct LearnerSide {
    std::vector<int> level;       ///< current level per skill
    std::vector<int> target;      ///< target level per skill, 0 = not a target
    std::vector<std::uint8_t> named;  ///< named by the learner's goal
    std::vector<int> first_rank;  ///< best rank of a ranked course teaching the skill; kNoRank = none
    bool ranked = false;          ///< the learner has a ranked list (the model part counts)
    int country = -1, region = -1;
    bool anywhere = false;
    std::vector<int> mobility;
    std::vector<int> languages;
    bool speaks = false;          ///< the learner lists languages
    static constexpr int kNoRank = std::numeric_limits<int>::max();
};

struct Fit {
    double interest = 0.0, host = 0.0, fit = 0.0;
    bool closes_gap = false;
};

/// two_sided_fit without reasons, on interned names: the same operations in the same order, so
/// the same doubles (build_market's test recomputes every gig candidate with two_sided_fit).
Fit fast_fit(const LearnerSide& l, const Gig& o) {
    Fit out;
    double goal = 0.0, model = 0.0;
    for (const auto& t : o.taught) {
        const auto s = static_cast<std::size_t>(t.skill);
        const int now = l.level[s];
        if (const int g = l.target[s]; g > 0) {
            out.closes_gap = true;
            const int reach = std::min(t.level, g);
            if (reach > now) goal += static_cast<double>(reach - now) / static_cast<double>(g);
        } else if (l.named[s] && t.level > now) {
            goal += static_cast<double>(t.level - now) / static_cast<double>(t.level);
        }
        if (const int r = l.first_rank[s]; r != LearnerSide::kNoRank) model = std::max(model, 1.0 / (1.0 + static_cast<double>(r)));
    }
    if (!o.taught.empty()) goal /= static_cast<double>(o.taught.size());
    out.interest = l.ranked ? 0.5 * goal + 0.5 * model : goal;
    double host = 1.0;
    auto would_go = [&](int place) { return place >= 0 && std::find(l.mobility.begin(), l.mobility.end(), place) != l.mobility.end(); };
    if (o.location >= 0 && o.location != l.country && o.location != l.region && !l.anywhere && !would_go(o.location) &&
        !would_go(o.region))
        host = 0.0;
    if (host > 0.0 && !o.languages.empty() && l.speaks &&
        std::find_first_of(o.languages.begin(), o.languages.end(), l.languages.begin(), l.languages.end()) ==
            o.languages.end())
        host = 0.0;
    if (host > 0.0 && !o.required.empty()) {
        double sum = 0.0;
        for (const auto& q : o.required)
            sum += std::min(1.0, static_cast<double>(l.level[static_cast<std::size_t>(q.skill)]) / static_cast<double>(q.level));
        host = sum / static_cast<double>(o.required.size());
    }
    out.host = host;
    out.fit = out.interest + out.host > 0.0 ? 2.0 * out.interest * out.host / (out.interest + out.host) : 0.0;
    return out;
}

/// A candidate before its reasons are written: only the kept ones get text.
struct Local {
    Candidate candidate;
    index_t rank = -1;  ///< sessions: the course's rank in the learner's list; gigs: -1
    timestamp_t due = 0;
    bool after_due = false;  ///< a mandatory course's session ending after the due date
};

bool better(const Local& a, const Local& b) {
    if (a.candidate.priority != b.candidate.priority) return a.candidate.priority < b.candidate.priority;
    if (a.candidate.utility != b.candidate.utility) return a.candidate.utility > b.candidate.utility;
    return a.candidate.opportunity < b.candidate.opportunity;
}

}  // namespace

Market build_market(const ranking::Ranker& ranker, std::span<const index_t> learners, std::vector<Opportunity> extra,
                    timestamp_t now, ranking::RankingRules ranking_rules, const AllocationRules& rules,
                    text::SkillVocabulary vocabulary) {
    const auto t0 = std::chrono::steady_clock::now();
    rules.validate();
    const auto& cat = ranker.catalogue();
    const auto& history = ranker.history();
    Market m;
    m.learners.assign(learners.begin(), learners.end());
    m.opportunities = session_opportunities(cat);
    const auto n_sessions = m.opportunities.size();
    for (auto& o : extra) {
        LEARNREC_CHECK(o.kind != OpportunityKind::session, "opportunity '{}': sessions come from the catalogue", o.id);
        m.opportunities.push_back(std::move(o));
    }
    validate_opportunities(m.opportunities);
    {
        // The region of a gig's country, as the learners who live there give it (mobility by region).
        std::unordered_map<std::string, std::string> region_of;
        for (const auto& f : ranker.learners())
            if (!f.country.empty() && !f.region.empty()) region_of.emplace(f.country, f.region);
        for (std::size_t k = n_sessions; k < m.opportunities.size(); ++k) {
            auto& o = m.opportunities[k];
            if (o.region.empty())
                if (const auto it = region_of.find(o.location); it != region_of.end()) o.region = it->second;
        }
    }

    const timestamp_t horizon = now + static_cast<timestamp_t>(rules.horizon_days) * ranking::kSecondsPerDay;
    Names skills, places, languages;
    std::vector<int> place_of(m.opportunities.size(), -1);  // -1: online / remote
    for (std::size_t k = 0; k < m.opportunities.size(); ++k)
        if (!m.opportunities[k].location.empty()) place_of[k] = places.add(m.opportunities[k].location);
    std::vector<std::vector<index_t>> open_sessions(static_cast<std::size_t>(cat.num_courses()));
    for (std::size_t s = 0; s < n_sessions; ++s) {
        const auto& o = m.opportunities[s];
        if (o.places > 0 && o.start >= now && o.start <= horizon)
            open_sessions[static_cast<std::size_t>(o.course)].push_back(static_cast<index_t>(s));
    }
    std::vector<std::vector<SkillId>> course_skills(cat.courses.size());
    for (std::size_t c = 0; c < cat.courses.size(); ++c)
        for (const auto& s : cat.courses[c].skills) course_skills[c].push_back({skills.add(s.skill), s.level});
    std::vector<Gig> gig(m.opportunities.size() - n_sessions);
    std::vector<std::vector<index_t>> by_skill;  // open gigs and work packages by taught skill id
    for (std::size_t k = n_sessions; k < m.opportunities.size(); ++k) {
        const auto& o = m.opportunities[k];
        auto& g = gig[k - n_sessions];
        for (const auto& t : o.taught) g.taught.push_back({skills.add(t.skill), t.level});
        for (const auto& q : o.required) g.required.push_back({skills.add(q.skill), q.level});
        for (const auto& x : o.languages) g.languages.push_back(languages.add(x));
        g.location = place_of[k];
        if (!o.region.empty()) g.region = places.add(o.region);
        if (o.places <= 0 || o.start < now || o.start > horizon) continue;
        for (const auto& t : g.taught) {
            if (by_skill.size() <= static_cast<std::size_t>(t.skill)) by_skill.resize(static_cast<std::size_t>(t.skill) + 1);
            by_skill[static_cast<std::size_t>(t.skill)].push_back(static_cast<index_t>(k));
        }
    }
    const bool gigs = !by_skill.empty();
    const auto n_skills = skills.names.size();
    by_skill.resize(n_skills);
    // The same lists split by where the host is (remote, a location, a location's region): a gig whose
    // host side is 0 for the learner's place and mobility is never a candidate when min_host_fit > 0,
    // so it is not even fitted. Key 0: remote; 1 + place: located there; 1 + P + place: in that region.
    const bool by_place = rules.min_host_fit > 0.0;
    const std::size_t n_keys = 1 + 2 * places.names.size();
    std::vector<std::vector<index_t>> by_skill_key(by_place ? n_skills * n_keys : 0);
    if (by_place)
        for (std::size_t s = 0; s < n_skills; ++s)
            for (const index_t o : by_skill[s]) {
                const auto& g = gig[static_cast<std::size_t>(o) - n_sessions];
                if (g.location < 0) {
                    by_skill_key[s * n_keys].push_back(o);
                    continue;
                }
                by_skill_key[s * n_keys + 1 + static_cast<std::size_t>(g.location)].push_back(o);
                if (g.region >= 0) by_skill_key[s * n_keys + 1 + places.names.size() + static_cast<std::size_t>(g.region)].push_back(o);
            }
    // Goals in the learners' own words: the skills they name, through the vocabulary.
    const auto& all_facts = ranker.learners();
    const bool goals = gigs && std::any_of(learners.begin(), learners.end(), [&](index_t l) {
        return !all_facts.empty() && !all_facts[static_cast<std::size_t>(l)].goal.empty();
    });
    if (goals) {
        for (const auto& c : cat.courses)
            for (const auto& s : c.skills) vocabulary.add({s.skill, "en", s.skill});
        for (std::size_t s = 0; s < n_skills; ++s)
            if (!by_skill[s].empty()) vocabulary.add({skills.names[s], "en", skills.names[s]});
    }

    const index_t n = static_cast<index_t>(learners.size());
    ranking_rules.k = std::min<index_t>(3 * rules.candidates_per_learner, std::max<index_t>(1, cat.num_courses()));
    ranking_rules.require_session = true;
    ranking_rules.session_horizon_days = rules.horizon_days;
    ranking_rules.num_threads = rules.num_threads;
    const ranking::Recommendations r = ranker.recommend(learners, now, ranking_rules);

    const ranking::LearnerFacts nobody;
    const auto keep = static_cast<std::size_t>(rules.candidates_per_learner);
    std::vector<std::vector<Local>> per(static_cast<std::size_t>(n));
    std::vector<std::vector<std::string>> per_reasons(static_cast<std::size_t>(n));
    constexpr std::int64_t kBlock = 256;  // learners per task: the scratch arrays are set up once per block
    detail::parallel_for(0, (n + kBlock - 1) / kBlock, rules.num_threads, [&](std::int64_t block) {
        LearnerSide side;
        if (gigs) {
            side.level.assign(n_skills, 0);
            side.target.assign(n_skills, 0);
            side.named.assign(n_skills, 0);
            side.first_rank.assign(n_skills, LearnerSide::kNoRank);
        }
        std::vector<std::uint8_t> seen(gig.size(), 0);
        std::vector<index_t> visited;
        std::vector<int> touched;  // skill ids set in side's arrays, to reset
        std::vector<int> keys;     // by_skill_key keys of the places the learner's hosts may be at
        for (std::int64_t ii = block * kBlock; ii < std::min<std::int64_t>((block + 1) * kBlock, n); ++ii) {
        const auto i = static_cast<index_t>(ii);
        const index_t model_learner = learners[static_cast<std::size_t>(i)];
        const auto& facts = all_facts.empty() ? nobody : all_facts[static_cast<std::size_t>(model_learner)];
        auto& out = per[static_cast<std::size_t>(i)];
        const int country = facts.country.empty() ? -1 : places.find(facts.country);
        const int region = facts.region.empty() ? -1 : places.find(facts.region);
        const index_t ranked = r.count(i);
        for (index_t j = 0; j < ranked; ++j) {
            const auto s = r.slot(i, j);
            const index_t c = r.ids[s];
            const auto& sessions = open_sessions[static_cast<std::size_t>(c)];
            if (sessions.empty()) continue;
            timestamp_t due = 0;
            bool gap = false;
            for (const auto& x : r.reasons_of(i, j)) {
                if (x.kind == ranking::ReasonKind::mandatory) due = x.date;
                if (x.kind == ranking::ReasonKind::skill_gap) gap = true;
            }
            const double utility = std::max(0.0, static_cast<double>(r.scores[s]));
            for (const index_t o : sessions) {
                const int at = place_of[static_cast<std::size_t>(o)];
                if (at >= 0 && at != country && at != region) continue;
                const auto& op = m.opportunities[static_cast<std::size_t>(o)];
                Local x;
                x.candidate = {i, o, utility, Priority::preference};
                x.rank = j;
                x.due = due;
                if (r.mandatory[s] && op.end <= due)
                    x.candidate.priority = Priority::mandatory;
                else if (gap)
                    x.candidate.priority = Priority::skill_gap;
                x.after_due = r.mandatory[s] && op.end > due;
                out.push_back(x);
            }
        }
        std::vector<std::string> goal_skills;
        if (gigs) {
            touched.clear();
            auto touch = [&](int skill) { touched.push_back(skill); };
            if (model_learner < history.num_learners())
                for (const auto& e : history.of(model_learner)) {
                    if (e.completed_at == ranking::kNever && !is_completed(e.state)) continue;
                    for (const auto& x : course_skills[static_cast<std::size_t>(e.course)]) {
                        auto& lv = side.level[static_cast<std::size_t>(x.skill)];
                        lv = std::max(lv, x.level);
                        touch(x.skill);
                    }
                }
            for (index_t j = 0; j < ranked; ++j)
                for (const auto& x : course_skills[static_cast<std::size_t>(r.ids[r.slot(i, j)])]) {
                    auto& fr = side.first_rank[static_cast<std::size_t>(x.skill)];
                    fr = std::min(fr, static_cast<int>(j));
                    touch(x.skill);
                }
            side.ranked = ranked > 0;
            side.country = country;
            side.region = region;
            side.anywhere = false;
            side.mobility.clear();
            for (const auto& p : facts.mobility) {
                side.anywhere = side.anywhere || p == "anywhere";
                side.mobility.push_back(p.empty() ? -1 : places.find(p));
            }
            keys.assign(1, 0);
            for (const int p : {country, region})
                if (p >= 0) keys.push_back(1 + p);
            for (const int p : side.mobility)
                if (p >= 0) {
                    keys.push_back(1 + p);
                    keys.push_back(1 + static_cast<int>(places.names.size()) + p);
                }
            visited.clear();
            auto visit_list = [&](const std::vector<index_t>& list) {
                for (const index_t o : list) {
                    auto& mark = seen[static_cast<std::size_t>(o) - n_sessions];
                    if (!mark) visited.push_back(o);
                    mark = 1;
                }
            };
            auto visit = [&](int skill) {
                if (skill < 0) return;
                if (!by_place || side.anywhere) {
                    visit_list(by_skill[static_cast<std::size_t>(skill)]);
                    return;
                }
                for (const int key : keys) visit_list(by_skill_key[static_cast<std::size_t>(skill) * n_keys + static_cast<std::size_t>(key)]);
            };
            for (const auto& g : facts.target_skills)
                if (const int id = skills.find(g.skill); id >= 0) {
                    side.target[static_cast<std::size_t>(id)] = g.level;
                    touch(id);
                    visit(id);
                }
            if (goals && !facts.goal.empty())
                for (const auto& mention : vocabulary.extract(facts.goal)) {
                    goal_skills.push_back(mention.skill);
                    if (const int id = skills.find(mention.skill); id >= 0) {
                        side.named[static_cast<std::size_t>(id)] = 1;
                        touch(id);
                        visit(id);
                    }
                }
            // The skills of the top N ranked courses only: deeper ranks add little interest and many fits.
            for (index_t j = 0; j < std::min<index_t>(ranked, rules.candidates_per_learner); ++j)
                for (const auto& x : course_skills[static_cast<std::size_t>(r.ids[r.slot(i, j)])]) visit(x.skill);
            side.languages.clear();
            for (const auto& x : facts.languages) side.languages.push_back(languages.find(x));
            side.speaks = !facts.languages.empty();
            for (const index_t o : visited) {
                seen[static_cast<std::size_t>(o) - n_sessions] = 0;
                const Fit f = fast_fit(side, gig[static_cast<std::size_t>(o) - n_sessions]);
                if (f.interest <= 0.0 || f.host < rules.min_host_fit) continue;
                Local x;
                x.candidate = {i, o, f.fit, f.closes_gap ? Priority::skill_gap : Priority::preference};
                out.push_back(x);
            }
        }
        if (out.size() > keep) {
            std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(keep), out.end(), better);
            out.resize(keep);
        } else {
            std::sort(out.begin(), out.end(), better);
        }
        // Reasons of the kept candidates only: formatting them for every session and fitted gig
        // would cost more than finding them.
        auto& why = per_reasons[static_cast<std::size_t>(i)];
        SkillLevels current;
        std::vector<std::vector<std::string>> ranked_skills;
        bool explained = false;
        for (const auto& x : out) {
            const auto& op = m.opportunities[static_cast<std::size_t>(x.candidate.opportunity)];
            if (op.kind == OpportunityKind::session) {
                std::string text;
                for (const auto& reason : r.reasons_of(i, x.rank)) text += (text.empty() ? "" : "; ") + r.text(reason);
                std::string line = fmt::format("ranked #{}{}{}", x.rank + 1, text.empty() ? "" : ": ", text);
                if (x.after_due)
                    line += fmt::format("; this session ends after the due date {}", ranking::format_date(x.due));
                why.push_back(std::move(line));
                continue;
            }
            if (!explained) {  // the string form two_sided_fit reads, once per learner with a gig kept
                explained = true;
                for (std::size_t s = 0; s < n_skills; ++s)
                    if (side.level[s] > 0) current.push_back({skills.names[s], side.level[s]});
                std::sort(current.begin(), current.end(), [](const auto& a, const auto& b) { return a.skill < b.skill; });
                // Only the kept gigs' taught skills are looked up in the ranked lists, at their best
                // rank: lists of those alone give two_sided_fit the same answers and reasons.
                ranked_skills.resize(static_cast<std::size_t>(ranked));
                for (const auto& y : out)
                    if (y.rank < 0)
                        for (const auto& t : gig[static_cast<std::size_t>(y.candidate.opportunity) - n_sessions].taught)
                            if (const int best = side.first_rank[static_cast<std::size_t>(t.skill)]; best != LearnerSide::kNoRank) {
                                auto& list = ranked_skills[static_cast<std::size_t>(best)];
                                const auto& name = skills.names[static_cast<std::size_t>(t.skill)];
                                if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
                            }
            }
            const TwoSidedFit f = two_sided_fit(facts, current, ranked_skills, op, true, goal_skills);
            std::string line = fmt::format("fit {:.2f} (learner {:.2f}, host {:.2f})", f.fit, f.interest, f.host);
            for (const auto& t : f.reasons) line += "; " + t;
            why.push_back(std::move(line));
        }
        if (gigs)
            for (const int s : touched) {
                side.level[static_cast<std::size_t>(s)] = 0;
                side.target[static_cast<std::size_t>(s)] = 0;
                side.named[static_cast<std::size_t>(s)] = 0;
                side.first_rank[static_cast<std::size_t>(s)] = LearnerSide::kNoRank;
            }
        }
    }, 1);
    std::size_t total = 0;
    for (const auto& v : per) total += v.size();
    m.candidates.reserve(total);
    m.reasons.reserve(total);
    for (std::size_t i = 0; i < per.size(); ++i)
        for (std::size_t k = 0; k < per[i].size(); ++k) {
            m.candidates.push_back(per[i][k].candidate);
            m.reasons.push_back(std::move(per_reasons[i][k]));
        }
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return m;
}

}  // namespace learnrec::allocation
