// learnrec CLI — `learnrec why-not --model FILE --catalogue DIR --learner ID --course ID [--now DATE]
// [--rules FILE] [--events FILE | --interactions FILE] [-k N] --format json` (why_not_cmd.cpp).
// JSON: {"rank": r or null, "removed_by": first rule or null, "rules": [...], "text", "score",
// "model_score", "score_rank", "kth_course_id", "kth_score", "obligation_due", "missing_prerequisites",
// "substitute_course_id", "history": {"outcome", "completed_at", "expires"} or null, ...}.
#pragma once

#include <CLI/CLI.hpp>

#include "academy_cmd.hpp"  // Command

namespace learnrec::cli {

Command add_why_not_command(CLI::App& app);

}  // namespace learnrec::cli
