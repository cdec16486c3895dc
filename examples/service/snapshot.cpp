// learnrec-serve — loading one snapshot (snapshot.hpp).
#include "snapshot.hpp"

#include <atomic>
#include <cstring>
#include <algorithm>
#include <cerrno>
#include <numeric>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "learnrec/data/csv.hpp"
#include "learnrec/data/events.hpp"
#include "learnrec/data/features.hpp"
#include "json_writer.hpp"

namespace learnrec::service {

using namespace learnrec::ranking;

namespace {
std::atomic<std::size_t> live_snapshots{0};
}  // namespace

std::size_t snapshots_alive() noexcept { return live_snapshots.load(std::memory_order_relaxed); }
detail::SnapshotCounter::SnapshotCounter() noexcept { live_snapshots.fetch_add(1, std::memory_order_relaxed); }
detail::SnapshotCounter::SnapshotCounter(const SnapshotCounter&) noexcept {
    live_snapshots.fetch_add(1, std::memory_order_relaxed);
}
detail::SnapshotCounter::~SnapshotCounter() { live_snapshots.fetch_sub(1, std::memory_order_relaxed); }

CourseFragments::CourseFragments(const Catalogue& catalogue) {
    spans_.reserve(catalogue.courses.size());
    for (index_t c = 0; c < catalogue.num_courses(); ++c) {
        const auto& f = catalogue.courses[static_cast<std::size_t>(c)];
        const std::string name = f.id.empty() ? catalogue.course_name(c) : f.id;
        detail::JsonWriter w;  // at the top level: members without braces, a comma between them
        w.member("course_id", name);
        const std::size_t id_length = w.size();
        w.member("title", f.title.empty() ? name : f.title);
        const std::string members = w.take();
        spans_.push_back({text_.size(), text_.size() + id_length, text_.size() + members.size()});
        text_ += members;
    }
}

namespace {

/// The whole file in one allocation of its size: a model of 27 MB went through an
/// istreambuf_iterator a byte at a time before (5 % of a reload's CPU).
std::string read_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) LEARNREC_FAIL_AT(path.string(), "cannot open: {}", std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) LEARNREC_FAIL_AT(path.string(), "cannot stat: {}", std::strerror(errno));
    if (!S_ISREG(st.st_mode)) LEARNREC_FAIL_AT(path.string(), "not a regular file");
    std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < bytes.size()) {
        const ::ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) LEARNREC_FAIL_AT(path.string(), "read error: {}", std::strerror(errno));
        if (n == 0) break;  // shrank while read: the envelope's size check rejects it
        got += static_cast<std::size_t>(n);
    }
    bytes.resize(got);
    // A file that grew while read is not what fstat saw either: one byte more says so.
    char extra = 0;
    if (::read(fd, &extra, 1) > 0) bytes.push_back(extra);
    return bytes;
}

/// The average trained learner's query: what a factor model can say about someone it knows
/// nothing of (close to "popular among everyone"). Models whose queries are interaction rows
/// (item-item) get the fold-in of an empty row: the rules alone then order the courses.
QueryBlock cold_start_query(const Model& model) {
    const index_t learners = model.num_learners();
    const index_t courses = model.num_courses();
    if (learners > 0) {
        const index_t first = 0;
        if (model.learner_queries(std::span<const index_t>(&first, 1)).embeddings.rows() > 0) {
            RowMatrix sum;
            constexpr index_t chunk = 4096;
            std::vector<index_t> ids;
            for (index_t l0 = 0; l0 < learners; l0 += chunk) {
                const index_t l1 = std::min(learners, l0 + chunk);
                ids.resize(static_cast<std::size_t>(l1 - l0));
                std::iota(ids.begin(), ids.end(), l0);
                const QueryBlock q = model.learner_queries(ids);
                const RowMatrix part = q.embeddings.colwise().sum();
                if (sum.size() == 0) sum = part; else sum += part;
            }
            QueryBlock out;
            out.embeddings = sum / static_cast<float>(learners);
            out.count = 1;
            return out;
        }
    }
    const CsrMatrix empty = CsrMatrix::from_triplets(1, courses, {});
    return model.fold_in(empty.view(), 1);
}

