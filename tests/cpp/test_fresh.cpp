// Incremental updates, forgetting learners, model metadata and reproducible model bytes (issue #21).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "learnrec/campaign/push_log.hpp"
#include "learnrec/data/events.hpp"
#include "learnrec/io/forget.hpp"
#include "learnrec/io/model_file.hpp"
#include "learnrec/model/daily_update.hpp"
#include "learnrec/model/popularity.hpp"
#include "learnrec/model/update.hpp"
#include "fresh_support.hpp"
#include "test_support.hpp"

using namespace learnrec;
using namespace fresh_support;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

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
    const CsrMatrix course_learners = CsrMatrix::transpose_of(all.view());
    RowMatrix y = model.item_factors();
    detail::als_half_step(y, model.user_factors(), course_learners.view(), config, true);
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

// ---- the daily updater -------------------------------------------------------------------------

TEST_CASE("the daily updater solves a changed learner as its fold-in against the courses", "[fresh][daily]") {
    const CsrMatrix all = data();
    const AlsModel model = fit_als(all.view(), exact_config());
    AlsDailyUpdater updater(model, all.view(), 1);
    const CsrMatrix today = with_row(all.view(), 9, {{1, 1.0f}, {4, 2.0f}, {20, 1.0f}}, all.cols());
    const std::vector<index_t> who{9};
    const CsrMatrix row = detail::select_rows(today.view(), who, today.cols());
    updater.update(who, row.view());
    CHECK(relative_gap(updater.user_factors().row(9), model.fold_in_learners(row.view(), 1)) < 1e-4);
    CHECK(updater.user_factors().row(10) == model.user_factors().row(10));
}

TEST_CASE("the daily updater re-solves exactly the courses whose column changed, as a half-step on that column",
          "[fresh][daily]") {
    const CsrMatrix all = data();
    const AlsModel model = fit_als(all.view(), exact_config());
    AlsDailyUpdater updater(model, all.view(), 2);
    // Learner u keeps its first course as it was, re-weights its second, drops the rest and adds 21.
    index_t u = 0;
    while (all.row(u).size() < 3) ++u;
    const auto old = all.row(u);
    std::vector<std::pair<index_t, float>> row{{old.indices[0], old.weights[0]}, {old.indices[1], old.weights[1] + 1.0f}};
    const bool had21 = std::find(old.indices.begin(), old.indices.end(), 21) != old.indices.end();
    if (!had21) row.emplace_back(21, 1.0f);
    const CsrMatrix today = with_row(all.view(), u, row, all.cols());
    const std::vector<index_t> who{u};
    const auto stats = updater.update(who, detail::select_rows(today.view(), who, today.cols()).view());
    std::vector<index_t> expected{old.indices[1]};
    for (std::size_t k = 2; k < old.size(); ++k) expected.push_back(old.indices[k]);
    if (!had21) expected.push_back(21);
    std::sort(expected.begin(), expected.end());
    CHECK(stats.courses_solved == static_cast<index_t>(expected.size()));
    // The oracle: a training half-step of those columns of today's data against the updated learners.
    const AlsModel learners_now(updater.user_factors(), model.item_factors(), model.config());
    const CsrMatrix columns = detail::select_columns(today.view(), expected, nullptr);
    const RowMatrix half_step = learners_now.fold_in_courses(columns.view(), 1);
    for (std::size_t k = 0; k < expected.size(); ++k)
        CHECK(relative_gap(updater.item_factors().row(expected[k]), half_step.row(static_cast<Eigen::Index>(k))) < 1e-4);
    CHECK(updater.item_factors().row(old.indices[0]) == model.item_factors().row(old.indices[0]));
}

