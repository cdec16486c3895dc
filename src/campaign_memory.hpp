// learnrec campaign — internal: what the push log says about the targeted learners, read once
// (streaming) and kept compactly, a bucket of learners at a time (campaign/campaign.hpp).
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "learnrec/campaign/campaign.hpp"
#include "learnrec/data/id_map.hpp"

namespace learnrec::campaign::detail {

enum Rule : std::uint8_t { kDismissed, kEnrolled, kUnanswered, kRepeat, kRules };
inline constexpr const char* kRuleNames[kRules] = {"dismissed", "enrolled", "unanswered", "repeat"};

/// Learner ids (the audience's model learners, then its new ones) -> log index, by open
/// addressing over the audience's own strings: 8 bytes per learner, no copy of the ids.
class LearnerLookup {
public:
    explicit LearnerLookup(const Audience& audience);
    std::optional<index_t> find(std::string_view id) const;
    const std::string& id(index_t l) const;
    std::size_t size() const noexcept { return trained_ + fresh_; }

private:
    const Audience& a_;
    std::size_t trained_, fresh_;
    std::vector<std::int32_t> table_;  // log index + 1, 0 = empty
    std::size_t mask_ = 0;
};

/// The log's verdict for the targeted learners of positions [first, first + size): per learner
/// the courses held back and why (CSR), the pushes of the current period, and the pairs this
/// campaign id already logged.
struct Memory {
    std::size_t first = 0;
    std::vector<offset_t> offsets;
    std::vector<index_t> courses;
    std::vector<std::uint8_t> rules;
    std::vector<std::uint32_t> period_pushes;
    std::vector<std::uint64_t> logged_here;  // (local << 32 | course), sorted

    std::span<const index_t> held(std::size_t local) const {
        return std::span<const index_t>(courses).subspan(offsets[local], offsets[local + 1] - offsets[local]);
    }
    std::span<const std::uint8_t> held_rules(std::size_t local) const {
        return std::span<const std::uint8_t>(rules).subspan(offsets[local], offsets[local + 1] - offsets[local]);
    }
    bool logged(std::size_t local, index_t c) const;
};

/// The push log read once, streaming: the records of targeted learners are kept as 16 bytes each,
/// grouped in buckets of positions (at most 256 buckets), spilled to anonymous temporary files
/// past 4M records in memory; at(pos) builds the Memory of the bucket holding `pos` (the previous
/// one is freed). Learners must be asked for in increasing positions.
class LogMemory {
public:
    /// `position[l]` = position of log learner l in the target, or -1. Throws Error (file and
    /// line) on a bad log, before the caller writes anything.
    LogMemory(const std::filesystem::path& log, const LearnerLookup& learners, const IdMap& courses,
              std::vector<std::int32_t> position, std::size_t targeted, std::size_t bucket_size,
              const CampaignSpec& spec);
    ~LogMemory();
    LogMemory(const LogMemory&) = delete;
    LogMemory& operator=(const LogMemory&) = delete;

    /// The Memory holding position `pos`, and pos's index in it.
    const Memory& at(std::size_t pos);
    std::size_t records() const noexcept { return records_; }
    const std::string& warning() const noexcept { return warning_; }

private:
    struct Record {
        std::uint32_t pos;
        std::uint32_t course_flags;  // course (27 bits), event (3 bits), mandatory, this campaign
        timestamp_t time;
    };
    void spill();
    void load(std::size_t bucket);

    const CampaignSpec& spec_;
    std::size_t targeted_, bucket_size_;
    std::vector<std::vector<Record>> pending_;  // per bucket, in file order
    std::vector<std::FILE*> files_;            // per bucket, or null
    std::size_t in_memory_ = 0, records_ = 0;
    std::size_t loaded_ = static_cast<std::size_t>(-1);
    Memory memory_;
    std::string warning_;
};

}  // namespace learnrec::campaign::detail
