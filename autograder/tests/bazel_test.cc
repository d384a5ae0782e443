#include "autograder/core/bazel.h"

#include <catch2/catch.hpp>

namespace {

const std::vector<std::string> kSecret = {"autograder/hidden/", "solutions/", ".proctor/stage/"};
const std::string kOwn = ".proctor/stage/b1/bob/";

}  // namespace

TEST_CASE("diagnostics about hidden tests and other submissions are cut, the student's kept") {
  const std::string log =
      "ERROR: /kit/.proctor/stage/b1/bob/BUILD:3:10: Compiling processes.cc failed\n"
      "/kit/.proctor/stage/b1/bob/processes.cc: In function 'int lab01::f()':\n"
      "/kit/.proctor/stage/b1/bob/processes.cc:12:3: error: 'x' was not declared\n"
      "   12 |   x = 1;\n"
      "      |   ^\n"
      "In file included from autograder/hidden/01_processes/hidden_test.cc:3:\n"
      "autograder/hidden/01_processes/hidden_test.cc:40:9: error: secret expected 42\n"
      "   40 |   CHECK(secret() == 42);\n"
      "      |         ^~~~~~\n"
      "/kit/solutions/01_processes/processes.cc:7:1: note: the answer is here\n"
      "    7 | int answer() { return 42; }\n"
      "/kit/.proctor/stage/b1/alice/processes.cc:1:1: error: alice's code\n"
      "    1 | alice();\n"
      "labs/01_processes/processes.h:20:5: note: declared here\n"
      "   20 |     int f();\n";
  const std::string shown = proctor::without_secret_sources(log, kSecret, kOwn);
  CHECK_THAT(shown, Catch::Contains("processes.cc:12:3: error: 'x' was not declared") &&
                        Catch::Contains("   12 |   x = 1;") &&
                        Catch::Contains("labs/01_processes/processes.h:20:5: note") &&
                        Catch::Contains("Compiling processes.cc failed"));
  CHECK_THAT(shown, !Catch::Contains("secret") && !Catch::Contains("42") &&
                        !Catch::Contains("alice") && !Catch::Contains("hidden_test"));
  CHECK_THAT(shown, Catch::Contains("[8 line(s) about the kit's hidden tests"));
}

TEST_CASE("a log with nothing secret is unchanged") {
  const std::string log = "a.cc:1:1: error: x\n    1 | x\n";
  CHECK(proctor::without_secret_sources(log, kSecret, kOwn) == log);
}

TEST_CASE("first_errors starts at the first error and keeps at most the lines asked for") {
  const std::string log =
      "INFO: building\n/s/b/a.cc: In function 'f':\n/s/b/a.cc:1:1: error: one\n"
      "/s/b/a.cc:2:1: error: two\n/s/b/a.cc:3:1: error: three\n";
  const std::string first = proctor::first_errors(log, "/s/b/", 2);
  CHECK(first == "a.cc: In function 'f':\na.cc:1:1: error: one\n[... more errors cut ...]\n");
}
