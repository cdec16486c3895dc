#include <catch2/catch.hpp>

#include "learnrec/data/text_formats.hpp"

using namespace learnrec;

TEST_CASE("user item lists give one row per user id and weight 1 per listed item", "[text]") {
    const auto m = parse_user_item_lists("0 1 2\n2 0\n", "lists.txt");
    CHECK(m.rows() == 3);
    CHECK(m.cols() == 3);
    CHECK(m.nnz() == 3);
    CHECK(m.row(1).size() == 0);
    CHECK(m.row(2).indices[0] == 0);
    CHECK(m.row(0).weights[1] == 1.0f);
}

TEST_CASE("user item lists are widened to a minimum shape", "[text]") {
    const auto m = parse_user_item_lists("1 4\n", "t.txt", 5, 10);
    CHECK(m.rows() == 5);
    CHECK(m.cols() == 10);
}

TEST_CASE("user item lists accept tabs, CRLF and a user with no items", "[text]") {
    const auto m = parse_user_item_lists("0\t3 4\r\n1\r\n", "t.txt");
    CHECK(m.rows() == 2);
    CHECK(m.nnz() == 2);
}

TEST_CASE("user item lists reject a non-numeric id naming file and line", "[text]") {
    CHECK_THROWS_WITH(parse_user_item_lists("0 1\n1 x2\n", "t.txt"), Catch::Contains("t.txt:2") && Catch::Contains("x2"));
}

TEST_CASE("user item lists reject negative ids and blank lines in the middle", "[text]") {
    CHECK_THROWS_WITH(parse_user_item_lists("0 -1\n", "t.txt"), Catch::Contains("t.txt:1"));
    CHECK_THROWS_WITH(parse_user_item_lists("0 1\n\n1 2\n", "t.txt"), Catch::Contains("t.txt:2: empty line"));
}

TEST_CASE("user item lists report a missing file by path", "[text]") {
    CHECK_THROWS_WITH(read_user_item_lists("/nonexistent/dir/train.txt"), Catch::Contains("/nonexistent/dir/train.txt"));
}
