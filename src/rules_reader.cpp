// learnrec — internal: reading the sections of a rules file (src/rules_reader.hpp).
#include "rules_reader.hpp"

namespace learnrec::detail {

nlohmann::json parse_rules_object(std::string_view text, const std::string& source) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::parse_error& e) {
        // nlohmann's message already says "at line L, column C".
        LEARNREC_FAIL_AT(source, "not valid JSON: {}", e.what());
    }
    if (!doc.is_object()) LEARNREC_FAIL_AT(source, "the rules must be a JSON object, got {}", doc.type_name());
    return doc;
}

void RulesReader::fail(const std::string& key, const std::string& reason) const {
    LEARNREC_FAIL_AT(source_, "key '{}' {}", key, reason);
}

void RulesReader::walk(const json& object, const std::string& prefix, const std::map<std::string, Handler>& handlers) const {
    if (!object.is_object()) {
        if (prefix.empty()) LEARNREC_FAIL_AT(source_, "the rules must be a JSON object, got {}", object.type_name());
        fail(prefix, fmt::format("must be an object, got {}", object.type_name()));
    }
    for (const auto& [name, value] : object.items()) {
        const std::string path = prefix.empty() ? name : prefix + "." + name;
        const auto it = handlers.find(name);
        if (it == handlers.end()) {
            std::string known;
            for (const auto& h : handlers) known += (known.empty() ? "" : ", ") + h.first;
            fail(path, fmt::format("is not {} (known here: {})", setting_, known));
        }
        it->second(value, path);
    }
}

}  // namespace learnrec::detail
