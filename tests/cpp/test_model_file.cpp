// Model files: round trips of every model, hostile and foreign bytes, atomic saves.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

#include <catch2/catch.hpp>

#include "learnrec/detail/atomic_file.hpp"
#include "learnrec/io/model_file.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/model/popularity.hpp"
#include "learnrec/retrieval/recommend.hpp"
#include "model_factories.hpp"

using namespace learnrec;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

// ---- allocation counting -----------------------------------------------------------------------
//
// Eigen allocates with std::malloc, not operator new, so counting operator new alone would miss
// every matrix. This test binary therefore interposes malloc and friends (forwarding to glibc's
// __libc_* entry points) and counts only on a thread whose thread_local flag is set, inside
// AllocationMeter's scope; everything else in the binary (other test files) only pays a TLS
// check. Under sanitizers (which intercept malloc themselves) counting is compiled out.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LEARNREC_TEST_COUNT_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define LEARNREC_TEST_COUNT_MALLOC 0
#endif
#endif
#if !defined(LEARNREC_TEST_COUNT_MALLOC)
#if defined(__GLIBC__)
#define LEARNREC_TEST_COUNT_MALLOC 1
#else
#define LEARNREC_TEST_COUNT_MALLOC 0
#endif
#endif

namespace {
struct AllocationCounter {
    bool active;
    std::int64_t current;
    std::int64_t peak;
};
thread_local AllocationCounter alloc_counter{false, 0, 0};

[[maybe_unused]] inline void note_alloc(void* p) noexcept {
#if LEARNREC_TEST_COUNT_MALLOC
    if (p && alloc_counter.active) {
        alloc_counter.current += static_cast<std::int64_t>(malloc_usable_size(p));
        alloc_counter.peak = std::max(alloc_counter.peak, alloc_counter.current);
    }
#else
    (void)p;
#endif
}
[[maybe_unused]] inline void note_free(void* p) noexcept {
#if LEARNREC_TEST_COUNT_MALLOC
    if (p && alloc_counter.active) alloc_counter.current -= static_cast<std::int64_t>(malloc_usable_size(p));
#else
    (void)p;
#endif
}

/// Peak bytes allocated (net of frees) by the current thread within the meter's lifetime.
class AllocationMeter {
public:
    AllocationMeter() { alloc_counter = {true, 0, 0}; }
    ~AllocationMeter() { alloc_counter.active = false; }
    std::int64_t peak() const noexcept { return alloc_counter.peak; }
    static constexpr bool enabled = LEARNREC_TEST_COUNT_MALLOC != 0;
};
}  // namespace

#if LEARNREC_TEST_COUNT_MALLOC
extern "C" {
void* __libc_malloc(std::size_t);
void __libc_free(void*);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void* __libc_valloc(std::size_t);
void* __libc_pvalloc(std::size_t);

void* malloc(std::size_t n) noexcept {
    void* p = __libc_malloc(n);
    note_alloc(p);
    return p;
}
void free(void* p) noexcept {
    note_free(p);
    __libc_free(p);
}
void* calloc(std::size_t n, std::size_t size) noexcept {
    void* p = __libc_calloc(n, size);
    note_alloc(p);
    return p;
}
void* realloc(void* old, std::size_t n) noexcept {
    note_free(old);
    void* p = __libc_realloc(old, n);
    note_alloc(p ? p : (n == 0 ? nullptr : old));  // on failure the old block stays
    return p;
}
void* memalign(std::size_t align, std::size_t n) noexcept {
    void* p = __libc_memalign(align, n);
    note_alloc(p);
    return p;
}
void* aligned_alloc(std::size_t align, std::size_t n) noexcept { return memalign(align, n); }
int posix_memalign(void** out, std::size_t align, std::size_t n) noexcept {
    if (align < sizeof(void*) || (align & (align - 1)) != 0) return 22;  // EINVAL
    void* p = memalign(align, n);
    if (!p) return 12;  // ENOMEM
    *out = p;
    return 0;
}
void* valloc(std::size_t n) noexcept {
    void* p = __libc_valloc(n);
    note_alloc(p);
    return p;
}
void* pvalloc(std::size_t n) noexcept {
    void* p = __libc_pvalloc(n);
    note_alloc(p);
    return p;
}
}
#endif

