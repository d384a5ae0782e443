#include "autograder/core/batch.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "autograder/tests/scratch.h"

namespace fs = std::filesystem;
using proctor::Reason;

namespace {

fs::path scratch(const std::string& name) {
  const fs::path dir = proctor::testing::scratch_dir("batch_test", name);
  fs::remove(dir);  // Each test decides whether its folder exists.
  return dir;
}

proctor::Lab lab_named(const std::string& id) {
  proctor::Lab lab;
  lab.id = id;
  lab.student_files = {"processes.cc"};
  return lab;
}

proctor::SubmissionResult result_of(const std::string& id, const std::string& lab) {
  proctor::SubmissionResult result;
  result.id = id;
  result.lab = lab;
  result.submission_digest = "files-1";
  result.kit_version = "kit-1";
  proctor::TestResult test;
  test.info = {"works", "[task1][points=2]", 1, 2};
  test.passed = true;
  test.score = 2;
  result.tests.push_back(test);
  return result;
}

}  // namespace

TEST_CASE("a results folder records its lab and refuses another lab's") {
  const fs::path dir = scratch("store");
  const proctor::ResultStore first(dir, lab_named("01_processes"));
  first.save(result_of("alice", "01_processes"));
  CHECK(fs::exists(dir / "grades.json"));
  CHECK(fs::exists(dir / "alice" / "result.json"));
  CHECK(fs::exists(dir / "alice" / "results.json"));
  CHECK_THROWS_WITH(proctor::ResultStore(dir, lab_named("02_threads")),
                    Catch::Contains("holds results of lab 01_processes") &&
                        Catch::Contains("out/grades/02_threads"));
  const proctor::ResultStore again(dir, lab_named("01_processes"));
  REQUIRE(again.find("alice").has_value());
  CHECK(again.find("alice")->score() == 2);
  CHECK_FALSE(again.find("bob").has_value());
}

TEST_CASE("a folder that is not a results folder is refused, not written into") {
  const fs::path dir = scratch("foreign");
  fs::create_directories(dir);
  std::ofstream(dir / "thesis.tex") << "important";
  CHECK_THROWS_WITH(proctor::ResultStore(dir, lab_named("01_processes")),
                    Catch::Contains("not a proctor results folder"));
  CHECK_FALSE(fs::exists(dir / "grades.json"));
}

TEST_CASE("a damaged record or one of another student is an error naming the file") {
  const fs::path dir = scratch("damaged");
  const proctor::ResultStore store(dir, lab_named("01_processes"));
  store.save(result_of("alice", "01_processes"));
  std::ofstream(dir / "alice" / "result.json") << "{ broken";
  CHECK_THROWS_WITH(store.find("alice"), Catch::Contains("alice/result.json"));
  store.save(result_of("bob", "01_processes"));
  fs::create_directories(dir / "carol");
  fs::copy_file(dir / "bob" / "result.json", dir / "carol" / "result.json");
  CHECK_THROWS_WITH(store.find("carol"), Catch::Contains("result of bob"));
}

TEST_CASE("resume keeps a result only when lab, files and kit all match") {
  proctor::Staged staged;
  staged.digest = "files-1";
  const auto recorded = result_of("alice", "01_processes");
  CHECK(proctor::resume_reason(std::nullopt, staged, "kit-1", false) == Reason::new_submission);
  CHECK(proctor::resume_reason(recorded, staged, "kit-1", false) == Reason::unchanged);
  CHECK(proctor::resume_reason(recorded, staged, "kit-1", true) == Reason::regrade);
  CHECK(proctor::resume_reason(recorded, staged, "kit-2", false) == Reason::kit_changed);
  staged.digest = "files-2";
  CHECK(proctor::resume_reason(recorded, staged, "kit-1", false) == Reason::changed);
  CHECK(proctor::to_string(Reason::kit_changed) == "kit changed");
}

TEST_CASE("the class files cover every result in the folder") {
  const fs::path dir = scratch("class");
  const proctor::ResultStore store(dir, lab_named("01_processes"));
  store.save(result_of("bob", "01_processes"));
  auto alice = result_of("alice", "01_processes");
  alice.kit_version = "kit-0";
  store.save(alice);
  const auto results = store.write_class_files("kit-1");
  REQUIRE(results.size() == 2);
  CHECK(results[0].id == "alice");
  std::ifstream csv(dir / "gradebook.csv");
  std::string text((std::istreambuf_iterator<char>(csv)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::Contains("alice,2,2,2,graded") && Catch::Contains("bob,2,2,2,graded"));
  std::ifstream summary(dir / "summary.txt");
  std::string note((std::istreambuf_iterator<char>(summary)), std::istreambuf_iterator<char>());
  CHECK_THAT(note, Catch::Contains("another version of the kit") && Catch::Contains(" alice\n"));
}

TEST_CASE("class folders expand to one submission per student, single ones stay whole") {
  const fs::path dir = scratch("collect");
  fs::create_directories(dir / "class" / "alice");
  fs::create_directories(dir / "class" / "bob smith");
  std::ofstream(dir / "class" / "carol.tar.gz") << "";
  std::ofstream(dir / "class" / "notes.txt") << "";
  const auto lab = lab_named("01_processes");
  auto all = proctor::collect_submissions(lab, {(dir / "class").string()});
  REQUIRE(all.size() == 3);
  CHECK(all[0].id == "alice");
  CHECK(all[1].id == "bob_smith");
  CHECK(all[2].id == "carol");
  std::ofstream(dir / "class" / "alice" / "processes.cc") << "";
  CHECK(proctor::collect_submissions(lab, {(dir / "class" / "alice").string()}).size() == 1);
  CHECK_THROWS_WITH(proctor::collect_submissions(lab, {(dir / "missing").string()}),
                    Catch::Contains("No such file"));
}
