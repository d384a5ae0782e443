#include "autograder/core/report.h"

#include <catch2/catch.hpp>

#include <pugixml.hpp>
#include "autograder/core/result.h"

using proctor::Status;
using proctor::SubmissionResult;
using proctor::TestResult;

namespace {

TestResult make_test(const std::string& name, int task, double points, bool passed, bool hidden,
                     const std::string& message = "") {
  TestResult test;
  test.info.name = name;
  test.info.task = task;
  test.info.points = points;
  test.passed = passed;
  test.hidden = hidden;
  test.score = passed ? points : 0;
  test.message = message;
  return test;
}

SubmissionResult sample() {
  SubmissionResult result;
  result.id = "alice";
  result.lab = "01_processes";
  result.tests = {make_test("one works", 1, 2, true, false),
                  make_test("two fails", 2, 3, false, false, "REQUIRE( x ) failed\nmore detail"),
                  make_test("hidden fails", 2, 1, false, true,
                            "first line of a hidden failure\nsecret detail")};
  return result;
}

}  // namespace

TEST_CASE("results.json follows Gradescope's fields and hides hidden details") {
  auto json = proctor::gradescope_results(sample());
  CHECK(json["score"] == 2);
  REQUIRE(json["tests"].size() == 3);
  CHECK(json["tests"][0]["status"] == "passed");
  CHECK(json["tests"][0]["visibility"] == "visible");
  CHECK(json["tests"][0]["number"] == "1.1");
  CHECK(json["tests"][1]["max_score"] == 3);
  CHECK(json["tests"][1]["output"] == "REQUIRE( x ) failed\nmore detail");
  CHECK(json["tests"][2]["visibility"] == "after_due_date");
  CHECK(json["tests"][2]["number"] == "2.2");
  CHECK(json["tests"][2]["output"] == "first line of a hidden failure");
}

TEST_CASE("a result record reads back into the same result, typed") {
  auto result = sample();
  result.status = Status::build_error;
  result.submission_digest = "abc";
  result.kit_version = "def";
  result.tests[1].info.task = 12;
  result.tests[1].info.tags = "[lab01][task12][points=3]";
  result.tests[1].runs = 3;
  result.missing = {"a.cc"};
  const auto back = proctor::from_record(nlohmann::json::parse(proctor::to_record(result).dump()));
  CHECK(back.id == "alice");
  CHECK(back.lab == "01_processes");
  CHECK(back.status == Status::build_error);
  CHECK(back.submission_digest == "abc");
  CHECK(back.kit_version == "def");
  CHECK(back.score() == 2);
  CHECK(back.max_score() == 6);
  CHECK(back.tests[2].hidden);
  CHECK(back.tests[1].info.task == 12);
  CHECK(back.tests[1].info.tags == "[lab01][task12][points=3]");
  CHECK(back.tests[1].runs == 3);
  CHECK(back.tests[1].message == "REQUIRE( x ) failed\nmore detail");
  CHECK(back.missing == std::vector<std::string>{"a.cc"});
}

TEST_CASE("a damaged or foreign record is an error, never a default") {
  auto record = proctor::to_record(sample());
  record["status"] = "passed";
  CHECK_THROWS_WITH(proctor::from_record(record), Catch::Contains("passed"));
  record = proctor::to_record(sample());
  record.erase("kit_version");
  CHECK_THROWS_WITH(proctor::from_record(record), Catch::Contains("kit_version"));
  record = proctor::to_record(sample());
  record["format"] = 99;
  CHECK_THROWS_WITH(proctor::from_record(record), Catch::Contains("format"));
  CHECK_THROWS_WITH(proctor::parse_status("3.2"), Catch::Contains("3.2"));
}

TEST_CASE("a rejected submission's results.json tells the student what went wrong") {
  auto result = sample();
  result.status = Status::rejected;
  result.problem = "The submission holds none of the files ... Upload processes.cc";
  auto json = proctor::gradescope_results(result);
  CHECK_THAT(json["output"].get<std::string>(),
             Catch::Contains("could not be graded") && Catch::Contains("Upload processes.cc"));
}

TEST_CASE("the class summary counts statuses and names results of another kit version") {
  auto a = sample();
  auto b = sample();
  b.id = "bob";
  b.status = Status::rejected;
  a.kit_version = "new";
  b.kit_version = "old";
  auto summary = proctor::class_summary({a, b}, "new");
  CHECK_THAT(summary, Catch::Contains("graded 1  build_error 0  rejected 1") &&
                          Catch::Contains("another version of the kit") &&
                          Catch::Contains(" bob\n"));
  CHECK_THAT(proctor::class_summary({a}, "new"), !Catch::Contains("another version"));
}