TEST_CASE("the daily updater stays exact over many days and agrees with als_partial_fit", "[fresh][daily]") {
    const CsrMatrix all = data(80, 30, 11);
    const CsrMatrix first = head_rows(all.view(), 50);
    AlsModel reference = fit_als(first.view(), exact_config());
    AlsDailyUpdater updater(reference, first.view(), 1);
    CsrMatrix current = first;
    // Day d brings learners 50 + 6d .. 50 + 6d + 5 (new) and re-weights learner d.
    for (index_t day = 0; day < 5; ++day) {
        std::vector<index_t> who{day};
        for (index_t u = 50 + 6 * day; u < 56 + 6 * day; ++u) who.push_back(u);
        std::vector<std::pair<index_t, float>> row;
        const auto r = current.row(day);
        for (std::size_t k = 0; k < r.size(); ++k) row.emplace_back(r.indices[k], r.weights[k] * 2.0f);
        CsrMatrix next = with_row(current.view(), day, row, all.cols());
        std::vector<Triplet> t;
        for (index_t u = 0; u < next.rows(); ++u)
            for (std::size_t k = 0; k < next.row(u).size(); ++k) t.push_back({u, next.row(u).indices[k], next.row(u).weights[k]});
        for (index_t u = 56 + 6 * day - 6; u < 56 + 6 * day; ++u)
            for (std::size_t k = 0; k < all.row(u).size(); ++k) t.push_back({u, all.row(u).indices[k], all.row(u).weights[k]});
        next = CsrMatrix::from_triplets(56 + 6 * day, all.cols(), t);
        const CsrMatrix rows = detail::select_rows(next.view(), who, next.cols());
        const auto stats = updater.update(who, rows.view());
        std::vector<index_t> changed;
        for (const auto& tr : t)
            if (tr.row == day || tr.row >= 50 + 6 * day) changed.push_back(tr.col);
        std::sort(changed.begin(), changed.end());
        changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
        CHECK(stats.courses_solved == static_cast<index_t>(changed.size()));
        reference = als_partial_fit(reference, next.view(), who, changed, 1);
        current = std::move(next);
    }
    const AlsModel updated = updater.model();
    REQUIRE(updated.num_learners() == 80);
    CHECK(relative_gap(updated.user_factors(), reference.user_factors()) < 1e-4);
    CHECK(relative_gap(updated.item_factors(), reference.item_factors()) < 1e-4);
}

TEST_CASE("the daily updater adds new courses from the learners who took them and keeps others untouched",
          "[fresh][daily]") {
    const CsrMatrix all = data(60, 25);
    std::vector<Triplet> t;
    for (index_t u = 0; u < 60; ++u)
        for (std::size_t k = 0; k < all.row(u).size(); ++k)
            if (all.row(u).indices[k] < 22) t.push_back({u, all.row(u).indices[k], all.row(u).weights[k]});
    const CsrMatrix yesterday = CsrMatrix::from_triplets(60, 22, t);
    const AlsModel model = fit_als(yesterday.view(), exact_config());
    AlsDailyUpdater updater(model, yesterday.view(), 1);
    std::vector<index_t> who;
    for (index_t u = 0; u < 60; ++u)
        for (index_t c : all.row(u).indices)
            if (c >= 22) {
                who.push_back(u);
                break;
            }
    const auto stats = updater.update(who, detail::select_rows(all.view(), who, all.cols()).view());
    CHECK(stats.courses_added == 3);
    CHECK(updater.num_courses() == 25);
    const AlsModel learners_now(updater.user_factors(), RowMatrix(updater.item_factors().topRows(22)), model.config());
    const CsrMatrix col = detail::select_columns(all.view(), std::vector<index_t>{23}, nullptr);
    CHECK(relative_gap(updater.item_factors().row(23), learners_now.fold_in_courses(col.view(), 1)) < 1e-4);
}

TEST_CASE("the daily updater's course equations kept through rank-k updates equal those rebuilt from the data",
          "[fresh][daily]") {
    const CsrMatrix all = data(80, 30, 11);
    const CsrMatrix first = head_rows(all.view(), 50);
    const AlsModel model = fit_als(first.view(), exact_config());
    AlsDailyUpdater kept(model, first.view(), 2);
    // Day 1: learners 50..59 arrive. Day 2: learner 2 drops its first course and doubles the
    // rest, learner 7 is given with its row unchanged, learners 60..79 arrive.
    std::vector<index_t> day1(10);
    std::iota(day1.begin(), day1.end(), 50);
    kept.update(day1, detail::select_rows(all.view(), day1, all.cols()).view());
    std::vector<Triplet> t;
    for (index_t u = 0; u < 80; ++u) {
        const auto r = all.row(u);
        for (std::size_t k = 0; k < r.size(); ++k) {
            if (u == 2 && k == 0) continue;
            t.push_back({u, r.indices[k], u == 2 ? 2.0f * r.weights[k] : r.weights[k]});
        }
    }
    const CsrMatrix current = CsrMatrix::from_triplets(80, all.cols(), t);
    std::vector<index_t> day2{2, 7};
    for (index_t u = 60; u < 80; ++u) day2.push_back(u);
    kept.update(day2, detail::select_rows(current.view(), day2, current.cols()).view());

    // Oracle: an updater built from scratch on the same factors and the current data; solving
    // every course from both sets of equations must agree.
    AlsDailyUpdater rebuilt(kept.model(), current.view(), 1);
    const CsrMatrix none(0, current.cols());
    const std::vector<index_t> every = all_rows(current.cols());
    kept.update({}, none.view(), every);
    rebuilt.update({}, none.view(), every);
    CHECK(relative_gap(kept.item_factors(), rebuilt.item_factors()) < 1e-5);
    CHECK(kept.user_factors() == rebuilt.user_factors());
}

