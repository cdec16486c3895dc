// learnrec CLI — `learnrec academy`: the synthetic academy as CSV files that learnrec's readers
// (and pandas, spreadsheets, other tools) read back. The files are described in academy.hpp
// (write_academy_csv).
#include "academy_cmd.hpp"

#include <chrono>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "learnrec/data/academy.hpp"

namespace learnrec::cli {

Command add_academy_command(CLI::App& app) {
    struct Flags {
        std::string out;
        AcademyConfig config;
    };
    auto flags = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand("academy", "Write the synthetic academy as CSV files (interactions, events, "
                                              "learners, courses, features, skills review, obligations, "
                                              "prerequisites, sessions)");
    cmd->add_option("--out", flags->out, "Output directory (created if needed)")->required();
    cmd->add_option("--learners", flags->config.learners, "Learners to generate")->capture_default_str();
    cmd->add_option("--courses", flags->config.courses, "Courses to generate")->capture_default_str();
    cmd->add_option("--seed", flags->config.seed, "Random seed")->capture_default_str();
    cmd->add_option("--mean-enrolments", flags->config.mean_enrolments, "Average enrolments per learner")
        ->capture_default_str();
    cmd->add_option("--schema", flags->config.schema_version, "Schema version (1 or 2)")->capture_default_str();
    return {cmd, [flags] {
                const auto t0 = std::chrono::steady_clock::now();
                const Academy academy = generate_academy(flags->config);
                write_academy_csv(academy, flags->out);
                const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                fmt::print("Wrote the academy (schema v{}, seed {}: {} learners, {} courses, {} interactions, {} "
                           "events) to {} in {:.2f} s\n",
                           academy.schema_version, flags->config.seed, academy.learners.size(),
                           academy.courses.size(), academy.interactions.matrix.nnz(),
                           academy.schema_version >= 2 ? academy.lifecycle.size() : academy.events.size(),
                           flags->out, seconds);
                return 0;
            }};
}

}  // namespace learnrec::cli
