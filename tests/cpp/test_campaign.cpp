// Push campaigns: the Ranker's request limits, then each cap and suppression on a hand-built push
// log, idempotence, atomic output, target filters and bad input.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <unistd.h>
#include <sstream>
#include <thread>

#include "learnrec/campaign/campaign.hpp"
#include "learnrec/campaign/push_log.hpp"
#include "learnrec/data/csv.hpp"
#include "learnrec/model/als.hpp"
#include "learnrec/text/index.hpp"
#include "learnrec/ranking/calendar.hpp"

using namespace learnrec;
using namespace learnrec::campaign;
using ranking::CourseFacts;

namespace {

constexpr timestamp_t kDay = 86400;
const timestamp_t kNow = days_from_civil(2026, 6, 1) * kDay;

/// Every learner scores course c as courses - c: course 0 is everyone's favourite.
std::shared_ptr<const Model> descending(index_t learners, index_t courses) {
    RowMatrix users = RowMatrix::Ones(learners, 1);
    RowMatrix items(courses, 1);
    for (index_t c = 0; c < courses; ++c) items(c, 0) = static_cast<float>(courses - c);
    return std::make_shared<const AlsModel>(std::move(users), std::move(items), AlsConfig{});
}

ranking::Catalogue catalogue(index_t courses) {
    ranking::Catalogue cat;
    for (index_t c = 0; c < courses; ++c) {
        CourseFacts f;
        f.id = fmt::format("C{}", c);
        f.format = c % 2 ? "webinar" : "e-learning";
        cat.courses.push_back(f);
    }
    return cat;
}

/// Learners L0..L3: France/EMEA/Sales/seller, Germany/EMEA/IT/engineer, Brazil/Americas/Sales/seller,
/// France/EMEA/IT/manager.
std::vector<ranking::LearnerFacts> people() {
    std::vector<ranking::LearnerFacts> out(4);
    const char* country[] = {"France", "Germany", "Brazil", "France"};
    const char* region[] = {"EMEA", "EMEA", "Americas", "EMEA"};
    const char* dept[] = {"Sales", "IT", "Sales", "IT"};
    const char* role[] = {"seller", "engineer", "seller", "manager"};
    for (std::size_t i = 0; i < 4; ++i) out[i] = {fmt::format("L{}", i), role[i], dept[i], country[i], region[i], {}, {}, {}, "", {}};
    return out;
}

Audience audience(ranking::Catalogue cat = catalogue(10), index_t learners = 4) {
    Audience a;
    const auto courses = cat.num_courses();
    auto facts = people();
    facts.resize(static_cast<std::size_t>(learners));
    a.ranker = std::make_shared<const ranking::Ranker>(descending(learners, courses), std::move(cat), facts);
    for (index_t l = 0; l < learners; ++l) a.learner_ids.push_back(fmt::format("L{}", l));
    a.new_learners.queries.embeddings.resize(0, 1);
    return a;
}

struct Dir {
    std::filesystem::path path;
    Dir() {
        static int n = 0;
        path = std::filesystem::temp_directory_path() / fmt::format("learnrec_campaign_{}_{}", ::getpid(), n++);
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~Dir() { std::filesystem::remove_all(path); }
    std::filesystem::path operator/(const char* name) const { return path / name; }
};

CampaignSpec spec(std::string id = "w1", index_t k = 3) {
    CampaignSpec s;
    s.id = std::move(id);
    s.now = kNow;
    s.k = k;
    s.num_threads = 1;
    s.settings.ranking.num_threads = 1;
    return s;
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// (learner, course) of each output row, in order.
std::vector<std::pair<std::string, std::string>> rows(const std::filesystem::path& out) {
    std::vector<std::pair<std::string, std::string>> r;
    std::istringstream in(slurp(out));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::istringstream ls(line);
        std::string x;
        while (std::getline(ls, x, ',')) f.push_back(x);
        r.emplace_back(f[1], f[3]);
    }
    return r;
}

std::vector<std::string> courses_of(const std::filesystem::path& out, const std::string& learner) {
    std::vector<std::string> r;
    for (const auto& [l, c] : rows(out))
        if (l == learner) r.push_back(c);
    return r;
}

void log_lines(const std::filesystem::path& log, std::initializer_list<const char*> lines) {
    std::ofstream o(log, std::ios::binary);
    o << push_log_csv_header();
    for (const char* l : lines) o << l << "\n";
}

using V = std::vector<std::string>;

}  // namespace

// ---- the Ranker's request limits ----------------------------------------------------------------------

TEST_CASE("request exclusions leave a learner's courses out of the top-k, as a full sort without them",
          "[campaign]") {
    const auto a = audience();
    ranking::RankingRules rules;
    rules.k = 3;
    rules.num_threads = 1;
    const std::vector<index_t> who{0, 1};
    ranking::RequestLimits limits{{0, 2, 2}, {0, 2}, {}, {}};
    const auto r = a.ranker->recommend(who, kNow, rules, limits);
    CHECK(std::vector<index_t>(r.ids_of(0).begin(), r.ids_of(0).end()) == std::vector<index_t>{1, 3, 4});
    CHECK(std::vector<index_t>(r.ids_of(1).begin(), r.ids_of(1).end()) == std::vector<index_t>{0, 1, 2});
}

TEST_CASE("request limits with 'only' propose from those courses alone", "[campaign]") {
    const auto a = audience();
    ranking::RankingRules rules;
    rules.k = 3;
    const std::vector<index_t> who{0};
    ranking::RequestLimits limits;
    limits.only = {7, 5};
    const auto r = a.ranker->recommend(who, kNow, rules, limits);
    CHECK(r.count(0) == 2);
    CHECK(r.ids[0] == 5);
    CHECK(r.ids[1] == 7);
}

TEST_CASE("an ordinary cap gives the first results of the full k, obligations pinned on top kept", "[campaign]") {
    auto cat = catalogue(10);
    cat.obligations.push_back({9, ranking::ObligationScope::all, "", kNow + 10 * kDay});
    const auto a = audience(cat);
    const std::vector<index_t> who{0, 1, 2};
    for (const float lambda : {1.0f, 0.5f}) {
        ranking::RankingRules rules;
        rules.k = 5;
        rules.mmr_lambda = lambda;
        const auto full = a.ranker->recommend(who, kNow, rules);  // the oracle: no cap
        ranking::RequestLimits limits;
        limits.ordinary = {0, 2, 7};
        const auto capped = a.ranker->recommend(who, kNow, rules, limits);
        for (index_t l = 0; l < 3; ++l) {
            const auto n = std::min<index_t>(1 + limits.ordinary[static_cast<std::size_t>(l)], 5);  // 1 pinned
            REQUIRE(capped.count(l) == n);
            for (index_t j = 0; j < n; ++j) CHECK(capped.ids[capped.slot(l, j)] == full.ids[full.slot(l, j)]);
        }
        CHECK(capped.ids[capped.slot(0, 0)] == 9);
    }
}

TEST_CASE("request limits whose offsets do not cover the learners are an error", "[campaign]") {
    const auto a = audience();
    const std::vector<index_t> who{0, 1};
    ranking::RequestLimits limits{{0, 1}, {0}, {}, {}};
    CHECK_THROWS_WITH(a.ranker->recommend(who, kNow, {}, limits), Catch::Contains("2 learners"));
}

TEST_CASE("min_score keeps courses under the floor out, but not obligations pinned on top", "[campaign]") {
    auto cat = catalogue(10);
    cat.obligations.push_back({9, ranking::ObligationScope::all, "", kNow + 10 * kDay});
    const auto a = audience(cat);
    ranking::RankingRules rules;
    rules.k = 5;
    rules.min_score = 8.5f;  // scores are 10, 9, 8, ...: two courses clear it
    const std::vector<index_t> who{0};
    const auto r = a.ranker->recommend(who, kNow, rules);
    REQUIRE(r.count(0) == 3);
    CHECK(r.ids[0] == 9);
    CHECK(r.ids[1] == 0);
    CHECK(r.ids[2] == 1);
}

// ---- the push log ------------------------------------------------------------------------------------

TEST_CASE("a first campaign pushes each learner's top-k and logs one push per row", "[campaign]") {
    Dir d;
    const auto report = run_campaign(audience(), spec(), d / "log.csv", d / "out.csv");
    CHECK(courses_of(d / "out.csv", "L0") == V{"C0", "C1", "C2"});
    CHECK(report.pushes == 12);
    CHECK(report.logged == 12);
    const IdMap learners(std::vector<std::string>{"L0", "L1", "L2", "L3"});
    IdMap courses;
    for (int c = 0; c < 10; ++c) courses.insert(fmt::format("C{}", c));
    const auto log = read_push_log(d / "log.csv", learners, courses);
    CHECK(log.entries.size() == 12);
    CHECK(log.warning.empty());
}

TEST_CASE("a course pushed within repeat_days is not pushed again; after it, it is", "[campaign]") {
    Dir d;
    log_lines(d / "log.csv", {"2026-05-22,w0,L0,C0,pushed,0", "2026-04-01,w-1,L0,C1,pushed,0"});
    auto s = spec();
    s.settings.campaign.repeat_days = 28;
    run_campaign(audience(), s, d / "log.csv", d / "out.csv");
    CHECK(courses_of(d / "out.csv", "L0") == V{"C1", "C2", "C3"});
}

TEST_CASE("after max_unanswered pushes without a response a course is suppressed", "[campaign]") {
    Dir d;
    log_lines(d / "log.csv", {"2026-01-01,a,L0,C0,pushed,0", "2026-02-01,b,L0,C0,pushed,0",
                              "2026-03-01,c,L0,C0,pushed,0", "2026-01-01,a,L1,C0,pushed,0",
                              "2026-02-01,b,L1,C0,pushed,0", "2026-02-02,b,L1,C0,opened,0",
                              "2026-03-01,c,L1,C0,pushed,0"});
    auto s = spec();
    s.settings.campaign.max_unanswered = 3;
    const auto report = run_campaign(audience(), s, d / "log.csv", d / "out.csv");
    CHECK(courses_of(d / "out.csv", "L0") == V{"C1", "C2", "C3"});
    CHECK(courses_of(d / "out.csv", "L1") == V{"C0", "C1", "C2"});  // an opened push resets the count
    CHECK(report.suppressed.at("unanswered") == 1);
}

TEST_CASE("a dismissed course stays out for dismiss_days, or for good with -1", "[campaign]") {
    Dir d;
    log_lines(d / "log.csv", {"2026-01-01,a,L0,C0,dismissed,0", "2026-05-20,a,L1,C0,dismissed,0"});
    auto s = spec();
    s.settings.campaign.dismiss_days = 30;
    run_campaign(audience(), s, d / "log.csv", d / "out.csv");
    CHECK(courses_of(d / "out.csv", "L0").front() == "C0");  // dismissed 151 days ago
    CHECK(courses_of(d / "out.csv", "L1").front() == "C1");  // 12 days ago
    Dir e;
    log_lines(e / "log.csv", {"2020-01-01,a,L0,C0,dismissed,0"});
    auto forever = spec();
    forever.settings.campaign.dismiss_days = -1;
    run_campaign(audience(), forever, e / "log.csv", e / "out.csv");
    CHECK(courses_of(e / "out.csv", "L0").front() == "C1");
}

TEST_CASE("a course the learner enrolled in from a push is not pushed again", "[campaign]") {
    Dir d;
    log_lines(d / "log.csv", {"2025-01-01,a,L2,C0,pushed,0", "2025-01-02,a,L2,C0,enrolled,0"});
    run_campaign(audience(), spec(), d / "log.csv", d / "out.csv");
    CHECK(courses_of(d / "out.csv", "L2") == V{"C1", "C2", "C3"});
}

TEST_CASE("max_per_period caps the ordinary pushes of the period", "[campaign]") {
    Dir d;
    log_lines(d / "log.csv", {"2026-05-30,x,L0,C8,pushed,0", "2026-05-30,x,L0,C9,pushed,0",
                              "2026-05-20,y,L1,C9,pushed,0"});
    auto s = spec("w1", 5);
    s.settings.campaign.max_per_period = 3;
    s.settings.campaign.period_days = 7;
    const auto report = run_campaign(audience(), s, d / "log.csv", d / "out.csv");
    CHECK(courses_of(d / "out.csv", "L0") == V{"C0"});                   // 3 - 2 this week
    CHECK(courses_of(d / "out.csv", "L1") == V{"C0", "C1", "C2"});       // last week's push is not this period's
    CHECK(report.suppressed.at("period_cap") == 4 + 2 + 2 + 2);
}

TEST_CASE("an obligation due within the window goes out whatever the caps and the memory", "[campaign]") {
    auto cat = catalogue(10);
    cat.obligations.push_back({7, ranking::ObligationScope::learner, "L0", kNow + 20 * kDay});
    Dir d;
    log_lines(d / "log.csv", {"2026-05-31,x,L0,C7,pushed,1", "2026-05-31,x,L0,C0,pushed,0",
                              "2026-05-31,x,L0,C1,pushed,0"});
    auto s = spec();
    s.settings.campaign.max_per_period = 2;
    const auto report = run_campaign(audience(cat), s, d / "log.csv", d / "out.csv");
    CHECK(courses_of(d / "out.csv", "L0") == V{"C7"});
    CHECK(report.mandatory_pushes == 1);
    const std::string text = slurp(d / "out.csv");
    CHECK(text.find("w1,L0,1,C7,") != std::string::npos);
}

TEST_CASE("a learner with nothing above the score floor gets nothing, not filler", "[campaign]") {
    Dir d;
    log_lines(d / "log.csv", {"2026-05-31,x,L3,C0,dismissed,0", "2026-05-31,x,L3,C1,dismissed,0"});
    auto s = spec();
    s.settings.ranking.min_score = 8.5f;
    const auto report = run_campaign(audience(), s, d / "log.csv", d / "out.csv");
    CHECK(courses_of(d / "out.csv", "L0") == V{"C0", "C1"});
    CHECK(courses_of(d / "out.csv", "L3").empty());
    CHECK(report.learners_reached == 3);
}

TEST_CASE("re-running a campaign id writes the same output and logs nothing twice", "[campaign]") {
    Dir d;
    run_campaign(audience(), spec(), d / "log.csv", d / "out.csv");
    const std::string first = slurp(d / "out.csv"), log = slurp(d / "log.csv");
    const auto again = run_campaign(audience(), spec(), d / "log.csv", d / "out.csv");
    CHECK(slurp(d / "out.csv") == first);
    CHECK(slurp(d / "log.csv") == log);
    CHECK(again.logged == 0);
    CHECK(again.already_logged == 12);
}

TEST_CASE("the next campaign does not repeat what the previous one pushed", "[campaign]") {
    Dir d;
    run_campaign(audience(), spec("w1"), d / "log.csv", d / "out1.csv");
    auto s = spec("w2");
    s.now = kNow + 7 * kDay;
    run_campaign(audience(), s, d / "log.csv", d / "out2.csv");
    CHECK(courses_of(d / "out2.csv", "L0") == V{"C3", "C4", "C5"});
}

// ---- bad input, atomicity ------------------------------------------------------------------------------

TEST_CASE("an unknown learner in the push log is an error naming file and line, and nothing is written",
          "[campaign]") {
    Dir d;
    log_lines(d / "log.csv", {"2026-05-01,a,L0,C0,pushed,0", "2026-05-01,a,L77,C0,pushed,0"});
    const std::string before = slurp(d / "log.csv");
    CHECK_THROWS_WITH(run_campaign(audience(), spec(), d / "log.csv", d / "out.csv"),
                      Catch::Contains("log.csv:3") && Catch::Contains("unknown learner 'L77'"));
    CHECK_FALSE(std::filesystem::exists(d / "out.csv"));
    CHECK(slurp(d / "log.csv") == before);
    CHECK(std::distance(std::filesystem::directory_iterator(d.path), {}) == 1);  // no temporary left
}

TEST_CASE("a malformed push log row is an error naming file and line", "[campaign]") {
    Dir d;
    log_lines(d / "log.csv", {"2026-05-01,a,L0,C0,pushed,0", "2026-05-01,a,L0,C0,liked,0"});
    CHECK_THROWS_WITH(run_campaign(audience(), spec(), d / "log.csv", d / "out.csv"),
                      Catch::Contains("log.csv:3") && Catch::Contains("unknown push event 'liked'"));
    log_lines(d / "log.csv", {"yesterday,a,L0,C0,pushed,0"});
    CHECK_THROWS_WITH(run_campaign(audience(), spec(), d / "log.csv", d / "out.csv"), Catch::Contains("log.csv:2"));
    CHECK_FALSE(std::filesystem::exists(d / "out.csv"));
}

namespace {

/// A push log of `n` records big enough to be parsed in several pieces (with `quotes`, some
/// campaign ids quoted, one holding a comma, so pieces must be cut outside quotes; without, every
/// 4th record ends in CRLF); line `bad` (1-based, header = 1) names an unknown learner when
/// non-zero. Returns what each record says, in file order.
std::vector<std::tuple<timestamp_t, index_t, index_t, std::string, PushEvent, bool>> big_log(
    const std::filesystem::path& path, std::size_t n, std::size_t bad = 0, bool quotes = true) {
    std::vector<std::tuple<timestamp_t, index_t, index_t, std::string, PushEvent, bool>> truth;
    std::ofstream o(path, std::ios::binary);
    o << push_log_csv_header();
    const PushEvent events[] = {PushEvent::pushed, PushEvent::opened, PushEvent::clicked, PushEvent::enrolled,
                                PushEvent::dismissed};
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t line = i + 2;
        const index_t learner = static_cast<index_t>(i % 4), course = static_cast<index_t>((i * 7) % 10);
        const std::string campaign = i % 3 == 0 && quotes ? "week,1" : fmt::format("w{}", i % 5);
        const timestamp_t day = kNow - static_cast<timestamp_t>(i % 300) * kDay;
        const PushEvent event = events[i % 5];
        const bool mandatory = i % 11 == 0;
        o << ranking::format_date(day) << ',' << (i % 3 == 0 && quotes ? "\"week,1\"" : campaign) << ','
          << (line == bad ? std::string("L77") : fmt::format("L{}", learner)) << ",C" << course << ','
          << to_string(event) << ',' << (mandatory ? 1 : 0) << (!quotes && i % 4 == 0 ? "\r\n" : "\n");
        truth.emplace_back(day, learner, course, campaign, event, mandatory);
    }
    return truth;
}

PushLogScan scan_with(const std::filesystem::path& path, int threads,
                      std::vector<std::tuple<timestamp_t, index_t, index_t, std::string, PushEvent, bool>>& seen) {
    const IdMap learners(std::vector<std::string>{"L0", "L1", "L2", "L3"});
    IdMap courses;
    for (int c = 0; c < 10; ++c) courses.insert(fmt::format("C{}", c));
    return scan_push_log(
        path, [&](std::string_view id) { return learners.find(id); }, [&](std::string_view id) { return courses.find(id); },
        [&](const PushEntry& e, std::string_view campaign) {
            seen.emplace_back(e.time, e.learner, e.course, std::string(campaign), e.event, e.mandatory);
        },
        threads);
}

}  // namespace

