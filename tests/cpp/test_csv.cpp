// Tests for the CSV interaction reader and its building blocks (learnrec/data/csv.hpp).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "learnrec/data/csv.hpp"

using learnrec::CsvOptions;
using learnrec::CsvReader;
using learnrec::Error;
using learnrec::Interactions;
using Catch::Contains;

namespace {

Interactions parse(std::string_view text, const CsvOptions& options = {}) {
    return learnrec::parse_interactions_csv(text, "t.csv", options);
}

// Weight of (learner, course), or 0 when the pair is absent.
float weight_of(const Interactions& x, std::string_view learner, std::string_view course) {
    const auto l = x.learners.find(learner);
    const auto c = x.courses.find(course);
    if (!l || !c) return 0.0f;
    const auto row = x.matrix.row(*l);
    for (std::size_t j = 0; j < row.size(); ++j)
        if (row.indices[j] == *c) return row.weights[j];
    return 0.0f;
}

// Timestamp of (learner, course); the pair must exist.
learnrec::timestamp_t timestamp_of(const Interactions& x, std::string_view learner, std::string_view course) {
    const auto l = x.learners.at(learner);
    const auto c = x.courses.at(course);
    const auto& indptr = x.matrix.indptr();
    for (auto p = indptr[static_cast<std::size_t>(l)]; p < indptr[static_cast<std::size_t>(l) + 1]; ++p)
        if (x.matrix.indices()[static_cast<std::size_t>(p)] == c) return x.timestamps[static_cast<std::size_t>(p)];
    FAIL("pair not found");
    return 0;
}

std::vector<std::vector<std::string>> records(std::string_view text) {
    CsvReader reader(text, "r.csv");
    std::vector<std::vector<std::string>> out;
    std::vector<std::string> fields;
    while (reader.next_record(fields)) out.push_back(fields);
    return out;
}

}  // namespace

// ---- record reader ------------------------------------------------------------------------------

TEST_CASE("quoted fields may contain delimiters, doubled quotes and newlines", "[csv]") {
    const auto r = records("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"multi\nline\",\"\"\n");
    REQUIRE(r.size() == 3);
    CHECK(r[1] == std::vector<std::string>{"x,y", "say \"hi\""});
    CHECK(r[2] == std::vector<std::string>{"multi\nline", ""});
}

TEST_CASE("record line numbers count physical lines inside quoted fields", "[csv]") {
    CsvReader reader("h\n\"a\nb\nc\"\nnext\n", "r.csv");
    std::vector<std::string> fields;
    REQUIRE(reader.next_record(fields));
    CHECK(reader.line() == 1);
    REQUIRE(reader.next_record(fields));
    CHECK(reader.line() == 2);
    REQUIRE(reader.next_record(fields));
    CHECK(reader.line() == 5);
    CHECK(fields == std::vector<std::string>{"next"});
    CHECK_FALSE(reader.next_record(fields));
}

TEST_CASE("the reader reports which fields were quoted", "[csv]") {
    CsvReader reader(" a ,\" b \"", "r.csv");
    std::vector<std::string> fields;
    REQUIRE(reader.next_record(fields));
    CHECK(fields == std::vector<std::string>{" a ", " b "});
    CHECK_FALSE(reader.field_quoted(0));
    CHECK(reader.field_quoted(1));
}

TEST_CASE("a custom delimiter splits fields and commas become ordinary text", "[csv]") {
    CsvOptions options;
    options.delimiter = ';';
    const auto x = parse("learner_id;course_id;weight\nl,1;c,2;2.5\n", options);
    CHECK(weight_of(x, "l,1", "c,2") == 2.5f);
}

// ---- interactions: accepted input ---------------------------------------------------------------

TEST_CASE("quoted ids keep commas, quotes and newlines verbatim", "[csv]") {
    const auto x = parse("learner_id,course_id\n\"smith, j\",\"the \"\"best\"\" course\"\n\"two\nlines\", c \n");
    CHECK(weight_of(x, "smith, j", "the \"best\" course") == 1.0f);
    CHECK(weight_of(x, "two\nlines", "c") == 1.0f);
}

TEST_CASE("unquoted ids are trimmed of surrounding spaces, quoted ids are not", "[csv]") {
    const auto x = parse("learner_id , course_id\n  alice\t, c1 \n\" bob \",c1\n");
    CHECK(x.learners.find("alice").has_value());
    CHECK(x.learners.find(" bob ").has_value());
    CHECK(x.courses.size() == 1);
}

