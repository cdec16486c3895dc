// Ranking rules (JSON) and catalogue files (CSV): what they produce and how bad input is reported.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include <unistd.h>

#include "learnrec/data/academy.hpp"
#include "learnrec/ranking/academy.hpp"
#include "learnrec/ranking/files.hpp"

using namespace learnrec;
using namespace learnrec::ranking;

namespace {

/// A fresh directory holding the given files, removed at scope exit.
class TempCatalogue {
public:
    explicit TempCatalogue(const std::map<std::string, std::string>& files) {
        static int counter = 0;
        dir_ = std::filesystem::temp_directory_path() /
               fmt::format("learnrec_ranking_{}_{}", static_cast<long>(::getpid()), counter++);
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        for (const auto& [name, text] : files) std::ofstream(dir_ / name) << text;
    }
    ~TempCatalogue() { std::filesystem::remove_all(dir_); }
    const std::filesystem::path& path() const { return dir_; }

private:
    std::filesystem::path dir_;
};

IdMap ids(std::vector<std::string> v) { return IdMap(std::move(v)); }

}  // namespace

TEST_CASE("rules JSON sets every section and leaves the rest at defaults", "[ranking]") {
    const auto r = parse_rules_json(R"({"k": 5,
        "lifecycle": {"exclude_dropped": true, "renewal_days": 30},
        "obligations": {"window_days": 14},
        "skills": {"gap_boost": 0.25},
        "prerequisites": {"mode": "substitute"},
        "eligibility": {"format": false, "session_horizon_days": 60},
        "diversity": {"lambda": 0.7, "source": "topics", "pool": 40},
        "explanations": {"enabled": false, "popular_top": 5}})",
                                    "rules.json");
    CHECK(r.k == 5);
    CHECK(r.exclude_dropped);
    CHECK(r.exclude_in_progress);
    CHECK(r.renewal_days == 30);
    CHECK(r.obligation_window_days == 14);
    CHECK(r.gap_boost == 0.25f);
    CHECK(r.prerequisites == PrerequisiteMode::substitute);
    CHECK_FALSE(r.match_format);
    CHECK(r.match_language);
    CHECK(r.session_horizon_days == 60);
    CHECK(r.mmr_lambda == 0.7f);
    CHECK(r.diversity_source == DiversitySource::topics);
    CHECK(r.mmr_pool == 40);
    CHECK_FALSE(r.explain);
    CHECK(r.popular_top == 5);
}

TEST_CASE("rules JSON errors name the file and the key", "[ranking]") {
    CHECK_THROWS_WITH(parse_rules_json(R"({"diversity": {"lamda": 0.5}})", "rules.json"),
                      Catch::StartsWith("rules.json: key 'diversity.lamda' is not a rules setting"));
    CHECK_THROWS_WITH(parse_rules_json(R"({"k": "ten"})", "rules.json"),
                      Catch::Contains("key 'k' must be an integer, got \"ten\""));
    CHECK_THROWS_WITH(parse_rules_json(R"({"prerequisites": {"mode": "skip"}})", "rules.json"),
                      Catch::Contains("key 'prerequisites.mode' unknown prerequisite mode 'skip'"));
    CHECK_THROWS_WITH(parse_rules_json(R"({"skills": 3})", "rules.json"),
                      Catch::Contains("key 'skills' must be an object"));
    CHECK_THROWS_WITH(parse_rules_json(R"({"diversity": {"lambda": 2}})", "rules.json"),
                      Catch::StartsWith("rules.json: mmr_lambda must be in [0, 1]"));
    CHECK_THROWS_WITH(parse_rules_json("{\"k\": 3,\n \"skills\": }", "rules.json"),
                      Catch::StartsWith("rules.json: not valid JSON") && Catch::Contains("line 2"));
    CHECK_THROWS_WITH(read_rules_json("/nonexistent/rules.json"), Catch::Contains("/nonexistent/rules.json"));
}

