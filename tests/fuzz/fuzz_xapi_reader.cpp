// Fuzz target: the xAPI statement reader and what consumes its output. The first byte picks the
// options (skip malformed, actor preference, course rule, small limits); the rest is the file's text.
#include "fuzz_common.hpp"
#include "learnrec/data/xapi.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    learnrec::XapiOptions options;
    options.skip_malformed = (data[0] & 1) != 0;
    if (data[0] & 2) options.actor_key = learnrec::XapiOptions::ActorKey::mbox_first;
    if (data[0] & 4) {
        options.courses.rule = learnrec::XapiCourseMap::Rule::regex;
        options.courses.pattern = "/course/([A-Za-z0-9_-]+)";
    }
    if (data[0] & 8) options.courses.table["https://lms.example.com/cmi5/course-42"] = "C042";
    if (data[0] & 16) {
        options.max_statement_bytes = 256;
        options.max_depth = 4;
    }
    try {
        const auto x = learnrec::parse_xapi(learnrec::fuzz::as_text(data + 1, size - 1), "fuzz.jsonl", options);
        const auto& log = x.log;
        if (x.results.size() != log.events.size() || x.statement_ids.size() != log.events.size()) __builtin_trap();
        if (x.stats.events != log.events.size()) __builtin_trap();
        for (const auto& e : log.events)
            if (e.learner < 0 || e.learner >= log.learners.size() || e.course < 0 || e.course >= log.courses.size())
                __builtin_trap();
        const auto states = learnrec::LearnerCourseStates::from_events(log);
        if (states.num_pairs() > log.events.size()) __builtin_trap();
        const auto weights = learnrec::apply_policy(log);
        weights.matrix.view().validate("weighted matrix");
        (void)x.stats.summary();
    } catch (const learnrec::Error&) {
    }
    return 0;
}