// ---- fixtures ----------------------------------------------------------------------------------

namespace {

CsrMatrix round_trip_data() {
    std::mt19937_64 rng(11);
    std::vector<Triplet> t;
    for (index_t u = 0; u < 50; ++u) {
        for (int j = 0; j < 5; ++j)
            t.push_back({u, static_cast<index_t>((u % 4) * 8 + static_cast<index_t>(rng() % 8)), 1.0f});
        t.push_back({u, static_cast<index_t>(32 + rng() % 4), 2.0f});
    }
    t.push_back({1, 35, -1.0f});
    return CsrMatrix::from_triplets(50, 36, t);
}

IdMap make_ids(const char* prefix, index_t n) {
    std::vector<std::string> ids;
    for (index_t i = 0; i < n; ++i) ids.push_back(fmt::format("{}{:03}", prefix, i));
    return IdMap(std::move(ids));
}

/// A small ALS model with id maps: a few hundred bytes, for byte-by-byte corruption.
ModelBundle small_bundle() {
    const std::vector<Triplet> t{{0, 0, 1.0f}, {0, 2, 1.0f}, {1, 1, 1.0f}, {2, 2, 2.0f}, {3, 0, 1.0f}, {3, 3, 1.0f}};
    const auto data = CsrMatrix::from_triplets(4, 4, t);
    AlsConfig c;
    c.factors = 3;
    c.iterations = 2;
    c.num_threads = 1;
    ModelBundle b;
    b.model = std::make_shared<const AlsModel>(fit_als(data, c));
    b.learners = IdMap({"ann", "bob", "cy", "dee"});
    b.courses = IdMap({"excel", "sql", "python", "ethics"});
    return b;
}

/// A fresh empty directory, removed with its contents at the end of the test.
class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = fs::temp_directory_path() / fmt::format("learnrec-io-{:08x}{:08x}", rd(), rd());
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }
    fs::path operator/(const char* name) const { return path_ / name; }
    std::vector<std::string> entries() const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(path_)) out.push_back(e.path().filename().string());
        std::sort(out.begin(), out.end());
        return out;
    }

private:
    fs::path path_;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write(const fs::path& p, std::string_view bytes) {
    std::ofstream out(p, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<index_t> iota_ids(index_t n) {
    std::vector<index_t> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), 0);
    return v;
}

void require_same_recommendations(const Model& a, const Model& b, const CsrMatrix& data) {
    const auto learners = iota_ids(a.num_learners());
    const CsrView history = data.view();
    RecommendOptions o;
    o.k = 10;
    o.num_threads = 1;
    const auto ta = recommend(a, learners, &history, o);
    const auto tb = recommend(b, learners, &history, o);
    CHECK(ta.ids == tb.ids);
    CHECK(ta.scores == tb.scores);
    const auto fa = recommend_from_rows(a, data.select_rows(std::vector<index_t>{0, 7, 13}), true, o);
    const auto fb = recommend_from_rows(b, data.select_rows(std::vector<index_t>{0, 7, 13}), true, o);
    CHECK(fa.ids == fb.ids);
    CHECK(fa.scores == fb.scores);
    const auto courses = iota_ids(a.num_courses());
    const auto sa = similar_courses(a, courses, o);
    const auto sb = similar_courses(b, courses, o);
    CHECK(sa.ids == sb.ids);
    CHECK(sa.scores == sb.scores);
}

std::uint64_t read_u64(const std::string& bytes, std::size_t at) {
    std::uint64_t v;
    std::memcpy(&v, bytes.data() + at, 8);
    return v;
}
void write_u64(std::string& bytes, std::size_t at, std::uint64_t v) { std::memcpy(bytes.data() + at, &v, 8); }
void write_u32(std::string& bytes, std::size_t at, std::uint32_t v) { std::memcpy(bytes.data() + at, &v, 4); }

/// Loads `bytes`; true when it loaded, false on learnrec::Error (anything else propagates).
bool loads(std::string_view bytes) {
    try {
        (void)from_bytes(bytes);
        return true;
    } catch (const Error&) {
        return false;
    }
}

