// learnrec CLI — keeping models fresh and accountable: `forget` (erasure from a model and logs),
// and the model metadata shared by `train`, `inspect` and JSON outputs.
#pragma once

#include <string>

#include "academy_cmd.hpp"  // cli::Command
#include "learnrec/data/interactions.hpp"
#include "learnrec/io/model_file.hpp"

namespace learnrec::cli {

/// Registers `learnrec forget --model FILE --learner ID [--learner ID ...] --out FILE
/// [--interactions CSV | --events CSV] [--events-out FILE]`: the data is needed unless the model
/// file keeps its training data (train --keep-training-data).
Command add_forget_command(CLI::App& app);

/// Metadata for a model trained now on `data`: trained_at from `trained_at` (a date or time) when
/// given, else the data's latest timestamp, else the current time; the data's fingerprint.
ModelMetadata training_metadata(const Interactions& data, const std::string& trained_at);

/// Prints what `bundle`'s metadata says (the `inspect` block).
void print_metadata(const ModelBundle& bundle);

}  // namespace learnrec::cli
