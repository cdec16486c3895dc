// learnrec campaign — "why not?" for a push (campaign/campaign.hpp): the push log's memory of one
// learner as the campaign's request limits, then the Ranker's own why_not.
#include <algorithm>

#include <fmt/format.h>

#include "campaign_memory.hpp"
#include "learnrec/campaign/campaign.hpp"
#include "learnrec/campaign/push_log.hpp"
#include "learnrec/error.hpp"
#include "learnrec/ranking/calendar.hpp"

namespace learnrec::campaign {

PushWhyNot why_not_pushed(const Audience& a, const CampaignSpec& spec, const std::filesystem::path& push_log,
                          std::string_view learner_id, std::string_view course_id) {
    LEARNREC_CHECK(a.ranker != nullptr, "campaign: no ranker");
    spec.settings.campaign.validate();
    const ranking::Ranker& ranker = *a.ranker;
    // The log is streamed as run_campaign streams it (same lookups, same errors); only this
    // learner's records, from other campaigns and dated at or before `now`, are kept.
    const detail::LearnerLookup learners(a);
    IdMap courses;
    for (const auto& c : ranker.catalogue().courses) courses.insert(c.id);
    const auto found = learners.find(learner_id);
    LEARNREC_CHECK(found.has_value(), "unknown learner '{}'", learner_id);
    const index_t learner = *found;
    const index_t course = courses.at(course_id, "course");
    LEARNREC_CHECK(learner < ranker.model().num_learners(),
                   "learner '{}' is not one of the model's learners (folded in from learners.csv): why-not answers "
                   "for the model's learners", learner_id);

    std::vector<PushEntry> mine;
    const PushLogLookup learner_lookup = [&](std::string_view id) { return learners.find(id); };
    const PushLogLookup course_lookup = [&](std::string_view id) { return courses.find(id); };
    scan_push_log(push_log, learner_lookup, course_lookup, [&](const PushEntry& e, std::string_view campaign) {
        if (e.learner == learner && e.time <= spec.now && campaign != spec.id) mine.push_back(e);
    });
    std::stable_sort(mine.begin(), mine.end(), [](const PushEntry& x, const PushEntry& y) {
        return x.course != y.course ? x.course < y.course : x.time < y.time;
    });
    PushWhyNot out;
    ranking::RequestLimits limits;
    limits.offsets = {0};
    for (std::size_t i = 0; i < mine.size();) {
        std::size_t j = i;
        while (j < mine.size() && mine[j].course == mine[i].course) ++j;
        const PushHold hold = push_hold(std::span<const PushEntry>(mine).subspan(i, j - i), spec.now, spec.settings.campaign);
        if (hold.rule != PushHoldRule::none) limits.excluded.push_back(mine[i].course);
        if (mine[i].course == course) out.hold = hold;
        i = j;
    }
    limits.offsets.push_back(static_cast<offset_t>(limits.excluded.size()));
    ranking::RankingRules rules = spec.settings.ranking;
    rules.k = spec.k > 0 ? spec.k : rules.k;
    rules.num_threads = spec.num_threads;
    out.answer = ranker.why_not(learner, course, spec.now, rules, limits);
    return out;
}

std::string PushWhyNot::text(const ranking::Catalogue& catalogue) const {
    std::string out = answer.text(catalogue);
    if (hold.rule == PushHoldRule::none) return out;
    const auto date = [](timestamp_t t) { return ranking::format_date(t); };
    std::string why;
    switch (hold.rule) {
        case PushHoldRule::dismissed: why = fmt::format("dismissed on {}", date(hold.dismissed_at)); break;
        case PushHoldRule::enrolled: why = "enrolled from a push"; break;
        case PushHoldRule::unanswered:
            why = fmt::format("{} pushes without a response, the last on {}", hold.unanswered, date(hold.last_pushed));
            break;
        case PushHoldRule::repeat: why = fmt::format("pushed on {}, too recently to repeat", date(hold.last_pushed)); break;
        case PushHoldRule::none: break;
    }
    const std::string plain = "suppressed by the push log";
    const auto at = out.find(plain);
    if (at == std::string::npos) return out;
    return out.insert(at + plain.size(), fmt::format(" ({})", why));
}

}  // namespace learnrec::campaign