// Payload offsets of the small ALS file (see the "als" codec in src/model_file.cpp):
// u32 codec version, i32 factors, f32 reg, f32 alpha, i32 iterations, u32 solver, i32 cg_steps,
// u64 seed, i32 threads, u8 loss = 41 bytes, then u64 rows, u64 cols, floats.
constexpr std::size_t kHeader = model_file_header_size;
constexpr std::size_t kAlsUserRows = kHeader + 41;
constexpr std::size_t kAlsUserCols = kAlsUserRows + 8;

}  // namespace

// ---- round trips -------------------------------------------------------------------------------

TEST_CASE("every model round-trips through a file with the same kind, shape and recommendations", "[io]") {
    const auto data = round_trip_data();
    TempDir dir;
    for (const auto& f : testing::all_models()) {
        INFO(f.name);
        const auto model = f.fit(data, 1);
        const auto path = dir / "model.lrm";
        save(*model, path);
        const ModelBundle loaded = load(path);
        REQUIRE(loaded.model != nullptr);
        CHECK(loaded.model->kind() == model->kind());
        CHECK(loaded.model->num_learners() == model->num_learners());
        CHECK(loaded.model->num_courses() == model->num_courses());
        CHECK(loaded.learners.size() == 0);
        CHECK(loaded.courses.size() == 0);
        require_same_recommendations(*model, *loaded.model, data);
    }
}

TEST_CASE("every model re-saves to byte-identical files", "[io]") {
    const auto data = round_trip_data();
    for (const auto& f : testing::all_models()) {
        INFO(f.name);
        const auto model = f.fit(data, 1);
        const auto bytes = to_bytes(*model);
        CHECK(to_bytes(*from_bytes(bytes).model) == bytes);
    }
}

TEST_CASE("id maps round-trip with the model", "[io]") {
    const auto data = round_trip_data();
    ModelBundle b;
    b.model = std::make_shared<const PopularityModel>(PopularityModel::fit(data));
    b.learners = make_ids("learner-", 50);
    b.courses = make_ids("course \"é\",", 36);  // any bytes are fine in ids
    TempDir dir;
    save(b, dir / "m.lrm");
    const auto loaded = load(dir / "m.lrm");
    CHECK(std::equal(loaded.learners.ids().begin(), loaded.learners.ids().end(), b.learners.ids().begin(),
                     b.learners.ids().end()));
    CHECK(std::equal(loaded.courses.ids().begin(), loaded.courses.ids().end(), b.courses.ids().begin(),
                     b.courses.ids().end()));
    CHECK(loaded.courses.at(b.courses.id(17)) == 17);
}

TEST_CASE("to_bytes gives exactly the bytes save writes, and from_bytes reads them", "[io]") {
    const auto b = small_bundle();
    TempDir dir;
    save(b, dir / "m.lrm");
    const auto bytes = to_bytes(b);
    CHECK(slurp(dir / "m.lrm") == bytes);
    CHECK(from_bytes(bytes).learners.at("cy") == 2);
}

TEST_CASE("load_as returns the model with its concrete type", "[io]") {
    const auto b = small_bundle();
    TempDir dir;
    save(b, dir / "m.lrm");
    const std::shared_ptr<const AlsModel> als = load_as<AlsModel>(dir / "m.lrm");
    CHECK(als->factors() == 3);
    CHECK(load_as<FactorModel>(dir / "m.lrm")->num_courses() == 4);
}

TEST_CASE("load_as of another kind names the kind found and the kind expected", "[io]") {
    TempDir dir;
    save(PopularityModel(3, Vector::Ones(4)), dir / "pop.lrm");
    CHECK_THROWS_WITH(load_as<AlsModel>(dir / "pop.lrm"),
                      Contains("file holds a 'popularity' model, expected 'als'") && Contains("pop.lrm"));
}

TEST_CASE("the kinds with a file format include every model of the contract", "[io]") {
    const auto kinds = model_file_kinds();
    const auto data = round_trip_data();
    for (const auto& f : testing::all_models()) {
        INFO(f.name);
        const std::string kind(f.fit(data, 1)->kind());
        CHECK(std::find(kinds.begin(), kinds.end(), kind) != kinds.end());
    }
}

