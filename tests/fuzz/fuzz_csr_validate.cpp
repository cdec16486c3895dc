// Fuzz target: CsrView::validate() on arbitrary arrays, then the operations that rely on it.
//
// Input layout: int8 rows, int8 cols, u8 indptr entries, u8 non-zeros, then the indptr entries
// (int64 each), the column indices (int32 each) and the weights (float each); missing bytes read
// as zero. The span sizes are independent of rows/nnz on purpose, so mismatches are explored.
#include <cstring>
#include <vector>

#include "fuzz_common.hpp"
#include "learnrec/data/csr.hpp"

namespace {
struct Reader {
    const std::uint8_t* data;
    std::size_t size;
    std::size_t pos = 0;
    template <class T>
    T next() {
        T v{};
        const std::size_t n = pos < size ? std::min(sizeof(T), size - pos) : 0;
        if (n > 0) std::memcpy(&v, data + pos, n);
        pos += sizeof(T);
        return v;
    }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Reader in{data, size};
    const auto rows = static_cast<learnrec::index_t>(in.next<std::int8_t>());
    const auto cols = static_cast<learnrec::index_t>(in.next<std::int8_t>());
    const std::size_t n_indptr = in.next<std::uint8_t>();
    const std::size_t nnz = in.next<std::uint8_t>();
    std::vector<learnrec::offset_t> indptr(n_indptr);
    std::vector<learnrec::index_t> indices(nnz);
    std::vector<float> weights(nnz);
    for (auto& v : indptr) v = in.next<learnrec::offset_t>();
    for (auto& v : indices) v = in.next<learnrec::index_t>();
    for (auto& v : weights) v = in.next<float>();
    const learnrec::CsrView view{rows, cols, indptr, indices, weights};
    try {
        view.validate("fuzz");
    } catch (const learnrec::Error&) {
        return 0;
    }
    // Valid: everything that assumes validity must work and agree.
    (void)view.has_sorted_unique_indices();
    for (learnrec::index_t r = 0; r < view.rows; ++r) (void)view.row(r);
    try {
        const auto copy = learnrec::CsrMatrix::copy_of(view);  // sums duplicates; a zero sum is an Error
        const auto t = copy.transpose();
        if (t.rows() != cols || t.cols() != rows || t.nnz() != copy.nnz()) __builtin_trap();
        if (!copy.view().has_sorted_unique_indices() || !t.view().has_sorted_unique_indices()) __builtin_trap();
        t.view().validate("transpose");
    } catch (const learnrec::Error&) {
    }
    return 0;
}