TEST_CASE("a catalogue directory fills courses, skills, prerequisites, sessions, obligations and learners",
          "[ranking]") {
    TempCatalogue dir({
        {"courses.csv",
         "course_id,title,topic,format,languages,regions,validity_months\n"
         "C2,Security Basics,cybersecurity,e-learning,en;fr,,12\n"
         "C1,\"Python, advanced\",data,classroom,en,EMEA;APAC,0\n"},
        {"course_skills.csv", "course_id,skill,level\nC1,python,3\nC2,cybersecurity,1\n"},
        {"prerequisites.csv", "course_id,requires_course_id\nC1,C3\n"},
        {"sessions.csv", "course_id,start,end,location,capacity\nC1,2026-09-01,2026-09-03,France,12\n"},
        {"obligations.csv", "course_id,scope,value,due\nC2,department,Sales,2027-03-01\nC3,all,,2026-12-31\n"},
        {"learners.csv",
         "learner_id,role,department,country,region,languages,formats\n"
         "L2,engineer,Sales,France,EMEA,fr;en,e-learning\n"},
        {"learner_skills.csv", "learner_id,skill,level\nL2,python,2\n"},
    });
    const auto data = read_catalogue_dir(dir.path(), ids({"C1", "C2", "C3"}), ids({"L1", "L2"}));
    const auto& cat = data.catalogue;
    REQUIRE(cat.courses.size() == 3);
    CHECK(cat.courses[0].title == "Python, advanced");
    CHECK(cat.courses[0].regions == std::vector<std::string>{"EMEA", "APAC"});
    CHECK(cat.courses[1].languages == std::vector<std::string>{"en", "fr"});
    CHECK(cat.courses[1].validity_months == 12);
    CHECK(cat.courses[2].id == "C3");
    CHECK(cat.courses[2].title.empty());
    REQUIRE(cat.courses[0].skills.size() == 1);
    CHECK(cat.courses[0].skills[0].skill == "python");
    CHECK(cat.courses[0].skills[0].level == 3);
    REQUIRE(cat.prerequisites.size() == 1);
    CHECK(cat.prerequisites[0].course == 0);
    CHECK(cat.prerequisites[0].requires_course == 2);
    REQUIRE(cat.sessions.size() == 1);
    CHECK(cat.sessions[0].location == "France");
    CHECK(cat.sessions[0].capacity == 12);
    REQUIRE(cat.obligations.size() == 2);
    CHECK(cat.obligations[0].scope == ObligationScope::department);
    CHECK(cat.obligations[0].value == "Sales");
    CHECK(cat.obligations[1].scope == ObligationScope::all);
    REQUIRE(data.learners.size() == 2);
    CHECK(data.learners[0].id == "L1");
    CHECK(data.learners[0].department.empty());
    CHECK(data.learners[1].languages == std::vector<std::string>{"fr", "en"});
    CHECK(data.learners[1].formats == std::vector<std::string>{"e-learning"});
    REQUIRE(data.learners[1].target_skills.size() == 1);
    CHECK(data.learners[1].target_skills[0].level == 2);
}

TEST_CASE("catalogue CSV errors name the file and line", "[ranking]") {
    const auto courses = ids({"C1", "C2"});
    const auto learners = ids({"L1"});
    auto error_of = [&](const std::string& file, const std::string& text) {
        TempCatalogue dir(std::map<std::string, std::string>{{file, text}});
        try {
            read_catalogue_dir(dir.path(), courses, learners);
        } catch (const Error& e) {
            return std::string(e.what()).substr(dir.path().string().size() + 1);
        }
        return std::string("no error");
    };
    CHECK(error_of("courses.csv", "course_id,title\nC1,a\nC9,b\n") ==
          "courses.csv:3: unknown course 'C9' (not in the model's courses)");
    CHECK(error_of("courses.csv", "course_id,title\nC1,a\nC1,b\n") == "courses.csv:3: course 'C1' listed twice");
    CHECK(error_of("courses.csv", "course_id,validity_months\nC1,twelve\n") ==
          "courses.csv:2: validity_months 'twelve' is not an integer");
    CHECK(error_of("course_skills.csv", "course_id,skill,level\nC1,python,0\n") ==
          "course_skills.csv:2: level 0 is below 1");
    CHECK(error_of("course_skills.csv", "course_id,skill\nC1,python\n")
              .find("course_skills.csv:1: missing required column 'level'") == 0);
    CHECK(error_of("sessions.csv", "course_id,start,end\nC1,2026-09-03,2026-09-01\n") ==
          "sessions.csv:2: the session ends before it starts");
    CHECK(error_of("obligations.csv", "course_id,scope,value,due\nC1,team,x,2026-01-01\n")
              .find("obligations.csv:2: unknown obligation scope 'team'") == 0);
    CHECK(error_of("obligations.csv", "course_id,scope,value,due\nC1,role,,2026-01-01\n") ==
          "obligations.csv:2: scope 'role' needs a value (which role)");
    CHECK(error_of("obligations.csv", "course_id,scope,value,due\nC1,all,,soon\n")
              .find("obligations.csv:2: due 'soon'") == 0);
    CHECK(error_of("learners.csv", "learner_id,role\nL7,engineer\n") ==
          "learners.csv:2: unknown learner 'L7' (not in the model's learners)");
    CHECK(error_of("learner_skills.csv", "learner_id,skill,level\nL1,sql,2\nL1,sql,3\n") ==
          "learner_skills.csv:3: learner 'L1' targets skill 'sql' twice");
    CHECK(error_of("prerequisites.csv", "course_id,requires_course_id\nC1,C2\nC2,C1\n")
              .find("prerequisite cycle through course") != std::string::npos);
}

