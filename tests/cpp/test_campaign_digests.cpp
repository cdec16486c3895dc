// Manager digests of a push campaign: members grouped under their manager, obligations split at
// `now`, the member's own pushes, skill gaps against targets, and nothing written on bad input.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "learnrec/campaign/campaign.hpp"
#include "learnrec/campaign/push_log.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/ranking/calendar.hpp"

using namespace learnrec;
using namespace learnrec::campaign;
using json = nlohmann::json;

namespace {

constexpr timestamp_t kDay = 86400;
const timestamp_t kNow = days_from_civil(2026, 6, 1) * kDay;

/// Learners L0..L3 (L0, L2 sellers; L1 engineer; L3 manager). L0 and L1 report to L3, L2 to M9
/// (a manager who is not a learner), L3 to nobody. Every learner scores course c as 10 - c.
/// Obligations: C5 for everyone, due 10 days ago; C6 for sellers, due in 20 days; C7 for
/// everyone, due in 200 days (outside the 90-day window). L0 completed C5 and C1 (python level 1).
/// Targets: L0 python:2; L1 python:1, sql:2; L2 python:2. Course C1 teaches python 1, C2 sql 2.
Audience team() {
    ranking::Catalogue cat;
    for (index_t c = 0; c < 10; ++c) {
        ranking::CourseFacts f;
        f.id = fmt::format("C{}", c);
        f.title = fmt::format("Course {}", c);
        cat.courses.push_back(f);
    }
    cat.courses[1].skills = {{"python", 1}};
    cat.courses[2].skills = {{"sql", 2}};
    cat.obligations = {{5, ranking::ObligationScope::all, "", kNow - 10 * kDay},
                       {6, ranking::ObligationScope::role, "seller", kNow + 20 * kDay},
                       {7, ranking::ObligationScope::all, "", kNow + 200 * kDay}};
    std::vector<ranking::LearnerFacts> facts(4);
    const char* role[] = {"seller", "engineer", "seller", "manager"};
    for (std::size_t i = 0; i < 4; ++i) facts[i] = {fmt::format("L{}", i), role[i], "Sales", "France", "EMEA", {}, {}, {}, "", {}};
    facts[0].target_skills = {{"python", 2}};
    facts[1].target_skills = {{"python", 1}, {"sql", 2}};
    facts[2].target_skills = {{"python", 2}};
    ranking::LearnerHistory history(4, 10);
    history.set(0, 5, CourseState::completed, kNow - 100 * kDay);
    history.set(0, 1, CourseState::completed, kNow - 100 * kDay);
    history.set(1, 1, CourseState::completed, kNow - 50 * kDay);
    history.finish();
    RowMatrix users = RowMatrix::Ones(4, 1);
    RowMatrix items(10, 1);
    for (index_t c = 0; c < 10; ++c) items(c, 0) = static_cast<float>(10 - c);
    Audience a;
    a.ranker = std::make_shared<const ranking::Ranker>(
        std::make_shared<const AlsModel>(std::move(users), std::move(items), AlsConfig{}), std::move(cat), facts,
        std::move(history));
    for (index_t l = 0; l < 4; ++l) a.learner_ids.push_back(fmt::format("L{}", l));
    a.new_learners.queries.embeddings.resize(0, 1);
    a.managers = {"L3", "M9"};
    a.manager_of = {0, 0, 1, -1};
    return a;
}

struct Dir {
    std::filesystem::path path;
    Dir() {
        static int n = 0;
        path = std::filesystem::temp_directory_path() / fmt::format("learnrec_digest_{}_{}", ::getpid(), n++);
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~Dir() { std::filesystem::remove_all(path); }
    std::filesystem::path operator/(const char* name) const { return path / name; }
};

CampaignSpec spec(const Dir& dir, Target target = {}) {
    CampaignSpec s;
    s.id = "w1";
    s.now = kNow;
    s.k = 3;
    s.num_threads = 1;
    s.settings.ranking.num_threads = 1;
    s.settings.campaign.digest_courses = 2;
    s.target = std::move(target);
    s.digests = dir / "digests";
    return s;
}

json read_json(const std::filesystem::path& p) {
    std::ifstream in(p);
    return json::parse(in);
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// The digest of `manager` after one campaign, by member id.
std::map<std::string, json> members_of(const Dir& dir, const std::string& manager) {
    std::map<std::string, json> out;
    const json digest = read_json(dir / "digests" / (manager + ".json"));
    for (const auto& m : digest["members"]) out[m["learner_id"]] = m;
    return out;
}

std::vector<std::string> course_ids(const json& list) {
    std::vector<std::string> out;
    for (const auto& x : list) out.push_back(x["course_id"]);
    return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("digests: one per manager of a targeted learner, listing exactly their targeted reports", "[campaign]") {
    Dir dir;
    const auto report = run_campaign(team(), spec(dir), dir / "log.csv", dir / "out.csv");
    CHECK(report.digests == 2);
    const auto index = read_json(dir / "digests" / "index.json");
    std::map<std::string, std::size_t> sizes;
    for (const auto& m : index["managers"]) sizes[m["manager_id"]] = m["members"];
    CHECK(sizes == std::map<std::string, std::size_t>{{"L3", 2}, {"M9", 1}});
    std::set<std::string> l3, m9;
    for (const auto& [id, m] : members_of(dir, "L3")) l3.insert(id);
    for (const auto& [id, m] : members_of(dir, "M9")) m9.insert(id);
    CHECK(l3 == std::set<std::string>{"L0", "L1"});
    CHECK(m9 == std::set<std::string>{"L2"});
}

TEST_CASE("digests: learners outside the target stay out of their manager's digest", "[campaign]") {
    Dir dir;
    Target sellers;
    sellers.roles = {"seller"};
    run_campaign(team(), spec(dir, sellers), dir / "log.csv", dir / "out.csv");
    CHECK(members_of(dir, "L3").size() == 1);
    CHECK(members_of(dir, "L3").count("L0") == 1);
    CHECK(members_of(dir, "M9").count("L2") == 1);
}

TEST_CASE("digests: no manager of a targeted learner, no digest", "[campaign]") {
    Dir dir;
    Target l3;
    l3.learner_ids = {"L3"};
    const auto report = run_campaign(team(), spec(dir, l3), dir / "log.csv", dir / "out.csv");
    CHECK(report.digests == 0);
    CHECK(read_json(dir / "digests" / "index.json")["managers"].empty());
}

TEST_CASE("digests: obligations due before now are overdue, those within the window upcoming", "[campaign]") {
    Dir dir;
    run_campaign(team(), spec(dir), dir / "log.csv", dir / "out.csv");
    const auto l3 = members_of(dir, "L3");
    const auto m9 = members_of(dir, "M9");
    CHECK(course_ids(l3.at("L1")["overdue"]) == V{"C5"});  // engineer: C5 only; C7 is beyond the window
    CHECK(course_ids(l3.at("L1")["upcoming"]).empty());
    CHECK(course_ids(m9.at("L2")["overdue"]) == V{"C5"});
    CHECK(course_ids(m9.at("L2")["upcoming"]) == V{"C6"});
    CHECK(m9.at("L2")["upcoming"][0]["due"] == ranking::format_date(kNow + 20 * kDay));
}

TEST_CASE("digests: a completed obligation is neither overdue nor upcoming", "[campaign]") {
    Dir dir;
    run_campaign(team(), spec(dir), dir / "log.csv", dir / "out.csv");
    const auto l0 = members_of(dir, "L3").at("L0");
    CHECK(course_ids(l0["overdue"]).empty());  // completed C5
    CHECK(course_ids(l0["upcoming"]) == V{"C6"});
}

TEST_CASE("digests: a member's pushed courses are their first rows of the output, in rank order", "[campaign]") {
    Dir dir;
    run_campaign(team(), spec(dir), dir / "log.csv", dir / "out.csv");
    std::map<std::string, V> rows;  // learner -> courses, in output order
    std::istringstream in(slurp(dir / "out.csv"));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        V f;
        std::string x;
        std::istringstream ls(line);
        while (std::getline(ls, x, ',')) f.push_back(x);
        rows[f[1]].push_back(f[3]);
    }
    for (const auto& [manager, who] : {std::pair{"L3", V{"L0", "L1"}}, std::pair{"M9", V{"L2"}}}) {
        const auto members = members_of(dir, manager);
        for (const auto& l : who) {
            const auto& pushed = members.at(l)["pushed"];
            CHECK(course_ids(pushed) == V(rows[l].begin(), rows[l].begin() + 2));  // digest_courses = 2
            CHECK(pushed[0]["rank"] == 1);
            CHECK(pushed[1]["rank"] == 2);
        }
    }
    // The overdue obligation goes out first, marked mandatory with its reason.
    const auto l2 = members_of(dir, "M9").at("L2")["pushed"][0];
    CHECK(l2["course_id"] == "C5");
    CHECK(l2["mandatory"] == true);
    const auto& why = l2["reasons"];
    CHECK(std::find(why.begin(), why.end(), "mandatory") != why.end());
}

TEST_CASE("digests: a member's gaps are the targets above the level of their completed courses", "[campaign]") {
    Dir dir;
    run_campaign(team(), spec(dir), dir / "log.csv", dir / "out.csv");
    const auto l3 = members_of(dir, "L3");
    CHECK(l3.at("L0")["gaps"] == json::parse(R"([{"skill": "python", "target": 2, "current": 1}])"));
    CHECK(l3.at("L1")["gaps"] == json::parse(R"([{"skill": "sql", "target": 2, "current": 0}])"));
}

TEST_CASE("digests: the team's gaps count members targeting a skill and those below it", "[campaign]") {
    Dir dir;
    run_campaign(team(), spec(dir), dir / "log.csv", dir / "out.csv");
    const auto gaps = read_json(dir / "digests" / "L3.json")["team_skill_gaps"];
    // python: L0 (1 of 2) below, L1 (1 of 1) not; sql: L1 (0 of 2) below. Ties: by skill.
    CHECK(gaps == json::parse(R"([{"skill": "python", "targeting": 2, "below": 1, "mean_shortfall": 1.0},
                                 {"skill": "sql", "targeting": 1, "below": 1, "mean_shortfall": 2.0}])"));
}

TEST_CASE("digests: a Markdown page per manager names every member and their overdue courses", "[campaign]") {
    Dir dir;
    run_campaign(team(), spec(dir), dir / "log.csv", dir / "out.csv");
    const std::string md = slurp(dir / "digests" / "M9.md");
    CHECK(md.find("# Team digest for M9") != std::string::npos);
    CHECK(md.find("## L2 (seller, Sales, France)") != std::string::npos);
    CHECK(md.find("**Overdue:**\n- Course 5 (`C5`), due " + ranking::format_date(kNow - 10 * kDay)) != std::string::npos);
}

TEST_CASE("digests: a bad push log is an error naming file and line, with no digest written", "[campaign]") {
    Dir dir;
    {
        std::ofstream o(dir / "log.csv");
        o << push_log_csv_header() << "2026-05-01,w0,L9,C1,pushed,0\n";
    }
    CHECK_THROWS_WITH(run_campaign(team(), spec(dir), dir / "log.csv", dir / "out.csv"),
                      Catch::Contains((dir / "log.csv").string() + ":2") && Catch::Contains("unknown learner 'L9'"));
    CHECK_FALSE(std::filesystem::exists(dir / "digests"));
    CHECK_FALSE(std::filesystem::exists(dir / "out.csv"));
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path), {}) == 1);  // only the log
}

TEST_CASE("digests: a manager id that is not a file name is written under a safe one", "[campaign]") {
    CHECK(digest_file_stem("M-01/x y") == "M-01_x_y");
    CHECK(digest_file_stem("../boss") == "_.._boss");
    CHECK(digest_file_stem("") == "_");
}
