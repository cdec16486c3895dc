// learnrec — compressed sparse row matrices (learners x courses, or x features).
//
// CsrView borrows arrays (from a CsrMatrix, numpy or a service's memory); CsrMatrix owns them.
// Weights are float32, column indices int32, row pointers int64.
// Thread safety: both are safe to read from many threads; neither is mutated after construction
// except through CsrMatrix's non-const members, which callers must not race with readers.
// Complexity: validate() is O(rows + nnz); from_triplets is O(nnz log nnz); transpose O(rows + cols + nnz).
#pragma once

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "learnrec/error.hpp"
#include "learnrec/types.hpp"

namespace learnrec {

/// One row of a CSR matrix: parallel spans of column indices and weights.
struct CsrRow {
    std::span<const index_t> indices;
    std::span<const float> weights;
    std::size_t size() const noexcept { return indices.size(); }
};

/// Non-owning CSR matrix. The arrays must outlive the view.
struct CsrView {
    index_t rows = 0;
    index_t cols = 0;
    std::span<const offset_t> indptr;   // rows + 1 entries, indptr[0] == 0
    std::span<const index_t> indices;   // nnz entries, each in [0, cols)
    std::span<const float> data;        // nnz entries

    offset_t nnz() const noexcept { return indptr.empty() ? 0 : indptr.back(); }

    CsrRow row(index_t r) const noexcept {
        const auto b = static_cast<std::size_t>(indptr[static_cast<std::size_t>(r)]);
        const auto e = static_cast<std::size_t>(indptr[static_cast<std::size_t>(r) + 1]);
        return {indices.subspan(b, e - b), data.subspan(b, e - b)};
    }

    /// Checks structure and values; throws Error naming `what` and the first offending entry.
    /// Weights must be finite and non-zero (zero carries no information and is rejected so
    /// that nothing is silently ignored; negative weights are negative feedback).
    void validate(const char* what = "CSR matrix") const {
        LEARNREC_CHECK(rows >= 0 && cols >= 0, "{}: negative shape ({}, {})", what, rows, cols);
        LEARNREC_CHECK(indptr.size() == static_cast<std::size_t>(rows) + 1,
                       "{}: indptr has {} entries, expected rows + 1 = {}", what, indptr.size(),
                       static_cast<std::size_t>(rows) + 1);
        LEARNREC_CHECK(indptr[0] == 0, "{}: indptr[0] is {}, expected 0", what, indptr[0]);
        for (std::size_t r = 0; r < static_cast<std::size_t>(rows); ++r)
            LEARNREC_CHECK(indptr[r] <= indptr[r + 1], "{}: indptr decreases at row {} ({} > {})", what,
                           r, indptr[r], indptr[r + 1]);
        const auto n = static_cast<std::size_t>(indptr.back());
        LEARNREC_CHECK(indices.size() == n && data.size() == n,
                       "{}: indptr ends at {} but indices has {} and data {} entries", what, n,
                       indices.size(), data.size());
        for (std::size_t r = 0; r < static_cast<std::size_t>(rows); ++r) {
            for (auto p = static_cast<std::size_t>(indptr[r]); p < static_cast<std::size_t>(indptr[r + 1]); ++p) {
                LEARNREC_CHECK(indices[p] >= 0 && indices[p] < cols,
                               "{}: row {} has column index {} outside [0, {})", what, r, indices[p], cols);
                LEARNREC_CHECK(std::isfinite(data[p]), "{}: row {} column {} has non-finite weight {}", what, r,
                               indices[p], data[p]);
                LEARNREC_CHECK(data[p] != 0.0f,
                               "{}: row {} column {} has weight 0; remove the entry or give it a weight", what, r,
                               indices[p]);
            }
        }
    }

    /// True when every row's indices are strictly increasing (no duplicates).
    bool has_sorted_unique_indices() const noexcept {
        for (index_t r = 0; r < rows; ++r) {
            auto ix = row(r).indices;
            for (std::size_t j = 1; j < ix.size(); ++j)
                if (ix[j - 1] >= ix[j]) return false;
        }
        return true;
    }
};

/// A (row, column, weight) entry used to build matrices.
struct Triplet {
    index_t row;
    index_t col;
    float weight;
};

/// Owning CSR matrix with sorted, unique column indices in every row.
class CsrMatrix {
public:
    CsrMatrix() : indptr_(1, 0) {}
    CsrMatrix(index_t rows, index_t cols) : rows_(rows), cols_(cols), indptr_(checked_rows(rows, cols) + 1, 0) {}

    /// Takes ownership of arrays and validates them. Rows are sorted by column; duplicates are
    /// summed (a sum of exactly zero is an error, since the pair would silently vanish).
    CsrMatrix(index_t rows, index_t cols, std::vector<offset_t> indptr, std::vector<index_t> indices,
              std::vector<float> data)
        : rows_(rows), cols_(cols), indptr_(std::move(indptr)), indices_(std::move(indices)), data_(std::move(data)) {
        view().validate();
        canonicalize();
    }

    /// Builds from entries in any order; duplicates (same row and column) are summed.
    static CsrMatrix from_triplets(index_t rows, index_t cols, std::span<const Triplet> entries) {
        CsrMatrix m(rows, cols);
        for (const auto& t : entries) {
            LEARNREC_CHECK(t.row >= 0 && t.row < rows && t.col >= 0 && t.col < cols,
                           "entry ({}, {}) outside shape ({}, {})", t.row, t.col, rows, cols);
            ++m.indptr_[static_cast<std::size_t>(t.row) + 1];
        }
        std::partial_sum(m.indptr_.begin(), m.indptr_.end(), m.indptr_.begin());
        m.indices_.resize(entries.size());
        m.data_.resize(entries.size());
        std::vector<offset_t> fill(m.indptr_.begin(), m.indptr_.end() - 1);
        for (const auto& t : entries) {
            const auto p = static_cast<std::size_t>(fill[static_cast<std::size_t>(t.row)]++);
            m.indices_[p] = t.col;
            m.data_[p] = t.weight;
        }
        m.view().validate("entries");
        m.canonicalize();
        return m;
    }

