// Implicit ALS specification: the row solvers against a hand-solved 2x2 system, the loss against
// its documented formula, training invariants (monotone loss, fold-in reproduces trained factors,
// CG agrees with Cholesky) and determinism. Tolerances are stated per test.
#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "learnrec/model/als.hpp"
#include "test_support.hpp"

using namespace learnrec;
using namespace learnrec::test_support;
using Catch::Matchers::Contains;

namespace {

// The hand-computed half-step. Two courses with fixed factors y0 = (1, 0), y1 = (1, 1); one
// learner with weights {+2, -1}; alpha = 2, reg = 0.5. Then
//   c = alpha |w| = {4, 2}, p = {1, 0}
//   Y'Y + reg I      = [[2, 1], [1, 1]] + 0.5 I        = [[2.5, 1  ], [1, 1.5]]
//   Y'(C - I)Y       = 3 y0 y0' + 1 y1 y1'             = [[4,   1  ], [1, 1  ]]
//   A                =                                   [[6.5, 2  ], [2, 2.5]],  det A = 12.25
//   b = Y'Cp         = 4 y0                            = (4, 0)
//   x = A^-1 b       = (2.5 * 4, -2 * 4) / 12.25       = (40/49, -32/49) = (0.81632653, -0.65306122)
struct HandCase {
    RowMatrix Y{{1.0f, 0.0f}, {1.0f, 1.0f}};
    Eigen::MatrixXf gram_reg{{2.5f, 1.0f}, {1.0f, 1.5f}};
    std::vector<index_t> indices{0, 1};
    std::vector<float> weights{2.0f, -1.0f};
    float alpha = 2.0f;
    float reg = 0.5f;
    Vector expected{{40.0f / 49.0f, -32.0f / 49.0f}};
    CsrRow row() const { return {indices, weights}; }
};

AlsConfig small_config(AlsSolver solver, index_t factors = 8) {
    AlsConfig c;
    c.factors = factors;
    c.regularization = 0.1f;
    c.alpha = 2.0f;  // with |w| >= 1 every confidence is >= 2, so every row system is positive definite
    c.solver = solver;
    c.cg_steps = 3;
    c.num_threads = 1;
    c.seed = 1234;
    return c;
}

/// The documented loss, by brute force over every (learner, course) pair in double.
double brute_force_loss(const RowMatrix& X, const RowMatrix& Y, const CsrView& ui, double alpha, double reg) {
    const auto w = to_dense(ui);
    double total = 0.0, sum_c = 0.0;
    for (index_t u = 0; u < X.rows(); ++u)
        for (index_t i = 0; i < Y.rows(); ++i) {
            const double xy = dot(X, u, Y, i);
            const double weight = w[static_cast<std::size_t>(u)][static_cast<std::size_t>(i)];
            const double p = weight > 0.0 ? 1.0 : 0.0;
            total += (p - xy) * (p - xy);  // every pair
            if (weight != 0.0) {           // observed pairs
                const double c = std::abs(alpha * weight);
                total += (c - 1.0) * (p - xy) * (p - xy);
                sum_c += c;
            }
        }
    double norms = 0.0;
    for (Eigen::Index k = 0; k < X.size(); ++k) norms += static_cast<double>(X.data()[k]) * X.data()[k];
    for (Eigen::Index k = 0; k < Y.size(); ++k) norms += static_cast<double>(Y.data()[k]) * Y.data()[k];
    total += reg * norms;
    const double denom = sum_c + static_cast<double>(X.rows()) * static_cast<double>(Y.rows()) - static_cast<double>(ui.nnz());
    return total / denom;
}

AlsTrainer trained(const CsrView& data, const AlsConfig& cfg, int iterations) {
    AlsTrainer t(data, cfg);
    for (int i = 0; i < iterations; ++i) t.step();
    return t;
}

}  // namespace

// ---- (a) one half-step, by hand -----------------------------------------------------------------

TEST_CASE("als_solve_exact solves the hand-computed 2x2 system with a negative weight (abs tol 1e-6)", "[als]") {
    const HandCase h;
    detail::AlsScratch s(2);
    Vector x = Vector::Constant(2, 7.0f);  // the exact solver ignores the starting point
    detail::als_solve_exact(x, h.Y, h.gram_reg, h.row(), h.alpha, s);
    CHECK(x[0] == Approx(40.0 / 49.0).margin(1e-6));
    CHECK(x[1] == Approx(-32.0 / 49.0).margin(1e-6));
}

