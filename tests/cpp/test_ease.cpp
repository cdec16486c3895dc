// EASE against its closed form computed densely in double precision.
#include <random>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include "learnrec/io/model_file.hpp"
#include "learnrec/model/ease.hpp"
#include "learnrec/retrieval/recommend.hpp"

using namespace learnrec;

namespace {

CsrMatrix random_matrix(index_t users, index_t items, double density, std::uint64_t seed, bool with_negatives) {
    std::mt19937_64 rng(seed);
    std::vector<Triplet> t;
    for (index_t u = 0; u < users; ++u) {
        t.push_back({u, static_cast<index_t>(rng() % static_cast<std::uint64_t>(items)), 1.0f});
        for (index_t i = 0; i < items; ++i)
            if (static_cast<double>(rng() >> 11) * 0x1.0p-53 < density) {
                float w = static_cast<float>(1 + rng() % 3);
                if (with_negatives && rng() % 5 == 0) w = -w;
                t.push_back({u, i, w});
            }
    }
    return CsrMatrix::from_triplets(users, items, t);
}

/// B = I - P diag(1/diag(P)), P = (X'X + lambda I)^-1, with X dense from `rows` as given.
Eigen::MatrixXd dense_ease(const CsrMatrix& rows, double lambda) {
    Eigen::MatrixXd x = Eigen::MatrixXd::Zero(rows.rows(), rows.cols());
    for (index_t u = 0; u < rows.rows(); ++u) {
        const auto r = rows.row(u);
        for (std::size_t j = 0; j < r.size(); ++j) x(u, r.indices[j]) = r.weights[j];
    }
    Eigen::MatrixXd g = x.transpose() * x;
    g.diagonal().array() += lambda;
    const Eigen::MatrixXd p = g.inverse();
    Eigen::MatrixXd b = -p * p.diagonal().cwiseInverse().asDiagonal();
    b.diagonal().setZero();
    return b;
}

}  // namespace

TEST_CASE("EASE equals the dense double-precision closed form (abs tol 1e-4)", "[ease]") {
    const auto m = random_matrix(50, 14, 0.25, 3, false);
    EaseConfig c;
    c.lambda = 5.0f;
    c.num_threads = 1;
    const auto model = fit_ease(m, c);
    const Eigen::MatrixXd expected = dense_ease(detail::binary_positive_rows(m), 5.0);
    CHECK((model.item_weights().cast<double>() - expected).cwiseAbs().maxCoeff() < 1e-4);
}

TEST_CASE("EASE has a zero diagonal", "[ease]") {
    const auto m = random_matrix(40, 30, 0.2, 4, false);
    const auto model = fit_ease(m, EaseConfig{});
    CHECK(model.item_weights().diagonal().cwiseAbs().maxCoeff() == 0.0f);
}

TEST_CASE("EASE with weights as given uses them, negative feedback included", "[ease]") {
    const auto m = random_matrix(60, 12, 0.3, 5, true);
    EaseConfig c;
    c.lambda = 3.0f;
    c.weights = EaseWeights::as_given;
    const auto model = fit_ease(m, c);
    CHECK((model.item_weights().cast<double>() - dense_ease(m, 3.0)).cwiseAbs().maxCoeff() < 1e-4);
    // The training rows (queries) keep the weights too.
    CHECK(model.training_rows().data() == m.data());
}

TEST_CASE("EASE's blocked in-place inverse equals a dense inverse across partial tiles", "[ease]") {
    const Eigen::Index n = 37;
    std::mt19937_64 rng(11);
    Eigen::MatrixXd a(n, n);
    for (Eigen::Index i = 0; i < a.size(); ++i) a.data()[i] = static_cast<double>(rng() >> 11) * 0x1.0p-53 - 0.5;
    Eigen::MatrixXd spd = a * a.transpose();
    spd.diagonal().array() += 1.0;
    Eigen::MatrixXf work = spd.cast<float>();
    detail::spd_inverse_inplace(work.data(), n, 2, 8);  // 5 tiles, the last one of 5 rows
    const Eigen::MatrixXd expected = spd.inverse();
    const Eigen::MatrixXd got = work.cast<double>().triangularView<Eigen::Lower>();
    const Eigen::MatrixXd want = expected.triangularView<Eigen::Lower>();
    CHECK((got - want).cwiseAbs().maxCoeff() < 1e-4 * expected.cwiseAbs().maxCoeff());
}

TEST_CASE("EASE's inverse rejects a matrix that is not positive definite", "[ease]") {
    Eigen::MatrixXf m = Eigen::MatrixXf::Identity(20, 20);
    m(13, 13) = -1.0f;
    CHECK_THROWS_AS(detail::spd_inverse_inplace(m.data(), 20, 1, 8), Error);
}

TEST_CASE("EASE is identical for 1 and 2 threads", "[ease]") {
    const auto m = random_matrix(300, 90, 0.05, 6, false);
    EaseConfig c;
    c.num_threads = 1;
    const auto a = fit_ease(m, c);
    c.num_threads = 2;
    const auto b = fit_ease(m, c);
    CHECK(a.item_weights() == b.item_weights());
}

