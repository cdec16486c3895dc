// learnrec text — Snowball stemming (libstemmer) per language.
//
// stem() lower-cases nothing and folds nothing: give it a lower-case word with its accents
// (Word::lower); fold the stem afterwards. Language::unknown returns the word unchanged.
// Thread safety: safe from any number of threads (each thread keeps its own stemmers: a
// libstemmer stemmer is not reentrant). Complexity: O(length of the word).
#pragma once

#include <string>
#include <string_view>

#include "learnrec/text/language.hpp"

namespace learnrec::text {

/// The Snowball stem of `lower_word` in `language` ("formations" -> "format" in French).
std::string stem(Language language, std::string_view lower_word);

/// The word as the index compares it: stemmed in `language`, then folded.
std::string index_term(Language language, std::string_view lower_word);

}  // namespace learnrec::text
