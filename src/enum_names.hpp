// learnrec — internal: an enum's names in one table, read by both its to_string and its parser.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "learnrec/error.hpp"

namespace learnrec::detail {

template <class E>
struct EnumName {
    E value;
    std::string_view name;
};

template <class E, std::size_t N>
constexpr std::optional<std::string_view> name_of(const EnumName<E> (&table)[N], E value) noexcept {
    for (const auto& entry : table)
        if (entry.value == value) return entry.name;
    return std::nullopt;
}

template <class E, std::size_t N>
constexpr std::optional<E> value_named(const EnumName<E> (&table)[N], std::string_view name) noexcept {
    for (const auto& entry : table)
        if (entry.name == name) return entry.value;
    return std::nullopt;
}

/// The name of `value`, for a to_string that must not print "?": a value outside the table (an
/// integer cast to the enum) is an error naming the enum and the integer.
template <class E, std::size_t N>
std::string_view name_or_fail(const EnumName<E> (&table)[N], E value, std::string_view enum_name) {
    if (const auto name = name_of(table, value)) return *name;
    LEARNREC_FAIL("invalid {} {}", enum_name, static_cast<long long>(value));
}

}  // namespace learnrec::detail
