// The hybrid (ids + features) model: training, cold start on both sides, fold-in, gradients.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "learnrec/io/model_file.hpp"
#include "learnrec/model/hybrid.hpp"
#include "learnrec/retrieval/recommend.hpp"

using namespace learnrec;

namespace {

// Learners in 3 groups; learner u has features "group=u%3" (column u%3) and a noise feature
// (column 3 + u%4). Courses in 3 topics of 10 (topic column c/10) plus a format column (3 + c%2).
// Learners take courses of their group's topic.
constexpr index_t kLearners = 90, kCourses = 30;

CsrMatrix group_interactions(index_t learners = kLearners, std::uint64_t seed = 3) {
    std::mt19937_64 rng(seed);
    std::vector<Triplet> t;
    for (index_t u = 0; u < learners; ++u) {
        const index_t g = u % 3;
        for (int k = 0; k < 5; ++k) t.push_back({u, static_cast<index_t>(g * 10 + static_cast<index_t>(rng() % 10)), 1.0f});
    }
    return CsrMatrix::from_triplets(learners, kCourses, t);
}

CsrMatrix learner_features(index_t learners, index_t first = 0) {
    std::vector<Triplet> t;
    for (index_t r = 0; r < learners; ++r) {
        const index_t u = first + r;
        t.push_back({r, u % 3, 1.0f});
        t.push_back({r, 3 + u % 4, 1.0f});
    }
    return CsrMatrix::from_triplets(learners, 7, t);
}

CsrMatrix course_features(index_t courses, index_t first = 0) {
    std::vector<Triplet> t;
    for (index_t r = 0; r < courses; ++r) {
        const index_t c = first + r;
        t.push_back({r, (c / 10) % 3, 1.0f});
        t.push_back({r, 3 + c % 2, 1.0f});
    }
    return CsrMatrix::from_triplets(courses, 5, t);
}

HybridConfig small_config(HybridLoss loss = HybridLoss::warp) {
    HybridConfig c;
    c.factors = 8;
    c.iterations = 30;
    c.loss = loss;
    c.num_threads = 1;
    return c;
}

std::vector<float> scores_of(const RowMatrix& queries, const RowMatrix& courses) {
    RowMatrix s = queries * courses.transpose();
    return {s.data(), s.data() + s.size()};
}

double mean_score(const RowMatrix& learners, const RowMatrix& courses, index_t c0, index_t c1) {
    double sum = 0.0;
    for (Eigen::Index u = 0; u < learners.rows(); ++u)
        for (index_t c = c0; c < c1; ++c) sum += learners.row(u).dot(courses.row(c));
    return sum / static_cast<double>(learners.rows() * (c1 - c0));
}

}  // namespace

// ---- configuration and input checks ---------------------------------------------------------

TEST_CASE("hybrid config validation rejects each invalid value", "[hybrid]") {
    CHECK_NOTHROW(HybridConfig{}.validate());
    auto bad = [](auto mutate) {
        HybridConfig c;
        mutate(c);
        return c;
    };
    CHECK_THROWS_WITH(bad([](HybridConfig& c) { c.factors = 0; }).validate(), Catch::Contains("factors"));
    CHECK_THROWS_WITH(bad([](HybridConfig& c) { c.learning_rate = 0; }).validate(), Catch::Contains("learning_rate"));
    CHECK_THROWS_WITH(bad([](HybridConfig& c) { c.learning_rate = NAN; }).validate(), Catch::Contains("learning_rate"));
    CHECK_THROWS_WITH(bad([](HybridConfig& c) { c.user_alpha = -1; }).validate(), Catch::Contains("user_alpha"));
    CHECK_THROWS_WITH(bad([](HybridConfig& c) { c.item_alpha = INFINITY; }).validate(), Catch::Contains("item_alpha"));
    CHECK_THROWS_WITH(bad([](HybridConfig& c) { c.max_sampled = 0; }).validate(), Catch::Contains("max_sampled"));
    CHECK_THROWS_WITH(bad([](HybridConfig& c) { c.iterations = -1; }).validate(), Catch::Contains("iterations"));
    CHECK_THROWS_WITH(bad([](HybridConfig& c) { c.fold_in_epochs = -1; }).validate(), Catch::Contains("fold_in_epochs"));
    CHECK_THROWS_WITH(bad([](HybridConfig& c) { c.fold_in_regularization = -1; }).validate(),
                      Catch::Contains("fold_in_regularization"));
    CHECK_THROWS_WITH(bad([](HybridConfig& c) { c.num_threads = -2; }).validate(), Catch::Contains("num_threads"));
    CHECK_THROWS_WITH(bad([](HybridConfig& c) { c.loss = static_cast<HybridLoss>(7); }).validate(),
                      Catch::Contains("loss"));
}

