// learnrec CLI — the `allocate` subcommand: scarce places (sessions, gigs, work packages) allocated.
#pragma once

#include <CLI/CLI.hpp>

#include "academy_cmd.hpp"

namespace learnrec::cli {

/// Registers `learnrec allocate --model FILE --catalogue DIR --now YYYY-MM-DD --out FILE [--rules FILE]`.
Command add_allocate_command(CLI::App& app);

}  // namespace learnrec::cli
