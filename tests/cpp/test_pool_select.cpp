// The class pools' candidate filter (learnrec/detail/pool_select.hpp): whatever a row holds (ties,
// -inf, NaN, a gate), its candidates contain the row's k best under topk()'s order (score desc,
// then index asc) among the scores above the gate, so ordering the candidates gives exactly what
// a full sort of the row gives. The oracle is std::sort of every (score, index) above the gate.
// Tagged [ranking]: ctest runs it on every instruction-set path (tests/CMakeLists.txt).
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "learnrec/detail/pool_select.hpp"

using namespace learnrec;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

struct Ranked {
    float score;
    index_t id;
};
bool before(const Ranked& a, const Ranked& b) { return a.score > b.score || (a.score == b.score && a.id < b.id); }

/// The k best of s above the gate, by a full sort.
std::vector<Ranked> full_sort(const std::vector<float>& s, float gate, index_t k) {
    std::vector<Ranked> all;
    for (index_t i = 0; i < static_cast<index_t>(s.size()); ++i)
        if (s[static_cast<std::size_t>(i)] > gate) all.push_back({s[static_cast<std::size_t>(i)], i});
    std::sort(all.begin(), all.end(), before);
    all.resize(std::min(all.size(), static_cast<std::size_t>(k)));
    return all;
}

/// The k best of the candidates the active path's filter returns.
std::vector<Ranked> via_candidates(const std::vector<float>& s, float gate, index_t k, std::vector<index_t>* found) {
    std::vector<float> maxima(s.size() + 16);
    std::vector<index_t> slots(s.size());
    const index_t n = static_cast<index_t>(s.size());
    // s > gate is s >= the next float up, the form the filter takes.
    const index_t count =
        detail::pool_candidates_fn()(s.data(), n, std::nextafter(gate, kInf), k, maxima.data(), slots.data());
    slots.resize(static_cast<std::size_t>(count));
    if (found) *found = slots;
    std::vector<Ranked> c;
    for (const index_t i : slots) c.push_back({s[static_cast<std::size_t>(i)], i});
    std::sort(c.begin(), c.end(), before);
    c.resize(std::min(c.size(), static_cast<std::size_t>(k)));
    return c;
}

void require_same(const std::vector<Ranked>& got, const std::vector<Ranked>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        CHECK(got[i].id == want[i].id);
        CHECK(got[i].score == want[i].score);
    }
}

/// A row of n scores drawn from `levels` integer values (many ties), some -inf and NaN.
std::vector<float> tied_row(std::mt19937& rng, index_t n, int levels) {
    std::uniform_int_distribution<int> level(0, levels - 1), odd(0, 49);
    std::vector<float> s(static_cast<std::size_t>(n));
    for (auto& x : s) {
        const int o = odd(rng);
        x = o == 0 ? -kInf : o == 1 ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(level(rng));
    }
    return s;
}

}  // namespace

TEST_CASE("pool candidates hold a row's k best, ties to the lower index, as a full sort orders them", "[ranking]") {
    std::mt19937 rng(16);
    for (const index_t n : {1, 15, 17, 100, 319, 320, 321, 1250, 1259, 5000})
        for (const index_t k : {1, 10, 20, 64})
            for (const int levels : {3, 40, 100000}) {
                const auto s = tied_row(rng, n, levels);
                require_same(via_candidates(s, -kInf, k, nullptr), full_sort(s, -kInf, k));
            }
}

TEST_CASE("pool candidates keep only scores above the gate, a short pool when few pass", "[ranking]") {
    std::mt19937 rng(17);
    for (const index_t n : {40, 1250, 4097})
        for (const float gate : {-1.0f, 5.0f, 38.5f, 39.0f, kInf}) {
            const auto s = tied_row(rng, n, 40);
            std::vector<index_t> found;
            const auto got = via_candidates(s, gate, 20, &found);
            require_same(got, full_sort(s, gate, 20));
            for (const index_t i : found) CHECK(s[static_cast<std::size_t>(i)] > gate);
        }
}

TEST_CASE("pool candidates of a row of equal scores are its lowest indices", "[ranking]") {
    const std::vector<float> s(1000, 0.5f);
    const auto got = via_candidates(s, -kInf, 20, nullptr);
    REQUIRE(got.size() == 20);
    for (index_t i = 0; i < 20; ++i) CHECK(got[static_cast<std::size_t>(i)].id == i);
}