TEST_CASE("hybrid training without ids needs features on that side", "[hybrid]") {
    const auto data = group_interactions();
    auto c = small_config();
    c.use_user_ids = false;
    CHECK_THROWS_WITH(fit_hybrid(data, nullptr, nullptr, c), Catch::Contains("learners have no representation"));
    c.use_user_ids = true;
    c.use_item_ids = false;
    CHECK_THROWS_WITH(fit_hybrid(data, nullptr, nullptr, c), Catch::Contains("courses have no representation"));
}

TEST_CASE("hybrid training rejects feature matrices with the wrong number of rows", "[hybrid]") {
    const auto data = group_interactions();
    const auto users = learner_features(kLearners - 1);
    const auto items = course_features(kCourses + 2);
    const CsrView uv = users, iv = items;
    CHECK_THROWS_WITH(fit_hybrid(data, &uv, nullptr, small_config()),
                      Catch::Contains("learner features have 89 rows") && Catch::Contains("90 learners"));
    CHECK_THROWS_WITH(fit_hybrid(data, nullptr, &iv, small_config()),
                      Catch::Contains("course features have 32 rows") && Catch::Contains("30 courses"));
}

TEST_CASE("hybrid training rejects NaN feature weights naming the matrix and entry", "[hybrid]") {
    const auto data = group_interactions();
    const auto users = learner_features(kLearners);
    std::vector<float> weights(users.data());
    weights[5] = NAN;
    const CsrView bad{users.rows(), users.cols(), users.indptr(), users.indices(), weights};
    CHECK_THROWS_WITH(fit_hybrid(data, &bad, nullptr, small_config()),
                      Catch::Contains("learner features") && Catch::Contains("non-finite"));
}

TEST_CASE("hybrid cold-start calls reject features of the wrong width or with NaN", "[hybrid]") {
    const auto data = group_interactions();
    const auto users = learner_features(kLearners);
    const auto items = course_features(kCourses);
    const CsrView uv = users, iv = items;
    const auto model = fit_hybrid(data, &uv, &iv, small_config());
    const auto wide = CsrMatrix::from_triplets(1, 8, std::vector<Triplet>{{0, 7, 1.0f}});
    CHECK_THROWS_WITH(model.learner_embeddings_from_features(wide), Catch::Contains("8 columns") &&
                                                                        Catch::Contains("7 features"));
    CHECK_THROWS_WITH(model.course_embeddings_from_features(wide), Catch::Contains("8 columns"));
    const std::vector<offset_t> indptr{0, 1};
    const std::vector<index_t> indices{0};
    const std::vector<float> nan{NAN};
    const CsrView nan_row{1, 7, indptr, indices, nan};
    CHECK_THROWS_WITH(model.learner_embeddings_from_features(nan_row), Catch::Contains("non-finite"));
    const auto rows = CsrMatrix::from_triplets(2, kCourses, std::vector<Triplet>{{0, 1, 1.0f}});
    const auto one = learner_features(1);
    const CsrView one_view = one;
    CHECK_THROWS_WITH(model.fold_in_learners(rows, &one_view), Catch::Contains("1 rows but 2 interaction rows"));
}

// ---- cold start ------------------------------------------------------------------------------

TEST_CASE("a learner known only by features gets finite deterministic scores favouring their group", "[hybrid]") {
    const auto data = group_interactions();
    const auto users = learner_features(kLearners);
    const CsrView uv = users;
    auto c = small_config();
    c.use_user_ids = false;
    const auto model = fit_hybrid(data, &uv, nullptr, c);
    // Six new learners (ids past the training ones), two of each group.
    const auto fresh = learner_features(6, kLearners);
    const RowMatrix a = model.learner_embeddings_from_features(fresh, 1);
    const RowMatrix b = model.learner_embeddings_from_features(fresh, 2);
    CHECK(a == b);
    const auto s = scores_of(a, model.item_factors());
    CHECK(std::all_of(s.begin(), s.end(), [](float v) { return std::isfinite(v); }));
    for (index_t r = 0; r < 6; ++r) {
        const index_t group = (kLearners + r) % 3;
        const auto begin = s.begin() + static_cast<std::ptrdiff_t>(r) * kCourses;
        const auto best = static_cast<index_t>(std::max_element(begin, begin + kCourses) - begin);
        CHECK(best / 10 == group);
    }
}

