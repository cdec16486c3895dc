// learnrec campaign — manager digests (campaign/digest.hpp): kept while a campaign runs, then
// derived, formatted and written per manager.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "campaign_digest_book.hpp"
#include "campaign_io.hpp"
#include "learnrec/error.hpp"
#include "learnrec/ranking/calendar.hpp"

namespace learnrec::campaign {

std::string digest_file_stem(std::string_view id) {
    std::string out(id);
    for (char& c : out)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
    if (out.empty() || out[0] == '.') out.insert(out.begin(), '_');  // never hidden, never "." or ".."
    return out;
}

namespace {

std::string date(timestamp_t t) { return ranking::format_date(t); }

nlohmann::json obligations_json(const std::vector<DigestObligation>& list) {
    auto out = nlohmann::json::array();
    for (const auto& o : list) out.push_back({{"course_id", o.course_id}, {"title", o.title}, {"due", date(o.due)}});
    return out;
}

/// Markdown table cells: no pipes or line breaks inside.
std::string cell(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '|') out += "\\|";
        else if (c == '\n' || c == '\r') out += ' ';
        else out += c;
    }
    return out;
}

}  // namespace

std::string ManagerDigest::to_json() const {
    nlohmann::json members_json = nlohmann::json::array();
    for (const auto& m : members) {
        auto pushed_json = nlohmann::json::array();
        for (const auto& p : m.pushed)
            pushed_json.push_back({{"rank", p.rank},
                                   {"course_id", p.course_id},
                                   {"title", p.title},
                                   {"score", p.score},
                                   {"mandatory", p.mandatory},
                                   {"exploration", p.exploration},
                                   {"reasons", p.reasons}});
        auto gaps_json = nlohmann::json::array();
        for (const auto& g : m.gaps) gaps_json.push_back({{"skill", g.skill}, {"target", g.target}, {"current", g.current}});
        members_json.push_back({{"learner_id", m.learner_id},
                                {"role", m.role},
                                {"department", m.department},
                                {"country", m.country},
                                {"overdue", obligations_json(m.overdue)},
                                {"upcoming", obligations_json(m.upcoming)},
                                {"pushed", pushed_json},
                                {"gaps", gaps_json}});
    }
    auto team = nlohmann::json::array();
    for (const auto& g : team_gaps)
        team.push_back({{"skill", g.skill}, {"targeting", g.targeting}, {"below", g.below},
                        {"mean_shortfall", g.mean_shortfall}});
    const nlohmann::json j{{"manager_id", manager_id}, {"campaign", campaign},       {"now", date(now)},
                           {"members", members_json},  {"team_skill_gaps", team}};
    return j.dump(2);
}

std::string ManagerDigest::to_markdown() const {
    std::size_t overdue = 0, upcoming = 0;
    for (const auto& m : members) {
        overdue += m.overdue.size();
        upcoming += m.upcoming.size();
    }
    std::string md = fmt::format("# Team digest for {}\n\nCampaign `{}`, {}: {} team member{}, {} overdue and {} upcoming "
                                 "obligation{}.\n\n",
                                 cell(manager_id), campaign, date(now), members.size(), members.size() == 1 ? "" : "s",
                                 overdue, upcoming, upcoming == 1 ? "" : "s");
    md += "## Team skill gaps\n\n";
    if (team_gaps.empty()) {
        md += "No target skills recorded for this team.\n\n";
    } else {
        md += "| skill | members targeting | below target | mean shortfall (levels) |\n| --- | ---: | ---: | ---: |\n";
        for (const auto& g : team_gaps)
            md += fmt::format("| {} | {} | {} | {:.1f} |\n", cell(g.skill), g.targeting, g.below, g.mean_shortfall);
        md += "\n";
    }
    for (const auto& m : members) {
        md += fmt::format("## {}", cell(m.learner_id));
        std::string who;
        for (const auto* part : {&m.role, &m.department, &m.country})
            if (!part->empty()) who += (who.empty() ? "" : ", ") + cell(*part);
        md += who.empty() ? "\n\n" : fmt::format(" ({})\n\n", who);
        auto obligations = [&](const char* title, const std::vector<DigestObligation>& list) {
            if (list.empty()) return;
            md += fmt::format("**{}:**\n", title);
            for (const auto& o : list) md += fmt::format("- {} (`{}`), due {}\n", cell(o.title), o.course_id, date(o.due));
            md += "\n";
        };
        obligations("Overdue", m.overdue);
        obligations("Due soon", m.upcoming);
        if (m.overdue.empty() && m.upcoming.empty()) md += "No obligation overdue or due soon.\n\n";
        if (m.pushed.empty()) {
            md += "Nothing pushed this campaign.\n\n";
        } else {
            md += "**Pushed this campaign:**\n";
            for (const auto& p : m.pushed) {
                std::string why;
                for (const auto& r : p.reasons) why += (why.empty() ? "" : ", ") + r;
                md += fmt::format("{}. {} (`{}`), score {:.3f}{}{}\n", p.rank, cell(p.title), p.course_id, p.score,
                                  p.mandatory ? ", mandatory" : p.exploration ? ", new course" : "",
                                  why.empty() ? "" : fmt::format(" — {}", why));
            }
            md += "\n";
        }
        if (!m.gaps.empty()) {
            md += "**Skill gaps:** ";
            for (std::size_t i = 0; i < m.gaps.size(); ++i)
                md += fmt::format("{}{} {} of {}", i ? "; " : "", cell(m.gaps[i].skill), m.gaps[i].current,
                                  m.gaps[i].target);
            md += "\n\n";
        }
    }
    return md;
}