TEST_CASE("pool candidates of a row without a finite score are none", "[ranking]") {
    std::vector<float> s(700, -kInf);
    for (std::size_t i = 0; i < s.size(); i += 3) s[i] = std::numeric_limits<float>::quiet_NaN();
    std::vector<index_t> found;
    CHECK(via_candidates(s, -kInf, 20, &found).empty());
    CHECK(found.empty());
}

TEST_CASE("pool candidates are the same on the active path as on the baseline path", "[ranking]") {
    std::mt19937 rng(18);
    for (const index_t n : {33, 1250, 2051}) {
        const auto s = tied_row(rng, n, 1000);
        std::vector<index_t> active;
        via_candidates(s, -kInf, 20, &active);
        std::vector<float> maxima(s.size() + 16);
        std::vector<index_t> slots(s.size());
        const index_t count = detail::pool_candidates_scalar(s.data(), n, std::nextafter(-kInf, kInf), 20,
                                                              maxima.data(), slots.data());
        slots.resize(static_cast<std::size_t>(count));
        CHECK(active == slots);
    }
}

TEST_CASE("pool keys order (score, index) as topk() does, -0 tied with +0 and infinities included", "[ranking]") {
    std::mt19937 rng(19);
    const float values[] = {-kInf, -3.5f, -1e-30f, -0.0f, 0.0f, 1e-30f, 2.0f, 2.0000002f, 1e30f, kInf};
    std::uniform_int_distribution<int> value(0, 9), id(0, 1 << 30);
    std::vector<Ranked> items;
    for (int i = 0; i < 500; ++i) items.push_back({values[value(rng)], i < 20 ? i : id(rng)});
    std::vector<Ranked> by_key = items;
    std::sort(by_key.begin(), by_key.end(), [](const Ranked& a, const Ranked& b) {
        return detail::pool_key(a.score, a.id) > detail::pool_key(b.score, b.id);
    });
    std::sort(items.begin(), items.end(), before);
    for (std::size_t i = 0; i < items.size(); ++i) {
        CHECK(by_key[i].id == items[i].id);
        CHECK(by_key[i].score == items[i].score);
        CHECK(detail::pool_key_id(detail::pool_key(by_key[i].score, by_key[i].id)) == by_key[i].id);
    }
}

TEST_CASE("pool ranks place up to 64 candidates where a full sort puts them, ties and -0 included", "[ranking]") {
    std::mt19937 rng(20);
    const float values[] = {-3.5f, -1e-30f, -0.0f, 0.0f, 1e-30f, 2.0f, 2.0000002f, 1e30f, kInf};
    std::uniform_int_distribution<int> value(0, 8), id(0, 1 << 24);
    for (const index_t n : {1, 2, 15, 16, 17, 31, 44, 63, 64})
        for (int round = 0; round < 20; ++round) {
            std::vector<Ranked> items;
            std::vector<float> score;
            std::vector<index_t> ids;
            for (index_t i = 0; i < n; ++i) {
                // Distinct ids, in any order (held-back courses come after the open ones).
                items.push_back({values[value(rng)], id(rng) * 64 + i});
                score.push_back(items.back().score);
                ids.push_back(items.back().id);
            }
            while (score.size() % 16 != 0) {
                score.push_back(-kInf);
                ids.push_back(std::numeric_limits<index_t>::max());
            }
            std::vector<index_t> rank(static_cast<std::size_t>(n));
            detail::pool_ranks_fn()(score.data(), ids.data(), n, rank.data());
            std::vector<Ranked> placed(static_cast<std::size_t>(n), Ranked{0.0f, -1});
            for (index_t i = 0; i < n; ++i) {
                REQUIRE(rank[static_cast<std::size_t>(i)] >= 0);
                REQUIRE(rank[static_cast<std::size_t>(i)] < n);
                const auto at = static_cast<std::size_t>(rank[static_cast<std::size_t>(i)]);
                placed[at] = items[static_cast<std::size_t>(i)];
            }
            std::sort(items.begin(), items.end(), before);
            for (index_t i = 0; i < n; ++i) {
                CHECK(placed[static_cast<std::size_t>(i)].id == items[static_cast<std::size_t>(i)].id);
                CHECK(std::signbit(placed[static_cast<std::size_t>(i)].score) ==
                      std::signbit(items[static_cast<std::size_t>(i)].score));
            }
        }
}
