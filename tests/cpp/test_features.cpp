// Tests for the feature CSV reader and writer (learnrec/data/features.hpp).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "learnrec/data/features.hpp"

using namespace learnrec;

namespace {

const IdMap& learners() {
    static const IdMap ids(std::vector<std::string>{"L1", "L2", "L3"});
    return ids;
}

FeatureMatrix parse(std::string_view text, const FeatureCsvOptions& options = {}, const IdMap* vocabulary = nullptr) {
    return parse_features_csv(text, "features.csv", learners(), options, vocabulary);
}

float weight_at(const FeatureMatrix& f, index_t row, std::string_view feature) {
    const auto col = f.features.at(feature);
    const auto r = f.matrix.row(row);
    for (std::size_t k = 0; k < r.size(); ++k)
        if (r.indices[k] == col) return r.weights[k];
    return 0.0f;
}

std::filesystem::path temp_path(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / ("learnrec_features_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir / name;
}

}  // namespace

TEST_CASE("feature rows are aligned to the given ids and columns follow first appearance", "[features]") {
    const auto f = parse("learner_id,feature\nL3,role=engineer\nL1,country=France\nL1,role=engineer\n");
    REQUIRE(f.matrix.rows() == 3);
    REQUIRE(f.matrix.cols() == 2);
    CHECK(f.features.id(0) == "role=engineer");
    CHECK(f.features.id(1) == "country=France");
    CHECK(weight_at(f, 0, "role=engineer") == 1.0f);
    CHECK(weight_at(f, 0, "country=France") == 1.0f);
    CHECK(f.matrix.row(1).size() == 0);  // L2 has no features: an empty row, not a missing one
    CHECK(weight_at(f, 2, "role=engineer") == 1.0f);
    CHECK(f.matrix.nnz() == 3);
}

TEST_CASE("course feature files use a course_id column", "[features]") {
    const IdMap courses(std::vector<std::string>{"C1", "C2"});
    const auto f = parse_features_csv("course_id,feature,weight\nC2,topic=cloud,2\n", "c.csv", courses);
    REQUIRE(f.matrix.rows() == 2);
    CHECK(f.matrix.row(1).weights[0] == 2.0f);
}

TEST_CASE("feature weights default to 1 and duplicate records are summed", "[features]") {
    const auto f = parse("feature,weight,learner_id\nskill=sql,0.5,L2\nskill=sql,0.25,L2\nskill=git,1,L2\n");
    CHECK(weight_at(f, 1, "skill=sql") == 0.75f);
    CHECK(weight_at(f, 1, "skill=git") == 1.0f);
    CHECK(f.matrix.nnz() == 2);
}

TEST_CASE("a fixed vocabulary sets the columns, unused features included", "[features]") {
    const IdMap vocabulary(std::vector<std::string>{"a", "b", "c"});
    const auto f = parse("learner_id,feature\nL1,c\nL2,a\n", {}, &vocabulary);
    REQUIRE(f.matrix.cols() == 3);
    CHECK(f.features.id(2) == "c");
    CHECK(f.matrix.row(0).indices[0] == 2);
    CHECK(f.matrix.row(1).indices[0] == 0);
}

TEST_CASE("a feature outside a fixed vocabulary is an error naming file and line", "[features]") {
    const IdMap vocabulary(std::vector<std::string>{"a"});
    CHECK_THROWS_WITH(parse("learner_id,feature\nL1,a\nL2,zzz\n", {}, &vocabulary),
                      Catch::Contains("features.csv:3") && Catch::Contains("unknown feature 'zzz'"));
}

TEST_CASE("an unknown id is an error naming file, line and id", "[features]") {
    CHECK_THROWS_WITH(parse("learner_id,feature\nL1,a\nL9,b\n"),
                      Catch::Contains("features.csv:3") && Catch::Contains("unknown learner_id 'L9'"));
}

TEST_CASE("allow_unknown_ids skips and counts records with unknown ids", "[features]") {
    FeatureCsvOptions options;
    options.allow_unknown_ids = true;
    const auto f = parse("learner_id,feature\nL1,a\nL9,b\nL8,a\n", options);
    CHECK(f.skipped_records == 2);
    CHECK(f.matrix.nnz() == 1);
    CHECK(f.features.size() == 1);  // 'b' appeared only with an unknown id
}

TEST_CASE("zero, negative, NaN, infinite and non-numeric feature weights are errors naming file and line",
          "[features]") {
    for (const std::string bad : {"0", "-1", "nan", "inf", "abc", ""}) {
        INFO("weight '" << bad << "'");
        CHECK_THROWS_WITH(parse("learner_id,feature,weight\nL1,a,1\nL2,b," + bad + "\n"),
                          Catch::Contains("features.csv:3") && Catch::Contains("weight"));
    }
}

TEST_CASE("a missing column is an error naming the file and the expected columns", "[features]") {
    CHECK_THROWS_WITH(parse("learner_id,weight\nL1,1\n"),
                      Catch::Contains("features.csv:1") && Catch::Contains("missing required column 'feature'"));
    CHECK_THROWS_WITH(parse("feature,weight\na,1\n"),
                      Catch::Contains("features.csv:1") && Catch::Contains("learner_id or course_id"));
    CHECK_THROWS_WITH(parse("learner_id,course_id,feature\nL1,C1,a\n"),
                      Catch::Contains("features.csv:1") && Catch::Contains("both learner_id and course_id"));
    CHECK_THROWS_WITH(parse(""), Catch::Contains("features.csv:1") && Catch::Contains("empty file"));
}

TEST_CASE("empty ids, empty features and ragged rows are errors naming file and line", "[features]") {
    CHECK_THROWS_WITH(parse("learner_id,feature\n,a\n"), Catch::Contains("features.csv:2") && Catch::Contains("empty learner_id"));
    CHECK_THROWS_WITH(parse("learner_id,feature\nL1,\n"), Catch::Contains("features.csv:2") && Catch::Contains("empty feature"));
    CHECK_THROWS_WITH(parse("learner_id,feature\nL1,a,3\n"), Catch::Contains("features.csv:2") && Catch::Contains("expected 2 fields"));
}

TEST_CASE("unknown extra columns are errors unless ignored", "[features]") {
    CHECK_THROWS_WITH(parse("learner_id,feature,source\nL1,a,hr\n"), Catch::Contains("unknown column 'source'"));
    FeatureCsvOptions options;
    options.ignored_columns = {"source"};
    CHECK(parse("learner_id,feature,source\nL1,a,hr\n", options).matrix.nnz() == 1);
}

TEST_CASE("a missing feature file is an error naming the path", "[features]") {
    CHECK_THROWS_WITH(read_features_csv("/nonexistent/learner_features.csv", learners()),
                      Catch::Contains("/nonexistent/learner_features.csv"));
}

TEST_CASE("written features read back into the same matrix, quoting included", "[features]") {
    const auto original = parse("learner_id,feature,weight\nL2,\"title=Cloud, Advanced\",0.3\nL1,a,2\nL2,a,1\n");
    const auto path = temp_path("features.csv");
    write_features_csv(path, original, learners(), "learner_id");
    const auto back = read_features_csv(path, learners(), {}, &original.features);
    CHECK(back.matrix.indptr() == original.matrix.indptr());
    CHECK(back.matrix.indices() == original.matrix.indices());
    CHECK(back.matrix.data() == original.matrix.data());
    std::filesystem::remove(path);
}

TEST_CASE("writing features checks the id column and the shapes", "[features]") {
    const auto f = parse("learner_id,feature\nL1,a\n");
    const auto path = temp_path("unused.csv");
    CHECK_THROWS_WITH(write_features_csv(path, f, learners(), "user"), Catch::Contains("learner_id or course_id"));
    const IdMap two(std::vector<std::string>{"L1", "L2"});
    CHECK_THROWS_WITH(write_features_csv(path, f, two, "learner_id"), Catch::Contains("3 feature rows but 2 ids"));
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("feature files may use another delimiter", "[features]") {
    FeatureCsvOptions options;
    options.delimiter = ';';
    const auto f = parse("learner_id;feature;weight\nL1;\"a;b\";2\n", options);
    CHECK(f.features.id(0) == "a;b");
    CHECK(f.matrix.row(0).weights[0] == 2.0f);
}
