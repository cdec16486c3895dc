// learnrec — model files (see include/learnrec/io/model_file.hpp for the format).
//
// The envelope, metadata and atomic writes; each model kind's payload is its codec's
// (src/codec_<kind>.cpp, registered in src/model_kinds.def), streams in src/model_payload.hpp.
// All Boost code lives in src/ so that users of the header-only learnrec::core never need Boost.
#include "learnrec/detail/atomic_file.hpp"
#include "learnrec/io/model_file.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <streambuf>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/archive/archive_exception.hpp>
#include <zlib.h>

#include "model_payload.hpp"

namespace learnrec {
namespace {

using detail::Codec;
using detail::PayloadReader;
using detail::PayloadWriter;

static_assert(std::numeric_limits<float>::is_iec559, "model files store IEEE 754 floats");
static_assert(sizeof(index_t) == 4 && sizeof(offset_t) == 8 && sizeof(float) == 4);

constexpr std::array<unsigned char, 8> kMagic{0x89, 'L', 'R', 'C', '\r', '\n', 0x1A, '\n'};
constexpr std::size_t kHeaderSize = model_file_header_size;
constexpr std::size_t kKindSize = 16;
constexpr std::uint32_t kByteOrderMarker = 0x01020304u;

/// The CRC-32 of ISO-HDLC (zlib's, Boost's crc_32_type): zlib's computes several bytes per step
/// where Boost's table takes one, 4x faster on a 27-MB model, which is checked before every load.
std::uint32_t crc32(const void* data, std::size_t size) {
    uLong crc = ::crc32(0L, Z_NULL, 0);
    const auto* p = static_cast<const Bytef*>(data);
    while (size > 0) {
        const auto n = static_cast<uInt>(std::min<std::size_t>(size, std::numeric_limits<uInt>::max()));
        crc = ::crc32(crc, p, n);
        p += n;
        size -= n;
    }
    return static_cast<std::uint32_t>(crc);
}

void put_le(unsigned char* out, std::uint64_t value, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i) out[i] = static_cast<unsigned char>(value >> (8 * i));
}
std::uint64_t get_le(const unsigned char* in, std::size_t bytes) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bytes; ++i) v |= std::uint64_t{in[i]} << (8 * i);
    return v;
}

bool valid_kind_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/// `text` with anything but printable ASCII escaped, for messages about hostile bytes.
std::string printable(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c >= 0x20 && c < 0x7F && c != '\\')
            out += c;
        else
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
    return out;
}

// ---- metadata (format version 2) ---------------------------------------------------------------

constexpr std::uint32_t kMetadataVersion = 1;

void write_metadata(PayloadWriter& w, const Model& model, const ModelMetadata* given) {
    ModelMetadata m = given ? *given : ModelMetadata{};
    if (m.learnrec_version.empty()) m.learnrec_version = std::string(learnrec_version());
    if (m.hyperparameters.empty()) m.hyperparameters = hyperparameters_json(model);
    std::string history;
    for (const auto& line : m.history) {
        LEARNREC_CHECK(line.find('\n') == std::string::npos, "a history line may not contain a newline");
        history += (history.empty() ? "" : "\n") + line;
    }
    const std::pair<const char*, const std::string*> fields[] = {
        {"learnrec_version", &m.learnrec_version}, {"trained_at", &m.trained_at},
        {"data_fingerprint", &m.data_fingerprint}, {"hyperparameters", &m.hyperparameters}, {"history", &history}};
    w.u32(kMetadataVersion);
    w.u64(std::size(fields));
    for (const auto& [key, value] : fields) {
        w.text(key);
        w.text(*value);
    }
}

