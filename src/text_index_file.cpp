// learnrec text — the index in the model-file envelope (see text/index.hpp).
//
// Payload (little-endian, the envelope's byte order): u32 codec version (1); f32 k1, b, title,
// description, topic and skill weights; u64 max_query_bytes, max_query_terms; u64 course count,
// then per course: strings id, title, description, topic, and u64-counted string lists skills and
// languages; u64 phrase count, then per phrase: strings skill, language, phrase. A string is a u32
// byte length and the bytes. Every length is checked against the bytes that remain before
// anything is allocated; the index is rebuilt (and the config validated) from these texts.
#include <cstring>

#include "learnrec/detail/atomic_file.hpp"
#include "learnrec/error.hpp"
#include "learnrec/io/model_file.hpp"
#include "learnrec/text/index.hpp"
#include "model_envelope.hpp"

namespace learnrec::text {
namespace {

constexpr std::string_view kKind = "text_index";
constexpr std::uint32_t kCodecVersion = 1;

class Writer {
public:
    template <class T>
    void put(T v) {
        static_assert(std::is_arithmetic_v<T>);
        char b[sizeof(T)];
        std::memcpy(b, &v, sizeof(T));  // the envelope records the byte order
        bytes.append(b, sizeof(T));
    }
    void str(const std::string& s) {
        LEARNREC_CHECK(s.size() <= 0xffffffffu, "a text of {} bytes is too long to save", s.size());
        put(static_cast<std::uint32_t>(s.size()));
        bytes += s;
    }
    void strs(const std::vector<std::string>& v) {
        put(static_cast<std::uint64_t>(v.size()));
        for (const auto& s : v) str(s);
    }
    std::string bytes;
};

class Reader {
public:
    explicit Reader(std::string_view bytes) : in_(bytes) {}
    template <class T>
    T get(const char* what) {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, in_.data(), sizeof(T));
        in_.remove_prefix(sizeof(T));
        return v;
    }
    /// A count of items of at least `min_item` bytes each, checked against what remains.
    std::size_t count(const char* what, std::size_t min_item) {
        const auto n = get<std::uint64_t>(what);
        if (n > in_.size() / std::max<std::size_t>(min_item, 1))
            fail(fmt::format("{}: {} items cannot fit in the {} bytes that remain", what, n, in_.size()));
        return static_cast<std::size_t>(n);
    }
    std::string str(const char* what) {
        const auto n = get<std::uint32_t>(what);
        need(n, what);
        std::string s(in_.substr(0, n));
        in_.remove_prefix(n);
        return s;
    }
    std::vector<std::string> strs(const char* what) {
        std::vector<std::string> v(count(what, sizeof(std::uint32_t)));
        for (auto& s : v) s = str(what);
        return v;
    }
    void finish() {
        if (!in_.empty()) fail(fmt::format("{} unread bytes at the end of the payload", in_.size()));
    }
    [[noreturn]] void fail(const std::string& reason) const { LEARNREC_FAIL_AT("", "{}", "corrupt payload: " + reason); }

private:
    void need(std::size_t n, const char* what) {
        if (n > in_.size()) fail(fmt::format("{} needs {} bytes but only {} remain", what, n, in_.size()));
    }
    std::string_view in_;
};

CourseTextIndex decode(std::string_view bytes, const std::string& context) {
    const std::string_view payload = learnrec::detail::open_file(bytes, kKind, context);
    try {
        Reader in(payload);
        const auto version = in.get<std::uint32_t>("codec version");
        if (version == 0 || version > kCodecVersion)
            in.fail(fmt::format("'text_index' payload version {} is not one this learnrec reads (1..{})", version,
                                kCodecVersion));
        TextIndexConfig config;
        config.k1 = in.get<float>("k1");
        config.b = in.get<float>("b");
        config.title_weight = in.get<float>("title weight");
        config.description_weight = in.get<float>("description weight");
        config.topic_weight = in.get<float>("topic weight");
        config.skill_weight = in.get<float>("skill weight");
        config.max_query_bytes = static_cast<std::size_t>(in.get<std::uint64_t>("max_query_bytes"));
        config.max_query_terms = static_cast<std::size_t>(in.get<std::uint64_t>("max_query_terms"));
        config.validate();
        // A course takes at least 4 strings and 2 counts.
        std::vector<CourseText> courses(in.count("courses", 4 * 4 + 2 * 8));
        for (auto& c : courses) {
            c.id = in.str("course id");
            c.title = in.str("title");
            c.description = in.str("description");
            c.topic = in.str("topic");
            c.skills = in.strs("skills");
            c.languages = in.strs("languages");
        }
        std::vector<SkillPhrase> phrases(in.count("skill phrases", 3 * 4));
        for (auto& p : phrases) {
            p.skill = in.str("skill");
            p.language = in.str("phrase language");
            p.phrase = in.str("phrase");
        }
        in.finish();
        return CourseTextIndex(std::move(courses), SkillVocabulary(std::move(phrases)), config);
    } catch (const Error& e) {
        LEARNREC_FAIL_AT(context, "'text_index': {}", e.reason());
    } catch (const std::bad_alloc&) {
        LEARNREC_FAIL_AT(context, "'text_index': out of memory while loading");
    }
}

}  // namespace

std::string to_bytes(const CourseTextIndex& index) {
    Writer w;
    w.put(kCodecVersion);
    const auto& c = index.config();
    for (float f : {c.k1, c.b, c.title_weight, c.description_weight, c.topic_weight, c.skill_weight}) w.put(f);
    w.put(static_cast<std::uint64_t>(c.max_query_bytes));
    w.put(static_cast<std::uint64_t>(c.max_query_terms));
    w.put(static_cast<std::uint64_t>(index.courses().size()));
    for (const auto& course : index.courses()) {
        w.str(course.id);
        w.str(course.title);
        w.str(course.description);
        w.str(course.topic);
        w.strs(course.skills);
        w.strs(course.languages);
    }
    const auto& phrases = index.vocabulary().phrases();
    w.put(static_cast<std::uint64_t>(phrases.size()));
    for (const auto& p : phrases) {
        w.str(p.skill);
        w.str(p.language);
        w.str(p.phrase);
    }
    return learnrec::detail::seal_file(kKind, w.bytes);
}

CourseTextIndex text_index_from_bytes(std::string_view bytes) { return decode(bytes, "text index bytes"); }

void save_text_index(const CourseTextIndex& index, const std::filesystem::path& path) {
    learnrec::detail::write_file_atomically(to_bytes(index), path);
}

CourseTextIndex load_text_index(const std::filesystem::path& path) {
    return decode(learnrec::detail::read_file_bytes(path), path.string());
}

}  // namespace learnrec::text
