// learnrec path — the "planning" section of the rules file (path/rules.hpp).
#include "learnrec/path/rules.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "learnrec/data/csv.hpp"
#include "learnrec/error.hpp"

namespace learnrec::path {

PlanOptions parse_planning_rules_json(std::string_view text, std::string_view source_name, PlanOptions o) {
    using json = nlohmann::json;
    const std::string source(source_name);
    json doc;
    try {
        doc = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        throw Error(source, fmt::format("not valid JSON: {}", e.what()));
    }
    if (!doc.is_object()) throw Error(source, fmt::format("the rules must be a JSON object, got {}", doc.type_name()));
    const auto it = doc.find("planning");
    if (it == doc.end()) return o;
    if (!it->is_object())
        throw Error(source, fmt::format("key 'planning' must be an object, got {}", it->type_name()));
    bool month_given = false, quarter_given = false;
    for (const auto& [key, v] : it->items()) {
        const std::string path = "planning." + key;
        auto integer = [&](auto& field) {
            if (!v.is_number_integer()) throw Error(source, fmt::format("key '{}' must be an integer, got {}", path, v.dump()));
            const auto x = v.get<std::int64_t>();
            if (x < 0 || x > 1'000'000'000) throw Error(source, fmt::format("key '{}' value {} is out of range", path, x));
            field = static_cast<std::remove_reference_t<decltype(field)>>(x);
        };
        auto number = [&](double& field) {
            if (!v.is_number()) throw Error(source, fmt::format("key '{}' must be a number, got {}", path, v.dump()));
            field = v.get<double>();
        };
        if (key == "months") integer(o.months);
        else if (key == "hours_per_month") number(o.hours_per_month), month_given = true;
        else if (key == "hours_per_quarter") number(o.hours_per_quarter), quarter_given = true;
        else if (key == "gig_hours_per_week") number(o.gig_hours_per_week);
        else if (key == "work_package_hours_per_week") number(o.work_package_hours_per_week);
        else if (key == "options_per_gap") integer(o.options_per_gap);
        else if (key == "exact_limit") integer(o.exact_limit);
        else if (key == "node_limit") integer(o.node_limit);
        else if (key == "failed") {
            if (!v.is_string() || (v != "retake" && v != "replace"))
                throw Error(source, fmt::format("key '{}' must be \"retake\" or \"replace\", got {}", path, v.dump()));
            o.retake_failed = v == "retake";
        } else
            throw Error(source, fmt::format("key '{}' is not a planning setting (known here: exact_limit, failed, "
                                            "gig_hours_per_week, hours_per_month, hours_per_quarter, months, node_limit, "
                                            "options_per_gap, work_package_hours_per_week)",
                                            path));
    }
    if (quarter_given && !month_given) o.hours_per_month = 0.0;
    try {
        o.validate();
    } catch (const Error& e) {
        throw Error(source, e.reason());
    }
    return o;
}

PlanOptions read_planning_rules_json(const std::filesystem::path& path, PlanOptions defaults) {
    return parse_planning_rules_json(read_text_file(path), path.string(), defaults);
}

}  // namespace learnrec::path
