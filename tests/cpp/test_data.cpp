// Data-structure specification: CSR matrices (building, canonical form, transpose, validation),
// IdMap, and InteractionsBuilder.
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "learnrec/data/csr.hpp"
#include "learnrec/data/id_map.hpp"
#include "learnrec/data/interactions.hpp"
#include "test_support.hpp"

using namespace learnrec;
using namespace learnrec::test_support;
using Catch::Matchers::Contains;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

/// A borrowed view over arrays kept alive by the caller.
struct Arrays {
    std::vector<offset_t> indptr;
    std::vector<index_t> indices;
    std::vector<float> data;
    CsrView view(index_t rows, index_t cols) const { return {rows, cols, indptr, indices, data}; }
};

template <class T>
std::vector<T> vec(std::span<const T> s) {
    return {s.begin(), s.end()};
}

}  // namespace

// ---- CsrMatrix ----------------------------------------------------------------------------------

TEST_CASE("from_triplets sorts each row by column and sums duplicate entries", "[data][csr]") {
    const std::vector<Triplet> t{{1, 3, 1.0f}, {0, 2, 2.0f}, {1, 0, 0.5f}, {1, 3, 2.0f}, {0, 0, -1.0f}, {1, 3, 0.25f}};
    const auto m = CsrMatrix::from_triplets(3, 4, t);
    CHECK(m.rows() == 3);
    CHECK(m.cols() == 4);
    CHECK(m.nnz() == 4);
    CHECK(m.indptr() == std::vector<offset_t>{0, 2, 4, 4});
    CHECK(m.indices() == std::vector<index_t>{0, 2, 0, 3});
    CHECK(m.data() == std::vector<float>{-1.0f, 2.0f, 0.5f, 3.25f});
    CHECK(m.view().has_sorted_unique_indices());
}

TEST_CASE("from_triplets of random entries equals their dense sum", "[data][csr]") {
    std::mt19937_64 rng(301);
    std::vector<Triplet> t;
    std::vector<std::vector<double>> dense(50, std::vector<double>(40, 0.0));
    for (int i = 0; i < 2000; ++i) {
        const auto r = static_cast<index_t>(uniform_int(rng, 0, 49));
        const auto c = static_cast<index_t>(uniform_int(rng, 0, 39));
        const auto w = static_cast<float>(uniform_int(rng, 1, 4));  // positive: no sum can cancel
        t.push_back({r, c, w});
        dense[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)] += w;
    }
    const auto m = CsrMatrix::from_triplets(50, 40, t);
    CHECK(m.view().has_sorted_unique_indices());
    CHECK(to_dense(m) == dense);
}

TEST_CASE("from_triplets rejects an entry outside the shape", "[data][csr]") {
    const std::vector<Triplet> t{{0, 0, 1.0f}, {2, 1, 1.0f}};
    CHECK_THROWS_WITH(CsrMatrix::from_triplets(2, 2, t), Contains("entry (2, 1) outside shape (2, 2)"));
    const std::vector<Triplet> neg{{0, -1, 1.0f}};
    CHECK_THROWS_AS(CsrMatrix::from_triplets(2, 2, neg), Error);
}

TEST_CASE("duplicate entries whose weights sum to zero are rejected", "[data][csr]") {
    const std::vector<Triplet> t{{0, 1, 1.0f}, {0, 1, -1.0f}};
    CHECK_THROWS_WITH(CsrMatrix::from_triplets(1, 2, t), Contains("row 0 column 1: duplicate weights sum to 0"));
    // The same through the owning constructor.
    CHECK_THROWS_WITH(CsrMatrix(1, 2, {0, 2}, {1, 1}, {2.5f, -2.5f}), Contains("duplicate weights sum to 0"));
}

