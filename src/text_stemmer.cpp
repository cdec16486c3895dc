// learnrec text — Snowball stemmers from libstemmer, one set per thread (see text/stemmer.hpp).
#include "learnrec/text/stemmer.hpp"

#include <array>
#include <memory>

#include <libstemmer.h>

#include "learnrec/error.hpp"
#include "learnrec/text/tokenizer.hpp"

namespace learnrec::text {
namespace {

const char* snowball_name(Language l) {
    switch (l) {
        case Language::en: return "english";
        case Language::fr: return "french";
        case Language::de: return "german";
        case Language::es: return "spanish";
        case Language::it: return "italian";
        case Language::pt: return "portuguese";
        case Language::unknown: break;
    }
    return nullptr;
}

struct StemmerDeleter {
    void operator()(sb_stemmer* s) const noexcept { sb_stemmer_delete(s); }
};
using StemmerPtr = std::unique_ptr<sb_stemmer, StemmerDeleter>;

sb_stemmer* stemmer_for(Language l) {
    // A libstemmer stemmer keeps its work area inside: one per thread and language.
    thread_local std::array<StemmerPtr, 7> stemmers;
    auto& s = stemmers[static_cast<std::size_t>(l)];
    if (!s) {
        s.reset(sb_stemmer_new(snowball_name(l), "UTF_8"));
        LEARNREC_CHECK(s != nullptr, "libstemmer has no '{}' stemmer (or is out of memory)", snowball_name(l));
    }
    return s.get();
}

}  // namespace

std::string stem(Language language, std::string_view lower_word) {
    if (language == Language::unknown || lower_word.empty()) return std::string(lower_word);
    sb_stemmer* s = stemmer_for(language);
    const sb_symbol* out =
        sb_stemmer_stem(s, reinterpret_cast<const sb_symbol*>(lower_word.data()), static_cast<int>(lower_word.size()));
    LEARNREC_CHECK(out != nullptr, "libstemmer ran out of memory stemming a word of {} bytes", lower_word.size());
    return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(sb_stemmer_length(s)));
}

std::string index_term(Language language, std::string_view lower_word) { return fold(stem(language, lower_word)); }

}  // namespace learnrec::text
