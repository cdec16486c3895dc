// learnrec — model files (see include/learnrec/io/model_file.hpp for the format).
//
// All Boost code lives here so that users of the header-only learnrec::core never need Boost.
// Boost.Serialization is used only for fixed-width numbers (operator& on primitives) and raw
// blobs (save_binary / load_binary); every container is written as an explicit length + blob, so
// that each length is checked against the bytes that remain before anything is allocated.
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
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/crc.hpp>

#include "learnrec/model/als.hpp"
#include "learnrec/model/bpr.hpp"
#include "learnrec/model/ease.hpp"
#include "learnrec/model/gfcf.hpp"
#include "learnrec/model/hybrid.hpp"
#include "learnrec/model/item_knn.hpp"
#include "learnrec/model/popularity.hpp"

namespace learnrec {
namespace {

static_assert(std::numeric_limits<float>::is_iec559, "model files store IEEE 754 floats");
static_assert(sizeof(index_t) == 4 && sizeof(offset_t) == 8 && sizeof(float) == 4);

constexpr std::array<unsigned char, 8> kMagic{0x89, 'L', 'R', 'C', '\r', '\n', 0x1A, '\n'};
constexpr std::size_t kHeaderSize = model_file_header_size;
constexpr std::size_t kKindSize = 16;
constexpr std::uint32_t kByteOrderMarker = 0x01020304u;
constexpr unsigned kArchiveFlags = boost::archive::no_header | boost::archive::no_codecvt;

std::uint32_t crc32(const void* data, std::size_t size) {
    boost::crc_32_type crc;
    crc.process_bytes(data, size);
    return crc.checksum();
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

    [[noreturn]] void fail(std::string reason) const { throw Error("", "corrupt payload: " + reason); }

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

struct Codec {
    std::string_view kind;
    std::uint32_t version;  // of this kind's payload; bumped when its fields change
    void (*save)(const Model& model, PayloadWriter& out);
    std::shared_ptr<const Model> (*load)(PayloadReader& in, std::uint32_t version);
};

/// num_threads is a runtime setting, not part of the model: a file must not make the loader (or
/// later calls) start more threads than this machine has processors. 0 (all processors) stays.
int clamp_threads(int stored) {
    const int procs = detail::resolve_threads(0);
    return stored > procs ? procs : stored;
}

/// Refuses factor counts whose Gram caches would be out of proportion to the file.
void check_gram_size(PayloadReader& in, index_t factors) {
    const std::size_t gram = 2 * static_cast<std::size_t>(factors) * static_cast<std::size_t>(factors) * sizeof(float);
    const std::size_t limit = std::max<std::size_t>(std::size_t{32} << 20, 16 * in.size());
    if (gram > limit)
        in.fail(fmt::format("{} factors would need {} bytes of Gram matrices for a payload of {} bytes", factors,
                            gram, in.size()));
}

// "als": AlsConfig, learner factors, course factors. AlsModel rebuilds its Gram caches.
void save_als(const Model& model, PayloadWriter& out) {
    const auto& m = dynamic_cast<const AlsModel&>(model);
    LEARNREC_CHECK(m.factors() > 0 || (m.num_learners() == 0 && m.num_courses() == 0),
                   "an ALS model with 0 factors cannot be saved");
    const auto& c = m.config();
    out.i32(c.factors);
    out.f32(c.regularization);
    out.f32(c.alpha);
    out.i32(c.iterations);
    out.u32(static_cast<std::uint32_t>(c.solver));
    out.i32(c.cg_steps);
    out.u64(c.seed);
    out.i32(0);  // num_threads: a run-time setting; files do not depend on it
    out.u8(c.calculate_loss ? 1 : 0);
    out.matrix(m.user_factors());
    out.matrix(m.item_factors());
}
std::shared_ptr<const Model> load_als(PayloadReader& in, std::uint32_t) {
    AlsConfig c;
    c.factors = in.i32("factors");
    c.regularization = in.f32("regularization");
    c.alpha = in.f32("alpha");
    c.iterations = in.i32("iterations");
    const auto solver = in.u32("solver");
    if (solver > static_cast<std::uint32_t>(AlsSolver::cholesky)) in.fail(fmt::format("unknown ALS solver {}", solver));
    c.solver = static_cast<AlsSolver>(solver);
    c.cg_steps = in.i32("cg_steps");
    c.seed = in.u64("seed");
    c.num_threads = clamp_threads(in.i32("num_threads"));
    c.calculate_loss = in.boolean("calculate_loss");
    c.validate();
    RowMatrix user = in.matrix("learner factors");
    RowMatrix item = in.matrix("course factors");
    if (user.cols() != item.cols())
        in.fail(fmt::format("learner factors have {} columns but course factors {}", user.cols(), item.cols()));
    // Zero-width factors would cost nothing in the file but O(rows) in derived state (norms,
    // packed panels): 2^31 rows for free. Training never makes them.
    if (item.cols() == 0 && (user.rows() > 0 || item.rows() > 0))
        in.fail(fmt::format("factor matrices of {} and {} rows have no columns", user.rows(), item.rows()));
    check_gram_size(in, static_cast<index_t>(item.cols()));
    return std::make_shared<const AlsModel>(std::move(user), std::move(item), c);
}

// "popularity": number of learners, popularity per course.
void save_popularity(const Model& model, PayloadWriter& out) {
    const auto& m = dynamic_cast<const PopularityModel&>(model);
    out.i32(m.num_learners());
    out.vector(m.popularity());
}
std::shared_ptr<const Model> load_popularity(PayloadReader& in, std::uint32_t) {
    const index_t learners = in.i32("number of learners");
    Vector popularity = in.vector("popularity");
    return std::make_shared<const PopularityModel>(learners, std::move(popularity));
}

// "gfcf": GfcfConfig, the training query rows (binary CSR), the course x course matrix B.
void save_gfcf(const Model& model, PayloadWriter& out) {
    const auto& m = dynamic_cast<const GfcfModel&>(model);
    const auto& c = m.config();
    out.f32(c.alpha);
    out.i32(c.rank);
    out.i32(c.oversample);
    out.i32(c.power_iterations);
    out.u64(c.seed);
    out.i32(0);  // num_threads: a run-time setting; files do not depend on it
    out.u64(c.memory_budget_bytes);
    out.csr(m.training_rows());
    out.matrix(m.item_weights());
}
std::shared_ptr<const Model> load_gfcf(PayloadReader& in, std::uint32_t) {
    GfcfConfig c;
    c.alpha = in.f32("alpha");
    c.rank = in.i32("rank");
    c.oversample = in.i32("oversample");
    c.power_iterations = in.i32("power_iterations");
    c.seed = in.u64("seed");
    c.num_threads = clamp_threads(in.i32("num_threads"));
    c.memory_budget_bytes = static_cast<std::size_t>(in.u64("memory_budget_bytes"));
    c.validate();
    CsrMatrix train = in.csr("training rows");
    for (float w : train.data())
        if (w != 1.0f) in.fail(fmt::format("training rows hold weight {}, expected binary query rows", w));
    RowMatrix weights = in.matrix("course matrix");
    if (weights.rows() != weights.cols() || weights.rows() != train.cols())
        in.fail(fmt::format("course matrix is {} x {} for {} courses", weights.rows(), weights.cols(), train.cols()));
    return std::make_shared<const GfcfModel>(std::move(train), std::move(weights), c);
}

// "bpr": BprConfig, learner factors, course factors (config.columns() wide: factors + bias).
void save_bpr(const Model& model, PayloadWriter& out) {
    const auto& m = dynamic_cast<const BprModel&>(model);
    const auto& c = m.config();
    out.i32(c.factors);
    out.f32(c.learning_rate);
    out.f32(c.regularization);
    out.i32(c.iterations);
    out.i32(c.negatives);
    out.u32(static_cast<std::uint32_t>(c.sampling));
    out.u8(c.verify_negative_samples ? 1 : 0);
    out.u8(c.item_bias ? 1 : 0);
    out.i32(c.fold_in_epochs);
    out.u64(c.seed);
    out.i32(0);  // num_threads: a run-time setting; files do not depend on it
    out.matrix(m.user_factors());
    out.matrix(m.item_factors());
}
std::shared_ptr<const Model> load_bpr(PayloadReader& in, std::uint32_t) {
    BprConfig c;
    c.factors = in.i32("factors");
    c.learning_rate = in.f32("learning_rate");
    c.regularization = in.f32("regularization");
    c.iterations = in.i32("iterations");
    c.negatives = in.i32("negatives");
    const auto sampling = in.u32("sampling");
    if (sampling > static_cast<std::uint32_t>(BprNegativeSampling::popularity))
        in.fail(fmt::format("unknown BPR negative sampling {}", sampling));
    c.sampling = static_cast<BprNegativeSampling>(sampling);
    c.verify_negative_samples = in.boolean("verify_negative_samples");
    c.item_bias = in.boolean("item_bias");
    c.fold_in_epochs = in.i32("fold_in_epochs");
    c.seed = in.u64("seed");
    c.num_threads = clamp_threads(in.i32("num_threads"));
    c.validate();  // factors > 0, so the matrices below cannot be zero-width
    RowMatrix user = in.matrix("learner factors");
    RowMatrix item = in.matrix("course factors");
    if (user.cols() != c.columns() || item.cols() != c.columns())
        in.fail(fmt::format("factor matrices have {} and {} columns, the config expects {}", user.cols(), item.cols(),
                            c.columns()));
    return std::make_shared<const BprModel>(std::move(user), std::move(item), c);
}

// "ease": EaseConfig, the training query rows (CSR), the course x course matrix B.
void save_ease(const Model& model, PayloadWriter& out) {
    const auto& m = dynamic_cast<const EaseModel&>(model);
    const auto& c = m.config();
    out.f32(c.lambda);
    out.u32(static_cast<std::uint32_t>(c.weights));
    out.i32(0);  // num_threads: a run-time setting; files do not depend on it
    out.u64(c.memory_budget_bytes);
    out.csr(m.training_rows());
    out.matrix(m.item_weights());
}
std::shared_ptr<const Model> load_ease(PayloadReader& in, std::uint32_t) {
    EaseConfig c;
    c.lambda = in.f32("lambda");
    const auto weights = in.u32("weights");
    if (weights > static_cast<std::uint32_t>(EaseWeights::as_given))
        in.fail(fmt::format("unknown EASE weights {}", weights));
    c.weights = static_cast<EaseWeights>(weights);
    c.num_threads = clamp_threads(in.i32("num_threads"));
    c.memory_budget_bytes = static_cast<std::size_t>(in.u64("memory_budget_bytes"));
    c.validate();
    CsrMatrix train = in.csr("training rows");
    RowMatrix b = in.matrix("course matrix");
    if (b.rows() != b.cols() || b.rows() != train.cols())
        in.fail(fmt::format("course matrix is {} x {} for {} courses", b.rows(), b.cols(), train.cols()));
    return std::make_shared<const EaseModel>(std::move(train), std::move(b), c);
}

// "item_knn": ItemKnnConfig, the training query rows (CSR), the neighbour matrix S (CSR).
void save_item_knn(const Model& model, PayloadWriter& out) {
    const auto& m = dynamic_cast<const ItemKnnModel&>(model);
    const auto& c = m.config();
    out.i32(c.neighbours);
    out.u32(static_cast<std::uint32_t>(c.weighting));
    out.f32(c.bm25_k1);
    out.f32(c.bm25_b);
    out.u8(c.binary ? 1 : 0);
    out.u8(c.normalize ? 1 : 0);
    out.i32(0);  // num_threads: a run-time setting; files do not depend on it
    out.csr(m.training_rows());
    out.csr(m.similarity());
}
std::shared_ptr<const Model> load_item_knn(PayloadReader& in, std::uint32_t) {
    ItemKnnConfig c;
    c.neighbours = in.i32("neighbours");
    const auto weighting = in.u32("weighting");
    if (weighting > static_cast<std::uint32_t>(ItemKnnWeighting::bm25))
        in.fail(fmt::format("unknown item-kNN weighting {}", weighting));
    c.weighting = static_cast<ItemKnnWeighting>(weighting);
    c.bm25_k1 = in.f32("bm25_k1");
    c.bm25_b = in.f32("bm25_b");
    c.binary = in.boolean("binary");
    c.normalize = in.boolean("normalize");
    c.num_threads = clamp_threads(in.i32("num_threads"));
    c.validate();
    CsrMatrix train = in.csr("training rows");
    CsrMatrix similarity = in.csr("similarity matrix");
    // Square and matching the training rows, else the constructor throws. A CSR matrix costs
    // 8 bytes per row in the file, so its shape cannot outgrow the payload.
    return std::make_shared<const ItemKnnModel>(std::move(train), std::move(similarity), c);
}

// "hybrid": HybridConfig, feature counts, trained courses, the two embedding tables and the
// precomputed learner and course representations.
void save_hybrid(const Model& model, PayloadWriter& out) {
    const auto& m = dynamic_cast<const HybridModel&>(model);
    const auto& c = m.config();
    out.i32(c.factors);
    out.u32(static_cast<std::uint32_t>(c.loss));
    out.f32(c.learning_rate);
    out.f32(c.user_alpha);
    out.f32(c.item_alpha);
    out.i32(c.max_sampled);
    out.i32(c.iterations);
    out.u8(c.use_user_ids ? 1 : 0);
    out.u8(c.use_item_ids ? 1 : 0);
    out.u8(c.normalize_features ? 1 : 0);
    out.f32(c.fold_in_regularization);
    out.i32(c.fold_in_epochs);
    out.u64(c.seed);
    out.i32(0);  // num_threads: a run-time setting; files do not depend on it
    out.i32(m.user_features());
    out.i32(m.item_features());
    out.i32(m.trained_courses());
    out.matrix(m.user_table());
    out.matrix(m.item_table());
    out.matrix(m.user_factors());
    out.matrix(m.item_factors());
}
std::shared_ptr<const Model> load_hybrid(PayloadReader& in, std::uint32_t) {
    HybridConfig c;
    c.factors = in.i32("factors");
    const auto loss = in.u32("loss");
    if (loss > static_cast<std::uint32_t>(HybridLoss::bpr)) in.fail(fmt::format("unknown hybrid loss {}", loss));
    c.loss = static_cast<HybridLoss>(loss);
    c.learning_rate = in.f32("learning_rate");
    c.user_alpha = in.f32("user_alpha");
    c.item_alpha = in.f32("item_alpha");
    c.max_sampled = in.i32("max_sampled");
    c.iterations = in.i32("iterations");
    c.use_user_ids = in.boolean("use_user_ids");
    c.use_item_ids = in.boolean("use_item_ids");
    c.normalize_features = in.boolean("normalize_features");
    c.fold_in_regularization = in.f32("fold_in_regularization");
    c.fold_in_epochs = in.i32("fold_in_epochs");
    c.seed = in.u64("seed");
    c.num_threads = clamp_threads(in.i32("num_threads"));
    c.validate();  // factors > 0, so no matrix below can be zero-width
    const index_t user_features = in.i32("learner feature count");
    const index_t item_features = in.i32("course feature count");
    const index_t trained_courses = in.i32("trained course count");
    if (user_features < 0 || item_features < 0 || trained_courses < 0)
        in.fail(fmt::format("negative counts: {} learner features, {} course features, {} trained courses",
                            user_features, item_features, trained_courses));
    RowMatrix user_table = in.matrix("learner table");
    RowMatrix item_table = in.matrix("course table");
    RowMatrix user = in.matrix("learner representations");
    RowMatrix item = in.matrix("course representations");
    if (user.cols() != c.columns() || item.cols() != c.columns())
        in.fail(fmt::format("representations have {} and {} columns, the config expects {}", user.cols(), item.cols(),
                            c.columns()));
    // The constructor checks the tables' shapes against the counts and every value for NaN.
    return std::make_shared<const HybridModel>(std::move(user), std::move(item), std::move(user_table),
                                               std::move(item_table), user_features, item_features, trained_courses,
                                               c);
}

// Sorted by kind. A new model adds one line here (and its save/load functions above).
constexpr std::array kCodecs{
    Codec{"als", 1, save_als, load_als},
    Codec{"bpr", 1, save_bpr, load_bpr},
    Codec{"ease", 1, save_ease, load_ease},
    Codec{"gfcf", 1, save_gfcf, load_gfcf},
    Codec{"hybrid", 1, save_hybrid, load_hybrid},
    Codec{"item_knn", 1, save_item_knn, load_item_knn},
    Codec{"popularity", 1, save_popularity, load_popularity},
};

const Codec* find_codec(std::string_view kind) {
    for (const auto& c : kCodecs)
        if (c.kind == kind) return &c;
    return nullptr;
}

std::string known_kinds() {
    std::string s;
    for (const auto& c : kCodecs) s += (s.empty() ? "" : ", ") + std::string(c.kind);
    return s;
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
    LEARNREC_CHECK(bundle.learners.size() == 0 || bundle.learners.size() == m.num_learners(),
                   "{} learner ids for a model of {} learners", bundle.learners.size(), m.num_learners());
    LEARNREC_CHECK(bundle.courses.size() == 0 || bundle.courses.size() == m.num_courses(),
                   "{} course ids for a model of {} courses", bundle.courses.size(), m.num_courses());
}

/// The 64-byte envelope followed by `payload` (kind already checked by the caller).
std::string seal_envelope(std::string_view kind, std::string_view payload) {
    std::string out(kHeaderSize, '\0');
    auto* h = reinterpret_cast<unsigned char*>(out.data());
    std::copy(kMagic.begin(), kMagic.end(), h);
    put_le(h + 8, model_file_version, 4);
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

std::string encode(const Model& model, const IdMap* learners, const IdMap* courses, const ModelMetadata* metadata) {
    const std::string_view kind = model.kind();
    LEARNREC_CHECK(!kind.empty() && kind.size() <= kKindSize && std::all_of(kind.begin(), kind.end(), valid_kind_char),
                   "model kind '{}' must be 1 to {} characters of [a-z0-9_-]", printable(kind), kKindSize);
    const Codec* codec = find_codec(kind);
    LEARNREC_CHECK(codec != nullptr, "no file format for model kind '{}' (this learnrec saves: {})", kind,
                   known_kinds());
    std::string payload;
    try {
        PayloadWriter w;
        w.u32(codec->version);
        codec->save(model, w);
        w.ids(learners ? *learners : IdMap{});
        w.ids(courses ? *courses : IdMap{});
        write_metadata(w, model, metadata);
        payload = std::move(w).take();
    } catch (const boost::archive::archive_exception& e) {
        throw Error("save", fmt::format("serialization failed: {}", e.what()));
    }

    return seal_envelope(kind, payload);
}

/// What a checked envelope holds.
struct Envelope {
    std::string_view kind;
    std::string_view payload;
    std::uint32_t version;  ///< the file format version (1 or 2: 2 adds metadata after the ids)
};

/// Checks the envelope completely (magic, version, sizes, byte order, both CRCs); returns the
/// kind, the payload and the format version. Throws Error(context, ...) naming what is wrong.
Envelope open_envelope(std::string_view bytes, const std::string& context) {
    const auto* h = reinterpret_cast<const unsigned char*>(bytes.data());
    const auto fail = [&](std::string reason) -> void { throw Error(context, std::move(reason)); };

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
    const auto fail = [&](std::string reason) -> void { throw Error(context, std::move(reason)); };
    const Codec* codec = find_codec(kind);
    if (!codec)
        fail(fmt::format("file holds a '{}' model, which this learnrec cannot read (it knows: {})", kind,
                         known_kinds()));

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
        throw Error(context, fmt::format("'{}' model: {}", kind, e.what()));
    } catch (const boost::archive::archive_exception& e) {
        throw Error(context, fmt::format("'{}' model: corrupt payload ({})", kind, e.what()));
    } catch (const std::bad_alloc&) {
        throw Error(context, fmt::format("'{}' model: out of memory while loading", kind));
    }
}

std::string system_reason(int err) { return std::strerror(err); }

std::string read_binary_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path.string(), fmt::format("cannot open: {}", system_reason(errno)));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw Error(path.string(), fmt::format("cannot stat: {}", system_reason(errno)));
    if (!S_ISREG(st.st_mode)) throw Error(path.string(), "not a regular file");
    std::string out(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < out.size()) {
        const auto n = ::read(fd, out.data() + got, out.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(path.string(), fmt::format("cannot read: {}", system_reason(errno)));
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
    return encode(*bundle.model, &bundle.learners, &bundle.courses, &bundle.metadata);
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
    for (const auto& c : kCodecs) out.emplace_back(c.kind);
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
            throw Error(context, fmt::format("cannot create a temporary file in '{}': {}", dir.string(),
                                             system_reason(errno)));
    }
    if (fd < 0) throw Error(context, "cannot find a free temporary file name");

    bool closed = false;
    try {
        if (hook) hook(SaveStage::opened, temp);
        std::size_t done = 0;
        const auto write_until = [&](std::size_t end) {
            while (done < end) {
                const auto n = ::write(fd, bytes.data() + done, end - done);
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) throw Error(context, fmt::format("cannot write '{}': {}", temp.string(), system_reason(errno)));
                done += static_cast<std::size_t>(n);
            }
        };
        write_until(bytes.size() / 2);
        if (hook) hook(SaveStage::half_written, temp);
        write_until(bytes.size());
        if (::fsync(fd) != 0)
            throw Error(context, fmt::format("cannot flush '{}' to disk: {}", temp.string(), system_reason(errno)));
        closed = true;
        if (::close(fd) != 0)
            throw Error(context, fmt::format("cannot close '{}': {}", temp.string(), system_reason(errno)));
        if (hook) hook(SaveStage::synced, temp);
        if (::rename(temp.c_str(), path.c_str()) != 0)
            throw Error(context, fmt::format("cannot rename the temporary file over it: {}", system_reason(errno)));
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
    if (found != kind) throw Error(context, fmt::format("file holds a '{}', expected '{}'", found, kind));
    return payload;
}

std::string read_file_bytes(const std::filesystem::path& path) { return read_binary_file(path); }

}  // namespace detail
}  // namespace learnrec
