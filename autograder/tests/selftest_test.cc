#include "autograder/core/selftest.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "autograder/tests/scratch.h"

namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
  return proctor::testing::scratch_dir("selftest_test", name);
}

proctor::TestResult test_of(int task, double points) {
  proctor::TestResult test;
  test.info.task = task;
  test.info.points = points;
  return test;
}

// A kit with one lab, its handout and header, and the two index pages.
fs::path make_kit(const std::string& name, const std::string& readme_rows,
                  const std::string& mainpage_rows) {
  const fs::path root = scratch(name);
  fs::create_directories(root / "labs" / "05_pools");
  fs::create_directories(root / "docs");
  std::ofstream(root / "WORKSPACE") << "";
  std::ofstream(root / "kit.json") << R"({"edition": "instructor"})";
  std::ofstream(root / "labs/05_pools/lab.json")
      << R"({"title": "Pools", "library": "pools", "student_files": ["pools.cc"]})";
  std::ofstream(root / "labs/05_pools/README.md") << "# Lab 05: Pools {#lab05_handout}\n";
  std::ofstream(root / "labs/05_pools/pools.h") << "/// @defgroup lab05 Lab 05: pools\n";
  std::ofstream(root / "README.md") << "| Lab | Topic |\n|---|---|\n" << readme_rows;
  std::ofstream(root / "docs/mainpage.md") << "| Lab | Handout | Contract |\n|---|---|---|\n"
                                           << mainpage_rows;
  return root;
}

}  // namespace

TEST_CASE("handout task points must equal the sum of the tests' point tags") {
  const fs::path dir = scratch("handout");
  std::ofstream(dir / "README.md") << "# Lab\n\n## Task 1 — Decode (easy, 2 points)\n\n"
                                      "## Task 2 — Spawn (medium, 4 points)\n\n"
                                      "## Task 3 — Interpret (ANSWERS.md, graded by hand)\n";
  proctor::Lab lab;
  lab.dir = dir;
  CHECK(proctor::check_handout_points(lab, {test_of(1, 1), test_of(1, 1), test_of(2, 4)}).empty());
  auto problems = proctor::check_handout_points(lab, {test_of(1, 1), test_of(2, 4), test_of(4, 1)});
  REQUIRE(problems.size() == 2);
  CHECK_THAT(problems[0],
             Catch::Contains("Task 1 announces 2 points") && Catch::Contains("sum to 1"));
  CHECK_THAT(problems[1], Catch::Contains("[task4]"));
  problems = proctor::check_handout_points(lab, {test_of(1, 2)});
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::Contains("Task 2 announces 4 points but no test"));
}

TEST_CASE("a lab missing from an index page is named with the line to add") {
  const std::string row = "| [05_pools](labs/05_pools/README.md) | Pools |\n";
  const std::string page_row = "| 05 Pools | @ref lab05_handout | @ref lab05 |\n";
  CHECK(proctor::check_lab_index(proctor::Kit(make_kit("complete", row, page_row))).empty());
  auto problems = proctor::check_lab_index(proctor::Kit(make_kit("forgot", "", "")));
  REQUIRE(problems.size() == 2);
  CHECK_THAT(problems[0], Catch::StartsWith("README.md") && Catch::Contains("05_pools"));
  CHECK_THAT(problems[1],
             Catch::StartsWith("docs/mainpage.md") && Catch::Contains("@ref lab05_handout"));
  // A blank line splits a markdown table: the row after it is not in it.
  problems = proctor::check_lab_index(proctor::Kit(make_kit("split", "\n" + row, page_row)));
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::Contains("blank line"));
}