TEST_CASE("a large push log read on several threads reaches the sink record by record in file order", "[campaign]") {
    Dir d;
    const auto truth = big_log(d / "log.csv", 60000);  // ~2 MiB: several pieces per block
    for (int threads : {1, 2, 3}) {
        std::vector<std::tuple<timestamp_t, index_t, index_t, std::string, PushEvent, bool>> seen;
        const PushLogScan scan = scan_with(d / "log.csv", threads, seen);
        CHECK(seen == truth);
        CHECK(scan.lines == truth.size());
        CHECK(scan.warning.empty());
    }
}

TEST_CASE("an error deep in a large push log names its line whatever the number of threads", "[campaign]") {
    Dir d;
    big_log(d / "log.csv", 60000, 41235);
    for (int threads : {1, 2, 3}) {
        std::vector<std::tuple<timestamp_t, index_t, index_t, std::string, PushEvent, bool>> seen;
        CHECK_THROWS_WITH(scan_with(d / "log.csv", threads, seen),
                          Catch::Contains("log.csv:41235") && Catch::Contains("unknown learner 'L77'"));
        CHECK(seen.size() == 41235 - 2);  // the records before it, as on one thread
    }
}

TEST_CASE("a push log of several read blocks reaches the sink in file order, on the calling thread", "[campaign]") {
    Dir d;
    const auto truth = big_log(d / "log.csv", 200000, 0, false);  // ~6 MiB: the reader's blocks are 4 MiB
    REQUIRE(std::filesystem::file_size(d / "log.csv") > (std::size_t{5} << 20));
    const IdMap learners(std::vector<std::string>{"L0", "L1", "L2", "L3"});
    IdMap courses;
    for (int c = 0; c < 10; ++c) courses.insert(fmt::format("C{}", c));
    for (int threads : {1, 2, 3}) {
        std::vector<std::tuple<timestamp_t, index_t, index_t, std::string, PushEvent, bool>> seen;
        bool elsewhere = false;
        const auto caller = std::this_thread::get_id();
        const PushLogScan scan = scan_push_log(
            d / "log.csv", [&](std::string_view id) { return learners.find(id); },
            [&](std::string_view id) { return courses.find(id); },
            [&](const PushEntry& e, std::string_view campaign) {
                elsewhere = elsewhere || std::this_thread::get_id() != caller;
                seen.emplace_back(e.time, e.learner, e.course, std::string(campaign), e.event, e.mandatory);
            },
            threads);
        CHECK(seen == truth);
        CHECK(scan.lines == truth.size());
        CHECK_FALSE(elsewhere);
    }
}