ModelMetadata read_metadata(PayloadReader& in) {
    const auto version = in.u32("metadata version");
    if (version == 0 || version > kMetadataVersion)
        in.fail(fmt::format("metadata version {} is not one this learnrec reads (1..{})", version, kMetadataVersion));
    const auto count = in.u64("metadata entries");
    in.need(count, 2 * sizeof(std::uint32_t), "metadata entries");  // every entry: two lengths at least
    ModelMetadata m;
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::string key = in.text("metadata key");
        std::string value = in.text("metadata value");
        // learnrec writes printable ASCII only (history lines are separated by newlines): anything
        // else is corruption, caught here since the payload checksum may have been recomputed.
        const auto printable_text = [](const std::string& t, bool lines) {
            return std::all_of(t.begin(), t.end(), [&](char ch) { return (ch >= 0x20 && ch < 0x7F) || (lines && ch == '\n'); });
        };
        if (key.empty() || !printable_text(key, false) || !printable_text(value, key == "history"))
            in.fail(fmt::format("metadata entry '{}' holds bytes that are not printable ASCII", printable(key)));
        if (key == "learnrec_version") m.learnrec_version = std::move(value);
        else if (key == "trained_at") m.trained_at = std::move(value);
        else if (key == "data_fingerprint") m.data_fingerprint = std::move(value);
        else if (key == "hyperparameters") m.hyperparameters = std::move(value);
        else if (key == "history") {
            for (std::size_t at = 0; !value.empty() && at <= value.size();) {
                const auto end = std::min(value.find('\n', at), value.size());
                m.history.push_back(value.substr(at, end - at));
                at = end + 1;
            }
        }
        // Unknown keys: written by a later learnrec; skipped.
    }
    return m;
}

// ---- envelope ----------------------------------------------------------------------------------

void check_bundle(const ModelBundle& bundle) {
    LEARNREC_CHECK(bundle.model != nullptr, "the bundle holds no model");
    const Model& m = *bundle.model;
    LEARNREC_CHECK(!bundle.training || (bundle.training->rows() == m.num_learners() && bundle.training->cols() == m.num_courses()),
                   "the training data kept with the model is {} x {} but the model is {} x {}", bundle.training->rows(),
                   bundle.training->cols(), m.num_learners(), m.num_courses());
    LEARNREC_CHECK(bundle.learners.size() == 0 || bundle.learners.size() == m.num_learners(),
                   "{} learner ids for a model of {} learners", bundle.learners.size(), m.num_learners());
    LEARNREC_CHECK(bundle.courses.size() == 0 || bundle.courses.size() == m.num_courses(),
                   "{} course ids for a model of {} courses", bundle.courses.size(), m.num_courses());
}

/// The 64-byte envelope followed by `payload` (kind already checked by the caller).
std::string seal_envelope(std::string_view kind, std::string_view payload, std::uint32_t version = 2) {
    std::string out(kHeaderSize, '\0');
    auto* h = reinterpret_cast<unsigned char*>(out.data());
    std::copy(kMagic.begin(), kMagic.end(), h);
    put_le(h + 8, version, 4);
    put_le(h + 12, kHeaderSize, 4);
    std::memcpy(h + 16, kind.data(), kind.size());
    std::memcpy(h + 32, &kByteOrderMarker, 4);     // native order, like the payload
    h[36] = sizeof(index_t);
    h[37] = sizeof(offset_t);
    h[38] = sizeof(float);
    put_le(h + 40, payload.size(), 8);
    put_le(h + 48, crc32(payload.data(), payload.size()), 4);
    put_le(h + 60, crc32(h, 60), 4);
    out += payload;
    return out;
}

/// Version 2 bytes, or version 3 (the training data after the metadata) when `training` is given.
std::string encode(const Model& model, const IdMap* learners, const IdMap* courses, const ModelMetadata* metadata,
                   const CsrMatrix* training = nullptr) {
    const std::string_view kind = model.kind();
    LEARNREC_CHECK(!kind.empty() && kind.size() <= kKindSize && std::all_of(kind.begin(), kind.end(), valid_kind_char),
                   "model kind '{}' must be 1 to {} characters of [a-z0-9_-]", printable(kind), kKindSize);
    const Codec* codec = detail::codec_for(model);
    LEARNREC_CHECK(codec != nullptr, "no file format for model kind '{}' (this learnrec saves: {})", kind,
                   detail::known_kinds());
    std::string payload;
    try {
        PayloadWriter w;
        w.u32(codec->version);
        codec->save(model, w);
        w.ids(learners ? *learners : IdMap{});
        w.ids(courses ? *courses : IdMap{});
        write_metadata(w, model, metadata);
        if (training) w.csr(*training);
        payload = std::move(w).take();
    } catch (const boost::archive::archive_exception& e) {
        LEARNREC_FAIL_AT("save", "serialization failed: {}", e.what());
    }

    return seal_envelope(kind, payload, training ? 3 : 2);
}

