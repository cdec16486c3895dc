// learnrec — ranking metrics at k (LightGCN conventions for recall and NDCG).
//
// For a learner with test set T (positive entries of their test row), candidates C (all courses
// not in their training row, or all courses when no training matrix is given) and ranked list R
// (top-k over C):
//   recall@k    = |R ∩ T| / |T|
//   precision@k = |R ∩ T| / k
//   NDCG@k      = DCG / IDCG, DCG = sum_{i: R_i in T} 1 / log2(i + 2), IDCG over min(k, |T|) hits
//   MAP@k       = (1 / min(k, |T|)) * sum_{i: R_i in T} precision@(i + 1)
//   hit rate@k  = 1 if R ∩ T is non-empty, else 0
//   MRR@k       = 1 / (position of the first hit), 0 without a hit
//   AUC         = fraction of (relevant, non-relevant candidate) pairs ordered correctly, with the
//                 part of the ranking below k unknown and counted as a coin flip (implicit's
//                 ranking_metrics_at_k convention)
// Each is averaged over learners whose test row has a positive entry. Catalogue coverage@k is the
// fraction of all courses that appear in at least one of those learners' lists.
// Thread safety: pure functions. Complexity: evaluate() is one batched recommend plus O(nnz(test));
// metrics run in parallel over learners and are summed in learner order (deterministic).
#pragma once

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "learnrec/detail/parallel.hpp"
#include "learnrec/retrieval/recommend.hpp"

namespace learnrec {

struct RankingMetrics {
    double recall = 0.0;
    double precision = 0.0;
    double ndcg = 0.0;
    double map = 0.0;
    double hit_rate = 0.0;
    double mrr = 0.0;
    double auc = 0.0;
    double coverage = 0.0;  // of the whole catalogue (test.cols courses)
    index_t learners = 0;   // learners with test items (the averaging population)
};

/// Metrics of ranked lists (row q of `ranked` for learner learners[q]) against `test` rows.
/// `train`, when given, defines each learner's candidates for AUC (courses not in their row).
inline RankingMetrics ranking_metrics(const TopK& ranked, std::span<const index_t> learners, const CsrView& test,
                                      const CsrView* train = nullptr, int num_threads = 0) {
    LEARNREC_CHECK(static_cast<std::size_t>(ranked.queries) == learners.size(),
                   "{} ranked lists for {} learners", ranked.queries, learners.size());
    if (train)
        LEARNREC_CHECK(train->rows == test.rows && train->cols == test.cols, "train is {} x {} but test is {} x {}",
                       train->rows, train->cols, test.rows, test.cols);
    for (auto l : learners)
        LEARNREC_CHECK(l >= 0 && l < test.rows, "learner index {} outside [0, {})", l, test.rows);
    struct PerLearner {
        double recall = 0, precision = 0, ndcg = 0, map = 0, hit = 0, mrr = 0, auc = 0;
        bool counted = false;
    };
    std::vector<PerLearner> per(learners.size());
    detail::parallel_for(0, ranked.queries, num_threads, [&](std::int64_t qi) {
        const auto q = static_cast<index_t>(qi);
        const auto learner = learners[static_cast<std::size_t>(q)];
        const auto row = test.row(learner);
        std::vector<index_t> relevant;
        for (std::size_t j = 0; j < row.size(); ++j)
            if (row.weights[j] > 0.0f) relevant.push_back(row.indices[j]);
        if (relevant.empty()) return;
        std::sort(relevant.begin(), relevant.end());
        const auto ids = ranked.ids_of(q);
        auto& r = per[static_cast<std::size_t>(q)];
        double hits = 0.0, dcg = 0.0, idcg = 0.0, ap = 0.0, auc_pairs = 0.0, misses = 0.0;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (ids[i] < 0) break;
            if (std::binary_search(relevant.begin(), relevant.end(), ids[i])) {
                hits += 1.0;
                dcg += 1.0 / std::log2(static_cast<double>(i) + 2.0);
                ap += hits / static_cast<double>(i + 1);
                if (r.mrr == 0.0) r.mrr = 1.0 / static_cast<double>(i + 1);
            } else {
                misses += 1.0;
                auc_pairs += hits;  // relevant courses ranked above this non-relevant one
            }
        }
        const auto ideal = std::min<std::size_t>(static_cast<std::size_t>(ranked.k), relevant.size());
        for (std::size_t i = 0; i < ideal; ++i) idcg += 1.0 / std::log2(static_cast<double>(i) + 2.0);
        const double positives = static_cast<double>(relevant.size());
        const double candidates =
            static_cast<double>(test.cols) - (train ? static_cast<double>(train->row(learner).size()) : 0.0);
        const double negatives = std::max(0.0, candidates - positives);
        // Below the list: the relevant courses already seen beat every unseen negative; the ones
        // not yet seen beat half of them on average.
        auc_pairs += (hits + (positives - hits) * 0.5) * (negatives - misses);
        r.recall = hits / positives;
        r.precision = hits / static_cast<double>(ranked.k);
        r.ndcg = dcg / idcg;
        r.map = ap / static_cast<double>(ideal);
        r.hit = hits > 0.0 ? 1.0 : 0.0;
        r.auc = negatives > 0.0 ? auc_pairs / (positives * negatives) : 1.0;
        r.counted = true;
    }, 64);
    RankingMetrics m;
    std::vector<std::uint8_t> seen(static_cast<std::size_t>(test.cols), 0);
    for (std::size_t q = 0; q < per.size(); ++q) {
        const auto& r = per[q];
        if (!r.counted) continue;
        m.recall += r.recall;
        m.precision += r.precision;
        m.ndcg += r.ndcg;
        m.map += r.map;
        m.hit_rate += r.hit;
        m.mrr += r.mrr;
        m.auc += r.auc;
        ++m.learners;
        for (auto c : ranked.ids_of(static_cast<index_t>(q)))
            if (c >= 0 && c < test.cols) seen[static_cast<std::size_t>(c)] = 1;
    }
    if (m.learners > 0) {
        for (double* v : {&m.recall, &m.precision, &m.ndcg, &m.map, &m.hit_rate, &m.mrr, &m.auc})
            *v /= m.learners;
    }
    if (test.cols > 0)
        m.coverage = static_cast<double>(std::count(seen.begin(), seen.end(), std::uint8_t{1})) / test.cols;
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
    return ranking_metrics(ranked, learners, test, &train, num_threads);
}

}  // namespace learnrec