TEST_CASE("columns are found by name in any order", "[csv]") {
    const auto x = parse("timestamp,weight,course_id,learner_id\n0,2,c1,l1\n");
    CHECK(weight_of(x, "l1", "c1") == 2.0f);
    CHECK(timestamp_of(x, "l1", "c1") == 0);
}

TEST_CASE("without weight and timestamp columns every weight is 1 and there are no timestamps", "[csv]") {
    const auto x = parse("learner_id,course_id\nl1,c1\nl2,c1\nl1,c2\n");
    CHECK(x.matrix.nnz() == 3);
    for (float w : x.matrix.data()) CHECK(w == 1.0f);
    CHECK_FALSE(x.has_timestamps());
}

TEST_CASE("ids are indexed in order of first appearance", "[csv]") {
    const auto x = parse("learner_id,course_id\nzed,c9\namy,c1\nzed,c1\n");
    CHECK(x.learners.id(0) == "zed");
    CHECK(x.learners.id(1) == "amy");
    CHECK(x.courses.id(0) == "c9");
}

TEST_CASE("duplicate pairs are summed and keep the latest timestamp", "[csv]") {
    const auto x = parse("learner_id,course_id,weight,timestamp\nl,c,1,100\nl,c,2.5,300\nl,c,-0.5,200\n");
    CHECK(x.matrix.nnz() == 1);
    CHECK(weight_of(x, "l", "c") == 3.0f);
    CHECK(timestamp_of(x, "l", "c") == 300);
}

TEST_CASE("negative weights and signed or exponent notation are accepted", "[csv]") {
    const auto x = parse("learner_id,course_id,weight\na,c1,-2\nb,c1,+1.5\nc,c1,2e-1\nd,c1, 4 \n");
    CHECK(weight_of(x, "a", "c1") == -2.0f);
    CHECK(weight_of(x, "b", "c1") == 1.5f);
    CHECK(weight_of(x, "c", "c1") == 0.2f);
    CHECK(weight_of(x, "d", "c1") == 4.0f);
}

TEST_CASE("ISO dates, date-times and integer timestamps become UTC epoch seconds", "[csv]") {
    const auto x = parse(
        "learner_id,course_id,timestamp\n"
        "a,c,2024-02-29T12:00:00Z\n"
        "b,c,2024-02-29\n"
        "d,c,2024-02-29 12:00:00.750\n"
        "e,c,2024-02-29T07:30-04:30\n"
        "f,c,2000-03-01T00:00:00+01:00\n"
        "g,c,1969-12-31T23:59:59Z\n"
        "h,c,-86400\n"
        "i,c,1709208000\n"
        "j,c,1900-03-01\n");
    CHECK(timestamp_of(x, "a", "c") == 1709208000);
    CHECK(timestamp_of(x, "b", "c") == 1709164800);
    CHECK(timestamp_of(x, "d", "c") == 1709208000);  // fraction dropped, no offset means UTC
    CHECK(timestamp_of(x, "e", "c") == 1709208000);
    CHECK(timestamp_of(x, "f", "c") == 951865200);   // 2000-02-29T23:00Z
    CHECK(timestamp_of(x, "g", "c") == -1);
    CHECK(timestamp_of(x, "h", "c") == -86400);
    CHECK(timestamp_of(x, "i", "c") == 1709208000);
    CHECK(timestamp_of(x, "j", "c") == -2203891200);  // 1900 is not a leap year
}

TEST_CASE("parse_timestamp validates calendar ranges", "[csv]") {
    using learnrec::parse_timestamp;
    CHECK(parse_timestamp("2000-02-29") == 951782400);  // divisible by 400: leap
    CHECK_FALSE(parse_timestamp("1900-02-29"));
    CHECK_FALSE(parse_timestamp("2023-02-29"));
    CHECK_FALSE(parse_timestamp("2024-04-31"));
    CHECK_FALSE(parse_timestamp("2024-13-01"));
    CHECK_FALSE(parse_timestamp("2024-00-10"));
    CHECK_FALSE(parse_timestamp("2024-01-01T24:00"));
    CHECK_FALSE(parse_timestamp("2024-01-01T10:60"));
    CHECK_FALSE(parse_timestamp("2024-01-01T10:00:60"));
    CHECK_FALSE(parse_timestamp("2024-01-01T10:00+24:00"));
    CHECK_FALSE(parse_timestamp("2024-1-01"));
    CHECK_FALSE(parse_timestamp("2024-01-01T10"));
    CHECK_FALSE(parse_timestamp("2024-01-01T10:00:00."));
    CHECK_FALSE(parse_timestamp("2024-01-01Z"));
    CHECK_FALSE(parse_timestamp("12.5"));
    CHECK_FALSE(parse_timestamp("99999999999999999999"));
    CHECK_FALSE(parse_timestamp(""));
}