/// What a checked envelope holds.
struct Envelope {
    std::string_view kind;
    std::string_view payload;
    std::uint32_t version;  ///< the file format version (2 adds metadata after the ids, 3 the training data)
};

/// Checks the envelope completely (magic, version, sizes, byte order, both CRCs); returns the
/// kind, the payload and the format version. Throws Error(context, ...) naming what is wrong.
Envelope open_envelope(std::string_view bytes, const std::string& context) {
    const auto* h = reinterpret_cast<const unsigned char*>(bytes.data());
    const auto fail = [&](std::string reason) -> void { LEARNREC_FAIL_AT(context, "{}", std::move(reason)); };

    const std::size_t prefix = std::min(bytes.size(), kMagic.size());
    if (bytes.empty() || !std::equal(h, h + prefix, kMagic.begin()))
        fail(fmt::format("not a learnrec model file (bad magic){}", bytes.empty() ? "; it is empty" : ""));
    if (bytes.size() < kHeaderSize)
        fail(fmt::format("truncated: {} bytes, shorter than the {}-byte header", bytes.size(), kHeaderSize));
    const auto version = static_cast<std::uint32_t>(get_le(h + 8, 4));
    if (version > model_file_version)
        fail(fmt::format("file format version {} is newer than this learnrec reads ({}); upgrade learnrec", version,
                         model_file_version));
    if (version == 0) fail("file format version 0 is invalid");
    const auto header_crc = static_cast<std::uint32_t>(get_le(h + 60, 4));
    if (crc32(h, 60) != header_crc) fail("header checksum mismatch: the header is corrupt");
    const auto header_size = get_le(h + 12, 4);
    if (header_size != kHeaderSize)
        fail(fmt::format("header size {} is invalid for format version {} (expected {})", header_size, version,
                         kHeaderSize));
    std::uint32_t marker;
    std::memcpy(&marker, h + 32, 4);
    if (marker != kByteOrderMarker)
        fail(fmt::format("written on a machine of another byte order (marker {:02x} {:02x} {:02x} {:02x})", h[32],
                         h[33], h[34], h[35]));
    if (h[36] != sizeof(index_t) || h[37] != sizeof(offset_t) || h[38] != sizeof(float))
        fail(fmt::format("written with sizeof(index_t) = {}, sizeof(offset_t) = {}, sizeof(float) = {}; this "
                         "learnrec uses {}, {}, {}",
                         h[36], h[37], h[38], sizeof(index_t), sizeof(offset_t), sizeof(float)));
    if (h[39] != 0 || get_le(h + 52, 8) != 0) fail("reserved header bytes are not zero");

    // Kind: [a-z0-9_-]+ then NUL padding.
    const char* kind_field = bytes.data() + 16;
    const std::size_t kind_len = std::find(kind_field, kind_field + kKindSize, '\0') - kind_field;
    const std::string_view kind(kind_field, kind_len);
    const bool kind_ok = kind_len > 0 && std::all_of(kind.begin(), kind.end(), valid_kind_char) &&
                         std::all_of(kind_field + kind_len, kind_field + kKindSize, [](char c) { return c == '\0'; });
    if (!kind_ok) fail(fmt::format("model kind field '{}' is malformed", printable({kind_field, kKindSize})));

    const std::uint64_t payload_size = get_le(h + 40, 8);
    const std::size_t present = bytes.size() - kHeaderSize;
    if (payload_size > present)
        fail(fmt::format("truncated: the payload has {} of its {} bytes", present, payload_size));
    if (payload_size < present)
        fail(fmt::format("trailing bytes: {} bytes after the {}-byte payload", present - payload_size, payload_size));
    const std::string_view payload = bytes.substr(kHeaderSize);
    const auto payload_crc = static_cast<std::uint32_t>(get_le(h + 48, 4));
    const auto actual_crc = crc32(payload.data(), payload.size());
    if (actual_crc != payload_crc)
        fail(fmt::format("checksum mismatch: payload CRC-32 is {:08x}, the header says {:08x}", actual_crc,
                         payload_crc));

    return {kind, payload, version};
}

