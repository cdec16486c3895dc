// learnrec — what a catalogue offers and requires of a course: prerequisites between courses and
// dated sessions. One type each, shared by the academy generator, ranking, paths and allocation.
// Thread safety: plain values. Complexity: none (no behaviour).
#pragma once

#include <string>

#include "learnrec/data/interactions.hpp"  // timestamp_t
#include "learnrec/types.hpp"

namespace learnrec {

/// `course` can only be taken once `requires_course` is completed.
struct Prerequisite {
    index_t course;
    index_t requires_course;
};

/// A dated run of a course (classroom, webinar) in a country or region ("" = online, anyone).
/// A course with at least one session in the catalogue is only available through its sessions.
struct Session {
    index_t course;
    timestamp_t start;
    timestamp_t end;
    std::string location;
    int capacity = 1;  ///< seats still open; 0 = full
    std::string id;    ///< session id (sessions.csv `session_id`); empty: derived_session_id() names it
};

}  // namespace learnrec
