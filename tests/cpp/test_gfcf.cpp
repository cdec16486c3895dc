// GF-CF against its closed form computed densely in double precision with an exact SVD.
#include <random>

#include <Eigen/SVD>
#include <catch2/catch.hpp>

#include "learnrec/io/model_file.hpp"
#include "learnrec/model/gfcf.hpp"

using namespace learnrec;

namespace {

CsrMatrix random_binary(index_t users, index_t items, double density, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<Triplet> t;
    for (index_t u = 0; u < users; ++u) {
        t.push_back({u, static_cast<index_t>(rng() % static_cast<std::uint64_t>(items)), 1.0f});
        for (index_t i = 0; i < items; ++i)
            if (static_cast<double>(rng() >> 11) * 0x1.0p-53 < density) t.push_back({u, i, 1.0f});
    }
    // Duplicates sum to 2; GF-CF binarises, which is part of what is tested.
    return CsrMatrix::from_triplets(users, items, t);
}

Eigen::MatrixXd dense_gfcf(const CsrMatrix& m, double alpha, int rank) {
    Eigen::MatrixXd r = Eigen::MatrixXd::Zero(m.rows(), m.cols());
    for (index_t u = 0; u < m.rows(); ++u)
        for (auto i : m.row(u).indices) r(u, i) = 1.0;
    const Eigen::VectorXd du = r.rowwise().sum(), di = r.colwise().sum().transpose();
    Eigen::MatrixXd rn = r;
    for (Eigen::Index u = 0; u < r.rows(); ++u)
        for (Eigen::Index i = 0; i < r.cols(); ++i)
            if (r(u, i) != 0.0) rn(u, i) = 1.0 / std::sqrt(du[u] * di[i]);
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(rn, Eigen::ComputeThinV);
    const Eigen::MatrixXd v = svd.matrixV().leftCols(rank);
    Eigen::MatrixXd ideal = v * v.transpose();
    for (Eigen::Index i = 0; i < ideal.rows(); ++i)
        for (Eigen::Index j = 0; j < ideal.cols(); ++j)
            ideal(i, j) *= (di[i] > 0 ? 1.0 / std::sqrt(di[i]) : 0.0) * std::sqrt(di[j]);
    return rn.transpose() * rn + alpha * ideal;
}

}  // namespace

TEST_CASE("GF-CF equals the dense closed form with an exact SVD (abs tol 1e-4)", "[gfcf]") {
    const auto m = random_binary(40, 14, 0.25, 3);
    GfcfConfig c;
    c.rank = 5;
    c.oversample = 20;  // the range finder spans all 14 columns, so the top 5 are exact
    c.num_threads = 1;
    const auto model = fit_gfcf(m, c);
    const Eigen::MatrixXd expected = dense_gfcf(m, c.alpha, 5);
    const Eigen::MatrixXd got = model.item_weights().cast<double>();
    CHECK((got - expected).cwiseAbs().maxCoeff() < 1e-4);
}

TEST_CASE("GF-CF with alpha 0 is the linear filter R~'R~", "[gfcf]") {
    const auto m = random_binary(30, 10, 0.3, 5);
    GfcfConfig c;
    c.alpha = 0.0f;
    const auto model = fit_gfcf(m, c);
    const Eigen::MatrixXd expected = dense_gfcf(m, 0.0, 1);
    CHECK((model.item_weights().cast<double>() - expected).cwiseAbs().maxCoeff() < 1e-5);
}

TEST_CASE("GF-CF is the same for 1 and 2 threads", "[gfcf]") {
    const auto m = random_binary(80, 30, 0.2, 9);
    GfcfConfig c;
    c.rank = 8;
    c.num_threads = 1;
    const auto a = fit_gfcf(m, c);
    c.num_threads = 2;
    const auto b = fit_gfcf(m, c);
    CHECK((a.item_weights() - b.item_weights()).cwiseAbs().maxCoeff() < 1e-5f);
}

