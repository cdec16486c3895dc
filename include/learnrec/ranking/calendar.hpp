// learnrec ranking — calendar arithmetic on UTC timestamps (validity periods, due dates).
//
// Thread safety: pure functions. Complexity: O(1).
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "learnrec/data/csv.hpp"
#include "learnrec/data/interactions.hpp"

namespace learnrec::detail {
struct CivilDate {
    std::int64_t year;
    unsigned month;  // 1..12
    unsigned day;    // 1..31
};
/// Inverse of days_from_civil (same era-based scheme).
constexpr CivilDate civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<std::uint64_t>(z - era * 146097);
    const std::uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::uint64_t mp = (5 * doy + 2) / 153;
    const auto d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
    const auto m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}
}  // namespace learnrec::detail

namespace learnrec::ranking {

inline constexpr timestamp_t kSecondsPerDay = 86400;

/// `t` moved `months` calendar months later, same time of day; the day is clamped to the end of
/// a shorter month (2026-01-31 + 1 month = 2026-02-28), as certification validity is usually read.
constexpr timestamp_t add_months(timestamp_t t, int months) noexcept {
    const std::int64_t days = learnrec::detail::floor_div(t, kSecondsPerDay);
    const timestamp_t time_of_day = t - days * kSecondsPerDay;
    const auto date = learnrec::detail::civil_from_days(days);
    const std::int64_t month_index = date.year * 12 + (date.month - 1) + months;
    const std::int64_t year = learnrec::detail::floor_div(month_index, 12);
    const auto month = static_cast<unsigned>(month_index - year * 12 + 1);
    const unsigned month_length =
        static_cast<unsigned>(days_from_civil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) -
                              days_from_civil(year, month, 1));
    const unsigned day = date.day < month_length ? date.day : month_length;
    return days_from_civil(year, month, day) * kSecondsPerDay + time_of_day;
}

/// "YYYY-MM-DD" (UTC) of a timestamp.
inline std::string format_date(timestamp_t t) {
    const auto date = learnrec::detail::civil_from_days(learnrec::detail::floor_div(t, kSecondsPerDay));
    return fmt::format("{:04d}-{:02d}-{:02d}", date.year, date.month, date.day);
}

}  // namespace learnrec::ranking
