// learnrec campaign — "why not?" for a push (campaign/campaign.hpp): the push log's memory of one
// learner as the campaign's request limits, then the Ranker's own why_not.
#include <algorithm>

#include <fmt/format.h>

#include "learnrec/campaign/campaign.hpp"
#include "learnrec/error.hpp"
#include "learnrec/ranking/calendar.hpp"

namespace learnrec::campaign {

PushWhyNot why_not_pushed(const Audience& a, const CampaignSpec& spec, const std::filesystem::path& push_log,
                          std::string_view learner_id, std::string_view course_id) {
    LEARNREC_CHECK(a.ranker != nullptr, "campaign: no ranker");
    spec.settings.campaign.validate();
    const ranking::Ranker& ranker = *a.ranker;
    std::vector<std::string> log_ids(a.learner_ids);
    log_ids.insert(log_ids.end(), a.new_learner_ids.begin(), a.new_learner_ids.end());
    const IdMap learners(log_ids);
    IdMap courses;
    for (const auto& c : ranker.catalogue().courses) courses.insert(c.id);
    const index_t learner = learners.at(learner_id, "learner");
    const index_t course = courses.at(course_id, "course");
    LEARNREC_CHECK(learner < ranker.model().num_learners(),
                   "learner '{}' is not one of the model's learners (folded in from learners.csv): why-not answers "
                   "for the model's learners", learner_id);

    const PushLog log = read_push_log(push_log, learners, courses);
    const std::int64_t self = log.campaign_index(spec.id);
    std::vector<PushEntry> mine;
    for (const auto& e : log.entries)
        if (e.learner == learner && e.time <= spec.now && static_cast<std::int64_t>(e.campaign) != self)
            mine.push_back(e);
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