TEST_CASE("GF-CF refuses a course matrix above its memory budget and names the sizes", "[gfcf]") {
    const auto m = random_binary(10, 1000, 0.01, 1);
    GfcfConfig c;
    c.memory_budget_bytes = 1 << 20;
    CHECK_THROWS_WITH(fit_gfcf(m, c), Catch::Contains("1000 x 1000") && Catch::Contains("memory budget"));
}

TEST_CASE("GF-CF scores a new learner from their row exactly as a training learner with that row", "[gfcf]") {
    const auto m = random_binary(25, 12, 0.3, 11);
    GfcfConfig c;
    c.rank = 4;
    const auto model = fit_gfcf(m, c);
    const index_t learner = 3;
    const auto known = model.learner_queries({&learner, 1});
    const auto rows = m.select_rows({&learner, 1});
    const auto folded = model.fold_in(rows);
    std::vector<float> a(12), b(12);
    model.score(known, 0, 1, 0, 12, a.data(), 12);
    model.score(folded, 0, 1, 0, 12, b.data(), 12);
    CHECK(a == b);
}

// The OpenBLAS path against the Eigen path (see test_ease.cpp for how the paths are run).
TEST_CASE("GF-CF gives the same B through OpenBLAS as through Eigen (abs tol 1e-4)", "[gfcf][dense]") {
    if (!detail::blas_available()) {
        WARN("learnrec built without OpenBLAS: only the Eigen path exists");
        return;
    }
    const auto m = random_binary(300, 120, 0.05, 23);
    GfcfConfig c;
    c.rank = 16;
    c.oversample = 16;
    c.num_threads = 2;
    const auto blas = detail::fit_gfcf_with(m, c, detail::DenseBackend::blas);
    const auto eigen = detail::fit_gfcf_with(m, c, detail::DenseBackend::eigen);
    CHECK((blas.item_weights() - eigen.item_weights()).cwiseAbs().maxCoeff() < 1e-4f);
}

TEST_CASE("GF-CF through OpenBLAS equals the dense closed form with an exact SVD (abs tol 1e-4)", "[gfcf][dense]") {
    if (!detail::blas_available()) {
        WARN("learnrec built without OpenBLAS: only the Eigen path exists");
        return;
    }
    const auto m = random_binary(40, 14, 0.25, 3);
    GfcfConfig c;
    c.rank = 5;
    c.oversample = 20;
    const auto model = detail::fit_gfcf_with(m, c, detail::DenseBackend::blas);
    CHECK((model.item_weights().cast<double>() - dense_gfcf(m, c.alpha, 5)).cwiseAbs().maxCoeff() < 1e-4);
}

TEST_CASE("A GF-CF model fitted through OpenBLAS is saved and loaded like one fitted through Eigen", "[gfcf][dense]") {
    if (!detail::blas_available()) {
        WARN("learnrec built without OpenBLAS: only the Eigen path exists");
        return;
    }
    const auto m = random_binary(100, 30, 0.1, 24);
    GfcfConfig c;
    c.rank = 6;
    const auto blas = detail::fit_gfcf_with(m, c, detail::DenseBackend::blas);
    const auto eigen = detail::fit_gfcf_with(m, c, detail::DenseBackend::eigen);
    const std::string blas_bytes = to_bytes(blas), eigen_bytes = to_bytes(eigen);
    CHECK(blas_bytes.size() == eigen_bytes.size());
    const auto from_blas = detail::model_as<GfcfModel>(from_bytes(blas_bytes), "blas");
    const auto from_eigen = detail::model_as<GfcfModel>(from_bytes(eigen_bytes), "eigen");
    CHECK(from_blas->item_weights() == blas.item_weights());
    CHECK(from_eigen->item_weights() == eigen.item_weights());
    CHECK((from_blas->item_weights() - from_eigen->item_weights()).cwiseAbs().maxCoeff() < 1e-4f);
}