TEST_CASE("ignored_columns allows an extra column and skips its values", "[csv]") {
    CsvOptions options;
    options.ignored_columns = {"note", "absent_is_fine"};
    const auto x = parse("learner_id,note,course_id\nl1,\"anything, at all\",c1\n", options);
    CHECK(weight_of(x, "l1", "c1") == 1.0f);
}

TEST_CASE("listing an optional column in ignored_columns skips it", "[csv]") {
    CsvOptions options;
    options.ignored_columns = {"timestamp"};
    const auto x = parse("learner_id,course_id,timestamp\nl1,c1,not a time\n", options);
    CHECK_FALSE(x.has_timestamps());
}

TEST_CASE("a UTF-8 BOM and CRLF line ends are handled", "[csv]") {
    const auto x = parse("\xEF\xBB\xBFlearner_id,course_id,weight\r\n\"l\r\n1\",c1,2\r\nl2,c1,3\r\n");
    CHECK(weight_of(x, "l\r\n1", "c1") == 2.0f);
    CHECK(weight_of(x, "l2", "c1") == 3.0f);
    CHECK(x.courses.id(0) == "c1");
}

TEST_CASE("blank lines at the very end and a header without records are fine", "[csv]") {
    CHECK(parse("learner_id,course_id\nl,c\n\n\r\n").matrix.nnz() == 1);
    CHECK(parse("learner_id,course_id\nl,c").matrix.nnz() == 1);
    const auto empty = parse("learner_id,course_id\n");
    CHECK(empty.matrix.rows() == 0);
    CHECK(empty.matrix.nnz() == 0);
}

// ---- interactions: rejected input ---------------------------------------------------------------

TEST_CASE("an unknown column is an error naming it", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id,score\nl,c,1\n"),
                        Contains("t.csv:1: ") && Contains("unknown column 'score'"));
}

TEST_CASE("a missing required column is an error naming it", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,weight\nl,1\n"),
                        Contains("t.csv:1: ") && Contains("missing required column 'course_id'"));
}

TEST_CASE("a duplicated column is an error", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id,weight, weight\nl,c,1,2\n"),
                        Contains("t.csv:1: ") && Contains("'weight' appears twice"));
}

TEST_CASE("column names are case-sensitive", "[csv]") {
    REQUIRE_THROWS_WITH(parse("Learner_ID,course_id\nl,c\n"), Contains("unknown column 'Learner_ID'"));
}

TEST_CASE("a record with the wrong number of fields is an error naming both counts", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id\nl,c\nl,c,extra\n"),
                        Contains("t.csv:3: ") && Contains("expected 2") && Contains("got 3"));
    REQUIRE_THROWS_WITH(parse("learner_id,course_id,weight\nl,c\n"),
                        Contains("t.csv:2: ") && Contains("expected 3") && Contains("got 2"));
}

TEST_CASE("an empty learner or course id is an error", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id\nl,c\n  ,c\n"), Contains("t.csv:3: empty learner_id"));
    REQUIRE_THROWS_WITH(parse("learner_id,course_id\nl,\"\"\n"), Contains("t.csv:2: empty course_id"));
}

TEST_CASE("a weight that is not a number is an error", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id,weight\nl,c,1\nl,d,abc\n"),
                        Contains("t.csv:3: weight 'abc' is not a number"));
    REQUIRE_THROWS_WITH(parse("learner_id,course_id,weight\nl,c,1.5kg\n"),
                        Contains("t.csv:2: weight '1.5kg' is not a number"));
    REQUIRE_THROWS_WITH(parse("learner_id,course_id,weight\nl,c,\n"), Contains("t.csv:2: weight is empty"));
}

TEST_CASE("a zero weight is an error", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id,weight\nl,c,0.0\n"),
                        Contains("t.csv:2: ") && Contains("'0.0' is 0"));
    REQUIRE_THROWS_WITH(parse("learner_id,course_id,weight\nl,c,-0\n"), Contains("t.csv:2: "));
}

TEST_CASE("a NaN weight is an error", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id,weight\nl,c,NaN\n"),
                        Contains("t.csv:2: weight 'NaN' is not finite"));
}