TEST_CASE("the owning constructor sorts unsorted rows and sums their duplicates", "[data][csr]") {
    const CsrMatrix m(3, 5, {0, 3, 3, 5}, {4, 1, 4, 2, 0}, {1.0f, 2.0f, 3.0f, 5.0f, 6.0f});
    CHECK(m.indptr() == std::vector<offset_t>{0, 2, 2, 4});
    CHECK(m.indices() == std::vector<index_t>{1, 4, 0, 2});
    CHECK(m.data() == std::vector<float>{2.0f, 4.0f, 6.0f, 5.0f});
}

TEST_CASE("copy_of canonicalises a borrowed view", "[data][csr]") {
    const Arrays a{{0, 2, 3}, {3, 0, 1}, {1.0f, 2.0f, -1.0f}};
    const auto m = CsrMatrix::copy_of(a.view(2, 4));
    CHECK(m.indptr() == std::vector<offset_t>{0, 2, 3});
    CHECK(m.indices() == std::vector<index_t>{0, 3, 1});
    CHECK(m.data() == std::vector<float>{2.0f, 1.0f, -1.0f});
}

TEST_CASE("transpose swaps rows and columns, matching the dense transpose", "[data][csr]") {
    const auto m = random_interactions(60, 45, 0, 20, 0.2, 302);
    const auto t = m.transpose();
    CHECK(t.rows() == 45);
    CHECK(t.cols() == 60);
    CHECK(t.nnz() == m.nnz());
    CHECK(t.view().has_sorted_unique_indices());
    const auto d = to_dense(m), dt = to_dense(t);
    for (std::size_t r = 0; r < 60; ++r)
        for (std::size_t c = 0; c < 45; ++c) REQUIRE(dt[c][r] == d[r][c]);
}

TEST_CASE("transposing twice gives back the same arrays", "[data][csr]") {
    const auto m = random_interactions(70, 33, 0, 25, 0.1, 303);  // includes empty rows and columns
    const auto tt = m.transpose().transpose();
    CHECK(tt.rows() == m.rows());
    CHECK(tt.cols() == m.cols());
    CHECK(tt.indptr() == m.indptr());
    CHECK(tt.indices() == m.indices());
    CHECK(tt.data() == m.data());
}

TEST_CASE("select_rows copies the chosen rows in the given order, repeats allowed", "[data][csr]") {
    const auto m = random_interactions(20, 15, 0, 8, 0.1, 304);
    const std::vector<index_t> which{7, 2, 7, 19};
    const auto s = m.select_rows(which);
    REQUIRE(s.rows() == 4);
    CHECK(s.cols() == 15);
    for (std::size_t i = 0; i < which.size(); ++i) {
        CHECK(vec(s.row(static_cast<index_t>(i)).indices) == vec(m.row(which[i]).indices));
        CHECK(vec(s.row(static_cast<index_t>(i)).weights) == vec(m.row(which[i]).weights));
    }
    const std::vector<index_t> bad{20};
    CHECK_THROWS_WITH(m.select_rows(bad), Contains("row 20 outside [0, 20)"));
}

TEST_CASE("has_sorted_unique_indices detects unsorted and duplicate indices", "[data][csr]") {
    CHECK(Arrays{{0, 2, 3}, {0, 3, 1}, {1, 1, 1}}.view(2, 4).has_sorted_unique_indices());
    CHECK_FALSE(Arrays{{0, 2, 3}, {3, 0, 1}, {1, 1, 1}}.view(2, 4).has_sorted_unique_indices());
    CHECK_FALSE(Arrays{{0, 2, 3}, {1, 1, 1}, {1, 1, 1}}.view(2, 4).has_sorted_unique_indices());
}

TEST_CASE("a valid view passes validate", "[data][csr]") {
    CHECK_NOTHROW(Arrays{{0, 2, 2, 3}, {0, 3, 1}, {1.0f, -2.0f, 0.5f}}.view(3, 4).validate());
    CHECK_NOTHROW(Arrays{{0}, {}, {}}.view(0, 0).validate());
}

TEST_CASE("validate rejects an indptr that decreases", "[data][csr]") {
    const Arrays a{{0, 2, 1, 3}, {0, 1, 2}, {1, 1, 1}};
    CHECK_THROWS_WITH(a.view(3, 4).validate("m"), Contains("m: indptr decreases at row 1 (2 > 1)"));
}

