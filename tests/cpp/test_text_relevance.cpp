// Goals in six languages against the academy: MRR and recall@10 of text alone, the model alone
// (as if no goal) and the blend, on the hand-written relevance set tests/data/text/goal_relevance.csv.
//
// Each row is a goal as a learner would write it and the catalogue skills a course must teach to
// be relevant (the hand judgement). The academy (seed 42, 5,000 learners x 600 courses) is split
// leave-last-2-out by time; ALS is trained on the rest. For each goal, the evaluation learners
// are those whose held-out courses include a relevant one (up to 10, those speaking the goal's
// language first), as if they had written the goal; the relevant courses of a (goal, learner)
// pair are its held-out courses teaching a relevant skill. Courses the learner already took are
// never ranked. Figures are printed (benchmarks/README.md quotes them).
#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include "learnrec/data/academy.hpp"
#include "learnrec/data/csv.hpp"
#include "learnrec/eval/split.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/ranking/academy.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/ranking/ranker.hpp"
#include "learnrec/text/goals.hpp"
#include "learnrec/text/index.hpp"

using namespace learnrec;

namespace {

struct GoalCase {
    std::string id, language, goal;
    std::set<std::string> skills;
};

std::vector<GoalCase> read_cases() {
    const std::string path = std::string(LEARNREC_TEST_DATA_DIR) + "/text/goal_relevance.csv";
    const std::string text = read_text_file(path);
    CsvReader reader(text, path);
    std::vector<std::string> f;
    REQUIRE(reader.next_record(f));
    REQUIRE(f == std::vector<std::string>{"query_id", "language", "goal", "relevant_skills"});
    std::vector<GoalCase> out;
    while (reader.next_record(f)) {
        REQUIRE(f.size() == 4);
        GoalCase c{f[0], f[1], f[2], {}};
        for (std::size_t b = 0; b <= f[3].size();) {
            const auto e = std::min(f[3].find(';', b), f[3].size());
            c.skills.insert(f[3].substr(b, e - b));
            b = e + 1;
        }
        out.push_back(std::move(c));
    }
    return out;
}

struct Score {
    double reciprocal_rank = 0.0, recall = 0.0;
    std::size_t cases = 0;
    void add(std::span<const index_t> top, const std::set<index_t>& relevant) {
        std::size_t found = 0;
        double rr = 0.0;
        for (std::size_t j = 0; j < top.size() && j < 10; ++j)
            if (top[j] >= 0 && relevant.count(top[j])) {
                if (found == 0) rr = 1.0 / static_cast<double>(j + 1);
                ++found;
            }
        reciprocal_rank += rr;
        recall += static_cast<double>(found) / static_cast<double>(relevant.size());
        ++cases;
    }
    double mrr() const { return reciprocal_rank / static_cast<double>(cases); }
    double recall_at_10() const { return recall / static_cast<double>(cases); }
};

}  // namespace

