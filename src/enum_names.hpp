// learnrec — internal: an enum's names in one table, read by both its to_string and its parser.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

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

}  // namespace learnrec::detail