TEST_CASE("validate rejects an indptr that does not start at 0", "[data][csr]") {
    const Arrays a{{1, 2}, {0, 1}, {1, 1}};
    CHECK_THROWS_WITH(a.view(1, 4).validate(), Contains("indptr[0] is 1, expected 0"));
}

TEST_CASE("validate rejects an indptr whose length is not rows + 1", "[data][csr]") {
    const Arrays a{{0, 1}, {0}, {1}};
    CHECK_THROWS_WITH(a.view(2, 4).validate(), Contains("indptr has 2 entries, expected rows + 1 = 3"));
}

TEST_CASE("validate rejects indices or data whose length differs from indptr's end", "[data][csr]") {
    CHECK_THROWS_WITH(Arrays({{0, 2}, {0, 1, 2}, {1, 1, 1}}).view(1, 4).validate(),
                      Contains("indptr ends at 2 but indices has 3 and data 3 entries"));
    CHECK_THROWS_WITH(Arrays({{0, 2}, {0, 1}, {1}}).view(1, 4).validate(),
                      Contains("indptr ends at 2 but indices has 2 and data 1 entries"));
}

TEST_CASE("validate rejects a column index out of range", "[data][csr]") {
    CHECK_THROWS_WITH(Arrays({{0, 1, 2}, {0, 4}, {1, 1}}).view(2, 4).validate(),
                      Contains("row 1 has column index 4 outside [0, 4)"));
    CHECK_THROWS_WITH(Arrays({{0, 1}, {-1}, {1}}).view(1, 4).validate(),
                      Contains("row 0 has column index -1 outside [0, 4)"));
}

TEST_CASE("validate rejects a NaN or infinite weight", "[data][csr]") {
    CHECK_THROWS_WITH(Arrays({{0, 2}, {0, 3}, {1.0f, kNaN}}).view(1, 4).validate(),
                      Contains("row 0 column 3 has non-finite weight"));
    CHECK_THROWS_WITH(Arrays({{0, 1}, {2}, {std::numeric_limits<float>::infinity()}}).view(1, 4).validate(),
                      Contains("row 0 column 2 has non-finite weight"));
}

TEST_CASE("validate rejects a zero weight", "[data][csr]") {
    CHECK_THROWS_WITH(Arrays({{0, 2}, {0, 3}, {1.0f, 0.0f}}).view(1, 4).validate(),
                      Contains("row 0 column 3 has weight 0"));
}

TEST_CASE("the owning constructor and from_triplets validate their input", "[data][csr]") {
    CHECK_THROWS_WITH(CsrMatrix(1, 4, {0, 1}, {4}, {1.0f}), Contains("outside [0, 4)"));
    const std::vector<Triplet> zero{{0, 0, 0.0f}};
    CHECK_THROWS_WITH(CsrMatrix::from_triplets(1, 1, zero), Contains("entries: row 0 column 0 has weight 0"));
    const std::vector<Triplet> nan{{0, 0, kNaN}};
    CHECK_THROWS_WITH(CsrMatrix::from_triplets(1, 1, nan), Contains("non-finite weight"));
}

TEST_CASE("a negative shape is rejected with Error", "[data][csr]") {
    CHECK_THROWS_WITH(CsrMatrix(-1, 2), Contains("negative shape (-1, 2)"));
    CHECK_THROWS_WITH(CsrMatrix(-2, 2), Contains("negative shape (-2, 2)"));  // not a huge allocation
    CHECK_THROWS_WITH(CsrMatrix(2, -1), Contains("negative shape (2, -1)"));
    const std::vector<Triplet> none;
    CHECK_THROWS_AS(CsrMatrix::from_triplets(-5, 3, none), Error);
}

// ---- IdMap --------------------------------------------------------------------------------------

