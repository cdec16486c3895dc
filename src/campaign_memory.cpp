// learnrec campaign — the push log's memory of the targeted learners (campaign_memory.hpp).
#include "campaign_memory.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "campaign_io.hpp"
#include "learnrec/campaign/push_log.hpp"
#include "learnrec/detail/parallel.hpp"
#include "learnrec/error.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/ranking/history.hpp"

namespace learnrec::campaign::detail {

namespace {

std::uint64_t hash(std::string_view s) noexcept {  // FNV-1a, then a mix for the low bits
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
    return h ^ (h >> 29);
}

constexpr std::uint32_t kCourseBits = 27;
constexpr std::uint32_t kCourseMask = (1u << kCourseBits) - 1;
constexpr std::uint32_t kMandatory = 1u << 30;
constexpr std::uint32_t kThisCampaign = 1u << 31;
constexpr std::size_t kMaxBuckets = 256;
constexpr std::size_t kMaxInMemory = std::size_t{4} << 20;  // records (64 MiB) before spilling

}  // namespace

LearnerLookup::LearnerLookup(const Audience& a)
    : a_(a), trained_(a.learner_ids.size()), fresh_(a.new_learner_ids.size()) {
    std::size_t cap = 16;
    while (cap < 2 * size()) cap *= 2;
    table_.assign(cap, 0);
    mask_ = cap - 1;
    for (std::size_t l = 0; l < size(); ++l) {
        const std::string& s = id(static_cast<index_t>(l));
        std::size_t i = hash(s) & mask_;
        while (table_[i] != 0) {
            LEARNREC_CHECK(id(table_[i] - 1) != s, "campaign: learner id '{}' appears twice", s);
            i = (i + 1) & mask_;
        }
        table_[i] = static_cast<std::int32_t>(l + 1);
    }
}

const std::string& LearnerLookup::id(index_t l) const {
    const auto i = static_cast<std::size_t>(l);
    return i < trained_ ? a_.learner_ids[i] : a_.new_learner_ids[i - trained_];
}

std::optional<index_t> LearnerLookup::find(std::string_view s) const {
    for (std::size_t i = hash(s) & mask_; table_[i] != 0; i = (i + 1) & mask_)
        if (id(table_[i] - 1) == s) return table_[i] - 1;
    return std::nullopt;
}

bool Memory::logged(std::size_t local, index_t c) const {
    const auto key = (static_cast<std::uint64_t>(local) << 32) | static_cast<std::uint32_t>(c);
    return std::binary_search(logged_here.begin(), logged_here.end(), key);
}

LogMemory::LogMemory(const std::filesystem::path& log, const LearnerLookup& learners, const IdMap& courses,
                     std::vector<std::int32_t> position, std::size_t targeted, std::size_t bucket_size,
                     const CampaignSpec& spec)
    : spec_(spec), targeted_(targeted), bucket_size_(std::max<std::size_t>(bucket_size, 1)) {
    LEARNREC_CHECK(static_cast<std::size_t>(courses.size()) <= kCourseMask, "campaign: more than {} courses", kCourseMask);
    // Enough positions per bucket that there are at most kMaxBuckets of them.
    const std::size_t chunk = bucket_size_;
    while ((targeted_ + bucket_size_ - 1) / bucket_size_ > kMaxBuckets) bucket_size_ += chunk;
    const std::size_t buckets = std::max<std::size_t>(1, (targeted_ + bucket_size_ - 1) / bucket_size_);
    pending_.resize(buckets);
    files_.assign(buckets, nullptr);
    const PushLogLookup learner = [&](std::string_view id) { return learners.find(id); };
    const PushLogLookup course = [&](std::string_view id) { return courses.find(id); };
    std::int64_t last = -1;  // the last campaign index seen, and whether it is this campaign
    bool last_mine = false;
    const PushLogScan scan = scan_push_log(log, learner, course, [&](const PushEntry& e, std::string_view campaign) {
        const std::int32_t pos = position[static_cast<std::size_t>(e.learner)];
        if (pos < 0) return;  // not targeted: checked, not kept
        if (static_cast<std::int64_t>(e.campaign) != last) {
            last = e.campaign;
            last_mine = campaign == spec_.id;
        }
        // Other campaigns' records after `now` do not count (a re-run sees what the first run saw).
        if (!last_mine && e.time > spec_.now) return;
        if (last_mine && e.event != PushEvent::pushed) return;
        const Record r{static_cast<std::uint32_t>(pos),
                       static_cast<std::uint32_t>(e.course) | (static_cast<std::uint32_t>(e.event) << kCourseBits) |
                           (e.mandatory ? kMandatory : 0u) | (last_mine ? kThisCampaign : 0u),
                       e.time};
        pending_[static_cast<std::size_t>(pos) / bucket_size_].push_back(r);
        ++records_;
        if (++in_memory_ >= kMaxInMemory) spill();
    }, spec.num_threads);
    warning_ = scan.warning;
}

LogMemory::~LogMemory() {
    for (auto* f : files_)
        if (f) std::fclose(f);
}

void LogMemory::spill() {
    for (std::size_t b = 0; b < pending_.size(); ++b) {
        auto& v = pending_[b];
        if (v.empty()) continue;
        if (!files_[b]) {
            files_[b] = std::tmpfile();
            if (!files_[b]) LEARNREC_FAIL_AT("campaign", "cannot create a temporary file: {}", std::strerror(errno));
        }
        if (std::fwrite(v.data(), sizeof(Record), v.size(), files_[b]) != v.size())
            LEARNREC_FAIL_AT("campaign", "cannot write a temporary file: {}", std::strerror(errno));
        v.clear();
        v.shrink_to_fit();
    }
    in_memory_ = 0;
}

const Memory& LogMemory::at(std::size_t pos) {
    const std::size_t bucket = pos / bucket_size_;
    if (bucket != loaded_) load(bucket);
    return memory_;
}

void LogMemory::load(std::size_t bucket) {
    std::vector<Record> recs;
    if (std::FILE* f = files_[bucket]) {
        std::fflush(f);
        std::rewind(f);
        Record r;
        while (std::fread(&r, sizeof r, 1, f) == 1) recs.push_back(r);
        std::fclose(f);
        files_[bucket] = nullptr;
    }
    recs.insert(recs.end(), pending_[bucket].begin(), pending_[bucket].end());
    std::vector<Record>().swap(pending_[bucket]);
    loaded_ = bucket;

    const auto& cr = spec_.settings.campaign;
    const timestamp_t now = spec_.now;
    const std::size_t first = bucket * bucket_size_;
    const std::size_t count = std::min(bucket_size_, targeted_ - std::min(targeted_, first));
    Memory m;
    m.first = first;
    m.period_pushes.assign(count, 0);
    for (const auto& r : recs)
        if (r.course_flags & kThisCampaign)
            m.logged_here.push_back((static_cast<std::uint64_t>(r.pos - first) << 32) | (r.course_flags & kCourseMask));
    std::sort(m.logged_here.begin(), m.logged_here.end());
    m.logged_here.erase(std::unique(m.logged_here.begin(), m.logged_here.end()), m.logged_here.end());
    std::erase_if(recs, [](const Record& r) { return (r.course_flags & kThisCampaign) != 0; });
    // A bucket is loaded between two parallel stages (the previous chunk's writing, this chunk's
    // ranking), so it is done in parallel too: the records grouped by learner (a counting sort,
    // stable: file order kept), then each learner's records in (course, time) order and their
    // verdicts on its own. The same order as a stable sort by (position, course, time).
    std::vector<std::size_t> from(count + 1, 0);
    for (const auto& r : recs) ++from[r.pos - first + 1];
    for (std::size_t l = 0; l < count; ++l) from[l + 1] += from[l];
    std::vector<Record> sorted(recs.size());
    {
        std::vector<std::size_t> next(from.begin(), from.end() - 1);
        for (const auto& r : recs) sorted[next[r.pos - first]++] = r;
    }
    std::vector<Record>().swap(recs);
    const timestamp_t period_start = now - static_cast<timestamp_t>(cr.period_days) * ranking::kSecondsPerDay;
    // Held courses and rules of learner l at [from[l], from[l] + held[l]) (one per group at most).
    std::vector<index_t> held_courses(sorted.size());
    std::vector<std::uint8_t> held_rules(sorted.size());
    std::vector<std::uint32_t> held(count, 0);
    learnrec::detail::parallel_for(0, static_cast<std::int64_t>(count), spec_.num_threads, [&](std::int64_t li) {
        const auto l = static_cast<std::size_t>(li);
        const auto b = sorted.begin() + static_cast<std::ptrdiff_t>(from[l]);
        const auto e = sorted.begin() + static_cast<std::ptrdiff_t>(from[l + 1]);
        std::stable_sort(b, e, [](const Record& x, const Record& y) {
            const auto cx = x.course_flags & kCourseMask, cy = y.course_flags & kCourseMask;
            return cx != cy ? cx < cy : x.time < y.time;
        });
        thread_local std::vector<PushEntry> group;
        for (std::size_t i = from[l]; i < from[l + 1];) {
            const std::uint32_t c = sorted[i].course_flags & kCourseMask;
            // One (learner, course) group as PushEntry records, so the verdict is push_hold's:
            // the same function why_not_pushed answers with.
            group.clear();
            for (; i < from[l + 1] && (sorted[i].course_flags & kCourseMask) == c; ++i) {
                const auto& r = sorted[i];
                const auto event = static_cast<PushEvent>((r.course_flags >> kCourseBits) & 7u);
                const bool mandatory = (r.course_flags & kMandatory) != 0;
                if (event == PushEvent::pushed && !mandatory && r.time > period_start) ++m.period_pushes[l];
                group.push_back(PushEntry{r.time, static_cast<index_t>(l), static_cast<index_t>(c), 0, event, mandatory});
            }
            const PushHold hold = push_hold(group, now, cr);
            if (hold.rule != PushHoldRule::none) {
                held_courses[from[l] + held[l]] = static_cast<index_t>(c);
                held_rules[from[l] + held[l]] = static_cast<std::uint8_t>(static_cast<int>(hold.rule) - 1);  // kRuleNames order
                ++held[l];
            }
        }
    }, 256);
    m.offsets.assign(count + 1, 0);
    for (std::size_t l = 0; l < count; ++l) {
        const auto h = static_cast<std::ptrdiff_t>(from[l]);
        m.courses.insert(m.courses.end(), held_courses.begin() + h, held_courses.begin() + h + held[l]);
        m.rules.insert(m.rules.end(), held_rules.begin() + h, held_rules.begin() + h + held[l]);
        m.offsets[l + 1] = static_cast<offset_t>(m.courses.size());
    }
    memory_ = std::move(m);
}

}  // namespace learnrec::campaign::detail