TEST_CASE("an error in a later read block of the push log comes after every record before it", "[campaign]") {
    Dir d;
    for (std::size_t bad : {std::size_t{20000}, std::size_t{170000}}) {  // in the first block, then in the second
        big_log(d / "log.csv", 200000, bad, false);
        for (int threads : {1, 2}) {
            std::vector<std::tuple<timestamp_t, index_t, index_t, std::string, PushEvent, bool>> seen;
            CHECK_THROWS_WITH(scan_with(d / "log.csv", threads, seen),
                              Catch::Contains(fmt::format("log.csv:{}", bad)) && Catch::Contains("unknown learner 'L77'"));
            CHECK(seen.size() == bad - 2);
        }
    }
}

TEST_CASE("a malformed CSV line deep in a large push log names its line whatever the number of threads",
          "[campaign]") {
    Dir d;
    big_log(d / "log.csv", 60000, 41235);
    std::string text = slurp(d / "log.csv");
    const auto at = text.find(",L77,");
    REQUIRE(at != std::string::npos);
    text.replace(at, 5, ",L\r0,");  // a CR not ending a line: the CSV reader's own error
    std::ofstream(d / "log.csv", std::ios::binary) << text;
    for (int threads : {1, 2, 3}) {
        std::vector<std::tuple<timestamp_t, index_t, index_t, std::string, PushEvent, bool>> seen;
        CHECK_THROWS_WITH(scan_with(d / "log.csv", threads, seen),
                          Catch::Contains("log.csv:41235:") && Catch::Contains("carriage return"));
    }
}