TEST_CASE("the daily updater keeps a learner whose row did not change as they were", "[fresh][daily]") {
    const CsrMatrix all = data();
    const AlsModel model = fit_als(all.view(), exact_config());
    AlsDailyUpdater updater(model, all.view(), 1);
    const std::vector<index_t> who{3, 9};
    const auto stats = updater.update(who, detail::select_rows(all.view(), who, all.cols()).view());
    CHECK(stats.learners_solved == 0);
    CHECK(stats.courses_solved == 0);
    CHECK(updater.user_factors() == model.user_factors());
    CHECK(updater.item_factors() == model.item_factors());
}

TEST_CASE("a course whose learner moved on days 1 and 2 and that is solved on day 3 equals the half-step on its column",
          "[fresh][daily]") {
    const CsrMatrix all = data();
    const AlsModel model = fit_als(all.view(), exact_config());
    AlsDailyUpdater updater(model, all.view(), 1);
    // Learner u keeps course c and adds a course on days 1 and 2: c's column does not change, so c
    // is not solved, but its equations must follow u's new factors.
    index_t u = 0;
    while (all.row(u).size() < 2) ++u;
    const index_t c = all.row(u).indices[0];
    std::vector<std::pair<index_t, float>> row;
    for (std::size_t k = 0; k < all.row(u).size(); ++k) row.emplace_back(all.row(u).indices[k], all.row(u).weights[k]);
    CsrMatrix current = all;
    for (int day = 1; day <= 2; ++day) {
        index_t added = 0;
        while (std::any_of(row.begin(), row.end(), [&](const auto& p) { return p.first == added; })) ++added;
        row.emplace_back(added, 1.0f);
        current = with_row(current.view(), u, row, all.cols());
        const std::vector<index_t> who{u};
        REQUIRE(updater.update(who, detail::select_rows(current.view(), who, current.cols()).view()).learners_solved == 1);
        CHECK(updater.item_factors().row(c) == model.item_factors().row(c));
    }
    // Day 3: another learner of c re-weights it, and c is solved.
    index_t v = u + 1;
    while (v < all.rows() && !std::binary_search(all.row(v).indices.begin(), all.row(v).indices.end(), c)) ++v;
    REQUIRE(v < all.rows());
    std::vector<std::pair<index_t, float>> vrow;
    for (std::size_t k = 0; k < all.row(v).size(); ++k)
        vrow.emplace_back(all.row(v).indices[k], all.row(v).weights[k] + (all.row(v).indices[k] == c ? 1.0f : 0.0f));
    current = with_row(current.view(), v, vrow, all.cols());
    const std::vector<index_t> who{v};
    updater.update(who, detail::select_rows(current.view(), who, current.cols()).view());
    // The oracle: a training half-step of c's column of the current data against the current learners.
    const AlsModel learners_now(updater.user_factors(), model.item_factors(), model.config());
    const CsrMatrix column = detail::select_columns(current.view(), std::vector<index_t>{c}, nullptr);
    CHECK(relative_gap(updater.item_factors().row(c), learners_now.fold_in_courses(column.view(), 1)) < 1e-4);
    // Every course's kept equations equal those rebuilt from the data.
    AlsDailyUpdater rebuilt(updater.model(), current.view(), 1);
    const CsrMatrix none(0, current.cols());
    const std::vector<index_t> every = all_rows(current.cols());
    updater.update({}, none.view(), every);
    rebuilt.update({}, none.view(), every);
    CHECK(relative_gap(updater.item_factors(), rebuilt.item_factors()) < 1e-5);
}

