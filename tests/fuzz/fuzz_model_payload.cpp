// Fuzz target: the Boost payload parser facing hostile bytes. The input is a model kind and a
// newline ("als\n") followed by a payload; the harness wraps it in a valid envelope (right length,
// both checksums recomputed), so no mutation is stopped by the checksums and every one reaches
// the payload parser and the model constructors.
#include <string>

#include "fuzz_common.hpp"
#include "learnrec/detail/atomic_file.hpp"
#include "learnrec/io/model_file.hpp"
#include "learnrec/model/popularity.hpp"
#include "learnrec/retrieval/recommend.hpp"

namespace {
/// A valid envelope for `kind` (taken from a real file) around `payload`.
std::string envelope(std::string_view kind, std::string_view payload) {
    static const std::string header = [] {
        const learnrec::PopularityModel m(1, learnrec::Vector::Ones(1));
        return learnrec::to_bytes(m).substr(0, learnrec::model_file_header_size);
    }();
    std::string out = header;
    std::fill(out.begin() + 16, out.begin() + 32, '\0');
    std::copy(kind.begin(), kind.end(), out.begin() + 16);
    const std::uint64_t length = payload.size();
    for (int i = 0; i < 8; ++i) out[40 + static_cast<std::size_t>(i)] = static_cast<char>(length >> (8 * i));
    out.append(payload);
    learnrec::detail::reseal_model_bytes(out);
    return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto input = learnrec::fuzz::as_text(data, size);
    const auto newline = input.find('\n');
    if (newline == std::string_view::npos || newline > 16) return 0;  // the kind field holds 16 bytes
    const std::string bytes = envelope(input.substr(0, newline), input.substr(newline + 1));
    try {
        const auto bundle = learnrec::from_bytes(bytes);
        if (bundle.model->num_learners() > 0 && bundle.model->num_courses() > 0) {
            const learnrec::index_t learner = 0;
            learnrec::RecommendOptions options;
            options.k = 3;
            options.num_threads = 1;
            (void)learnrec::recommend(*bundle.model, {&learner, 1}, nullptr, options);
        }
    } catch (const learnrec::Error&) {
    }
    return 0;
}
