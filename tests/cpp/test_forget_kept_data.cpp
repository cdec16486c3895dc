// Forgetting a learner from a model file alone, when the file keeps its training data (format
// version 3; issue #21's `learnrec forget --model FILE --learner ID --out FILE`).
#include <catch2/catch.hpp>

#include "learnrec/io/forget.hpp"
#include "learnrec/io/model_file.hpp"
#include "learnrec/model/als.hpp"
#include "test_support.hpp"

using namespace learnrec;
using Catch::Matchers::Contains;

namespace {

IdMap numbered(const char* prefix, index_t n) {
    std::vector<std::string> v;
    for (index_t i = 0; i < n; ++i) v.push_back(fmt::format("{}{:04}", prefix, i));
    return IdMap(std::move(v));
}

/// An exactly solved ALS model on 60 x 25 random interactions, with ids and the data kept.
ModelBundle bundle_keeping_data() {
    auto data = std::make_shared<const CsrMatrix>(test_support::random_interactions(60, 25, 2, 9, 0.05, 11));
    AlsConfig c;
    c.factors = 6;
    c.iterations = 4;
    c.regularization = 0.5f;
    c.solver = AlsSolver::cholesky;
    c.num_threads = 1;
    ModelBundle b{std::make_shared<const AlsModel>(fit_als(data->view(), c)), numbered("L", 60), numbered("C", 25), {}};
    b.metadata.data_fingerprint = data_fingerprint(data->view(), b.learners, b.courses);
    b.training = std::move(data);
    return b;
}

const AlsModel& als(const ModelBundle& b) { return dynamic_cast<const AlsModel&>(*b.model); }

}  // namespace

TEST_CASE("forgetting from the data a file keeps equals forgetting with that data given", "[fresh]") {
    const ModelBundle kept = from_bytes(to_bytes(bundle_keeping_data()));
    const Interactions given{*kept.training, kept.learners, kept.courses, {}};
    const std::vector<std::string> gone{"L0023"};
    const ForgetResult from_file = forget_learners(kept, gone, 1);
    const ForgetResult from_data = forget_learners(kept, given, gone, 1);
    CHECK(from_file.data_matches_fingerprint);
    CHECK(from_file.report.courses_resolved == from_data.report.courses_resolved);
    CHECK(als(from_file.bundle).user_factors() == als(from_data.bundle).user_factors());
    CHECK(als(from_file.bundle).item_factors() == als(from_data.bundle).item_factors());
    CHECK(from_file.bundle.metadata.data_fingerprint == from_data.bundle.metadata.data_fingerprint);
}

TEST_CASE("a forgotten learner's interactions leave the training data the file keeps", "[fresh]") {
    const ModelBundle kept = bundle_keeping_data();
    const offset_t theirs = static_cast<offset_t>(kept.training->row(23).size());
    const ForgetResult result = forget_learners(kept, std::vector<std::string>{"L0023"}, 1);
    REQUIRE(result.bundle.training != nullptr);
    CHECK(result.bundle.training->rows() == 59);
    CHECK(result.bundle.training->nnz() == kept.training->nnz() - theirs);
    // Row 23 now holds the next learner's interactions.
    const auto next = kept.training->row(24), moved = result.bundle.training->row(23);
    CHECK(std::vector<index_t>(moved.indices.begin(), moved.indices.end()) ==
          std::vector<index_t>(next.indices.begin(), next.indices.end()));
    const std::string bytes = to_bytes(result.bundle);
    CHECK(bytes.find("L0023") == std::string::npos);
    CHECK(from_bytes(bytes).metadata.data_fingerprint ==
          data_fingerprint(result.bundle.training->view(), result.bundle.learners, result.bundle.courses));
}

TEST_CASE("a file forgotten from can be forgotten from again without data", "[fresh]") {
    const ForgetResult first = forget_learners(bundle_keeping_data(), std::vector<std::string>{"L0023"}, 1);
    const ModelBundle reloaded = from_bytes(to_bytes(first.bundle));
    const ForgetResult second = forget_learners(reloaded, std::vector<std::string>{"L0007"}, 1);
    CHECK(second.bundle.learners.size() == 58);
    CHECK_FALSE(second.bundle.learners.find("L0007").has_value());
    CHECK(second.bundle.metadata.history.size() == 2);
}

TEST_CASE("forgetting without data from a file that keeps none says how to give it", "[fresh]") {
    ModelBundle plain = bundle_keeping_data();
    plain.training.reset();
    CHECK_THROWS_WITH(forget_learners(plain, std::vector<std::string>{"L0001"}),
                      Contains("keeps no training data") && Contains("--keep-training-data"));
}
