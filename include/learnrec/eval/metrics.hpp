// learnrec — ranking metrics at k (LightGCN conventions).
//
// For a learner with test set T (positive entries of their test row) and ranked list R (top-k
// over all courses not in their training row):
//   recall@k    = |R ∩ T| / |T|
//   precision@k = |R ∩ T| / k
//   NDCG@k      = DCG / IDCG, DCG = sum_{i: R_i in T} 1 / log2(i + 2), IDCG over min(k, |T|) hits
// Each is averaged over learners whose test row is non-empty.
// Thread safety: pure functions. Complexity: evaluate() is one batched recommend plus O(nnz(test)).
#pragma once

#include <cmath>
#include <numeric>
#include <vector>

#include "learnrec/retrieval/recommend.hpp"

namespace learnrec {

struct RankingMetrics {
    double recall = 0.0;
    double precision = 0.0;
    double ndcg = 0.0;
    index_t learners = 0;  // learners with test items (the averaging population)
};

/// Metrics of ranked lists (row q of `ranked` for learner learners[q]) against `test` rows.
inline RankingMetrics ranking_metrics(const TopK& ranked, std::span<const index_t> learners, const CsrView& test) {
    LEARNREC_CHECK(static_cast<std::size_t>(ranked.queries) == learners.size(),
                   "{} ranked lists for {} learners", ranked.queries, learners.size());
    RankingMetrics m;
    for (index_t q = 0; q < ranked.queries; ++q) {
        const auto row = test.row(learners[static_cast<std::size_t>(q)]);
        std::vector<index_t> relevant;
        for (std::size_t j = 0; j < row.size(); ++j)
            if (row.weights[j] > 0.0f) relevant.push_back(row.indices[j]);
        if (relevant.empty()) continue;
        std::sort(relevant.begin(), relevant.end());
        const auto ids = ranked.ids_of(q);
        double hits = 0.0, dcg = 0.0, idcg = 0.0;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (ids[i] >= 0 && std::binary_search(relevant.begin(), relevant.end(), ids[i])) {
                hits += 1.0;
                dcg += 1.0 / std::log2(static_cast<double>(i) + 2.0);
            }
        }
        const auto ideal = std::min<std::size_t>(static_cast<std::size_t>(ranked.k), relevant.size());
        for (std::size_t i = 0; i < ideal; ++i) idcg += 1.0 / std::log2(static_cast<double>(i) + 2.0);
        m.recall += hits / static_cast<double>(relevant.size());
        m.precision += hits / static_cast<double>(ranked.k);
        m.ndcg += dcg / idcg;
        ++m.learners;
    }
    if (m.learners > 0) {
        m.recall /= m.learners;
        m.precision /= m.learners;
        m.ndcg /= m.learners;
    }
    return m;
}

/// Ranks every learner with a non-empty test row over courses not in their training row.
inline RankingMetrics evaluate(const Model& model, const CsrView& train, const CsrView& test, index_t k,
                               int num_threads = 0) {
    LEARNREC_CHECK(train.rows == test.rows && train.cols == test.cols, "train is {} x {} but test is {} x {}",
                   train.rows, train.cols, test.rows, test.cols);
    std::vector<index_t> learners;
    for (index_t u = 0; u < test.rows; ++u)
        if (test.indptr[static_cast<std::size_t>(u) + 1] > test.indptr[static_cast<std::size_t>(u)]) learners.push_back(u);
    RecommendOptions options;
    options.k = k;
    options.num_threads = num_threads;
    const auto ranked = recommend(model, learners, &train, options);
    return ranking_metrics(ranked, learners, test);
}

}  // namespace learnrec
