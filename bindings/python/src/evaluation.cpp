// learnrec._core — offline evaluation: train/test splits and ranking metrics.
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "common.hpp"
#include "learnrec/eval/metrics.hpp"
#include "learnrec/eval/split.hpp"

namespace learnrec::python {

namespace {

py::tuple split_to_numpy(Split&& split) {
    return py::make_tuple(csr_to_numpy(std::move(split.train)), csr_to_numpy(std::move(split.test)));
}

}  // namespace

void register_evaluation(py::module_& m) {
    m.def(
        "holdout_split",
        [](const PyCsr& user_items, double test_fraction, std::uint64_t seed) {
            return split_to_numpy(released([&] { return holdout_split(user_items.view, test_fraction, seed); }));
        },
        py::arg("user_items"), py::arg("test_fraction"), py::arg("seed"),
        "learnrec::holdout_split: ((indptr, indices, data, shape) of train, same of test).");

    m.def(
        "leave_last_k_out",
        [](const PyCsr& user_items, py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> timestamps,
           index_t k) {
            const std::span<const std::int64_t> times(timestamps.data(), static_cast<std::size_t>(timestamps.size()));
            return split_to_numpy(released([&] { return leave_last_k_out(user_items.view, times, k); }));
        },
        py::arg("user_items"), py::arg("timestamps"), py::arg("k"),
        "learnrec::leave_last_k_out: each learner's k most recent positives to test.");

    m.def(
        "cold_start_split",
        [](const PyCsr& user_items, double fraction, std::uint64_t seed) {
            ColdStartSplit split = released([&] { return cold_start_split(user_items.view, fraction, seed); });
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
            using namespace py::literals;
            const RankingMetrics r = released([&] { return evaluate(model, train.view, test.view, k, num_threads); });
            return py::dict("recall"_a = r.recall, "precision"_a = r.precision, "ndcg"_a = r.ndcg, "map"_a = r.map,
                            "hit_rate"_a = r.hit_rate, "mrr"_a = r.mrr, "auc"_a = r.auc, "coverage"_a = r.coverage,
                            "learners"_a = r.learners);
        },
        py::arg("model"), py::arg("train"), py::arg("test"), py::arg("k"), py::arg("num_threads") = 0,
        "learnrec::evaluate: recall, precision and NDCG at k over learners with test courses.");
}

}  // namespace learnrec::python
