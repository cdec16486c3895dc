// learnrec CLI — `--events` as a typed events CSV or xAPI statements (events_input.hpp).
#include "events_input.hpp"

#include <fmt/format.h>

#include "learnrec/data/xapi.hpp"

namespace learnrec::cli {

void add_xapi_flags(CLI::App& cmd, XapiFlags& f) {
    cmd.add_option("--xapi-courses", f.courses,
                   "xAPI: CSV object_iri,course_id mapping activity ids to course ids (else the IRI's last segment)")
        ->check(CLI::ExistingFile);
    cmd.add_option("--xapi-course-pattern", f.course_pattern,
                   "xAPI: regular expression whose first group is the course id in an activity IRI");
    cmd.add_flag("--xapi-prefer-mbox", f.prefer_mbox, "xAPI: the actor's mailbox wins over its account name");
    cmd.add_flag("--xapi-skip-malformed", f.skip_malformed,
                 "xAPI: skip and report malformed statements instead of stopping at the first");
}

EventLog read_event_file(const std::string& path, const XapiFlags& f) {
    if (!looks_like_xapi(path)) return read_events_csv(path);
    XapiOptions options;
    if (!f.courses.empty()) read_xapi_course_map_csv(f.courses, options.courses);
    if (!f.course_pattern.empty()) {
        options.courses.rule = XapiCourseMap::Rule::regex;
        options.courses.pattern = f.course_pattern;
    }
    if (f.prefer_mbox) options.actor_key = XapiOptions::ActorKey::mbox_first;
    options.skip_malformed = f.skip_malformed;
    XapiLog x = read_xapi(path, options);
    fmt::print(stderr, "note: xAPI {}: {}\n", path, x.stats.summary());
    return std::move(x.log);
}

}  // namespace learnrec::cli