TEST_CASE("a large push log without quotes, some lines in CRLF, reads record by record in file order",
          "[campaign]") {
    Dir d;
    const auto truth = big_log(d / "log.csv", 60000, 0, false);
    for (int threads : {1, 2, 3}) {
        std::vector<std::tuple<timestamp_t, index_t, index_t, std::string, PushEvent, bool>> seen;
        const PushLogScan scan = scan_with(d / "log.csv", threads, seen);
        CHECK(seen == truth);
        CHECK(scan.lines == truth.size());
    }
    big_log(d / "log.csv", 60000, 41235, false);
    for (int threads : {1, 2, 3}) {
        std::vector<std::tuple<timestamp_t, index_t, index_t, std::string, PushEvent, bool>> seen;
        CHECK_THROWS_WITH(scan_with(d / "log.csv", threads, seen),
                          Catch::Contains("log.csv:41235") && Catch::Contains("unknown learner 'L77'"));
        CHECK(seen.size() == 41235 - 2);
    }
}

TEST_CASE("a push log row with a wrong field count, a blank line or a lone CR is an error naming its line",
          "[campaign]") {
    Dir d;
    std::vector<std::tuple<timestamp_t, index_t, index_t, std::string, PushEvent, bool>> seen;
    log_lines(d / "log.csv", {"2026-05-01,a,L0,C0,pushed,0", "2026-05-01,a,L0,C0,pushed,0,7"});
    CHECK_THROWS_WITH(scan_with(d / "log.csv", 1, seen),
                      Catch::Contains("log.csv:3") && Catch::Contains("7 fields, expected 6"));
    log_lines(d / "log.csv", {"2026-05-01,a,L0,C0,pushed,0", "2026-05-01,a,L0,C0,pushed"});
    CHECK_THROWS_WITH(scan_with(d / "log.csv", 1, seen),
                      Catch::Contains("log.csv:3") && Catch::Contains("5 fields, expected 6"));
    log_lines(d / "log.csv", {"2026-05-01,a,L0,C0,pushed,0", "", "2026-05-01,a,L0,C0,pushed,0"});
    CHECK_THROWS_WITH(scan_with(d / "log.csv", 1, seen),
                      Catch::Contains("log.csv:3") && Catch::Contains("0 fields, expected 6"));
    log_lines(d / "log.csv", {"2026-05-01,a,L0,C0,pushed,0", "2026-05-01,a\r,L0,C0,pushed,0"});
    CHECK_THROWS_WITH(scan_with(d / "log.csv", 1, seen),
                      Catch::Contains("log.csv:3") && Catch::Contains("carriage return"));
    log_lines(d / "log.csv", {"2026-05-01,a,L0,C0,pushed,0", "", "\r"});  // trailing blank lines end the log
    seen.clear();
    CHECK(scan_with(d / "log.csv", 1, seen).lines == 1);
}