TEST_CASE("als_solve_cg with cg_steps = factors solves the hand-computed 2x2 system (abs tol 1e-5)", "[als]") {
    const HandCase h;
    detail::AlsScratch s(2);
    for (const Vector& start : {Vector(Vector::Zero(2)), Vector{{1.0f, -1.0f}}, Vector{{-3.0f, 5.0f}}}) {
        INFO("start (" << start[0] << ", " << start[1] << ")");
        Vector x = start;
        detail::als_solve_cg(x, h.Y, h.gram_reg, h.row(), h.alpha, 2, s);
        CHECK(x[0] == Approx(40.0 / 49.0).margin(1e-5));
        CHECK(x[1] == Approx(-32.0 / 49.0).margin(1e-5));
    }
}

TEST_CASE("als_solve_cg with fewer steps than factors is a partial solve from its start", "[als]") {
    const HandCase h;
    detail::AlsScratch s(2);
    Vector x = Vector::Zero(2);
    detail::als_solve_cg(x, h.Y, h.gram_reg, h.row(), h.alpha, 1, s);
    // One steepest-descent step from 0 along b = (4, 0): x = (b'b / b'Ab) b = (16 / 104) (4, 0).
    CHECK(x[0] == Approx(64.0 / 104.0).margin(1e-6));
    CHECK(x[1] == Approx(0.0).margin(1e-6));
    // Starting at the solution, CG stays there.
    x = h.expected;
    detail::als_solve_cg(x, h.Y, h.gram_reg, h.row(), h.alpha, 1, s);
    CHECK((x - h.expected).cwiseAbs().maxCoeff() <= 1e-6f);
}

TEST_CASE("als_half_step builds Y'Y + reg I itself and reaches the hand-computed solution", "[als]") {
    const HandCase h;
    const std::vector<Triplet> t{{0, 0, 2.0f}, {0, 1, -1.0f}};
    const auto rows = CsrMatrix::from_triplets(1, 2, t);
    AlsConfig cfg;
    cfg.factors = 2;
    cfg.alpha = h.alpha;
    cfg.regularization = h.reg;
    cfg.num_threads = 1;
    for (bool exact : {true, false}) {
        INFO((exact ? "Cholesky" : "CG, 2 steps"));
        cfg.cg_steps = 2;
        RowMatrix X = RowMatrix::Zero(1, 2);
        detail::als_half_step(X, h.Y, rows.view(), cfg, exact);
        CHECK(X(0, 0) == Approx(40.0 / 49.0).margin(1e-5));
        CHECK(X(0, 1) == Approx(-32.0 / 49.0).margin(1e-5));
    }
}

// ---- (h) the loss -------------------------------------------------------------------------------

TEST_CASE("als_loss of a 1x1 case equals the hand-computed value 11/6", "[als]") {
    // x = 1, y = 2, one weight 1, alpha 3, reg 0.5: c = 3, p = 1, xy = 2
    // observed (c - 1)(p - xy)^2 = 2, all pairs (p - xy)^2 = 1, reg (1 + 4) = 2.5 -> 5.5
    // denominator sum c + N M - nnz = 3 + 1 - 1 = 3
    const RowMatrix X{{1.0f}}, Y{{2.0f}};
    const std::vector<Triplet> t{{0, 0, 1.0f}};
    const auto ui = CsrMatrix::from_triplets(1, 1, t);
    AlsConfig cfg;
    cfg.factors = 1;
    cfg.alpha = 3.0f;
    cfg.regularization = 0.5f;
    cfg.num_threads = 1;
    CHECK(detail::als_loss(X, Y, ui.view(), cfg) == Approx(11.0 / 6.0).epsilon(1e-12));
}

TEST_CASE("als_loss equals a brute-force double loop over the documented formula (rel tol 1e-6)", "[als]") {
    const RowMatrix X = random_factors(3, 2, 201);
    const RowMatrix Y = random_factors(4, 2, 202);
    const std::vector<Triplet> t{{0, 0, 1.0f}, {0, 3, 2.5f}, {1, 1, -1.0f}, {1, 2, 0.5f}, {2, 0, -2.0f}};
    const auto ui = CsrMatrix::from_triplets(3, 4, t);
    AlsConfig cfg;
    cfg.factors = 2;
    cfg.alpha = 1.5f;
    cfg.regularization = 0.1f;
    for (int threads : {1, 2}) {
        cfg.num_threads = threads;
        CHECK(detail::als_loss(X, Y, ui.view(), cfg) == Approx(brute_force_loss(X, Y, ui.view(), 1.5, 0.1)).epsilon(1e-6));
    }
}

