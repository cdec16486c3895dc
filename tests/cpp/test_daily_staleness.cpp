// The daily updater's staleness bounds and its recycling publish (model/daily_update.hpp, issue #21):
// what each bound leaves stale, what it still solves exactly, and that publish() equals model().
#include <catch2/catch.hpp>

#include <memory>

#include "fresh_support.hpp"
#include "learnrec/model/daily_update.hpp"

using namespace learnrec;
using namespace fresh_support;
using Catch::Matchers::Contains;

namespace {

/// A learner with at least `n` courses.
index_t learner_with(const CsrView& all, std::size_t n) {
    index_t u = 0;
    while (all.row(u).size() < n) ++u;
    return u;
}

/// Learner u's row of `all` as (course, weight) pairs.
std::vector<std::pair<index_t, float>> pairs_of(const CsrView& all, index_t u) {
    std::vector<std::pair<index_t, float>> row;
    for (std::size_t k = 0; k < all.row(u).size(); ++k) row.emplace_back(all.row(u).indices[k], all.row(u).weights[k]);
    return row;
}

/// The first course not in u's row.
index_t course_not_taken(const CsrView& all, index_t u) {
    index_t c = 0;
    while (std::binary_search(all.row(u).indices.begin(), all.row(u).indices.end(), c)) ++c;
    return c;
}

AlsDailyUpdater::Stats update_rows(AlsDailyUpdater& updater, const CsrView& today, std::vector<index_t> who) {
    return updater.update(who, detail::select_rows(today, who, today.cols).view());
}

/// The half-step of course c's column of `data` against the learner table `learners`.
RowMatrix course_half_step(const RowMatrix& learners, const AlsModel& model, const CsrView& data, index_t c) {
    const AlsModel against(learners, model.item_factors(), model.config());
    const CsrMatrix column = detail::select_columns(data, std::vector<index_t>{c}, nullptr);
    return against.fold_in_courses(column.view(), 1);
}

/// Course c's exact solve from its normal equations with the Gram matrix of `gram_of` and the
/// column's terms from `terms_of` (confidences as the updater forms them: alpha |w|).
Eigen::RowVectorXf course_solve(const RowMatrix& gram_of, const RowMatrix& terms_of, const AlsConfig& config,
                                const CsrView& data, index_t c) {
    const Eigen::MatrixXd g = gram_of.cast<double>();
    Eigen::MatrixXd m = g.transpose() * g;
    m.diagonal().array() += config.regularization;
    Eigen::VectorXd b = Eigen::VectorXd::Zero(m.rows());
    const CsrMatrix column = detail::select_columns(data, std::vector<index_t>{c}, nullptr);
    for (std::size_t k = 0; k < column.row(0).size(); ++k) {
        const double w = static_cast<double>(config.alpha) * column.row(0).weights[k];
        const Eigen::VectorXd x = terms_of.row(column.row(0).indices[k]).transpose().cast<double>();
        m += (std::abs(w) - 1.0) * x * x.transpose();
        if (w > 0.0) b += std::abs(w) * x;
    }
    return m.llt().solve(b).transpose().cast<float>();
}

/// A model trained on the test data, its updater, and a learner u with at least two courses and their row.
struct DayOne {
    CsrMatrix all = data();
    AlsModel model = fit_als(all.view(), exact_config());
    AlsDailyUpdater updater{model, all.view(), 1};
    index_t u = learner_with(all.view(), 2);
    std::vector<std::pair<index_t, float>> row = pairs_of(all.view(), u);
};

}  // namespace

TEST_CASE("by default the daily updater propagates every solved learner and solves every changed course",
          "[fresh][daily][staleness]") {
    DayOne day;
    auto& [all, model, updater, u, row] = day;
    row.emplace_back(course_not_taken(all.view(), u), 1.0f);
    const CsrMatrix today = with_row(all.view(), u, row, all.cols());
    const auto stats = update_rows(updater, today.view(), {u});
    CHECK(stats.learners_propagated == 1);
    CHECK(stats.courses_solved == 1);
    CHECK(stats.courses_deferred == 0);
}

