// learnrec text — the BM25 course index and its queries (see text/index.hpp).
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "learnrec/error.hpp"
#include "learnrec/text/index.hpp"
#include "learnrec/text/stemmer.hpp"
#include "learnrec/text/tokenizer.hpp"

namespace learnrec::text {
namespace {

// Longer "words" are noise (hashes, base64, URLs run together) and would only slow stemming.
constexpr std::size_t kMaxWordBytes = 64;

void add_words(std::map<std::string, float>& tf, float& length, std::string_view text, Language language,
               float weight) {
    if (weight <= 0.0f) return;
    for (const Word& w : split_words(text)) {
        if (w.lower.size() > kMaxWordBytes) continue;
        if (is_stop_word(language, fold(w.lower))) continue;
        tf[index_term(language, w.lower)] += weight;
        length += weight;
    }
}

}  // namespace

std::string skill_key(std::string_view skill) {
    // A control character no word can contain keeps skill terms apart from words.
    std::string key(1, '\x01');
    key += fold(skill);
    return key;
}

void TextIndexConfig::validate() const {
    LEARNREC_CHECK(std::isfinite(k1) && k1 >= 0.0f, "k1 must be finite and >= 0, got {}", k1);
    LEARNREC_CHECK(b >= 0.0f && b <= 1.0f, "b must be in [0, 1], got {}", b);
    for (float w : {title_weight, description_weight, topic_weight, skill_weight})
        LEARNREC_CHECK(std::isfinite(w) && w >= 0.0f, "field weights must be finite and >= 0, got {}", w);
    LEARNREC_CHECK(max_query_bytes > 0 && max_query_terms > 0 && max_query_terms <= 64,
                   "max_query_bytes must be > 0 and max_query_terms in [1, 64], got {} and {}", max_query_bytes,
                   max_query_terms);
}

CourseTextIndex::CourseTextIndex(std::vector<CourseText> courses, SkillVocabulary vocabulary, TextIndexConfig config)
    : courses_(std::move(courses)), vocabulary_(std::move(vocabulary)), config_(config) {
    config_.validate();
    LEARNREC_CHECK(courses_.size() <= static_cast<std::size_t>(std::numeric_limits<index_t>::max()),
                   "{} courses are more than an index_t counts", courses_.size());
    // Every catalogue skill name is a phrase of its own (in English, as the catalogue spells it).
    {
        std::vector<std::string> named;
        for (const auto& p : vocabulary_.phrases()) named.push_back(p.skill + "\x1f" + fold(p.phrase));
        std::sort(named.begin(), named.end());
        for (const auto& c : courses_)
            for (const auto& s : c.skills) {
                const std::string k = s + "\x1f" + fold(s);
                if (!s.empty() && !std::binary_search(named.begin(), named.end(), k)) {
                    vocabulary_.add({s, "en", s});
                    named.insert(std::upper_bound(named.begin(), named.end(), k), k);
                }
            }
    }
    const std::size_t n = courses_.size();
    course_language_.assign(n, Language::unknown);
    std::vector<std::vector<std::pair<std::uint32_t, float>>> rows(n);
    std::vector<float> lengths(n, 0.0f);
    for (std::size_t c = 0; c < n; ++c) {
        const CourseText& ct = courses_[c];
        Language lang = Language::unknown;
        for (const auto& code : ct.languages)
            if ((lang = parse_language(code)) != Language::unknown) break;
        if (lang == Language::unknown && !ct.description.empty()) lang = detect_language(ct.description).language;
        course_language_[c] = lang;
        std::map<std::string, float> tf;
        float length = 0.0f;
        add_words(tf, length, ct.title, lang, config_.title_weight);
        add_words(tf, length, ct.description, lang, config_.description_weight);
        // Topic and skill names are the catalogue's (English) vocabulary.
        add_words(tf, length, ct.topic, Language::en, config_.topic_weight);
        for (const auto& s : ct.skills) {
            add_words(tf, length, s, Language::en, config_.topic_weight);
            if (config_.skill_weight > 0.0f && !s.empty()) tf[skill_key(s)] += config_.skill_weight;
        }
        lengths[c] = length;
        auto& row = rows[c];
        for (auto& [term, f] : tf) {
            auto [it, inserted] = term_ids_.emplace(term, static_cast<std::uint32_t>(term_ids_.size()));
            row.push_back({it->second, f});
        }
    }
    // Postings by term (CSR), courses ascending within a term.
    posting_offsets_.assign(term_ids_.size() + 1, 0);
    for (const auto& row : rows)
        for (const auto& [t, f] : row) ++posting_offsets_[t + 1];
    std::partial_sum(posting_offsets_.begin(), posting_offsets_.end(), posting_offsets_.begin());
    postings_.resize(posting_offsets_.back());
    std::vector<std::size_t> next(posting_offsets_.begin(), posting_offsets_.end() - 1);
    for (std::size_t c = 0; c < n; ++c)
        for (const auto& [t, f] : rows[c]) postings_[next[t]++] = {static_cast<index_t>(c), f};
    const double avg =
        n == 0 ? 1.0 : std::accumulate(lengths.begin(), lengths.end(), 0.0) / static_cast<double>(n);
    length_norm_.resize(n);
    for (std::size_t c = 0; c < n; ++c)
        length_norm_[c] = config_.k1 * (1.0f - config_.b +
                                         config_.b * static_cast<float>(avg > 0.0 ? lengths[c] / avg : 1.0));
}

TextQuery CourseTextIndex::query(std::string_view text, std::string_view language, Language fallback) const {
    LEARNREC_CHECK(text.size() <= config_.max_query_bytes,
                   "the goal text has {} bytes, more than the {} allowed (max_query_bytes)", text.size(),
                   config_.max_query_bytes);
    const auto words = split_words(text);
    LEARNREC_CHECK(!words.empty(), "the goal text is empty (no words in '{}')", text);
    TextQuery q;
    if (language.empty()) {
        const DetectedLanguage d = detect_language(text);
        q.language = d.language != Language::unknown ? d.language : fallback;
        q.detected = d.language != Language::unknown;
        if (q.language == Language::unknown)
            q.notes.push_back("language not recognised: words are matched unstemmed, without stop words");
    } else {
        q.language = parse_language(language);
        if (q.language == Language::unknown)
            q.notes.push_back(fmt::format(
                "language '{}' has no stemmer or stop words here (en, fr, de, es, it, pt): words are matched "
                "unstemmed",
                language));
    }
    q.skills = vocabulary_.extract(text);
    std::vector<std::string> seen;
    auto add = [&](QueryTerm t) {
        if (std::find(seen.begin(), seen.end(), t.key) != seen.end()) return;
        if (q.terms.size() == config_.max_query_terms) {
            if (q.notes.empty() || q.notes.back().rfind("only the first", 0) != 0)
                q.notes.push_back(fmt::format("only the first {} distinct terms are used", config_.max_query_terms));
            return;
        }
        seen.push_back(t.key);
        q.terms.push_back(std::move(t));
    };
    // Skills first: they carry the cross-language matches and quote best.
    for (const auto& m : q.skills) add({skill_key(m.skill), m.text, true, m.first_word, m.last_word});
    for (std::size_t i = 0; i < words.size(); ++i) {
        const Word& w = words[i];
        if (w.lower.size() > kMaxWordBytes || is_stop_word(q.language, fold(w.lower))) continue;
        add({index_term(q.language, w.lower), std::string(w.text), false, i, i});
    }
    return q;
}

std::vector<TextHit> CourseTextIndex::search(const TextQuery& query, index_t limit) const {
    LEARNREC_CHECK(limit >= 0, "limit must be >= 0, got {}", limit);
    LEARNREC_CHECK(query.terms.size() <= 64, "a query has at most 64 terms, got {}", query.terms.size());
    const std::size_t n = courses_.size();
    // Accumulators reused across queries of a thread; only touched entries are reset.
    thread_local std::vector<float> score;
    thread_local std::vector<std::uint64_t> mask;
    thread_local std::vector<index_t> touched;
    if (score.size() < n) {
        score.assign(n, 0.0f);
        mask.assign(n, 0);
    }
    touched.clear();
    const auto num = static_cast<double>(n);
    for (std::size_t t = 0; t < query.terms.size(); ++t) {
        auto it = term_ids_.find(query.terms[t].key);
        if (it == term_ids_.end()) continue;
        const std::size_t b = posting_offsets_[it->second], e = posting_offsets_[it->second + 1];
        const double df = static_cast<double>(e - b);
        const auto idf = static_cast<float>(std::log(1.0 + (num - df + 0.5) / (df + 0.5)));
        const float k1p1 = config_.k1 + 1.0f;
        for (std::size_t p = b; p < e; ++p) {
            const auto c = static_cast<std::size_t>(postings_[p].course);
            const float tf = postings_[p].tf;
            if (mask[c] == 0) touched.push_back(postings_[p].course);
            score[c] += idf * tf * k1p1 / (tf + length_norm_[c]);
            mask[c] |= std::uint64_t{1} << t;
        }
    }
    std::vector<TextHit> hits;
    hits.reserve(touched.size());
    for (index_t c : touched) {
        const auto cc = static_cast<std::size_t>(c);
        if (score[cc] > 0.0f) hits.push_back({c, score[cc], 0.0f, mask[cc]});
        score[cc] = 0.0f;
        mask[cc] = 0;
    }
    auto better = [](const TextHit& a, const TextHit& b) {
        return a.score != b.score ? a.score > b.score : a.course < b.course;
    };
    if (limit > 0 && hits.size() > static_cast<std::size_t>(limit)) {
        std::partial_sort(hits.begin(), hits.begin() + limit, hits.end(), better);
        hits.resize(static_cast<std::size_t>(limit));
    } else {
        std::sort(hits.begin(), hits.end(), better);
    }
    const float best = hits.empty() ? 1.0f : hits.front().score;
    for (auto& h : hits) h.normalised = h.score / best;
    return hits;
}

std::string CourseTextIndex::matched_text(const TextQuery& query, const TextHit& hit) const {
    std::vector<std::pair<std::size_t, const std::string*>> quoted;  // (first word, text)
    for (std::size_t t = 0; t < query.terms.size(); ++t) {
        if (!((hit.terms >> t) & 1u)) continue;
        const QueryTerm& term = query.terms[t];
        bool inside = false;  // a word of a matched skill phrase: quoted with the phrase
        if (!term.skill)
            for (std::size_t s = 0; s < query.terms.size(); ++s)
                inside = inside || (query.terms[s].skill && ((hit.terms >> s) & 1u) &&
                                    query.terms[s].first_word <= term.first_word &&
                                    term.last_word <= query.terms[s].last_word);
        const bool repeated = std::any_of(quoted.begin(), quoted.end(), [&](const auto& q) { return *q.second == term.text; });
        if (!inside && !repeated) quoted.push_back({term.first_word, &term.text});
    }
    std::stable_sort(quoted.begin(), quoted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string out;
    for (const auto& q : quoted) out += (out.empty() ? "" : ", ") + *q.second;
    return out;
}

}  // namespace learnrec::text
