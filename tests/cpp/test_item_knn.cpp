// item-kNN against brute-force similarities and hand-computed TF-IDF / BM25 weights.
#include <cmath>
#include <random>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include "learnrec/model/item_knn.hpp"
#include "learnrec/retrieval/recommend.hpp"

using namespace learnrec;

namespace {

CsrMatrix random_weighted(index_t users, index_t items, double density, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<Triplet> t;
    for (index_t u = 0; u < users; ++u)
        for (index_t i = 0; i < items; ++i)
            if (static_cast<double>(rng() >> 11) * 0x1.0p-53 < density)
                t.push_back({u, i, static_cast<float>(1 + rng() % 4)});
    return CsrMatrix::from_triplets(users, items, t);
}

Eigen::MatrixXd dense(const CsrMatrix& m) {
    Eigen::MatrixXd d = Eigen::MatrixXd::Zero(m.rows(), m.cols());
    for (index_t r = 0; r < m.rows(); ++r) {
        const auto row = m.row(r);
        for (std::size_t j = 0; j < row.size(); ++j) d(r, row.indices[j]) = row.weights[j];
    }
    return d;
}

// 3 learners x 4 courses:  u0: c0 (4), c1 (1);  u1: c0 (1);  u2: c1 (9), c2 (1), c3 (1).
CsrMatrix hand_matrix() {
    return CsrMatrix::from_triplets(
        3, 4, std::vector<Triplet>{{0, 0, 4.0f}, {0, 1, 1.0f}, {1, 0, 1.0f}, {2, 1, 9.0f}, {2, 2, 1.0f}, {2, 3, 1.0f}});
}

}  // namespace

TEST_CASE("item-kNN cosine similarity equals a brute-force computation", "[item_knn]") {
    const auto m = random_weighted(30, 9, 0.3, 2);
    ItemKnnConfig c;
    c.neighbours = 9;  // keep everything
    c.binary = false;
    const auto model = fit_item_knn(m, c);
    const Eigen::MatrixXd x = dense(m);
    const Eigen::MatrixXd s = dense(model.similarity());
    for (index_t i = 0; i < 9; ++i)
        for (index_t j = 0; j < 9; ++j) {
            const double expected = x.col(i).dot(x.col(j)) / (x.col(i).norm() * x.col(j).norm());
            INFO(i << ", " << j);
            CHECK(s(i, j) == Approx(expected).margin(1e-6));
        }
}

TEST_CASE("item-kNN TF-IDF weighting matches a hand computation", "[item_knn]") {
    ItemKnnConfig c;
    c.binary = false;
    c.weighting = ItemKnnWeighting::tfidf;
    const auto w = dense(detail::item_knn_weighted(ItemKnnModel::query_rows(hand_matrix(), false), c));
    // idf(learner) = ln(4 courses) - ln(1 + courses of the learner): u0 ln(4/3), u1 ln(2), u2 0.
    REQUIRE(w.rows() == 4);
    CHECK(w(0, 0) == Approx(2.0 * std::log(4.0 / 3.0)));  // sqrt(4) * idf(u0)
    CHECK(w(0, 1) == Approx(std::log(2.0)));              // sqrt(1) * idf(u1)
    CHECK(w(1, 0) == Approx(std::log(4.0 / 3.0)));        // sqrt(1) * idf(u0)
    CHECK(w(1, 2) == 0.0);                                // idf(u2) = 0: dropped
    CHECK(w.row(2).isZero());
    // Cosine of courses 0 and 1: only u0 is shared.
    const auto model = fit_item_knn(hand_matrix(), c);
    const auto s = dense(model.similarity());
    CHECK(s(0, 1) == Approx(w(0, 0) / w.row(0).norm()));
}

TEST_CASE("item-kNN BM25 weighting matches a hand computation", "[item_knn]") {
    ItemKnnConfig c;
    c.binary = false;
    c.weighting = ItemKnnWeighting::bm25;
    c.bm25_k1 = 1.2f;
    c.bm25_b = 0.75f;
    const auto w = dense(detail::item_knn_weighted(ItemKnnModel::query_rows(hand_matrix(), false), c));
    // Course lengths 5, 10, 1, 1 (mean 4.25); norm = 0.25 + 0.75 length / 4.25.
    const double k1 = static_cast<double>(1.2f), b = static_cast<double>(0.75f);
    const auto bm25 = [&](double value, double length, double idf) {
        const double norm = (1.0 - b) + b * length / 4.25;
        return value * (k1 + 1.0) / (k1 * norm + value) * idf;
    };
    CHECK(w(0, 0) == Approx(bm25(4.0, 5.0, std::log(4.0 / 3.0))));
    CHECK(w(0, 1) == Approx(bm25(1.0, 5.0, std::log(2.0))));
    CHECK(w(1, 0) == Approx(bm25(1.0, 10.0, std::log(4.0 / 3.0))));
    CHECK(w.row(2).isZero());
}

