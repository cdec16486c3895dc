// learnrec text — the catalogue's skill vocabulary, and skills named in free text.
//
// A vocabulary maps phrases in any of the six languages ("intelligence artificielle générative",
// "IA générative", "KI", "ciberseguridad") to the catalogue's skill names ("generative ai",
// "cybersecurity"). extract() finds them in a learner's text whatever language the text is in:
// words and phrases are compared stemmed (each phrase in its own language) and folded, with the
// phrase language's stop words skipped on both sides, so "gestion des projets" finds the French
// phrase "gestion de projet". The longest phrase wins where phrases overlap. This is what lets a
// French goal reach an English course, and a goal become target skills for the skill-gap boost
// and the planner (to_skill_goals).
//
// CSV (read_skill_vocabulary_csv): skill,language,synonym — one phrase per row; language is an
// ISO 639-1 code (another code, or empty: compared unstemmed). The academy exports its own
// (skill_synonyms.csv, see academy_skill_phrases()).
// Thread safety: immutable after construction; const members are safe from many threads.
// Complexity: construction O(total phrase length); extract O(words x languages x longest phrase).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "learnrec/ranking/learners.hpp"
#include "learnrec/text/language.hpp"

namespace learnrec::text {

struct SkillPhrase {
    std::string skill;     ///< the catalogue's skill name ("generative ai")
    std::string language;  ///< "fr", "en", ...; another code or "": compared unstemmed
    std::string phrase;    ///< as people write it ("IA générative")
};

/// A skill named in a text: which, and the words that name it (as written).
struct SkillMention {
    std::string skill;
    std::string text;             ///< the words of the input that matched, joined by spaces
    std::size_t first_word = 0;   ///< word positions in split_words(input), inclusive
    std::size_t last_word = 0;
};

class SkillVocabulary {
public:
    SkillVocabulary() = default;
    /// Throws Error for an empty skill or phrase.
    explicit SkillVocabulary(std::vector<SkillPhrase> phrases);

    /// Adds the phrase (phrases made only of stop words are kept unstemmed and whole).
    void add(SkillPhrase phrase);

    /// Skills named in `text`, in order of appearance, each skill once (its first mention).
    std::vector<SkillMention> extract(std::string_view text) const;

    const std::vector<SkillPhrase>& phrases() const noexcept { return phrases_; }
    bool empty() const noexcept { return phrases_.empty(); }

private:
    struct Entry {
        std::size_t phrase;             // index into phrases_
        std::vector<std::string> keys;  // stemmed, folded, stop words dropped
        Language language;
    };
    std::vector<SkillPhrase> phrases_;
    std::vector<Entry> entries_;
    std::unordered_map<std::string, std::vector<std::size_t>> by_first_key_;  // first key -> entries
    std::vector<Language> languages_;  // languages some phrase is in (unknown included)
};

/// Reads skill,language,synonym rows (header required; errors name file and line).
SkillVocabulary read_skill_vocabulary_csv(const std::filesystem::path& path);

/// Target skills for the ranking rules and the planner: each mentioned skill at `level`, in order,
/// without the ones `existing` already targets (those keep their level).
std::vector<ranking::SkillGoal> to_skill_goals(const std::vector<SkillMention>& mentions, int level = 1,
                                               const std::vector<ranking::SkillGoal>& existing = {});

}  // namespace learnrec::text