TEST_CASE("an infinite or out-of-range weight is an error", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id,weight\nl,c,-inf\n"),
                        Contains("t.csv:2: weight '-inf' is not finite"));
    REQUIRE_THROWS_WITH(parse("learner_id,course_id,weight\nl,c,1e60\n"),
                        Contains("t.csv:2: weight '1e60' is out of float range"));
}

TEST_CASE("duplicate weights that cancel out are an error naming the pair and its lines", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id,weight\nl,c,1\nm,c,1\nl,c,-1\n"),
                        Contains("t.csv:4: ") && Contains("learner 'l' and course 'c'") && Contains("lines 2, 4") &&
                            Contains("sum to 0"));
}

TEST_CASE("a malformed timestamp is an error", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id,timestamp\nl,c,1\nl,d,yesterday\n"),
                        Contains("t.csv:3: timestamp 'yesterday'"));
}

TEST_CASE("an impossible date is an error", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id,timestamp\nl,c,2023-02-29\n"),
                        Contains("t.csv:2: timestamp '2023-02-29' has day 29"));
}

TEST_CASE("an empty timestamp when the column exists is an error", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id,timestamp\nl,c,1\nl,d,\n"),
                        Contains("t.csv:3: timestamp is empty"));
}

TEST_CASE("an unterminated quote is an error at the line where it opened", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id\nl,c\n\"l2,c\nl3,c\n"),
                        Contains("t.csv:3: ") && Contains("unterminated"));
}

TEST_CASE("text after a closing quote is an error", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id\n\"a\"b,c\n"),
                        Contains("t.csv:2: ") && Contains("after the closing quote"));
}

TEST_CASE("a quote inside an unquoted field is an error", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id\na\"b,c\n"),
                        Contains("t.csv:2: ") && Contains("quote inside the unquoted field"));
}

TEST_CASE("a bare carriage return is an error", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id\ra,b\r"), Contains("t.csv:1: ") && Contains("carriage return"));
}

TEST_CASE("an empty file is an error", "[csv]") {
    REQUIRE_THROWS_WITH(parse(""), Contains("t.csv:1: empty file"));
    REQUIRE_THROWS_WITH(parse("\xEF\xBB\xBF\n\n"), Contains("t.csv:1: empty file"));
}

TEST_CASE("a blank line between records is an error", "[csv]") {
    REQUIRE_THROWS_WITH(parse("learner_id,course_id\nl,c\n\nm,c\n"), Contains("t.csv:3: empty row"));
}

TEST_CASE("a required column cannot be ignored", "[csv]") {
    CsvOptions options;
    options.ignored_columns = {"course_id"};
    REQUIRE_THROWS_WITH(parse("learner_id,course_id\nl,c\n", options), Contains("'course_id' cannot be ignored"));
}

// ---- files --------------------------------------------------------------------------------------

TEST_CASE("read_interactions_csv reads a fixture file", "[csv]") {
    const auto x = learnrec::read_interactions_csv(LEARNREC_TEST_DATA_DIR "/csv/interactions.csv");
    CHECK(x.learners.size() == 3);
    CHECK(x.courses.size() == 3);
    CHECK(x.matrix.nnz() == 4);
    CHECK(weight_of(x, "alice", "sql-basics") == 3.0f);
    CHECK(weight_of(x, "bob", "python-101") == 2.0f);  // 2.5 - 0.5
    CHECK(timestamp_of(x, "alice", "python-101") == 1705311000);
    CHECK(timestamp_of(x, "bob", "python-101") == 1709251200);  // the later of the two
    CHECK(timestamp_of(x, "carol, jr.", "excel \"pro\"") == 1709204400);
}

TEST_CASE("read_interactions_csv handles a BOM and CRLF fixture file", "[csv]") {
    const auto x = learnrec::read_interactions_csv(LEARNREC_TEST_DATA_DIR "/csv/bom_crlf.csv");
    CHECK(x.learners.id(0) == "l1");
    CHECK(weight_of(x, "l1", "c2") == 1.0f);
}

TEST_CASE("errors from a file name the file and line", "[csv]") {
    REQUIRE_THROWS_WITH(learnrec::read_interactions_csv(LEARNREC_TEST_DATA_DIR "/csv/bad_weight.csv"),
                        Contains("bad_weight.csv:3: weight 'lots'"));
}

TEST_CASE("a missing file is an error naming the path", "[csv]") {
    REQUIRE_THROWS_WITH(learnrec::read_interactions_csv(LEARNREC_TEST_DATA_DIR "/csv/no_such_file.csv"),
                        Contains("no_such_file.csv") && Contains("No such file"));
}
