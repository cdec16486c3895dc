// learnrec text — words out of UTF-8 text: lower case, accents folded, stop words known.
//
// A word is a run of letters and digits (any code point above U+007F counts as a letter, so
// scripts learnrec does not fold still form words); everything else separates words, including
// apostrophes ("l'intelligence" -> "l", "intelligence") and hyphens. Lower case covers ASCII,
// Latin-1 and Latin Extended-A. Folding maps Latin letters with diacritics to their base
// (é -> e, ß -> ss, æ -> ae, œ -> oe, ø -> o), so "générative", "GÉNÉRATIVE" and "generative" meet.
// Stemmers need the accents (French "é" endings), so words keep them until after stemming.
// Malformed UTF-8 bytes separate words, as punctuation does: hostile text cannot crash or loop.
// Thread safety: pure functions. Complexity: O(length of the text).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "learnrec/text/language.hpp"

namespace learnrec::text {

struct Word {
    std::string lower;      ///< lower case, accents kept ("générative"): what the stemmer reads
    std::string_view text;  ///< the word as written in the input (a view into it)
};

/// The words of `text`, in order.
std::vector<Word> split_words(std::string_view text);

/// Lower case, accents kept.
std::string to_lower(std::string_view text);
/// Lower case and accents folded ("Générative" -> "generative").
std::string fold(std::string_view text);

/// Whether `folded_word` (lower case, accents folded) is a stop word of `language`; always false
/// for Language::unknown.
bool is_stop_word(Language language, std::string_view folded_word);
/// Whether it is a stop word of any of the six languages.
bool is_stop_word_anywhere(std::string_view folded_word);

}  // namespace learnrec::text