TEST_CASE("AlsTrainer::loss() and step() report the brute-force loss of the current factors (rel tol 1e-5)",
          "[als]") {
    const auto data = random_interactions(40, 30, 1, 8, 0.2, 203);
    auto cfg = small_config(AlsSolver::cholesky, 4);
    AlsTrainer t(data.view(), cfg);
    const auto info = t.step();
    const auto m = t.model();
    const double want = brute_force_loss(m.user_factors(), m.item_factors(), data.view(), cfg.alpha, cfg.regularization);
    CHECK(info.loss == Approx(want).epsilon(1e-5));
    CHECK(t.loss() == Approx(want).epsilon(1e-5));
    CHECK(info.iteration == 1);
    CHECK(info.seconds >= 0.0);
}

TEST_CASE("step() reports a NaN loss when calculate_loss is off", "[als]") {
    const auto data = random_interactions(20, 10, 1, 5, 0.0, 204);
    auto cfg = small_config(AlsSolver::cg, 4);
    cfg.calculate_loss = false;
    AlsTrainer t(data.view(), cfg);
    CHECK(std::isnan(t.step().loss));
    CHECK(t.iteration() == 1);
}

// ---- (b), (c), (d) training invariants ----------------------------------------------------------

// In exact arithmetic CG solves a d x d system in d steps. In float it loses orthogonality when
// the spectrum has an outlier, as X'X does early in training (one eigenvalue ~100x the others),
// so d steps agree with Cholesky only to ~1e-2 of the factors' scale there; 2d steps agree to ~1e-5.
TEST_CASE("CG with cg_steps = factors matches Cholesky from the same seed (first half-step abs tol 1e-4; "
          "after 8 iterations: loss rel tol 1e-4, predictions abs tol 1e-2)",
          "[als]") {
    const auto data = random_interactions(200, 150, 1, 20, 0.1, 205);
    const auto chol = small_config(AlsSolver::cholesky);
    auto cg = small_config(AlsSolver::cg);
    cg.cg_steps = cg.factors;
    {
        // The first learner half-step is well conditioned (Y'Y is tiny next to reg I).
        const auto a = trained(data.view(), chol, 1).model();
        const auto b = trained(data.view(), cg, 1).model();
        CHECK(max_abs_diff(a.user_factors(), b.user_factors()) <= 1e-4);
    }
    {
        const auto a = trained(data.view(), chol, 8);
        const auto b = trained(data.view(), cg, 8);
        CHECK(b.loss() == Approx(a.loss()).epsilon(1e-4));
        const auto ma = a.model();
        const auto mb = b.model();
        const RowMatrix pa = ma.user_factors() * ma.item_factors().transpose();
        const RowMatrix pb = mb.user_factors() * mb.item_factors().transpose();
        CHECK(max_abs_diff(pa, pb) <= 1e-2);
    }
}

TEST_CASE("CG with cg_steps = 2 x factors matches Cholesky factors from the same seed (abs tol 1e-4, 1 and 8 "
          "iterations)",
          "[als]") {
    const auto data = random_interactions(200, 150, 1, 20, 0.1, 205);
    const auto chol = small_config(AlsSolver::cholesky);
    auto cg = small_config(AlsSolver::cg);
    cg.cg_steps = 2 * cg.factors;
    for (int iterations : {1, 8}) {
        INFO(iterations << " iterations");
        const auto a = trained(data.view(), chol, iterations).model();
        const auto b = trained(data.view(), cg, iterations).model();
        CHECK(max_abs_diff(a.user_factors(), b.user_factors()) <= 1e-4);
        CHECK(max_abs_diff(a.item_factors(), b.item_factors()) <= 1e-4);
    }
}

TEST_CASE("the Cholesky loss never increases across iterations (rel tol 1e-6)", "[als]") {
    const auto data = random_interactions(300, 200, 1, 25, 0.15, 206);
    const auto cfg = small_config(AlsSolver::cholesky);
    AlsTrainer t(data.view(), cfg);
    double previous = std::numeric_limits<double>::infinity();
    for (int i = 0; i < 12; ++i) {
        const double loss = t.step().loss;
        INFO("iteration " << i + 1 << ": " << loss << " after " << previous);
        REQUIRE(std::isfinite(loss));
        CHECK(loss <= previous * (1.0 + 1e-6));
        previous = loss;
    }
}

