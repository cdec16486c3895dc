// learnrec — internal: the academy generator's random streams (src/academy*.cpp).
//
// std:: distributions are implementation-defined, so the same seed would give different academies
// with libstdc++, libc++ and MSVC. Only the raw mt19937_64 output is used.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <random>
#include <span>
#include <vector>

namespace learnrec::detail::academy_gen {

constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// One independent stream per aspect, so that a later schema version can add an aspect (a new
// constant) without shifting the draws of existing ones. Never change or reuse these values.
constexpr std::uint64_t kCatalogueStream = 0x636174616c6f6775ULL;    // "catalogu"
constexpr std::uint64_t kProfileStream = 0x70726f66696c6573ULL;      // "profiles"
constexpr std::uint64_t kPreferenceStream = 0x7072656665727321ULL;   // "prefers!"
constexpr std::uint64_t kEnrolmentStream = 0x656e726f6c6d656eULL;    // "enrolmen"
// Schema 2.
constexpr std::uint64_t kCourseExtraStream = 0x736b696c6c732b70ULL;  // "skills+p"
constexpr std::uint64_t kSeniorityStream = 0x73656e696f726974ULL;    // "seniorit"
constexpr std::uint64_t kReviewStream = 0x7265766965777321ULL;       // "reviews!"
constexpr std::uint64_t kGoalStream = 0x676f616c73676f61ULL;         // "goalsgoa"
constexpr std::uint64_t kObligationStream = 0x6f626c6967617465ULL;   // "obligate"
constexpr std::uint64_t kLifecycleStream = 0x6c6966656379636cULL;    // "lifecycl"
constexpr std::uint64_t kSessionStream = 0x73657373696f6e73ULL;      // "sessions"

/// The engine of one stream: the academy's seed mixed with the stream's constant.
inline std::mt19937_64 stream_engine(std::uint64_t seed, std::uint64_t stream) {
    return std::mt19937_64(splitmix64(splitmix64(seed) ^ stream));
}

class Rng {
public:
    Rng(std::uint64_t seed, std::uint64_t stream) : engine_(stream_engine(seed, stream)) {}

    /// Uniform in [0, 1) from the top 53 bits.
    double uniform() noexcept { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
    bool bernoulli(double p) noexcept { return uniform() < p; }
    /// Uniform in [0, n); the bias of scaling a 53-bit draw is negligible for n < 2^31.
    std::size_t index(std::size_t n) noexcept {
        return std::min(static_cast<std::size_t>(uniform() * static_cast<double>(n)), n - 1);
    }
    /// Exp(1) by inversion.
    double exponential() noexcept { return -std::log(1.0 - uniform()); }
    /// N(0, 1) by Marsaglia's polar method (no trigonometry, whose last bits vary across libms).
    double normal() noexcept {
        for (;;) {
            const double u = 2.0 * uniform() - 1.0;
            const double v = 2.0 * uniform() - 1.0;
            const double s = u * u + v * v;
            if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
        }
    }
    /// Index drawn with probability proportional to the increments of `cumulative`.
    std::size_t categorical(std::span<const double> cumulative) noexcept {
        const double x = uniform() * cumulative.back();
        const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), x);
        return std::min(static_cast<std::size_t>(it - cumulative.begin()), cumulative.size() - 1);
    }
    template <class T>
    void shuffle(std::vector<T>& v) noexcept {
        for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[index(i)]);
    }

private:
    std::mt19937_64 engine_;
};

template <class Weights>
std::vector<double> cumulative(const Weights& w) {
    std::vector<double> c(std::size(w));
    double sum = 0.0;
    for (std::size_t i = 0; i < c.size(); ++i) c[i] = sum += static_cast<double>(w[i]);
    return c;
}

template <class Row, std::size_t N>
std::vector<double> cumulative_shares(const std::array<Row, N>& table) {
    std::array<double, N> w{};
    for (std::size_t k = 0; k < N; ++k) w[k] = table[k].share;
    return cumulative(w);
}

}  // namespace learnrec::detail::academy_gen