TEST_CASE("unknown ids are skipped only when the options allow it", "[ranking]") {
    TempCatalogue dir(
        std::map<std::string, std::string>{{"course_skills.csv", "course_id,skill,level\nC1,python,2\nC9,sql,1\n"}});
    CatalogueOptions options;
    options.allow_unknown_courses = true;
    const auto data = read_catalogue_dir(dir.path(), ids({"C1"}), ids({"L1"}), options);
    REQUIRE(data.catalogue.courses[0].skills.size() == 1);
    CHECK(data.learners.empty());
    CHECK_THROWS_WITH(read_catalogue_dir(dir.path() / "missing", ids({"C1"}), ids({"L1"})),
                      Catch::Contains("does not exist"));
}

TEST_CASE("the academy's CSV export reads as a catalogue directory with the same facts", "[ranking]") {
    AcademyConfig config;
    config.seed = 3;
    config.learners = 200;
    config.courses = 60;
    const Academy academy = generate_academy(config);
    TempCatalogue dir(std::map<std::string, std::string>{});
    write_academy_csv(academy, dir.path());
    const RankingInputs in = academy_ranking_inputs(academy);
    const auto data = read_catalogue_dir(dir.path(), academy.interactions.courses, academy.interactions.learners);
    REQUIRE(data.catalogue.courses.size() == in.catalogue.courses.size());
    for (std::size_t c = 0; c < in.catalogue.courses.size(); ++c) {
        const auto& a = in.catalogue.courses[c];
        const auto& b = data.catalogue.courses[c];
        CHECK(a.title == b.title);
        CHECK(a.languages == b.languages);
        CHECK(a.validity_months == b.validity_months);
        REQUIRE(a.skills.size() == b.skills.size());
        for (std::size_t j = 0; j < a.skills.size(); ++j) {
            CHECK(a.skills[j].skill == b.skills[j].skill);
            CHECK(a.skills[j].level == b.skills[j].level);
        }
    }
    CHECK(data.catalogue.prerequisites.size() == in.catalogue.prerequisites.size());
    CHECK(data.catalogue.sessions.size() == in.catalogue.sessions.size());
    CHECK(data.catalogue.obligations.size() == in.catalogue.obligations.size());
    REQUIRE(data.learners.size() == in.learners.size());
    for (std::size_t l = 0; l < in.learners.size(); ++l) {
        CHECK(data.learners[l].languages == in.learners[l].languages);
        CHECK(data.learners[l].region == in.learners[l].region);
        CHECK(data.learners[l].target_skills.size() == in.learners[l].target_skills.size());
    }
}

TEST_CASE("skill lists must be skill:level", "[ranking]") {
    TempCatalogue dir(std::map<std::string, std::string>{{"courses.csv", "course_id,skills\nC1,python:2;sql\n"}});
    CHECK_THROWS_WITH(read_catalogue_dir(dir.path(), ids({"C1"}), ids({"L1"})),
                      Catch::Contains("courses.csv:2: skills: 'sql' is not skill:level"));
}