TEST_CASE("fold_in_courses of a training course reproduces its trained factors (abs tol 1e-5)", "[als]") {
    // The last half-step solved every course exactly against the final learner factors, so this
    // holds after any number of Cholesky iterations.
    const auto data = random_interactions(120, 60, 2, 12, 0.1, 207);
    const auto model = trained(data.view(), small_config(AlsSolver::cholesky, 6), 5).model();
    const auto course_learners = data.transpose();
    const RowMatrix folded = model.fold_in_courses(course_learners.view(), 1);
    CHECK(max_abs_diff(folded, model.item_factors()) <= 1e-5);
    // One course alone, by its row.
    const std::vector<index_t> one{17};
    const auto row = course_learners.select_rows(one);
    CHECK(max_abs_diff(model.fold_in_courses(row.view(), 1), model.item_factors().middleRows(17, 1)) <= 1e-5);
}

TEST_CASE("fold_in_learners of a training learner reproduces its factors after Cholesky training to convergence "
          "(abs tol 1e-4)",
          "[als]") {
    const auto data = random_interactions(120, 60, 2, 12, 0.1, 208);
    auto cfg = small_config(AlsSolver::cholesky, 6);
    cfg.regularization = 1.0f;  // a well-posed problem converges in few iterations
    AlsTrainer t(data.view(), cfg);
    double previous = t.loss();
    int iterations = 0;
    for (; iterations < 500; ++iterations) {  // until the loss is stable to 1e-10 relative
        const double loss = t.step().loss;
        if (std::abs(previous - loss) <= 1e-10 * std::abs(loss)) break;
        previous = loss;
    }
    INFO("converged after " << iterations << " iterations");
    const auto model = t.model();
    const RowMatrix folded = model.fold_in_learners(data.view(), 2);
    CHECK(max_abs_diff(folded, model.user_factors()) <= 1e-4);
    // Through the Model seam too: fold_in() returns the same embeddings.
    const auto q = model.fold_in(data.view(), 1);
    CHECK(q.count == 120);
    CHECK(max_abs_diff(q.embeddings, folded) <= 1e-6);
}

TEST_CASE("fold-in rejects rows of the wrong width and invalid rows", "[als]") {
    const auto data = random_interactions(30, 20, 1, 5, 0.0, 209);
    const auto model = trained(data.view(), small_config(AlsSolver::cg, 4), 1).model();
    const auto wide = random_interactions(2, 21, 1, 3, 0.0, 210);
    CHECK_THROWS_WITH(model.fold_in_learners(wide.view()), Contains("learner rows have 21 columns, the model has 20"));
    CHECK_THROWS_WITH(model.fold_in_courses(wide.view()), Contains("course rows have 21 columns, the model has 30"));
    const std::vector<offset_t> indptr{0, 1};
    const std::vector<index_t> indices{20};
    const std::vector<float> w{1.0f};
    const CsrView bad{1, 20, indptr, indices, w};
    CHECK_THROWS_WITH(model.fold_in_learners(bad), Contains("learner rows: row 0 has column index 20 outside [0, 20)"));
}

// ---- (e) determinism ----------------------------------------------------------------------------

TEST_CASE("the same seed on one thread trains bit-identical factors", "[als]") {
    const auto data = random_interactions(300, 200, 1, 20, 0.1, 211);
    for (auto solver : {AlsSolver::cg, AlsSolver::cholesky}) {
        const auto cfg = small_config(solver);
        const auto a = trained(data.view(), cfg, 3).model();
        const auto b = trained(data.view(), cfg, 3).model();
        CHECK(bit_identical(a.user_factors(), b.user_factors()));
        CHECK(bit_identical(a.item_factors(), b.item_factors()));
    }
}

TEST_CASE("the same seed trains identical factors on 1 and 2 threads", "[als]") {
    // More than 1024 learners and courses, so the Gram matrices are summed from several parts.
    const auto data = random_interactions(2500, 1300, 1, 12, 0.1, 212);
    for (auto solver : {AlsSolver::cg, AlsSolver::cholesky}) {
        INFO((solver == AlsSolver::cg ? "CG" : "Cholesky"));
        auto cfg = small_config(solver);
        cfg.calculate_loss = true;
        cfg.num_threads = 1;
        auto one = trained(data.view(), cfg, 2);
        cfg.num_threads = 2;
        auto two = trained(data.view(), cfg, 2);
        const auto a = one.model();
        const auto b = two.model();
        INFO("max |difference|: learners " << max_abs_diff(a.user_factors(), b.user_factors()) << ", courses "
                                            << max_abs_diff(a.item_factors(), b.item_factors()));
        CHECK(bit_identical(a.user_factors(), b.user_factors()));
        CHECK(bit_identical(a.item_factors(), b.item_factors()));
        // The loss is a sum in a fixed order, so it does not depend on the thread count either.
        CHECK(one.loss() == two.loss());
        // Nor do the fold-in Gram matrices.
        CHECK(bit_identical(a.fold_in_learners(data.view(), 1), b.fold_in_learners(data.view(), 2)));
    }
}