TEST_CASE("a learner who moved within the drift tolerance leaves their old factors in their courses' equations",
          "[fresh][daily][staleness]") {
    DayOne day;
    auto& [all, model, updater, u, row] = day;
    updater.set_staleness({.learner_drift = 0.99f});
    const index_t added = course_not_taken(all.view(), u);
    row.emplace_back(added, 1.0f);
    const CsrMatrix today = with_row(all.view(), u, row, all.cols());
    const auto stats = update_rows(updater, today.view(), {u});
    REQUIRE(stats.learners_solved == 1);
    CHECK(stats.learners_propagated == 0);
    // The learner's own factors are their new solve ...
    CHECK(relative_gap(updater.user_factors().row(u), model.fold_in_learners(today.view(), 1).row(u)) < 1e-4);
    // ... but the course they added is solved with their old factors in its column's terms (the
    // Gram matrix X'X, shared by all courses, follows the current factors).
    RowMatrix held = updater.user_factors();
    held.row(u) = model.user_factors().row(u);
    const auto& config = model.config();
    CHECK(relative_gap(updater.item_factors().row(added),
                       course_solve(updater.user_factors(), held, config, today.view(), added)) < 1e-4);
    CHECK(relative_gap(updater.item_factors().row(added),
                       course_solve(updater.user_factors(), updater.user_factors(), config, today.view(), added)) > 1e-4);
    // The courses whose pair did not change are not solved.
    CHECK(updater.item_factors().row(row[0].first) == model.item_factors().row(row[0].first));
}

TEST_CASE("a learner who moved past the drift tolerance updates exactly as without staleness",
          "[fresh][daily][staleness]") {
    const CsrMatrix all = data();
    const AlsModel model = fit_als(all.view(), exact_config());
    AlsDailyUpdater exact(model, all.view(), 1), stale(model, all.view(), 1);
    stale.set_staleness({.learner_drift = 1e-6f});
    const index_t u = learner_with(all.view(), 3);
    auto row = pairs_of(all.view(), u);
    row[1].second += 2.0f;
    row.emplace_back(course_not_taken(all.view(), u), 1.0f);
    const CsrMatrix today = with_row(all.view(), u, row, all.cols());
    update_rows(exact, today.view(), {u});
    CHECK(update_rows(stale, today.view(), {u}).learners_propagated == 1);
    CHECK(stale.user_factors() == exact.user_factors());
    CHECK(stale.item_factors() == exact.item_factors());
}

TEST_CASE("held factors are replaced once the learner drifts past the tolerance, and the equations then hold the "
          "current ones", "[fresh][daily][staleness]") {
    DayOne day;
    auto& [all, model, updater, u, row] = day;
    updater.set_staleness({.learner_drift = 0.99f});
    row.emplace_back(course_not_taken(all.view(), u), 1.0f);
    CsrMatrix today = with_row(all.view(), u, row, all.cols());
    REQUIRE(update_rows(updater, today.view(), {u}).learners_propagated == 0);
    // With no tolerance left, the next change of u's row propagates: old held factors out, new in.
    updater.set_staleness({});
    row[0].second += 1.0f;
    today = with_row(today.view(), u, row, all.cols());
    REQUIRE(update_rows(updater, today.view(), {u}).learners_propagated == 1);
    // Every course's kept equations equal those rebuilt from the data and the current factors.
    AlsDailyUpdater rebuilt(updater.model(), today.view(), 1);
    const CsrMatrix none(0, today.cols());
    const std::vector<index_t> every = all_rows(today.cols());
    updater.update({}, none.view(), every);
    rebuilt.update({}, none.view(), every);
    CHECK(relative_gap(updater.item_factors(), rebuilt.item_factors()) < 1e-5);
}

