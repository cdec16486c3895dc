// learnrec — internal: the hybrid model's representations from ids and features (table rows,
// representations, the least-squares tables of hybrid_from_factors). See model/hybrid.hpp.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <cassert>
#include <numeric>
#include <span>
#include <vector>

#include "learnrec/types.hpp"  // first: it configures Eigen before Eigen is seen

#include <Eigen/Cholesky>

#include "learnrec/data/csr.hpp"
#include "learnrec/detail/parallel.hpp"
#include "learnrec/error.hpp"

namespace learnrec::detail {

/// Builds entities x (ids + features) rows: one-hot ids when `ids`, then `features` shifted past
/// them; with `normalize` each row is scaled to sum 1 in absolute value. `features` may be empty
/// (0 columns): then it is ignored.
inline CsrMatrix hybrid_table_rows(index_t entities, bool ids, const CsrView* features, bool normalize,
                                   const char* what) {
    const index_t nf = features ? features->cols : 0;
    assert(!features || features->rows == entities);
    const index_t id_cols = ids ? entities : 0;
    const auto width = detail::checked_add(static_cast<std::size_t>(id_cols), static_cast<std::size_t>(nf), what);
    LEARNREC_CHECK(width <= static_cast<std::size_t>(std::numeric_limits<index_t>::max()),
                   "{}: {} ids + {} features exceed the index range", what, id_cols, nf);
    std::vector<offset_t> indptr(static_cast<std::size_t>(entities) + 1, 0);
    std::vector<index_t> indices;
    std::vector<float> data;
    const auto nnz = (features ? static_cast<std::size_t>(features->nnz()) : 0) + static_cast<std::size_t>(id_cols);
    indices.reserve(nnz);
    data.reserve(nnz);
    for (index_t e = 0; e < entities; ++e) {
        const std::size_t start = indices.size();
        if (ids) {
            indices.push_back(e);
            data.push_back(1.0f);
        }
        if (features) {
            const auto row = features->row(e);
            for (std::size_t k = 0; k < row.size(); ++k) {
                indices.push_back(id_cols + row.indices[k]);
                data.push_back(row.weights[k]);
            }
        }
        if (normalize) {
            double sum = 0.0;
            for (std::size_t p = start; p < data.size(); ++p) sum += std::abs(static_cast<double>(data[p]));
            if (sum > 0.0)
                for (std::size_t p = start; p < data.size(); ++p) data[p] = static_cast<float>(data[p] / sum);
        }
        indptr[static_cast<std::size_t>(e) + 1] = static_cast<offset_t>(indices.size());
    }
    // The constructor sorts each row and sums duplicate feature columns.
    return CsrMatrix(entities, static_cast<index_t>(width), std::move(indptr), std::move(indices), std::move(data));
}

/// out = sum over the row's (table row t, weight w) of w * table[t][0, width).
inline void hybrid_sum_rows(const CsrRow& row, const float* table, std::size_t ld, index_t width, float* out) noexcept {
    for (index_t k = 0; k < width; ++k) out[k] = 0.0f;
    for (std::size_t p = 0; p < row.size(); ++p) {
        const float w = row.weights[p];
        const float* t = table + static_cast<std::size_t>(row.indices[p]) * ld;
        for (index_t k = 0; k < width; ++k) out[k] += w * t[k];
    }
}

/// Representations of every row of `rows` over `table`: [sum, 1] for learners (`learner_side`),
/// [sum of the factors, sum of the bias column] for courses. factors + 1 columns either way.
inline RowMatrix hybrid_representations(const CsrView& rows, const RowMatrix& table, index_t factors, bool learner_side,
                                        int num_threads) {
    RowMatrix out(rows.rows, factors + 1);
    const auto ld = static_cast<std::size_t>(table.cols());
    parallel_for(0, rows.rows, num_threads, [&](std::int64_t r) {
        float* o = out.row(r).data();
        hybrid_sum_rows(rows.row(static_cast<index_t>(r)), table.data(), ld, learner_side ? factors : factors + 1, o);
        if (learner_side) o[factors] = 1.0f;
    }, 64);
    return out;
}

/// Checks a CSR view of features: valid, `rows` rows, `cols` columns.
inline void check_feature_matrix(const CsrView& features, index_t rows, index_t cols, const char* what,
                                 const char* entities) {
    LEARNREC_CHECK(features.rows == rows, "{} have {} rows but {} {} were given", what, features.rows, rows,
                   entities);
    LEARNREC_CHECK(features.cols == cols, "{} have {} columns but the model was trained with {} features", what,
                   features.cols, cols);
    features.validate(what);
}

/// Least-squares feature embeddings: argmin_E |F E - T|^2 + ridge |E|^2 over the rows of F
/// (entities x features) and targets T (entities x width). O(nnz(F) * (features + width) + features^3).
inline RowMatrix hybrid_ridge(const CsrView& f, const RowMatrix& targets, float ridge) {
    // A dense features x features system: fine for profile and metadata vocabularies, not for
    // millions of tokens (the SGD model has no such limit).
    LEARNREC_CHECK(f.cols <= 16384, "the least-squares variant solves a dense system over the features: {} features "
                   "exceed 16384; use the WARP/BPR model for larger vocabularies", f.cols);
    const auto n = static_cast<Eigen::Index>(f.cols);
    Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(n, n);
    Eigen::MatrixXd rhs = Eigen::MatrixXd::Zero(n, targets.cols());
    for (index_t r = 0; r < f.rows; ++r) {
        const auto row = f.row(r);
        for (std::size_t a = 0; a < row.size(); ++a) {
            rhs.row(row.indices[a]) += static_cast<double>(row.weights[a]) * targets.row(r).cast<double>();
            for (std::size_t b = 0; b < row.size(); ++b)
                gram(row.indices[a], row.indices[b]) += static_cast<double>(row.weights[a]) * row.weights[b];
        }
    }
    gram.diagonal().array() += static_cast<double>(ridge);
    return Eigen::LDLT<Eigen::MatrixXd>(gram).solve(rhs).cast<float>();
}

/// Embedding table [id rows; feature rows] such that every training entity's representation
/// (its row of `rows`: id then normalised features) equals its target: feature rows from the
/// ridge fit on feature-only rows (what a new entity will have), id rows the remainders.
inline RowMatrix hybrid_table_from_targets(index_t entities, bool ids, const CsrView* features, bool normalize,
                                           const RowMatrix& targets, float ridge, const char* what) {
    const index_t id_rows = ids ? entities : 0;
    RowMatrix table = RowMatrix::Zero(id_rows + (features ? features->cols : 0), targets.cols());
    if (features && features->cols > 0) {
        const CsrMatrix only = hybrid_table_rows(entities, false, features, normalize, what);
        table.bottomRows(features->cols) = hybrid_ridge(only, targets, ridge);
    }
    if (ids) {
        const CsrMatrix rows = hybrid_table_rows(entities, true, features, normalize, what);
        for (index_t e = 0; e < entities; ++e) {
            const auto row = rows.row(e);
            Eigen::RowVectorXf rest = targets.row(e);
            float id_weight = 0.0f;
            for (std::size_t k = 0; k < row.size(); ++k) {
                if (row.indices[k] == e)
                    id_weight = row.weights[k];
                else
                    rest -= row.weights[k] * table.row(row.indices[k]);
            }
            table.row(e) = rest / id_weight;
        }
    }
    return table;
}

}  // namespace learnrec::detail
