// learnrec path — the "planning" section of the rules file (path/rules.hpp).
#include "learnrec/path/rules.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "learnrec/data/csv.hpp"
#include "learnrec/error.hpp"
#include "rules_reader.hpp"

namespace learnrec::path {

namespace {
// Counts and limits: non-negative, and small enough for any int field.
constexpr std::int64_t kMaxCount = 1'000'000'000;
}  // namespace

PlanOptions parse_planning_rules_json(std::string_view text, std::string_view source_name, PlanOptions o) {
    using json = nlohmann::json;
    const std::string source(source_name);
    const json doc = detail::parse_rules_object(text, source);
    const auto it = doc.find("planning");
    if (it == doc.end()) return o;
    const detail::RulesReader in(source, "a planning setting");
    auto count = [&](auto& field) { return in.integer(field, 0, kMaxCount); };
    bool month_given = false, quarter_given = false;
    auto hours = [&](double& field, bool& given) {
        return [read = in.number(field), &given](const json& v, const std::string& path) {
            read(v, path);
            given = true;
        };
    };
    in.walk(*it, "planning",
            {{"months", count(o.months)},
             {"hours_per_month", hours(o.hours_per_month, month_given)},
             {"hours_per_quarter", hours(o.hours_per_quarter, quarter_given)},
             {"gig_hours_per_week", in.number(o.gig_hours_per_week)},
             {"work_package_hours_per_week", in.number(o.work_package_hours_per_week)},
             {"options_per_gap", count(o.options_per_gap)},
             {"exact_limit", count(o.exact_limit)},
             {"node_limit", count(o.node_limit)},
             {"failed", [&](const json& v, const std::string& path) {
                  if (!v.is_string() || (v != "retake" && v != "replace"))
                      in.fail(path, fmt::format("must be \"retake\" or \"replace\", got {}", v.dump()));
                  o.retake_failed = v == "retake";
              }}});
    if (quarter_given && !month_given) o.hours_per_month = 0.0;
    detail::validate_rules(o, source);
    return o;
}

PlanOptions read_planning_rules_json(const std::filesystem::path& path, PlanOptions defaults) {
    return parse_planning_rules_json(read_text_file(path), path.string(), defaults);
}

}  // namespace learnrec::path
