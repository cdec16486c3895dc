// learnrec campaign — loading a campaign's audience from files (see campaign/campaign.hpp).
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "learnrec/campaign/campaign.hpp"
#include "learnrec/data/csv.hpp"
#include "learnrec/data/events.hpp"
#include "learnrec/error.hpp"
#include "learnrec/io/model_file.hpp"
#include "learnrec/ranking/files.hpp"
#include "learnrec/text/skills.hpp"

namespace learnrec::campaign {

namespace {

/// A column of a catalogue CSV by name (or its academy alias), for the few fields only campaigns
/// read; returns the (id, value) pairs, or nothing when the file or the column is absent.
std::vector<std::pair<std::string, std::string>> column_of(const std::filesystem::path& file,
                                                           std::string_view id_name, std::string_view column) {
    std::vector<std::pair<std::string, std::string>> out;
    if (!std::filesystem::exists(file)) return out;
    const std::string text = read_text_file(file);
    CsvReader reader(text, file.string());
    std::vector<std::string> fields;
    if (!reader.next_record(fields)) return out;
    std::optional<std::size_t> id, value;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const auto name = trim_csv_blank(fields[i]);
        if (name == id_name || (name == "id" && !id)) id = i;
        if (name == column) value = i;
    }
    if (!id || !value) return out;
    const std::size_t count = fields.size();
    while (reader.next_record(fields)) {
        if (fields.size() != count)
            LEARNREC_FAIL_AT(reader.where(), "{} fields, expected {} as in the header", fields.size(), count);
        out.emplace_back(std::string(trim_csv_blank(fields[*id])), std::string(trim_csv_blank(fields[*value])));
    }
    return out;
}

}  // namespace

