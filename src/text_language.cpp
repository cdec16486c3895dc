// learnrec text — language codes, stop words and language detection (see text/language.hpp,
// text/tokenizer.hpp).
//
// Stop words: the most frequent function words of each language (articles, pronouns,
// prepositions, conjunctions, auxiliaries) plus the words people use to state a learning goal
// ("want", "learn", "improve"...: "je veux me former à" says nothing about which course). Stored
// folded (no accents), as the index compares words.
#include <algorithm>
#include <array>
#include <unordered_set>

#include "enum_names.hpp"
#include "learnrec/text/language.hpp"
#include "learnrec/text/tokenizer.hpp"

namespace learnrec::text {
namespace {

constexpr const char* kEnglish[] = {
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "become", "been", "being",
    "better", "but", "by", "can", "could", "do", "does", "for", "from", "get", "getting", "good", "had", "has",
    "have", "how", "i", "if", "improve", "in", "into", "is", "it", "its", "learn", "like", "me", "more",
    "my", "need", "of", "on", "or", "our", "should", "so", "some", "than", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "to", "up", "us", "want", "was", "we", "were", "what", "when", "which", "who",
    "will", "with", "would", "you", "your", "would", "train", "training", "skills", "skill", "course", "courses"};
constexpr const char* kFrench[] = {
    "a", "afin", "ai", "au", "aussi", "aux", "avec", "avoir", "ce", "ces", "cet", "cette", "comme", "comment",
    "d", "dans", "de", "des", "du", "elle", "en", "est", "et", "etre", "eux", "il", "ils", "j", "je", "l", "la",
    "le", "les", "leur", "lui", "m", "ma", "mais", "me", "mes", "moi", "mon", "n", "ne", "nos", "notre", "nous",
    "on", "ou", "par", "pas", "plus", "pour", "qu", "que", "qui", "s", "sa", "se", "ses", "son", "sur", "t", "ta",
    "te", "tes", "toi", "ton", "tu", "un", "une", "vers", "vos", "votre", "vous", "y", "veux", "voudrais",
    "souhaite", "aimerais", "former", "formation", "formations", "apprendre", "ameliorer", "mieux", "passer",
    "devenir", "mieux", "cours", "competences", "progresser"};
constexpr const char* kGerman[] = {
    "aber", "als", "am", "an", "auch", "auf", "aus", "bei", "bin", "bis", "das", "dass", "dem", "den", "der",
    "des", "die", "durch", "ein", "eine", "einem", "einen", "einer", "eines", "er", "es", "fur", "hat", "ich",
    "ihr", "im", "in", "ist", "mehr", "mein", "meine", "meinen", "meiner", "mich", "mir", "mit", "nach", "nicht",
    "noch", "oder", "sein", "sich", "sie", "sind", "so", "uber", "um", "und", "uns", "unser", "vom", "von", "vor",
    "war", "was", "wie", "wir", "wird", "zu", "zum", "zur", "mochte", "will", "lernen", "verbessern", "besser",
    "werden", "weiterbilden", "kurs", "kurse", "schulung", "fahigkeiten", "kenntnisse", "meinem"};
constexpr const char* kSpanish[] = {
    "a", "al", "algo", "como", "con", "de", "del", "el", "ella", "en", "entre", "era", "es", "esta", "este",
    "esto", "hacia", "la", "las", "le", "les", "lo", "los", "me", "mi", "mis", "mucho", "muy", "no", "nos",
    "nuestro", "o", "para", "pero", "por", "que", "se", "ser", "si", "sin", "sobre", "su", "sus", "te", "tu",
    "un", "una", "uno", "unos", "y", "yo", "quiero", "quisiera", "me", "gustaria", "aprender", "mejorar",
    "formarme", "formacion", "pasar", "curso", "cursos", "habilidades", "conocimientos", "mejor"};
constexpr const char* kItalian[] = {
    "a", "ad", "al", "alla", "alle", "che", "chi", "ci", "come", "con", "da", "dal", "dalla", "degli", "dei",
    "del", "della", "delle", "di", "e", "ed", "gli", "ha", "ho", "i", "il", "in", "io", "la", "le", "lo", "ma",
    "mi", "mia", "mie", "miei", "mio", "ne", "nei", "nel", "nella", "non", "o", "per", "piu", "se", "si", "sono",
    "su", "sul", "sulla", "tra", "un", "una", "uno", "voglio", "vorrei", "imparare", "migliorare", "formarmi",
    "formazione", "passare", "corso", "corsi", "competenze", "meglio", "l", "d", "un"};
constexpr const char* kPortuguese[] = {
    "a", "ao", "aos", "as", "com", "como", "da", "das", "de", "do", "dos", "e", "ela", "ele", "em", "entre", "era",
    "eu", "isso", "isto", "mais", "mas", "me", "meu", "meus", "minha", "minhas", "muito", "na", "nas", "nao", "no",
    "nos", "o", "os", "ou", "para", "pela", "pelo", "por", "que", "se", "sem", "seu", "sua", "te", "um", "uma",
    "quero", "gostaria", "aprender", "melhorar", "formar", "formacao", "passar", "curso", "cursos", "habilidades",
    "conhecimentos", "melhor"};

using WordSet = std::unordered_set<std::string_view>;

const std::array<WordSet, 7>& stop_sets() {
    static const std::array<WordSet, 7> sets = [] {
        std::array<WordSet, 7> s;
        auto fill = [](WordSet& set, const auto& words) {
            for (const char* w : words) set.insert(w);
        };
        fill(s[static_cast<int>(Language::en)], kEnglish);
        fill(s[static_cast<int>(Language::fr)], kFrench);
        fill(s[static_cast<int>(Language::de)], kGerman);
        fill(s[static_cast<int>(Language::es)], kSpanish);
        fill(s[static_cast<int>(Language::it)], kItalian);
        fill(s[static_cast<int>(Language::pt)], kPortuguese);
        return s;
    }();
    return sets;
}

}  // namespace

namespace {
constexpr learnrec::detail::EnumName<Language> kLanguageCodes[] = {
    {Language::en, "en"}, {Language::fr, "fr"}, {Language::de, "de"},
    {Language::es, "es"}, {Language::it, "it"}, {Language::pt, "pt"}};
}  // namespace

std::string_view to_string(Language language) {
    return learnrec::detail::name_of(kLanguageCodes, language).value_or("unknown");
}

Language parse_language(std::string_view code) {
    std::string c;
    for (char ch : code.substr(0, std::min(code.find_first_of("-_"), code.size())))
        c.push_back(static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch));
    return learnrec::detail::value_named(kLanguageCodes, c).value_or(Language::unknown);
}