TEST_CASE("the same features give the same embedding as the training learner without ids", "[hybrid]") {
    const auto data = group_interactions();
    const auto users = learner_features(kLearners);
    const CsrView uv = users;
    auto c = small_config();
    c.use_user_ids = false;
    c.iterations = 5;
    const auto model = fit_hybrid(data, &uv, nullptr, c);
    const RowMatrix again = model.learner_embeddings_from_features(users);
    CHECK(again.isApprox(model.user_factors(), 1e-6f));
}

TEST_CASE("a course never seen in training is recommended from its features to the learners of its topic",
          "[hybrid]") {
    // Train on courses 0..28; course 29 (topic 2) arrives later with metadata only.
    auto full = group_interactions();
    std::vector<Triplet> t;
    for (index_t u = 0; u < full.rows(); ++u) {
        const auto row = full.row(u);
        for (std::size_t k = 0; k < row.size(); ++k)
            if (row.indices[k] < kCourses - 1) t.push_back({u, row.indices[k], 1.0f});
    }
    const auto train = CsrMatrix::from_triplets(kLearners, kCourses - 1, t);
    const auto items = course_features(kCourses - 1);
    const CsrView iv = items;
    auto c = small_config();
    c.use_item_ids = false;  // purely feature based courses: their topic carries the signal
    const auto model = fit_hybrid(train, nullptr, &iv, c);
    const auto added = model.with_courses(course_features(1, kCourses - 1));
    REQUIRE(added.num_courses() == kCourses);
    CHECK(added.trained_courses() == kCourses - 1);
    CHECK(added.item_factors().topRows(kCourses - 1) == model.item_factors());
    // Topic-2 learners get the new course in their top 10; the others do not.
    std::vector<index_t> learners(kLearners);
    std::iota(learners.begin(), learners.end(), 0);
    RecommendOptions options;
    options.k = 10;
    const auto top = recommend(added, learners, nullptr, options);
    int in_topic = 0, outside = 0;
    for (index_t u = 0; u < kLearners; ++u) {
        const auto ids = top.ids_of(u);
        const bool has = std::find(ids.begin(), ids.end(), kCourses - 1) != ids.end();
        (u % 3 == 2 ? in_topic : outside) += has ? 1 : 0;
    }
    CHECK(in_topic >= 27);  // of 30
    CHECK(outside == 0);
}

TEST_CASE("folding in interactions moves a learner toward those courses' neighbours", "[hybrid]") {
    const auto data = group_interactions();
    const auto users = learner_features(kLearners);
    const CsrView uv = users;
    auto c = small_config();
    c.use_user_ids = false;
    const auto model = fit_hybrid(data, &uv, nullptr, c);
    // A group-0 profile whose first enrolments are topic-1 courses 10 and 11.
    const auto profile = learner_features(1, 0);
    const CsrView pv = profile;
    const auto rows = CsrMatrix::from_triplets(1, kCourses, std::vector<Triplet>{{0, 10, 1.0f}, {0, 11, 1.0f}});
    const RowMatrix before = model.learner_embeddings_from_features(profile);
    const RowMatrix after = model.fold_in_learners(rows, &pv);
    // The neighbours: the other topic-1 courses 12..19 (never in the row).
    CHECK(mean_score(after, model.item_factors(), 12, 20) > mean_score(before, model.item_factors(), 12, 20) + 0.1);
    // Regularised toward the features: the group-0 courses are not forgotten entirely.
    CHECK(mean_score(after, model.item_factors(), 0, 10) > mean_score(after, model.item_factors(), 20, 30));
}

TEST_CASE("fold-in without features works on an id-only model through the Model seam", "[hybrid]") {
    const auto data = group_interactions();
    const auto model = fit_hybrid(data, nullptr, nullptr, small_config());
    const auto rows = CsrMatrix::from_triplets(1, kCourses, std::vector<Triplet>{{0, 20, 1.0f}, {0, 21, 1.0f}});
    const auto q = model.fold_in(rows, 1);
    REQUIRE(q.count == 1);
    const RowMatrix& x = q.embeddings;
    CHECK(x(0, model.config().factors) == 1.0f);
    CHECK(mean_score(x, model.item_factors(), 22, 30) > mean_score(x, model.item_factors(), 0, 20));
    // Deterministic per row, whatever the batch or threads.
    const auto batch = CsrMatrix::from_triplets(
        2, kCourses, std::vector<Triplet>{{0, 3, 1.0f}, {1, 20, 1.0f}, {1, 21, 1.0f}});
    const auto qb = model.fold_in(batch, 2);
    CHECK(qb.embeddings.row(1) == x.row(0));
}