TEST_CASE("the loss is bit-identical across repeated runs on 2 threads", "[als]") {
    const auto data = random_interactions(3000, 300, 1, 10, 0.1, 213);
    const auto model = trained(data.view(), small_config(AlsSolver::cg), 1).model();
    auto cfg = small_config(AlsSolver::cg);
    cfg.num_threads = 2;
    const double first = detail::als_loss(model.user_factors(), model.item_factors(), data.view(), cfg);
    for (int i = 0; i < 5; ++i)
        CHECK(detail::als_loss(model.user_factors(), model.item_factors(), data.view(), cfg) == first);
}

TEST_CASE("different seeds train different factors", "[als]") {
    const auto data = random_interactions(100, 80, 1, 10, 0.0, 214);
    auto cfg = small_config(AlsSolver::cg);
    const auto a = trained(data.view(), cfg, 2).model();
    cfg.seed = 4321;
    const auto b = trained(data.view(), cfg, 2).model();
    CHECK(max_abs_diff(a.user_factors(), b.user_factors()) > 1e-3);
    CHECK(max_abs_diff(a.item_factors(), b.item_factors()) > 1e-3);
}

TEST_CASE("initial factors are uniform between 0 and 0.01 and depend only on the seed", "[als]") {
    const RowMatrix a = detail::als_init(50, 8, 99);
    CHECK(a.minCoeff() >= 0.0f);
    CHECK(a.maxCoeff() < 0.01f);
    CHECK(bit_identical(a, detail::als_init(50, 8, 99)));
    CHECK_FALSE(bit_identical(a, detail::als_init(50, 8, 100)));
}

// ---- (f) the callback ---------------------------------------------------------------------------

TEST_CASE("a callback returning false stops training after that iteration", "[als]") {
    const auto data = random_interactions(80, 50, 1, 10, 0.1, 215);
    auto cfg = small_config(AlsSolver::cg);
    cfg.iterations = 10;
    std::vector<IterationInfo> seen;
    const auto model = fit_als(data.view(), cfg, [&](const IterationInfo& info) {
        seen.push_back(info);
        return info.iteration < 3;
    });
    REQUIRE(seen.size() == 3);
    for (std::size_t i = 0; i < seen.size(); ++i) {
        CHECK(seen[i].iteration == static_cast<int>(i) + 1);
        CHECK(std::isfinite(seen[i].loss));
        CHECK(seen[i].seconds >= 0.0);
    }
    // The returned model is the one after exactly 3 iterations.
    const auto three = trained(data.view(), cfg, 3).model();
    CHECK(bit_identical(model.user_factors(), three.user_factors()));
    CHECK(bit_identical(model.item_factors(), three.item_factors()));
}

TEST_CASE("fit_als runs config.iterations iterations when the callback always continues", "[als]") {
    const auto data = random_interactions(40, 30, 1, 6, 0.0, 216);
    auto cfg = small_config(AlsSolver::cholesky, 4);
    cfg.iterations = 4;
    int calls = 0;
    const auto model = fit_als(data.view(), cfg, [&](const IterationInfo&) {
        ++calls;
        return true;
    });
    CHECK(calls == 4);
    CHECK(bit_identical(model.user_factors(), trained(data.view(), cfg, 4).model().user_factors()));
    cfg.iterations = 0;
    calls = 0;
    const auto untrained = fit_als(data.view(), cfg, [&](const IterationInfo&) {
        ++calls;
        return true;
    });
    CHECK(calls == 0);
    CHECK(untrained.item_factors().maxCoeff() < 0.01f);  // still the initial factors
}

// ---- (g) invalid configurations and inputs ------------------------------------------------------

