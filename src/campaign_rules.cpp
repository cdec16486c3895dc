// learnrec campaign — the "campaign" section of the rules file (see campaign/rules.hpp).
#include "learnrec/campaign/rules.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "learnrec/data/csv.hpp"
#include "learnrec/error.hpp"
#include "learnrec/ranking/files.hpp"
#include "rules_reader.hpp"

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

/// A rules reader's "key '<path>' ..." error under `source`, re-issued under "<source>:<line>" of
/// that key; any other error unchanged.
[[noreturn]] void rethrow_with_key_line(const Error& e, std::string_view text, const std::string& source) {
    const std::string& why = e.reason();
    if (e.context() != source || why.rfind("key '", 0) != 0) throw;  // the error being handled, as it was
    const auto end = why.find('\'', 5);
    LEARNREC_FAIL_AT(where_key(text, source, std::string_view(why).substr(5, end - 5)), "{}", why);
}

}  // namespace

CampaignSettings parse_campaign_settings(std::string_view text, std::string_view source_name) {
    const std::string source(source_name);
    CampaignSettings out;
    // The ranking part (which checks the JSON and skips "campaign"); its key errors get the key's line.
    try {
        out.ranking = ranking::parse_rules_json(text, source_name);
    } catch (const Error& e) {
        rethrow_with_key_line(e, text, source);
    }
    const auto doc = nlohmann::json::parse(text.begin(), text.end());
    auto it = doc.find("campaign");
    if (it == doc.end()) return out;
    CampaignRules& r = out.campaign;
    const detail::RulesReader reader(source, "a campaign setting");
    try {
        reader.walk(*it, "campaign",
                    {{"repeat_days", reader.integer(r.repeat_days)},
                     {"max_unanswered", reader.integer(r.max_unanswered)},
                     {"dismiss_days", reader.integer(r.dismiss_days)},
                     {"max_per_period", reader.integer(r.max_per_period)},
                     {"period_days", reader.integer(r.period_days)},
                     {"explore", reader.boolean(r.explore)},
                     {"explore_days", reader.integer(r.explore_days)},
                     {"chunk_learners", reader.integer(r.chunk_learners)},
                     {"digest_courses", reader.integer(r.digest_courses)}});
    } catch (const Error& e) {
        rethrow_with_key_line(e, text, source);
    }
    detail::validate_rules(r, source);
    return out;
}

CampaignSettings read_campaign_settings(const std::filesystem::path& path) {
    return parse_campaign_settings(read_text_file(path), path.string());
}

}  // namespace learnrec::campaign