bool same_ids(const IdMap& a, const IdMap& b) {
    if (a.size() != b.size()) return false;
    for (index_t i = 0; i < a.size(); ++i)
        if (a.id(i) != b.id(i)) return false;
    return true;
}

}  // namespace

void warm_up(const Snapshot& s, timestamp_t now) {
    RankingRules rules = s.rules;
    rules.k = std::min<index_t>(10, s.bundle.model->num_courses());
    if (s.bundle.model->num_learners() > 0) {
        const index_t first = 0;
        (void)s.ranker.recommend(std::span<const index_t>(&first, 1), now, rules);
    } else if (s.cold_start.count == 1) {
        (void)s.ranker.recommend(NewLearners{s.cold_start, {}, {}}, now, rules);
    }
}

std::pair<std::uint64_t, std::uint64_t> file_identity(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {0, 0};
    return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

std::string catalogue_stamp(const std::filesystem::path& dir) {
    if (dir.empty()) return {};
    std::vector<std::string> files;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        struct stat st {};
        if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        // Size and nanosecond mtime catch a rewrite in place; the inode catches a replacement by
        // rename (how a pipeline publishes a file), even with the same size and time.
        files.push_back(fmt::format("{}/{}/{}.{:09}/{}:{}", it->path().filename().string(), st.st_size,
                                    st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_dev, st.st_ino));
    }
    if (ec) LEARNREC_FAIL_AT(dir.string(), "cannot list the catalogue directory: {}", ec.message());
    std::sort(files.begin(), files.end());
    std::string stamp;
    for (const auto& f : files) stamp += f + '\n';
    return stamp;
}

ModelVersion model_version_of(std::string_view model_bytes, const ModelBundle& bundle, timestamp_t loaded_at) {
    ModelVersion v;
    v.kind = std::string(bundle.model->kind());
    // The envelope's payload CRC-32 (little-endian at offset 48; see io/model_file.hpp).
    if (model_bytes.size() >= model_file_header_size)
        for (int b = 3; b >= 0; --b)
            v.checksum = (v.checksum << 8) | static_cast<unsigned char>(model_bytes[48 + static_cast<std::size_t>(b)]);
    v.loaded_at = loaded_at;
    v.trained_at = bundle.metadata.trained_at;
    v.trained_at_seconds = v.trained_at.empty() ? std::nullopt : parse_timestamp(v.trained_at);
    std::string when;
    for (char c : v.trained_at)
        if (c != '-' && c != ':') when += c;
    v.id = fmt::format("{}-{:08x}-{}", v.kind, v.checksum, when.empty() ? "unknown" : when);
    return v;
}

namespace {
std::shared_ptr<Snapshot> build_snapshot(ModelBundle bundle, CatalogueData catalogue, RankingRules rules,
                                         LearnerHistory history, ModelVersion version, std::size_t events_read,
                                         text::SkillVocabulary vocabulary, IdMap learner_feature_tokens,
                                         std::shared_ptr<const text::CourseTextIndex> goals_index = nullptr,
                                         const Ranker* same_data = nullptr) {
    LEARNREC_CHECK(bundle.model != nullptr, "no model");
    LEARNREC_CHECK(bundle.courses.size() == bundle.model->num_courses(),
                   "the model file has no course ids; save it with its ids (learnrec train --save)");
    rules.num_threads = 1;  // one request, one thread: concurrency comes from the server's workers
    rules.validate();
    QueryBlock cold = cold_start_query(*bundle.model);
    // With the previous snapshot's catalogue, learners and history unchanged, only the model's part
    // of the Ranker is built: coding 100,000 learners again was a fifth of a reload's CPU.
    Ranker ranker = same_data ? Ranker(bundle.model, *same_data)
                              : Ranker(bundle.model, std::move(catalogue.catalogue), std::move(catalogue.learners),
                                       std::move(history));
    auto s = std::make_shared<Snapshot>(std::move(bundle), std::move(ranker), std::move(rules), std::move(version),
                                        std::move(cold));
    s->events_read = events_read;
    if (learner_feature_tokens.size() > 0) {
        const index_t embedded = s->bundle.model->learner_features();
        LEARNREC_CHECK(embedded > 0, "learner feature names are given, but the {} model embeds no learner features",
                       s->bundle.model->kind());
        LEARNREC_CHECK(embedded == learner_feature_tokens.size(),
                       "the learner feature file names {} features, the {} model was trained with {}",
                       learner_feature_tokens.size(), s->bundle.model->kind(), embedded);
        s->learner_feature_tokens = std::move(learner_feature_tokens);
    }
    s->goals_index = goals_index ? std::move(goals_index)
                                 : std::make_shared<const text::CourseTextIndex>(
                                       text::course_texts(s->ranker.catalogue()), std::move(vocabulary));
    return s;
}
}  // namespace

