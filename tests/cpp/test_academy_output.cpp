// Pins the bytes of every CSV file write_academy_csv writes, for a few configs: refactoring the
// generator (moving code between files) must not change one byte of the dataset.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include <unistd.h>

#include "learnrec/data/academy.hpp"

using namespace learnrec;

namespace {

/// 64-bit FNV-1a over a file's bytes.
std::uint64_t fnv1a_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (std::istreambuf_iterator<char> it(in), end; it != end; ++it) {
        h ^= static_cast<unsigned char>(*it);
        h *= 0x100000001b3ULL;
    }
    return h;
}

/// File name -> FNV-1a of its bytes, for every file write_academy_csv writes for `config`.
std::map<std::string, std::uint64_t> academy_csv_hashes(const AcademyConfig& config, const std::string& tag) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("learnrec_academy_output_" + tag + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    write_academy_csv(generate_academy(config), dir);
    std::map<std::string, std::uint64_t> hashes;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        hashes[entry.path().filename().string()] = fnv1a_file(entry.path());
    std::filesystem::remove_all(dir);
    return hashes;
}

}  // namespace

TEST_CASE("academy CSV files are byte-identical to the pinned schema 2 output (seed 42, 400 x 90)") {
    AcademyConfig config;
    config.seed = 42;
    config.learners = 400;
    config.courses = 90;
    const std::map<std::string, std::uint64_t> expected{
        {"course_features.csv", 0xbbafa2f925e7a756ULL},
        {"courses.csv", 0x7bb0b40f12452222ULL},
        {"events.csv", 0xdd7f79e2954f8e02ULL},
        {"interactions.csv", 0xf9fa707a78dc768fULL},
        {"learner_features.csv", 0xa435db1c1ddd2b07ULL},
        {"learner_skills.csv", 0xeecc40c6a5969013ULL},
        {"learners.csv", 0xd68d8b127440fa78ULL},
        {"obligations.csv", 0x58b4b7132419ef81ULL},
        {"opportunities.csv", 0x78de32082b4379faULL},
        {"prerequisites.csv", 0xbbf52991206d936bULL},
        {"role_profiles.csv", 0xc4878e9769d0bde3ULL},
        {"sessions.csv", 0x751f28147b3b844bULL},
        {"skill_synonyms.csv", 0xc89c71c95af61263ULL},
        {"skills_review.csv", 0xc0b3a33342725562ULL},
        {"workforce_plan.csv", 0x81c5d7693bebe8ddULL}};
    CHECK(academy_csv_hashes(config, "s42") == expected);
}

TEST_CASE("academy CSV files are byte-identical to the pinned schema 2 output (seed 7, 1500 x 200)") {
    AcademyConfig config;
    config.seed = 7;
    config.learners = 1500;
    config.courses = 200;
    config.mean_enrolments = 8.0;
    const std::map<std::string, std::uint64_t> expected{
        {"course_features.csv", 0xd1cfe22a62c3b90cULL},
        {"courses.csv", 0x1a42307797c097feULL},
        {"events.csv", 0xe3c67fe3084493c7ULL},
        {"interactions.csv", 0x226b4f31ac8e21f7ULL},
        {"learner_features.csv", 0x8ff3ed5b39a30543ULL},
        {"learner_skills.csv", 0x98fe0b456fa14bc1ULL},
        {"learners.csv", 0x5eb6c0b3671e152eULL},
        {"obligations.csv", 0x3768fe22984a9851ULL},
        {"opportunities.csv", 0x93440c8a45a72df9ULL},
        {"prerequisites.csv", 0xd6db7429d19b9729ULL},
        {"role_profiles.csv", 0xe4815a63da9e4730ULL},
        {"sessions.csv", 0x1724be3fb8495c78ULL},
        {"skill_synonyms.csv", 0xc89c71c95af61263ULL},
        {"skills_review.csv", 0xc3e4b660a55874a4ULL},
        {"workforce_plan.csv", 0x48fb6f293eed629bULL}};
    CHECK(academy_csv_hashes(config, "s7") == expected);
}

TEST_CASE("academy CSV files are byte-identical to the pinned schema 1 output (seed 3, 300 x 60)") {
    AcademyConfig config;
    config.seed = 3;
    config.learners = 300;
    config.courses = 60;
    config.schema_version = 1;
    const std::map<std::string, std::uint64_t> expected{
        {"course_features.csv", 0x2a6fa00d8db15e94ULL},
        {"courses.csv", 0x65d776a0a151f5bcULL},
        {"events.csv", 0xd2c84870c212f99eULL},
        {"interactions.csv", 0x816f73e56ccae10cULL},
        {"learner_features.csv", 0x1840cb9f2bfa5c44ULL},
        {"learners.csv", 0x21704668bbee8db8ULL},
        {"obligations.csv", 0x3490de313ee0ab9fULL},
        {"opportunities.csv", 0xf5ca42134aa69992ULL},
        {"prerequisites.csv", 0xba341fe279391d7eULL},
        {"sessions.csv", 0x1c08ad4b30db2053ULL},
        {"skill_synonyms.csv", 0xc89c71c95af61263ULL},
        {"skills_review.csv", 0x405e8c976e8ddb60ULL}};
    CHECK(academy_csv_hashes(config, "v1") == expected);
}
