// learnrec-serve — what one request reads: the model with its ids, the catalogue, the rules and
// the Ranker built from them, loaded and validated together as ONE immutable snapshot.
//
// A reload builds a whole new Snapshot beside the one serving and publishes it only once every
// part has loaded and the Ranker accepted them; a request holds one std::shared_ptr<const
// Snapshot> from start to end, so it never sees a new model with an old catalogue.
// Thread safety: immutable after load_snapshot(); share freely between threads.
// Complexity: load is linear in the sizes of the files (the event log dominates: O(e log e)).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "learnrec/io/model_file.hpp"
#include "learnrec/model/hybrid.hpp"
#include "learnrec/model/model.hpp"
#include "learnrec/ranking/files.hpp"
#include "learnrec/ranking/history.hpp"
#include "learnrec/ranking/ranker.hpp"
#include "learnrec/text/index.hpp"

namespace learnrec::service {

/// Where a snapshot comes from (the service's flags).
struct SnapshotSources {
    std::filesystem::path model;      ///< model file written by `learnrec train --save` (with ids)
    std::filesystem::path catalogue;  ///< catalogue directory (ranking/files.hpp); empty: ids only
    std::filesystem::path rules;      ///< rules JSON; empty: the defaults
    std::filesystem::path events;     ///< typed event log, the "already taken" state; empty: none
    /// The learner feature CSV a hybrid model was trained with (learner_id,feature,weight, as
    /// `learnrec academy` writes learner_features.csv): its feature columns, in the order of first
    /// use, are the model's learner feature columns, so a new learner's profile (role, country,
    /// languages, target skills, ...) reaches the model's feature embedding. Ignored for models
    /// without learner features.
    std::filesystem::path learner_features;
};

/// Which model answered: its kind, the file's payload checksum (the envelope's CRC-32) and when it
/// was trained (the file's metadata), as learnrec::model_version() spells it, e.g.
/// "als-3f2a9c1b-20260601T000000Z" ("unknown" for a file without a trained-at stamp); and when
/// this process loaded it.
struct ModelVersion {
    std::string id;               ///< "<kind>-<crc32 hex>-<trained_at>", in every answer
    std::string kind;             ///< "als", "ease", "hybrid", ...
    std::uint32_t checksum = 0;   ///< CRC-32 of the payload, from the envelope
    std::string trained_at;       ///< ISO-8601 UTC from the file's metadata, empty when not recorded
    std::optional<timestamp_t> trained_at_seconds;  ///< the same as seconds since the epoch, when it parses
    timestamp_t loaded_at = 0;    ///< seconds since the epoch
};
/// `model_bytes`: the model file's bytes (already validated by from_bytes into `bundle`). Reads the
/// checksum from the bytes rather than calling model_version(bundle), which would encode the whole
/// model again during a reload.
ModelVersion model_version_of(std::string_view model_bytes, const ModelBundle& bundle, timestamp_t loaded_at);

/// Snapshots alive in this process: constructed and not yet destroyed. One serves; a second lives
/// while a reload builds the next or a request still reads the previous one (milliseconds). A count
/// that stays above that says an old snapshot is kept somewhere (the memory of a whole model).
std::size_t snapshots_alive() noexcept;

namespace detail {
/// Counts the snapshots alive (a member of Snapshot, so every way of building one counts).
struct SnapshotCounter {
    SnapshotCounter() noexcept;
    SnapshotCounter(const SnapshotCounter&) noexcept;
    SnapshotCounter& operator=(const SnapshotCounter&) = default;
    ~SnapshotCounter();
};
}  // namespace detail

/// Each course's JSON members `"course_id":"...","title":"..."` (the title is the id when the
/// catalogue has none), escaped once per snapshot: an answer copies one contiguous fragment per
/// item and per reason instead of testing and copying the id and the title, each behind pointers
/// in the catalogue, every time.
/// Thread safety: immutable after construction. Complexity: O(catalogue text) to build, O(1) of().
class CourseFragments {
public:
    CourseFragments() = default;
    explicit CourseFragments(const ranking::Catalogue& catalogue);
    /// Course c's `"course_id":...` member, followed by its `,"title":...` when `with_title`.
    std::string_view of(index_t c, bool with_title) const noexcept {
        const Span& s = spans_[static_cast<std::size_t>(c)];
        return std::string_view(text_).substr(s.begin, (with_title ? s.end : s.id_end) - s.begin);
    }
    std::size_t size() const noexcept { return spans_.size(); }
    /// Asks the cache for course c's fragment ahead of writing it. An answer's courses lie
    /// scattered over the snapshot; fetched one at a time by the writer, each was a wait of its
    /// own (the copies were 4 % of the server's CPU samples); prefetched together, they overlap.
    void prefetch(index_t c) const noexcept {
        const Span& s = spans_[static_cast<std::size_t>(c)];
        for (std::size_t at = s.begin; at < s.end; at += 64) __builtin_prefetch(text_.data() + at);
    }

private:
    struct Span {
        std::size_t begin, id_end, end;
    };
    std::string text_;
    std::vector<Span> spans_;
};

struct Snapshot {
    Snapshot(ModelBundle bundle_, ranking::Ranker ranker_, ranking::RankingRules rules_, ModelVersion version_,
             QueryBlock cold_start_)
        : bundle(std::move(bundle_)),
          ranker(std::move(ranker_)),
          rules(std::move(rules_)),
          version(std::move(version_)),
          cold_start(std::move(cold_start_)),
          course_json(ranker.catalogue()) {}