TEST_CASE("with a course-change tolerance a course changed by little waits and is solved after course_max_updates",
          "[fresh][daily][staleness]") {
    DayOne day;
    auto& [all, model, updater, u, row] = day;
    updater.set_staleness({.course_change = 0.5f, .course_max_updates = 2});
    const index_t c = row[0].first;
    row[0].second += 1.0f;
    const CsrMatrix today = with_row(all.view(), u, row, all.cols());
    const auto first = update_rows(updater, today.view(), {u});
    CHECK(first.courses_solved == 0);
    CHECK(first.courses_deferred == 1);
    CHECK(updater.item_factors().row(c) == model.item_factors().row(c));
    // The next update, with no change at all, is the second: the course is solved, as the half-step
    // on its column of the data as it is now.
    const CsrMatrix none(0, today.cols());
    const auto second = updater.update({}, none.view());
    CHECK(second.courses_solved == 1);
    CHECK(second.courses_deferred == 0);
    CHECK(relative_gap(updater.item_factors().row(c), course_half_step(updater.user_factors(), model, today.view(), c)) <
          1e-4);
}

TEST_CASE("a course whose changes reach the course-change fraction of its column is solved at once",
          "[fresh][daily][staleness]") {
    DayOne day;
    auto& [all, model, updater, u, row] = day;
    const index_t c = row[0].first;
    const CsrMatrix columns = CsrMatrix::transpose_of(all.view());
    // One changed pair is 1 / (column size) of the column: a fraction just below it is enough.
    updater.set_staleness({.course_change = 0.99f / static_cast<float>(columns.row(c).size())});
    row[0].second += 1.0f;
    const CsrMatrix today = with_row(all.view(), u, row, all.cols());
    const auto stats = update_rows(updater, today.view(), {u});
    CHECK(stats.courses_solved == 1);
    CHECK(relative_gap(updater.item_factors().row(c), course_half_step(updater.user_factors(), model, today.view(), c)) <
          1e-4);
}

TEST_CASE("new courses and courses asked for are solved at once whatever the course-change tolerance",
          "[fresh][daily][staleness]") {
    DayOne day;
    auto& [all, model, updater, u, row] = day;
    updater.set_staleness({.course_change = 1.0f, .course_max_updates = 100});
    const index_t fresh_course = all.cols();  // a course the model does not have yet
    row.emplace_back(fresh_course, 1.0f);
    const CsrMatrix today = with_row(all.view(), u, row, all.cols() + 1);
    const std::vector<index_t> who{u};
    const index_t asked = row[0].first;
    const auto stats = updater.update(who, detail::select_rows(today.view(), who, today.cols()).view(),
                                      std::vector<index_t>{asked});
    CHECK(stats.courses_solved == 2);
    CHECK(updater.item_factors().row(fresh_course).norm() > 0.0f);
    CHECK(relative_gap(updater.item_factors().row(asked),
                       course_half_step(updater.user_factors(), model, today.view(), asked)) < 1e-4);
}

TEST_CASE("flush solves every waiting course as the updater without staleness would have", "[fresh][daily][staleness]") {
    const CsrMatrix all = data();
    const AlsModel model = fit_als(all.view(), exact_config());
    AlsDailyUpdater exact(model, all.view(), 1), stale(model, all.view(), 1);
    stale.set_staleness({.course_change = 1.0f, .course_max_updates = 100});
    CsrMatrix today = all;
    for (index_t u : {3, 7, 11}) {
        auto row = pairs_of(today.view(), u);
        row.emplace_back(course_not_taken(today.view(), u), 2.0f);
        today = with_row(today.view(), u, row, all.cols());
    }
    const std::vector<index_t> who{3, 7, 11};
    update_rows(exact, today.view(), who);
    const auto waiting = update_rows(stale, today.view(), who);
    CHECK(waiting.courses_solved == 0);
    REQUIRE(waiting.courses_deferred > 0);
    CHECK(stale.user_factors() == exact.user_factors());
    const auto flushed = stale.flush();
    CHECK(flushed.courses_solved == waiting.courses_deferred);
    CHECK(flushed.courses_deferred == 0);
    CHECK(relative_gap(stale.item_factors(), exact.item_factors()) < 1e-6);
    CHECK(stale.flush().courses_solved == 0);
}

