// Incremental updates, forgetting learners, model metadata and reproducible model bytes (issue #21).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "learnrec/data/events.hpp"
#include "learnrec/io/forget.hpp"
#include "learnrec/io/model_file.hpp"
#include "learnrec/model/popularity.hpp"
#include "learnrec/model/update.hpp"
#include "test_support.hpp"

using namespace learnrec;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

AlsConfig exact_config(int threads = 1) {
    AlsConfig c;
    c.factors = 6;
    c.iterations = 4;
    c.regularization = 0.5f;
    c.alpha = 4.0f;
    c.solver = AlsSolver::cholesky;
    c.num_threads = threads;
    c.calculate_loss = false;
    return c;
}

CsrMatrix data(index_t learners = 60, index_t courses = 25, std::uint64_t seed = 7) {
    return test_support::random_interactions(learners, courses, 2, 9, 0.05, seed);
}

/// Rows [0, n) of m.
CsrMatrix head_rows(const CsrView& m, index_t n) {
    std::vector<index_t> pick(static_cast<std::size_t>(n));
    std::iota(pick.begin(), pick.end(), 0);
    return detail::select_rows(m, pick, m.cols);
}

/// max |a - b| relative to max |b| (solver tolerance).
double relative_gap(const Eigen::Ref<const RowMatrix>& a, const Eigen::Ref<const RowMatrix>& b) {
    return static_cast<double>((a - b).cwiseAbs().maxCoeff()) / std::max(1e-6, static_cast<double>(b.cwiseAbs().maxCoeff()));
}

std::vector<index_t> all_rows(index_t n) {
    std::vector<index_t> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), 0);
    return v;
}

IdMap ids(const char* prefix, index_t n) {
    std::vector<std::string> v;
    for (index_t i = 0; i < n; ++i) v.push_back(fmt::format("{}{:04}", prefix, i));
    return IdMap(std::move(v));
}

class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = fs::temp_directory_path() / fmt::format("learnrec-fresh-{:08x}{:08x}", rd(), rd());
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    fs::path operator/(const char* name) const { return path_ / name; }

private:
    fs::path path_;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

// ---- partial fit (ALS) -------------------------------------------------------------------------

TEST_CASE("a new learner's row from partial_fit equals fold-in", "[fresh]") {
    const CsrMatrix all = data();
    const CsrMatrix first = head_rows(all.view(), 59);
    const AlsModel model = fit_als(first.view(), exact_config());
    const std::vector<index_t> learner{59};
    const CsrMatrix row = detail::select_rows(all.view(), learner, all.cols());
    const AlsModel updated = als_partial_fit_learners(model, learner, row.view(), 1);
    REQUIRE(updated.num_learners() == 60);
    const RowMatrix folded = model.fold_in_learners(row.view(), 1);
    CHECK(updated.user_factors().row(59) == folded.row(0));
    CHECK(updated.user_factors().topRows(59) == model.user_factors());
    CHECK(updated.item_factors() == model.item_factors());
}

TEST_CASE("a learner re-solved by partial_fit equals the training half-step for that row", "[fresh]") {
    const CsrMatrix all = data();
    const AlsConfig config = exact_config();
    const AlsModel model = fit_als(all.view(), config);
    RowMatrix x = model.user_factors();
    detail::als_half_step(x, model.item_factors(), all.view(), config, true);
    const std::vector<index_t> some{3, 17, 42};
    const CsrMatrix rows = detail::select_rows(all.view(), some, all.cols());
    const AlsModel updated = als_partial_fit_learners(model, some, rows.view(), 2);
    for (index_t u : some) CHECK(relative_gap(updated.user_factors().row(u), x.row(u)) < 1e-4);
    CHECK(updated.user_factors().row(4) == model.user_factors().row(4));
}