TEST_CASE("id maps of the wrong size are refused when saving", "[io]") {
    ModelBundle b;
    b.model = std::make_shared<const PopularityModel>(3, Vector::Ones(4));
    b.learners = make_ids("l", 2);
    CHECK_THROWS_WITH(to_bytes(b), Contains("2 learner ids for a model of 3 learners"));
    b.learners = IdMap{};
    b.courses = make_ids("c", 5);
    CHECK_THROWS_WITH(to_bytes(b), Contains("5 course ids for a model of 4 courses"));
}

namespace {
class MysteryModel final : public Model {
public:
    std::string_view kind() const noexcept override { return "mystery"; }
    index_t num_learners() const noexcept override { return 0; }
    index_t num_courses() const noexcept override { return 0; }
    QueryBlock learner_queries(std::span<const index_t>) const override { return {}; }
    QueryBlock fold_in(const CsrView&, int) const override { return {}; }
    void score(const QueryBlock&, index_t, index_t, index_t, index_t, float*, std::size_t) const override {}
    QueryBlock course_queries(std::span<const index_t>) const override { return {}; }
    void score_similar(const QueryBlock&, index_t, index_t, index_t, index_t, float*, std::size_t) const override {}
};

/// A class of its own that borrows a registered kind's name: its fields are not that kind's.
class ImpostorModel final : public Model {
public:
    std::string_view kind() const noexcept override { return "popularity"; }
    index_t num_learners() const noexcept override { return 0; }
    index_t num_courses() const noexcept override { return 0; }
    QueryBlock learner_queries(std::span<const index_t>) const override { return {}; }
    QueryBlock fold_in(const CsrView&, int) const override { return {}; }
    void score(const QueryBlock&, index_t, index_t, index_t, index_t, float*, std::size_t) const override {}
    QueryBlock course_queries(std::span<const index_t>) const override { return {}; }
    void score_similar(const QueryBlock&, index_t, index_t, index_t, index_t, float*, std::size_t) const override {}
};
}  // namespace

TEST_CASE("a model class that borrows a registered kind's name is not saved with that kind's codec", "[io]") {
    TempDir dir;
    CHECK_THROWS_WITH(save(ImpostorModel{}, dir / "m.lrm"), Contains("no file format for model kind 'popularity'"));
    CHECK(dir.entries().empty());
    CHECK(hyperparameters_json(ImpostorModel{}) == "{}");
}

TEST_CASE("a model kind without a file format cannot be saved and nothing is written", "[io]") {
    TempDir dir;
    CHECK_THROWS_WITH(save(MysteryModel{}, dir / "m.lrm"), Contains("no file format for model kind 'mystery'"));
    CHECK(dir.entries().empty());
}

// ---- hostile and foreign bytes -----------------------------------------------------------------

TEST_CASE("a file cut short at every byte is refused as truncated", "[io]") {
    const auto bytes = to_bytes(small_bundle());
    REQUIRE(bytes.size() < 1000);
    CHECK_THROWS_WITH(from_bytes({}), Contains("not a learnrec model file (bad magic)"));
    for (std::size_t n = 1; n < bytes.size(); ++n) {
        INFO("kept " << n << " of " << bytes.size() << " bytes");
        CHECK_THROWS_WITH(from_bytes(std::string_view(bytes).substr(0, n)), Contains("truncated"));
    }
}

TEST_CASE("a single flipped bit anywhere in a file is refused", "[io]") {
    const auto bytes = to_bytes(small_bundle());
    std::size_t failures = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i)
        for (int bit = 0; bit < 8; ++bit) {
            auto copy = bytes;
            copy[i] = static_cast<char>(copy[i] ^ (1 << bit));
            if (loads(copy)) {
                ++failures;
                UNSCOPED_INFO("byte " << i << " bit " << bit << " went unnoticed");
            }
        }
    CHECK(failures == 0);
}

TEST_CASE("a flipped bit in the payload is reported as a checksum mismatch", "[io]") {
    auto bytes = to_bytes(small_bundle());
    bytes[kHeader + 50] ^= 0x10;
    CHECK_THROWS_WITH(from_bytes(bytes), Contains("checksum mismatch"));
}