ModelBundle decode(std::string_view bytes, const std::string& context) {
    const auto [kind, payload, version] = open_envelope(bytes, context);
    const auto fail = [&](std::string reason) -> void { LEARNREC_FAIL_AT(context, "{}", std::move(reason)); };
    const Codec* codec = detail::find_codec(kind);
    if (!codec)
        fail(fmt::format("file holds a '{}' model, which this learnrec cannot read (it knows: {})", kind,
                         detail::known_kinds()));

    try {
        PayloadReader in(payload);
        const auto codec_version = in.u32("codec version");
        if (codec_version == 0 || codec_version > codec->version)
            in.fail(fmt::format("'{}' payload version {} is not one this learnrec reads (1..{})", kind,
                                codec_version, codec->version));
        ModelBundle bundle;
        bundle.model = codec->load(in, codec_version);
        bundle.learners = in.ids("learner ids");
        bundle.courses = in.ids("course ids");
        if (version >= 2) bundle.metadata = read_metadata(in);
        if (version >= 3) {
            auto training = std::make_shared<CsrMatrix>(in.csr("training data"));
            if (training->rows() != bundle.model->num_learners() || training->cols() != bundle.model->num_courses())
                in.fail(fmt::format("the training data kept is {} x {} but the model is {} x {}", training->rows(),
                                    training->cols(), bundle.model->num_learners(), bundle.model->num_courses()));
            bundle.training = std::move(training);
        }
        bundle.format_version = version;
        in.finish();
        if (bundle.learners.size() != 0 && bundle.learners.size() != bundle.model->num_learners())
            in.fail(fmt::format("{} learner ids for a model of {} learners", bundle.learners.size(),
                                bundle.model->num_learners()));
        if (bundle.courses.size() != 0 && bundle.courses.size() != bundle.model->num_courses())
            in.fail(fmt::format("{} course ids for a model of {} courses", bundle.courses.size(),
                                bundle.model->num_courses()));
        return bundle;
    } catch (const Error& e) {
        // Errors from model constructors name the function; put the file first.
        LEARNREC_FAIL_AT(context, "'{}' model: {}", kind, e.what());
    } catch (const boost::archive::archive_exception& e) {
        LEARNREC_FAIL_AT(context, "'{}' model: corrupt payload ({})", kind, e.what());
    } catch (const std::bad_alloc&) {
        LEARNREC_FAIL_AT(context, "'{}' model: out of memory while loading", kind);
    }
}

std::string system_reason(int err) { return std::strerror(err); }

std::string read_binary_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) LEARNREC_FAIL_AT(path.string(), "cannot open: {}", system_reason(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) LEARNREC_FAIL_AT(path.string(), "cannot stat: {}", system_reason(errno));
    if (!S_ISREG(st.st_mode)) LEARNREC_FAIL_AT(path.string(), "not a regular file");
    std::string out(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < out.size()) {
        const auto n = ::read(fd, out.data() + got, out.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) LEARNREC_FAIL_AT(path.string(), "cannot read: {}", system_reason(errno));
        if (n == 0) break;  // the file shrank meanwhile; the envelope will say "truncated"
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return out;
}

}  // namespace

// ---- public API --------------------------------------------------------------------------------

std::string to_bytes(const ModelBundle& bundle) {
    check_bundle(bundle);
    return encode(*bundle.model, &bundle.learners, &bundle.courses, &bundle.metadata, bundle.training.get());
}
std::string to_bytes(const Model& model) { return encode(model, nullptr, nullptr, nullptr); }

std::string model_version(const ModelBundle& bundle) {
    const std::string bytes = to_bytes(bundle);
    const auto crc = static_cast<std::uint32_t>(get_le(reinterpret_cast<const unsigned char*>(bytes.data()) + 48, 4));
    std::string when;
    for (char c : bundle.metadata.trained_at)
        if (c != '-' && c != ':') when += c;
    if (when.empty()) when = "unknown";
    return fmt::format("{}-{:08x}-{}", bundle.model->kind(), crc, when);
}

ModelBundle from_bytes(std::string_view bytes) { return decode(bytes, "model bytes"); }

