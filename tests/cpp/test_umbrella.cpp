// The umbrella header: it compiles on its own and includes every public header, so a header
// added later without joining it is caught here.
#include "learnrec/learnrec.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace fs = std::filesystem;

TEST_CASE("learnrec.hpp includes every public header of include/learnrec", "[umbrella]") {
    const fs::path root = fs::path(LEARNREC_INCLUDE_DIR);
    REQUIRE(fs::is_directory(root / "learnrec"));
    std::ifstream in(root / "learnrec" / "learnrec.hpp");
    const std::string umbrella((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> missing;
    std::size_t headers = 0;
    for (const auto& entry : fs::recursive_directory_iterator(root / "learnrec")) {
        if (!entry.is_regular_file() || entry.path().extension() != ".hpp") continue;
        const std::string rel = entry.path().lexically_relative(root).generic_string();
        // detail/ is internal; the umbrella is not its own member.
        if (rel.starts_with("learnrec/detail/") || rel == "learnrec/learnrec.hpp") continue;
        ++headers;
        if (umbrella.find("#include \"" + rel + "\"") == std::string::npos) missing.push_back(rel);
    }
    std::sort(missing.begin(), missing.end());
    INFO("missing from learnrec.hpp: " << [&] {
        std::string s;
        for (const auto& m : missing) s += m + " ";
        return s;
    }());
    CHECK(headers > 0);  // the scan found the tree
    CHECK(missing.empty());
}

TEST_CASE("the umbrella header gives a host the whole API from one include", "[umbrella]") {
    // One name from each layer, used the way a host program would.
    CHECK(learnrec::model_file_version >= 1);
    CHECK(!learnrec::model_file_kinds().empty());
    learnrec::ranking::RankingRules rules;
    CHECK(rules.k > 0);
}
