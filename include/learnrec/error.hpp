// learnrec — error reporting.
//
// One exception type for every user-facing failure. User errors (bad input, bad
// configuration, corrupt files) are checked with LEARNREC_CHECK, which throws;
// internal invariants use assert and vanish in release builds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace learnrec {

/// Every error learnrec raises on purpose. `what()` reads "<context>: <reason>".
/// Thread safety: a value type; immutable after construction.
class Error : public std::runtime_error {
public:
    Error(std::string context, std::string reason)
        : std::runtime_error(context.empty() ? reason : context + ": " + reason),
          context_(std::move(context)), reason_(std::move(reason)) {}

    /// What was being done or read (a function, or "file:line").
    const std::string& context() const noexcept { return context_; }
    /// Why it failed, in terms the caller can act on.
    const std::string& reason() const noexcept { return reason_; }

private:
    std::string context_;
    std::string reason_;
};

namespace detail {
[[noreturn]] inline void throw_error(const char* func, std::string reason) {
    throw Error(func, std::move(reason));
}

/// a * b for sizes, throwing instead of wrapping around.
inline std::size_t checked_mul(std::size_t a, std::size_t b, const char* what) {
    if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a)
        throw Error(what, fmt::format("size {} x {} overflows", a, b));
    return a * b;
}
inline std::size_t checked_add(std::size_t a, std::size_t b, const char* what) {
    if (b > std::numeric_limits<std::size_t>::max() - a)
        throw Error(what, fmt::format("size {} + {} overflows", a, b));
    return a + b;
}
}  // namespace detail
}  // namespace learnrec

/// Throws learnrec::Error naming the calling function when `cond` is false.
/// The message is a fmt format string with arguments, evaluated only on failure.
#define LEARNREC_CHECK(cond, ...)                                                    \
    do {                                                                             \
        if (!(cond)) ::learnrec::detail::throw_error(__func__, fmt::format(__VA_ARGS__)); \
    } while (0)

/// Unconditional user error.
#define LEARNREC_FAIL(...) ::learnrec::detail::throw_error(__func__, fmt::format(__VA_ARGS__))