void save(const Model& model, const std::filesystem::path& path) {
    detail::write_file_atomically(to_bytes(model), path);
}
void save(const ModelBundle& bundle, const std::filesystem::path& path) {
    detail::write_file_atomically(to_bytes(bundle), path);
}

ModelBundle load(const std::filesystem::path& path) { return decode(read_binary_file(path), path.string()); }

std::vector<std::string> model_file_kinds() {
    std::vector<std::string> out;
    for (const auto& c : detail::model_codecs()) out.emplace_back(c.kind);
    return out;
}

namespace detail {

void reseal_model_bytes(std::string& bytes) {
    LEARNREC_CHECK(bytes.size() >= kHeaderSize, "{} bytes are shorter than the {}-byte header", bytes.size(),
                   kHeaderSize);
    auto* h = reinterpret_cast<unsigned char*>(bytes.data());
    put_le(h + 48, crc32(h + kHeaderSize, bytes.size() - kHeaderSize), 4);
    put_le(h + 60, crc32(h, 60), 4);
}

void write_file_atomically(std::string_view bytes, const std::filesystem::path& path,
                           const std::function<void(SaveStage, const std::filesystem::path&)>& hook) {
    const std::string context = path.string();
    LEARNREC_CHECK(!path.empty() && path.has_filename(), "'{}' is not a file path", context);
    const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");

    // A unique temporary name next to the target (same file system, so rename is atomic).
    static std::atomic<std::uint64_t> counter{0};
    std::random_device rd;
    std::filesystem::path temp;
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
        temp = dir / fmt::format("{}.tmp-{}-{:08x}-{}", path.filename().string(), ::getpid(), rd(),
                                 counter.fetch_add(1));
        fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            LEARNREC_FAIL_AT(context, "cannot create a temporary file in '{}': {}", dir.string(),
                                             system_reason(errno));
    }
    if (fd < 0) LEARNREC_FAIL_AT(context, "cannot find a free temporary file name");

    bool closed = false;
    try {
        if (hook) hook(SaveStage::opened, temp);
        std::size_t done = 0;
        const auto write_until = [&](std::size_t end) {
            while (done < end) {
                const auto n = ::write(fd, bytes.data() + done, end - done);
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) LEARNREC_FAIL_AT(context, "cannot write '{}': {}", temp.string(), system_reason(errno));
                done += static_cast<std::size_t>(n);
            }
        };
        write_until(bytes.size() / 2);
        if (hook) hook(SaveStage::half_written, temp);
        write_until(bytes.size());
        if (::fsync(fd) != 0)
            LEARNREC_FAIL_AT(context, "cannot flush '{}' to disk: {}", temp.string(), system_reason(errno));
        closed = true;
        if (::close(fd) != 0)
            LEARNREC_FAIL_AT(context, "cannot close '{}': {}", temp.string(), system_reason(errno));
        if (hook) hook(SaveStage::synced, temp);
        if (::rename(temp.c_str(), path.c_str()) != 0)
            LEARNREC_FAIL_AT(context, "cannot rename the temporary file over it: {}", system_reason(errno));
    } catch (...) {
        if (!closed) ::close(fd);
        ::unlink(temp.c_str());
        throw;
    }
    // Make the rename itself durable. Best effort: some file systems refuse fsync on directories.
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)::fsync(dfd);
        ::close(dfd);
    }
}

}  // namespace detail
namespace detail {

std::string seal_file(std::string_view kind, std::string_view payload) {
    LEARNREC_CHECK(!kind.empty() && kind.size() <= kKindSize && std::all_of(kind.begin(), kind.end(), valid_kind_char),
                   "file kind '{}' must be 1 to {} characters of [a-z0-9_-]", printable(kind), kKindSize);
    return seal_envelope(kind, payload);
}

std::string_view open_file(std::string_view bytes, std::string_view kind, const std::string& context) {
    const auto [found, payload, version] = open_envelope(bytes, context);
    (void)version;  // other files have no version-dependent layout yet
    if (found != kind) LEARNREC_FAIL_AT(context, "file holds a '{}', expected '{}'", found, kind);
    return payload;
}

std::string read_file_bytes(const std::filesystem::path& path) { return read_binary_file(path); }

}  // namespace detail
}  // namespace learnrec
