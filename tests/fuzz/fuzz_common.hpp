// Shared by the fuzz harnesses: the libFuzzer entry point and the learnrec-specific oracle.
//
// Every harness feeds hostile bytes to a reader and accepts exactly two outcomes: a result, or
// learnrec::Error. Anything else (another exception, a crash, a sanitizer report, a huge
// allocation) is a finding. Under the replay main (g++ builds) other exceptions propagate and
// fail the ctest; under libFuzzer they abort, which libFuzzer reports as a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "learnrec/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace learnrec::fuzz {
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}
}  // namespace learnrec::fuzz
