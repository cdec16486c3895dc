// The model contract: behaviours every model behind the Model seam must have.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <thread>

#include <catch2/catch.hpp>

#include "learnrec/retrieval/recommend.hpp"
#include "model_factories.hpp"

using namespace learnrec;

namespace {

CsrMatrix contract_data() {
    // 60 learners in 3 taste groups over 40 courses, plus a little noise and one negative.
    std::mt19937_64 rng(7);
    std::vector<Triplet> t;
    for (index_t u = 0; u < 60; ++u) {
        const index_t group = u % 3;
        for (int j = 0; j < 6; ++j) t.push_back({u, static_cast<index_t>(group * 12 + static_cast<index_t>(rng() % 12)), 1.0f});
        t.push_back({u, static_cast<index_t>(36 + static_cast<index_t>(rng() % 4)), 1.0f});
    }
    t.push_back({0, 39, -1.0f});
    return CsrMatrix::from_triplets(60, 40, t);
}

std::vector<index_t> all_learners(index_t n) {
    std::vector<index_t> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), 0);
    return v;
}

}  // namespace

TEST_CASE("every model reports the shape it was trained on", "[contract]") {
    const auto data = contract_data();
    for (const auto& f : testing::all_models()) {
        INFO(f.name);
        const auto model = f.fit(data, 1);
        CHECK(model->num_learners() == 60);
        CHECK(model->num_courses() == 40);
        CHECK(!model->kind().empty());
    }
}

TEST_CASE("every model scores all learner-course pairs with finite numbers", "[contract]") {
    const auto data = contract_data();
    for (const auto& f : testing::all_models()) {
        INFO(f.name);
        const auto model = f.fit(data, 1);
        const auto learners = all_learners(60);
        const auto q = model->learner_queries(learners);
        std::vector<float> scores(60 * 40);
        model->score(q, 0, 60, 0, 40, scores.data(), 40);
        CHECK(std::all_of(scores.begin(), scores.end(), [](float s) { return std::isfinite(s); }));
    }
}

TEST_CASE("every model's top-k equals a full sort of its own scores without the history", "[contract]") {
    const auto data = contract_data();
    const CsrView history = data.view();
    for (const auto& f : testing::all_models()) {
        INFO(f.name);
        const auto model = f.fit(data, 1);
        const auto learners = all_learners(60);
        RecommendOptions options;
        options.k = 5;
        options.num_threads = 2;
        const auto top = recommend(*model, learners, &history, options);
        const auto q = model->learner_queries(learners);
        std::vector<float> scores(40);
        for (index_t u = 0; u < 60; ++u) {
            model->score(q, u, u + 1, 0, 40, scores.data(), 40);
            std::vector<index_t> order;
            const auto taken = data.row(u).indices;
            for (index_t c = 0; c < 40; ++c)
                if (std::find(taken.begin(), taken.end(), c) == taken.end()) order.push_back(c);
            std::stable_sort(order.begin(), order.end(), [&](index_t a, index_t b) {
                return scores[static_cast<std::size_t>(a)] > scores[static_cast<std::size_t>(b)];
            });
            order.resize(5);
            const auto got = top.ids_of(u);
            CHECK(std::vector<index_t>(got.begin(), got.end()) == order);
        }
    }
}

TEST_CASE("every model rejects learner and course indices out of range", "[contract]") {
    const auto data = contract_data();
    for (const auto& f : testing::all_models()) {
        INFO(f.name);
        const auto model = f.fit(data, 1);
        const index_t bad_learner = 60, negative = -1;
        CHECK_THROWS_AS(model->learner_queries({&bad_learner, 1}), Error);
        CHECK_THROWS_AS(model->learner_queries({&negative, 1}), Error);
        const index_t bad_course = 40;
        CHECK_THROWS_AS(model->course_queries({&bad_course, 1}), Error);
    }
}

TEST_CASE("every model folds in new learners from their rows and excludes their courses", "[contract]") {
    const auto data = contract_data();
    std::vector<Triplet> fresh{{0, 1, 1.0f}, {0, 2, 1.0f}, {1, 20, 1.0f}};
    const auto rows = CsrMatrix::from_triplets(2, 40, fresh);
    for (const auto& f : testing::all_models()) {
        INFO(f.name);
        const auto model = f.fit(data, 1);
        const auto top = recommend_from_rows(*model, rows);
        REQUIRE(top.queries == 2);
        CHECK(top.count(0) == 10);
        for (auto c : top.ids_of(0)) CHECK((c != 1 && c != 2));
        for (auto c : top.ids_of(1)) CHECK(c != 20);
        for (auto s : top.scores) CHECK(std::isfinite(s));
    }
}

TEST_CASE("every model rejects fold-in rows of the wrong width", "[contract]") {
    const auto data = contract_data();
    const auto rows = CsrMatrix::from_triplets(1, 41, std::vector<Triplet>{{0, 40, 1.0f}});
    for (const auto& f : testing::all_models()) {
        INFO(f.name);
        const auto model = f.fit(data, 1);
        CHECK_THROWS_AS(recommend_from_rows(*model, rows), Error);
    }
}

TEST_CASE("every model returns k similar courses", "[contract]") {
    const auto data = contract_data();
    for (const auto& f : testing::all_models()) {
        INFO(f.name);
        const auto model = f.fit(data, 1);
        const std::vector<index_t> courses{0, 13, 39};
        RecommendOptions options;
        options.k = 7;
        const auto top = similar_courses(*model, courses, options);
        REQUIRE(top.queries == 3);
        for (index_t q = 0; q < 3; ++q) CHECK(top.count(q) == 7);
    }
}

