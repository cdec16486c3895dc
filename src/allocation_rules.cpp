// learnrec allocation — the "allocation" section of the rules file (allocation/files.hpp).
#include "learnrec/allocation/files.hpp"

#include <nlohmann/json.hpp>

#include "learnrec/data/csv.hpp"
#include "learnrec/error.hpp"
#include "learnrec/ranking/files.hpp"

namespace learnrec::allocation {

AllocationSettings parse_allocation_rules_json(std::string_view text, std::string_view source_name) {
    using json = nlohmann::json;
    const std::string source(source_name);
    json doc;
    try {
        doc = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        throw Error(source, fmt::format("not valid JSON: {}", e.what()));
    }
    if (!doc.is_object()) throw Error(source, fmt::format("the rules must be a JSON object, got {}", doc.type_name()));
    AllocationSettings out;
    if (auto it = doc.find("allocation"); it != doc.end()) {
        const json section = *it;
        doc.erase(it);
        if (!section.is_object())
            throw Error(source, fmt::format("key 'allocation' must be an object, got {}", section.type_name()));
        auto& a = out.allocation;
        for (const auto& [key, v] : section.items()) {
            const std::string path = "allocation." + key;
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
            if (key == "max_per_learner") integer(a.max_per_learner);
            else if (key == "fairness") number(a.fairness);
            else if (key == "utility_steps") integer(a.utility_steps);
            else if (key == "candidates_per_learner") integer(a.candidates_per_learner);
            else if (key == "horizon_days") integer(a.horizon_days);
            else if (key == "min_host_fit") number(a.min_host_fit);
            else if (key == "num_threads") integer(a.num_threads);
            else if (key == "mip_max_candidates") integer(a.mip_max_candidates);
            else if (key == "mip_seconds") number(a.mip_seconds);
            else
                throw Error(source, fmt::format("key '{}' is not an allocation setting (known here: candidates_per_learner, "
                                                "fairness, horizon_days, max_per_learner, min_host_fit, mip_max_candidates, "
                                                "mip_seconds, num_threads, utility_steps)",
                                                path));
        }
        try {
            a.validate();
        } catch (const Error& e) {
            throw Error(source, e.reason());
        }
    }
    out.ranking = ranking::parse_rules_json(doc.dump(), source_name);
    return out;
}

AllocationSettings read_allocation_rules_json(const std::filesystem::path& path) {
    return parse_allocation_rules_json(read_text_file(path), path.string());
}

}  // namespace learnrec::allocation