TEST_CASE("publishing refuses learner factors that an update made non-finite", "[fresh][daily]") {
    const CsrMatrix all = data();
    const AlsModel model = fit_als(all.view(), exact_config());
    AlsDailyUpdater updater(model, all.view(), 1);
    // alpha x 3e38 overflows the confidence to infinity.
    const CsrMatrix today = with_row(all.view(), 9, {{1, 3e38f}, {4, 1.0f}}, all.cols());
    const std::vector<index_t> who{9};
    updater.update(who, detail::select_rows(today.view(), who, today.cols()).view());
    CHECK_THROWS_WITH(updater.model(), Contains("NaN or infinity"));
}

TEST_CASE("for a CG-trained model the daily updater re-solves a changed learner as the CG half-step from their row",
          "[fresh][daily]") {
    const CsrMatrix all = data();
    const AlsModel model = fit_als(all.view(), cg_config());
    AlsDailyUpdater updater(model, all.view(), 1);
    const CsrMatrix today = with_row(all.view(), 9, {{1, 1.0f}, {4, 2.0f}, {20, 1.0f}}, all.cols());
    const std::vector<index_t> who{9};
    const CsrMatrix row = detail::select_rows(today.view(), who, today.cols());
    updater.update(who, row.view());
    const Eigen::RowVectorXf oracle = cg_half_step(model.item_factors(), today.row(9), model.user_factors().row(9),
                                                   model.config());
    CHECK(relative_gap(updater.user_factors().row(9), oracle) < 1e-4);
    // Not the exact solve: three CG steps from the trained row stop short of it.
    CHECK(relative_gap(updater.user_factors().row(9), model.fold_in_learners(row.view(), 1)) > 1e-6);
}

TEST_CASE("for a CG-trained model the daily updater re-solves a changed course as the CG half-step on its column",
          "[fresh][daily]") {
    const CsrMatrix all = data();
    const AlsModel model = fit_als(all.view(), cg_config());
    AlsDailyUpdater updater(model, all.view(), 1);
    index_t u = 0;
    while (all.row(u).size() < 2) ++u;
    const auto old = all.row(u);
    std::vector<std::pair<index_t, float>> row;
    for (std::size_t k = 0; k < old.size(); ++k) row.emplace_back(old.indices[k], old.weights[k]);
    row[0].second += 2.0f;
    const CsrMatrix today = with_row(all.view(), u, row, all.cols());
    const std::vector<index_t> who{u};
    const auto stats = updater.update(who, detail::select_rows(today.view(), who, today.cols()).view());
    REQUIRE(stats.courses_solved == 1);
    const index_t c = old.indices[0];
    const CsrMatrix column = detail::select_columns(today.view(), std::vector<index_t>{c}, nullptr);
    const Eigen::RowVectorXf oracle = cg_half_step(updater.user_factors(), column.row(0), model.item_factors().row(c),
                                                   model.config());
    CHECK(relative_gap(updater.item_factors().row(c), oracle) < 1e-4);
}

TEST_CASE("with factors spanning several packed blocks the daily updater re-solves a changed course as the CG "
          "half-step on its column", "[fresh][daily]") {
    const CsrMatrix all = data();
    AlsConfig c = cg_config();
    c.factors = 37;  // three 16-wide blocks of the kept equations, the last one padded
    const AlsModel model = fit_als(all.view(), c);
    AlsDailyUpdater updater(model, all.view(), 1);
    index_t u = 0;
    while (all.row(u).size() < 2) ++u;
    const auto old = all.row(u);
    std::vector<std::pair<index_t, float>> row;
    for (std::size_t k = 0; k < old.size(); ++k) row.emplace_back(old.indices[k], old.weights[k]);
    row[0].second += 2.0f;
    const CsrMatrix today = with_row(all.view(), u, row, all.cols());
    const std::vector<index_t> who{u};
    REQUIRE(updater.update(who, detail::select_rows(today.view(), who, today.cols()).view()).courses_solved == 1);
    const index_t course = old.indices[0];
    const CsrMatrix column = detail::select_columns(today.view(), std::vector<index_t>{course}, nullptr);
    const Eigen::RowVectorXf oracle = cg_half_step(updater.user_factors(), column.row(0),
                                                   model.item_factors().row(course), model.config());
    CHECK(relative_gap(updater.item_factors().row(course), oracle) < 1e-4);
}