TEST_CASE("a campaign rules key of the wrong type is an error naming the key", "[campaign]") {
    CHECK_THROWS_WITH(parse_campaign_settings(R"({"campaign": {"repeat_days": "28"}})", "rules.json"),
                      Catch::Contains("rules.json") && Catch::Contains("campaign.repeat_days"));
    CHECK_THROWS_WITH(parse_campaign_settings(R"({"min_score": "high"})", "rules.json"), Catch::Contains("min_score"));
    CHECK_THROWS_WITH(parse_campaign_settings("{\"k\": 4,\n \"campaign\": {\n  \"explore\": true,\n  \"repeat_days\": 2.5}}",
                                              "rules.json"),
                      Catch::StartsWith("rules.json:4: key 'campaign.repeat_days'"));
    CHECK_THROWS_WITH(parse_campaign_settings("{\"k\": 4,\n \"min_score\": \"high\"}", "rules.json"),
                      Catch::StartsWith("rules.json:2: key 'min_score'"));
    const auto ok = parse_campaign_settings(R"({"k": 4, "min_score": 0.5, "campaign": {"repeat_days": 14, "explore": true}})",
                                            "rules.json");
    CHECK(ok.campaign.repeat_days == 14);
    CHECK(ok.campaign.explore);
    CHECK(ok.ranking.min_score == 0.5f);
}