TEST_CASE("IdMap::insert gives dense indices in order of first insertion and is idempotent", "[data][idmap]") {
    IdMap m;
    CHECK(m.insert("b") == 0);
    CHECK(m.insert("a") == 1);
    CHECK(m.insert("b") == 0);
    CHECK(m.insert("c") == 2);
    CHECK(m.size() == 3);
    CHECK(m.id(1) == "a");
    CHECK(std::vector<std::string>(m.ids().begin(), m.ids().end()) == std::vector<std::string>{"b", "a", "c"});
}

TEST_CASE("IdMap::find returns the index of a known id and nothing for an unknown one", "[data][idmap]") {
    const IdMap m({"x", "y"});
    CHECK(m.find("y") == std::optional<index_t>(1));
    CHECK(m.find("z") == std::nullopt);
    CHECK(m.find("") == std::nullopt);
}

TEST_CASE("IdMap::at throws Error naming the kind and the unknown id", "[data][idmap]") {
    const IdMap m({"x", "y"});
    CHECK(m.at("x") == 0);
    CHECK_THROWS_WITH(m.at("nobody", "learner"), Contains("unknown learner 'nobody'"));
    CHECK_THROWS_AS(m.at("z"), Error);
}

TEST_CASE("IdMap::id throws Error for an index out of range", "[data][idmap]") {
    const IdMap m({"x"});
    CHECK_THROWS_WITH(m.id(1), Contains("index 1 outside [0, 1)"));
    CHECK_THROWS_AS(m.id(-1), Error);
}

TEST_CASE("an IdMap built from a list rejects duplicate and empty ids", "[data][idmap]") {
    CHECK_THROWS_WITH(IdMap({"a", "b", "a"}), Contains("duplicate id 'a'"));
    CHECK_THROWS_WITH(IdMap({"a", ""}), Contains("empty id at index 1"));
}

// ---- InteractionsBuilder ------------------------------------------------------------------------

TEST_CASE("InteractionsBuilder indexes ids by first appearance and sorts each row by course", "[data][builder]") {
    InteractionsBuilder b;
    b.add("u1", "c2", 1.0f);
    b.add("u2", "c1", 2.0f);
    b.add("u1", "c1", -1.0f);
    CHECK(b.events() == 3);
    const auto x = std::move(b).build();
    CHECK(x.learners.id(0) == "u1");
    CHECK(x.learners.id(1) == "u2");
    CHECK(x.courses.id(0) == "c2");
    CHECK(x.courses.id(1) == "c1");
    CHECK(x.matrix.indptr() == std::vector<offset_t>{0, 2, 3});
    CHECK(x.matrix.indices() == std::vector<index_t>{0, 1, 1});
    CHECK(x.matrix.data() == std::vector<float>{1.0f, -1.0f, 2.0f});
    CHECK_FALSE(x.has_timestamps());
}

TEST_CASE("timestamps stay aligned with the sorted non-zeros", "[data][builder]") {
    InteractionsBuilder b;
    b.add("u", "c3", 1.0f, 300);
    b.add("u", "c1", 2.0f, 100);
    b.add("v", "c2", 3.0f, 200);
    b.add("u", "c2", 4.0f, 400);
    const auto x = std::move(b).build();
    REQUIRE(x.has_timestamps());
    REQUIRE(x.timestamps.size() == static_cast<std::size_t>(x.matrix.nnz()));
    // Row u: courses c3 (0), c1 (1), c2 (2) in index order, each with its own time.
    CHECK(x.matrix.indices() == std::vector<index_t>{0, 1, 2, 2});
    CHECK(x.matrix.data() == std::vector<float>{1.0f, 2.0f, 4.0f, 3.0f});
    CHECK(x.timestamps == std::vector<timestamp_t>{300, 100, 400, 200});
}

TEST_CASE("duplicate pairs are summed and keep the latest timestamp, whatever the order", "[data][builder]") {
    InteractionsBuilder b;
    b.add("u", "c", 1.0f, 500);
    b.add("u", "c", 2.0f, 900);
    b.add("u", "c", -0.5f, 700);
    b.add("u", "d", 1.0f, 50);
    const auto x = std::move(b).build();
    CHECK(x.matrix.nnz() == 2);
    CHECK(x.matrix.data() == std::vector<float>{2.5f, 1.0f});
    CHECK(x.timestamps == std::vector<timestamp_t>{900, 50});
}