TEST_CASE("bytes after the payload are refused as trailing bytes", "[io]") {
    auto bytes = to_bytes(small_bundle());
    bytes += '\0';
    CHECK_THROWS_WITH(from_bytes(bytes), Contains("trailing bytes"));
}

TEST_CASE("a newer format version is refused naming both versions", "[io]") {
    auto bytes = to_bytes(small_bundle());
    write_u32(bytes, 8, 7);
    detail::reseal_model_bytes(bytes);
    CHECK_THROWS_WITH(from_bytes(bytes), Contains("file format version 7 is newer than this learnrec reads (3)"));
}

TEST_CASE("an unknown model kind is refused naming it", "[io]") {
    auto bytes = to_bytes(small_bundle());
    std::memset(bytes.data() + 16, 0, 16);
    std::memcpy(bytes.data() + 16, "lightgcn", 8);
    detail::reseal_model_bytes(bytes);
    CHECK_THROWS_WITH(from_bytes(bytes), Contains("'lightgcn' model") && Contains("cannot read"));
}

TEST_CASE("files of other formats are refused as not learnrec model files", "[io]") {
    const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89", 33);
    const std::vector<std::string> others{
        "", "hello, world\n", png, "learner_id,course_id,weight\nL1,C1,1\nL2,C1,2\n", std::string(200, '\0'),
        "PK\x03\x04 a zip file", "\x89LRC\n\x1a\n\n text-mode converted"};
    TempDir dir;
    for (const auto& other : others) {
        INFO(other);
        write(dir / "other", other);
        CHECK_THROWS_WITH(load(dir / "other"), Contains("not a learnrec model file (bad magic)"));
    }
}

TEST_CASE("a missing file or a directory is refused naming the path", "[io]") {
    TempDir dir;
    CHECK_THROWS_WITH(load(dir / "absent.lrm"), Contains("absent.lrm") && Contains("cannot open"));
    CHECK_THROWS_AS(load(dir.path()), Error);
}

TEST_CASE("a NaN factor in a resealed payload is refused", "[io]") {
    auto bytes = to_bytes(small_bundle());
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::memcpy(bytes.data() + kAlsUserCols + 8, &nan, 4);  // first learner factor
    detail::reseal_model_bytes(bytes);
    CHECK_THROWS_WITH(from_bytes(bytes), Contains("NaN"));
}

TEST_CASE("duplicate ids in a resealed payload are refused", "[io]") {
    auto bytes = to_bytes(small_bundle());
    const auto at = bytes.find("bob");
    REQUIRE(at != std::string::npos);
    bytes.replace(at, 3, "ann");
    detail::reseal_model_bytes(bytes);
    CHECK_THROWS_WITH(from_bytes(bytes), Contains("duplicate id 'ann'"));
}

TEST_CASE("oversized lengths in a resealed payload are refused before allocating", "[io]") {
    const auto bytes = to_bytes(small_bundle());
    const auto budget = static_cast<std::int64_t>(4 * bytes.size() + (64 << 10));
    // The learner factor shape (rows and cols), the id counts and the first id's length.
    const auto learners_at = bytes.find("ann") - 4 - 8;
    const auto first_course_len_at = bytes.find("excel") - 4;
    const std::vector<std::pair<std::size_t, int>> fields{
        {kAlsUserRows, 8}, {kAlsUserCols, 8}, {learners_at, 8}, {learners_at + 8, 4}, {first_course_len_at, 4}};
    REQUIRE(read_u64(bytes, kAlsUserRows) == 4);
    REQUIRE(read_u64(bytes, kAlsUserCols) == 3);
    for (const auto& [at, width] : fields) {
        for (const std::uint64_t value :
             {std::uint64_t{0xFFFFFFFFFFFFFFFF}, std::uint64_t{1} << 62, std::uint64_t{0x7FFFFFFF},
              std::uint64_t{0xFFFFFFFF}, std::uint64_t{bytes.size()}, std::uint64_t{1} << 20}) {
            INFO("field at " << at << " set to " << value);
            auto copy = bytes;
            if (width == 8)
                write_u64(copy, at, value);
            else
                write_u32(copy, at, static_cast<std::uint32_t>(value));
            detail::reseal_model_bytes(copy);
            bool threw = false;
            std::int64_t peak = 0;
            {
                AllocationMeter meter;
                threw = !loads(copy);
                peak = meter.peak();
            }
            CHECK(threw);
            if (AllocationMeter::enabled) CHECK(peak <= budget);
        }
    }
}