TEST_CASE("invalid ALS configurations throw Error naming the setting", "[als]") {
    const auto data = random_interactions(10, 8, 1, 3, 0.0, 217);
    const auto expect_error = [&](AlsConfig cfg, const char* what) {
        INFO(what);
        CHECK_THROWS_WITH(AlsTrainer(data.view(), cfg), Contains(what));
        CHECK_THROWS_AS(fit_als(data.view(), cfg), Error);
        CHECK_THROWS_AS(cfg.validate(), Error);
    };
    AlsConfig c;
    c.factors = 0;
    expect_error(c, "factors must be positive");
    c = {};
    c.factors = -3;
    expect_error(c, "factors must be positive");
    c = {};
    c.regularization = -0.1f;
    expect_error(c, "regularization");
    c = {};
    c.regularization = std::numeric_limits<float>::quiet_NaN();
    expect_error(c, "regularization");
    c = {};
    c.alpha = 0.0f;
    expect_error(c, "alpha");
    c = {};
    c.alpha = -1.0f;
    expect_error(c, "alpha");
    c = {};
    c.alpha = std::numeric_limits<float>::infinity();
    expect_error(c, "alpha");
    c = {};
    c.iterations = -1;
    expect_error(c, "iterations");
    c = {};
    c.cg_steps = 0;
    expect_error(c, "cg_steps");
    c = {};
    c.num_threads = -1;
    expect_error(c, "num_threads");
    CHECK_NOTHROW(AlsConfig{}.validate());
}

TEST_CASE("AlsTrainer rejects an invalid interaction matrix", "[als]") {
    const std::vector<offset_t> indptr{0, 2};
    const std::vector<index_t> indices{0, 1};
    const std::vector<float> w{1.0f, 0.0f};
    const CsrView zero{1, 2, indptr, indices, w};
    CHECK_THROWS_WITH(AlsTrainer(zero, AlsConfig{}), Contains("interactions: row 0 column 1 has weight 0"));
}

TEST_CASE("AlsModel rejects factor matrices of different widths or with non-finite values", "[als]") {
    AlsConfig cfg;
    cfg.factors = 4;
    CHECK_THROWS_WITH(AlsModel(random_factors(3, 4, 1), random_factors(5, 3, 2), cfg),
                      Contains("learner factors have 4 columns but course factors 3"));
    RowMatrix bad = random_factors(5, 4, 3);
    bad(2, 1) = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_WITH(AlsModel(random_factors(3, 4, 1), bad, cfg), Contains("NaN or infinity"));
    cfg.alpha = 0.0f;
    CHECK_THROWS_AS(AlsModel(random_factors(3, 4, 1), random_factors(5, 4, 2), cfg), Error);
}

namespace {

/// A random row system: `courses` x d factors, a regularised Gram matrix, one row of `n` weights.
struct RandomRow {
    RowMatrix Y;
    Eigen::MatrixXf gram_reg;
    std::vector<index_t> indices;
    std::vector<float> weights;
    RandomRow(index_t d, index_t n, std::uint64_t seed, float negative_scale = 0.0f) {
        std::mt19937_64 rng(seed);
        std::uniform_real_distribution<float> u(-0.5f, 0.5f);
        Y.resize(3 * n + 5, d);
        for (Eigen::Index i = 0; i < Y.size(); ++i) Y.data()[i] = u(rng);
        gram_reg = Y.transpose() * Y;
        gram_reg.diagonal().array() += 0.1f;
        for (index_t j = 0; j < n; ++j) {
            indices.push_back(3 * j + 1);
            weights.push_back(j % 5 == 4 && negative_scale > 0.0f ? -negative_scale : 1.0f + static_cast<float>(j % 3));
        }
    }
    CsrRow row() const { return {indices, weights}; }
};

}  // namespace

TEST_CASE("the SIMD exact row solve matches Eigen's pivoting solve for every size and tail", "[als]") {
    for (index_t d : {1, 7, 16, 33, 64}) {
        const RandomRow h(d, 9, 100 + static_cast<std::uint64_t>(d));
        detail::AlsScratch s(d);
        Vector fast(d), reference(d);
        REQUIRE(detail::als_exact_row(fast.data(), h.Y.data(), d, h.gram_reg.data(), h.indices.data(),
                                      h.weights.data(), h.indices.size(), 3.0f, s.work.data()));
        detail::als_solve_exact_pivoting(reference, h.Y, h.gram_reg, h.row(), 3.0f, s);
        INFO("d = " << d);
        CHECK((fast - reference).norm() <= 1e-4f * (1.0f + reference.norm()));
    }
}

