// learnrec — internal: the payload streams of model files and the codec of each model kind.
//
// Boost.Serialization is used only for fixed-width numbers (operator& on primitives) and raw
// blobs (save_binary / load_binary); every container is written as an explicit length + blob, so
// that each length is checked against the bytes that remain before anything is allocated.
// Included only by src/model_file.cpp and the codecs (src/codec_<kind>.cpp), so that users of the
// header-only learnrec::core never need Boost.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <streambuf>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <nlohmann/json.hpp>

#include "learnrec/data/id_map.hpp"
#include "learnrec/detail/parallel.hpp"
#include "learnrec/error.hpp"
#include "learnrec/model/model.hpp"

namespace learnrec::detail {

inline constexpr unsigned kArchiveFlags = boost::archive::no_header | boost::archive::no_codecvt;

// ---- payload streams ---------------------------------------------------------------------------

/// Read-only streambuf over memory that knows how many bytes remain.
class MemoryInBuf : public std::streambuf {
public:
    explicit MemoryInBuf(std::string_view bytes) {
        char* p = const_cast<char*>(bytes.data());  // never written through: no overflow/putback
        setg(p, p, p + bytes.size());
    }
    std::size_t remaining() const noexcept { return static_cast<std::size_t>(egptr() - gptr()); }

protected:
    int_type pbackfail(int_type) override { return traits_type::eof(); }
};

/// Appends to a string.
class StringOutBuf : public std::streambuf {
public:
    std::string bytes;

protected:
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        bytes.append(s, static_cast<std::size_t>(n));
        return n;
    }
    int_type overflow(int_type c) override {
        if (!traits_type::eq_int_type(c, traits_type::eof())) bytes.push_back(traits_type::to_char_type(c));
        return traits_type::not_eof(c);
    }
};

class PayloadWriter {
public:
    PayloadWriter() : ar_(buf_, kArchiveFlags) {}

    void u8(std::uint8_t v) { ar_ << v; }
    void u32(std::uint32_t v) { ar_ << v; }
    void u64(std::uint64_t v) { ar_ << v; }
    void i32(std::int32_t v) { ar_ << v; }
    void f32(float v) { ar_ << v; }
    void blob(const void* data, std::size_t size) {
        if (size > 0) ar_.save_binary(data, size);
    }
    void matrix(const RowMatrix& m) {
        u64(static_cast<std::uint64_t>(m.rows()));
        u64(static_cast<std::uint64_t>(m.cols()));
        blob(m.data(), static_cast<std::size_t>(m.size()) * sizeof(float));
    }
    void vector(const Vector& v) {
        u64(static_cast<std::uint64_t>(v.size()));
        blob(v.data(), static_cast<std::size_t>(v.size()) * sizeof(float));
    }
    template <class T>
    void array(const std::vector<T>& v) {
        static_assert(std::is_arithmetic_v<T>);
        u64(v.size());
        blob(v.data(), v.size() * sizeof(T));
    }
    void csr(const CsrMatrix& m) {
        i32(m.rows());
        i32(m.cols());
        array(m.indptr());
        array(m.indices());
        array(m.data());
    }
    void ids(const IdMap& map) {
        u64(static_cast<std::uint64_t>(map.size()));
        for (const auto& id : map.ids()) {
            LEARNREC_CHECK(id.size() <= std::numeric_limits<std::uint32_t>::max(), "id of {} bytes is too long",
                           id.size());
            u32(static_cast<std::uint32_t>(id.size()));
            blob(id.data(), id.size());
        }
    }
    void text(std::string_view t) {
        LEARNREC_CHECK(t.size() <= std::numeric_limits<std::uint32_t>::max(), "text of {} bytes is too long", t.size());
        u32(static_cast<std::uint32_t>(t.size()));
        blob(t.data(), t.size());
    }
    std::string take() && { return std::move(buf_.bytes); }

private:
    StringOutBuf buf_;
    boost::archive::binary_oarchive ar_;
};