TEST_CASE("loading any resealed corruption allocates at most 4x the file size plus 64 KiB", "[io]") {
    // Overwrites every position of the payload with large values as 8- and 4-byte integers. Some
    // corruptions are harmless (an id changes); none may crash or allocate out of proportion.
    const auto bytes = to_bytes(small_bundle());
    const auto budget = static_cast<std::int64_t>(4 * bytes.size() + (64 << 10));
    std::int64_t worst = 0;
    std::size_t refused = 0, tried = 0;
    for (std::size_t at = kHeader; at + 4 <= bytes.size(); ++at)
        for (const std::uint64_t value : {std::uint64_t{0xFFFFFFFFFFFFFFFF}, std::uint64_t{0x0000000100000000},
                                          std::uint64_t{0x7FFFFFFF}, std::uint64_t{4096}}) {
            for (const int width : {4, 8}) {
                if (at + static_cast<std::size_t>(width) > bytes.size()) continue;
                auto copy = bytes;
                if (width == 8)
                    write_u64(copy, at, value);
                else
                    write_u32(copy, at, static_cast<std::uint32_t>(value));
                detail::reseal_model_bytes(copy);
                AllocationMeter meter;
                refused += loads(copy) ? 0 : 1;
                worst = std::max(worst, meter.peak());
                ++tried;
            }
        }
    INFO("refused " << refused << " of " << tried << "; worst peak " << worst << " bytes for a file of " << bytes.size());
    CHECK(refused > tried / 2);
    if (AllocationMeter::enabled) CHECK(worst <= budget);
}

TEST_CASE("loading a valid model allocates at most 4x the file size plus 64 KiB", "[io]") {
    // A larger model, so that the proportional term matters.
    std::mt19937_64 rng(3);
    std::vector<Triplet> t;
    for (index_t u = 0; u < 2000; ++u)
        for (int j = 0; j < 8; ++j) t.push_back({u, static_cast<index_t>(rng() % 500), 1.0f});
    const auto data = CsrMatrix::from_triplets(2000, 500, t);
    AlsConfig c;
    c.factors = 32;
    c.iterations = 1;
    c.num_threads = 1;
    ModelBundle b;
    b.model = std::make_shared<const AlsModel>(fit_als(data, c));
    b.learners = make_ids("learner", 2000);
    const auto bytes = to_bytes(b);
    std::int64_t peak = 0;
    {
        AllocationMeter meter;
        REQUIRE(loads(bytes));
        peak = meter.peak();
    }
    INFO("peak " << peak << " bytes for a file of " << bytes.size());
    if (AllocationMeter::enabled) {
        CHECK(peak > static_cast<std::int64_t>(bytes.size() / 2));  // the meter sees Eigen's allocations
        CHECK(peak <= static_cast<std::int64_t>(4 * bytes.size() + (64 << 10)));
    }
}

TEST_CASE("factor counts whose Gram matrices dwarf the file are refused", "[io]") {
    // One learner, one course, 4096 factors: 32 KiB of factors would need 128 MiB of Gram matrices.
    auto bytes = to_bytes(small_bundle());
    std::string crafted = bytes.substr(0, kAlsUserRows);
    const auto append_u64 = [&](std::uint64_t v) { crafted.append(reinterpret_cast<const char*>(&v), 8); };
    for (int side = 0; side < 2; ++side) {
        append_u64(1);
        append_u64(4096);
        crafted.append(4096 * 4, '\0');
    }
    crafted.append(8 + 8, '\0');  // empty id maps
    write_u64(crafted, 40, crafted.size() - kHeader);
    detail::reseal_model_bytes(crafted);
    AllocationMeter meter;
    CHECK_THROWS_WITH(from_bytes(crafted), Contains("Gram"));
    if (AllocationMeter::enabled) CHECK(meter.peak() <= static_cast<std::int64_t>(4 * crafted.size() + (64 << 10)));
}