TEST_CASE("EASE refuses a course matrix above its memory budget and names the sizes", "[ease]") {
    const auto m = random_matrix(10, 1000, 0.01, 1, false);
    EaseConfig c;
    c.memory_budget_bytes = 1 << 20;
    CHECK_THROWS_WITH(fit_ease(m, c), Catch::Contains("EASE needs about") && Catch::Contains("1000 x 1000") &&
                                          Catch::Contains("memory budget of 0.00 GiB"));
}

TEST_CASE("EASE rejects a non-positive lambda", "[ease]") {
    const auto m = random_matrix(10, 5, 0.3, 1, false);
    EaseConfig c;
    c.lambda = 0.0f;
    CHECK_THROWS_AS(fit_ease(m, c), Error);
}

TEST_CASE("EASE scores a learner as their row times B, through learner_queries and fold-in alike", "[ease]") {
    const auto m = random_matrix(30, 20, 0.2, 8, false);
    const auto model = fit_ease(m, EaseConfig{});
    const index_t learner = 7;
    const auto by_index = model.learner_queries({&learner, 1});
    const auto rows = m.select_rows({&learner, 1});
    const auto folded = model.fold_in(rows);
    std::vector<float> a(20), b(20);
    model.score(by_index, 0, 1, 0, 20, a.data(), 20);
    model.score(folded, 0, 1, 0, 20, b.data(), 20);
    CHECK(a == b);
    Eigen::RowVectorXf expected = Eigen::RowVectorXf::Zero(20);
    for (auto i : m.row(learner).indices) expected += model.item_weights().row(i);
    CHECK((Eigen::Map<Eigen::RowVectorXf>(a.data(), 20) - expected).cwiseAbs().maxCoeff() < 1e-5f);
}

// The LAPACK path (learnrec built with OpenBLAS) against the Eigen path. Without OpenBLAS there is
// no second path: the cases say so and pass. ctest runs them under each LEARNREC_ISA and OpenBLAS
// core type (tests/CMakeLists.txt).
TEST_CASE("EASE gives the same B through LAPACK as through Eigen (abs tol 1e-4)", "[ease][dense]") {
    if (!detail::blas_available()) {
        WARN("learnrec built without OpenBLAS: only the Eigen path exists");
        return;
    }
    const auto m = random_matrix(400, 150, 0.05, 21, false);  // 150 courses: Eigen's tiles of 8 below
    EaseConfig c;
    c.lambda = 10.0f;
    c.num_threads = 2;
    const auto blas = detail::fit_ease_with(m, c, detail::DenseBackend::blas);
    const auto eigen = detail::fit_ease_with(m, c, detail::DenseBackend::eigen);
    CHECK((blas.item_weights() - eigen.item_weights()).cwiseAbs().maxCoeff() < 1e-4f);
    CHECK(blas.item_weights().diagonal().cwiseAbs().maxCoeff() == 0.0f);
    const Eigen::MatrixXd expected = dense_ease(detail::binary_positive_rows(m), 10.0);
    CHECK((blas.item_weights().cast<double>() - expected).cwiseAbs().maxCoeff() < 1e-4);
}

TEST_CASE("EASE's LAPACK inverse rejects a matrix that is not positive definite", "[ease][dense]") {
    if (!detail::blas_available()) {
        WARN("learnrec built without OpenBLAS: only the Eigen path exists");
        return;
    }
    Eigen::MatrixXf m = Eigen::MatrixXf::Identity(20, 20);
    m(13, 13) = -1.0f;
    CHECK_THROWS_WITH(detail::blas_spd_inverse_lower(m.data(), 20), Catch::Contains("pivot at row 13"));
}

TEST_CASE("An EASE model fitted through LAPACK is saved and loaded like one fitted through Eigen", "[ease][dense]") {
    if (!detail::blas_available()) {
        WARN("learnrec built without OpenBLAS: only the Eigen path exists");
        return;
    }
    const auto m = random_matrix(120, 40, 0.1, 22, false);
    const auto blas = detail::fit_ease_with(m, EaseConfig{}, detail::DenseBackend::blas);
    const auto eigen = detail::fit_ease_with(m, EaseConfig{}, detail::DenseBackend::eigen);
    const std::string blas_bytes = to_bytes(blas), eigen_bytes = to_bytes(eigen);
    CHECK(blas_bytes.size() == eigen_bytes.size());
    const auto from_blas = detail::model_as<EaseModel>(from_bytes(blas_bytes), "blas");
    const auto from_eigen = detail::model_as<EaseModel>(from_bytes(eigen_bytes), "eigen");
    CHECK(from_blas->item_weights() == blas.item_weights());
    CHECK(from_eigen->item_weights() == eigen.item_weights());
    CHECK(from_blas->training_rows().indices() == from_eigen->training_rows().indices());
    CHECK((from_blas->item_weights() - from_eigen->item_weights()).cwiseAbs().maxCoeff() < 1e-4f);
}