TEST_CASE("a torn last line of the push log is ignored with a warning and cut before the next append",
          "[campaign]") {
    Dir d;
    {
        std::ofstream o(d / "log.csv", std::ios::binary);
        o << push_log_csv_header() << "2026-05-22,w0,L0,C0,pushed,0\n2026-05-22,w0,L0,C1,pus";
    }
    const auto report = run_campaign(audience(), spec(), d / "log.csv", d / "out.csv");
    CHECK_THAT(report.log_warning, Catch::Contains("log.csv:3") && Catch::Contains("torn"));
    CHECK(courses_of(d / "out.csv", "L0") == V{"C1", "C2", "C3"});
    const std::string log = slurp(d / "log.csv");
    CHECK(log.find(",pus\n") == std::string::npos);
    CHECK(log.find("pus2026") == std::string::npos);
    CHECK(log.back() == '\n');
}

TEST_CASE("the output goes to a temporary file: an error leaves an existing output untouched", "[campaign]") {
    Dir d;
    { std::ofstream(d / "out.csv") << "previous\n"; }
    log_lines(d / "log.csv", {"2026-05-01,a,L0,C99,pushed,0"});
    CHECK_THROWS_WITH(run_campaign(audience(), spec(), d / "log.csv", d / "out.csv"), Catch::Contains("unknown course"));
    CHECK(slurp(d / "out.csv") == "previous\n");
}

TEST_CASE("a JSON Lines push log and JSON Lines output work alike", "[campaign]") {
    Dir d;
    {
        std::ofstream o(d / "log.jsonl");
        o << R"({"time": "2026-05-30", "campaign": "x", "learner_id": "L0", "course_id": "C0", "event": "pushed"})"
          << "\n";
    }
    auto s = spec();
    s.format = OutputFormat::jsonl;
    run_campaign(audience(), s, d / "log.jsonl", d / "out.jsonl");
    const std::string out = slurp(d / "out.jsonl");
    // Pushed two days ago: L0 starts at C1.
    CHECK(out.find(R"("course_id":"C1","exploration":false,"learner_id":"L0","mandatory":false,"model_score":9.0,"rank":1)") !=
          std::string::npos);
    CHECK(slurp(d / "log.jsonl").find(R"("campaign":"w1")") != std::string::npos);
}

// ---- the target ----------------------------------------------------------------------------------------

namespace {
std::set<std::string> reached(const Target& t) {
    Dir d;
    auto s = spec();
    s.target = t;
    run_campaign(audience(), s, d / "log.csv", d / "out.csv");
    std::set<std::string> out;
    for (const auto& [l, c] : rows(d / "out.csv")) out.insert(l);
    return out;
}
using S = std::set<std::string>;
}  // namespace