TEST_CASE("factor matrices without columns are refused, however many rows they claim", "[io]") {
    // Zero-width matrices take no bytes in the file but O(rows) memory once loaded (found by
    // fuzz_model_payload: a 249-byte file asked for 3.3 GB).
    std::string crafted = to_bytes(small_bundle()).substr(0, kAlsUserRows);
    const auto append_u64 = [&](std::uint64_t v) { crafted.append(reinterpret_cast<const char*>(&v), 8); };
    for (int side = 0; side < 2; ++side) {
        append_u64(0x7FFFFFFF);
        append_u64(0);
    }
    crafted.append(8 + 8, '\0');  // empty id maps
    write_u64(crafted, 40, crafted.size() - kHeader);
    detail::reseal_model_bytes(crafted);
    AllocationMeter meter;
    CHECK_THROWS_WITH(from_bytes(crafted), Contains("no columns"));
    if (AllocationMeter::enabled) CHECK(meter.peak() <= static_cast<std::int64_t>(4 * crafted.size() + (64 << 10)));
}

// ---- atomic saves ------------------------------------------------------------------------------

TEST_CASE("saving over an existing file replaces it completely", "[io]") {
    TempDir dir;
    write(dir / "m.lrm", std::string(100000, 'x'));
    const auto b = small_bundle();
    save(b, dir / "m.lrm");
    CHECK(slurp(dir / "m.lrm") == to_bytes(b));
    CHECK(dir.entries() == std::vector<std::string>{"m.lrm"});
}

TEST_CASE("an interrupted save never replaces the existing file and leaves no temporary file", "[io]") {
    const auto old_bytes = to_bytes(PopularityModel(3, Vector::Ones(4)));
    const auto new_bytes = to_bytes(small_bundle());
    for (const auto stage : {detail::SaveStage::opened, detail::SaveStage::half_written, detail::SaveStage::synced}) {
        INFO("interrupted at stage " << static_cast<int>(stage));
        TempDir dir;
        const auto target = dir / "model.lrm";
        write(target, old_bytes);
        bool temp_was_beside_target = false;
        const auto crash = [&](detail::SaveStage s, const fs::path& temp) {
            if (s != stage) return;
            temp_was_beside_target = fs::exists(temp) && temp.parent_path() == target.parent_path() && temp != target;
            throw std::runtime_error("simulated crash");
        };
        CHECK_THROWS_WITH(detail::write_file_atomically(new_bytes, target, crash), "simulated crash");
        CHECK(temp_was_beside_target);
        CHECK(slurp(target) == old_bytes);
        CHECK(dir.entries() == std::vector<std::string>{"model.lrm"});
        CHECK(load(target).model->kind() == "popularity");
    }
}

TEST_CASE("an interrupted save to a new path leaves nothing behind", "[io]") {
    TempDir dir;
    const auto crash = [](detail::SaveStage s, const fs::path&) {
        if (s == detail::SaveStage::synced) throw std::runtime_error("simulated crash");
    };
    CHECK_THROWS(detail::write_file_atomically(to_bytes(small_bundle()), dir / "new.lrm", crash));
    CHECK(dir.entries().empty());
}

TEST_CASE("saving into a missing directory fails naming the path", "[io]") {
    TempDir dir;
    CHECK_THROWS_WITH(save(*small_bundle().model, dir / "no/such/dir/m.lrm"),
                      Contains("no/such/dir/m.lrm") && Contains("temporary file"));
}

// ---- training data kept in the file (format version 3) -------------------------------------------

namespace {

/// small_bundle() with the interactions it was trained on.
ModelBundle bundle_keeping_data() {
    ModelBundle b = small_bundle();
    const std::vector<Triplet> t{{0, 0, 1.0f}, {0, 2, 1.0f}, {1, 1, 1.0f}, {2, 2, 2.0f}, {3, 0, 1.0f}, {3, 3, 1.0f}};
    b.training = std::make_shared<const CsrMatrix>(CsrMatrix::from_triplets(4, 4, t));
    return b;
}

}  // namespace

