// learnrec allocation — candidates from the Ranker (model in allocation/market.hpp).
#include "learnrec/allocation/market.hpp"

#include <algorithm>
#include <chrono>
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

struct Local {
    Candidate candidate;
    std::string reasons;
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
    std::vector<std::vector<index_t>> open_sessions(static_cast<std::size_t>(cat.num_courses()));
    for (std::size_t s = 0; s < n_sessions; ++s) {
        const auto& o = m.opportunities[s];
        if (o.places > 0 && o.start >= now && o.start <= horizon)
            open_sessions[static_cast<std::size_t>(o.course)].push_back(static_cast<index_t>(s));
    }
    std::unordered_map<std::string, std::vector<index_t>> by_skill;  // gigs and work packages by taught skill
    for (std::size_t k = n_sessions; k < m.opportunities.size(); ++k) {
        const auto& o = m.opportunities[k];
        if (o.places <= 0 || o.start < now || o.start > horizon) continue;
        for (const auto& t : o.taught) by_skill[t.skill].push_back(static_cast<index_t>(k));
    }
    const bool gigs = !by_skill.empty();
    // Goals in the learners' own words: the skills they name, through the vocabulary.
    const auto& all_facts = ranker.learners();
    const bool goals = gigs && std::any_of(learners.begin(), learners.end(), [&](index_t l) {
        return !all_facts.empty() && !all_facts[static_cast<std::size_t>(l)].goal.empty();
    });
    if (goals) {
        for (const auto& c : cat.courses)
            for (const auto& s : c.skills) vocabulary.add({s.skill, "en", s.skill});
        for (const auto& [skill, where] : by_skill) vocabulary.add({skill, "en", skill});
    }
    const std::vector<SkillLevels> current = gigs ? current_skill_levels(ranker) : std::vector<SkillLevels>{};

    const index_t n = static_cast<index_t>(learners.size());
    ranking_rules.k = std::min<index_t>(3 * rules.candidates_per_learner, std::max<index_t>(1, cat.num_courses()));
    ranking_rules.require_session = true;
    ranking_rules.session_horizon_days = rules.horizon_days;
    ranking_rules.num_threads = rules.num_threads;
    const ranking::Recommendations r = ranker.recommend(learners, now, ranking_rules);

    const ranking::LearnerFacts nobody;
    std::vector<std::vector<Local>> per(static_cast<std::size_t>(n));
    detail::parallel_for(0, n, rules.num_threads, [&](std::int64_t ii) {
        const auto i = static_cast<index_t>(ii);
        const index_t model_learner = learners[static_cast<std::size_t>(i)];
        const auto& facts = ranker.learners().empty() ? nobody : ranker.learners()[static_cast<std::size_t>(model_learner)];
        auto& out = per[static_cast<std::size_t>(i)];
        std::vector<std::vector<std::string>> ranked_skills;
        for (index_t j = 0; j < r.count(i); ++j) {
            const auto s = r.slot(i, j);
            const index_t c = r.ids[s];
            if (gigs) {
                ranked_skills.emplace_back();
                for (const auto& x : cat.courses[static_cast<std::size_t>(c)].skills) ranked_skills.back().push_back(x.skill);
            }
            const auto& sessions = open_sessions[static_cast<std::size_t>(c)];
            if (sessions.empty()) continue;
            timestamp_t due = 0;
            bool gap = false;
            std::string why;
            for (const auto& x : r.reasons_of(i, j)) {
                if (x.kind == ranking::ReasonKind::mandatory) due = x.date;
                if (x.kind == ranking::ReasonKind::skill_gap) gap = true;
                why += (why.empty() ? "" : "; ") + r.text(x);
            }
            const double utility = std::max(0.0, static_cast<double>(r.scores[s]));
            for (const index_t o : sessions) {
                const auto& op = m.opportunities[static_cast<std::size_t>(o)];
                if (!op.location.empty() && op.location != facts.country && op.location != facts.region) continue;
                Local x;
                x.candidate = {i, o, utility, Priority::preference};
                if (r.mandatory[s] && op.end <= due)
                    x.candidate.priority = Priority::mandatory;
                else if (gap)
                    x.candidate.priority = Priority::skill_gap;
                x.reasons = fmt::format("ranked #{}{}{}", j + 1, why.empty() ? "" : ": ", why);
                if (r.mandatory[s] && op.end > due)
                    x.reasons += fmt::format("; this session ends after the due date {}", ranking::format_date(due));
                out.push_back(std::move(x));
            }
        }
        std::vector<std::string> goal_skills;
        if (goals && !facts.goal.empty())
            for (const auto& mention : vocabulary.extract(facts.goal)) goal_skills.push_back(mention.skill);
        if (gigs) {
            const SkillLevels& levels = current[static_cast<std::size_t>(model_learner)];
            std::vector<index_t> seen;
            auto visit = [&](const std::string& skill) {
                const auto it = by_skill.find(skill);
                if (it != by_skill.end()) seen.insert(seen.end(), it->second.begin(), it->second.end());
            };
            for (const auto& g : facts.target_skills) visit(g.skill);
            for (const auto& g : goal_skills) visit(g);
            // The skills of the top N ranked courses only: deeper ranks add little interest and many fits.
            const auto top = std::min(ranked_skills.size(), static_cast<std::size_t>(rules.candidates_per_learner));
            for (std::size_t j = 0; j < top; ++j)
                for (const auto& s : ranked_skills[j]) visit(s);
            std::sort(seen.begin(), seen.end());
            seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
            for (const index_t o : seen) {
                const auto& op = m.opportunities[static_cast<std::size_t>(o)];
                const TwoSidedFit f = two_sided_fit(facts, levels, ranked_skills, op, false, goal_skills);
                if (f.interest <= 0.0 || f.host < rules.min_host_fit) continue;
                Local x;
                bool closes_gap = false;
                for (const auto& t : op.taught)
                    for (const auto& g : facts.target_skills)
                        closes_gap = closes_gap || (g.skill == t.skill && g.level > 0);
                x.candidate = {i, o, f.fit, closes_gap ? Priority::skill_gap : Priority::preference};
                out.push_back(std::move(x));
            }
        }
        std::sort(out.begin(), out.end(), better);
        if (out.size() > static_cast<std::size_t>(rules.candidates_per_learner))
            out.resize(static_cast<std::size_t>(rules.candidates_per_learner));
        // Reasons of the gigs kept (formatting them for every fitted gig would cost more than the fit).
        for (auto& x : out) {
            const auto& op = m.opportunities[static_cast<std::size_t>(x.candidate.opportunity)];
            if (op.kind == OpportunityKind::session) continue;
            const TwoSidedFit f =
                two_sided_fit(facts, current[static_cast<std::size_t>(model_learner)], ranked_skills, op, true, goal_skills);
            x.reasons = fmt::format("fit {:.2f} (learner {:.2f}, host {:.2f})", f.fit, f.interest, f.host);
            for (const auto& t : f.reasons) x.reasons += "; " + t;
        }
    }, 256);
    std::size_t total = 0;
    for (const auto& v : per) total += v.size();
    m.candidates.reserve(total);
    m.reasons.reserve(total);
    for (auto& v : per)
        for (auto& x : v) {
            m.candidates.push_back(x.candidate);
            m.reasons.push_back(std::move(x.reasons));
        }
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return m;
}

}  // namespace learnrec::allocation