TEST_CASE("item-kNN top-K truncation keeps the largest similarities, ties to the lower index", "[item_knn]") {
    const auto m = random_weighted(40, 15, 0.35, 5);
    ItemKnnConfig all;
    all.neighbours = 15;
    all.binary = false;
    ItemKnnConfig top = all;
    top.neighbours = 4;
    const auto full = dense(fit_item_knn(m, all).similarity());
    const auto model = fit_item_knn(m, top);
    for (index_t i = 0; i < 15; ++i) {
        std::vector<index_t> order;
        for (index_t j = 0; j < 15; ++j)
            if (full(i, j) != 0.0) order.push_back(j);
        std::stable_sort(order.begin(), order.end(), [&](index_t a, index_t b) { return full(i, a) > full(i, b); });
        if (order.size() > 4) order.resize(4);
        std::sort(order.begin(), order.end());
        const auto row = model.similarity().row(i);
        INFO("course " << i);
        CHECK(std::vector<index_t>(row.indices.begin(), row.indices.end()) == order);
        for (std::size_t j = 0; j < row.size(); ++j) CHECK(row.weights[j] == static_cast<float>(full(i, row.indices[j])));
    }
}

TEST_CASE("item-kNN scores a learner as their row times the neighbour matrix, in any course tile", "[item_knn]") {
    const auto m = random_weighted(50, 23, 0.2, 7);
    ItemKnnConfig c;
    c.neighbours = 5;
    const auto model = fit_item_knn(m, c);
    const auto s = dense(model.similarity());
    const index_t learner = 3;
    const auto q = model.learner_queries({&learner, 1});
    Eigen::RowVectorXd expected = Eigen::RowVectorXd::Zero(23);
    for (auto i : m.row(learner).indices) expected += s.row(i);  // binary queries
    std::vector<float> tile(10);
    model.score(q, 0, 1, 7, 17, tile.data(), 10);
    for (index_t c0 = 7; c0 < 17; ++c0) CHECK(tile[static_cast<std::size_t>(c0 - 7)] == Approx(expected[c0]).margin(1e-6));
}

TEST_CASE("item-kNN similar courses start with the course itself", "[item_knn]") {
    const auto m = random_weighted(40, 12, 0.3, 9);
    const auto model = fit_item_knn(m, ItemKnnConfig{});
    const std::vector<index_t> courses{0, 5, 11};
    RecommendOptions options;
    options.k = 3;
    const auto top = similar_courses(model, courses, options);
    for (index_t q = 0; q < 3; ++q) CHECK(top.ids_of(q)[0] == courses[static_cast<std::size_t>(q)]);
}

TEST_CASE("item-kNN is identical for 1 and 2 threads", "[item_knn]") {
    const auto m = random_weighted(200, 60, 0.08, 4);
    ItemKnnConfig c;
    c.weighting = ItemKnnWeighting::bm25;
    c.num_threads = 1;
    const auto a = fit_item_knn(m, c);
    c.num_threads = 2;
    const auto b = fit_item_knn(m, c);
    CHECK(a.similarity().indptr() == b.similarity().indptr());
    CHECK(a.similarity().indices() == b.similarity().indices());
    CHECK(a.similarity().data() == b.similarity().data());
}

TEST_CASE("item-kNN leaves negative feedback out of similarities and queries", "[item_knn]") {
    const auto m = CsrMatrix::from_triplets(
        2, 3, std::vector<Triplet>{{0, 0, 1.0f}, {0, 1, -1.0f}, {1, 0, 1.0f}, {1, 2, 1.0f}});
    const auto model = fit_item_knn(m, ItemKnnConfig{});
    CHECK(model.similarity().row(1).size() == 0);
    CHECK(model.training_rows().row(0).size() == 1);
}