TEST_CASE("an empty interaction row folds in to the features' embedding", "[hybrid]") {
    const auto data = group_interactions();
    const auto users = learner_features(kLearners);
    const CsrView uv = users;
    auto c = small_config();
    c.iterations = 3;
    const auto model = fit_hybrid(data, &uv, nullptr, c);
    const auto profile = learner_features(1, 4);
    const CsrView pv = profile;
    const CsrMatrix empty(1, kCourses);
    CHECK(model.fold_in_learners(empty, &pv) == model.learner_embeddings_from_features(profile));
}

// ---- training --------------------------------------------------------------------------------

TEST_CASE("hybrid training is deterministic with one thread", "[hybrid]") {
    const auto data = group_interactions();
    const auto users = learner_features(kLearners);
    const auto items = course_features(kCourses);
    const CsrView uv = users, iv = items;
    for (auto loss : {HybridLoss::warp, HybridLoss::bpr}) {
        auto c = small_config(loss);
        c.iterations = 5;
        const auto a = fit_hybrid(data, &uv, &iv, c);
        const auto b = fit_hybrid(data, &uv, &iv, c);
        CHECK(a.user_table() == b.user_table());
        CHECK(a.item_table() == b.item_table());
        c.seed = 43;
        CHECK(fit_hybrid(data, &uv, &iv, c).item_table() != a.item_table());
    }
}

TEST_CASE("releasing a hybrid trainer gives the model it would copy", "[hybrid]") {
    const auto data = group_interactions();
    const auto users = learner_features(kLearners);
    const auto items = course_features(kCourses);
    const CsrView uv = users, iv = items;
    auto c = small_config();
    c.iterations = 3;
    HybridTrainer trainer(data, &uv, &iv, c);
    for (int i = 0; i < c.iterations; ++i) trainer.step();
    const HybridModel copied = trainer.model();
    const HybridModel released = std::move(trainer).release();
    CHECK(released.user_factors() == copied.user_factors());
    CHECK(released.item_factors() == copied.item_factors());
    CHECK(released.user_table() == copied.user_table());
    CHECK(released.item_table() == copied.item_table());
    CHECK(released.trained_courses() == copied.trained_courses());
}

TEST_CASE("hybrid models with ids rank held-out courses of the learner's group first", "[hybrid]") {
    const auto data = group_interactions();
    for (auto loss : {HybridLoss::warp, HybridLoss::bpr}) {
        INFO((loss == HybridLoss::warp ? "warp" : "bpr"));
        auto c = small_config(loss);
        c.iterations = 40;
        const auto model = fit_hybrid(data, nullptr, nullptr, c);
        std::vector<index_t> learners(kLearners);
        std::iota(learners.begin(), learners.end(), 0);
        const CsrView history = data;
        RecommendOptions options;
        options.k = 3;
        const auto top = recommend(model, learners, &history, options);
        int right = 0;
        for (index_t u = 0; u < kLearners; ++u)
            for (auto id : top.ids_of(u)) right += id / 10 == u % 3 ? 1 : 0;
        CHECK(right >= static_cast<int>(0.9 * 3 * kLearners));
    }
}

TEST_CASE("hogwild training on two threads learns the groups too", "[hybrid]") {
    const auto data = group_interactions();
    const auto users = learner_features(kLearners);
    const CsrView uv = users;
    auto c = small_config();
    c.use_user_ids = false;
    c.num_threads = 2;
    const auto model = fit_hybrid(data, &uv, nullptr, c);
    const RowMatrix x = model.learner_embeddings_from_features(learner_features(3, 0));
    for (index_t g = 0; g < 3; ++g) {
        INFO("group " << g);
        CHECK(mean_score(x.row(g), model.item_factors(), g * 10, g * 10 + 10) >
              mean_score(x.row(g), model.item_factors(), ((g + 1) % 3) * 10, ((g + 1) % 3) * 10 + 10) + 0.5);
    }
}