TEST_CASE("mixing events with and without timestamps is rejected", "[data][builder]") {
    SECTION("timestamp first") {
        InteractionsBuilder b;
        b.add("u", "c", 1.0f, 10);
        CHECK_THROWS_WITH(b.add("u", "d", 1.0f, std::nullopt, "f.csv:3"),
                          Contains("f.csv:3: some events have a timestamp and some do not"));
    }
    SECTION("no timestamp first") {
        InteractionsBuilder b;
        b.add("u", "c", 1.0f);
        CHECK_THROWS_WITH(b.add("u", "d", 1.0f, 10), Contains("some events have a timestamp and some do not"));
    }
    SECTION("by index") {
        InteractionsBuilder b;
        b.add_learner("u");
        b.add_course("c");
        b.add(0, 0, 1.0f, timestamp_t{10});
        CHECK_THROWS_WITH(b.add(0, 0, 1.0f), Contains("some events have a timestamp and some do not"));
    }
}

TEST_CASE("registered learners and courses without events are kept as empty rows and columns", "[data][builder]") {
    InteractionsBuilder b;
    CHECK(b.add_learner("first") == 0);
    CHECK(b.add_learner("idle") == 1);
    CHECK(b.add_course("unused") == 0);
    b.add("first", "c", 1.0f);
    CHECK(b.add_learner("late") == 2);
    const auto x = std::move(b).build();
    CHECK(x.matrix.rows() == 3);
    CHECK(x.matrix.cols() == 2);
    CHECK(x.learners.size() == 3);
    CHECK(x.courses.id(0) == "unused");
    CHECK(x.matrix.indptr() == std::vector<offset_t>{0, 1, 1, 1});
    CHECK(x.matrix.indices() == std::vector<index_t>{1});
}

TEST_CASE("events may be added by registered index", "[data][builder]") {
    InteractionsBuilder b;
    b.add_learner("u");
    b.add_course("c");
    b.add_course("d");
    b.add(0, 1, 2.0f);
    b.add(0, 1, 1.0f);
    CHECK_THROWS_WITH(b.add(1, 0, 1.0f), Contains("learner index 1 not registered"));
    CHECK_THROWS_WITH(b.add(0, 2, 1.0f), Contains("course index 2 not registered"));
    CHECK_THROWS_AS(b.add(0, 0, 0.0f), Error);
    const auto x = std::move(b).build();
    CHECK(x.matrix.indices() == std::vector<index_t>{1});
    CHECK(x.matrix.data() == std::vector<float>{3.0f});
}

TEST_CASE("InteractionsBuilder rejects empty ids, zero and non-finite weights, naming the source", "[data][builder]") {
    InteractionsBuilder b;
    CHECK_THROWS_WITH(b.add("", "c", 1.0f, std::nullopt, "a.csv:2"), Contains("a.csv:2: empty learner id"));
    CHECK_THROWS_WITH(b.add("u", "", 1.0f, std::nullopt, "a.csv:3"), Contains("a.csv:3: empty course id"));
    CHECK_THROWS_WITH(b.add("u", "c", 0.0f, std::nullopt, "a.csv:4"), Contains("a.csv:4: weight is 0"));
    CHECK_THROWS_WITH(b.add("u", "c", kNaN, std::nullopt, "a.csv:5"), Contains("a.csv:5: weight nan is not finite"));
    CHECK_THROWS_AS(b.add_learner(""), Error);
    CHECK_THROWS_AS(b.add_course(""), Error);
    CHECK(b.events() == 0);
}

TEST_CASE("a pair whose weights cancel out is rejected at build", "[data][builder]") {
    InteractionsBuilder b;
    b.add("u", "c", 2.0f);
    b.add("u", "c", -2.0f);
    CHECK_THROWS_WITH(std::move(b).build(), Contains("sum to 0"));
}
