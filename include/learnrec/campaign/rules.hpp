// learnrec campaign — a push campaign's rules: memory of what was pushed, caps, exploration.
//
// They live in the ranking rules file under "campaign" (every key optional; unknown keys and keys
// of the wrong type are errors naming the key, e.g. "campaign.repeat_days"):
//   {"k": 5, "min_score": 0.05, ...ranking rules (ranking/files.hpp)...,
//    "campaign": {"repeat_days": 28, "max_unanswered": 3, "dismiss_days": -1,
//                 "max_per_period": 5, "period_days": 7,
//                 "explore": true, "explore_days": 30, "chunk_learners": 16384,
//                 "digest_courses": 3}}
// The score floor is the ranking rules' min_score: a learner with nothing above it gets no
// recommendation (only the obligations due soon), never filler.
// Thread safety: plain values. Complexity: O(size of the file).
#pragma once

#include <filesystem>
#include <string_view>

#include "learnrec/ranking/rules.hpp"

namespace learnrec::campaign {

struct CampaignRules {
    int repeat_days = 28;    ///< a course pushed to a learner is not pushed to them again for N days
    int max_unanswered = 3;  ///< after M pushes without a response (opened/clicked/enrolled): suppressed; 0 = off
    int dismiss_days = -1;   ///< a dismissed course stays out for D days; -1 = for good
    int max_per_period = 0;  ///< at most P pushes per learner per period, obligations not counted; 0 = k
    int period_days = 7;
    bool explore = false;    ///< one slot for a course released in the last explore_days days
    int explore_days = 30;
    index_t chunk_learners = 16384;  ///< learners ranked at a time: bounds memory whatever the target size
    int digest_courses = 3;  ///< pushed courses per team member in a manager's digest (campaign/digest.hpp)

    /// Throws Error for negative days or counts (dismiss_days may be -1), period_days < 1, a
    /// chunk < 1, or digest_courses < 1.
    void validate() const;
};

/// The ranking rules and the campaign rules of one rules file.
struct CampaignSettings {
    ranking::RankingRules ranking;
    CampaignRules campaign;
};

CampaignSettings parse_campaign_settings(std::string_view text, std::string_view source_name);
CampaignSettings read_campaign_settings(const std::filesystem::path& path);

}  // namespace learnrec::campaign
