// learnrec-demo: the README's first command. Generates the embedded academy, trains implicit ALS,
// prints a few learners' top-10 courses and compares holdout recall@10 with most-popular.
// It links only the header-only core and the academy generator (see CMakeLists.txt).
#include <cstdio>

#include <CLI/CLI.hpp>

#include "demo.hpp"
#include "learnrec/error.hpp"

int main(int argc, char** argv) {
    CLI::App app{"learnrec-demo: the embedded academy, ALS, top-10 with titles, recall@10 against most-popular"};
    learnrec::demo::Options options;
    learnrec::demo::add_flags(app, options);
    CLI11_PARSE(app, argc, argv);
    try {
        return learnrec::demo::run(options);
    } catch (const learnrec::Error& e) {
        std::fprintf(stderr, "\nlearnrec-demo: error: %s\n", e.what());
        return 2;
    }
}
