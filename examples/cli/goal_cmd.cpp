// learnrec CLI — goals in the learner's words (see goal_cmd.hpp).
#include "goal_cmd.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "learnrec/error.hpp"
#include "learnrec/text/goals.hpp"
#include "learnrec/text/index.hpp"
#include "learnrec/text/skills.hpp"

namespace learnrec::cli {

void add_goal_flags(CLI::App& cmd, GoalFlags& f) {
    cmd.add_option("--goal", f.goal,
                   "What the learner wants, in their own words and any of en/fr/de/es/it/pt (e.g. \"je veux me "
                   "former à l'IA générative\"); blended with weight goals.weight of the rules (default 2). "
                   "Without it, a `goal` column of learners.csv is used");
    cmd.add_option("--goal-language", f.language, "Language of the goals (default: detected per goal)");
    cmd.add_option("--skill-synonyms", f.skill_synonyms,
                   "Skill vocabulary CSV skill,language,synonym (default: skill_synonyms.csv of --catalogue)")
        ->check(CLI::ExistingFile);
    cmd.add_option("--text-index", f.text_index, "A saved text index of the catalogue (default: built on the fly)")
        ->check(CLI::ExistingFile);
}

ranking::GoalMatches goal_matches_for(const ranking::Catalogue& catalogue, const std::string& catalogue_dir,
                                      std::vector<ranking::LearnerFacts>& learners, std::span<const index_t> rows,
                                      const GoalFlags& flags) {
    std::vector<std::string> goals(rows.size());
    bool any = false;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto l = static_cast<std::size_t>(rows[i]);
        goals[i] = !flags.goal.empty() ? flags.goal : (l < learners.size() ? learners[l].goal : std::string());
        any = any || !goals[i].empty();
    }
    if (!any) return {};

    text::CourseTextIndex index;
    if (!flags.text_index.empty()) {
        index = text::load_text_index(flags.text_index);
        LEARNREC_CHECK(index.num_courses() == catalogue.num_courses(),
                       "the text index '{}' has {} courses, the catalogue {}", flags.text_index, index.num_courses(),
                       catalogue.num_courses());
        for (index_t c = 0; c < index.num_courses(); ++c)
            LEARNREC_CHECK(index.courses()[static_cast<std::size_t>(c)].id == catalogue.course_name(c),
                           "the text index '{}' lists course '{}' where the catalogue has '{}'", flags.text_index,
                           index.courses()[static_cast<std::size_t>(c)].id, catalogue.course_name(c));
    } else {
        text::SkillVocabulary vocabulary;
        std::string synonyms = flags.skill_synonyms;
        if (synonyms.empty() && !catalogue_dir.empty() &&
            std::filesystem::exists(std::filesystem::path(catalogue_dir) / "skill_synonyms.csv"))
            synonyms = (std::filesystem::path(catalogue_dir) / "skill_synonyms.csv").string();
        if (!synonyms.empty()) vocabulary = text::read_skill_vocabulary_csv(synonyms);
        index = text::CourseTextIndex(text::course_texts(catalogue), std::move(vocabulary));
    }
    text::GoalOptions options;
    options.language = flags.language;
    std::vector<text::TextQuery> queries;
    ranking::GoalMatches out = text::goal_matches(index, goals, options, &queries);
    for (std::size_t i = 0; i < queries.size(); ++i) {
        for (const auto& note : queries[i].notes) fmt::print(stderr, "note: goal of row {}: {}\n", i + 1, note);
        const auto l = static_cast<std::size_t>(rows[i]);
        if (l < learners.size())
            learners[l].target_skills = text::to_skill_goals(queries[i].skills, 2, learners[l].target_skills);
    }
    return out;
}

}  // namespace learnrec::cli