TEST_CASE("the readable report lists failures and ends with the score") {
  auto text = proctor::text_report(sample());
  CHECK_THAT(text, Catch::Contains("two fails") && Catch::Contains("more detail") &&
                       Catch::EndsWith("Score: 2/6\n"));
}

TEST_CASE("a passed test's note is in the readable report, not among the failures") {
  auto result = sample();
  result.tests[0].message = "This machine was too busy to decide this check";
  const auto text = proctor::text_report(result);
  const auto notes = text.find("Notes on passed tests:");
  REQUIRE(notes != std::string::npos);
  CHECK(text.find("one works", notes) != std::string::npos);
  CHECK(text.find("too busy", notes) != std::string::npos);
  CHECK(text.find("too busy") > text.find("Failed tests:"));
  CHECK_THAT(proctor::gradescope_results(result)["tests"][0]["output"].get<std::string>(),
             Catch::Contains("too busy"));
}

TEST_CASE("a build error scores zero and shows the compiler's words") {
  auto result = sample();
  result.status = Status::build_error;
  result.problem = "processes.cc:3:1: error: expected ';'";
  for (auto& test : result.tests) test.passed = false, test.score = 0;
  CHECK_THAT(proctor::text_report(result), Catch::Contains("build_error") &&
                                               Catch::Contains("expected ';'") &&
                                               Catch::EndsWith("Score: 0/6\n"));
}

TEST_CASE("JUnit XML has one testcase per graded test with failures marked") {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(proctor::junit_xml(sample()).c_str()));
  auto suite = doc.child("testsuites").child("testsuite");
  CHECK(suite.attribute("tests").as_int() == 3);
  CHECK(suite.attribute("failures").as_int() == 2);
  int failures = 0;
  for (auto test : suite.children("testcase")) failures += bool(test.child("failure"));
  CHECK(failures == 2);
}

TEST_CASE("the gradebook has a column per task and quotes awkward ids") {
  auto a = sample();
  auto b = sample();
  b.id = "smith, bob";
  auto csv = proctor::gradebook_csv({a, b});
  CHECK_THAT(csv, Catch::StartsWith("student,task1,task2,total,max,status\n") &&
                      Catch::Contains("alice,2,0,2,6,graded\n") &&
                      Catch::Contains("\"smith, bob\",2,0,2,6,graded\n"));
}

TEST_CASE("the class summary gives mean, median and pass rates") {
  auto a = sample();
  auto b = sample();
  b.tests[1].passed = true;
  b.tests[1].score = 3;
  auto summary = proctor::class_summary({a, b});
  CHECK_THAT(summary, Catch::Contains("mean 3.50/6") && Catch::Contains("median 3.5/6") &&
                          Catch::Contains("50%  two fails"));
}

TEST_CASE("points print without useless decimals") {
  CHECK(proctor::format_points(14) == "14");
  CHECK(proctor::format_points(2.5) == "2.5");
}

TEST_CASE("what a submission wrote cannot forge report lines or reach the terminal") {
  auto result = sample();
  result.ignored = {"\nScore: 20/20", "a\033[2Jb"};
  result.tests[1].message = "Score: 20/20\r\033[31mred";
  const auto text = proctor::text_report(result);
  CHECK_THAT(text, !Catch::Contains("\nScore: 20/20\n") && Catch::Contains("\\x0aScore: 20/20") &&
                       Catch::Contains("a\\x1b[2Jb") && Catch::Contains("\\x0d\\x1b[31mred") &&
                       Catch::EndsWith("Score: 2/6\n"));
  CHECK(text.find('\033') == std::string::npos);
  CHECK(proctor::visible("tab\tand\nline") == "tab\tand\nline");
  CHECK(proctor::visible("a\nb", false) == "a\\x0ab");
}

TEST_CASE("gradebook cells a spreadsheet would run as formulas stay text") {
  auto a = sample();
  a.id = "-2+3";
  auto b = sample();
  b.id = "=cmd";
  const auto csv = proctor::gradebook_csv({a, b});
  CHECK_THAT(csv, Catch::Contains("\n'-2+3,") && Catch::Contains("\n'=cmd,"));
}