/// Reads the payload, checking every length against the bytes that remain before allocating.
class PayloadReader {
public:
    explicit PayloadReader(std::string_view bytes) : buf_(bytes), ar_(buf_, kArchiveFlags), size_(bytes.size()) {}

    std::size_t remaining() const noexcept { return buf_.remaining(); }
    std::size_t size() const noexcept { return size_; }

    std::uint8_t u8(const char* what) { return get<std::uint8_t>(what); }
    std::uint32_t u32(const char* what) { return get<std::uint32_t>(what); }
    std::uint64_t u64(const char* what) { return get<std::uint64_t>(what); }
    std::int32_t i32(const char* what) { return get<std::int32_t>(what); }
    float f32(const char* what) { return get<float>(what); }
    bool boolean(const char* what) {
        const auto v = u8(what);
        if (v > 1) fail(fmt::format("{} is {}, expected 0 or 1", what, v));
        return v == 1;
    }

    /// A non-negative count that must fit index_t.
    index_t extent(const char* what) {
        const auto v = u64(what);
        if (v > static_cast<std::uint64_t>(std::numeric_limits<index_t>::max()))
            fail(fmt::format("{} is {}, above the largest index {}", what, v, std::numeric_limits<index_t>::max()));
        return static_cast<index_t>(v);
    }

    /// Checks that `count` items of `item_size` bytes fit in what remains; returns their byte size.
    std::size_t need(std::uint64_t count, std::size_t item_size, const char* what) {
        if (count > std::numeric_limits<std::size_t>::max()) fail(fmt::format("{}: count {} overflows", what, count));
        const std::size_t bytes = detail::checked_mul(static_cast<std::size_t>(count), item_size, what);
        if (bytes > remaining())
            fail(fmt::format("{} needs {} bytes but only {} remain (truncated or corrupt)", what, bytes, remaining()));
        return bytes;
    }

    void blob(void* out, std::size_t bytes, const char* what) {
        if (bytes == 0) return;
        if (bytes > remaining()) fail(fmt::format("{} needs {} bytes but only {} remain", what, bytes, remaining()));
        ar_.load_binary(out, bytes);
    }

    RowMatrix matrix(const char* what) {
        const index_t rows = extent(what);
        const index_t cols = extent(what);
        const std::size_t bytes = need(detail::checked_mul(static_cast<std::size_t>(rows),
                                                           static_cast<std::size_t>(cols), what),
                                       sizeof(float), what);
        RowMatrix m(rows, cols);
        blob(m.data(), bytes, what);
        return m;
    }
    Vector vector(const char* what) {
        const index_t n = extent(what);
        const std::size_t bytes = need(static_cast<std::size_t>(n), sizeof(float), what);
        Vector v(n);
        blob(v.data(), bytes, what);
        return v;
    }
    template <class T>
    std::vector<T> array(const char* what) {
        const auto n = u64(what);
        const std::size_t bytes = need(n, sizeof(T), what);
        std::vector<T> v(static_cast<std::size_t>(n));
        blob(v.data(), bytes, what);
        return v;
    }
    CsrMatrix csr(const char* what) {
        const index_t rows = i32(what);
        const index_t cols = i32(what);
        if (rows < 0 || cols < 0) fail(fmt::format("{} has negative shape ({}, {})", what, rows, cols));
        auto indptr = array<offset_t>(what);
        auto indices = array<index_t>(what);
        auto data = array<float>(what);
        // CsrMatrix validates the structure (indptr monotone and consistent, indices in range,
        // weights finite and non-zero) before it touches the arrays.
        CsrView v{rows, cols, indptr, indices, data};
        if (indptr.size() != static_cast<std::size_t>(rows) + 1)
            fail(fmt::format("{}: indptr has {} entries, expected {}", what, indptr.size(),
                             static_cast<std::size_t>(rows) + 1));
        v.validate(what);
        return CsrMatrix(rows, cols, std::move(indptr), std::move(indices), std::move(data));
    }
    IdMap ids(const char* what) {
        const auto count = u64(what);
        need(count, sizeof(std::uint32_t) + 1, what);  // every id: a length and at least one byte
        std::vector<std::string> ids;
        ids.reserve(static_cast<std::size_t>(count));
        for (std::uint64_t i = 0; i < count; ++i) {
            const auto len = u32(what);
            const std::size_t bytes = need(len, 1, what);
            std::string id(bytes, '\0');
            blob(id.data(), bytes, what);
            ids.push_back(std::move(id));
        }
        return IdMap(std::move(ids));  // rejects empty and duplicate ids
    }

