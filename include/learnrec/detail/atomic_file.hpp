// learnrec — internal: atomic file writes (shared by every writer in src/) and the test hooks of
// model files. Implemented in src/model_file.cpp; not part of the public API (tests, fuzzers and
// learnrec's own sources include it).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace learnrec::detail {

/// Recomputes both CRC-32 fields of model file bytes in place (the payload length field is left
/// as is). For tests and fuzzers that corrupt a payload on purpose so that the payload parser,
/// not the checksum, must catch it. Throws Error when `bytes` is shorter than the header.
void reseal_model_bytes(std::string& bytes);

/// Where an atomic save can be interrupted (test hook).
enum class SaveStage {
    opened,        // the temporary file exists and is empty
    half_written,  // half of the bytes are in the temporary file
    synced,        // all bytes written and fsync'ed, the file is closed; next is the rename
};
/// Writes `bytes` to `path` atomically (as io/model_file.hpp describes for save()). `hook`, when set, is called at
/// each SaveStage with the temporary file's path; if it throws (a simulated crash), the save
/// stops there, the temporary file is removed and the exception propagates.
void write_file_atomically(std::string_view bytes, const std::filesystem::path& path,
                           const std::function<void(SaveStage, const std::filesystem::path&)>& hook = {});

}  // namespace learnrec::detail
