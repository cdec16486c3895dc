// learnrec — forgetting learners in model bundles and logs (include/learnrec/io/forget.hpp).
#include <typeinfo>
#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "campaign_io.hpp"
#include "learnrec/campaign/push_log.hpp"
#include "learnrec/data/csv.hpp"
#include "learnrec/detail/atomic_file.hpp"
#include "learnrec/data/events.hpp"
#include "learnrec/io/forget.hpp"

namespace learnrec {
namespace {

std::string read_all(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) LEARNREC_FAIL_AT(path.string(), "cannot read");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// "events": typed lifecycle events (read_events_csv). Learner indices of the rewritten log follow
// the first appearance of the remaining learners, so the forgotten ids vanish from it entirely.
std::size_t forget_in_events(const std::filesystem::path& in, const std::filesystem::path& out,
                             std::span<const std::string> learners) {
    const EventLog log = read_events_csv(in);
    const std::set<std::string, std::less<>> gone(learners.begin(), learners.end());
    EventLog kept;
    std::size_t removed = 0;
    for (const auto& e : log.events) {
        const std::string& learner = log.learners.id(e.learner);
        if (gone.count(learner)) {
            ++removed;
            continue;
        }
        add_event(kept, learner, log.courses.id(e.course), e.kind, e.time,
                  e.kind == LifecycleKind::rated ? e.value : std::numeric_limits<float>::quiet_NaN());
    }
    // write_events_csv writes in place; the cleaned log must replace `out` atomically instead.
    const std::filesystem::path dir = out.has_parent_path() ? out.parent_path() : std::filesystem::path(".");
    const std::filesystem::path temp = dir / (out.filename().string() + ".forget-staging");
    struct Remove {
        std::filesystem::path p;
        ~Remove() {
            std::error_code ec;
            std::filesystem::remove(p, ec);
        }
    } cleanup{temp};
    write_events_csv(temp, kept);
    detail::write_file_atomically(read_all(temp), out);
    return removed;
}

// "push": a campaign push log (campaign/push_log.hpp), CSV or JSON Lines by extension. Every other
// record is kept byte for byte (a record's physical lines, quoted newlines included), so the log
// reads as before minus the learners. A torn last line (a crash mid-append) is not a record and
// may hold anything: it is dropped too. Run it while no campaign appends to the log.
std::size_t forget_in_push_log(const std::filesystem::path& in, const std::filesystem::path& out,
                               std::span<const std::string> learners) {
    const std::set<std::string, std::less<>> gone(learners.begin(), learners.end());
    std::error_code ec;
    const std::string text = std::filesystem::exists(in, ec) ? read_all(in) : std::string();
    const std::size_t end = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    const std::string_view body(text.data(), end);
    // Start offset of each physical line (1-based line n starts at starts[n - 1]).
    std::vector<std::size_t> starts{0};
    for (std::size_t i = 0; i < body.size(); ++i)
        if (body[i] == '\n' && i + 1 < body.size()) starts.push_back(i + 1);
    const auto offset_of_line = [&](std::size_t line) { return line - 1 < starts.size() ? starts[line - 1] : body.size(); };
    std::string kept;
    std::size_t removed = 0;
    if (campaign::push_log_format_of(in) == campaign::PushLogFormat::jsonl) {
        for (std::size_t line = 1; line <= starts.size() && !body.empty(); ++line) {
            const std::size_t b = offset_of_line(line), e = offset_of_line(line + 1);
            const std::string_view raw = body.substr(b, e - b);
            if (raw.find_first_not_of(" \t\r\n") == std::string_view::npos) {
                kept.append(raw);
                continue;
            }
            nlohmann::json j;
            try {
                j = nlohmann::json::parse(raw);
            } catch (const nlohmann::json::parse_error& err) {
                LEARNREC_FAIL_AT(fmt::format("{}:{}", in.string(), line), "not valid JSON: {}", err.what());
            }
            const auto id = j.is_object() ? j.find("learner_id") : j.end();
            if (!j.is_object() || id == j.end() || !id->is_string())
                LEARNREC_FAIL_AT(fmt::format("{}:{}", in.string(), line), "a push record needs a string 'learner_id'");
            if (gone.count(id->get<std::string>())) {
                ++removed;
                continue;
            }
            kept.append(raw);
        }
    } else {
        CsvReader reader(body, in.string());
        std::vector<std::string> fields;
        std::size_t learner_col = 0;
        std::size_t record_line = 0;
        bool drop = false, header = true;
        const auto close_record = [&](std::size_t next_line) {
            if (record_line == 0) return;
            const std::size_t b = offset_of_line(record_line), e = offset_of_line(next_line);
            if (!drop) kept.append(body.substr(b, e - b));
        };
        while (reader.next_record(fields)) {
            close_record(reader.line());
            record_line = reader.line();
            drop = false;
            if (header) {
                const CsvColumns cols = resolve_csv_columns(fields, {"time", "campaign", "learner_id", "course_id", "event"},
                                                            {"mandatory"}, {}, reader.where());
                learner_col = cols.required[2];
                header = false;
                continue;
            }
            if (learner_col < fields.size() && gone.count(std::string(trim_csv_blank(fields[learner_col])))) {
                drop = true;
                ++removed;
            }
        }
        close_record(starts.size() + 1);
    }
    campaign::detail::AtomicFile file(out);
    file.write(kept);
    file.commit();
    return removed;
}

constexpr std::array kLogKinds{
    LearnerLogKind{"events", forget_in_events},
    LearnerLogKind{"push", forget_in_push_log},
};

}  // namespace

std::span<const LearnerLogKind> learner_log_kinds() { return kLogKinds; }

std::size_t forget_in_log(std::string_view kind, const std::filesystem::path& in, const std::filesystem::path& out,
                          std::span<const std::string> learners) {
    std::string known;
    for (const auto& k : kLogKinds) {
        if (k.name == kind) return k.forget(in, out, learners);
        known += (known.empty() ? "" : ", ") + std::string(k.name);
    }
    LEARNREC_FAIL("no log kind '{}' (known: {})", kind, known);
}

CsrMatrix align_to_model(const Interactions& data, const ModelBundle& bundle) {
    LEARNREC_CHECK(bundle.learners.size() > 0 && bundle.courses.size() > 0,
                   "the model file holds no learner or course ids, so its rows cannot be matched to data");
    std::vector<index_t> course(static_cast<std::size_t>(data.courses.size()), -1);
    for (index_t c = 0; c < data.courses.size(); ++c)
        if (const auto found = bundle.courses.find(data.courses.id(c))) course[static_cast<std::size_t>(c)] = *found;
    std::vector<Triplet> t;
    t.reserve(static_cast<std::size_t>(data.matrix.nnz()));
    for (index_t r = 0; r < data.matrix.rows(); ++r) {
        const auto learner = bundle.learners.find(data.learners.id(r));
        if (!learner) continue;
        const auto row = data.matrix.row(r);
        for (std::size_t k = 0; k < row.size(); ++k) {
            const index_t c = course[static_cast<std::size_t>(row.indices[k])];
            if (c >= 0) t.push_back({*learner, c, row.weights[k]});
        }
    }
    return CsrMatrix::from_triplets(bundle.model->num_learners(), bundle.model->num_courses(), t);
}

namespace {

/// Forgetting on `aligned` (the training data in the model's index space).
ForgetResult forget_aligned(const ModelBundle& bundle, const CsrMatrix& aligned, std::span<const std::string> learner_ids,
                            int num_threads) {
    std::vector<index_t> rows;
    for (const auto& id : learner_ids) rows.push_back(bundle.learners.at(id, "learner"));
    ForgetResult out;
    out.data_matches_fingerprint = !bundle.metadata.data_fingerprint.empty() &&
        data_fingerprint(aligned.view(), bundle.learners, bundle.courses) == bundle.metadata.data_fingerprint;
    auto model = std::make_shared<const AlsModel>(als_forget_learners(static_cast<const AlsModel&>(*bundle.model),
                                                                      aligned.view(), rows, num_threads, &out.report));
    std::vector<char> gone(static_cast<std::size_t>(bundle.learners.size()), 0);
    for (index_t r : rows) gone[static_cast<std::size_t>(r)] = 1;
    std::vector<std::string> kept_ids;
    std::vector<index_t> kept_rows;
    for (index_t u = 0; u < bundle.learners.size(); ++u) {
        if (gone[static_cast<std::size_t>(u)]) continue;
        kept_ids.push_back(bundle.learners.id(u));
        kept_rows.push_back(u);
    }
    out.bundle.learners = IdMap(std::move(kept_ids));
    out.bundle.courses = bundle.courses;
    out.bundle.metadata = bundle.metadata;
    auto remaining = std::make_shared<CsrMatrix>(detail::select_rows(aligned.view(), kept_rows, aligned.cols()));
    out.bundle.metadata.data_fingerprint = data_fingerprint(remaining->view(), out.bundle.learners, out.bundle.courses);
    // A file that kept its training data keeps it, without them: forgetting from it again works.
    if (bundle.training) out.bundle.training = std::move(remaining);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    out.bundle.metadata.history.push_back(fmt::format(
        "forget {}: {} learner(s) removed, {} course(s) re-solved without them; full retrain pending", format_utc(now),
        out.report.learners_removed, out.report.courses_resolved.size()));
    out.bundle.model = std::move(model);
    return out;
}

void check_forgettable(const ModelBundle& bundle) {
    LEARNREC_CHECK(bundle.model != nullptr, "the bundle holds no model");
    // Forgetting is ALS's own algorithm (als_forget_learners), so it asks for exactly that class.
    const Model& given = *bundle.model;
    LEARNREC_CHECK(typeid(given) == typeid(AlsModel),
                   "forgetting re-solves the courses a learner touched, which learnrec implements for 'als' models; "
                   "retrain this '{}' model on the cleaned logs instead (README, \"Forgetting a learner\")",
                   bundle.model->kind());
    LEARNREC_CHECK(bundle.learners.size() > 0 && bundle.courses.size() > 0,
                   "the model file holds no learner or course ids, so its rows cannot be matched to ids");
}

}  // namespace

ForgetResult forget_learners(const ModelBundle& bundle, const Interactions& data, std::span<const std::string> learner_ids,
                             int num_threads) {
    check_forgettable(bundle);
    return forget_aligned(bundle, align_to_model(data, bundle), learner_ids, num_threads);
}

ForgetResult forget_learners(const ModelBundle& bundle, std::span<const std::string> learner_ids, int num_threads) {
    check_forgettable(bundle);
    LEARNREC_CHECK(bundle.training != nullptr,
                   "the model file keeps no training data, so the courses the learners touched cannot be re-solved "
                   "from it: give the training interactions (CLI --interactions or --events), or train with "
                   "--keep-training-data (Python: save(..., training_data=...))");
    return forget_aligned(bundle, *bundle.training, learner_ids, num_threads);
}

}  // namespace learnrec
