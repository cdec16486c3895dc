// learnrec — error reporting.
//
// One exception type for every user-facing failure, raised one way: LEARNREC_CHECK and
// LEARNREC_FAIL name the calling function; LEARNREC_FAIL_AT names a place in the input (file and
// line) instead. Internal invariants use assert and vanish in release builds.
#pragma once

#include <cmath>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
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
[[noreturn]] inline void throw_error(std::string func, std::string reason) {
    throw Error(std::move(func), std::move(reason));
}

/// The name an error should carry: `func` (the caller's __func__), except inside a lambda or a
/// function object, where __func__ is "operator()" and says nothing: then the enclosing function's
/// name from `pretty` (__PRETTY_FUNCTION__), e.g. "parse_rules_json" for a lambda inside it, or
/// the class name of a function object. Runs only when an error is raised.
inline std::string caller_name(const char* func, const char* pretty) {
    const std::string_view f(func);
    if (f != "operator()") return std::string(f);
    std::string_view p(pretty);
    // g++: "R ns::outer(args)::<lambda(args)>"; clang: "auto ns::outer(args)::(anonymous class)::operator()(args) const".
    std::size_t cut = p.find("::<lambda");
    if (cut == std::string_view::npos) cut = p.find("::(anonymous class)");
    if (cut == std::string_view::npos) cut = p.find("::(lambda");
    if (cut == std::string_view::npos) {
        cut = p.rfind("::operator()");
        if (cut == std::string_view::npos) return "lambda";
        p = p.substr(0, cut);  // a function object: its class is the best name
    } else {
        p = p.substr(0, cut);
        while (!p.empty() && p.back() != ')') p.remove_suffix(1);  // " const", "&&", ...
        int depth = 0;  // drop the enclosing function's parameter list, balancing parentheses
        while (!p.empty()) {
            const char c = p.back();
            p.remove_suffix(1);
            if (c == ')') ++depth;
            else if (c == '(' && --depth == 0) break;
        }
    }
    if (!p.empty() && p.back() == '>') {  // template arguments
        int depth = 0;
        while (!p.empty()) {
            const char c = p.back();
            p.remove_suffix(1);
            if (c == '>') ++depth;
            else if (c == '<' && --depth == 0) break;
        }
    }
    const std::size_t start = p.find_last_of(": ");
    const std::string_view name = start == std::string_view::npos ? p : p.substr(start + 1);
    return name.empty() ? std::string("lambda") : std::string(name);
}

/// a * b for sizes, throwing instead of wrapping around.
inline std::size_t checked_mul(std::size_t a, std::size_t b, const char* what) {
    if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a)
        throw_error(what, fmt::format("size {} x {} overflows", a, b));
    return a * b;
}
inline std::size_t checked_add(std::size_t a, std::size_t b, const char* what) {
    if (b > std::numeric_limits<std::size_t>::max() - a)
        throw_error(what, fmt::format("size {} + {} overflows", a, b));
    return a + b;
}
}  // namespace detail
}  // namespace learnrec

/// Throws learnrec::Error naming the calling function when `cond` is false.
/// The message is a fmt format string with arguments, evaluated only on failure.
#define LEARNREC_CHECK(cond, ...)                                                                        \
    do {                                                                                                 \
        if (!(cond))                                                                                     \
            ::learnrec::detail::throw_error(::learnrec::detail::caller_name(__func__, __PRETTY_FUNCTION__), \
                                            fmt::format(__VA_ARGS__));                                   \
    } while (0)

/// Unconditional user error.
#define LEARNREC_FAIL(...)                                                                        \
    ::learnrec::detail::throw_error(::learnrec::detail::caller_name(__func__, __PRETTY_FUNCTION__), \
                                    fmt::format(__VA_ARGS__))

/// Unconditional user error whose context is a place in the input rather than a function:
/// "file.csv:12" of a malformed row, a file that cannot be read, a rules key. Same type, same
/// "<context>: <reason>" message as LEARNREC_FAIL.
#define LEARNREC_FAIL_AT(context, ...) ::learnrec::detail::throw_error(std::string(context), fmt::format(__VA_ARGS__))

namespace learnrec::detail {
/// What every SGD trainer's config asks first (BPR, the hybrid model): a positive dimension and a
/// finite, positive step size.
inline void check_sgd_config(int factors, float learning_rate) {
    LEARNREC_CHECK(factors > 0, "factors must be positive, got {}", factors);
    LEARNREC_CHECK(std::isfinite(learning_rate) && learning_rate > 0.0f,
                   "learning_rate must be finite and > 0, got {}", learning_rate);
}
/// The rule every num_threads setting follows: >= 0, where 0 means every processor.
inline void check_num_threads(int num_threads) {
    LEARNREC_CHECK(num_threads >= 0, "num_threads must be >= 0 (0 = all processors), got {}", num_threads);
}
}  // namespace learnrec::detail
