// learnrec — model files: saving and loading trained models with their id maps.
//
// A model file is a fixed 64-byte envelope followed by a payload. The envelope is validated
// completely before a single payload byte is parsed; the payload is a Boost.Serialization binary
// archive (without Boost's own header) holding only fixed-width numbers and raw blobs whose
// lengths are checked against the bytes that remain before anything is allocated.
//
// Envelope (all integers little-endian):
//
//   offset size  field
//        0    8  magic: 89 4C 52 43 0D 0A 1A 0A  ("\x89LRC\r\n\x1a\n"; the high byte and the
//                CR LF / ^Z / LF tail detect 7-bit and text-mode transfers, as PNG's magic does)
//        8    4  format version (this learnrec writes 2, or 3 for a file that keeps its training
//                data, and reads 1 to 3; newer versions are refused)
//       12    4  header size in bytes (64 for versions 1 to 3)
//       16   16  model kind, ASCII [a-z0-9_-], NUL-padded ("als", "popularity", "gfcf", ...)
//       32    4  byte-order marker: the integer 0x01020304 in the writer's native order. The
//                payload is in that order; a reader accepts only its own (bytes 04 03 02 01).
//       36    1  sizeof(index_t) = 4
//       37    1  sizeof(offset_t) = 8
//       38    1  sizeof(float) = 4 (IEEE 754 binary32)
//       39    1  reserved, 0
//       40    8  payload length in bytes; the file is exactly header size + payload length
//       48    4  CRC-32 (ISO-HDLC, as zlib's crc32 / boost::crc_32_type) of the payload
//       52    8  reserved, 0
//       60    4  CRC-32 of header bytes 0..59
//
// Checks, in order, with the reason in learnrec::Error (context: the path, or "model bytes"):
//   empty input / no magic        "not a learnrec model file (bad magic)"
//   fewer bytes than the header   "truncated: ..."
//   version > 3                   "file format version 7 is newer than this learnrec reads (3)"
//   header CRC, sizes, marker     "header checksum mismatch", "... sizeof(index_t) ..." etc.
//   payload shorter / longer      "truncated: ..." / "trailing bytes: ..."
//   payload CRC                   "checksum mismatch: ..."
//   unknown kind                  "file holds a 'lightgcn' model, which this learnrec cannot read (knows: ...)"
// then the payload is parsed; a malformed payload (a length past the end, a NaN factor,
// inconsistent shapes, duplicate ids, ...) throws Error too. Nothing is allocated from a length
// field before it is checked against the bytes that remain, so a hostile file of n bytes cannot
// make the loader allocate much more than a small multiple of n. Derived caches are the one
// exception by nature: an ALS model rebuilds two factors x factors Gram matrices; files whose
// Gram matrices would exceed max(32 MiB, 16 x payload) are refused (legitimate models have far
// fewer factors than learners + courses).
//
// Payload, in the byte order of the marker: u32 codec version of the kind, the
// kind's fields (one codec per kind in src/model_file.cpp; matrices are u64 rows, u64 cols and
// rows x cols floats row-major; vectors u64 n and n floats; CSR matrices i32 rows, i32 cols and
// three u64-counted arrays), then the learner ids and the course ids, each as u64 count followed
// by count x (u32 length, bytes). An id map is either empty or has one id per learner / course.
// Version 2 appends the metadata (ModelMetadata below): u32 metadata version (1), u64 count, then
// count x (key, value), each a u32 length and bytes; keys "learnrec_version", "trained_at",
// "data_fingerprint", "hyperparameters", "history" (unknown keys are skipped, so later learnrecs
// may add some); keys and values are printable ASCII (history: lines joined by "\n"), anything
// else is refused as corruption. Version 1 files have no metadata and load with an empty one.
// Version 3 appends, after the metadata, the training interactions (ModelBundle::training: a CSR
// matrix of the model's shape, in its learner and course order). Only a bundle that keeps them
// is written as version 3, so every other file stays byte for byte a version 2 file, readable by
// older learnrecs; an older learnrec refuses a version 3 file by its version number.
// Every codec writes num_threads as 0: it is a run-time setting, not part of the model, and a file
// must be the same bytes whatever thread count trained it (see model_version()).
//   "als"         i32 factors, f32 regularization, f32 alpha, i32 iterations, u32 solver,
//                 i32 cg_steps, u64 seed, i32 num_threads, u8 calculate_loss; learner factors;
//                 course factors
//   "popularity"  i32 learners; popularity per course (vector)
//   "gfcf"        f32 alpha, i32 rank, i32 oversample, i32 power_iterations, u64 seed,
//                 i32 num_threads, u64 memory_budget_bytes; training query rows (CSR, binary);
//                 course x course matrix B
//   "bpr"         i32 factors, f32 learning_rate, f32 regularization, i32 iterations,
//                 i32 negatives, u32 sampling, u8 verify_negative_samples, u8 item_bias,
//                 i32 fold_in_epochs, u64 seed, i32 num_threads; learner factors; course factors
//   "ease"        f32 lambda, u32 weights, i32 num_threads, u64 memory_budget_bytes; training
//                 query rows (CSR); course x course matrix B
//   "hybrid"      i32 factors, u32 loss, f32 learning_rate, f32 user_alpha, f32 item_alpha,
//                 i32 max_sampled, i32 iterations, u8 use_user_ids, u8 use_item_ids,
//                 u8 normalize_features, f32 fold_in_regularization, i32 fold_in_epochs, u64 seed,
//                 i32 num_threads; i32 learner features, i32 course features, i32 trained courses;
//                 learner table; course table; learner representations; course representations
//   "item_knn"    i32 neighbours, u32 weighting, f32 bm25_k1, f32 bm25_b, u8 binary,
//                 u8 normalize, i32 num_threads; training query rows (CSR); neighbours S (CSR)
// A loaded model's config keeps the saved hyperparameters, except that num_threads (a run-time
// setting) is lowered to this machine's processor count when larger.
//
// Saving is atomic: the bytes go to a uniquely named temporary file in the target's directory,
// which is flushed, fsync'ed, closed and renamed over the target (then the directory is
// fsync'ed). On any failure the temporary file is removed and an existing target is untouched.
// A process killed mid-save can leave a "<name>.tmp-*" file behind, never a half-written target.
//
// Thread safety: all functions are reentrant; concurrent saves to the same path are safe (the
// last rename wins). Complexity: O(model size) time; memory about twice the file size.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "learnrec/data/id_map.hpp"
#include "learnrec/error.hpp"
#include "learnrec/model/model.hpp"

