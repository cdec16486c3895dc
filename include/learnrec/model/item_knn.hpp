// learnrec — item-based k-nearest-neighbours (item-kNN), with the conventions of the `implicit`
// package's ItemItemRecommender family (CosineRecommender, TFIDFRecommender, BM25Recommender).
//
// Each course is a vector over learners, taken from the positive entries of the learners x courses
// matrix (weights as given, or 1 with `binary`; negative feedback is left out), weighted by:
//  - none:   the values themselves;
//  - tfidf:  sqrt(value) * idf(learner),  idf = ln(courses) - ln(1 + courses the learner has)
//            (implicit's tfidf_weight on the courses x learners matrix);
//  - bm25:   value * (K1 + 1) / (K1 * length_norm(course) + value) * idf(learner), with
//            length_norm = (1 - B) + B * (sum of the course's values) / (mean of that sum over
//            courses) (implicit's bm25_weight on the courses x learners matrix).
// similarity(i, j) = cosine of the weighted vectors of i and j (`normalize`, the default), or their
// dot product (normalize = false, what implicit's BM25Recommender and ItemItemRecommender use).
// Note: with binary values, BM25's course-dependent factor is constant along each course vector and
// cancels under cosine, so bm25 then ranks exactly like tfidf; it differs with weights or without
// normalisation.
// Course i keeps its K most similar courses (larger similarity first, ties to the lower index;
// courses sharing no learner, similarity 0, are never neighbours). As in implicit the course
// itself is a candidate and, under cosine, always its own first neighbour, so K counts it.
// The neighbour lists are a sparse courses x courses matrix S (row i = neighbours of i, sorted by
// course index). A learner with query row r scores r S: score(c) = sum over the row (i, w) of
// w * S[i, c]; query rows are the learner's positive entries (1 with `binary`, else the weights),
// so fold-in is exact and free. Similar courses: the neighbour list of the course (itself first),
// every other course scores 0.
// Thread safety: ItemKnnModel is immutable; all members may be called concurrently.
// Complexity: fit O(sum over learners of |row|^2 + courses * candidates log K), parallel over
// courses; memory O(courses * K) for S plus the stored training rows (12 bytes per non-zero, kept
// so learner_queries() can score learners seen in training). Scoring a query costs
// O(|row| * (K + log K)) per course tile.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "learnrec/data/csr.hpp"
#include "learnrec/detail/parallel.hpp"
#include "learnrec/model/item_item.hpp"  // HistoryModel, detail::history_fold_in
#include "learnrec/model/model.hpp"

namespace learnrec {

enum class ItemKnnWeighting { none, tfidf, bm25 };

struct ItemKnnConfig {
    index_t neighbours = 20;        // K: neighbours kept per course (the course itself included)
    ItemKnnWeighting weighting = ItemKnnWeighting::none;
    float bm25_k1 = 1.2f;           // BM25 term saturation (implicit's BM25Recommender default)
    float bm25_b = 0.75f;           // BM25 length normalisation
    bool binary = true;             // positive weights -> 1 (else kept as given)
    bool normalize = true;          // cosine (else the dot product of the weighted vectors)
    int num_threads = 0;            // 0: every processor

    void validate() const {
        LEARNREC_CHECK(neighbours > 0, "neighbours must be positive, got {}", neighbours);
        LEARNREC_CHECK(std::isfinite(bm25_k1) && bm25_k1 >= 0.0f, "bm25_k1 must be finite and >= 0, got {}", bm25_k1);
        LEARNREC_CHECK(std::isfinite(bm25_b) && bm25_b >= 0.0f && bm25_b <= 1.0f, "bm25_b must be in [0, 1], got {}",
                       bm25_b);
        detail::check_num_threads(num_threads);
    }
};

class ItemKnnModel final : public HistoryModel {
public:
    /// Rebuilds a trained model from its state: the training query rows (see query_rows) and the
    /// neighbour matrix S (courses x courses, row i = neighbours of course i).
    ItemKnnModel(CsrMatrix train_rows, CsrMatrix similarity, ItemKnnConfig config)
        : HistoryModel(std::move(train_rows)), similarity_(std::move(similarity)), config_(config) {
        config_.validate();
        LEARNREC_CHECK(similarity_.rows() == similarity_.cols(), "similarity matrix is {} x {}, expected square",
                       similarity_.rows(), similarity_.cols());
        LEARNREC_CHECK(train_.cols() == similarity_.rows(),
                       "training rows have {} columns but the similarity matrix has {} courses", train_.cols(),
                       similarity_.rows());
    }

    /// The kind() of every instance, known without one (used by load_as<M>).
    static constexpr std::string_view kind_name = "item_knn";
    std::string_view kind() const noexcept override { return kind_name; }
    index_t num_courses() const noexcept override { return similarity_.rows(); }
    const ItemKnnConfig& config() const noexcept { return config_; }
    /// S: row i holds the neighbours of course i and their similarities, sorted by course index.
    const CsrMatrix& similarity() const noexcept { return similarity_; }
    QueryBlock fold_in(const CsrView& rows, int /*num_threads*/ = 0) const override {
        return detail::history_fold_in(rows, num_courses(),
                                       [&](const CsrView& r) { return query_rows(r, config_.binary); });
    }