TEST_CASE("the callback sees each epoch and can stop training", "[hybrid]") {
    const auto data = group_interactions();
    auto c = small_config();
    int seen = 0;
    const auto model = fit_hybrid(data, nullptr, nullptr, c, [&](const HybridIterationInfo& info) {
        CHECK(info.iteration == seen + 1);
        CHECK(info.samples > 0);
        CHECK((info.violations > 0.0 && info.violations <= 1.0));
        return ++seen < 4;
    });
    CHECK(seen == 4);
    CHECK(model.num_learners() == kLearners);
}

TEST_CASE("precomputed representations are the feature sums with the bias in the last column", "[hybrid]") {
    const auto data = group_interactions();
    const auto users = learner_features(kLearners);
    const auto items = course_features(kCourses);
    const CsrView uv = users, iv = items;
    auto c = small_config();
    c.iterations = 3;
    const auto m = fit_hybrid(data, &uv, &iv, c);
    const index_t f = c.factors;
    // Learner 5: id row 5 (weight 1/3), features 5%3 and 3+5%4 shifted past the 90 ids (1/3 each).
    Eigen::RowVectorXf x = (m.user_table().row(5) + m.user_table().row(kLearners + 2) +
                            m.user_table().row(kLearners + 4)) / 3.0f;
    CHECK(m.user_factors().row(5).head(f).isApprox(x, 1e-5f));
    CHECK(m.user_factors()(5, f) == 1.0f);
    // Course 17: id row 17, features 1 and 3 + 1 past the 30 ids.
    Eigen::RowVectorXf y = (m.item_table().row(17) + m.item_table().row(kCourses + 1) +
                            m.item_table().row(kCourses + 4)) / 3.0f;
    CHECK(m.item_factors().row(17).isApprox(y, 1e-5f));
}

// ---- gradients -------------------------------------------------------------------------------

namespace {

struct TinyCase {
    // Learner table: 3 rows x 3 factors; course table: 5 rows x (3 + bias).
    std::vector<double> user{0.1, -0.2, 0.3, 0.05, 0.4, -0.1, -0.3, 0.2, 0.15};
    std::vector<double> item{0.2, 0.1, -0.1, 0.05, -0.2, 0.3, 0.2, -0.1, 0.1, 0.1, 0.3, 0.2,
                             0.3, -0.1, 0.2, 0.0, 0.1, 0.2, -0.3, 0.1, -0.1, 0.05, 0.1, -0.05};
    // Rows: learner {0: 0.5, 2: 0.5}; positive course {0: 0.6, 3: 0.4}; negative {1: 0.7, 4: 0.3}.
    std::vector<index_t> u_ix{0, 2}, i_ix{0, 3}, j_ix{1, 4};
    std::vector<float> u_w{0.5f, 0.5f}, i_w{0.6f, 0.4f}, j_w{0.7f, 0.3f};
    double user_alpha = 0.1, item_alpha = 0.05;
    index_t courses = 20;
    int draws = 3;

