// One way to fail: LEARNREC_CHECK / LEARNREC_FAIL name the function the caller wrote, even from a
// lambda or a function object, where __func__ is only "operator()".
#include <catch2/catch.hpp>

#include <string>

#include "learnrec/error.hpp"

namespace {

void reject_negative(int value) { LEARNREC_CHECK(value >= 0, "value must be >= 0, got {}", value); }

void reject_from_a_lambda(int value) {
    auto check = [](int v) { LEARNREC_CHECK(v >= 0, "value must be >= 0, got {}", v); };
    check(value);
}

template <class T>
void reject_in_template(T value) {
    auto check = [&] { LEARNREC_CHECK(value >= T{}, "negative {}", value); };
    check();
}

struct Validator {
    void operator()(int v) const { LEARNREC_CHECK(v >= 0, "negative {}", v); }
};

std::string context_of(auto&& call) {
    try {
        call();
    } catch (const learnrec::Error& e) {
        return e.context();
    }
    return "<no error>";
}

}  // namespace

TEST_CASE("an error names the function that raised it and the offending value", "[error]") {
    try {
        reject_negative(-3);
        FAIL("no error");
    } catch (const learnrec::Error& e) {
        CHECK(e.context() == "reject_negative");
        CHECK(e.reason() == "value must be >= 0, got -3");
        CHECK(std::string(e.what()) == "reject_negative: value must be >= 0, got -3");
    }
}

TEST_CASE("an error raised inside a lambda names the enclosing function, not operator()", "[error]") {
    CHECK(context_of([] { reject_from_a_lambda(-1); }) == "reject_from_a_lambda");
    CHECK(context_of([] { reject_in_template(-1.5); }) == "reject_in_template");
}

TEST_CASE("an error raised inside a function object names its class", "[error]") {
    CHECK(context_of([] { Validator{}(-1); }) == "Validator");
}

TEST_CASE("caller_name reads the shapes g++ and clang give lambdas", "[error]") {
    using learnrec::detail::caller_name;
    CHECK(caller_name("fit_als", "ignored") == "fit_als");
    CHECK(caller_name("operator()", "learnrec::ranking::RankingRules learnrec::ranking::parse_rules_json("
                                    "std::string_view, std::string_view)::<lambda(const string&)>") ==
          "parse_rules_json");
    CHECK(caller_name("operator()", "auto learnrec::ranking::parse_rules_json(std::string_view)::"
                                    "(anonymous class)::operator()(int) const") == "parse_rules_json");
    CHECK(caller_name("operator()", "void learnrec::Ranker::recommend(std::span<const int>) const::"
                                    "<lambda(int)>::<lambda()>") == "recommend");
    CHECK(caller_name("operator()", "void f<int>(int)::<lambda()>") == "f");
    CHECK(caller_name("operator()", "<lambda()>") == "lambda");
}
