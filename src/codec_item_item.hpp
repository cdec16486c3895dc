// learnrec — internal: the arrays of the dense course x course models (EASE, GFCF) in model files:
// the training query rows (CSR) then the course x course matrix. Included only by their codecs.
#pragma once

#include "model_payload.hpp"

namespace learnrec::detail {

template <class M>
void save_item_item_matrices(const M& m, PayloadWriter& out) {
    out.csr(m.training_rows());
    out.matrix(m.item_weights());
}

/// The course x course matrix, which must be square over the training rows' courses.
inline RowMatrix read_course_matrix(PayloadReader& in, const CsrMatrix& train) {
    RowMatrix b = in.matrix("course matrix");
    if (b.rows() != b.cols() || b.rows() != train.cols())
        in.fail(fmt::format("course matrix is {} x {} for {} courses", b.rows(), b.cols(), train.cols()));
    return b;
}

}  // namespace learnrec::detail