    void score(const QueryBlock& queries, index_t q0, index_t q1, index_t c0, index_t c1, float* out,
               std::size_t ld) const override {
        for (index_t q = q0; q < q1; ++q) {
            float* o = out + static_cast<std::size_t>(q - q0) * ld;
            std::fill(o, o + (c1 - c0), 0.0f);
            const auto row = queries.history.row(q);
            for (std::size_t j = 0; j < row.size(); ++j) {
                const auto nb = similarity_.row(row.indices[j]);
                const float w = row.weights[j];
                auto p = c0 == 0 ? nb.indices.begin() : std::lower_bound(nb.indices.begin(), nb.indices.end(), c0);
                for (; p != nb.indices.end() && *p < c1; ++p)
                    o[*p - c0] += w * nb.weights[static_cast<std::size_t>(p - nb.indices.begin())];
            }
        }
    }

    /// Similar courses score the neighbour list of each course.
    ScoringForm scoring() const noexcept override { return {.neighbours = &similarity_}; }

    /// Interaction rows as item-kNN sees them: positive entries, 1 when `binary`, else their weight.
    static CsrMatrix query_rows(const CsrView& rows, bool binary) {
        std::vector<offset_t> indptr(static_cast<std::size_t>(rows.rows) + 1, 0);
        std::vector<index_t> indices;
        std::vector<float> data;
        for (index_t r = 0; r < rows.rows; ++r) {
            const auto row = rows.row(r);
            for (std::size_t j = 0; j < row.size(); ++j)
                if (row.weights[j] > 0.0f) {
                    indices.push_back(row.indices[j]);
                    data.push_back(row.weights[j]);
                }
            indptr[static_cast<std::size_t>(r) + 1] = static_cast<offset_t>(indices.size());
        }
        CsrMatrix m(rows.rows, rows.cols, std::move(indptr), std::move(indices), std::move(data));  // sorts, sums duplicates
        if (!binary) return m;
        return CsrMatrix(m.rows(), m.cols(), m.indptr(), m.indices(), std::vector<float>(m.data().size(), 1.0f));
    }

private:
    CsrMatrix similarity_;
    ItemKnnConfig config_;
};

namespace detail {

/// The weighted courses x learners matrix of the header comment, from query rows (learners x courses).
inline CsrMatrix item_knn_weighted(const CsrMatrix& rows, const ItemKnnConfig& config) {
    CsrMatrix course_learners = rows.transpose();
    if (config.weighting == ItemKnnWeighting::none) return course_learners;
    const auto courses = static_cast<double>(course_learners.rows());
    std::vector<double> idf(static_cast<std::size_t>(rows.rows()));
    for (index_t u = 0; u < rows.rows(); ++u)
        idf[static_cast<std::size_t>(u)] = std::log(courses) - std::log1p(static_cast<double>(rows.row(u).size()));
    std::vector<float> data(course_learners.data().begin(), course_learners.data().end());
    if (config.weighting == ItemKnnWeighting::tfidf) {
        for (index_t i = 0; i < course_learners.rows(); ++i) {
            const auto b = static_cast<std::size_t>(course_learners.indptr()[static_cast<std::size_t>(i)]);
            const auto row = course_learners.row(i);
            for (std::size_t j = 0; j < row.size(); ++j)
                data[b + j] = static_cast<float>(std::sqrt(static_cast<double>(row.weights[j])) *
                                                 idf[static_cast<std::size_t>(row.indices[j])]);
        }
    } else {
        std::vector<double> length(static_cast<std::size_t>(course_learners.rows()), 0.0);
        double mean = 0.0;
        for (index_t i = 0; i < course_learners.rows(); ++i) {
            for (float w : course_learners.row(i).weights) length[static_cast<std::size_t>(i)] += w;
            mean += length[static_cast<std::size_t>(i)];
        }
        mean = courses > 0 ? mean / courses : 0.0;
        const double k1 = config.bm25_k1, bb = config.bm25_b;
        for (index_t i = 0; i < course_learners.rows(); ++i) {
            const double norm = (1.0 - bb) + (mean > 0.0 ? bb * length[static_cast<std::size_t>(i)] / mean : 0.0);
            const auto b = static_cast<std::size_t>(course_learners.indptr()[static_cast<std::size_t>(i)]);
            const auto row = course_learners.row(i);
            for (std::size_t j = 0; j < row.size(); ++j) {
                const double w = row.weights[j];
                data[b + j] = static_cast<float>(w * (k1 + 1.0) / (k1 * norm + w) * idf[static_cast<std::size_t>(row.indices[j])]);
            }
        }
    }
    // Weights that came out as exactly 0 (an idf of 0) carry nothing; CSR rejects them.
    std::vector<offset_t> indptr(course_learners.indptr().size(), 0);
    std::vector<index_t> indices;
    std::vector<float> kept;
    for (index_t i = 0; i < course_learners.rows(); ++i) {
        const auto row = course_learners.row(i);
        const auto b = static_cast<std::size_t>(course_learners.indptr()[static_cast<std::size_t>(i)]);
        for (std::size_t j = 0; j < row.size(); ++j)
            if (data[b + j] != 0.0f) {
                indices.push_back(row.indices[j]);
                kept.push_back(data[b + j]);
            }
        indptr[static_cast<std::size_t>(i) + 1] = static_cast<offset_t>(indices.size());
    }
    return CsrMatrix(course_learners.rows(), course_learners.cols(), std::move(indptr), std::move(indices), std::move(kept));
}

}  // namespace detail

/// Builds item-kNN from a learners x courses matrix; see the header comment.
inline ItemKnnModel fit_item_knn(const CsrView& interactions, const ItemKnnConfig& config = {}) {
    config.validate();
    interactions.validate("interactions");
    CsrMatrix rows = ItemKnnModel::query_rows(interactions, config.binary);
    const CsrMatrix course_learners = detail::item_knn_weighted(rows, config);
    const CsrMatrix interactions_w = course_learners.transpose();
    const index_t n = course_learners.rows();
    std::vector<float> inv_norm(static_cast<std::size_t>(n), 1.0f);
    if (config.normalize)
        for (index_t i = 0; i < n; ++i) {
            double s = 0.0;
            for (float w : course_learners.row(i).weights) s += static_cast<double>(w) * w;
            inv_norm[static_cast<std::size_t>(i)] = s > 0.0 ? static_cast<float>(1.0 / std::sqrt(s)) : 0.0f;
        }

    struct Neighbour {
        float score;
        index_t id;
    };
    const auto better = [](const Neighbour& a, const Neighbour& b) {
        return a.score > b.score || (a.score == b.score && a.id < b.id);
    };
    std::vector<std::vector<Neighbour>> lists(static_cast<std::size_t>(n));
    const int threads = detail::resolve_threads(config.num_threads);
    struct Scratch {
        std::vector<double> dot;     // dense accumulator over courses
        std::vector<index_t> owner;  // owner[c] == i: dot[c] belongs to course i's pass
        std::vector<index_t> seen;   // courses touched in this pass
    };
    std::vector<Scratch> scratch(static_cast<std::size_t>(threads));
    detail::parallel_for(0, n, threads, [&](std::int64_t ci) {
        const auto i = static_cast<index_t>(ci);
        const auto t = static_cast<std::size_t>(detail::thread_index());
        auto& sc = scratch[t];
        if (sc.dot.size() != static_cast<std::size_t>(n)) {
            sc.dot.assign(static_cast<std::size_t>(n), 0.0);
            sc.owner.assign(static_cast<std::size_t>(n), -1);
        }
        sc.seen.clear();
        // Sparse dot products of course i with every course sharing a learner (double accumulation).
        const auto users = course_learners.row(i);
        for (std::size_t k = 0; k < users.size(); ++k) {
            const auto row = interactions_w.row(users.indices[k]);
            const double w = users.weights[k];
            for (std::size_t j = 0; j < row.size(); ++j) {
                const auto c = static_cast<std::size_t>(row.indices[j]);
                if (sc.owner[c] != i) {
                    sc.owner[c] = i;
                    sc.dot[c] = 0.0;
                    sc.seen.push_back(row.indices[j]);
                }
                sc.dot[c] += w * row.weights[j];
            }
        }
        std::vector<Neighbour> cand;
        cand.reserve(sc.seen.size());
        for (auto c : sc.seen) {
            const double dot = sc.dot[static_cast<std::size_t>(c)];
            const auto s = static_cast<float>(dot * inv_norm[static_cast<std::size_t>(i)] * inv_norm[static_cast<std::size_t>(c)]);
            if (s != 0.0f && std::isfinite(s)) cand.push_back({s, c});
        }
        const auto k = std::min<std::size_t>(cand.size(), static_cast<std::size_t>(config.neighbours));
        std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(k), cand.end(), better);
        cand.resize(k);
        std::sort(cand.begin(), cand.end(), [](const Neighbour& x, const Neighbour& y) { return x.id < y.id; });
        lists[static_cast<std::size_t>(i)] = std::move(cand);
    }, 16);

    std::vector<offset_t> indptr(static_cast<std::size_t>(n) + 1, 0);
    for (index_t i = 0; i < n; ++i)
        indptr[static_cast<std::size_t>(i) + 1] = indptr[static_cast<std::size_t>(i)] + static_cast<offset_t>(lists[static_cast<std::size_t>(i)].size());
    std::vector<index_t> indices(static_cast<std::size_t>(indptr.back()));
    std::vector<float> data(indices.size());
    for (index_t i = 0; i < n; ++i) {
        auto p = static_cast<std::size_t>(indptr[static_cast<std::size_t>(i)]);
        for (const auto& nb : lists[static_cast<std::size_t>(i)]) {
            indices[p] = nb.id;
            data[p++] = nb.score;
        }
    }
    CsrMatrix similarity(n, n, std::move(indptr), std::move(indices), std::move(data));
    return ItemKnnModel(std::move(rows), std::move(similarity), config);
}

}  // namespace learnrec