TEST_CASE("target: everyone by default", "[campaign]") { CHECK(reached({}) == S{"L0", "L1", "L2", "L3"}); }
TEST_CASE("target: by country", "[campaign]") { CHECK(reached({{"France"}, {}, {}, {}, {}}) == S{"L0", "L3"}); }
TEST_CASE("target: by region", "[campaign]") { CHECK(reached({{}, {"Americas"}, {}, {}, {}}) == S{"L2"}); }
TEST_CASE("target: by department", "[campaign]") { CHECK(reached({{}, {}, {"IT"}, {}, {}}) == S{"L1", "L3"}); }
TEST_CASE("target: by role", "[campaign]") { CHECK(reached({{}, {}, {}, {"seller"}, {}}) == S{"L0", "L2"}); }
TEST_CASE("target: by id list", "[campaign]") { CHECK(reached({{}, {}, {}, {}, {"L1", "L2"}}) == S{"L1", "L2"}); }
TEST_CASE("target: filters combine (country and department)", "[campaign]") {
    CHECK(reached({{"France"}, {}, {"IT"}, {}, {}}) == S{"L3"});
}
TEST_CASE("target: an unknown learner id is an error before anything is written", "[campaign]") {
    Dir d;
    auto s = spec();
    s.target.learner_ids = {"L9"};
    CHECK_THROWS_WITH(run_campaign(audience(), s, d / "log.csv", d / "out.csv"), Catch::Contains("unknown learner 'L9'"));
    CHECK_FALSE(std::filesystem::exists(d / "log.csv"));
}

// ---- new learners, exploration, report -------------------------------------------------------------------

TEST_CASE("learners the model lacks are ranked from their fold-in and logged under their ids", "[campaign]") {
    auto a = audience();
    a.new_learner_ids = {"N1"};
    a.new_learners.queries.embeddings = RowMatrix::Ones(1, 1);
    a.new_learners.queries.count = 1;
    a.new_learners.history = ranking::LearnerHistory(1, 10);
    a.new_learners.history.set(0, 0, CourseState::completed, kNow - kDay);
    a.new_learners.history.finish();
    Dir d;
    const auto report = run_campaign(a, spec(), d / "log.csv", d / "out.csv");
    CHECK(courses_of(d / "out.csv", "N1") == V{"C1", "C2", "C3"});
    CHECK(report.new_learners_targeted == 1);
    CHECK(slurp(d / "log.csv").find(",N1,C1,pushed") != std::string::npos);
}

TEST_CASE("the exploration slot proposes a course released recently, marked new_course", "[campaign]") {
    auto a = audience();
    a.course_released.assign(10, kNow - 400 * kDay);
    a.course_released[8] = kNow - 5 * kDay;
    Dir d;
    auto s = spec();
    s.settings.campaign.explore = true;
    s.settings.campaign.explore_days = 30;
    const auto report = run_campaign(a, s, d / "log.csv", d / "out.csv");
    CHECK(courses_of(d / "out.csv", "L0") == V{"C0", "C1", "C8"});
    CHECK(report.exploration_pushes == 4);
    CHECK(report.by_reason.at("new_course") == 4);
    CHECK(slurp(d / "out.csv").find("new_course,new in the catalogue since 2026-05-27") != std::string::npos);
}

TEST_CASE("the report counts pushes, reasons, formats, coverage and suppressions", "[campaign]") {
    Dir d;
    log_lines(d / "log.csv", {"2026-05-25,x,L0,C0,pushed,0", "2026-05-25,x,L1,C0,dismissed,0"});
    const auto r = run_campaign(audience(), spec(), d / "log.csv", d / "out.csv");
    CHECK(r.learners_targeted == 4);
    CHECK(r.pushes == 12);
    CHECK(r.courses_pushed == 4);  // C0..C2 and C3 for L0 and L1
    CHECK(r.coverage == Approx(0.4));
    CHECK(r.by_format.at("e-learning") + r.by_format.at("webinar") == 12);
    CHECK(r.suppressed.at("repeat") == 1);
    CHECK(r.suppressed.at("dismissed") == 1);
    CHECK(r.median_score == Approx(8.5));  // 7 7 8 8 8 8 | 9 9 9 9 10 10
    CHECK(r.to_json().find("\"coverage\": 0.4") != std::string::npos);
}

TEST_CASE("a reason text with a comma is quoted in the output, and its quotes doubled", "[campaign]") {
    auto cat = catalogue(10);
    cat.courses[9].title = "Excel \"pro\", part 1";
    cat.courses[8].title = "Excel, part 2";
    ranking::LearnerHistory history(4, 10);
    history.set(0, 9, CourseState::completed, kNow - 30 * kDay);  // L0's courses are because of C9
    history.set(1, 8, CourseState::completed, kNow - 30 * kDay);  // L1's because of C8
    history.finish();
    Audience a;
    a.ranker = std::make_shared<const ranking::Ranker>(descending(4, 10), std::move(cat), people(), std::move(history));
    for (index_t l = 0; l < 4; ++l) a.learner_ids.push_back(fmt::format("L{}", l));
    a.new_learners.queries.embeddings.resize(0, 1);
    Dir d;
    run_campaign(a, spec(), d / "log.csv", d / "out.csv");
    const std::string text = slurp(d / "out.csv");
    CsvReader reader(text, "out.csv");
    std::vector<std::string> f;
    REQUIRE(reader.next_record(f));
    std::map<std::string, std::string> reasons;  // learner -> its first row's texts
    while (reader.next_record(f)) {
        REQUIRE(f.size() == 10);
        reasons.emplace(f[1], f[9]);
    }
    CHECK(reasons.at("L0") == "because you completed Excel \"pro\", part 1");
    CHECK(reasons.at("L1") == "because you completed Excel, part 2");
    CHECK(reasons.at("L2").empty());
    CHECK(text.find(",\"because you completed Excel \"\"pro\"\", part 1\"\n") != std::string::npos);
    CHECK(text.find(",\"because you completed Excel, part 2\"\n") != std::string::npos);
}

