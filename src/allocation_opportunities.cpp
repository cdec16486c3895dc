// learnrec allocation — opportunities: sessions from the catalogue, gigs and work packages from CSV.
#include "learnrec/allocation/opportunity.hpp"

#include <charconv>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "allocation_csv.hpp"
#include "csv_fields.hpp"
#include "enum_names.hpp"
#include "learnrec/data/csv.hpp"
#include "learnrec/error.hpp"
#include "learnrec/ranking/calendar.hpp"

namespace learnrec::allocation {

namespace {
constexpr learnrec::detail::EnumName<OpportunityKind> kOpportunityKinds[] = {
    {OpportunityKind::session, "session"}, {OpportunityKind::gig, "gig"}, {OpportunityKind::work_package, "work_package"}};
}  // namespace

std::string_view to_string(OpportunityKind kind) {
    return learnrec::detail::name_or_fail(kOpportunityKinds, kind, "OpportunityKind");
}

OpportunityKind parse_opportunity_kind(std::string_view text) {
    if (text == "session") return OpportunityKind::session;
    if (text == "gig") return OpportunityKind::gig;
    if (text == "work_package" || text == "work package") return OpportunityKind::work_package;
    LEARNREC_FAIL_AT("opportunity kind", "'{}' is not session, gig or work_package", text);
}

void validate_opportunities(const std::vector<Opportunity>& opportunities) {
    std::unordered_set<std::string_view> ids;
    for (const auto& o : opportunities) {
        LEARNREC_CHECK(!o.id.empty(), "an opportunity has an empty id");
        LEARNREC_CHECK(ids.insert(o.id).second, "opportunity id '{}' appears twice", o.id);
        LEARNREC_CHECK(o.places >= 0, "opportunity '{}' has {} places (must be >= 0)", o.id, o.places);
        LEARNREC_CHECK(o.end >= o.start, "opportunity '{}' ends before it starts", o.id);
        for (const auto* list : {&o.required, &o.taught})
            for (const auto& s : *list)
                LEARNREC_CHECK(s.level >= 1 && !s.skill.empty(), "opportunity '{}': skill '{}' level {} (must be >= 1)",
                               o.id, s.skill, s.level);
    }
}

std::vector<Opportunity> session_opportunities(const ranking::Catalogue& catalogue) {
    std::vector<Opportunity> out;
    out.reserve(catalogue.sessions.size());
    std::unordered_map<std::string, int> same_day;  // derived ids in one pass (derived_session_id is O(s))
    for (std::size_t s = 0; s < catalogue.sessions.size(); ++s) {
        const auto& x = catalogue.sessions[s];
        Opportunity o;
        o.id = x.id;
        if (o.id.empty()) {
            o.id = fmt::format("{}@{}", catalogue.course_name(x.course), ranking::format_date(x.start));
            if (const int nth = ++same_day[o.id]; nth > 1) o.id += fmt::format("#{}", nth);
        }
        o.kind = OpportunityKind::session;
        o.course = x.course;
        o.session = static_cast<index_t>(s);
        o.start = x.start;
        o.end = x.end;
        o.location = x.location;
        o.places = x.capacity;
        if (x.course >= 0 && x.course < catalogue.num_courses()) {
            const auto& f = catalogue.courses[static_cast<std::size_t>(x.course)];
            o.title = f.title.empty() ? f.id : f.title;
            o.languages = f.languages;
            o.taught = f.skills;
        }
        out.push_back(std::move(o));
    }
    return out;
}

namespace {

int parse_int(std::string_view text, std::string_view column, const std::string& where) {
    const auto v = trim_csv_blank(text);
    int x = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (v.empty() || ec != std::errc() || ptr != v.data() + v.size())
        LEARNREC_FAIL_AT(where, "{} '{}' is not an integer", column, text);
    return x;
}

std::string list_text(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& x : items) out += (out.empty() ? "" : ";") + x;
    return out;
}

std::string skills_text(const std::vector<ranking::CourseSkill>& skills) {
    std::string out;
    for (const auto& s : skills) out += fmt::format("{}{}:{}", out.empty() ? "" : ";", s.skill, s.level);
    return out;
}

}  // namespace

