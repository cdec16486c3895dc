// learnrec text — UTF-8 words, lower case and accent folding (see text/tokenizer.hpp).
#include "learnrec/text/tokenizer.hpp"

#include <cstdint>

namespace learnrec::text {
namespace {

/// Decodes one code point at `i`; returns its length (0 for a malformed sequence) and the value.
std::size_t decode(std::string_view s, std::size_t i, char32_t& cp) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    std::size_t len = 0;
    char32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1Fu;
        min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0Fu;
        min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3Fu);
    }
    // Overlong forms, surrogates and values past U+10FFFF are malformed.
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

void encode(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

char32_t lower(char32_t c) {
    if (c >= 'A' && c <= 'Z') return c + 32;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;  // Latin-1 capitals (not ×)
    if (c >= 0x100 && c <= 0x17F) {
        // Latin Extended-A alternates capital/small, with a shifted stretch in the middle.
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 1) ? c + 1 : c;
        if (c == 0x178) return 0xFF;  // Ÿ
        if (c < 0x138 || (c >= 0x14A && c < 0x178)) return (c % 2 == 0) ? c + 1 : c;
    }
    return c;
}

/// The ASCII spelling of a lower-case Latin letter with diacritics, or nullptr.
const char* folded(char32_t c) {
    static constexpr const char* kLatin1[64] = {
        // U+00C0 .. U+00FF (capitals are lowered before folding; listed for completeness)
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
        "d", "n", "o", "o", "o", "o", "o", nullptr, "o", "u", "u", "u", "u", "y", "th", "ss",
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
        "d", "n", "o", "o", "o", "o", "o", nullptr, "o", "u", "u", "u", "u", "y", "th", "y"};
    if (c >= 0xC0 && c <= 0xFF) return kLatin1[c - 0xC0];
    if (c >= 0x100 && c <= 0x17F) {
        static constexpr const char* kExtA[128] = {
            "a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",   // 100
            "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",   // 110
            "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",   // 120
            "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l", // 130
            "l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",   // 140
            "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s", // 150
            "s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",   // 160
            "u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s"};  // 170
        return kExtA[c - 0x100];
    }
    return nullptr;
}

bool is_word_char(char32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    // Latin-1 punctuation and symbols separate words; letters and other scripts do not.
    if (c < 0xC0) return c == 0xAA || c == 0xB5 || c == 0xBA;
    if (c == 0xD7 || c == 0xF7) return false;
    if (c >= 0x2000 && c <= 0x206F) return false;  // general punctuation: dashes, quotes, ...
    if (c >= 0x3000 && c <= 0x303F) return false;  // CJK punctuation
    if (c == 0xFEFF) return false;                 // byte-order mark
    return true;
}

}  // namespace

std::vector<Word> split_words(std::string_view text) {
    std::vector<Word> out;
    std::size_t i = 0;
    std::size_t start = std::string_view::npos;
    std::string current;
    auto flush = [&](std::size_t end) {
        if (start != std::string_view::npos) out.push_back({std::move(current), text.substr(start, end - start)});
        current.clear();
        start = std::string_view::npos;
    };
    while (i < text.size()) {
        char32_t cp = 0;
        const std::size_t len = decode(text, i, cp);
        if (len == 0) {  // malformed byte: a separator
            flush(i);
            ++i;
            continue;
        }
        if (is_word_char(cp)) {
            if (start == std::string_view::npos) start = i;
            encode(lower(cp), current);
        } else {
            flush(i);
        }
        i += len;
    }
    flush(text.size());
    return out;
}

namespace {
/// `text` with each well-formed code point lower-cased and passed to `put` (malformed bytes are dropped).
template <class Put>
std::string map_lowered(std::string_view text, Put&& put) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp = 0;
        const std::size_t len = decode(text, i, cp);
        if (len == 0) {
            ++i;
            continue;
        }
        put(lower(cp), out);
        i += len;
    }
    return out;
}
}  // namespace

std::string to_lower(std::string_view text) {
    return map_lowered(text, [](char32_t l, std::string& out) { encode(l, out); });
}

std::string fold(std::string_view text) {
    return map_lowered(text, [](char32_t l, std::string& out) {
        if (const char* f = folded(l))
            out += f;
        else
            encode(l, out);
    });
}

}  // namespace learnrec::text