TEST_CASE("the exact row solve falls back to pivoting when negative feedback makes the system indefinite", "[als]") {
    const index_t d = 6;
    RandomRow h(d, 10, 7, 400.0f);
    // A tiny regularised Gram matrix and confidences c = alpha |w| < 1 make every (c - 1) negative:
    // A = 0.01 I - sum (1 - c) y y' is indefinite.
    h.gram_reg = 0.01f * Eigen::MatrixXf::Identity(d, d);
    detail::AlsScratch s(d);
    const float alpha = 1e-3f;
    Eigen::MatrixXf a = h.gram_reg;
    for (std::size_t j = 0; j < h.indices.size(); ++j)
        a.noalias() += (std::abs(alpha * h.weights[j]) - 1.0f) * (h.Y.row(h.indices[j]).transpose() * h.Y.row(h.indices[j]));
    REQUIRE(Eigen::LLT<Eigen::MatrixXf>(a).info() != Eigen::Success);  // the premise: not positive definite
    Vector x = Vector::Constant(d, 123.0f), reference(d);
    CHECK_FALSE(detail::als_exact_row(x.data(), h.Y.data(), d, h.gram_reg.data(), h.indices.data(),
                                      h.weights.data(), h.indices.size(), alpha, s.work.data()));
    CHECK(x == Vector::Constant(d, 123.0f));  // untouched on failure
    detail::als_solve_exact(x, h.Y, h.gram_reg, h.row(), alpha, s);
    detail::als_solve_exact_pivoting(reference, h.Y, h.gram_reg, h.row(), alpha, s);
    CHECK((x - reference).norm() <= 1e-5f * (1.0f + reference.norm()));
}

TEST_CASE("the SIMD conjugate gradient with d steps reaches the exact solution", "[als]") {
    for (index_t d : {3, 17, 32}) {
        const RandomRow h(d, 12, 300 + static_cast<std::uint64_t>(d));
        detail::AlsScratch s(d);
        Vector cg = Vector::Zero(d), exact(d);
        detail::als_solve_cg(cg, h.Y, h.gram_reg, h.row(), 2.0f, 2 * d, s);
        detail::als_solve_exact_pivoting(exact, h.Y, h.gram_reg, h.row(), 2.0f, s);
        INFO("d = " << d);
        CHECK((cg - exact).norm() <= 1e-3f * (1.0f + exact.norm()));
    }
}

TEST_CASE("the low-rank exact solve matches the direct solve for rows shorter than the factors", "[als]") {
    for (index_t d : {8, 31, 64}) {
        for (float alpha : {1.0f, 4.0f}) {  // alpha 1 with weights 1: every c - 1 is 0, the correction vanishes
            const RandomRow h(d, 5, 500 + static_cast<std::uint64_t>(d));
            const detail::AlsLowRank low_rank(h.gram_reg, h.Y, 1);
            REQUIRE(low_rank.usable);
            detail::AlsScratch s(d);
            Vector fast(d), reference(d);
            REQUIRE(detail::als_lowrank_row(fast.data(), low_rank.v.data(), d, low_rank.u.data(), h.indices.data(),
                                            h.weights.data(), h.indices.size(), alpha, s.work.data()));
            detail::als_solve_exact_pivoting(reference, h.Y, h.gram_reg, h.row(), alpha, s);
            INFO("d = " << d << ", alpha = " << alpha);
            CHECK((fast - reference).norm() <= 2e-4f * (1.0f + reference.norm()));
        }
    }
}

TEST_CASE("the low-rank exact solve declines rows with confidence below 1", "[als]") {
    const RandomRow h(8, 5, 9);
    const detail::AlsLowRank low_rank(h.gram_reg, h.Y, 1);
    detail::AlsScratch s(8);
    Vector x = Vector::Constant(8, 5.0f);
    CHECK_FALSE(detail::als_lowrank_row(x.data(), low_rank.v.data(), 8, low_rank.u.data(), h.indices.data(),
                                        h.weights.data(), h.indices.size(), 0.5f, s.work.data()));
    CHECK(x == Vector::Constant(8, 5.0f));
}

TEST_CASE("the unit-confidence solve matches the direct solve for rows of confidences 1", "[als]") {
    for (index_t d : {8, 31, 64}) {
        for (index_t n : {0, 5, 100}) {  // also rows longer than the factors
            RandomRow h(d, n, 700 + static_cast<std::uint64_t>(d + n));
            h.weights.assign(h.weights.size(), 1.0f);
            if (n > 1) h.weights[1] = -1.0f;  // a negative of confidence 1 only adds to nothing
            const detail::AlsLowRank low_rank(h.gram_reg, h.Y, 1, false);
            REQUIRE(low_rank.usable);
            detail::AlsScratch s(d);
            Vector fast(d), reference(d);
            REQUIRE(detail::als_unit_confidence_row(fast.data(), h.Y.data(), d, low_rank.u.data(), h.indices.data(),
                                                    h.weights.data(), h.indices.size(), 1.0f, s.work.data()));
            detail::als_solve_exact_pivoting(reference, h.Y, h.gram_reg, h.row(), 1.0f, s);
            INFO("d = " << d << ", n = " << n);
            CHECK((fast - reference).norm() <= 2e-4f * (1.0f + reference.norm()));
        }
    }
}