namespace detail {

DigestBook::DigestBook(const Audience& a, const CampaignSpec& spec) : a_(a), spec_(spec) {
    enabled_ = !spec.digests.empty();
    if (!enabled_) return;
    std::error_code ec;
    LEARNREC_CHECK(!std::filesystem::exists(spec.digests, ec) || std::filesystem::is_directory(spec.digests, ec),
                   "digests: '{}' exists and is not a directory", spec.digests.string());
    const std::size_t everyone = a.learner_ids.size() + a.new_learner_ids.size();
    LEARNREC_CHECK(a.manager_of.empty() || a.manager_of.size() == everyone,
                   "campaign: {} manager entries for {} learners", a.manager_of.size(), everyone);
    for (auto m : a.manager_of)
        LEARNREC_CHECK(m < static_cast<std::int32_t>(a.managers.size()), "campaign: manager index {} out of range", m);
    per_member_ = static_cast<std::size_t>(spec.settings.campaign.digest_courses);
    slot_.assign(a.manager_of.empty() ? 0 : everyone, -1);
}

DigestBook::~DigestBook() {
    if (!staging_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(staging_, ec);
    }
}

void DigestBook::target(index_t l) {
    const auto i = static_cast<std::size_t>(l);
    if (!enabled_ || slot_.empty() || a_.manager_of[i] < 0) return;
    slot_[i] = static_cast<std::int32_t>(learner_of_.size());
    learner_of_.push_back(l);
    picks_.resize(picks_.size() + per_member_);
    count_.push_back(0);
}

void DigestBook::pushed(index_t l, index_t course, float score, bool mandatory, bool exploration,
                        std::uint32_t reason_kinds) {
    if (!enabled_ || slot_.empty()) return;
    const auto s = slot_[static_cast<std::size_t>(l)];
    if (s < 0) return;
    auto& n = count_[static_cast<std::size_t>(s)];
    if (n >= per_member_) return;
    picks_[static_cast<std::size_t>(s) * per_member_ + n] = {
        course, score, reason_kinds, static_cast<std::uint8_t>((mandatory ? 1 : 0) | (exploration ? 2 : 0))};
    ++n;
}

ManagerDigest DigestBook::digest(std::size_t manager, const std::vector<index_t>& members) const {
    const ranking::Ranker& ranker = *a_.ranker;
    const auto& cat = ranker.catalogue();
    const auto trained = static_cast<index_t>(a_.learner_ids.size());
    const auto& rules = spec_.settings.ranking;
    const timestamp_t now = spec_.now;
    const timestamp_t horizon = now + static_cast<timestamp_t>(rules.obligation_window_days) * ranking::kSecondsPerDay;
    ManagerDigest d;
    d.manager_id = a_.managers[manager];
    d.campaign = spec_.id;
    d.now = now;
    std::map<std::string, TeamSkillGap> team;
    std::map<std::string, double> shortfall;
    for (const index_t l : members) {
        const bool fresh = l >= trained;
        const index_t row = fresh ? l - trained : l;
        const auto& facts_list = fresh ? a_.new_learners.facts : ranker.learners();
        const ranking::LearnerFacts* facts = facts_list.empty() ? nullptr : &facts_list[static_cast<std::size_t>(row)];
        const ranking::LearnerHistory& history = fresh ? a_.new_learners.history : ranker.history();
        const bool has_history = history.num_learners() > 0;
        MemberDigest m;
        m.learner_id = fresh ? a_.new_learner_ids[static_cast<std::size_t>(row)] : a_.learner_ids[static_cast<std::size_t>(row)];
        if (facts) {
            m.role = facts->role;
            m.department = facts->department;
            m.country = facts->country;
        }
        // Obligations as the Ranker reads them: the earliest due per course, unless completed and valid.
        std::map<index_t, timestamp_t> due;
        for (const auto& o : cat.obligations) {
            bool applies = o.scope == ranking::ObligationScope::all;
            if (o.scope == ranking::ObligationScope::learner) applies = o.value == m.learner_id;
            if (facts && o.scope == ranking::ObligationScope::role) applies = o.value == facts->role;
            if (facts && o.scope == ranking::ObligationScope::country) applies = o.value == facts->country;
            if (facts && o.scope == ranking::ObligationScope::department) applies = o.value == facts->department;
            if (!applies) continue;
            auto [it, inserted] = due.emplace(o.course, o.due);
            if (!inserted) it->second = std::min(it->second, o.due);
        }
        for (const auto& [c, when] : due) {
            const ranking::HistoryEntry* e = has_history ? history.find(row, c) : nullptr;
            if (e && e->completed_at != ranking::kNever) {
                const int months = cat.courses[static_cast<std::size_t>(c)].validity_months;
                if (months == 0) continue;
                const timestamp_t expiry = ranking::add_months(e->completed_at, months);
                if (now < expiry - static_cast<timestamp_t>(rules.renewal_days) * ranking::kSecondsPerDay) continue;
            }
            const auto& f = cat.courses[static_cast<std::size_t>(c)];
            DigestObligation o{f.id, f.title.empty() ? f.id : f.title, when};
            if (when < now) m.overdue.push_back(std::move(o));
            else if (when <= horizon) m.upcoming.push_back(std::move(o));
        }
        auto by_due = [](const DigestObligation& x, const DigestObligation& y) {
            return x.due != y.due ? x.due < y.due : x.course_id < y.course_id;
        };
        std::sort(m.overdue.begin(), m.overdue.end(), by_due);
        std::sort(m.upcoming.begin(), m.upcoming.end(), by_due);
        // This campaign's pushes.
        const auto s = static_cast<std::size_t>(slot_[static_cast<std::size_t>(l)]);
        for (std::size_t j = 0; j < count_[s]; ++j) {
            const Pick& p = picks_[s * per_member_ + j];
            const auto& f = cat.courses[static_cast<std::size_t>(p.course)];
            DigestPush push{static_cast<int>(j + 1), f.id, f.title.empty() ? f.id : f.title, p.score,
                            (p.flags & 1) != 0, (p.flags & 2) != 0, {}};
            for (std::uint32_t k = 0; k < 32; ++k)
                if (p.kinds & (1u << k)) push.reasons.emplace_back(ranking::to_string(static_cast<ranking::ReasonKind>(k)));
            m.pushed.push_back(std::move(push));
        }
        // Skill gaps against the member's targets: the level reached = the best completed course.
        if (facts)
            for (const auto& t : facts->target_skills) {
                int current = 0;
                if (has_history)
                    for (const auto& e : history.of(row))
                        if (e.completed_at != ranking::kNever)
                            for (const auto& sk : cat.courses[static_cast<std::size_t>(e.course)].skills)
                                if (sk.skill == t.skill) current = std::max(current, sk.level);
                auto& g = team[t.skill];
                g.skill = t.skill;
                ++g.targeting;
                if (current < t.level) {
                    m.gaps.push_back({t.skill, t.level, current});
                    ++g.below;
                    shortfall[t.skill] += t.level - current;
                }
            }
        d.members.push_back(std::move(m));
    }
    std::sort(d.members.begin(), d.members.end(),
              [](const MemberDigest& x, const MemberDigest& y) { return x.learner_id < y.learner_id; });
    for (auto& [skill, g] : team) {
        if (g.below > 0) g.mean_shortfall = shortfall[skill] / static_cast<double>(g.below);
        d.team_gaps.push_back(g);
    }
    std::stable_sort(d.team_gaps.begin(), d.team_gaps.end(),
                     [](const TeamSkillGap& x, const TeamSkillGap& y) { return x.below > y.below; });
    return d;
}

std::size_t DigestBook::stage() {
    if (!enabled_) return 0;
    const std::filesystem::path target = spec_.digests;
    const std::filesystem::path parent = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    staging_ = parent / fmt::format(".{}.staging-{}", target.filename().string(), ::getpid());
    std::filesystem::remove_all(staging_, ec);
    std::filesystem::create_directories(staging_, ec);
    if (ec) LEARNREC_FAIL_AT(staging_.string(), "cannot create the directory: {}", ec.message());
    // Members grouped by manager, managers in id order.
    std::vector<std::pair<std::int32_t, index_t>> order;
    order.reserve(learner_of_.size());
    for (const index_t l : learner_of_) order.emplace_back(a_.manager_of[static_cast<std::size_t>(l)], l);
    std::sort(order.begin(), order.end(), [&](const auto& x, const auto& y) {
        const auto& mx = a_.managers[static_cast<std::size_t>(x.first)];
        const auto& my = a_.managers[static_cast<std::size_t>(y.first)];
        return mx != my ? mx < my : x.second < y.second;
    });
    nlohmann::json index = nlohmann::json::array();
    // Distinct ids that sanitise alike get "-2", "-3", ...; "index" is the index's.
    std::map<std::string, int> stems{{"index", 1}};
    std::vector<index_t> members;
    for (std::size_t i = 0; i < order.size();) {
        const auto manager = static_cast<std::size_t>(order[i].first);
        members.clear();
        for (; i < order.size() && static_cast<std::size_t>(order[i].first) == manager; ++i) members.push_back(order[i].second);
        const ManagerDigest d = digest(manager, members);
        std::string stem = digest_file_stem(d.manager_id);
        if (const int n = ++stems[stem]; n > 1) stem += fmt::format("-{}", n);
        for (const auto& [ext, text] : {std::pair{".json", d.to_json() + "\n"}, std::pair{".md", d.to_markdown()}}) {
            AtomicFile f(staging_ / (stem + ext));
            f.write(text);
            f.commit();
        }
        std::size_t overdue = 0, upcoming = 0;
        for (const auto& m : d.members) {
            overdue += m.overdue.size();
            upcoming += m.upcoming.size();
        }
        index.push_back({{"manager_id", d.manager_id}, {"json", stem + ".json"}, {"markdown", stem + ".md"},
                         {"members", d.members.size()}, {"overdue", overdue}, {"upcoming", upcoming}});
    }
    AtomicFile f(staging_ / "index.json");
    f.write(nlohmann::json{{"campaign", spec_.id}, {"now", date(spec_.now)}, {"managers", index}}.dump(2) + "\n");
    f.commit();
    return index.size();
}

void DigestBook::publish() {
    if (!enabled_ || staging_.empty()) return;
    const std::filesystem::path& target = spec_.digests;
    std::error_code ec;
    std::filesystem::create_directories(target, ec);
    if (ec) LEARNREC_FAIL_AT(target.string(), "cannot create the directory: {}", ec.message());
    for (const auto& entry : std::filesystem::directory_iterator(staging_)) {
        std::filesystem::rename(entry.path(), target / entry.path().filename(), ec);
        if (ec) LEARNREC_FAIL_AT(target.string(), "cannot move '{}' in: {}", entry.path().string(), ec.message());
    }
    std::filesystem::remove_all(staging_, ec);
    staging_.clear();
}

}  // namespace detail
}  // namespace learnrec::campaign