TEST_CASE("the daily updater with staleness bounds gives the same factors with 1, 2 and 3 threads",
          "[fresh][daily][staleness]") {
    const CsrMatrix all = data();
    const CsrMatrix first = head_rows(all.view(), 50);
    const AlsModel model = fit_als(first.view(), cg_config());
    const std::vector<index_t> who{1, 2, 3, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59};
    const CsrMatrix rows = detail::select_rows(all.view(), who, all.cols());
    const AlsDailyUpdater::Staleness bounds{.learner_drift = 0.3f, .course_change = 0.1f, .course_max_updates = 3};
    AlsDailyUpdater one(model, first.view(), 1);
    one.set_staleness(bounds);
    one.update(who, rows.view());
    for (int threads : {2, 3}) {
        AlsDailyUpdater many(model, first.view(), threads);
        many.set_staleness(bounds);
        many.set_serial_below_flops(0);
        many.update(who, rows.view());
        CHECK(many.user_factors() == one.user_factors());
        CHECK(many.item_factors() == one.item_factors());
    }
}

TEST_CASE("the staleness bounds refuse values outside their ranges and keep the previous ones",
          "[fresh][daily][staleness]") {
    const CsrMatrix all = data();
    AlsDailyUpdater updater(fit_als(all.view(), exact_config()), all.view(), 1);
    CHECK_THROWS_WITH(updater.set_staleness({.learner_drift = 1.0f}), Contains("learner_drift"));
    CHECK_THROWS_WITH(updater.set_staleness({.learner_drift = std::nanf("")}), Contains("learner_drift"));
    CHECK_THROWS_WITH(updater.set_staleness({.course_change = -0.1f}), Contains("course_change"));
    CHECK_THROWS_WITH(updater.set_staleness({.course_max_updates = 0}), Contains("course_max_updates"));
    CHECK(updater.staleness().learner_drift == 0.0f);
    CHECK(updater.staleness().course_change == 0.0f);
}

// ---- publish --------------------------------------------------------------------------------------

TEST_CASE("publish gives the factors model() gives, and a model still held keeps its own", "[fresh][daily][publish]") {
    const CsrMatrix all = data();
    const AlsModel model = fit_als(all.view(), cg_config());
    AlsDailyUpdater updater(model, all.view(), 1);
    const std::shared_ptr<const AlsModel> before = updater.publish();
    CHECK(before->user_factors() == model.user_factors());
    CsrMatrix today = all;
    for (index_t u : {4, 8}) {
        auto row = pairs_of(today.view(), u);
        row.emplace_back(course_not_taken(today.view(), u), 1.0f);
        today = with_row(today.view(), u, row, all.cols());
    }
    update_rows(updater, today.view(), {4, 8});
    const auto after = updater.publish();
    CHECK(after->user_factors() == updater.model().user_factors());
    CHECK(after->item_factors() == updater.model().item_factors());
    CHECK(before->user_factors() == model.user_factors());
}

TEST_CASE("publish recycles the learner table of a model nobody holds, copying only the rows changed since",
          "[fresh][daily][publish]") {
    const CsrMatrix all = data();
    const AlsModel model = fit_als(all.view(), cg_config());
    AlsDailyUpdater updater(model, all.view(), 1);
    CsrMatrix today = all;
    const float* recycled = nullptr;
    for (index_t u : {4, 8, 15, 4}) {
        auto row = pairs_of(today.view(), u);
        row.emplace_back(course_not_taken(today.view(), u), 1.0f);
        today = with_row(today.view(), u, row, all.cols());
        update_rows(updater, today.view(), {u});
        const std::shared_ptr<const AlsModel> published = updater.publish();
        if (recycled != nullptr) CHECK(published->user_factors().data() == recycled);  // the released table, reused
        CHECK(published->user_factors() == updater.model().user_factors());
        CHECK(published->item_factors() == updater.model().item_factors());
        recycled = published->user_factors().data();
    }
}

TEST_CASE("models from publish outlive their updater", "[fresh][daily][publish]") {
    const CsrMatrix all = data();
    std::shared_ptr<const AlsModel> kept;
    RowMatrix expected;
    {
        AlsDailyUpdater updater(fit_als(all.view(), cg_config()), all.view(), 1);
        kept = updater.publish();
        expected = updater.model().user_factors();
    }
    CHECK(kept->user_factors() == expected);
    kept.reset();  // the deleter hands the table to a spare slot the updater no longer uses: no crash
}