TEST_CASE("every model's declared scoring form reproduces its scores and course similarities", "[contract]") {
    const auto data = contract_data();
    const auto learners = all_learners(60);
    const auto courses = all_learners(40);
    for (const auto& f : testing::all_models()) {
        INFO(f.name);
        const auto model = f.fit(data, 1);
        const ScoringForm form = model->scoring();
        const int declared = (form.factors != nullptr) + (form.course_matrix != nullptr) + (form.neighbours != nullptr);
        CHECK(declared <= 1);
        const auto q = model->learner_queries(learners);
        std::vector<float> scores(60 * 40);
        model->score(q, 0, 60, 0, 40, scores.data(), 40);
        const auto cq = model->course_queries(courses);
        std::vector<float> similar(40 * 40);
        model->score_similar(cq, 0, 40, 0, 40, similar.data(), 40);
        // The oracle of each form, written from its definition in model.hpp.
        const auto expected = [&](index_t u, index_t c) -> double {
            if (form.factors) return form.factors->user_factors().row(u).dot(form.factors->item_factors().row(c));
            double s = 0.0;
            const auto row = q.history.row(u);
            for (std::size_t j = 0; j < row.size(); ++j) {
                const index_t i = row.indices[j];
                if (form.course_matrix) s += row.weights[j] * (*form.course_matrix)(i, c);
                else {
                    const auto nb = form.neighbours->row(i);
                    for (std::size_t t = 0; t < nb.size(); ++t)
                        if (nb.indices[t] == c) s += row.weights[j] * nb.weights[t];
                }
            }
            return s;
        };
        if (declared == 0) continue;  // reached through the seam only: nothing to reproduce
        for (index_t u = 0; u < 60; ++u)
            for (index_t c = 0; c < 40; ++c)
                CHECK(scores[static_cast<std::size_t>(u * 40 + c)] == Approx(expected(u, c)).margin(1e-4).epsilon(1e-4));
        if (form.factors) continue;  // factor similarity is cosine, checked in test_factor_model
        for (index_t i = 0; i < 40; ++i)
            for (index_t j = 0; j < 40; ++j) {
                double s = 0.0;
                if (form.course_matrix) s = (*form.course_matrix)(i, j);
                else {
                    const auto nb = form.neighbours->row(i);
                    for (std::size_t t = 0; t < nb.size(); ++t)
                        if (nb.indices[t] == j) s = nb.weights[t];
                }
                CHECK(similar[static_cast<std::size_t>(i * 40 + j)] == static_cast<float>(s));
            }
    }
}

TEST_CASE("factor, course-matrix and neighbour models declare their scoring form", "[contract]") {
    const auto data = contract_data();
    for (const auto& f : testing::all_models()) {
        INFO(f.name);
        const auto model = f.fit(data, 1);
        const ScoringForm form = model->scoring();
        const std::string_view kind = model->kind();
        CHECK((form.factors != nullptr) == (kind == "als" || kind == "bpr" || kind == "hybrid"));
        CHECK((form.course_matrix != nullptr) == (kind == "ease" || kind == "gfcf"));
        CHECK((form.neighbours != nullptr) == (kind == "item_knn"));
    }
}

TEST_CASE("every model trains deterministically with one thread", "[contract]") {
    const auto data = contract_data();
    const CsrView history = data.view();
    const auto learners = all_learners(60);
    for (const auto& f : testing::all_models()) {
        INFO(f.name);
        const auto a = recommend(*f.fit(data, 1), learners, &history);
        const auto b = recommend(*f.fit(data, 1), learners, &history);
        CHECK(a.ids == b.ids);
        CHECK(a.scores == b.scores);
    }
}

TEST_CASE("every model serves concurrent readers of one shared instance", "[contract]") {
    const auto data = contract_data();
    const CsrView history = data.view();
    const auto learners = all_learners(60);
    for (const auto& f : testing::all_models()) {
        INFO(f.name);
        std::shared_ptr<const Model> model = f.fit(data, 1);
        RecommendOptions options;
        options.num_threads = 1;
        const auto expected = recommend(*model, learners, &history, options);
        std::vector<TopK> results(4);
        std::vector<std::thread> readers;
        for (std::size_t t = 0; t < results.size(); ++t)
            readers.emplace_back([&, t] { results[t] = recommend(*model, learners, &history, options); });
        for (auto& r : readers) r.join();
        for (const auto& r : results) CHECK(r.ids == expected.ids);
    }
}

TEST_CASE("every model folds in with its declared learner features, and refuses features it does not embed",
          "[contract]") {
    const auto data = contract_data();
    const auto rows = CsrMatrix::from_triplets(2, 40, std::vector<Triplet>{{0, 1, 1.0f}, {1, 20, 1.0f}});
    for (const auto& f : testing::all_models()) {
        INFO(f.name);
        const auto model = f.fit(data, 1);
        const index_t width = model->learner_features();
        REQUIRE(width >= 0);
        const auto none = CsrMatrix::from_triplets(2, width, std::vector<Triplet>{});
        const QueryBlock with = model->fold_in_with_features(rows.view(), none.view(), 1);
        CHECK(with.count == 2);
        CHECK(with.embeddings.allFinite());
        if (width == 0) {  // without learner features it is the plain fold-in
            const QueryBlock plain = model->fold_in(rows.view(), 1);
            CHECK(with.embeddings == plain.embeddings);
            CHECK(with.history.view().indices.size() == plain.history.view().indices.size());
            const auto extra = CsrMatrix::from_triplets(2, 3, std::vector<Triplet>{{0, 0, 1.0f}});
            CHECK_THROWS_AS(model->fold_in_with_features(rows.view(), extra.view(), 1), Error);
        }
    }
}
