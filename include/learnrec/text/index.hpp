// learnrec text — a BM25 index over the course catalogue, queried with a learner's own words.
//
// Each course is indexed from its title (x2), description, topic and skills, in its language:
// words are stemmed with the Snowball stemmer of the course's first supported language (else of
// the language its description reads as; else not at all), folded and stripped of that
// language's stop words. Skills are indexed twice: as words, and as one term per skill that the
// skill vocabulary (text/skills.hpp) reaches from any language, so "je veux me former à l'IA
// générative" finds an English course teaching "generative ai".
//
// Scoring is BM25 (Robertson/Sparck Jones idf ln(1 + (N - n + 0.5) / (n + 0.5)), k1, b) over
// the fields' weighted term frequencies (a BM25F-style sum); a query term counts once. A hit's
// normalised score is its score over the query's best score (so the best course is 1), which is
// what the Ranker blends: final = model + goal weight x normalised score.
//
// Queries are bounded: an empty (or blank) text is an error, a text above
// TextIndexConfig::max_query_bytes is an error naming the limit, and only the first
// max_query_terms distinct terms are used (the query's notes say so).
//
// Files: save_text_index / load_text_index use learnrec's model-file envelope (magic, version,
// sizes, CRC-32 of header and payload checked before parsing; kind "text_index"), and the payload
// holds the course texts, vocabulary and settings; loading re-indexes them (so a file can never
// describe postings that disagree with its texts).
// Thread safety: immutable after construction; query/search may run concurrently.
// Complexity: build O(total text length); a query O(query length x languages) to parse plus the
// total posting length of its terms to score.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "learnrec/ranking/catalogue.hpp"
#include "learnrec/text/language.hpp"
#include "learnrec/text/skills.hpp"
#include "learnrec/types.hpp"

namespace learnrec::text {

/// What the index reads about one course. Indices follow the vector (course c = the model's c).
struct CourseText {
    std::string id;
    std::string title;
    std::string description;
    std::string topic;
    std::vector<std::string> skills;
    std::vector<std::string> languages;  ///< ISO 639-1 codes, first = the texts' language
};

struct TextIndexConfig {
    float k1 = 1.2f;
    float b = 0.75f;
    float title_weight = 2.0f;
    float description_weight = 1.0f;
    float topic_weight = 1.0f;
    float skill_weight = 2.0f;  ///< the skill terms (reached through the vocabulary)
    std::size_t max_query_bytes = 4096;
    std::size_t max_query_terms = 64;
    /// Throws Error for k1 < 0, b outside [0, 1], negative or non-finite weights, zero limits.
    void validate() const;
};

/// One term of a query: a word (stemmed and folded) or a skill of the vocabulary.
struct QueryTerm {
    std::string key;             ///< what postings are looked up by
    std::string text;            ///< as the learner wrote it
    bool skill = false;          ///< a vocabulary skill rather than a word
    std::size_t first_word = 0;  ///< positions in the query's words (inclusive)
    std::size_t last_word = 0;
};

struct TextQuery {
    Language language = Language::unknown;  ///< the language the words were stemmed in
    bool detected = false;                  ///< detected from the text rather than given
    std::vector<QueryTerm> terms;
    std::vector<SkillMention> skills;  ///< skills of the vocabulary the text names
    std::vector<std::string> notes;    ///< what the caller should know (language unknown, terms dropped)
};

struct TextHit {
    index_t course = -1;
    float score = 0.0f;       ///< BM25
    float normalised = 0.0f;  ///< score / the query's best score, in (0, 1]
    std::uint64_t terms = 0;  ///< bit t set: QueryTerm t matched this course
};

class CourseTextIndex {
public:
    CourseTextIndex() = default;
    /// Throws Error for an invalid config.
    explicit CourseTextIndex(std::vector<CourseText> courses, SkillVocabulary vocabulary = {},
                             TextIndexConfig config = {});

    /// Parses a learner's text. `language`: an ISO code, or "" to detect it (falling back to
    /// `fallback` when detection finds nothing). A language without stemmer is read unstemmed,
    /// with a note. Throws Error for an empty or oversized text.
    TextQuery query(std::string_view text, std::string_view language = "",
                    Language fallback = Language::unknown) const;

    /// Courses matching the query, best first (ties: lower course index); `limit` 0 = all.
    std::vector<TextHit> search(const TextQuery& query, index_t limit = 0) const;

    /// The matched terms of a hit as the learner wrote them, in query order, joined by ", "
    /// (words inside a matched skill phrase are quoted once, as the phrase).
    std::string matched_text(const TextQuery& query, const TextHit& hit) const;

    index_t num_courses() const noexcept { return static_cast<index_t>(courses_.size()); }
    const std::vector<CourseText>& courses() const noexcept { return courses_; }
    const SkillVocabulary& vocabulary() const noexcept { return vocabulary_; }
    const TextIndexConfig& config() const noexcept { return config_; }
    /// The language a course was indexed in.
    Language course_language(index_t c) const { return course_language_.at(static_cast<std::size_t>(c)); }
    std::size_t num_terms() const noexcept { return term_ids_.size(); }

private:
    struct Posting {
        index_t course;
        float tf;  // field-weighted term frequency
    };
    std::vector<CourseText> courses_;
    SkillVocabulary vocabulary_;
    TextIndexConfig config_;
    std::vector<Language> course_language_;
    std::unordered_map<std::string, std::uint32_t> term_ids_;
    std::vector<std::size_t> posting_offsets_{0};
    std::vector<Posting> postings_;
    std::vector<float> length_norm_;  // per course: k1 * (1 - b + b * dl / avgdl)
};

/// Course texts from a ranking catalogue (title, description, topic, skills, languages), aligned
/// with its courses.
std::vector<CourseText> course_texts(const ranking::Catalogue& catalogue);
/// The academy's skill vocabulary (academy_skill_phrases(): names and synonyms in six languages).
SkillVocabulary academy_skill_vocabulary();

/// The skill term key of a skill name (what CourseTextIndex looks skill terms up by).
std::string skill_key(std::string_view skill);

/// The index as model-file bytes, and back (every check of io/model_file.hpp applies).
std::string to_bytes(const CourseTextIndex& index);
CourseTextIndex text_index_from_bytes(std::string_view bytes);
/// Atomic save (temporary file, fsync, rename) and checked load.
void save_text_index(const CourseTextIndex& index, const std::filesystem::path& path);
CourseTextIndex load_text_index(const std::filesystem::path& path);

}  // namespace learnrec::text