    // The triple's loss plus the L2 terms of the touched rows, in double precision.
    double loss(HybridLoss kind, const std::vector<double>& u, const std::vector<double>& it) const {
        double x[3] = {0, 0, 0}, yi[4] = {0, 0, 0, 0}, yj[4] = {0, 0, 0, 0};
        for (std::size_t p = 0; p < 2; ++p)
            for (int k = 0; k < 3; ++k) x[k] += u_w[p] * u[static_cast<std::size_t>(u_ix[p] * 3 + k)];
        for (std::size_t p = 0; p < 2; ++p)
            for (int k = 0; k < 4; ++k) {
                yi[k] += i_w[p] * it[static_cast<std::size_t>(i_ix[p] * 4 + k)];
                yj[k] += j_w[p] * it[static_cast<std::size_t>(j_ix[p] * 4 + k)];
            }
        double si = yi[3], sj = yj[3];
        for (int k = 0; k < 3; ++k) {
            si += x[k] * yi[k];
            sj += x[k] * yj[k];
        }
        const double m = si - sj;
        double l = kind == HybridLoss::warp
                       ? std::log(std::floor(static_cast<double>(courses - 1) / draws)) * (1.0 - m)
                       : std::log1p(std::exp(-m));
        auto l2 = [](const std::vector<double>& t, std::size_t row, int width) {
            double s = 0;
            for (int k = 0; k < width; ++k) s += t[row * static_cast<std::size_t>(width) + static_cast<std::size_t>(k)] *
                                                 t[row * static_cast<std::size_t>(width) + static_cast<std::size_t>(k)];
            return s;
        };
        for (auto r : u_ix) l += user_alpha / 2 * l2(u, static_cast<std::size_t>(r), 3);
        for (auto r : i_ix) l += item_alpha / 2 * l2(it, static_cast<std::size_t>(r), 4);
        for (auto r : j_ix) l += item_alpha / 2 * l2(it, static_cast<std::size_t>(r), 4);
        return l;
    }
};

// One update from fresh Adagrad state (accumulators 1: a plain SGD step), divided by -lr, against
// central finite differences of TinyCase::loss.
void check_gradient(HybridLoss kind) {
    TinyCase tc;
    std::vector<float> user(tc.user.begin(), tc.user.end()), item(tc.item.begin(), tc.item.end());
    std::vector<float> user_acc(user.size(), 1.0f), item_acc(item.size(), 1.0f);
    const detail::HybridTables t{user.data(), user_acc.data(), item.data(), item_acc.data(), 3, 4, 3};
    const CsrRow u{tc.u_ix, tc.u_w}, i{tc.i_ix, tc.i_w}, j{tc.j_ix, tc.j_w};
    float x[3], yi[4], yj[4], scratch[8];
    detail::hybrid_sum_rows(u, user.data(), 3, 3, x);
    detail::hybrid_sum_rows(i, item.data(), 4, 4, yi);
    detail::hybrid_sum_rows(j, item.data(), 4, 4, yj);
    const float si = detail::hybrid_dot(x, yi, 3) + yi[3], sj = detail::hybrid_dot(x, yj, 3) + yj[3];
    float coefficient = 0;
    REQUIRE(detail::hybrid_coefficient(kind, si, sj, tc.courses, tc.draws, coefficient));
    const float lr = 1e-3f;
    detail::hybrid_apply(t, u, i, j, x, yi, yj, coefficient, lr, static_cast<float>(tc.user_alpha),
                         static_cast<float>(tc.item_alpha), scratch);
    const double eps = 1e-5;
    auto numeric = [&](std::vector<double> u0, std::vector<double> i0, bool on_user, std::size_t k) {
        auto& v = on_user ? u0 : i0;
        const double keep = v[k];
        v[k] = keep + eps;
        const double up = tc.loss(kind, u0, i0);
        v[k] = keep - eps;
        const double down = tc.loss(kind, u0, i0);
        return (up - down) / (2 * eps);
    };
    for (std::size_t k = 0; k < user.size(); ++k) {
        INFO("learner table entry " << k);
        const double analytic = (static_cast<double>(user[k]) - tc.user[k]) / -lr;
        CHECK(analytic == Approx(numeric(tc.user, tc.item, true, k)).margin(2e-4));
    }
    for (std::size_t k = 0; k < item.size(); ++k) {
        INFO("course table entry " << k);
        const double analytic = (static_cast<double>(item[k]) - tc.item[k]) / -lr;
        CHECK(analytic == Approx(numeric(tc.user, tc.item, false, k)).margin(2e-4));
    }
    // The reported loss is the triple's loss without the L2 terms.
    TinyCase no_l2 = tc;
    no_l2.user_alpha = no_l2.item_alpha = 0;
    CHECK(detail::hybrid_triple_loss(kind, si, sj, tc.courses, tc.draws) ==
          Approx(no_l2.loss(kind, tc.user, tc.item)).epsilon(1e-5));
}

}  // namespace

TEST_CASE("the WARP update follows the numerical gradient of its weighted hinge loss", "[hybrid]") {
    check_gradient(HybridLoss::warp);
}

TEST_CASE("the BPR update follows the numerical gradient of its log-sigmoid loss", "[hybrid]") {
    check_gradient(HybridLoss::bpr);
}

TEST_CASE("WARP skips a negative that does not violate the margin", "[hybrid]") {
    float c = -1.0f;
    CHECK_FALSE(detail::hybrid_coefficient(HybridLoss::warp, 2.0f, 0.5f, 100, 1, c));
    CHECK(detail::hybrid_coefficient(HybridLoss::warp, 2.0f, 1.5f, 100, 1, c));
    CHECK(c == Approx(std::log(99.0)));
    CHECK(detail::hybrid_coefficient(HybridLoss::warp, 2.0f, 1.5f, 100, 10, c));
    CHECK(c == Approx(std::log(9.0)));
}

