// learnrec CLI — the `plan` subcommand: a learner's dated learning plan, or a team's (plan_cmd.cpp).
#pragma once

#include "academy_cmd.hpp"

namespace learnrec::cli {

/// Registers `learnrec plan --catalogue DIR (--learner ID | --team) [--model FILE] [--from YYYY-MM]
/// [--months N] [--hours-per-month H] [--targets review|role] [--skill S:L ...] [--format json|table]`.
Command add_plan_command(CLI::App& app);

}  // namespace learnrec::cli
