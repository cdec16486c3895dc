// learnrec CLI — the `push` subcommand: a push campaign (push_cmd.cpp).
#pragma once

#include "academy_cmd.hpp"

namespace learnrec::cli {

/// Registers `learnrec push --model FILE --catalogue DIR --log PUSHLOG --out FILE --now YYYY-MM-DD
/// --campaign ID [--rules FILE] [--k N] [--format csv|jsonl] [--events FILE]` and its target filters.
Command add_push_command(CLI::App& app);

}  // namespace learnrec::cli