TEST_CASE("a course re-solved by partial_fit equals a training half-step on the same data", "[fresh]") {
    const CsrMatrix all = data();
    const AlsConfig config = exact_config();
    const AlsModel model = fit_als(all.view(), config);
    const CsrMatrix item_users = CsrMatrix::transpose_of(all.view());
    RowMatrix y = model.item_factors();
    detail::als_half_step(y, model.user_factors(), item_users.view(), config, true);
    const std::vector<index_t> courses{0, 5, 24};
    const CsrMatrix columns = detail::select_columns(all.view(), courses, nullptr);
    const AlsModel updated = als_partial_fit_courses(model, courses, columns.view(), 1);
    for (index_t c : courses) CHECK(relative_gap(updated.item_factors().row(c), y.row(c)) < 1e-4);
    CHECK(updated.item_factors().row(1) == model.item_factors().row(1));
    CHECK(updated.user_factors() == model.user_factors());
}

TEST_CASE("partial_fit grows the tables for new indices, with zero rows for indices skipped", "[fresh]") {
    const CsrMatrix all = data();
    const AlsModel model = fit_als(all.view(), exact_config());
    const std::vector<index_t> learner{62};
    const CsrMatrix row = detail::select_rows(all.view(), std::vector<index_t>{0}, all.cols());
    const AlsModel grown = als_partial_fit_learners(model, learner, row.view(), 1);
    REQUIRE(grown.num_learners() == 63);
    CHECK(grown.user_factors().row(60).isZero());
    CHECK(grown.user_factors().row(61).isZero());
    CHECK(relative_gap(grown.user_factors().row(62), model.user_factors().row(0)) < 0.5);  // same data, near
}

TEST_CASE("partial_fit refuses duplicate and negative indices and mismatched rows", "[fresh]") {
    const CsrMatrix all = data();
    const AlsModel model = fit_als(all.view(), exact_config());
    const CsrMatrix two = detail::select_rows(all.view(), std::vector<index_t>{0, 1}, all.cols());
    CHECK_THROWS_WITH(als_partial_fit_learners(model, std::vector<index_t>{3, 3}, two.view()), Contains("given twice"));
    CHECK_THROWS_WITH(als_partial_fit_learners(model, std::vector<index_t>{-1, 3}, two.view()), Contains("negative"));
    CHECK_THROWS_WITH(als_partial_fit_learners(model, std::vector<index_t>{1}, two.view()), Contains("1 learner indices for 2 rows"));
}

TEST_CASE("the daily update adds new learners and courses and re-solves only those listed", "[fresh]") {
    const CsrMatrix all = data(60, 25);
    // Yesterday: 55 learners, 22 courses. Today: 5 new learners, 3 new courses, learner 7 active.
    std::vector<Triplet> old;
    for (index_t u = 0; u < 55; ++u) {
        const auto r = all.row(u);
        for (std::size_t k = 0; k < r.size(); ++k)
            if (r.indices[k] < 22) old.push_back({u, r.indices[k], r.weights[k]});
    }
    const CsrMatrix yesterday = CsrMatrix::from_triplets(55, 22, old);
    const AlsModel model = fit_als(yesterday.view(), exact_config());
    std::vector<index_t> learners{7, 55, 56, 57, 58, 59};
    std::vector<index_t> courses{22, 23, 24};
    for (index_t c : all.row(7).indices) if (c < 22) courses.push_back(c);
    std::sort(courses.begin(), courses.end());
    courses.erase(std::unique(courses.begin(), courses.end()), courses.end());
    const AlsModel today = als_partial_fit(model, all.view(), learners, courses, 2);
    REQUIRE(today.num_learners() == 60);
    REQUIRE(today.num_courses() == 25);
    CHECK(today.user_factors().row(8) == model.user_factors().row(8));
    for (index_t c = 0; c < 22; ++c)
        if (!std::binary_search(courses.begin(), courses.end(), c)) CHECK(today.item_factors().row(c) == model.item_factors().row(c));
    // A new course equals its fold-in against the updated learners.
    const AlsModel learners_only = als_partial_fit_learners(
        model, learners, detail::select_rows(all.view(), learners, 22).view(), 1);
    const CsrMatrix col = detail::select_columns(all.view(), std::vector<index_t>{23}, nullptr);
    CHECK(relative_gap(today.item_factors().row(23), learners_only.fold_in_courses(col.view(), 1)) < 1e-5);
    CHECK_THROWS_WITH(als_partial_fit(model, all.view(), std::vector<index_t>{7}, courses), Contains("list every new learner"));
}

