// learnrec campaign — manager digests: a manager's view of their team before the development talk.
//
// A campaign run with CampaignSpec::digests set writes, for every manager of at least one targeted
// learner (learners.csv `manager_id`; Audience::managers), one digest with a record per targeted
// team member:
//   - overdue obligations: applicable (ranking/catalogue.hpp scopes), not completed (or expired,
//     renewal_days included, as the Ranker sees it) and due before `now`;
//   - upcoming obligations: the same, due within the rules' obligation_window_days from `now`;
//   - pushed: the member's first campaign_rules.digest_courses rows of this campaign, in rank order;
//   - gaps: target skills (learners.csv target_skills, learner_skills.csv) whose level reached
//     (the highest level of a completed course teaching it) is below the target;
// and the team's skill gaps: per skill some member targets, how many target it, how many are
// below their target and the mean shortfall of those, most members below first.
// Files in the digests directory: <manager>.json (to_json), <manager>.md (to_markdown) per manager
// (characters other than letters, digits, '-', '_' and '.' in the id become '_'), and index.json
// listing the managers, their files and team sizes. Staged in a temporary directory and moved in
// after the campaign's output: an input error leaves none of them.
// Thread safety: plain values. Complexity: O(team members x (obligations + history + targets)).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "learnrec/data/interactions.hpp"

namespace learnrec::campaign {

struct DigestObligation {
    std::string course_id, title;
    timestamp_t due = 0;
};

struct DigestPush {
    int rank = 0;
    std::string course_id, title;
    float score = 0.0f;
    bool mandatory = false;
    bool exploration = false;
    std::vector<std::string> reasons;  ///< reason kinds ("skill_gap", "mandatory", ...)
};

struct DigestGap {
    std::string skill;
    int target = 1;
    int current = 0;  ///< 0 = never completed a course teaching it
};

struct MemberDigest {
    std::string learner_id, role, department, country;
    std::vector<DigestObligation> overdue;   ///< most overdue first
    std::vector<DigestObligation> upcoming;  ///< soonest first
    std::vector<DigestPush> pushed;          ///< rank order
    std::vector<DigestGap> gaps;             ///< in the order of the learner's targets
};

struct TeamSkillGap {
    std::string skill;
    std::size_t targeting = 0;    ///< members targeting the skill
    std::size_t below = 0;        ///< of them, below their target
    double mean_shortfall = 0.0;  ///< mean (target - current) over those below; 0 when none
};

struct ManagerDigest {
    std::string manager_id;
    std::string campaign;
    timestamp_t now = 0;
    std::vector<MemberDigest> members;     ///< by learner id
    std::vector<TeamSkillGap> team_gaps;   ///< most members below first, then by skill

    std::string to_json() const;      ///< one JSON object: the fields above, dates as YYYY-MM-DD
    std::string to_markdown() const;  ///< a readable page: summary, team gaps, one section per member
};

/// The file name stem of a manager's digest ("M-01/x" -> "M-01_x").
std::string digest_file_stem(std::string_view manager_id);

}  // namespace learnrec::campaign
