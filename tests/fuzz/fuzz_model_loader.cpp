// Fuzz target: whole model files through from_bytes() (envelope checks first, then the payload
// whenever the mutated bytes still carry valid checksums).
#include "fuzz_common.hpp"
#include "learnrec/io/model_file.hpp"
#include "learnrec/retrieval/recommend.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto bundle = learnrec::from_bytes(learnrec::fuzz::as_text(data, size));
        // A model that loads must be usable.
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
