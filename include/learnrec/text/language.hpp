// learnrec text — the languages learnrec reads free text in, and detecting which one a text is in.
//
// Six languages have stop words and a Snowball stemmer: English, French, German, Spanish, Italian
// and Portuguese. Any other language (or "unknown") is read without stemming or stop words: words
// still match when spelt the same, and the query says so in its notes.
// Detection counts the text's stop words of each language plus letters one language uses and the
// others rarely do (ß, ñ, ã, ç ...): a sentence is usually enough, a single content word is not
// (then the answer is unknown, or the caller's fallback).
// Thread safety: pure functions. Complexity: O(length of the text).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace learnrec::text {

enum class Language : std::uint8_t { unknown, en, fr, de, es, it, pt };

inline constexpr Language kTextLanguages[] = {Language::en, Language::fr, Language::de,
                                              Language::es, Language::it, Language::pt};

/// "en", "fr", ... ; "unknown" for Language::unknown.
std::string_view to_string(Language language);
/// ISO 639-1 code (case-insensitive, "fr-FR" and "fr_CA" read as "fr"); any other code is
/// Language::unknown (the caller may say so: see TextQuery::notes).
Language parse_language(std::string_view code);

struct DetectedLanguage {
    Language language = Language::unknown;
    float confidence = 0.0f;  ///< share of the evidence for the winner, 0..1 (0: no evidence)
};

/// The language of `text` from stop-word and letter statistics; unknown when nothing points to one.
DetectedLanguage detect_language(std::string_view text);

}  // namespace learnrec::text