TEST_CASE("goals blended with the model beat text alone and the model alone on the multilingual relevance set",
          "[text][relevance]") {
    const auto cases = read_cases();
    REQUIRE(cases.size() >= 60);
    for (const char* l : {"en", "fr", "de", "es", "it", "pt"})
        CHECK(std::count_if(cases.begin(), cases.end(), [&](const GoalCase& c) { return c.language == l; }) >= 10);

    const Academy academy = generate_academy();
    const auto& data = academy.interactions;
    const Split split = leave_last_k_out(data.matrix.view(), data.timestamps, 2);
    AlsConfig als;
    als.factors = 32;
    als.regularization = 5.0f;
    als.alpha = 10.0f;
    als.iterations = 10;
    als.num_threads = 2;
    als.calculate_loss = false;
    auto model = std::make_shared<const AlsModel>(fit_als(split.train.view(), als));

    ranking::RankingInputs inputs = ranking::academy_ranking_inputs(academy);
    ranking::Catalogue catalogue = inputs.catalogue;  // facts only: no obligations, sessions or prerequisites
    catalogue.obligations.clear();
    catalogue.sessions.clear();
    catalogue.prerequisites.clear();
    const text::CourseTextIndex index(text::course_texts(catalogue), text::academy_skill_vocabulary());
    const ranking::Ranker ranker(model, catalogue, {}, ranking::LearnerHistory::from_interactions(split.train.view()));
    const timestamp_t now = days_from_civil(2026, 6, 1) * 86400;

    const std::vector<float> weights{0.5f, 1.0f, 2.0f, 3.0f, 4.0f, 8.0f};
    Score text_alone, model_alone;
    std::vector<Score> blend(weights.size());
    std::size_t cross_language = 0;  // pairs whose first relevant course (blend, weight 2) is in another language
    std::size_t goals_without_learners = 0;
    for (const GoalCase& gc : cases) {
        // Evaluation learners: a held-out course teaches a relevant skill; speakers of the goal's language first.
        std::vector<std::pair<index_t, std::set<index_t>>> chosen, others;
        for (index_t l = 0; l < data.learners.size() && chosen.size() < 10; ++l) {
            std::set<index_t> relevant;
            for (index_t c : split.test.row(l).indices)
                for (const auto& s : academy.courses[static_cast<std::size_t>(c)].skills)
                    if (gc.skills.count(s.skill)) relevant.insert(c);
            if (relevant.empty()) continue;
            if (academy.learners[static_cast<std::size_t>(l)].language.find(gc.language) != std::string::npos)
                chosen.push_back({l, std::move(relevant)});
            else if (others.size() < 10)
                others.push_back({l, std::move(relevant)});
        }
        for (std::size_t i = 0; chosen.size() < 10 && i < others.size(); ++i) chosen.push_back(others[i]);
        if (chosen.empty()) {
            ++goals_without_learners;
            continue;
        }
        std::vector<index_t> who;
        for (const auto& [l, r] : chosen) who.push_back(l);

        const text::TextQuery q = index.query(gc.goal);
        const auto hits = index.search(q);
        ranking::RankingRules rules;
        rules.k = 10;
        rules.num_threads = 2;
        rules.explain = false;
        const auto plain = ranker.recommend(who, now, rules);
        const std::vector<std::string> goal_texts(who.size(), gc.goal);
        const auto goals = text::goal_matches(index, goal_texts);
        for (std::size_t i = 0; i < who.size(); ++i) {
            const auto& relevant = chosen[i].second;
            std::vector<index_t> text_top;
            const auto taken = split.train.row(who[i]).indices;
            for (const auto& h : hits) {
                if (std::find(taken.begin(), taken.end(), h.course) != taken.end()) continue;
                text_top.push_back(h.course);
                if (text_top.size() == 10) break;
            }
            text_alone.add(text_top, relevant);
            model_alone.add(plain.ids_of(static_cast<index_t>(i)), relevant);
        }
        for (std::size_t w = 0; w < weights.size(); ++w) {
            rules.goal_weight = weights[w];
            const auto blended = ranker.recommend(who, now, rules, goals);
            for (std::size_t i = 0; i < who.size(); ++i) {
                const auto top = blended.ids_of(static_cast<index_t>(i));
                blend[w].add(top, chosen[i].second);
                if (weights[w] == 2.0f)
                    for (index_t c : top)
                        if (c >= 0 && chosen[i].second.count(c)) {
                            cross_language += academy.courses[static_cast<std::size_t>(c)].language != gc.language;
                            break;
                        }
            }
        }
    }
    fmt::print("goal relevance: {} goals, {} (goal, learner) pairs, {} goals without evaluation learners\n",
               cases.size(), text_alone.cases, goals_without_learners);
    fmt::print("  {:<22} {:>7} {:>10}\n", "ranking", "MRR@10", "recall@10");
    fmt::print("  {:<22} {:>7.3f} {:>10.3f}\n", "text alone (BM25)", text_alone.mrr(), text_alone.recall_at_10());
    fmt::print("  {:<22} {:>7.3f} {:>10.3f}\n", "model alone (ALS)", model_alone.mrr(), model_alone.recall_at_10());
    for (std::size_t w = 0; w < weights.size(); ++w)
        fmt::print("  {:<22} {:>7.3f} {:>10.3f}\n", fmt::format("blend, weight {}", weights[w]), blend[w].mrr(),
                   blend[w].recall_at_10());
    fmt::print("  pairs whose first relevant course (blend 2) is in another language than the goal: {}\n",
               cross_language);
    CHECK(goals_without_learners == 0);
    const Score& shipped = blend[2];  // weight 2, the default goals.weight
    CHECK(shipped.mrr() > text_alone.mrr());
    CHECK(shipped.mrr() > model_alone.mrr());
    CHECK(shipped.recall_at_10() > text_alone.recall_at_10());
    CHECK(shipped.recall_at_10() > model_alone.recall_at_10());
    CHECK(cross_language > 0);
}