TEST_CASE("the unit-confidence solve declines rows with another confidence", "[als]") {
    const RandomRow h(8, 5, 11);  // weights 1, 2 and 3
    const detail::AlsLowRank low_rank(h.gram_reg, h.Y, 1, false);
    detail::AlsScratch s(8);
    Vector x = Vector::Constant(8, 5.0f);
    CHECK_FALSE(detail::als_unit_confidence_row(x.data(), h.Y.data(), 8, low_rank.u.data(), h.indices.data(),
                                                h.weights.data(), h.indices.size(), 1.0f, s.work.data()));
    CHECK(x == Vector::Constant(8, 5.0f));
}

TEST_CASE("an exact half-step copies the fixed factors only when a row has confidences above 1", "[als]") {
    // V (a copy of the fixed side's factors) is the low-rank solve's: unit confidences need none.
    const CsrMatrix binary =
        CsrMatrix::from_triplets(3, 4, std::vector<Triplet>{{0, 1, 1.0f}, {1, 2, 1.0f}, {1, 3, -1.0f}});
    CHECK_FALSE(detail::als_lowrank_needs_v(binary.view(), 1.0f, 8));
    CHECK(detail::als_lowrank_needs_v(binary.view(), 4.0f, 8));
    const CsrMatrix weighted = CsrMatrix::from_triplets(3, 4, std::vector<Triplet>{{0, 1, 1.0f}, {2, 0, 3.0f}});
    CHECK(detail::als_lowrank_needs_v(weighted.view(), 1.0f, 8));
    // A confidence below 1 in the row sends it to the direct solve.
    const CsrMatrix mixed = CsrMatrix::from_triplets(3, 4, std::vector<Triplet>{{2, 0, 3.0f}, {2, 1, 0.25f}});
    CHECK_FALSE(detail::als_lowrank_needs_v(mixed.view(), 1.0f, 8));
}

TEST_CASE("conjugate gradient on a block of rows follows each row's own solve", "[als]") {
    // 11 rows (a full block of 8 and a partial one of 3) with 0..10 entries each, including an
    // empty row, over 40 courses of dimension 19 (not a multiple of the SIMD width).
    const index_t d = 19, courses = 40, learners = 11;
    std::mt19937_64 rng(77);
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    RowMatrix Y(courses, d), X(learners, d);
    for (Eigen::Index i = 0; i < Y.size(); ++i) Y.data()[i] = u(rng);
    for (Eigen::Index i = 0; i < X.size(); ++i) X.data()[i] = u(rng);
    std::vector<Triplet> t;
    for (index_t l = 0; l < learners; ++l)
        for (index_t j = 0; j < l; ++j) t.push_back({l, (l * 7 + j * 3) % courses, j % 4 == 3 ? -1.0f : 2.0f});
    const CsrMatrix m = CsrMatrix::from_triplets(learners, courses, t);
    Eigen::MatrixXf gram_reg = Y.transpose() * Y;
    gram_reg.diagonal().array() += 0.05f;
    RowMatrix blocked = X, single = X;
    detail::AlsScratch s(d);
    for (index_t r0 = 0; r0 < learners; r0 += detail::kAlsCgBlock) {
        const index_t count = std::min<index_t>(detail::kAlsCgBlock, learners - r0);
        detail::als_cg_block(blocked.row(r0).data(), count, Y.data(), d, gram_reg.data(),
                             m.view().indptr.data() + r0, m.view().indices.data(), m.view().data.data(), 3.0f, 3,
                             s.work.data());
    }
    for (index_t l = 0; l < learners; ++l) {
        Eigen::Map<Vector> x(single.row(l).data(), d);
        detail::als_solve_cg(x, Y, gram_reg, m.row(l), 3.0f, 3, s);
    }
    for (index_t l = 0; l < learners; ++l) {
        INFO("row " << l);
        CHECK((blocked.row(l) - single.row(l)).norm() <= 1e-4f * (1.0f + single.row(l).norm()));
    }
}
