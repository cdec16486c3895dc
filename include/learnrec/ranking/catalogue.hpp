// learnrec ranking — the course catalogue the ranking rules read: course facts (language, format,
// regions, skills taught, certification validity), the prerequisite graph, dated sessions and
// mandatory-training obligations.
//
// Courses are aligned with the model's course indices: courses[c] describes column c. Everything
// else refers to courses by index. Strings (languages, formats, countries, skills) are compared
// exactly, so use one spelling ("en", "e-learning", "France").
// Thread safety: a plain value; read it from many threads, mutate from one.
// Complexity: validate() is O(courses + skills + prerequisites + sessions + obligations).
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "learnrec/data/course_offer.hpp"
#include "learnrec/data/interactions.hpp"
#include "learnrec/types.hpp"

namespace learnrec::ranking {

/// A skill taught by a course and the level (1 introductory .. 3 advanced, or higher) it reaches.
struct CourseSkill {
    std::string skill;
    int level = 1;
};

struct CourseFacts {
    std::string id;                      ///< external id ("C0042"); names the course in reasons and errors
    std::string title;                   ///< for people; falls back to the id when empty
    std::string topic;                   ///< diversity by topic; may be empty
    std::string format;                  ///< "e-learning", "classroom", ...; empty: unknown, any learner
    std::vector<std::string> languages;  ///< languages it is given in; empty: any learner
    std::vector<std::string> regions;    ///< countries or regions where offered; empty: everywhere
    std::vector<CourseSkill> skills;     ///< skills taught
    int validity_months = 0;             ///< a certification that expires after N months; 0 = never
    std::string description;             ///< free text in the course's language (text/index.hpp reads it)
};

using learnrec::Prerequisite;  // data/course_offer.hpp: one type for the academy, ranking and paths
using learnrec::Session;

/// Who must take a course, and by when.
enum class ObligationScope : std::uint8_t { learner, role, country, department, all };

struct Obligation {
    index_t course;
    ObligationScope scope = ObligationScope::all;
    std::string value;  ///< the learner id, role, country or department; empty for `all`
    timestamp_t due;
};

struct Catalogue {
    std::vector<CourseFacts> courses;  ///< one per model course
    std::vector<Prerequisite> prerequisites;
    std::vector<Session> sessions;
    std::vector<Obligation> obligations;

    index_t num_courses() const noexcept { return static_cast<index_t>(courses.size()); }
    /// The id of course c, or "#c" when the catalogue has no id for it.
    std::string course_name(index_t c) const;

    /// Throws Error on an index out of range, a level < 1, negative validity, a session ending before
    /// it starts, an obligation without value (other than `all`), a self-prerequisite, or a
    /// prerequisite cycle (the message names a course on the cycle and the cycle itself).
    void validate() const;
};

/// The id of session s: its own, or for sessions read without one "<course id>@<start YYYY-MM-DD>",
/// with "#2", "#3", ... for further sessions of the course starting that day (in catalogue order),
/// so that old sessions.csv files keep working and their ids stay stable while rows are not reordered.
/// O(s): for all sessions at once use allocation::session_opportunities.
std::string derived_session_id(const Catalogue& catalogue, std::size_t s);

/// "learner", "role", "country", "department", "all"; and the inverse (throws Error when unknown).
std::string_view to_string(ObligationScope scope);
ObligationScope parse_obligation_scope(std::string_view text);

}  // namespace learnrec::ranking