Audience load_audience(const std::filesystem::path& model_path, const std::filesystem::path& dir,
                       const std::filesystem::path& events_path, int num_threads) {
    LEARNREC_CHECK(std::filesystem::is_directory(dir), "catalogue '{}' is not a directory", dir.string());
    ModelBundle bundle = load(model_path);
    const Model& model = *bundle.model;
    LEARNREC_CHECK(bundle.courses.size() == model.num_courses() && bundle.learners.size() == model.num_learners(),
                   "{}: the model file has no learner and course ids (save it with ids: learnrec train --save)",
                   model_path.string());
    Audience a;
    const index_t trained = model.num_learners();
    const index_t courses = model.num_courses();
    for (index_t l = 0; l < trained; ++l) a.learner_ids.push_back(bundle.learners.id(l));
    a.model_version = model_version(bundle);

    // learners.csv may name learners the model lacks: they join after the model's own.
    IdMap everyone = bundle.learners;
    {
        const auto file = dir / "learners.csv";
        if (std::filesystem::exists(file)) {
            const std::string text = read_text_file(file);
            CsvReader reader(text, file.string());
            std::vector<std::string> fields;
            if (reader.next_record(fields)) {
                std::optional<std::size_t> id, manager;
                for (std::size_t i = 0; i < fields.size(); ++i) {
                    if (trim_csv_blank(fields[i]) == "learner_id" || (trim_csv_blank(fields[i]) == "id" && !id)) id = i;
                    if (trim_csv_blank(fields[i]) == "manager_id") manager = i;
                }
                LEARNREC_CHECK(id.has_value(), "{}:1: no learner_id (or id) column", file.string());
                std::unordered_map<std::string, std::int32_t> manager_index;
                std::vector<std::pair<index_t, std::int32_t>> lines;  // (learner, manager)
                while (reader.next_record(fields)) {
                    if (*id >= fields.size()) LEARNREC_FAIL_AT(reader.where(), "fewer fields than the header");
                    const std::string v(trim_csv_blank(fields[*id]));
                    if (v.empty()) LEARNREC_FAIL_AT(reader.where(), "empty learner id");
                    if (!everyone.find(v)) {
                        everyone.insert(v);
                        a.new_learner_ids.push_back(v);
                    }
                    // A missing trailing manager_id (a file cut short of its last columns) is no manager.
                    const std::string m(manager && *manager < fields.size() ? trim_csv_blank(fields[*manager]) : "");
                    if (m.empty()) continue;
                    auto [it, added] = manager_index.emplace(m, static_cast<std::int32_t>(a.managers.size()));
                    if (added) a.managers.push_back(m);
                    lines.emplace_back(*everyone.find(v), it->second);
                }
                if (!a.managers.empty()) {
                    a.manager_of.assign(static_cast<std::size_t>(everyone.size()), -1);
                    for (const auto& [l, m] : lines) a.manager_of[static_cast<std::size_t>(l)] = m;
                }
            }
        }
    }
    const auto fresh = static_cast<index_t>(a.new_learner_ids.size());
    ranking::CatalogueData files = ranking::read_catalogue_dir(dir, bundle.courses, everyone);
    std::vector<ranking::LearnerFacts> old_facts, new_facts;
    if (!files.learners.empty()) {
        old_facts.assign(std::make_move_iterator(files.learners.begin()),
                         std::make_move_iterator(files.learners.begin() + trained));
        new_facts.assign(std::make_move_iterator(files.learners.begin() + trained),
                         std::make_move_iterator(files.learners.end()));
    }

    // The lifecycle: "already taken" for everyone, and what the new learners are folded in from.
    ranking::LearnerHistory old_history, new_history(fresh, courses);
    std::vector<Triplet> new_rows;
    if (!events_path.empty()) {
        const EventLog log = read_events_csv(events_path);
        std::vector<LifecycleEvent> old_events, new_events;
        std::size_t skipped = 0;
        for (const auto& e : log.events) {
            const auto l = everyone.find(log.learners.id(e.learner));
            const auto c = bundle.courses.find(log.courses.id(e.course));
            if (!l || !c) {
                ++skipped;
                continue;
            }
            if (*l < trained) {
                old_events.push_back({*l, *c, e.kind, e.time, e.value});
            } else {
                new_events.push_back({*l - trained, *c, e.kind, e.time, e.value});
                // Weights as the academy's interactions: 1 per enrolment, 2 more per completion.
                if (e.kind == LifecycleKind::enrolled) new_rows.push_back({*l - trained, *c, 1.0f});
                if (e.kind == LifecycleKind::completed) new_rows.push_back({*l - trained, *c, 2.0f});
            }
        }
        if (skipped > 0)
            a.note += fmt::format("skipped {} events of learners or courses neither the model nor the catalogue has\n",
                                  skipped);
        old_history = ranking::LearnerHistory::from_states(LearnerCourseStates::from_events(old_events, trained, courses));
        new_history = ranking::LearnerHistory::from_states(LearnerCourseStates::from_events(new_events, fresh, courses));
    } else {
        a.note += "no events given: nothing counts as already taken\n";
    }
    const CsrMatrix new_matrix = CsrMatrix::from_triplets(fresh, courses, new_rows);
    a.new_learners = ranking::fold_in_learners(model, new_matrix.view(), std::move(new_facts), std::move(new_history),
                                               num_threads);

    // Release dates (exploration slot), when courses.csv has them.
    const auto released = column_of(dir / "courses.csv", "course_id", "released");
    if (!released.empty()) {
        a.course_released.assign(static_cast<std::size_t>(courses), ranking::kNever);
        std::size_t line = 1;
        for (const auto& [id, value] : released) {
            ++line;
            const auto c = bundle.courses.find(id);
            if (!c || value.empty()) continue;
            a.course_released[static_cast<std::size_t>(*c)] =
                parse_csv_timestamp(value, "released", fmt::format("{}:{}", (dir / "courses.csv").string(), line));
        }
    }
    a.ranker = std::make_shared<const ranking::Ranker>(bundle.model, std::move(files.catalogue), std::move(old_facts),
                                                       std::move(old_history));
    // Goals in the learners' own words: indexed only when someone states one.
    const auto states_goal = [](const ranking::LearnerFacts& f) { return !f.goal.empty(); };
    if (std::any_of(a.ranker->learners().begin(), a.ranker->learners().end(), states_goal) ||
        std::any_of(a.new_learners.facts.begin(), a.new_learners.facts.end(), states_goal)) {
        text::SkillVocabulary vocabulary;  // lets a goal in one language reach courses taught in another
        if (std::filesystem::exists(dir / "skill_synonyms.csv"))
            vocabulary = text::read_skill_vocabulary_csv(dir / "skill_synonyms.csv");
        a.goals_index = std::make_shared<const text::CourseTextIndex>(text::course_texts(a.ranker->catalogue()),
                                                                      std::move(vocabulary));
    }
    return a;
}

}  // namespace learnrec::campaign
