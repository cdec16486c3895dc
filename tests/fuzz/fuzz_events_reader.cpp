// Fuzz target: the typed event reader and what consumes its output. The first byte picks the
// delimiter and the policy's options; the rest is the file's text.
#include "fuzz_common.hpp"
#include "learnrec/data/events.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    learnrec::CsvOptions options;
    constexpr char delimiters[] = {',', ';', '\t', '|'};
    options.delimiter = delimiters[data[0] & 3];
    try {
        const auto log = learnrec::parse_events_csv(learnrec::fuzz::as_text(data + 1, size - 1), "fuzz.csv", options);
        for (const auto& e : log.events)
            if (e.learner < 0 || e.learner >= log.learners.size() || e.course < 0 || e.course >= log.courses.size())
                __builtin_trap();
        learnrec::WeightingPolicy policy;
        if (data[0] & 4) policy.half_life_days = 30.0;
        if (data[0] & 8) policy.dropped = learnrec::WeightingPolicy::Dropped::ignore;
        learnrec::PolicyStats stats;
        const auto x = learnrec::apply_policy(log, policy, &stats);
        x.matrix.view().validate("weighted matrix");
        if (stats.contributing_events + stats.ignored_events != log.events.size()) __builtin_trap();
        const auto states = learnrec::LearnerCourseStates::from_events(log);
        if (states.num_pairs() > log.events.size()) __builtin_trap();
    } catch (const learnrec::Error&) {
    }
    return 0;
}