TEST_CASE("partial_fit gives the same factors with 1, 2 and 3 threads", "[fresh]") {
    const CsrMatrix all = data();
    const AlsModel model = fit_als(head_rows(all.view(), 50).view(), exact_config());
    const auto learners = std::vector<index_t>{1, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59};
    const AlsModel a = als_partial_fit(model, all.view(), learners, all_rows(25), 1);
    for (int t : {2, 3}) CHECK(als_partial_fit(model, all.view(), learners, all_rows(25), t).item_factors() == a.item_factors());
}

// ---- hybrid ------------------------------------------------------------------------------------

TEST_CASE("a new hybrid learner gets the fold-in representation and an id row that reproduces it", "[fresh]") {
    const CsrMatrix all = data(40, 20);
    const CsrMatrix features = test_support::random_interactions(41, 6, 1, 3, 0.0, 9);
    const CsrMatrix train = head_rows(all.view(), 39);
    const CsrMatrix train_features = head_rows(features.view(), 39);
    HybridConfig c;
    c.factors = 4;
    c.iterations = 3;
    c.num_threads = 1;
    c.fold_in_epochs = 5;
    const CsrView tf = train_features.view();
    const HybridModel model = fit_hybrid(train.view(), &tf, nullptr, c);
    const std::vector<index_t> learner{39};
    const CsrMatrix row = detail::select_rows(all.view(), learner, all.cols());
    const CsrMatrix f = detail::select_rows(features.view(), learner, features.cols());
    const CsrView fv = f.view();
    const HybridModel updated = hybrid_partial_fit_learners(model, learner, row.view(), &fv, 1);
    REQUIRE(updated.num_learners() == 40);
    const RowMatrix folded = model.fold_in_learners(row.view(), &fv, 1);
    CHECK(updated.user_factors().row(39) == folded.row(0));
    // The tables represent the new learner as its representation, like a trained one.
    const CsrMatrix all_features = head_rows(features.view(), 40);
    const CsrView af = all_features.view();
    const CsrMatrix table_rows = detail::hybrid_table_rows(40, true, &af, c.normalize_features, "f");
    const RowMatrix from_tables = detail::hybrid_representations(table_rows, updated.user_table(), c.factors, true, 1);
    CHECK(relative_gap(from_tables.row(39), updated.user_factors().row(39)) < 1e-4);
    CHECK(relative_gap(from_tables.topRows(39), model.user_factors()) < 1e-4);
    CHECK_THROWS_WITH(hybrid_partial_fit_learners(model, std::vector<index_t>{41}, row.view(), &fv, 1), Contains("without a gap"));
}

// ---- forgetting --------------------------------------------------------------------------------

TEST_CASE("forgetting a learner removes their row and re-solves the courses they touched as on data without them", "[fresh]") {
    const CsrMatrix all = data();
    const AlsConfig config = exact_config();
    const AlsModel model = fit_als(all.view(), config);
    const index_t gone = 11;
    ForgetReport report;
    const AlsModel forgotten = als_forget_learners(model, all.view(), std::vector<index_t>{gone}, 1, &report);
    REQUIRE(forgotten.num_learners() == 59);
    CHECK(forgotten.user_factors().row(gone) == model.user_factors().row(gone + 1));
    // Oracle: a training half-step of the courses on the data without the learner.
    std::vector<index_t> keep;
    for (index_t u = 0; u < 60; ++u) if (u != gone) keep.push_back(u);
    const CsrMatrix without = detail::select_rows(all.view(), keep, all.cols());
    RowMatrix x(59, config.factors);
    for (std::size_t i = 0; i < keep.size(); ++i) x.row(static_cast<Eigen::Index>(i)) = model.user_factors().row(keep[i]);
    RowMatrix y = model.item_factors();
    detail::als_half_step(y, x, CsrMatrix::transpose_of(without.view()).view(), config, true);
    const auto touched = all.row(gone).indices;
    REQUIRE(report.courses_resolved.size() == touched.size());
    for (index_t c = 0; c < 25; ++c) {
        if (std::find(touched.begin(), touched.end(), c) != touched.end())
            CHECK(relative_gap(forgotten.item_factors().row(c), y.row(c)) < 1e-4);
        else
            CHECK(forgotten.item_factors().row(c) == model.item_factors().row(c));
    }
}

