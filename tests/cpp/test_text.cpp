// Free-text goals: words, accents, stemming, language detection, skills, the BM25 course index,
// its file, and the goal blend in the Ranker.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <set>

#include "learnrec/detail/atomic_file.hpp"
#include "learnrec/data/academy.hpp"
#include "learnrec/io/model_file.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/ranking/academy.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/ranking/files.hpp"
#include "learnrec/ranking/ranker.hpp"
#include "learnrec/retrieval/recommend.hpp"
#include "learnrec/text/goals.hpp"
#include "learnrec/text/index.hpp"
#include "learnrec/text/language.hpp"
#include "learnrec/text/skills.hpp"
#include "learnrec/text/stemmer.hpp"
#include "learnrec/text/tokenizer.hpp"

using namespace learnrec;
using namespace learnrec::text;

namespace {

std::vector<std::string> lowers(std::string_view text) {
    std::vector<std::string> out;
    for (const auto& w : split_words(text)) out.push_back(w.lower);
    return out;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

CourseText course(std::string id, std::string title, std::string description, std::vector<std::string> skills = {},
                  std::vector<std::string> languages = {"en"}) {
    return {std::move(id), std::move(title), std::move(description), "", std::move(skills), std::move(languages)};
}

const timestamp_t kNow = days_from_civil(2026, 6, 1) * 86400;

}  // namespace

// ---- words and accents ---------------------------------------------------------------------------

TEST_CASE("accent folding maps Latin letters with diacritics to their base in every language", "[text]") {
    CHECK(fold("Générative") == "generative");                 // fr
    CHECK(fold("ÉTÉ, Œuvre, garçon") == "ete, oeuvre, garcon");  // fr capitals and ligature
    CHECK(fold("Straße Übung Äpfel Öl") == "strasse ubung apfel ol");  // de
    CHECK(fold("Año diseño") == "ano diseno");                 // es
    CHECK(fold("perché città") == "perche citta");             // it
    CHECK(fold("formação São Ação") == "formacao sao acao");   // pt
    CHECK(fold("Łódź Šťastný") == "lodz stastny");             // Latin Extended-A
}

TEST_CASE("words split on punctuation and apostrophes, lower case keeps accents", "[text]") {
    CHECK(lowers("Je veux l'IA générative!") == std::vector<std::string>{"je", "veux", "l", "ia", "générative"});
    CHECK(lowers("CI/CD, A/B-Tests") == std::vector<std::string>{"ci", "cd", "a", "b", "tests"});
    CHECK(lowers("„Künstliche Intelligenz“ — ¿qué?") ==
          std::vector<std::string>{"künstliche", "intelligenz", "qué"});
    const auto w = split_words("  Data  Science ");
    REQUIRE(w.size() == 2);
    CHECK(w[1].text == "Science");  // as written, a view into the input
}

TEST_CASE("malformed UTF-8 separates words and never crashes", "[text]") {
    const std::string bad = std::string("abc\xff\xfe") + "def\xc3" + "\xe2\x82" + "ghi\xed\xa0\x80jkl";
    CHECK(lowers(bad) == std::vector<std::string>{"abc", "def", "ghi", "jkl"});
    CHECK(fold(bad) == "abcdefghijkl");
}

// ---- stemming ------------------------------------------------------------------------------------

TEST_CASE("Snowball stemming per language, then folding", "[text]") {
    CHECK(stem(Language::en, "connections") == "connect");
    CHECK(stem(Language::en, "running") == "run");
    CHECK(stem(Language::fr, "formations") == stem(Language::fr, "formation"));
    CHECK(index_term(Language::fr, "générative") == index_term(Language::fr, "génératives"));
    CHECK(index_term(Language::de, "häuser") == "haus");
    CHECK(stem(Language::es, "programaciones") == stem(Language::es, "programación"));
    CHECK(stem(Language::it, "programmazione") == stem(Language::it, "programmazioni"));
    CHECK(stem(Language::pt, "programações") == stem(Language::pt, "programação"));
    CHECK(stem(Language::unknown, "formations") == "formations");  // no stemmer: unchanged
}

TEST_CASE("stop words are known per language and folded", "[text]") {
    CHECK(is_stop_word(Language::en, "the"));
    CHECK(is_stop_word(Language::fr, "etre"));  // "être"
    CHECK(is_stop_word(Language::de, "fur"));   // "für"
    CHECK(is_stop_word(Language::es, "quiero"));
    CHECK(is_stop_word(Language::it, "vorrei"));
    CHECK(is_stop_word(Language::pt, "nao"));   // "não"
    CHECK_FALSE(is_stop_word(Language::en, "python"));
    CHECK_FALSE(is_stop_word(Language::unknown, "the"));
}

// ---- language detection --------------------------------------------------------------------------

TEST_CASE("the language of a goal is detected from stop words and letters", "[text]") {
    CHECK(detect_language("I want to get better at stakeholder communication").language == Language::en);
    CHECK(detect_language("je veux me former à l'IA générative").language == Language::fr);
    CHECK(detect_language("Ich möchte mehr über Datenschutz lernen").language == Language::de);
    CHECK(detect_language("quiero pasar a ciberseguridad").language == Language::es);
    CHECK(detect_language("vorrei migliorare la gestione del tempo").language == Language::it);
    CHECK(detect_language("quero aprender gestão de projetos").language == Language::pt);
    CHECK(detect_language("Kubernetes").language == Language::unknown);  // no evidence
    CHECK(parse_language("fr-FR") == Language::fr);
    CHECK(parse_language("PT_br") == Language::pt);
    CHECK(parse_language("pl") == Language::unknown);
}

// ---- skills --------------------------------------------------------------------------------------

TEST_CASE("skills are found in free text in any of the six languages", "[text]") {
    const SkillVocabulary v = academy_skill_vocabulary();
    auto skills = [&](std::string_view t) {
        std::vector<std::string> out;
        for (const auto& m : v.extract(t)) out.push_back(m.skill);
        return out;
    };
    const auto fr = v.extract("je veux me former à l'intelligence artificielle générative");
    REQUIRE(fr.size() == 1);
    CHECK(fr[0].skill == "generative ai");
    CHECK(fr[0].text == "intelligence artificielle générative");
    CHECK(skills("quiero pasar a ciberseguridad") == std::vector<std::string>{"cybersecurity"});
    CHECK(skills("better stakeholder communication") == std::vector<std::string>{"stakeholder management"});
    CHECK(skills("Ich möchte Projektmanagement und Datenschutz lernen") ==
          std::vector<std::string>{"project management", "data protection"});
    CHECK(skills("vorrei migliorare la gestione del tempo") == std::vector<std::string>{"time management"});
    CHECK(skills("quero aprender gestão de projetos") == std::vector<std::string>{"project management"});
}

TEST_CASE("an expectation becomes target skills for the gap boost and the planner", "[text]") {
    const SkillVocabulary v = academy_skill_vocabulary();
    const auto goals =
        to_skill_goals(v.extract("apprendre Python et SQL"), 2, {{"sql", 3}});
    REQUIRE(goals.size() == 2);
    CHECK(goals[0].skill == "sql");
    CHECK(goals[0].level == 3);  // an existing target keeps its level
    CHECK(goals[1].skill == "python");
    CHECK(goals[1].level == 2);
}

TEST_CASE("the skill vocabulary reads a CSV and names file and line on a bad row", "[text]") {
    const auto dir = std::filesystem::temp_directory_path() / "learnrec_text_vocab";
    std::filesystem::create_directories(dir);
    const auto good = dir / "good.csv";
    {
        std::ofstream(good) << "skill,language,synonym\ngenerative ai,fr,IA générative\n";
    }
    CHECK(read_skill_vocabulary_csv(good).extract("l'IA générative").size() == 1);
    const auto bad = dir / "bad.csv";
    {
        std::ofstream(bad) << "skill,language,synonym\ngenerative ai,fr,IA générative\n,fr,x\n";
    }
    CHECK(error_of([&] { read_skill_vocabulary_csv(bad); }).find("bad.csv:3") != std::string::npos);
}

// ---- BM25 ----------------------------------------------------------------------------------------

TEST_CASE("BM25 scores equal the hand-computed formula", "[text]") {
    // No stemming (language "xx"), description only: A = "alpha beta", B = "alpha", C = "gamma".
    TextIndexConfig config;
    config.title_weight = 0.0f;
    CourseTextIndex index({course("A", "", "alpha beta", {}, {"xx"}), course("B", "", "alpha", {}, {"xx"}),
                           course("C", "", "gamma", {}, {"xx"})},
                          {}, config);
    const auto q = index.query("alpha", "xx");
    const auto hits = index.search(q);
    REQUIRE(hits.size() == 2);
    // N = 3, df = 2: idf = ln(1 + 1.5 / 2.5) = ln 1.6; lengths 2, 1, 1 (mean 4/3); k1 1.2, b 0.75.
    const double idf = std::log(1.6);
    const double norm_a = 1.2 * (0.25 + 0.75 * 2.0 / (4.0 / 3.0));
    const double norm_b = 1.2 * (0.25 + 0.75 * 1.0 / (4.0 / 3.0));
    CHECK(hits[0].course == 1);
    CHECK(hits[0].score == Approx(idf * 2.2 / (1.0 + norm_b)));
    CHECK(hits[1].course == 0);
    CHECK(hits[1].score == Approx(idf * 2.2 / (1.0 + norm_a)));
    CHECK(hits[0].normalised == 1.0f);
    CHECK(hits[1].normalised == Approx(hits[1].score / hits[0].score));
}

TEST_CASE("a French goal finds an English course through the skill vocabulary and quotes its words", "[text]") {
    CourseTextIndex index({course("C1", "Generative AI Fundamentals", "An introductory course on generative AI.",
                                  {"generative ai"}),
                           course("C2", "Excel Essentials", "Spreadsheets for everyone.", {"excel"})},
                          academy_skill_vocabulary());
    const auto q = index.query("je veux me former à l'intelligence artificielle générative");
    CHECK(q.language == Language::fr);
    CHECK(q.detected);
    const auto hits = index.search(q);
    REQUIRE(hits.size() == 1);
    CHECK(hits[0].course == 0);
    CHECK(index.matched_text(q, hits[0]) == "intelligence artificielle générative");
}

TEST_CASE("a goal in an unknown language is matched unstemmed, with a note", "[text]") {
    CourseTextIndex index({course("C1", "Docker", "containers", {"kubernetes"}, {"en"})});
    const auto q = index.query("docker kubernetes szkolenie", "pl");
    CHECK(q.language == Language::unknown);
    REQUIRE(q.notes.size() == 1);
    CHECK(q.notes[0].find("no stemmer") != std::string::npos);
    REQUIRE(q.terms.size() == 4);  // the skill (found in the English vocabulary), then the words
    CHECK(q.terms[0].skill);
    CHECK(q.terms[3].key == "szkolenie");  // unstemmed
    const auto hits = index.search(q);
    REQUIRE(hits.size() == 1);
    CHECK(index.matched_text(q, hits[0]) == "docker, kubernetes");
}

TEST_CASE("an empty goal is an error, a huge one is refused, many terms are bounded", "[text]") {
    CourseTextIndex index({course("C1", "Python", "python")});
    CHECK(error_of([&] { index.query(""); }).find("empty") != std::string::npos);
    CHECK(error_of([&] { index.query(" ?! "); }).find("empty") != std::string::npos);
    CHECK(error_of([&] { index.query(std::string(5000, 'a')); }).find("max_query_bytes") != std::string::npos);
    std::string many;
    for (int i = 0; i < 100; ++i) many += fmt::format("word{} ", i);
    const auto q = index.query(many, "en");
    CHECK(q.terms.size() == 64);
    CHECK(q.notes.back() == "only the first 64 distinct terms are used");
}

TEST_CASE("the index saves in the checked model-file envelope and loads back identical", "[text]") {
    CourseTextIndex index({course("C1", "Generative AI", "IA générative", {"generative ai"}, {"fr"}),
                           course("C2", "Python", "Python for data", {"python"})},
                          academy_skill_vocabulary());
    const std::string bytes = to_bytes(index);
    const CourseTextIndex back = text_index_from_bytes(bytes);
    CHECK(to_bytes(back) == bytes);
    CHECK(back.num_terms() == index.num_terms());
    const auto q = back.query("IA générative");
    REQUIRE_FALSE(back.search(q).empty());
    CHECK(back.search(q)[0].course == 0);

    std::string corrupt = bytes;
    corrupt[corrupt.size() - 3] ^= 0x20;
    CHECK(error_of([&] { text_index_from_bytes(corrupt); }).find("checksum mismatch") != std::string::npos);
    CHECK(error_of([&] { text_index_from_bytes(bytes.substr(0, 40)); }).find("truncated") != std::string::npos);
    const std::string model = learnrec::to_bytes(AlsModel(RowMatrix::Ones(1, 2), RowMatrix::Ones(3, 2), AlsConfig{}));
    CHECK(error_of([&] { text_index_from_bytes(model); }).find("expected 'text_index'") != std::string::npos);
    CHECK(error_of([&] { learnrec::from_bytes(bytes); }).find("text_index") != std::string::npos);

    const auto path = std::filesystem::temp_directory_path() / "learnrec_text_index.lrc";
    save_text_index(index, path);
    CHECK(to_bytes(load_text_index(path)) == bytes);
    std::filesystem::remove(path);
}

// ---- goals in the Ranker -------------------------------------------------------------------------

namespace {

struct SmallWorld {
    std::shared_ptr<const Model> model;
    ranking::Catalogue catalogue;
    std::vector<index_t> who;
};

SmallWorld small_world() {
    std::mt19937 rng(11);
    std::normal_distribution<float> normal;
    RowMatrix users(30, 6), items(200, 6);
    for (Eigen::Index i = 0; i < users.size(); ++i) users.data()[i] = normal(rng);
    for (Eigen::Index i = 0; i < items.size(); ++i) items.data()[i] = normal(rng);
    SmallWorld w;
    w.model = std::make_shared<const AlsModel>(users, items, AlsConfig{});
    for (index_t c = 0; c < 200; ++c) {
        ranking::CourseFacts f;
        f.id = fmt::format("C{}", c);
        f.title = c % 7 == 0 ? fmt::format("Python Course {}", c) : fmt::format("Course {}", c);
        w.catalogue.courses.push_back(f);
    }
    w.who.resize(30);
    std::iota(w.who.begin(), w.who.end(), 0);
    return w;
}

ranking::GoalMatches random_goals(index_t learners, index_t courses, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    ranking::GoalMatches g;
    const index_t terms = g.add_terms("python");
    for (index_t l = 0; l < learners; ++l) {
        std::vector<ranking::GoalMatch> row;
        for (index_t c = 0; c < courses; ++c)
            if (u(rng) < 0.2f) row.push_back({c, u(rng), terms});
        g.add_row(std::move(row));
    }
    return g;
}

}  // namespace

TEST_CASE("goal weight 0 gives the model's order exactly", "[text]") {
    auto w = small_world();
    ranking::Ranker ranker(w.model, w.catalogue);
    ranking::RankingRules rules;
    rules.k = 10;
    rules.num_threads = 1;
    rules.goal_weight = 0.0f;
    const auto goals = random_goals(30, 200, 3);
    const auto with_goals = ranker.recommend(w.who, kNow, rules, goals);
    RecommendOptions options;
    options.k = 10;
    const TopK plain = recommend(*w.model, w.who, nullptr, options);
    CHECK(with_goals.ids == plain.ids);
    CHECK(with_goals.scores == plain.scores);
    for (const auto& r : with_goals.reasons) CHECK(r.kind != ranking::ReasonKind::matches_goal);
}

TEST_CASE("the goal blend is model + weight x goal score, the exact top-k of a full sort", "[text]") {
    auto w = small_world();
    ranking::Ranker ranker(w.model, w.catalogue);
    ranking::RankingRules rules;
    rules.k = 10;
    rules.num_threads = 2;
    rules.goal_weight = 1.5f;
    const auto goals = random_goals(30, 200, 5);
    const auto r = ranker.recommend(w.who, kNow, rules, goals);
    const auto& factors = dynamic_cast<const AlsModel&>(*w.model);
    for (index_t l = 0; l < 30; ++l) {
        std::vector<std::pair<float, index_t>> all;
        for (index_t c = 0; c < 200; ++c) {
            float s = factors.user_factors().row(l).dot(factors.item_factors().row(c));
            for (const auto& m : goals.of(l))
                if (m.course == c) s += 1.5f * m.score;
            all.push_back({s, c});
        }
        std::sort(all.begin(), all.end(),
                  [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
        for (index_t j = 0; j < 10; ++j) {
            CHECK(r.ids_of(l)[static_cast<std::size_t>(j)] == all[static_cast<std::size_t>(j)].second);
            CHECK(r.scores[r.slot(l, j)] == Approx(all[static_cast<std::size_t>(j)].first).epsilon(1e-5));
        }
    }
}

TEST_CASE("a course the goal matched says so and quotes the matched words", "[text]") {
    auto w = small_world();
    for (auto& f : w.catalogue.courses) f.languages = {"en"};
    ranking::Ranker ranker(w.model, w.catalogue);
    CourseTextIndex index(course_texts(w.catalogue), academy_skill_vocabulary());
    const std::vector<std::string> goal_texts(30, "I would like to learn Python");
    const auto goals = goal_matches(index, goal_texts);
    ranking::RankingRules rules;
    rules.k = 5;
    rules.goal_weight = 100.0f;  // the goal dominates: every shown course matches it
    const auto r = ranker.recommend(w.who, kNow, rules, goals);
    for (index_t j = 0; j < 5; ++j) {
        const index_t c = r.ids_of(0)[static_cast<std::size_t>(j)];
        CHECK(c % 7 == 0);
        bool found = false;
        for (const auto& reason : r.reasons_of(0, j))
            if (reason.kind == ranking::ReasonKind::matches_goal) {
                found = true;
                CHECK(r.text(reason) == "matches your goal: Python");
                CHECK(to_string(reason.kind) == "matches_goal");
            }
        CHECK(found);
        CHECK(r.model_scores[r.slot(0, j)] < r.scores[r.slot(0, j)]);
    }
}

TEST_CASE("goal matches that do not fit the request are rejected", "[text]") {
    auto w = small_world();
    ranking::Ranker ranker(w.model, w.catalogue);
    const auto goals = random_goals(3, 200, 1);
    CHECK(error_of([&] { ranker.recommend(w.who, kNow, {}, goals); }).find("3 rows for 30") != std::string::npos);
    ranking::GoalMatches bad;
    CHECK(error_of([&] { bad.add_row({{5, 1.5f, -1}}); }).find("not in [0, 1]") != std::string::npos);
    CHECK(error_of([&] { bad.add_row({{5, 0.5f, -1}, {5, 0.2f, -1}}); }).find("twice") != std::string::npos);
}

TEST_CASE("the rules file sets the goal weight", "[text]") {
    CHECK(ranking::parse_rules_json(R"({"goals": {"weight": 0.25}})", "r.json").goal_weight == 0.25f);
    CHECK(error_of([] { ranking::parse_rules_json(R"({"goals": {"weight": -1}})", "r.json"); })
              .find("goal_weight") != std::string::npos);
    CHECK(error_of([] { ranking::parse_rules_json(R"({"goals": {"wieght": 1}})", "r.json"); })
              .find("goals.wieght") != std::string::npos);
}

// ---- caller-supplied embeddings ------------------------------------------------------------------

TEST_CASE("caller embeddings give the exact top courses by dot product, best = 1", "[text]") {
    std::mt19937 rng(2);
    std::normal_distribution<float> normal;
    RowMatrix courses(300, 16), queries(4, 16);
    for (Eigen::Index i = 0; i < courses.size(); ++i) courses.data()[i] = normal(rng);
    for (Eigen::Index i = 0; i < queries.size(); ++i) queries.data()[i] = normal(rng);
    queries.row(3).setZero();  // no goal
    const auto g = embedding_matches(courses, queries, 20, 2);
    REQUIRE(g.rows() == 4);
    CHECK(g.of(3).empty());
    for (index_t q = 0; q < 3; ++q) {
        std::vector<std::pair<float, index_t>> all;
        for (index_t c = 0; c < 300; ++c) all.push_back({queries.row(q).dot(courses.row(c)), c});
        std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        std::vector<index_t> expected;
        for (int j = 0; j < 20; ++j) expected.push_back(all[static_cast<std::size_t>(j)].second);
        std::sort(expected.begin(), expected.end());
        std::vector<index_t> got;
        for (const auto& m : g.of(q)) got.push_back(m.course);
        CHECK(got == expected);
        for (const auto& m : g.of(q))
            if (m.course == all[0].second) CHECK(m.score == 1.0f);
    }
    CHECK(error_of([&] { embedding_matches(courses, RowMatrix::Ones(1, 3)); }).find("dimensions") !=
          std::string::npos);
}

// ---- the academy ---------------------------------------------------------------------------------

TEST_CASE("academy courses have descriptions in their language that the index reads", "[text]") {
    AcademyConfig config;
    config.learners = 200;
    config.courses = 300;
    const Academy a = generate_academy(config);
    int detected = 0, checked = 0;
    for (const auto& c : a.courses) {
        REQUIRE_FALSE(c.description.empty());
        const Language l = parse_language(c.language);
        if (l == Language::unknown) continue;
        ++checked;
        detected += detect_language(c.description).language == l ? 1 : 0;
    }
    CHECK(detected >= checked * 9 / 10);
    const auto inputs = ranking::academy_ranking_inputs(a);
    for (std::size_t c = 0; c < a.courses.size(); ++c)
        CHECK(inputs.catalogue.courses[c].description == a.courses[c].description);
}

TEST_CASE("academy descriptions are the same for a seed and differ across seeds", "[text]") {
    AcademyConfig config;
    config.learners = 100;
    config.courses = 80;
    Academy a = generate_academy(config);
    Academy b = generate_academy(config);
    for (std::size_t c = 0; c < a.courses.size(); ++c) CHECK(a.courses[c].description == b.courses[c].description);
    config.seed = 43;
    const Academy other = generate_academy(config);
    int differ = 0;
    for (std::size_t c = 0; c < a.courses.size(); ++c) differ += a.courses[c].description != other.courses[c].description;
    CHECK(differ > 0);
}

TEST_CASE("a text index file with a corrupted payload under valid checksums is an error, never a crash", "[text]") {
    CourseTextIndex index({course("C1", "Generative AI", "IA générative", {"generative ai"}, {"fr"}),
                           course("C2", "Python", "Python for data", {"python"})},
                          academy_skill_vocabulary());
    const std::string bytes = to_bytes(index);
    std::mt19937 rng(9);
    int rejected = 0;
    for (int trial = 0; trial < 300; ++trial) {
        std::string mutated = bytes;
        // Corrupt 1-4 payload bytes (lengths, counts, floats or text), then re-seal both checksums.
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) {
            const std::size_t at = 64 + rng() % (bytes.size() - 64);
            mutated[at] = static_cast<char>(rng() & 0xff);
        }
        learnrec::detail::reseal_model_bytes(mutated);
        try {
            const CourseTextIndex back = text_index_from_bytes(mutated);
            CHECK(back.num_courses() <= 2);
        } catch (const Error& e) {
            ++rejected;
            CHECK(std::string(e.what()).find("text") != std::string::npos);
        }
    }
    CHECK(rejected > 0);
}

TEST_CASE("the shipped skill_synonyms.csv is the academy's vocabulary as learnrec academy exports it", "[text]") {
    const auto shipped =
        read_skill_vocabulary_csv(std::string(LEARNREC_TEST_DATA_DIR) + "/text/skill_synonyms.csv").phrases();
    const auto academy = academy_skill_phrases();
    REQUIRE(shipped.size() == academy.size());
    std::set<std::string> languages;
    for (std::size_t i = 0; i < shipped.size(); ++i) {
        CHECK(shipped[i].skill == academy[i].skill);
        CHECK(shipped[i].language == academy[i].language);
        CHECK(shipped[i].phrase == academy[i].phrase);
        languages.insert(shipped[i].language);
    }
    CHECK(languages == std::set<std::string>{"de", "en", "es", "fr", "it", "pt"});
}
