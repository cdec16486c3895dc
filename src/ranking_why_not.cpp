// learnrec ranking — "why not?" (ranking/why_not.hpp): the list from recommend(), the rules from
// the Ranker's own request state (ranking_probe.hpp), put in words.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "learnrec/error.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/ranking/ranker.hpp"
#include "ranking_probe.hpp"

namespace learnrec::ranking {

std::string_view to_string(WhyNotRule rule) {
    switch (rule) {
        case WhyNotRule::already_taken: return "already_taken";
        case WhyNotRule::in_progress: return "in_progress";
        case WhyNotRule::dropped: return "dropped";
        case WhyNotRule::language: return "language";
        case WhyNotRule::format: return "format";
        case WhyNotRule::region: return "region";
        case WhyNotRule::session: return "session";
        case WhyNotRule::prerequisites: return "prerequisites";
        case WhyNotRule::excluded: return "excluded";
        case WhyNotRule::substituted: return "substituted";
        case WhyNotRule::obligations_fill_list: return "obligations_fill_list";
        case WhyNotRule::diversity: return "diversity";
        case WhyNotRule::below_kth_score: return "below_kth_score";
        case WhyNotRule::push_log: return "push_log";
    }
    return "?";
}

WhyNot Ranker::why_not(index_t learner, index_t course, timestamp_t now, const RankingRules& rules) const {
    return why_not(learner, course, now, rules, RequestLimits{});
}

WhyNot Ranker::why_not(index_t learner, index_t course, timestamp_t now, const RankingRules& rules,
                       const RequestLimits& limits) const {
    const State& s = *state_;
    // The probe checks the indices and the rules before anything is ranked.
    const detail::CourseProbe p = detail::probe_course(s, learner, course, now, rules);
    LEARNREC_CHECK(limits.offsets.empty() || limits.offsets.size() == 2,
                   "why_not: request limits for {} learners, expected 1", limits.offsets.size() - 1);
    const std::array<index_t, 1> one{learner};
    const Recommendations list = limits.offsets.empty() && limits.only.empty() ? recommend(one, now, rules)
                                                                               : recommend(one, now, rules, limits);
    bool limited = !limits.only.empty() && std::find(limits.only.begin(), limits.only.end(), course) == limits.only.end();
    if (!limits.offsets.empty()) {
        const auto b = static_cast<std::size_t>(limits.offsets[0]), e = static_cast<std::size_t>(limits.offsets[1]);
        limited = limited || std::find(limits.excluded.begin() + static_cast<std::ptrdiff_t>(b),
                                       limits.excluded.begin() + static_cast<std::ptrdiff_t>(e), course) !=
                                 limits.excluded.begin() + static_cast<std::ptrdiff_t>(e);
    }

    WhyNot out;
    out.learner = learner;
    out.course = course;
    out.shown = list.count(0);
    // The last course the model's order placed: pinned obligations come first, whatever their score.
    if (out.shown > p.pinned_count) {
        const auto last = list.slot(0, out.shown - 1);
        out.kth_course = list.ids[last];
        out.kth_score = list.scores[last];
    }
    out.has_history = p.has_history;
    out.history = p.history;
    out.expires = p.expires;
    out.missing_prerequisites = p.missing;
    out.obligation_due = p.obligation_due;
    out.pinned = p.pinned;
    out.mandatory = p.obligation_due != kNever;
    out.model_score = p.model_score;
    out.score = p.final_score;
    out.score_rank = p.score_rank;
    for (index_t r = 0; r < out.shown; ++r)
        if (list.ids[list.slot(0, r)] == course) {
            out.rank = r + 1;
            out.score = list.scores[list.slot(0, r)];
            out.model_score = list.model_scores[list.slot(0, r)];
            return out;
        }

    auto& why = out.rules;
    if (p.taken == detail::TakenAs::completed) why.push_back(WhyNotRule::already_taken);
    if (p.taken == detail::TakenAs::in_progress) why.push_back(WhyNotRule::in_progress);
    if (p.taken == detail::TakenAs::dropped) why.push_back(WhyNotRule::dropped);
    if (!p.eligible) {
        if (!p.language) why.push_back(WhyNotRule::language);
        if (!p.format) why.push_back(WhyNotRule::format);
        if (!p.region) why.push_back(WhyNotRule::region);
        if (!p.session) why.push_back(WhyNotRule::session);
    }
    if (p.held_back) why.push_back(WhyNotRule::prerequisites);
    if (limited) why.push_back(WhyNotRule::push_log);
    if (!p.admitted && why.empty()) why.push_back(WhyNotRule::excluded);
    if (p.admitted && !limited) {
        // Every rule admits it: what remains is the list's shape.
        if (p.substitute >= 0) {
            out.substitute = p.substitute;
            why.push_back(WhyNotRule::substituted);
        } else if (p.pinned_overflow || p.pinned_count >= rules.k) {
            why.push_back(WhyNotRule::obligations_fill_list);
        } else if (rules.mmr_lambda < 1.0f && p.open_rank <= rules.k - p.pinned_count) {
            why.push_back(WhyNotRule::diversity);
        } else {
            why.push_back(WhyNotRule::below_kth_score);
        }
    }
    return out;
}

std::string WhyNot::text(const Catalogue& catalogue) const {
    const std::string name = catalogue.course_name(course);
    if (present())
        return fmt::format("{} is at rank {} of {}{}", name, rank, shown, mandatory ? " (mandatory)" : "");
    std::string out = fmt::format("{} is not proposed:", name);
    const char* sep = " ";
    for (const WhyNotRule rule : rules) {
        out += sep;
        sep = "; ";
        switch (rule) {
            case WhyNotRule::already_taken:
                out += fmt::format("already taken on {}", format_date(history.completed_at));
                if (expires != std::numeric_limits<timestamp_t>::max())
                    out += fmt::format(" (valid until {})", format_date(expires));
                break;
            case WhyNotRule::in_progress: out += "in progress"; break;
            case WhyNotRule::dropped: out += "dropped earlier"; break;
            case WhyNotRule::language: out += "not given in a language of the learner"; break;
            case WhyNotRule::format: out += "not in a format the learner can take"; break;
            case WhyNotRule::region: out += "not offered in the learner's country or region"; break;
            case WhyNotRule::session: out += "no open session within the horizon"; break;
            case WhyNotRule::prerequisites: {
                std::string missing;
                for (auto c : missing_prerequisites) missing += (missing.empty() ? "" : ", ") + catalogue.course_name(c);
                out += fmt::format("prerequisites missing: {}", missing);
                break;
            }
            case WhyNotRule::excluded: out += "excluded by a rule of the request"; break;
            case WhyNotRule::substituted:
                out += fmt::format("replaced by its prerequisite {}", catalogue.course_name(substitute));
                break;
            case WhyNotRule::obligations_fill_list: out += "more urgent obligations fill the list"; break;
            case WhyNotRule::diversity: out += "left out for diversity"; break;
            case WhyNotRule::push_log: out += "suppressed by the push log"; break;
            case WhyNotRule::below_kth_score:
                out += fmt::format("score {:.4f} (rank {} among admissible courses) is below the last shown, {} at {:.4f}",
                                   score, score_rank, kth_course >= 0 ? catalogue.course_name(kth_course) : "none",
                                   kth_score);
                break;
        }
    }
    if (obligation_due != kNever)
        out += fmt::format("; mandatory, due {}{}", format_date(obligation_due), pinned ? "" : " (outside the window)");
    return out;
}

}  // namespace learnrec::ranking
