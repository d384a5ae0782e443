#include "autograder/core/catch_report.h"

#include <catch2/catch.hpp>

using proctor::escape_test_spec;
using proctor::parse_test_list;
using proctor::read_case_verdict;

namespace {

std::string report(const std::string& name, const std::string& body) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<Catch name="t"><Group name="t"><TestCase name=")" +
         name + R"(" tags="[task1][points=2]" filename="x.cc" line="3">)" + body +
         "</TestCase></Group></Catch>";
}

}  // namespace

TEST_CASE("the test list yields names, tasks and points") {
  auto tests =
      parse_test_list("first test\t[lab01][points=2][task3]\nsecond\t[points=0.5][task1]\n");
  REQUIRE(tests.size() == 2);
  CHECK(tests[0].name == "first test");
  CHECK(tests[0].task == 3);
  CHECK(tests[0].points == 2);
  CHECK(tests[1].points == 0.5);
}

TEST_CASE("a listed test without task and points tags is an error") {
  CHECK_THROWS_WITH(parse_test_list("lonely\t[lab01]\n"), Catch::Contains("lonely"));
  CHECK_THROWS(parse_test_list("no tab at all\n"));
}

TEST_CASE("a passing report is read as a pass") {
  auto verdict = read_case_verdict(report("a", R"(<OverallResult success="true"/>)"), "a");
  CHECK(verdict.found);
  CHECK(verdict.success);
  CHECK(verdict.problem.empty());
}

TEST_CASE("a failing report keeps the expression and the captured info") {
  auto verdict = read_case_verdict(
      report("a", R"(<Info>x := 3</Info><Expression success="false" type="REQUIRE" line="9">
      <Original>x == 4</Original><Expanded>3 == 4</Expanded></Expression>
      <OverallResult success="false"/>)"),
      "a");
  CHECK(verdict.found);
  CHECK_FALSE(verdict.success);
  CHECK_THAT(verdict.messages,
             Catch::Contains("x == 4") && Catch::Contains("3 == 4") && Catch::Contains("x := 3"));
}

TEST_CASE("a report cut off inside the test case is a run that ended early") {
  std::string whole = report("a", R"(<OverallResult success="true"/>)");
  auto verdict = read_case_verdict(whole.substr(0, whole.find("<OverallResult")), "a");
  CHECK_FALSE(verdict.found);
  CHECK_THAT(verdict.problem, Catch::Contains("ended early"));
  CHECK_THAT(read_case_verdict("", "a").problem, Catch::Contains("ended before"));
}

TEST_CASE("two reports in one file mean a child came back into the runner") {
  std::string one = report("a", R"(<OverallResult success="true"/>)");
  auto verdict = read_case_verdict(one + one.substr(one.find("<Catch")), "a");
  CHECK_FALSE(verdict.found);
  CHECK_THAT(verdict.problem, Catch::Contains("_exit"));
}

TEST_CASE("a report about another test case is not trusted") {
  auto verdict = read_case_verdict(report("b", R"(<OverallResult success="true"/>)"), "a");
  CHECK_FALSE(verdict.found);
  CHECK_THAT(verdict.problem, Catch::Contains("another test case"));
}

TEST_CASE("test spec escaping protects Catch2's special characters") {
  CHECK(escape_test_spec("plain name") == "plain name");
  CHECK(escape_test_spec("a,b [c] *d") == "a\\,b \\[c\\] \\*d");
}
