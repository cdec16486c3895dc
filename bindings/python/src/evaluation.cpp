// learnrec._core — offline evaluation: train/test splits and ranking metrics.
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "common.hpp"
#include "learnrec/eval/metrics.hpp"
#include "learnrec/eval/split.hpp"

namespace learnrec::python {

void register_evaluation(py::module_& m) {
    m.def(
        "holdout_split",
        [](const PyCsr& user_items, double test_fraction, std::uint64_t seed) {
            Split split;
            {
                py::gil_scoped_release release;
                split = holdout_split(user_items.view, test_fraction, seed);
            }
            return py::make_tuple(csr_to_numpy(std::move(split.train)), csr_to_numpy(std::move(split.test)));
        },
        py::arg("user_items"), py::arg("test_fraction"), py::arg("seed"),
        "learnrec::holdout_split: ((indptr, indices, data, shape) of train, same of test).");

    m.def(
        "leave_last_k_out",
        [](const PyCsr& user_items, py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> timestamps,
           index_t k) {
            Split split;
            {
                py::gil_scoped_release release;
                split = leave_last_k_out(user_items.view,
                                         std::span<const std::int64_t>(timestamps.data(),
                                                                       static_cast<std::size_t>(timestamps.size())),
                                         k);
            }
            return py::make_tuple(csr_to_numpy(std::move(split.train)), csr_to_numpy(std::move(split.test)));
        },
        py::arg("user_items"), py::arg("timestamps"), py::arg("k"),
        "learnrec::leave_last_k_out: each learner's k most recent positives to test.");

    m.def(
        "cold_start_split",
        [](const PyCsr& user_items, double fraction, std::uint64_t seed) {
            ColdStartSplit split;
            {
                py::gil_scoped_release release;
                split = cold_start_split(user_items.view, fraction, seed);
            }
            // An explicit shape: the (count) constructor gave the array a zero stride.
            py::array_t<index_t> learners(std::vector<py::ssize_t>{static_cast<py::ssize_t>(split.learners.size())});
            std::copy(split.learners.begin(), split.learners.end(), learners.mutable_data());
            return py::make_tuple(csr_to_numpy(std::move(split.train)), csr_to_numpy(std::move(split.test)), learners);
        },
        py::arg("user_items"), py::arg("fraction"), py::arg("seed"),
        "learnrec::cold_start_split: (train, test, held-out learner indices).");

    m.def(
        "evaluate",
        [](const Model& model, const PyCsr& train, const PyCsr& test, index_t k, int num_threads) {
            RankingMetrics r;
            {
                py::gil_scoped_release release;
                r = evaluate(model, train.view, test.view, k, num_threads);
            }
            py::dict out;
            out["recall"] = r.recall;
            out["precision"] = r.precision;
            out["ndcg"] = r.ndcg;
            out["map"] = r.map;
            out["hit_rate"] = r.hit_rate;
            out["mrr"] = r.mrr;
            out["auc"] = r.auc;
            out["coverage"] = r.coverage;
            out["learners"] = r.learners;
            return out;
        },
        py::arg("model"), py::arg("train"), py::arg("test"), py::arg("k"), py::arg("num_threads") = 0,
        "learnrec::evaluate: recall, precision and NDCG at k over learners with test courses.");
}

}  // namespace learnrec::python