TEST_CASE("a forgotten learner's id is absent from the saved bytes and the cleaned event log", "[fresh]") {
    const CsrMatrix all = data();
    ModelBundle bundle;
    bundle.model = std::make_shared<const AlsModel>(fit_als(all.view(), exact_config()));
    bundle.learners = ids("L", 60);
    bundle.courses = ids("C", 25);
    Interactions training{all, bundle.learners, bundle.courses, {}};
    bundle.metadata.data_fingerprint = data_fingerprint(all.view(), bundle.learners, bundle.courses);
    const std::string secret = "L0023";
    CHECK(to_bytes(bundle).find(secret) != std::string::npos);
    const ForgetResult result = forget_learners(bundle, training, std::vector<std::string>{secret}, 1);
    CHECK(result.data_matches_fingerprint);
    const std::string bytes = to_bytes(result.bundle);
    CHECK(bytes.find(secret) == std::string::npos);
    const ModelBundle back = from_bytes(bytes);
    CHECK(back.learners.size() == 59);
    CHECK_FALSE(back.learners.find(secret).has_value());
    CHECK(back.metadata.data_fingerprint != bundle.metadata.data_fingerprint);
    REQUIRE(back.metadata.history.size() == 1);
    CHECK_THAT(back.metadata.history[0], Contains("1 learner(s) removed"));

    TempDir dir;
    EventLog log;
    add_event(log, "L0001", "C0001", LifecycleKind::enrolled, 1000);
    add_event(log, secret, "C0002", LifecycleKind::completed, 2000);
    add_event(log, "L0002", "C0002", LifecycleKind::rated, 3000, 4.0f);
    add_event(log, secret, "C0003", LifecycleKind::rated, 4000, 5.0f);
    write_events_csv(dir / "events.csv", log);
    CHECK(forget_in_log("events", dir / "events.csv", dir / "clean.csv", std::vector<std::string>{secret}) == 2);
    const std::string clean = slurp(dir / "clean.csv");
    CHECK(clean.find(secret) == std::string::npos);
    const EventLog back_log = read_events_csv(dir / "clean.csv");
    REQUIRE(back_log.events.size() == 2);
    CHECK(back_log.events[1].value == 4.0f);
    CHECK_THROWS_WITH(forget_in_log("push", dir / "events.csv", dir / "x.csv", std::vector<std::string>{secret}),
                      Contains("known: events"));
}

TEST_CASE("forgetting refuses unknown learners and model kinds it cannot re-solve", "[fresh]") {
    const CsrMatrix all = data();
    ModelBundle bundle{std::make_shared<const AlsModel>(fit_als(all.view(), exact_config())), ids("L", 60), ids("C", 25), {}};
    const Interactions training{all, bundle.learners, bundle.courses, {}};
    CHECK_THROWS_WITH(forget_learners(bundle, training, std::vector<std::string>{"nobody"}), Contains("nobody"));
    ModelBundle pop{std::make_shared<const PopularityModel>(PopularityModel::fit(all.view())), bundle.learners, bundle.courses, {}};
    CHECK_THROWS_WITH(forget_learners(pop, training, std::vector<std::string>{"L0001"}), Contains("retrain"));
}