TEST_CASE("for a CG-trained model a new learner's row from the daily updater equals fold-in", "[fresh][daily]") {
    const CsrMatrix all = data();
    const CsrMatrix first = head_rows(all.view(), 50);
    const AlsModel model = fit_als(first.view(), cg_config());
    AlsDailyUpdater updater(model, first.view(), 1);
    const std::vector<index_t> who{50};
    const CsrMatrix row = detail::select_rows(all.view(), who, all.cols());
    updater.update(who, row.view());
    CHECK(relative_gap(updater.user_factors().row(50), model.fold_in_learners(row.view(), 1)) < 1e-4);
}

TEST_CASE("for a CG-trained model a day of many new learners (the Woodbury factor then pays) equals their fold-in",
          "[fresh][daily]") {
    // One new learner is solved directly, many through the Woodbury identity (woodbury_pays: at 6
    // factors the rows of 2 courses qualify, about 20 of these 160, against 25 courses): both must
    // be the fold-in.
    const CsrMatrix all = data(200, 25, 5);
    const CsrMatrix first = head_rows(all.view(), 40);
    const AlsModel model = fit_als(first.view(), cg_config());
    AlsDailyUpdater updater(model, first.view(), 1);
    std::vector<index_t> who(160);
    std::iota(who.begin(), who.end(), 40);
    const CsrMatrix rows = detail::select_rows(all.view(), who, all.cols());
    updater.update(who, rows.view());
    CHECK(relative_gap(updater.user_factors().bottomRows(160), model.fold_in_learners(rows.view(), 1)) < 1e-4);
}

TEST_CASE("the daily updater gives the same factors with 1, 2 and 3 threads", "[fresh][daily]") {
    const CsrMatrix all = data();
    const CsrMatrix first = head_rows(all.view(), 50);
    const AlsModel model = fit_als(first.view(), exact_config());
    const std::vector<index_t> who{1, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59};
    const CsrMatrix rows = detail::select_rows(all.view(), who, all.cols());
    AlsDailyUpdater one(model, first.view(), 1);
    one.update(who, rows.view());
    for (int threads : {2, 3}) {
        AlsDailyUpdater many(model, first.view(), threads);
        many.set_serial_below_flops(0);  // this day is small: without it every region would run on one thread
        many.update(who, rows.view());
        CHECK(many.user_factors() == one.user_factors());
        CHECK(many.item_factors() == one.item_factors());
    }
}

