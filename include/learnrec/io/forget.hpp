// learnrec — forgetting learners on request (erasure): from a saved model and from the logs that
// name them.
//
// forget_learners(bundle, [training data,] ids): the model without those learners (ids and rows
// gone) and every course they touched re-solved on the training data without them (ALS; see
// model/update.hpp), with metadata that says so: the data fingerprint becomes that of the data
// without them, a history line records how many learners were removed and courses re-solved
// (never their ids). The saved bytes hold neither the ids nor their rows (nor their interactions,
// when the model file keeps its training data: then no data needs to be given).
//
// forget_in_log(kind, in, out, ids): rewrites a log without any record of those learners,
// atomically (temporary file, fsync, rename; `out` may be `in`). Every kind of log is one entry of
// learner_log_kinds(): "events" (typed lifecycle events, read_events_csv's format) and "push" (a
// campaign push log, CSV or JSON Lines, campaign/push_log.hpp: every other record kept byte for
// byte, a torn last line dropped; run it while no campaign appends). A new log kind is one
// function and one line in that table (src/forget_logs.cpp).
//
// Then retrain (README, "Forgetting a learner"): forgetting keeps what the other learners' factors
// learned, in earlier iterations, from courses the forgotten learner shaped; the full retrain on
// the cleaned logs removes that, and its model replaces this one.
// Thread safety: reentrant. Complexity: O(nnz + touched courses' solves) for the model, O(log) for logs.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "learnrec/data/interactions.hpp"
#include "learnrec/io/model_file.hpp"
#include "learnrec/model/update.hpp"

namespace learnrec {

struct ForgetResult {
    ModelBundle bundle;          ///< the model without the learners
    ForgetReport report;         ///< how many learners, which courses were re-solved
    /// Whether the given training data matched the model's recorded fingerprint (false also when the
    /// model recorded none): forgetting on other data than the model's still removes the learners,
    /// but the re-solved courses then reflect that data.
    bool data_matches_fingerprint = false;
};

/// `data`: the training interactions (matched to the model by learner and course ids; learners or
/// courses the model does not know are ignored). Throws Error for an id the model does not hold,
/// a bundle without learner or course ids, or a kind other than "als".
ForgetResult forget_learners(const ModelBundle& bundle, const Interactions& data, std::span<const std::string> learner_ids,
                             int num_threads = 0);

/// The same, on the training data the bundle keeps (ModelBundle::training, a file written with
/// `--keep-training-data`); the result keeps it too, without the learners. Throws Error saying how
/// to proceed when the bundle keeps none.
ForgetResult forget_learners(const ModelBundle& bundle, std::span<const std::string> learner_ids, int num_threads = 0);

/// `data` in the model's index space: rows and columns matched by id (unknown ones dropped).
CsrMatrix align_to_model(const Interactions& data, const ModelBundle& bundle);

/// A kind of log holding learner ids, and how to remove learners from it.
struct LearnerLogKind {
    std::string_view name;
    /// Writes `in` without the records of `learners` to `out` atomically; returns the records removed.
    std::size_t (*forget)(const std::filesystem::path& in, const std::filesystem::path& out,
                          std::span<const std::string> learners);
};
/// Every log kind this learnrec can clean ("events", "push").
std::span<const LearnerLogKind> learner_log_kinds();
/// forget of the kind named `kind`; Error naming the known kinds otherwise.
std::size_t forget_in_log(std::string_view kind, const std::filesystem::path& in, const std::filesystem::path& out,
                          std::span<const std::string> learners);

}  // namespace learnrec
