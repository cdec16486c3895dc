// learnrec allocation — the "allocation" section of the rules file (allocation/files.hpp).
#include "learnrec/allocation/files.hpp"

#include <nlohmann/json.hpp>

#include "learnrec/data/csv.hpp"
#include "learnrec/error.hpp"
#include "learnrec/ranking/files.hpp"
#include "rules_reader.hpp"

namespace learnrec::allocation {

namespace {
// Counts and limits: non-negative, and small enough for any int field.
constexpr std::int64_t kMaxCount = 1'000'000'000;
}  // namespace

AllocationSettings parse_allocation_rules_json(std::string_view text, std::string_view source_name) {
    using json = nlohmann::json;
    const std::string source(source_name);
    json doc = detail::parse_rules_object(text, source);
    AllocationSettings out;
    if (auto it = doc.find("allocation"); it != doc.end()) {
        const json section = *it;
        doc.erase(it);  // the rest is the ranking rules, which know no "allocation"
        const detail::RulesReader in(source, "an allocation setting");
        auto count = [&](auto& field) { return in.integer(field, 0, kMaxCount); };
        auto& a = out.allocation;
        in.walk(section, "allocation",
                {{"max_per_learner", count(a.max_per_learner)},
                 {"fairness", in.number(a.fairness)},
                 {"utility_steps", count(a.utility_steps)},
                 {"candidates_per_learner", count(a.candidates_per_learner)},
                 {"horizon_days", count(a.horizon_days)},
                 {"min_host_fit", in.number(a.min_host_fit)},
                 {"num_threads", count(a.num_threads)},
                 {"mip_max_candidates", count(a.mip_max_candidates)},
                 {"mip_seconds", in.number(a.mip_seconds)},
                 {"bound_steps", count(a.bound_steps)}});
        detail::validate_rules(a, source);
    }
    out.ranking = ranking::parse_rules_json(doc.dump(), source_name);
    return out;
}

AllocationSettings read_allocation_rules_json(const std::filesystem::path& path) {
    return parse_allocation_rules_json(read_text_file(path), path.string());
}

}  // namespace learnrec::allocation