std::shared_ptr<const Snapshot> make_snapshot(ModelBundle bundle, CatalogueData catalogue, RankingRules rules,
                                              LearnerHistory history, ModelVersion version, std::size_t events_read,
                                              text::SkillVocabulary vocabulary, IdMap learner_feature_tokens) {
    return build_snapshot(std::move(bundle), std::move(catalogue), std::move(rules), std::move(history),
                          std::move(version), events_read, std::move(vocabulary), std::move(learner_feature_tokens));
}

std::shared_ptr<const Snapshot> load_snapshot(const SnapshotSources& sources, timestamp_t now,
                                              const Snapshot* reuse_history_of, const Snapshot* reuse_catalogue_of) {
    const std::string bytes = read_file(sources.model);
    ModelBundle bundle;
    try {
        bundle = from_bytes(bytes);
    } catch (const Error& e) {
        LEARNREC_FAIL_AT(sources.model.string(), "{}", e.reason());
    }
    if (bundle.courses.size() != bundle.model->num_courses())
        LEARNREC_FAIL_AT(sources.model.string(), "the model file has no course ids; save it with its ids (learnrec train --save)");
    ModelVersion version = model_version_of(bytes, bundle, now);
    bundle.training.reset();  // kept for forgetting offline (learnrec forget); serving never reads it
    const index_t learners = bundle.model->num_learners();
    const index_t courses = bundle.model->num_courses();

    // Stamped before reading, so that a file written while it is read makes the next reload read again.
    std::string stamp = catalogue_stamp(sources.catalogue);
    const bool reuse_catalogue = reuse_catalogue_of != nullptr && !sources.catalogue.empty() &&
                                 reuse_catalogue_of->catalogue_stamp == stamp &&
                                 same_ids(reuse_catalogue_of->bundle.learners, bundle.learners) &&
                                 same_ids(reuse_catalogue_of->bundle.courses, bundle.courses);
    const bool reuse_history = reuse_history_of != nullptr &&
                               same_ids(reuse_history_of->bundle.learners, bundle.learners) &&
                               same_ids(reuse_history_of->bundle.courses, bundle.courses);
    // Catalogue, learners and history all from the same snapshot: its Ranker's data is shared.
    const Ranker* same_data = reuse_catalogue && reuse_history && reuse_catalogue_of == reuse_history_of
                                  ? &reuse_catalogue_of->ranker
                                  : nullptr;
    CatalogueData catalogue;
    if (same_data) {
        // Nothing to read or copy: the new Ranker shares it.
    } else if (reuse_catalogue) {
        catalogue.catalogue = reuse_catalogue_of->ranker.catalogue();
        catalogue.learners = reuse_catalogue_of->ranker.learners();
    } else if (!sources.catalogue.empty()) {
        // Rows about learners or courses the model lacks are skipped: the catalogue may be newer.
        CatalogueOptions options;
        options.allow_unknown_learners = true;
        options.allow_unknown_courses = true;
        catalogue = read_catalogue_dir(sources.catalogue, bundle.courses, bundle.learners, options);
    } else {
        for (index_t c = 0; c < courses; ++c) {
            CourseFacts f;
            f.id = bundle.courses.id(c);
            catalogue.catalogue.courses.push_back(std::move(f));
        }
    }
    RankingRules rules = sources.rules.empty() ? RankingRules{} : read_rules_json(sources.rules);

    LearnerHistory history;
    std::size_t matched = 0;
    const auto identity = sources.events.empty() ? std::pair<std::uint64_t, std::uint64_t>{0, 0}
                                                 : file_identity(sources.events);
    const bool reuse = reuse_history;
    if (reuse) {
        if (!same_data) history = reuse_history_of->ranker.history();
        matched = reuse_history_of->events_read;
    } else if (!sources.events.empty() && identity.second != 0 && bundle.learners.size() == learners) {
        // The log has its own id maps: its events move onto the model's indices.
        const EventLog log = read_events_csv(sources.events);
        std::vector<index_t> learner_of(static_cast<std::size_t>(log.learners.size()), -1);
        std::vector<index_t> course_of(static_cast<std::size_t>(log.courses.size()), -1);
        for (index_t l = 0; l < log.learners.size(); ++l)
            if (auto m = bundle.learners.find(log.learners.id(l))) learner_of[static_cast<std::size_t>(l)] = *m;
        for (index_t c = 0; c < log.courses.size(); ++c)
            if (auto m = bundle.courses.find(log.courses.id(c))) course_of[static_cast<std::size_t>(c)] = *m;
        std::vector<LifecycleEvent> events;
        events.reserve(log.events.size());
        for (const auto& e : log.events) {
            const index_t l = learner_of[static_cast<std::size_t>(e.learner)];
            const index_t c = course_of[static_cast<std::size_t>(e.course)];
            if (l >= 0 && c >= 0) events.push_back({l, c, e.kind, e.time, e.value});
        }
        matched = events.size();
        history = LearnerHistory::from_states(LearnerCourseStates::from_events(events, learners, courses));
    }
    // Only a hybrid model with learner features has a use for their names.
    IdMap feature_tokens;
    if (const index_t embedded = bundle.model->learner_features(); embedded > 0 && !sources.learner_features.empty()) {
        FeatureCsvOptions options;
        options.allow_unknown_ids = true;
        feature_tokens = read_features_csv(sources.learner_features, bundle.learners, options).features;
        if (feature_tokens.size() != embedded)
            LEARNREC_FAIL_AT(sources.learner_features.string(), "names {} learner features, the hybrid model {} was trained with {}",
                                    feature_tokens.size(), sources.model.string(), embedded);
    }
    std::shared_ptr<Snapshot> s;
    try {
        // The skill vocabulary lets a goal in one language reach courses taught in another.
        text::SkillVocabulary vocabulary;
        if (!reuse_catalogue && !sources.catalogue.empty() &&
            std::filesystem::exists(sources.catalogue / "skill_synonyms.csv"))
            vocabulary = text::read_skill_vocabulary_csv(sources.catalogue / "skill_synonyms.csv");
        s = build_snapshot(std::move(bundle), std::move(catalogue), std::move(rules), std::move(history),
                           std::move(version), matched, std::move(vocabulary), std::move(feature_tokens),
                           reuse_catalogue ? reuse_catalogue_of->goals_index : nullptr, same_data);
    } catch (const Error& e) {
        LEARNREC_FAIL_AT(sources.catalogue.empty() ? sources.model.string() : sources.catalogue.string(), "{}", e.what());
    }
    s->catalogue_reused = reuse_catalogue;
    s->catalogue_stamp = std::move(stamp);
    s->history_reused = reuse;
    std::tie(s->log_device, s->log_inode) =
        reuse ? std::pair{reuse_history_of->log_device, reuse_history_of->log_inode} : identity;
    return s;
}

}  // namespace learnrec::service