    index_t rows() const noexcept { return rows_; }
    index_t cols() const noexcept { return cols_; }
    offset_t nnz() const noexcept { return indptr_.back(); }
    const std::vector<offset_t>& indptr() const noexcept { return indptr_; }
    const std::vector<index_t>& indices() const noexcept { return indices_; }
    const std::vector<float>& data() const noexcept { return data_; }

    CsrView view() const noexcept { return {rows_, cols_, indptr_, indices_, data_}; }
    operator CsrView() const noexcept { return view(); }  // NOLINT: a matrix is usable wherever a view is
    CsrRow row(index_t r) const noexcept { return view().row(r); }

    /// Copies a validated view, sorting rows and summing duplicates.
    static CsrMatrix copy_of(const CsrView& v) {
        v.validate();
        return CsrMatrix(v.rows, v.cols, {v.indptr.begin(), v.indptr.end()}, {v.indices.begin(), v.indices.end()},
                         {v.data.begin(), v.data.end()});
    }

    /// The transpose (courses x learners for a learners x courses matrix), rows sorted.
    CsrMatrix transpose() const { return transpose_of(view()); }

    /// Transpose of any valid view; rows of the result are sorted by column, duplicates kept as given.
    static CsrMatrix transpose_of(const CsrView& v) {
        CsrMatrix t(v.cols, v.rows);
        for (auto c : v.indices) ++t.indptr_[static_cast<std::size_t>(c) + 1];
        std::partial_sum(t.indptr_.begin(), t.indptr_.end(), t.indptr_.begin());
        t.indices_.resize(v.indices.size());
        t.data_.resize(v.data.size());
        std::vector<offset_t> fill(t.indptr_.begin(), t.indptr_.end() - 1);
        for (index_t r = 0; r < v.rows; ++r)
            for (auto p = v.indptr[static_cast<std::size_t>(r)]; p < v.indptr[static_cast<std::size_t>(r) + 1]; ++p) {
                const auto q = static_cast<std::size_t>(fill[static_cast<std::size_t>(v.indices[static_cast<std::size_t>(p)])]++);
                t.indices_[q] = r;
                t.data_[q] = v.data[static_cast<std::size_t>(p)];
            }
        return t;  // rows come out sorted because source rows are visited in order
    }

    /// Rows selected in the given order (e.g. the histories of a batch of learners).
    CsrMatrix select_rows(std::span<const index_t> which) const {
        CsrMatrix s(static_cast<index_t>(which.size()), cols_);
        for (std::size_t i = 0; i < which.size(); ++i) {
            LEARNREC_CHECK(which[i] >= 0 && which[i] < rows_, "row {} outside [0, {})", which[i], rows_);
            const auto r = row(which[i]);
            s.indices_.insert(s.indices_.end(), r.indices.begin(), r.indices.end());
            s.data_.insert(s.data_.end(), r.weights.begin(), r.weights.end());
            s.indptr_[i + 1] = static_cast<offset_t>(s.indices_.size());
        }
        return s;
    }

private:
    /// Checks the shape before anything is sized from it (rows = -2 would otherwise ask for SIZE_MAX).
    static std::size_t checked_rows(index_t rows, index_t cols) {
        LEARNREC_CHECK(rows >= 0 && cols >= 0, "negative shape ({}, {})", rows, cols);
        return static_cast<std::size_t>(rows);
    }

    void canonicalize() {
        std::vector<std::pair<index_t, float>> buf;
        std::vector<offset_t> out_ptr(indptr_.size(), 0);
        std::size_t out = 0;
        for (std::size_t r = 0; r < static_cast<std::size_t>(rows_); ++r) {
            const auto b = static_cast<std::size_t>(indptr_[r]);
            const auto e = static_cast<std::size_t>(indptr_[r + 1]);
            bool sorted = true;
            for (auto p = b + 1; p < e; ++p) sorted = sorted && indices_[p - 1] < indices_[p];
            if (sorted) {
                for (auto p = b; p < e; ++p, ++out) {
                    indices_[out] = indices_[p];
                    data_[out] = data_[p];
                }
            } else {
                buf.clear();
                for (auto p = b; p < e; ++p) buf.emplace_back(indices_[p], data_[p]);
                std::stable_sort(buf.begin(), buf.end(), [](auto& x, auto& y) { return x.first < y.first; });
                for (std::size_t j = 0; j < buf.size(); ++j) {
                    if (j > 0 && buf[j].first == buf[j - 1].first) {
                        data_[out - 1] += buf[j].second;
                        continue;
                    }
                    indices_[out] = buf[j].first;
                    data_[out] = buf[j].second;
                    ++out;
                }
                for (auto p = static_cast<std::size_t>(out_ptr[r]); p < out; ++p)
                    LEARNREC_CHECK(data_[p] != 0.0f && std::isfinite(data_[p]),
                                   "row {} column {}: duplicate weights sum to {}; a pair must keep a non-zero, "
                                   "finite total",
                                   r, indices_[p], data_[p]);
            }
            out_ptr[r + 1] = static_cast<offset_t>(out);
        }
        indptr_ = std::move(out_ptr);
        indices_.resize(out);
        data_.resize(out);
    }

    index_t rows_ = 0;
    index_t cols_ = 0;
    std::vector<offset_t> indptr_;
    std::vector<index_t> indices_;
    std::vector<float> data_;
};

}  // namespace learnrec
