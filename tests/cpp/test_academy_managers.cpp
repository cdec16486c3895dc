// The academy's reporting lines (src/academy_managers.cpp): who reports to whom, and learners.csv's
// manager_id column.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "learnrec/data/academy.hpp"
#include "learnrec/data/csv.hpp"

using namespace learnrec;

namespace {

const Academy& academy() {
    static const Academy a = generate_academy({5, 1500, 300, 10.0, 2});
    return a;
}

std::map<std::string, const LearnerProfile*> by_id(const Academy& a) {
    std::map<std::string, const LearnerProfile*> out;
    for (const auto& p : a.learners) out[p.id] = &p;
    return out;
}

}  // namespace

TEST_CASE("academy managers: every manager_id names a manager of the learner's department", "[academy][v2]") {
    const auto people = by_id(academy());
    std::size_t managed = 0;
    for (const auto& p : academy().learners) {
        if (p.manager_id.empty()) continue;
        ++managed;
        REQUIRE(people.count(p.manager_id) == 1);
        const LearnerProfile& m = *people.at(p.manager_id);
        CHECK(m.role == "manager");
        CHECK(m.department == p.department);
        CHECK(m.id != p.id);
    }
    CHECK(managed > academy().learners.size() * 8 / 10);  // nearly everyone has a manager
}

TEST_CASE("academy managers: senior managers report to nobody, other managers to a senior one", "[academy][v2]") {
    const auto people = by_id(academy());
    for (const auto& p : academy().learners) {
        if (p.role != "manager") continue;
        if (p.seniority == "senior") CHECK(p.manager_id.empty());
        else if (!p.manager_id.empty()) CHECK(people.at(p.manager_id)->seniority == "senior");
    }
}

TEST_CASE("academy managers: a learner's manager works in their country when the department has one there",
          "[academy][v2]") {
    const auto people = by_id(academy());
    std::map<std::pair<std::string, std::string>, std::size_t> managers;  // (department, country) -> count
    for (const auto& p : academy().learners)
        if (p.role == "manager") ++managers[{p.department, p.country}];
    for (const auto& p : academy().learners)
        if (p.role != "manager" && managers.count({p.department, p.country}))
            CHECK(people.at(p.manager_id)->country == p.country);
}

TEST_CASE("academy managers: the same seed draws the same reporting lines", "[academy][v2]") {
    const Academy again = generate_academy({5, 1500, 300, 10.0, 2});
    for (std::size_t i = 0; i < again.learners.size(); ++i) CHECK(again.learners[i].manager_id == academy().learners[i].manager_id);
}

TEST_CASE("academy managers: schema 1 has no reporting lines", "[academy]") {
    const Academy v1 = generate_academy({5, 300, 80, 6.0, 1});
    for (const auto& p : v1.learners) CHECK(p.manager_id.empty());
}

TEST_CASE("academy managers: learners.csv carries the manager_id column, before mobility", "[academy][csv]") {
    const auto dir = std::filesystem::temp_directory_path() / ("learnrec_managers_" + std::to_string(::getpid()));
    const Academy a = generate_academy({8, 300, 80, 6.0, 2});
    write_academy_csv(a, dir);
    const std::string text = read_text_file(dir / "learners.csv");
    CsvReader reader(text, "learners.csv");
    std::vector<std::string> fields;
    REQUIRE(reader.next_record(fields));
    // manager_id then mobility (allocation's host side), both appended after the original columns.
    REQUIRE(fields.size() >= 2);
    CHECK(fields[fields.size() - 2] == "manager_id");
    CHECK(fields.back() == "mobility");
    std::size_t row = 0;
    while (reader.next_record(fields)) CHECK(fields[fields.size() - 2] == a.learners[row++].manager_id);
    CHECK(row == a.learners.size());
    std::filesystem::remove_all(dir);
}
