// learnrec ranking — names of the rules' enums and reasons in plain terms (see ranking/recommendations.hpp).
#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <numeric>
#include <string>
#include <type_traits>
#include <unordered_map>

#include <fmt/compile.h>

#include "learnrec/detail/parallel.hpp"
#include "learnrec/error.hpp"
#include "learnrec/model/factor_model.hpp"
#include "learnrec/ranking/calendar.hpp"
#include "learnrec/ranking/ranker.hpp"
#include "learnrec/retrieval/topk.hpp"
#include "enum_names.hpp"
#include "ranking_probe.hpp"

namespace learnrec::ranking {

// ---- names -----------------------------------------------------------------------------------

namespace {
constexpr learnrec::detail::EnumName<ObligationScope> kObligationScopes[] = {
    {ObligationScope::learner, "learner"}, {ObligationScope::role, "role"}, {ObligationScope::country, "country"},
    {ObligationScope::department, "department"}, {ObligationScope::all, "all"}};
}  // namespace

std::string_view to_string(ObligationScope scope) {
    return learnrec::detail::name_of(kObligationScopes, scope).value_or("?");
}
ObligationScope parse_obligation_scope(std::string_view text) {
    if (const auto scope = learnrec::detail::value_named(kObligationScopes, text)) return *scope;
    LEARNREC_FAIL("unknown obligation scope '{}' (expected learner, role, country, department or all)", text);
}
std::string_view to_string(PrerequisiteMode mode) {
    switch (mode) {
        case PrerequisiteMode::ignore: return "ignore";
        case PrerequisiteMode::hold_back: return "hold_back";
        case PrerequisiteMode::substitute: return "substitute";
    }
    return "?";
}
PrerequisiteMode parse_prerequisite_mode(std::string_view text) {
    for (auto m : {PrerequisiteMode::ignore, PrerequisiteMode::hold_back, PrerequisiteMode::substitute})
        if (text == to_string(m)) return m;
    LEARNREC_FAIL("unknown prerequisite mode '{}' (expected ignore, hold_back or substitute)", text);
}
std::string_view to_string(DiversitySource source) {
    return source == DiversitySource::embeddings ? "embeddings" : "topics";
}
DiversitySource parse_diversity_source(std::string_view text) {
    if (text == "embeddings") return DiversitySource::embeddings;
    if (text == "topics") return DiversitySource::topics;
    LEARNREC_FAIL("unknown diversity source '{}' (expected embeddings or topics)", text);
}
std::string_view to_string(ReasonKind kind) {
    switch (kind) {
        case ReasonKind::mandatory: return "mandatory";
        case ReasonKind::renewal: return "renewal";
        case ReasonKind::skill_gap: return "skill_gap";
        case ReasonKind::prerequisite_for: return "prerequisite_for";
        case ReasonKind::because_completed: return "because_completed";
        case ReasonKind::popular_in_department: return "popular_in_department";
        case ReasonKind::new_course: return "new_course";
        case ReasonKind::matches_goal: return "matches_goal";
    }
    return "?";
}

// ---- reasons in plain terms ----------------------------------------------------------------------

namespace {
std::string_view name_at(const std::vector<std::string>& names, index_t i) {
    return i >= 0 && static_cast<std::size_t>(i) < names.size() ? std::string_view(names[static_cast<std::size_t>(i)])
                                                                : std::string_view();
}
}  // namespace

std::string_view Recommendations::skill(const Reason& reason) const {
    return names && reason.kind == ReasonKind::skill_gap ? name_at(names->skills, reason.skill) : std::string_view();
}
std::string_view Recommendations::department(const Reason& reason) const {
    return names && reason.kind == ReasonKind::popular_in_department ? name_at(names->departments, reason.department)
                                                                      : std::string_view();
}
std::string_view Recommendations::goal_text(const Reason& reason) const {
    return goal_terms && reason.kind == ReasonKind::matches_goal ? name_at(*goal_terms, reason.terms)
                                                                 : std::string_view();
}
std::string_view Recommendations::course_title(const Reason& reason) const {
    return names ? name_at(names->courses, reason.course) : std::string_view();
}

std::string Recommendations::text(const Reason& reason) const {
    std::string out;
    append_text(out, reason);
    return out;
}

void Recommendations::append_text(std::string& out, const Reason& reason) const {
    auto to = std::back_inserter(out);
    auto date = [](timestamp_t t) { return learnrec::detail::civil_from_days(learnrec::detail::floor_div(t, kSecondsPerDay)); };
    auto put_date = [&](timestamp_t t) {
        const auto d = date(t);
        // A campaign renders a date per pushed obligation: digits by hand for the usual years
        // (the same bytes as "{:04d}-{:02d}-{:02d}"), fmt for the rest.
        if (d.year < 0 || d.year > 9999) {
            fmt::format_to(to, FMT_COMPILE("{:04d}-{:02d}-{:02d}"), d.year, d.month, d.day);
            return;
        }
        const auto y = static_cast<unsigned>(d.year), m = static_cast<unsigned>(d.month),
                   day = static_cast<unsigned>(d.day);
        const char text[10] = {char('0' + y / 1000), char('0' + y / 100 % 10), char('0' + y / 10 % 10),
                               char('0' + y % 10),   '-',
                               char('0' + m / 10),   char('0' + m % 10),
                               '-',                  char('0' + day / 10),
                               char('0' + day % 10)};
        out.append(text, sizeof text);
    };
    switch (reason.kind) {
        case ReasonKind::mandatory:
            out += "mandatory, due ";
            put_date(reason.date);
            return;
        case ReasonKind::renewal:
            out += reason.date <= now ? "your certification expired on " : "your certification expires on ";
            put_date(reason.date);
            return;
        case ReasonKind::skill_gap:
            fmt::format_to(to, FMT_COMPILE("closes your gap in {} (target level {})"), skill(reason), reason.level);
            return;
        case ReasonKind::prerequisite_for:
            out += "needed before ";
            out += course_title(reason);
            return;
        case ReasonKind::because_completed:
            out += "because you completed ";
            out += course_title(reason);
            return;
        case ReasonKind::popular_in_department:
            out += "popular in your department (";
            out += department(reason);
            out += ')';
            return;
        case ReasonKind::new_course:
            out += "new in the catalogue since ";
            put_date(reason.date);
            return;
        case ReasonKind::matches_goal: {
            const auto words = goal_text(reason);
            // Caller-supplied embeddings match as a whole: there are no words to quote.
            out += words.empty() ? "matches your goal" : "matches your goal: ";
            out += words;
            return;
        }
    }
}

}  // namespace learnrec::ranking
