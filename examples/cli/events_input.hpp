// learnrec CLI — the `--events` file: a typed events CSV or xAPI statements (JSON Lines or an
// array), told apart by extension or first byte (events_input.cpp).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "learnrec/data/events.hpp"

namespace learnrec::cli {

struct XapiFlags {
    std::string courses;          ///< CSV object_iri,course_id
    std::string course_pattern;   ///< regex: capture group 1 of the object IRI is the course id
    bool prefer_mbox = false;     ///< the actor's mailbox wins over the account name
    bool skip_malformed = false;  ///< skip and report malformed statements instead of failing
};

/// --xapi-courses, --xapi-course-pattern, --xapi-prefer-mbox, --xapi-skip-malformed.
void add_xapi_flags(CLI::App& cmd, XapiFlags& flags);

/// The events of `path`: xAPI statements (data/xapi.hpp; what was counted, skipped or voided is
/// printed to stderr) or a typed events CSV (data/events.hpp).
EventLog read_event_file(const std::string& path, const XapiFlags& flags);

}  // namespace learnrec::cli
