// learnrec text — skill vocabulary and skill extraction (see text/skills.hpp).
#include <algorithm>
#include <array>

#include "learnrec/data/csv.hpp"
#include "learnrec/error.hpp"
#include "learnrec/text/skills.hpp"
#include "learnrec/text/stemmer.hpp"
#include "learnrec/text/tokenizer.hpp"

namespace learnrec::text {
namespace {

struct Key {
    std::string key;
    std::size_t word;  // position in split_words
};

/// The words of `words` as compared in `language`: stemmed, folded, without its stop words.
std::vector<Key> keys_of(const std::vector<Word>& words, Language language) {
    std::vector<Key> out;
    out.reserve(words.size());
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string folded = fold(words[i].lower);
        if (is_stop_word(language, folded)) continue;
        out.push_back({index_term(language, words[i].lower), i});
    }
    return out;
}

}  // namespace

SkillVocabulary::SkillVocabulary(std::vector<SkillPhrase> phrases) {
    for (auto& p : phrases) add(std::move(p));
}

void SkillVocabulary::add(SkillPhrase phrase) {
    LEARNREC_CHECK(!phrase.skill.empty(), "a skill phrase ('{}') names no skill", phrase.phrase);
    LEARNREC_CHECK(!phrase.phrase.empty(), "skill '{}' has an empty phrase", phrase.skill);
    const Language language = parse_language(phrase.language);
    const auto words = split_words(phrase.phrase);
    LEARNREC_CHECK(!words.empty(), "the phrase '{}' of skill '{}' has no words", phrase.phrase, phrase.skill);
    Entry e{phrases_.size(), {}, language};
    for (auto& k : keys_of(words, language)) e.keys.push_back(std::move(k.key));
    // A phrase made of stop words only ("IT") is compared whole, unstemmed.
    if (e.keys.empty())
        for (const auto& w : words) e.keys.push_back(fold(w.lower));
    by_first_key_[e.keys.front()].push_back(entries_.size());
    if (std::find(languages_.begin(), languages_.end(), language) == languages_.end()) languages_.push_back(language);
    entries_.push_back(std::move(e));
    phrases_.push_back(std::move(phrase));
}

std::vector<SkillMention> SkillVocabulary::extract(std::string_view text) const {
    std::vector<SkillMention> out;
    if (entries_.empty()) return out;
    const auto words = split_words(text);
    struct Found {
        std::size_t first, last, entry;
    };
    std::vector<Found> found;
    std::vector<Key> plain;  // unstemmed, no stop words dropped: for phrases of stop words only
    for (std::size_t i = 0; i < words.size(); ++i) plain.push_back({fold(words[i].lower), i});
    for (Language language : languages_) {
        const std::vector<Key> keys = keys_of(words, language);
        for (const std::vector<Key>* seq : std::array<const std::vector<Key>*, 2>{&keys, &plain}) {
            for (std::size_t i = 0; i < seq->size(); ++i) {
                auto it = by_first_key_.find((*seq)[i].key);
                if (it == by_first_key_.end()) continue;
                for (std::size_t e : it->second) {
                    const Entry& entry = entries_[e];
                    if (entry.language != language || i + entry.keys.size() > seq->size()) continue;
                    bool match = true;
                    for (std::size_t k = 1; k < entry.keys.size() && match; ++k)
                        match = (*seq)[i + k].key == entry.keys[k];
                    if (match) found.push_back({(*seq)[i].word, (*seq)[i + entry.keys.size() - 1].word, e});
                }
            }
        }
    }
    // Longest first, then earliest; a mention overlapping a longer one is dropped.
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
        const auto la = a.last - a.first, lb = b.last - b.first;
        if (la != lb) return la > lb;
        if (a.first != b.first) return a.first < b.first;
        return a.entry < b.entry;
    });
    std::vector<Found> kept;
    auto skill_of = [&](const Found& f) -> const std::string& { return phrases_[entries_[f.entry].phrase].skill; };
    for (const auto& f : found) {
        const bool clash = std::any_of(kept.begin(), kept.end(), [&](const Found& k) {
            return (f.first <= k.last && k.first <= f.last) || skill_of(f) == skill_of(k);
        });
        if (!clash) kept.push_back(f);
    }
    std::sort(kept.begin(), kept.end(), [](const Found& a, const Found& b) { return a.first < b.first; });
    for (const auto& k : kept) {
        SkillMention m;
        m.skill = phrases_[entries_[k.entry].phrase].skill;
        m.first_word = k.first;
        m.last_word = k.last;
        const char* begin = words[k.first].text.data();
        const char* end = words[k.last].text.data() + words[k.last].text.size();
        m.text.assign(begin, end);
        out.push_back(std::move(m));
    }
    return out;
}

SkillVocabulary read_skill_vocabulary_csv(const std::filesystem::path& path) {
    const std::string text = read_text_file(path);
    CsvReader reader(text, path.string());
    std::vector<std::string> fields;
    if (!reader.next_record(fields)) LEARNREC_FAIL_AT(path.string(), "empty file (expected a header skill,language,synonym)");
    const CsvColumns cols = resolve_csv_columns(fields, {"skill", "language", "synonym"}, {}, {}, reader.where());
    SkillVocabulary out;
    while (reader.next_record(fields)) {
        if (fields.size() != cols.count)
            LEARNREC_FAIL_AT(reader.where(), "{} fields, the header has {}", fields.size(), cols.count);
        try {
            out.add({std::string(trim_csv_blank(fields[cols.required[0]])),
                     std::string(trim_csv_blank(fields[cols.required[1]])), fields[cols.required[2]]});
        } catch (const Error& e) {
            LEARNREC_FAIL_AT(reader.where(), "{}", e.reason());
        }
    }
    return out;
}

std::vector<ranking::SkillGoal> to_skill_goals(const std::vector<SkillMention>& mentions, int level,
                                               const std::vector<ranking::SkillGoal>& existing) {
    LEARNREC_CHECK(level >= 1, "a target level starts at 1, got {}", level);
    std::vector<ranking::SkillGoal> out = existing;
    for (const auto& m : mentions) {
        const bool known = std::any_of(out.begin(), out.end(), [&](const auto& g) { return g.skill == m.skill; });
        if (!known) out.push_back({m.skill, level});
    }
    return out;
}

}  // namespace learnrec::text