namespace learnrec {

/// Where a model comes from, saved with it (format version 2): what an auditor asks first.
/// Empty strings mean "not recorded" (a version 1 file, or a model saved without them).
struct ModelMetadata {
    std::string learnrec_version;  ///< the learnrec that trained it (save() fills it when empty)
    /// When it was trained, ISO-8601 UTC ("2026-06-01T00:00:00Z"). Part of the model's version, so
    /// reproducible builds fix it: the CLI takes --trained-at, else the latest timestamp of the
    /// training data, else the current time; Python the same (trained_at= on fit's caller side).
    std::string trained_at;
    std::string data_fingerprint;  ///< data_fingerprint() of the training data and ids
    std::string hyperparameters;   ///< JSON object of the model's configuration (save() fills it when empty)
    std::vector<std::string> history;  ///< later changes, one line each ("partial_fit: ...", "forget: ...")
};

/// A model with the id maps that translate its indices. Either map may be empty (unknown ids);
/// when not empty it has exactly num_learners() / num_courses() ids.
struct ModelBundle {
    std::shared_ptr<const Model> model;
    IdMap learners;
    IdMap courses;
    ModelMetadata metadata;
    /// The interactions the model was trained on (num_learners() x num_courses(), the model's
    /// order), kept only on request (`learnrec train --keep-training-data`, Python
    /// `save(..., training_data=...)`): they let forget_learners() re-solve the courses a learner
    /// touched from the file alone. They are personal data: a file that keeps them must be handled
    /// like the event log (README, "Forgetting a learner"). Null when not kept.
    std::shared_ptr<const CsrMatrix> training{};
    /// The format version of the file it was loaded from (0 for a bundle built in memory).
    std::uint32_t format_version = 0;
};

/// The newest format version this library reads and writes (see the envelope above: files that
/// keep no training data are still written as version 2).
inline constexpr std::uint32_t model_file_version = 3;
/// This learnrec's version ("0.1.0"), as recorded in model files.
std::string_view learnrec_version() noexcept;
/// Size of the envelope in bytes.
inline constexpr std::size_t model_file_header_size = 64;

/// Saves `model` without id maps. Throws Error when the model kind has no codec or on I/O
/// failure (naming the path and the system's reason); an existing file is then left untouched.
void save(const Model& model, const std::filesystem::path& path);
/// Saves the model and its id maps (checked against the model's shape).
void save(const ModelBundle& bundle, const std::filesystem::path& path);

/// Loads a model file written by save(). Throws Error on any malformed, truncated or foreign file.
ModelBundle load(const std::filesystem::path& path);

/// The exact bytes save() writes, e.g. for pickling or a database column.
std::string to_bytes(const ModelBundle& bundle);
std::string to_bytes(const Model& model);
/// Inverse of to_bytes(); `bytes` is only read during the call. Errors as load().
ModelBundle from_bytes(std::string_view bytes);

/// The model's version: "<kind>-<CRC-32 of the file's payload, 8 hex digits>-<trained_at as
/// YYYYMMDDTHHMMSSZ>" (trained_at "unknown" when not recorded), e.g. "als-1f3a9c07-20260601T000000Z".
/// Equal bytes give equal versions; any change of factors, ids or metadata changes it. Computed
/// from to_bytes(bundle) (O(model size)): compute it once per published model, not per request.
std::string model_version(const ModelBundle& bundle);

/// A fingerprint of training data: "sha1:" and 40 hex digits of SHA-1 over the CSR (shape, indptr,
/// indices, weights) and the learner and course ids (each as length + bytes; empty maps allowed).
/// Equal data and ids give equal fingerprints on any machine of the same byte order.
std::string data_fingerprint(const CsrView& data, const IdMap& learners, const IdMap& courses);

/// The hyperparameters of `model` as a JSON object (num_threads left out: a run-time setting);
/// "{}" for a kind without a codec.
std::string hyperparameters_json(const Model& model);

/// Seconds since the epoch as ISO-8601 UTC ("2026-06-01T00:00:00Z").
std::string format_utc(std::int64_t seconds);

/// The kinds this build can save and load, sorted ("als", "bpr", "ease", "gfcf", ...).
std::vector<std::string> model_file_kinds();

namespace detail {
/// The kind name of model type M, for messages: M::kind_name when M declares one.
template <class M>
constexpr std::string_view kind_name_of() {
    if constexpr (requires { M::kind_name; })
        return M::kind_name;
    else
        return "requested";
}
/// `bundle.model` as an M, or Error "file holds a 'x' model, expected 'y'".
template <class M>
std::shared_ptr<const M> model_as(const ModelBundle& bundle, const std::string& context) {
    static_assert(std::is_base_of_v<Model, M>, "load_as<M>: M must be a learnrec model type");
    std::shared_ptr<const M> m;
    if constexpr (std::is_same_v<M, Model>) {
        m = bundle.model;
    } else if constexpr (std::is_same_v<M, FactorModel>) {
        // Through the seam: a model that scores by factors says so.
        if (const FactorModel* f = bundle.model->scoring().factors) m = std::shared_ptr<const M>(bundle.model, f);
    } else {
        static_assert(requires { M::kind_name; }, "load_as<M>: M must be Model, FactorModel or a model kind");
        // Model kinds are final classes: the exact type, checked, is the model's own.
        const Model& given = *bundle.model;
        if (typeid(given) == typeid(M)) m = std::static_pointer_cast<const M>(bundle.model);
    }
    if (!m)
        LEARNREC_FAIL_AT(context, "file holds a '{}' model, expected '{}'", bundle.model->kind(),
                                         kind_name_of<M>());
    return m;
}
}  // namespace detail

/// Loads a file that must hold a model of type M (AlsModel, PopularityModel, FactorModel, ...).
/// Throws Error "file holds a 'popularity' model, expected 'als'" otherwise.
template <class M>
std::shared_ptr<const M> load_as(const std::filesystem::path& path) {
    return detail::model_as<M>(load(path), path.string());
}

}  // namespace learnrec