std::vector<Opportunity> read_opportunities_csv(const std::filesystem::path& path, char delimiter) {
    const std::string text = read_text_file(path);
    CsvReader reader(text, path.string(), delimiter);
    std::vector<std::string> fields;
    if (!reader.next_record(fields))
        LEARNREC_FAIL_AT(fmt::format("{}:1", path.string()), "empty file: a header line is required");
    const std::vector<std::string_view> required{"opportunity_id", "kind", "start", "places"};
    const std::vector<std::string_view> optional{"host_department", "country",  "duration_days", "end",
                                                 "required_skills", "taught_skills", "languages", "title",
                                                 "region"};
    const CsvColumns cols = resolve_csv_columns(fields, required, optional, {}, reader.where());
    std::vector<Opportunity> out;
    std::unordered_set<std::string> ids;
    while (reader.next_record(fields)) {
        const std::string where = reader.where();
        if (fields.size() != cols.count)
            LEARNREC_FAIL_AT(where, "{} fields, expected {} as in the header", fields.size(), cols.count);
        auto get = [&](std::size_t i) {
            return reader.field_quoted(i) ? std::string_view(fields[i]) : trim_csv_blank(fields[i]);
        };
        auto opt = [&](std::size_t k) { return cols.optional[k] ? get(*cols.optional[k]) : std::string_view{}; };
        Opportunity o;
        o.id = std::string(get(cols.required[0]));
        if (o.id.empty()) LEARNREC_FAIL_AT(where, "empty opportunity_id");
        if (!ids.insert(o.id).second) LEARNREC_FAIL_AT(where, "opportunity '{}' listed twice", o.id);
        try {
            o.kind = parse_opportunity_kind(get(cols.required[1]));
        } catch (const Error& e) {
            LEARNREC_FAIL_AT(where, "{}", e.reason());
        }
        if (o.kind == OpportunityKind::session)
            LEARNREC_FAIL_AT(where, "sessions belong in sessions.csv; opportunities.csv holds gigs and work packages");
        o.start = parse_csv_timestamp(get(cols.required[2]), "start", where);
        o.places = parse_int(get(cols.required[3]), "places", where);
        if (o.places < 0) LEARNREC_FAIL_AT(where, "places {} is negative", o.places);
        o.host_department = std::string(opt(0));
        o.location = std::string(opt(1));
        if (!opt(3).empty()) {
            o.end = parse_csv_timestamp(opt(3), "end", where);
        } else {
            const int days = opt(2).empty() ? 1 : parse_int(opt(2), "duration_days", where);
            if (days < 1) LEARNREC_FAIL_AT(where, "duration_days {} is below 1", days);
            o.end = o.start + static_cast<timestamp_t>(days) * ranking::kSecondsPerDay - 1;
        }
        if (o.end < o.start) LEARNREC_FAIL_AT(where, "the opportunity ends before it starts");
        o.required = learnrec::detail::parse_skill_levels<ranking::CourseSkill>(opt(4), "required_skills", where);
        o.taught = learnrec::detail::parse_skill_levels<ranking::CourseSkill>(opt(5), "taught_skills", where);
        o.languages = learnrec::detail::split_csv_list(opt(6));
        o.title = std::string(opt(7));
        o.region = std::string(opt(8));
        out.push_back(std::move(o));
    }
    return out;
}

void write_opportunities_csv(const std::filesystem::path& path, const std::vector<Opportunity>& opportunities) {
    std::string text =
        "opportunity_id,kind,title,host_department,country,start,end,places,required_skills,taught_skills,languages\n";
    for (const auto& o : opportunities) {
        if (o.kind == OpportunityKind::session) continue;
        detail::append_csv_row(text, {o.id, to_string(o.kind), o.title, o.host_department, o.location,
                              learnrec::detail::iso8601(o.start), learnrec::detail::iso8601(o.end), fmt::format("{}", o.places),
                              skills_text(o.required), skills_text(o.taught), list_text(o.languages)});
    }
    detail::write_file_atomically(path, text);
}

}  // namespace learnrec::allocation

namespace learnrec::allocation {

std::vector<Opportunity> academy_opportunities(const Academy& academy) {
    std::vector<Opportunity> out;
    for (const auto& o : academy.opportunities) {
        Opportunity x;
        x.id = o.id;
        x.kind = parse_opportunity_kind(o.kind);
        x.title = o.title;
        x.host_department = o.host_department;
        x.location = o.country;
        if (!o.language.empty()) x.languages = {o.language};
        x.start = o.start;
        // As read_opportunities_csv reads duration_days: the last second of the last day.
        x.end = o.start + static_cast<timestamp_t>(o.duration_days) * ranking::kSecondsPerDay - 1;
        x.places = o.places;
        for (const auto& s : o.required) x.required.push_back({s.skill, s.level});
        for (const auto& s : o.taught) x.taught.push_back({s.skill, s.level});
        out.push_back(std::move(x));
    }
    return out;
}

}  // namespace learnrec::allocation