TEST_CASE("a goal stated in the learner's own words is blended into their pushes and quoted", "[campaign]") {
    auto cat = catalogue(10);
    cat.courses[7].title = "Negotiation Skills for Key Accounts";
    cat.courses[7].languages = {"en"};
    auto facts = people();
    facts[0].goal = "I want to get better at negotiation";
    Audience a;
    a.ranker = std::make_shared<const ranking::Ranker>(descending(4, 10), std::move(cat), facts);
    for (index_t l = 0; l < 4; ++l) a.learner_ids.push_back(fmt::format("L{}", l));
    a.new_learners.queries.embeddings.resize(0, 1);
    a.goals_index = std::make_shared<const text::CourseTextIndex>(text::course_texts(a.ranker->catalogue()),
                                                                  text::SkillVocabulary{});
    Dir d;
    auto s = spec();
    s.settings.ranking.goal_weight = 10.0f;  // model scores run 1..10: the goal must be able to win
    const auto report = run_campaign(a, s, d / "log.csv", d / "out.csv");
    CHECK(courses_of(d / "out.csv", "L0").front() == "C7");
    CHECK(courses_of(d / "out.csv", "L1") == V{"C0", "C1", "C2"});  // no goal: the model's order
    CHECK(report.by_reason.at("matches_goal") == 1);
    CHECK(slurp(d / "out.csv").find("matches your goal: negotiation") != std::string::npos);
}

// ---- why not, for a push -------------------------------------------------------------------------

TEST_CASE("why not for a push: a course pushed too recently is suppressed by the push log, with the date",
          "[campaign][why_not]") {
    Dir d;
    log_lines(d / "log.csv", {"2026-05-22,w0,L0,C0,pushed,0"});
    const Audience a = audience();
    const PushWhyNot w = why_not_pushed(a, spec(), d / "log.csv", "L0", "C0");
    CHECK(w.answer.removed_by() == ranking::WhyNotRule::push_log);
    CHECK(w.hold.rule == PushHoldRule::repeat);
    CHECK(w.hold.last_pushed == days_from_civil(2026, 5, 22) * kDay);
    CHECK_THAT(w.text(a.ranker->catalogue()),
               Catch::Contains("suppressed by the push log (pushed on 2026-05-22, too recently to repeat)"));
    // The ranks are the campaign's: C3 is third, as run_campaign pushes it.
    const PushWhyNot c3 = why_not_pushed(a, spec(), d / "log.csv", "L0", "C3");
    CHECK(c3.answer.rank == 3);
    CHECK(c3.hold.rule == PushHoldRule::none);
    run_campaign(a, spec(), d / "log.csv", d / "out.csv");
    CHECK(courses_of(d / "out.csv", "L0") == V{"C1", "C2", "C3"});
}

TEST_CASE("why not for a push: dismissed, enrolled and unanswered each name their rule", "[campaign][why_not]") {
    Dir d;
    log_lines(d / "log.csv", {"2026-05-20,a,L0,C0,dismissed,0", "2025-01-01,a,L1,C0,pushed,0",
                              "2025-01-02,a,L1,C0,enrolled,0", "2026-01-01,a,L2,C0,pushed,0",
                              "2026-02-01,b,L2,C0,pushed,0", "2026-03-01,c,L2,C0,pushed,0"});
    const Audience a = audience();
    auto s = spec();
    s.settings.campaign.max_unanswered = 3;
    CHECK(why_not_pushed(a, s, d / "log.csv", "L0", "C0").hold.rule == PushHoldRule::dismissed);
    CHECK(why_not_pushed(a, s, d / "log.csv", "L1", "C0").hold.rule == PushHoldRule::enrolled);
    const PushWhyNot u = why_not_pushed(a, s, d / "log.csv", "L2", "C0");
    CHECK(u.hold.rule == PushHoldRule::unanswered);
    CHECK(u.hold.unanswered == 3);
    CHECK(u.answer.rules == std::vector<ranking::WhyNotRule>{ranking::WhyNotRule::push_log});
    CHECK(why_not_pushed(a, s, d / "log.csv", "L3", "C0").answer.rank == 1);
}

TEST_CASE("why not for a push: the campaign's own records are not memory, as on a re-run", "[campaign][why_not]") {
    Dir d;
    log_lines(d / "log.csv", {"2026-06-01,w1,L0,C0,pushed,0"});
    CHECK(why_not_pushed(audience(), spec("w1"), d / "log.csv", "L0", "C0").answer.rank == 1);
    CHECK(why_not_pushed(audience(), spec("w2"), d / "log.csv", "L0", "C0").hold.rule == PushHoldRule::repeat);
    CHECK_THROWS_WITH(why_not_pushed(audience(), spec(), d / "log.csv", "L9", "C0"), Catch::Contains("L9"));
}
