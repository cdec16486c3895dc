// The embedded academy demo, shared by the `learnrec-demo` host (the README's first command) and
// the CLI's `learnrec demo`. It needs only the header-only core and the academy generator, so the
// first command builds a few files instead of the whole library.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include <CLI/CLI.hpp>

#include "learnrec/data/academy.hpp"
#include "learnrec/model/als.hpp"

namespace learnrec::demo {

/// ALS hyperparameters as command-line flags, shared by the demo and the CLI's training commands.
struct AlsFlags {
    AlsConfig als;
    std::string solver = "cg";
};

/// --factors, --iterations, --regularization, --alpha, --solver, --cg-steps, --seed, --threads.
void add_als_flags(CLI::App& cmd, AlsFlags& flags);
/// The config the flags describe, validated.
AlsConfig finish(AlsFlags& flags);
/// One line per iteration on stderr, so training shows progress and stdout stays clean.
IterationCallback progress(int total);

struct Options {
    index_t learners = 5000;
    index_t courses = 600;
    std::uint64_t data_seed = 42;
    int show = 3;
    AlsFlags training = [] {
        AlsFlags f;
        f.als.factors = 64;
        f.als.iterations = 15;
        f.als.regularization = 5.0f;
        f.als.alpha = 10.0f;
        return f;
    }();
};

/// Adds the demo's flags (academy size, seed, ALS hyperparameters) to a CLI11 command.
void add_flags(CLI::App& cmd, Options& options);

/// Called once the model is trained, before the plain top-10s are printed (the CLI ranks the
/// academy through the rules there when asked).
using AfterTraining = std::function<void(const Academy&, std::shared_ptr<const AlsModel>, int threads)>;

/// Generates the academy, trains ALS on 80 % of each learner's courses, prints a few learners'
/// top-10 with titles and holdout recall@10 / NDCG@10 against most-popular. Returns 0 when ALS
/// beats most-popular on recall, 3 otherwise.
int run(Options options, const AfterTraining& after_training = {});

}  // namespace learnrec::demo