TEST_CASE("the daily updater refuses bad indices and leaves itself unchanged", "[fresh][daily]") {
    const CsrMatrix all = data();
    const AlsModel model = fit_als(all.view(), exact_config());
    AlsDailyUpdater updater(model, all.view(), 1);
    const CsrMatrix two = detail::select_rows(all.view(), std::vector<index_t>{1, 2}, all.cols());
    CHECK_THROWS_WITH(updater.update(std::vector<index_t>{1, 1}, two.view()), Contains("given twice"));
    CHECK_THROWS_WITH(updater.update(std::vector<index_t>{1}, two.view()), Contains("1 learner indices for 2 rows"));
    CHECK_THROWS_WITH(updater.update(std::vector<index_t>{1, 2}, two.view(), std::vector<index_t>{99}),
                      Contains("outside"));
    CHECK(updater.user_factors() == model.user_factors());
    CHECK(updater.item_factors() == model.item_factors());
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

namespace {

struct HybridCase {
    CsrMatrix all = data(40, 20);
    CsrMatrix course_features = test_support::random_interactions(22, 5, 1, 3, 0.0, 13);
    CsrMatrix train = CsrMatrix::transpose_of(head_rows(CsrMatrix::transpose_of(all.view()).view(), 18).view());
    CsrMatrix train_features = head_rows(course_features.view(), 18);
    HybridConfig config(bool ids) const {
        HybridConfig c;
        c.factors = 4;
        c.iterations = 3;
        c.num_threads = 1;
        c.fold_in_epochs = 8;
        c.use_item_ids = ids;
        return c;
    }
    HybridModel fit(bool ids) const {
        const CsrView tf = train_features.view();
        return fit_hybrid(train.view(), nullptr, &tf, config(ids));
    }
};

/// Mean over a course's positive learners of how many courses outscore it (lower is better).
double mean_rank_of(const HybridModel& m, const CsrView& interactions, index_t course) {
    double total = 0.0;
    int n = 0;
    for (index_t u = 0; u < interactions.rows; ++u) {
        const auto row = interactions.row(u);
        for (std::size_t k = 0; k < row.size(); ++k)
            if (row.indices[k] == course && row.weights[k] > 0) {
                const float s = m.user_factors().row(u).dot(m.item_factors().row(course));
                for (index_t c = 0; c < m.num_courses(); ++c)
                    total += m.user_factors().row(u).dot(m.item_factors().row(c)) > s ? 1.0 : 0.0;
                ++n;
            }
    }
    return n ? total / n : 0.0;
}

}  // namespace

TEST_CASE("a hybrid course whose metadata changed is re-placed from its new features, others untouched", "[fresh]") {
    const HybridCase h;
    const HybridModel model = h.fit(false);
    const std::vector<index_t> course{3};
    const CsrMatrix fresh = detail::select_rows(h.course_features.view(), std::vector<index_t>{20}, 5);
    const CsrView fv = fresh.view();
    const HybridModel updated = hybrid_partial_fit_courses(model, course, &fv, nullptr, 1);
    CHECK(relative_gap(updated.item_factors().row(3), model.course_embeddings_from_features(fv, 1)) < 1e-5);
    CHECK(updated.item_factors().row(4) == model.item_factors().row(4));
    CHECK(updated.user_factors() == model.user_factors());
}

TEST_CASE("a trained hybrid course keeps its id embedding when its metadata changes, and the tables reproduce it",
          "[fresh]") {
    const HybridCase h;
    const HybridModel model = h.fit(true);
    // Refreshed with the same metadata: nothing changes.
    const std::vector<index_t> course{3};
    const CsrMatrix same = detail::select_rows(h.train_features.view(), course, 5);
    const CsrView sv = same.view();
    CHECK(relative_gap(hybrid_partial_fit_courses(model, course, &sv, nullptr, 1).item_factors(), model.item_factors()) < 1e-5);
    // New metadata: the id row's share stays, the feature share is the new features'.
    const CsrMatrix fresh = detail::select_rows(h.course_features.view(), std::vector<index_t>{20}, 5);
    const CsrView fv = fresh.view();
    const HybridModel updated = hybrid_partial_fit_courses(model, course, &fv, nullptr, 1);
    CHECK(relative_gap(updated.item_factors().row(3), model.item_factors().row(3)) > 1e-3);
    std::vector<Triplet> t;
    for (index_t c = 0; c < 18; ++c) {
        const auto row = (c == 3 ? fresh.view() : h.train_features.view()).row(c == 3 ? 0 : c);
        for (std::size_t k = 0; k < row.size(); ++k) t.push_back({c, row.indices[k], row.weights[k]});
    }
    const CsrMatrix now_features = CsrMatrix::from_triplets(18, 5, t);
    const CsrView nf = now_features.view();
    const CsrMatrix rows = detail::hybrid_table_rows(18, true, &nf, model.config().normalize_features, "f");
    const RowMatrix from_tables = detail::hybrid_representations(rows, updated.item_table(), 4, false, 1);
    CHECK(relative_gap(from_tables, updated.item_factors()) < 1e-5);
}

TEST_CASE("new hybrid courses from metadata equal with_courses, and must follow without a gap", "[fresh]") {
    const HybridCase h;
    const HybridModel model = h.fit(true);
    const std::vector<index_t> added{18, 19};
    const CsrMatrix meta = detail::select_rows(h.course_features.view(), added, 5);
    const CsrView mv = meta.view();
    const HybridModel updated = hybrid_partial_fit_courses(model, added, &mv, nullptr, 1);
    const HybridModel expected = model.with_courses(mv, 1);
    REQUIRE(updated.num_courses() == 20);
    CHECK(relative_gap(updated.item_factors(), expected.item_factors()) < 1e-5);
    CHECK(updated.item_table() == model.item_table());
    CHECK_THROWS_WITH(hybrid_partial_fit_courses(model, std::vector<index_t>{19}, &mv, nullptr, 1), Contains("without a gap"));
}

TEST_CASE("a hybrid course fitted to its interactions ranks higher for its learners, the same on any thread count",
          "[fresh]") {
    const HybridCase h;
    const HybridModel model = h.fit(false);
    // Courses 18 and 19 arrive with metadata, then with the interactions they received.
    const std::vector<index_t> added{18, 19};
    const CsrMatrix meta = detail::select_rows(h.course_features.view(), added, 5);
    const CsrView mv = meta.view();
    const CsrView uv = h.all.view();
    const HybridModel placed = hybrid_partial_fit_courses(model, added, &mv, nullptr, 1);
    const HybridModel fitted = hybrid_partial_fit_courses(model, added, &mv, &uv, 1);
    for (index_t c : added) CHECK(mean_rank_of(fitted, uv, c) < mean_rank_of(placed, uv, c));
    CHECK(fitted.item_factors().topRows(18) == model.item_factors());
    CHECK(hybrid_partial_fit_courses(model, added, &mv, &uv, 3).item_factors() == fitted.item_factors());
    // No epochs: the metadata's placement exactly.
    HybridModel none(model.user_factors(), model.item_factors(), model.user_table(), model.item_table(),
                     model.user_features(), model.item_features(), model.trained_courses(),
                     [&] { auto c = model.config(); c.fold_in_epochs = 0; return c; }());
    CHECK(hybrid_partial_fit_courses(none, added, &mv, &uv, 1).item_factors() == placed.item_factors());
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
    CHECK_THROWS_WITH(forget_in_log("grades", dir / "events.csv", dir / "x.csv", std::vector<std::string>{secret}),
                      Contains("known: events, push"));
}

TEST_CASE("forgetting removes the learner's records from a CSV push log, keeping every other line as it was",
          "[fresh]") {
    TempDir dir;
    const std::string log = "time,campaign,learner_id,course_id,event,mandatory\n"
                            "2026-01-05T00:00:00Z,w01,L0001,C0001,pushed,0\n"
                            "2026-01-05T00:00:00Z,w01,L0023,C0002,pushed,1\n"
                            "2026-01-06T00:00:00Z,\"w01,\nspecial\",L0002,C0002,pushed,0\n"
                            "2026-01-07T00:00:00Z,w01,L0023,C0002,dismissed,0\n"
                            "2026-01-08T00:00:00Z,w01,L0001,C0001,clicked,0\n"
                            "2026-01-09T00:00:00Z,w01,L0023,C00";  // torn by a crash: not a record
    { std::ofstream(dir / "push.csv", std::ios::binary) << log; }
    CHECK(forget_in_log("push", dir / "push.csv", dir / "push.csv", std::vector<std::string>{"L0023"}) == 2);
    CHECK(slurp(dir / "push.csv") == "time,campaign,learner_id,course_id,event,mandatory\n"
                                     "2026-01-05T00:00:00Z,w01,L0001,C0001,pushed,0\n"
                                     "2026-01-06T00:00:00Z,\"w01,\nspecial\",L0002,C0002,pushed,0\n"
                                     "2026-01-08T00:00:00Z,w01,L0001,C0001,clicked,0\n");
    const campaign::PushLog back = campaign::read_push_log(dir / "push.csv", ids("L", 60), ids("C", 25));
    CHECK(back.entries.size() == 3);
    CHECK(back.warning.empty());
}

TEST_CASE("forgetting removes the learner's records from a JSON Lines push log into a new file", "[fresh]") {
    TempDir dir;
    campaign::PushRecord a{1000, "w01", "L0001", "C0001", campaign::PushEvent::pushed, false};
    campaign::PushRecord b{2000, "w01", "L0023", "C0003", campaign::PushEvent::enrolled, false};
    campaign::append_push_records(dir / "push.jsonl", std::vector<campaign::PushRecord>{a, b, a});
    const std::string before = slurp(dir / "push.jsonl");
    CHECK(forget_in_log("push", dir / "push.jsonl", dir / "clean.jsonl", std::vector<std::string>{"L0023"}) == 1);
    CHECK(slurp(dir / "push.jsonl") == before);
    const std::string clean = slurp(dir / "clean.jsonl");
    CHECK(clean.find("L0023") == std::string::npos);
    CHECK(clean == campaign::format_push_record(a, campaign::PushLogFormat::jsonl) +
                       campaign::format_push_record(a, campaign::PushLogFormat::jsonl));
    { std::ofstream(dir / "bad.jsonl", std::ios::binary) << "{\"learner_id\": \"L0001\"}\nnot json\n"; }
    CHECK_THROWS_WITH(forget_in_log("push", dir / "bad.jsonl", dir / "bad.jsonl", std::vector<std::string>{"L0001"}),
                      Contains("bad.jsonl:2"));
    CHECK(slurp(dir / "bad.jsonl") == "{\"learner_id\": \"L0001\"}\nnot json\n");
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
