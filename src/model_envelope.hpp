// learnrec — internal: the model-file envelope for files that hold something other than a Model
// (text indexes). Same bytes, same checks as io/model_file.hpp: magic, version, header size, byte
// order and type sizes, payload length, CRC-32 of header and payload, all verified before the
// caller parses a payload byte. Implemented in src/model_file.cpp.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace learnrec::detail {

/// The envelope for `kind` ([a-z0-9_-], at most 16 characters) followed by `payload`.
std::string seal_file(std::string_view kind, std::string_view payload);
/// The payload of checked `bytes` holding `kind`; throws Error(context, ...) otherwise (a model
/// file gets "file holds a 'als', expected 'text_index'").
std::string_view open_file(std::string_view bytes, std::string_view kind, const std::string& context);
/// A whole regular file (Error naming the path on failure).
std::string read_file_bytes(const std::filesystem::path& path);

}  // namespace learnrec::detail