// ---- model files -----------------------------------------------------------------------------

TEST_CASE("a hybrid model with features and added courses round-trips through model bytes", "[hybrid]") {
    const auto data = group_interactions();
    const auto users = learner_features(kLearners);
    const auto items = course_features(kCourses);
    const CsrView uv = users, iv = items;
    auto c = small_config(HybridLoss::bpr);
    c.iterations = 5;
    c.use_item_ids = false;
    const auto model = fit_hybrid(data, &uv, &iv, c).with_courses(course_features(2, 7));
    const auto loaded = detail::model_as<HybridModel>(from_bytes(to_bytes(model)), "hybrid");
    REQUIRE(loaded->num_courses() == kCourses + 2);
    CHECK(loaded->trained_courses() == kCourses);
    CHECK(loaded->user_features() == 7);
    CHECK(loaded->item_features() == 5);
    CHECK(loaded->config().loss == HybridLoss::bpr);
    CHECK_FALSE(loaded->config().use_item_ids);
    CHECK(loaded->user_table() == model.user_table());
    CHECK(loaded->item_table() == model.item_table());
    CHECK(loaded->item_factors() == model.item_factors());
    const auto fresh = learner_features(3, 11);
    CHECK(loaded->learner_embeddings_from_features(fresh) == model.learner_embeddings_from_features(fresh));
}

TEST_CASE("a hybrid model file whose tables disagree with its counts is refused", "[hybrid]") {
    const auto data = group_interactions();
    auto c = small_config();
    c.iterations = 1;
    const auto model = fit_hybrid(data, nullptr, nullptr, c);
    // A model claiming one learner feature more than its learner table has rows.
    CHECK_THROWS_WITH(HybridModel(model.user_factors(), model.item_factors(), model.user_table(), model.item_table(), 1,
                                  0, kCourses, c),
                      Catch::Contains("learner table is 90 x 8, expected 91 x 8"));
}

// ---- the least-squares variant ---------------------------------------------------------------

TEST_CASE("a hybrid model built from factors keeps every training learner's and course's factors", "[hybrid]") {
    std::mt19937_64 rng(5);
    std::normal_distribution<float> normal;
    RowMatrix users(kLearners, 4), items(kCourses, 4);
    for (Eigen::Index k = 0; k < users.size(); ++k) users.data()[k] = normal(rng);
    for (Eigen::Index k = 0; k < items.size(); ++k) items.data()[k] = normal(rng);
    const auto uf = learner_features(kLearners);
    const auto itf = course_features(kCourses);
    const CsrView uv = uf, iv = itf;
    HybridConfig c;
    c.factors = 4;
    const auto model = hybrid_from_factors(users, items, &uv, &iv, c, 0.5f);
    CHECK(model.user_factors().leftCols(4).isApprox(users, 1e-4f));
    CHECK(model.user_factors().col(4).isOnes());
    CHECK(model.item_factors().leftCols(4).isApprox(items, 1e-4f));
    CHECK(model.item_factors().col(4).isZero());
}

TEST_CASE("a hybrid model built from factors places new learners at the least-squares estimate", "[hybrid]") {
    // Factors that depend only on the learner's group: the features explain them exactly, so a
    // new learner's embedding from features is their group's factors.
    const RowMatrix group_factors = (RowMatrix(3, 2) << 1.0f, 0.0f, 0.0f, 1.0f, -1.0f, -1.0f).finished();
    RowMatrix users(kLearners, 2);
    for (index_t u = 0; u < kLearners; ++u) users.row(u) = group_factors.row(u % 3);
    RowMatrix items = RowMatrix::Ones(kCourses, 2);
    const auto uf = learner_features(kLearners);
    const CsrView uv = uf;
    HybridConfig c;
    c.factors = 2;
    c.use_user_ids = false;
    const auto model = hybrid_from_factors(users, items, &uv, nullptr, c, 1e-4f);
    const RowMatrix fresh = model.learner_embeddings_from_features(learner_features(3, 1000));
    for (index_t r = 0; r < 3; ++r) {
        INFO("new learner " << r);
        CHECK(fresh.row(r).head(2).isApprox(group_factors.row((1000 + r) % 3), 1e-3f));
    }
    CHECK_THROWS_WITH(hybrid_from_factors(users, items, &uv, nullptr, c, 0.0f), Catch::Contains("ridge"));
}