    detail::SnapshotCounter counted;  ///< snapshots_alive()
    ModelBundle bundle;           ///< model + learner and course ids
    ranking::Ranker ranker;       ///< model + catalogue + learner facts + history
    ranking::RankingRules rules;  ///< k and num_threads are set per request
    ModelVersion version;
    QueryBlock cold_start;        ///< the query of a learner nothing is known about (the average learner)
    CourseFragments course_json;  ///< the catalogue's courses as answers spell them
    /// The catalogue's text index, for goals in the learner's own words (`goal` on the routes);
    /// built from the catalogue and the directory's skill_synonyms.csv, and kept with them by a
    /// reload that keeps the catalogue (catalogue_reused).
    std::shared_ptr<const text::CourseTextIndex> goals_index;
    std::size_t events_read = 0;  ///< events of the log that matched the model's ids
    bool history_reused = false;  ///< the history came from the previous snapshot, not the log
    /// The catalogue, the learners' facts and the goals index came from the previous snapshot, not
    /// the catalogue directory (which had not changed: catalogue_stamp).
    bool catalogue_reused = false;
    /// Every file of the catalogue directory as name, size, modification time and inode: equal
    /// stamps mean the directory was not written to since (empty without a catalogue directory).
    std::string catalogue_stamp;
    std::uint64_t log_device = 0, log_inode = 0;  ///< the event log file the history was read from
    /// Learner feature tokens ("role=engineer", "lang=de", "goal=python", ...), column j of the
    /// model's learner features (Model::learner_features()); empty when the model embeds none or
    /// no names were given. When set, a profile places a learner (fold_in_with_features).
    IdMap learner_feature_tokens;
    bool places_profiles() const noexcept { return learner_feature_tokens.size() > 0; }
};

/// Loads and validates every source; throws Error naming the file at fault. `now` stamps the version.
/// With `reuse_history_of`, when the new model has exactly the same learner and course ids, that
/// snapshot's history is taken instead of re-reading the event log (reading a log of millions of
/// events dominates a reload); the caller must know that the log only grew by events it still
/// applies on top (service.hpp).
/// With `reuse_catalogue_of`, when the new model has exactly the same learner and course ids and
/// the catalogue directory's stamp (every file's size, modification time and inode) is that
/// snapshot's, its catalogue, learner facts and goals index are taken instead of parsing the
/// directory again: parsing 100,000 learners' CSV rows was half of a reload's CPU when only the
/// model changed. The model file is always read and checked in full.
std::shared_ptr<const Snapshot> load_snapshot(const SnapshotSources& sources, timestamp_t now,
                                              const Snapshot* reuse_history_of = nullptr,
                                              const Snapshot* reuse_catalogue_of = nullptr);

/// The stamp of a catalogue directory (Snapshot::catalogue_stamp). O(files).
std::string catalogue_stamp(const std::filesystem::path& dir);

/// Ranks one learner on `snapshot` at time `now` with its rules, so that what the Ranker builds on
/// the first request for a set of rules and a time (the eligibility bits of every learner class)
/// is built before the snapshot serves: a reload calls it before publishing, and the requests of a
/// busy server do not each build the same bits at once on a fresh snapshot. O(classes x courses)
/// plus one request.
void warm_up(const Snapshot& snapshot, timestamp_t now);

/// The device and inode of a file, {0, 0} when it does not exist.
std::pair<std::uint64_t, std::uint64_t> file_identity(const std::filesystem::path& path);

/// A snapshot from parts already in memory (tests, the fuzz harness). The bundle must carry course ids.
std::shared_ptr<const Snapshot> make_snapshot(ModelBundle bundle, ranking::CatalogueData catalogue,
                                              ranking::RankingRules rules, ranking::LearnerHistory history,
                                              ModelVersion version, std::size_t events_read = 0,
                                              text::SkillVocabulary vocabulary = {},
                                              IdMap learner_feature_tokens = {});

}  // namespace learnrec::service
