// learnrec campaign — the "campaign" section of the rules file (see campaign/rules.hpp).
#include "learnrec/campaign/rules.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "learnrec/data/csv.hpp"
#include "learnrec/error.hpp"
#include "learnrec/ranking/files.hpp"

namespace learnrec::campaign {

void CampaignRules::validate() const {
    LEARNREC_CHECK(repeat_days >= 0, "campaign.repeat_days must be >= 0, got {}", repeat_days);
    LEARNREC_CHECK(max_unanswered >= 0, "campaign.max_unanswered must be >= 0, got {}", max_unanswered);
    LEARNREC_CHECK(dismiss_days >= -1, "campaign.dismiss_days must be >= 0 or -1 (for good), got {}", dismiss_days);
    LEARNREC_CHECK(max_per_period >= 0, "campaign.max_per_period must be >= 0, got {}", max_per_period);
    LEARNREC_CHECK(period_days >= 1, "campaign.period_days must be >= 1, got {}", period_days);
    LEARNREC_CHECK(explore_days >= 0, "campaign.explore_days must be >= 0, got {}", explore_days);
    LEARNREC_CHECK(chunk_learners >= 1, "campaign.chunk_learners must be >= 1, got {}", chunk_learners);
    LEARNREC_CHECK(digest_courses >= 1, "campaign.digest_courses must be >= 1, got {}", digest_courses);
}

namespace {

/// "<source>:<line>" of a key path ("campaign.repeat_days") in the JSON text: each part is looked
/// for after the previous one (JSON values carry no line numbers once parsed). Just the source
/// when a part is not found.
std::string where_key(std::string_view text, const std::string& source, std::string_view path) {
    std::size_t pos = 0;
    while (!path.empty()) {
        const auto dot = path.find('.');
        const std::string quoted = fmt::format("\"{}\"", path.substr(0, dot));
        pos = text.find(quoted, pos);
        if (pos == std::string_view::npos) return source;
        path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
    }
    return fmt::format("{}:{}", source, 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
}

}  // namespace

CampaignSettings parse_campaign_settings(std::string_view text, std::string_view source_name) {
    const std::string source(source_name);
    CampaignSettings out;
    // The ranking part (which checks the JSON and skips "campaign"); its key errors get the key's line.
    try {
        out.ranking = ranking::parse_rules_json(text, source_name);
    } catch (const Error& e) {
        const std::string& why = e.reason();
        if (e.context() != source || why.rfind("key '", 0) != 0) throw;
        const auto end = why.find('\'', 5);
        throw Error(where_key(text, source, std::string_view(why).substr(5, end - 5)), why);
    }
    const auto doc = nlohmann::json::parse(text.begin(), text.end());
    auto it = doc.find("campaign");
    if (it == doc.end()) return out;
    auto fail = [&](const std::string& key, const std::string& reason) {
        throw Error(where_key(text, source, key), fmt::format("key '{}' {}", key, reason));
    };
    if (!it->is_object()) fail("campaign", fmt::format("must be an object, got {}", it->type_name()));
    CampaignRules& r = out.campaign;
    for (const auto& [name, value] : it->items()) {
        const std::string key = "campaign." + name;
        auto integer = [&](auto& field) {
            if (!value.is_number_integer()) fail(key, fmt::format("must be an integer, got {}", value.dump()));
            const auto x = value.get<std::int64_t>();
            if (x < -(std::int64_t{1} << 31) || x >= (std::int64_t{1} << 31))
                fail(key, fmt::format("value {} is out of range", x));
            field = static_cast<std::remove_reference_t<decltype(field)>>(x);
        };
        if (name == "repeat_days") integer(r.repeat_days);
        else if (name == "max_unanswered") integer(r.max_unanswered);
        else if (name == "dismiss_days") integer(r.dismiss_days);
        else if (name == "max_per_period") integer(r.max_per_period);
        else if (name == "period_days") integer(r.period_days);
        else if (name == "explore_days") integer(r.explore_days);
        else if (name == "chunk_learners") integer(r.chunk_learners);
        else if (name == "digest_courses") integer(r.digest_courses);
        else if (name == "explore") {
            if (!value.is_boolean()) fail(key, fmt::format("must be true or false, got {}", value.dump()));
            r.explore = value.get<bool>();
        } else {
            fail(key, "is not a campaign setting (known: repeat_days, max_unanswered, dismiss_days, max_per_period, "
                      "period_days, explore, explore_days, chunk_learners, digest_courses)");
        }
    }
    try {
        r.validate();
    } catch (const Error& e) {
        throw Error(source, e.reason());
    }
    return out;
}

CampaignSettings read_campaign_settings(const std::filesystem::path& path) {
    return parse_campaign_settings(read_text_file(path), path.string());
}

}  // namespace learnrec::campaign
