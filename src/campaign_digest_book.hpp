// learnrec campaign — internal: what a campaign keeps for the manager digests while it runs, and
// writing them at the end (campaign/digest.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "learnrec/campaign/campaign.hpp"
#include "learnrec/campaign/digest.hpp"

namespace learnrec::campaign::detail {

/// Per targeted learner with a manager, its first digest_courses pushes (a few bytes each, so a
/// million learners cost tens of MiB); the rest (obligations, gaps) is derived at the end.
class DigestBook {
public:
    /// Disabled (every call a no-op) when spec.digests is empty. Throws Error when the digests
    /// path is a file or the audience's manager lists do not match its learners.
    DigestBook(const Audience& audience, const CampaignSpec& spec);

    bool enabled() const noexcept { return enabled_; }
    /// Marks learner `l` (log index: model learners, then new ones) as targeted.
    void target(index_t l);
    /// One output row of learner `l`, in rank order.
    void pushed(index_t l, index_t course, float score, bool mandatory, bool exploration, std::uint32_t reason_kinds);
    /// Builds every digest and writes it into a staging directory next to spec.digests.
    /// Returns the number of managers.
    std::size_t stage();
    /// Moves the staged files into spec.digests (created when missing); call after the output's commit.
    void publish();
    ~DigestBook();

    /// The digest of one manager's targeted members (log indices), for tests and the writer.
    ManagerDigest digest(std::size_t manager, const std::vector<index_t>& members) const;

private:
    struct Pick {
        index_t course;
        float score;
        std::uint32_t kinds;
        std::uint8_t flags;  // 1 mandatory, 2 exploration
    };
    const Audience& a_;
    const CampaignSpec& spec_;
    bool enabled_ = false;
    std::size_t per_member_ = 0;
    std::vector<std::int32_t> slot_;   // per log index: its slot, or -1 (not targeted or no manager)
    std::vector<index_t> learner_of_;  // per slot: log index
    std::vector<Pick> picks_;          // per_member_ per slot
    std::vector<std::uint8_t> count_;  // picks per slot
    std::filesystem::path staging_;
};

}  // namespace learnrec::campaign::detail