bool is_stop_word(Language language, std::string_view folded_word) {
    if (language == Language::unknown) return false;
    return stop_sets()[static_cast<int>(language)].count(folded_word) > 0;
}

bool is_stop_word_anywhere(std::string_view folded_word) {
    for (Language l : kTextLanguages)
        if (is_stop_word(l, folded_word)) return true;
    return false;
}

DetectedLanguage detect_language(std::string_view text) {
    std::array<float, 7> votes{};
    // Letters that point to one language (lower case; capitals are lowered by split_words).
    struct Hint {
        const char* letters;
        Language language;
    };
    static constexpr Hint kHints[] = {{"ß", Language::de}, {"ä", Language::de}, {"ö", Language::de},
                                      {"ü", Language::de}, {"ñ", Language::es}, {"¿", Language::es},
                                      {"¡", Language::es}, {"ã", Language::pt}, {"õ", Language::pt},
                                      {"ç", Language::fr}, {"è", Language::fr}, {"ê", Language::fr},
                                      {"œ", Language::fr}, {"ì", Language::it}, {"ò", Language::it}};
    const std::string lowered = to_lower(text);
    for (const auto& h : kHints) {
        const std::string_view needle(h.letters);
        for (std::size_t at = lowered.find(needle); at != std::string::npos; at = lowered.find(needle, at + 1))
            votes[static_cast<int>(h.language)] += 0.5f;
    }
    // "ç" is also Portuguese ("formação"), and "ê" too: "ção" settles it.
    for (std::size_t at = lowered.find("ção"); at != std::string::npos; at = lowered.find("ção", at + 1))
        votes[static_cast<int>(Language::pt)] += 1.5f;
    for (const Word& w : split_words(text)) {
        const std::string f = fold(w.lower);
        int hits = 0;
        for (Language l : kTextLanguages) hits += is_stop_word(l, f) ? 1 : 0;
        if (hits == 0) continue;
        // A word shared by several languages ("de", "a") is weaker evidence for each.
        for (Language l : kTextLanguages)
            if (is_stop_word(l, f)) votes[static_cast<int>(l)] += 1.0f / static_cast<float>(hits);
    }
    DetectedLanguage out;
    float total = 0.0f, best = 0.0f;
    for (Language l : kTextLanguages) {
        const float v = votes[static_cast<int>(l)];
        total += v;
        if (v > best) {
            best = v;
            out.language = l;
        }
    }
    // A tie is no answer: "de" alone is French, Spanish and Portuguese alike.
    int winners = 0;
    for (Language l : kTextLanguages) winners += votes[static_cast<int>(l)] == best ? 1 : 0;
    if (best == 0.0f || winners > 1) return {};
    out.confidence = best / total;
    return out;
}

}  // namespace learnrec::text
