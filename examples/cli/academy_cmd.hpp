// learnrec CLI — the `academy` subcommand: writes the synthetic academy as CSV files.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace learnrec::cli {

struct Command {
    CLI::App* app;             ///< the registered subcommand (true when it was invoked)
    std::function<int()> run;  ///< runs it after parsing; throws learnrec::Error on failure
};

/// Registers `learnrec academy --out DIR [--learners N --courses N --seed S --schema V]`.
Command add_academy_command(CLI::App& app);

}  // namespace learnrec::cli
