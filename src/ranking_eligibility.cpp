// learnrec ranking — a request's eligibility bitsets, each learner's view (lifecycle, prerequisites,
// obligations) and the masks that keep ineligible courses out of the top-k loop.
#include "ranking_request.hpp"

#include <algorithm>
#include <limits>

namespace learnrec::ranking::engine {

Request::Request(const Ranker::State& s, timestamp_t now, const RankingRules& rules,
        std::span<const EligibilityClass> new_classes)
    : s_(s), cat_(s.catalogue), now_(now), rules_(rules) {
    const auto n = static_cast<std::size_t>(cat_.num_courses());
    const std::size_t num_classes = s.classes.size() + new_classes.size();
    words_ = (n + 63) / 64;
    bits_.assign(
        learnrec::detail::checked_mul(num_classes, std::max<std::size_t>(words_, 1), "eligibility bitsets"), 0);
    const timestamp_t horizon = now + static_cast<timestamp_t>(rules.session_horizon_days) * kSecondsPerDay;
    Ranker::State::ClassBits key;
    key.language = rules.match_language;
    key.format = rules.match_format;
    key.region = rules.match_region;
    key.session = rules.require_session;
    if (key.session) key.span = horizon - now;
    std::shared_ptr<const Ranker::State::ClassBits> cached;
    {
        const std::lock_guard<std::mutex> lock(s.class_bits.mutex);
        cached = s.class_bits.bits;
    }
    const bool hit = cached && cached->serves(key, now) && cached->bits.size() == s.classes.size() * words_;
    if (hit) std::copy(cached->bits.begin(), cached->bits.end(), bits_.begin());
    const std::size_t first = hit ? s.classes.size() : 0;
    learnrec::detail::parallel_for(static_cast<std::int64_t>(first), static_cast<std::int64_t>(num_classes),
                                   rules.num_threads, [&](std::int64_t k) {
                                       const auto kk = static_cast<std::size_t>(k);
                                       const auto& ec = kk < s.classes.size()
                                                            ? s.classes[kk]
                                                            : new_classes[kk - s.classes.size()];
                                       std::uint64_t* row = bits_.data() + static_cast<std::size_t>(k) * words_;
                                       for (std::size_t c = 0; c < n; ++c)
                                           if (eligible(ec, static_cast<index_t>(c), now, horizon))
                                               row[c >> 6] |= std::uint64_t{1} << (c & 63);
                                   });
    if (!hit) {
        if (key.session) {
            // eligible() reads the time only as `start >= now` and `start <= now + span` for
            // sessions with seats: each flips when the time reaches start + 1 or start - span.
            key.valid_from = std::numeric_limits<timestamp_t>::min();
            key.valid_until = std::numeric_limits<timestamp_t>::max();
            for (const Session& x : cat_.sessions) {
                if (x.capacity <= 0) continue;
                for (const timestamp_t flip : {x.start + 1, x.start - key.span}) {
                    if (flip <= now)
                        key.valid_from = std::max(key.valid_from, flip);
                    else
                        key.valid_until = std::min(key.valid_until, flip);
                }
            }
        }
        key.bits.assign(bits_.begin(), bits_.begin() + static_cast<std::ptrdiff_t>(s.classes.size() * words_));
        auto fresh = std::make_shared<const Ranker::State::ClassBits>(std::move(key));
        const std::lock_guard<std::mutex> lock(s.class_bits.mutex);
        s.class_bits.bits = std::move(fresh);
    }
    gap_active_ = rules.gap_boost > 0.0f;
    goal_active_ = rules.goal_weight > 0.0f;
    // The bits that mask score tiles: eligibility and, under hold_back, "has prerequisites"
    // (each learner's few unlocked courses are put back in mask_tile), so that held-back
    // courses rarely reach the predicate either.
    mask_bits_ = bits_;
    if (rules.prerequisites == PrerequisiteMode::hold_back && words_ > 0) {
        hold_back_mask_ = true;
        // One word mask of the courses without prerequisites, applied to every class word by
        // word (each chunk of a batch builds a request: courses x classes bit by bit was serial
        // work between its parallel stages).
        std::vector<std::uint64_t> free(words_, ~std::uint64_t{0});
        for (std::size_t c = 0; c < n; ++c)
            if (!s.prereqs[c].empty()) free[c >> 6] &= ~(std::uint64_t{1} << (c & 63));
        for (std::size_t i = 0; i < mask_bits_.size(); ++i) mask_bits_[i] &= free[i % words_];
    }
}

void Request::restrict_to(std::span<const index_t> only) {
    if (only.empty()) return;
    std::vector<std::uint64_t> keep(words_, 0);
    for (auto c : only) keep[static_cast<std::size_t>(c) >> 6] |= std::uint64_t{1} << (c & 63);
    for (std::size_t i = 0; i < bits_.size(); ++i) {
        bits_[i] &= keep[i % words_];
        mask_bits_[i] &= keep[i % words_];
    }
}

void Request::add_exclusions(LearnerView& v, const RequestLimits& limits, std::size_t p) const {
    if (limits.offsets.empty()) return;
    const auto b = static_cast<std::size_t>(limits.offsets[p]), e = static_cast<std::size_t>(limits.offsets[p + 1]);
    if (b == e) return;
    v.excluded.insert(v.excluded.end(), limits.excluded.begin() + static_cast<std::ptrdiff_t>(b),
                      limits.excluded.begin() + static_cast<std::ptrdiff_t>(e));
    std::sort(v.excluded.begin(), v.excluded.end());
    v.excluded.erase(std::unique(v.excluded.begin(), v.excluded.end()), v.excluded.end());
}

const ByteMasks& Request::byte_masks() {
    static const auto table = [] {
        std::array<std::array<float, 8>, 256> t{};
        for (std::size_t b = 0; b < 256; ++b)
            for (std::size_t j = 0; j < 8; ++j)
                t[b][j] = ((b >> j) & 1u) ? 0.0f : -std::numeric_limits<float>::infinity();
        return t;
    }();
    return table;
}

bool Request::eligible(const EligibilityClass& ec, index_t c, timestamp_t now, timestamp_t horizon) const {
    const auto cc = static_cast<std::size_t>(c);
    if (rules_.match_language && !ec.languages.empty() && !s_.course_languages[cc].empty()) {
        const auto& a = ec.languages;
        const auto& b = s_.course_languages[cc];
        bool any = false;
        for (auto x : b) any = any || contains(a, x);
        if (!any) return false;
    }
    if (rules_.match_format && !ec.formats.empty() && s_.course_format[cc] >= 0 &&
        !contains(ec.formats, s_.course_format[cc]))
        return false;
    if (rules_.match_region && !s_.course_regions[cc].empty() &&
        !(contains(s_.course_regions[cc], ec.country) || contains(s_.course_regions[cc], ec.region)))
        return false;
    if (rules_.require_session && !s_.course_sessions[cc].empty()) {
        bool open = false;
        for (const Session* session : s_.course_sessions[cc]) {
            const auto loc = s_.session_location[static_cast<std::size_t>(session - cat_.sessions.data())];
            if (session->capacity > 0 && session->start >= now && session->start <= horizon &&
                (loc < 0 || loc == ec.country || loc == ec.region)) {
                open = true;
                break;
            }
        }
        if (!open) return false;
    }
    return true;
}

void Request::view_of(const Population& people, index_t learner, LearnerView& v) const {
    v.excluded.clear();
    v.completed.clear();
    v.unlocked.clear();
    v.gaps.clear();
    v.pinned.clear();
    v.mandatory.clear();
    v.popular = nullptr;
    v.department = -1;
    v.eligibility_class = 0;
    v.learner = learner;
    v.history = people.history;
    const auto li = static_cast<std::size_t>(learner);
    const LearnerCodes* codes = people.codes;
    if (codes) v.eligibility_class = codes->learner_class[li];
    for (const auto& e : people.history->of(learner)) {
        if (still_taken(e)) v.excluded.push_back(e.course);
        if (e.completed_at != kNever) v.completed.push_back(e.course);
    }
    if (rules_.prerequisites == PrerequisiteMode::hold_back) {
        // Only courses next to completed ones can have all their prerequisites completed.
        for (auto h : v.completed)
            for (auto c : s_.unlocks[static_cast<std::size_t>(h)])
                if (first_missing(v, c) < 0) v.unlocked.push_back(c);
        std::sort(v.unlocked.begin(), v.unlocked.end());
        v.unlocked.erase(std::unique(v.unlocked.begin(), v.unlocked.end()), v.unlocked.end());
    }
    if (codes) {
        for (const auto& [skill, target] : codes->goals[li]) {
            int current = 0;
            for (auto c : v.completed)
                for (const auto& [sk, level] : s_.course_skills(c))
                    if (sk == skill) current = std::max(current, level);
            if (current < target) v.gaps.push_back({skill, target, current});
        }
    }
    if (rules_.obligations) collect_obligations(v, codes);
    if (rules_.explain && codes) {
        v.department = codes->department[li];
        if (v.department >= 0) v.popular = &s_.popular[static_cast<std::size_t>(v.department)];
    }
}

void Request::add_obligation(LearnerView& v, std::size_t o) const {
    const auto& ob = cat_.obligations[o];
    if (completed_valid(v, ob.course)) return;
    auto it = std::find_if(v.mandatory.begin(), v.mandatory.end(),
                           [&](const Pinned& p) { return p.course == ob.course; });
    if (it == v.mandatory.end())
        v.mandatory.push_back({ob.course, ob.due});
    else
        it->due = std::min(it->due, ob.due);
}

void Request::collect_obligations(LearnerView& v, const LearnerCodes* codes) const {
    std::span<const std::size_t> own;
    if (codes) {
        const auto li = static_cast<std::size_t>(v.learner);
        own = std::span<const std::size_t>(codes->obligations)
                  .subspan(codes->obligation_offsets[li],
                           codes->obligation_offsets[li + 1] - codes->obligation_offsets[li]);
    }
    for (const auto& list : {std::span<const std::size_t>(s_.obligations_all), own})
        for (auto o : list) add_obligation(v, o);

    std::sort(v.mandatory.begin(), v.mandatory.end(),
              [](const Pinned& a, const Pinned& b) { return a.course < b.course; });
    const timestamp_t limit = now_ + static_cast<timestamp_t>(rules_.obligation_window_days) * kSecondsPerDay;
    for (const auto& m : v.mandatory)
        if (m.due <= limit) v.pinned.push_back(m);
    std::sort(v.pinned.begin(), v.pinned.end(), [](const Pinned& a, const Pinned& b) {
        return a.due != b.due ? a.due < b.due : a.course < b.course;
    });
    if (v.pinned.size() > static_cast<std::size_t>(rules_.k)) v.pinned.resize(static_cast<std::size_t>(rules_.k));
}

void Request::mask_tile(const LearnerView& v, index_t c0, index_t c1, float* row) const {
    constexpr float kOut = -std::numeric_limits<float>::infinity();
    const std::uint64_t* bits = mask_bits_.data() + static_cast<std::size_t>(v.eligibility_class) * words_;
    auto bit = [&](index_t c) { return (bits[static_cast<std::size_t>(c) >> 6] >> (c & 63)) & 1u; };
    const auto first = std::lower_bound(v.unlocked.begin(), v.unlocked.end(), c0);
    const auto last = std::lower_bound(first, v.unlocked.end(), c1);
    thread_local std::vector<float> saved;
    saved.clear();
    for (auto it = first; it != last; ++it) saved.push_back(row[*it - c0]);
    index_t c = c0;
    for (; c < c1 && (c & 63) != 0; ++c)
        if (!bit(c)) row[c - c0] = kOut;
    const auto whole = static_cast<std::size_t>((c1 - c) / 64);
    mask_words(bits + (static_cast<std::size_t>(c) >> 6), whole, row + (c - c0), byte_masks());
    c += static_cast<index_t>(64 * whole);
    for (; c < c1; ++c)
        if (!bit(c)) row[c - c0] = kOut;
    if (hold_back_mask_)
        for (auto it = first; it != last; ++it)
            if (class_allows(v, *it)) row[*it - c0] = saved[static_cast<std::size_t>(it - first)];
    mask_excluded(v, c0, c1, row);
}

void Request::mask_excluded(const LearnerView& v, index_t c0, index_t c1, float* row) const {
    auto it = std::lower_bound(v.excluded.begin(), v.excluded.end(), c0);
    for (; it != v.excluded.end() && *it < c1; ++it) row[*it - c0] = -std::numeric_limits<float>::infinity();
}

}  // namespace learnrec::ranking::engine