    std::string text(const char* what) {
        const auto len = u32(what);
        const std::size_t bytes = need(len, 1, what);
        std::string t(bytes, '\0');
        blob(t.data(), bytes, what);
        return t;
    }

    void finish() {
        if (remaining() != 0) fail(fmt::format("{} unread bytes at the end of the payload", remaining()));
    }

    [[noreturn]] void fail(std::string reason) const { LEARNREC_FAIL_AT("", "{}", "corrupt payload: " + reason); }

private:
    template <class T>
    T get(const char* what) {
        if (remaining() < sizeof(T))
            fail(fmt::format("{} needs {} bytes but only {} remain", what, sizeof(T), remaining()));
        T v{};
        ar_ >> v;
        return v;
    }

    MemoryInBuf buf_;
    boost::archive::binary_iarchive ar_;
    std::size_t size_;
};

// ---- codecs: one per model kind ----------------------------------------------------------------

/// How one model kind is written, read and described. The registry (src/model_codecs.cpp) holds
/// one per kind listed in src/model_kinds.def; each is defined next to nothing else, in
/// src/codec_<kind>.cpp, by make_codec.
struct Codec {
    std::string_view kind;
    std::uint32_t version;  // of this kind's payload; bumped when its fields change
    const std::type_info* type;  // the model class: save() is only handed instances of exactly it
    void (*save)(const Model& model, PayloadWriter& out);
    std::shared_ptr<const Model> (*load)(PayloadReader& in, std::uint32_t version);
    /// The configuration as a JSON object (num_threads left out: a run-time setting).
    nlohmann::ordered_json (*hyperparameters)(const Model& model);
};

/// The codec of model class M (kind M::kind_name). The registry checks the model's exact type
/// before calling save / hyperparameters, so the casts below are exact, never a guess.
template <class M, void (*Save)(const M&, PayloadWriter&), nlohmann::ordered_json (*Hyperparameters)(const M&)>
Codec make_codec(std::uint32_t version, std::shared_ptr<const Model> (*load)(PayloadReader&, std::uint32_t)) {
    return Codec{M::kind_name, version, &typeid(M),
                 [](const Model& m, PayloadWriter& out) { Save(static_cast<const M&>(m), out); }, load,
                 [](const Model& m) { return Hyperparameters(static_cast<const M&>(m)); }};
}

/// Every codec, sorted by kind.
std::span<const Codec> model_codecs();
/// The codec for `kind`, or nullptr.
const Codec* find_codec(std::string_view kind);
/// The codec that saves `model` (its kind's, when it is exactly that kind's class), or nullptr.
const Codec* codec_for(const Model& model);
/// "als, bpr, ..." for messages.
std::string known_kinds();

/// num_threads is a runtime setting, not part of the model: a file must not make the loader (or
/// later calls) start more threads than this machine has processors. 0 (all processors) stays.
inline int clamp_threads(int stored) {
    const int procs = resolve_threads(0);
    return stored > procs ? procs : stored;
}

/// Refuses factor counts whose Gram caches would be out of proportion to the file.
inline void check_gram_size(PayloadReader& in, index_t factors) {
    const std::size_t gram = 2 * static_cast<std::size_t>(factors) * static_cast<std::size_t>(factors) * sizeof(float);
    const std::size_t limit = std::max<std::size_t>(std::size_t{32} << 20, 16 * in.size());
    if (gram > limit)
        in.fail(fmt::format("{} factors would need {} bytes of Gram matrices for a payload of {} bytes", factors,
                            gram, in.size()));
}

/// A float as the double of its shortest decimal form, so JSON shows 0.01 rather than 0.009999999776.
double json_number(float v);

}  // namespace learnrec::detail