TEST_CASE("a bundle that keeps no training data is written as format version 2", "[io]") {
    const std::string bytes = to_bytes(small_bundle());
    CHECK(static_cast<unsigned char>(bytes[8]) == 2);
    const ModelBundle back = from_bytes(bytes);
    CHECK(back.training == nullptr);
    CHECK(back.format_version == 2);
}

TEST_CASE("a bundle that keeps its training data round-trips it as format version 3", "[io]") {
    const ModelBundle b = bundle_keeping_data();
    const std::string bytes = to_bytes(b);
    CHECK(static_cast<unsigned char>(bytes[8]) == 3);
    const ModelBundle back = from_bytes(bytes);
    CHECK(back.format_version == 3);
    REQUIRE(back.training != nullptr);
    CHECK(back.training->indptr() == b.training->indptr());
    CHECK(back.training->indices() == b.training->indices());
    CHECK(back.training->data() == b.training->data());
    CHECK(to_bytes(back) == bytes);
}

TEST_CASE("keeping the training data leaves the model's own bytes as in a version 2 file", "[io]") {
    const std::string plain = to_bytes(small_bundle());
    const std::string kept = to_bytes(bundle_keeping_data());
    // Same payload up to the end of the metadata; version 3 only appends the CSR.
    REQUIRE(kept.size() > plain.size());
    CHECK(kept.compare(model_file_header_size, plain.size() - model_file_header_size, plain, model_file_header_size) == 0);
}

TEST_CASE("training data of another shape than the model is refused on save", "[io]") {
    ModelBundle b = small_bundle();
    b.training = std::make_shared<const CsrMatrix>(CsrMatrix::from_triplets(3, 4, std::vector<Triplet>{{0, 0, 1.0f}}));
    CHECK_THROWS_WITH(to_bytes(b), Contains("training data kept with the model is 3 x 4 but the model is 4 x 4"));
}

TEST_CASE("a version 3 file whose training data has another shape than the model is refused", "[io]") {
    // A 4 x 4 model followed by an empty 5 x 4 CSR, built by hand and sealed with valid checksums.
    std::string bytes = to_bytes(small_bundle());
    const auto append = [&](auto v) { bytes.append(reinterpret_cast<const char*>(&v), sizeof v); };
    append(std::int32_t{5});
    append(std::int32_t{4});
    append(std::uint64_t{6});  // indptr: 6 zeros
    for (int i = 0; i < 6; ++i) append(offset_t{0});
    append(std::uint64_t{0});  // no indices
    append(std::uint64_t{0});  // no weights
    write_u32(bytes, 8, 3);
    write_u64(bytes, 40, bytes.size() - model_file_header_size);
    detail::reseal_model_bytes(bytes);
    CHECK_THROWS_WITH(from_bytes(bytes), Contains("training data kept is 5 x 4 but the model is 4 x 4"));
}

TEST_CASE("a version 3 file cut inside its training data is refused as truncated", "[io]") {
    std::string bytes = to_bytes(bundle_keeping_data());
    bytes.resize(bytes.size() - 5);
    write_u64(bytes, 40, bytes.size() - model_file_header_size);
    detail::reseal_model_bytes(bytes);
    CHECK_THROWS_WITH(from_bytes(bytes), Contains("training data"));
}

TEST_CASE("a version 3 file whose training data claims more entries than its bytes is refused before allocating",
          "[io]") {
    std::string bytes = to_bytes(bundle_keeping_data());
    const std::string plain = to_bytes(small_bundle());
    // The CSR starts right after the version 2 payload: i32 rows, i32 cols, u64 indptr count.
    write_u64(bytes, plain.size() + 8, std::uint64_t{1} << 60);
    detail::reseal_model_bytes(bytes);
    AllocationMeter meter;
    CHECK_THROWS_WITH(from_bytes(bytes), Contains("training data"));
    if (AllocationMeter::enabled) CHECK(meter.peak() <= static_cast<std::int64_t>(4 * bytes.size() + (64 << 10)));
}