// ---- metadata and reproducible bytes -----------------------------------------------------------

TEST_CASE("a model file records the learnrec version, trained-at, hyperparameters and data fingerprint", "[fresh]") {
    const CsrMatrix all = data();
    ModelBundle bundle{std::make_shared<const AlsModel>(fit_als(all.view(), exact_config())), ids("L", 60), ids("C", 25), {}};
    bundle.metadata.trained_at = format_utc(1780272000);
    bundle.metadata.data_fingerprint = data_fingerprint(all.view(), bundle.learners, bundle.courses);
    const ModelBundle back = from_bytes(to_bytes(bundle));
    CHECK(back.metadata.learnrec_version == learnrec_version());
    CHECK(back.metadata.trained_at == "2026-06-01T00:00:00Z");
    CHECK(back.metadata.data_fingerprint == bundle.metadata.data_fingerprint);
    CHECK_THAT(back.metadata.hyperparameters, Contains("\"factors\":6") && Contains("\"solver\":\"cholesky\""));
    CHECK_THAT(model_version(back), Catch::Matchers::StartsWith("als-") && Catch::Matchers::EndsWith("-20260601T000000Z"));
    CHECK(model_version(back) == model_version(bundle));
}

TEST_CASE("the data fingerprint changes with any weight or id and not otherwise", "[fresh]") {
    const CsrMatrix all = data();
    const auto a = data_fingerprint(all.view(), ids("L", 60), ids("C", 25));
    CHECK(a.rfind("sha1:", 0) == 0);
    CHECK(a.size() == 45);
    CHECK(data_fingerprint(data().view(), ids("L", 60), ids("C", 25)) == a);
    CHECK(data_fingerprint(all.view(), ids("M", 60), ids("C", 25)) != a);
    std::vector<float> w(all.data().begin(), all.data().end());
    w[5] += 1.0f;
    const CsrMatrix changed(all.rows(), all.cols(), all.indptr(), all.indices(), w);
    CHECK(data_fingerprint(changed.view(), ids("L", 60), ids("C", 25)) != a);
}

TEST_CASE("a version 1 model file from an older learnrec still loads, without metadata", "[fresh]") {
    // Written by learnrec before model metadata (a copy of the fuzz corpus seed, kept fixed here).
    const fs::path old = fs::path(LEARNREC_TEST_DATA_DIR) / "models" / "als_ids_format_v1.lrm";
    const std::string bytes = slurp(old);
    REQUIRE(bytes.size() > model_file_header_size);
    REQUIRE(bytes[8] == 1);  // format version 1
    const ModelBundle b = load(old);
    CHECK(b.model->kind() == "als");
    CHECK(b.metadata.learnrec_version.empty());
    CHECK(b.metadata.data_fingerprint.empty());
    CHECK_THAT(model_version(b), Catch::Matchers::EndsWith("-unknown"));
    // Re-saved, it is a version 2 file that records this learnrec and the hyperparameters.
    const ModelBundle again = from_bytes(to_bytes(b));
    CHECK(again.metadata.learnrec_version == learnrec_version());
}

TEST_CASE("the same data and seed give the same model bytes with 1, 2 and 3 threads", "[fresh]") {
    const CsrMatrix all = data(300, 80, 3);
    for (const auto solver : {AlsSolver::cg, AlsSolver::cholesky}) {
        std::string first;
        for (int threads : {1, 2, 3}) {
            AlsConfig c = exact_config(threads);
            c.solver = solver;
            c.factors = 12;
            ModelBundle b{std::make_shared<const AlsModel>(fit_als(all.view(), c)), ids("L", 300), ids("C", 80), {}};
            b.metadata.trained_at = "2026-06-01T00:00:00Z";
            b.metadata.data_fingerprint = data_fingerprint(all.view(), b.learners, b.courses);
            const std::string bytes = to_bytes(b);
            if (first.empty()) first = bytes;
            INFO("threads " << threads);
            CHECK(bytes == first);
        }
    }
}
