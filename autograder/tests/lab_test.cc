#include "autograder/core/lab.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "autograder/core/grade.h"
#include "autograder/tests/scratch.h"

namespace fs = std::filesystem;

namespace {

fs::path make_kit(const std::string& name, const std::string& manifest) {
  const fs::path root = proctor::testing::scratch_dir("lab_test", name);
  fs::create_directories(root / "labs" / "01_processes");
  std::ofstream(root / "WORKSPACE") << "";
  std::ofstream(root / "kit.json") << R"({"edition": "instructor"})";
  std::ofstream(root / "labs/01_processes/lab.json") << manifest;
  std::ofstream(root / "labs/01_processes/BUILD") << "lab(\n    name = \"processes\",\n)\n";
  return root;
}

}  // namespace

TEST_CASE("a lab is found by number or by folder name") {
  proctor::Kit kit(make_kit(
      "find", R"({"title": "P", "library": "processes", "student_files": ["processes.cc"]})"));
  REQUIRE(kit.labs().size() == 1);
  CHECK(kit.find("01").id == "01_processes");
  CHECK(kit.find("1").id == "01_processes");
  CHECK(kit.find("01_processes").library == "processes");
  CHECK_THROWS_WITH(kit.find("07"), Catch::Contains("01_processes"));
}

TEST_CASE("manifest defaults: plain grading, one run") {
  proctor::Kit kit(make_kit(
      "defaults", R"({"title": "P", "library": "processes", "student_files": ["processes.cc"]})"));
  const auto& lab = kit.labs().front();
  CHECK(lab.grade_configs == std::vector<std::string>{"plain"});
  CHECK(lab.runs == 1);
  CHECK_FALSE(lab.has_hidden_tests);
}

TEST_CASE("samples are graded in every grading configuration unless the manifest narrows it") {
  proctor::Kit both(make_kit("samples_default", R"({"title": "P", "library": "processes",
      "student_files": ["processes.cc"], "grade_configs": ["plain", "tsan"]})"));
  CHECK(both.labs().front().sample_configs == std::vector<std::string>{"plain", "tsan"});
  proctor::Kit narrowed(make_kit("samples_plain", R"({"title": "P", "library": "processes",
      "student_files": ["processes.cc"], "grade_configs": ["plain", "tsan"],
      "sample_configs": ["plain"]})"));
  CHECK(narrowed.labs().front().sample_configs == std::vector<std::string>{"plain"});
  CHECK_THROWS_WITH(proctor::Kit(make_kit("samples_outside", R"({"title": "P",
      "library": "processes", "student_files": ["processes.cc"], "grade_configs": ["plain"],
      "sample_configs": ["asan"]})")),
                    Catch::Contains("sample_configs") && Catch::Contains("asan"));
}

TEST_CASE("a malformed manifest is an error naming the file") {
  CHECK_THROWS_WITH(proctor::Kit(make_kit("broken", "{ not json")), Catch::Contains("lab.json"));
  CHECK_THROWS_WITH(
      proctor::Kit(make_kit(
          "config",
          R"({"title": "P", "library": "processes", "student_files": ["a.cc"], "grade_configs": ["msan"]})")),
      Catch::Contains("msan"));
  CHECK_THROWS_WITH(
      proctor::Kit(make_kit(
          "path", R"({"title": "P", "library": "processes", "student_files": ["../BUILD"]})")),
      Catch::Contains("../BUILD"));
  CHECK_THROWS_WITH(
      proctor::Kit(make_kit(
          "build", R"({"title": "P", "library": "processes", "student_files": ["BUILD"]})")),
      Catch::Contains("BUILD"));
}

TEST_CASE("a folder without WORKSPACE is not a kit") {
  CHECK_THROWS_WITH(proctor::Kit("/"), Catch::Contains("not a kit"));
}

TEST_CASE("the library name comes from the manifest, and must be one") {
  CHECK_THROWS_WITH(proctor::Kit(make_kit("nolib", R"({"title": "P", "student_files": ["a.cc"]})")),
                    Catch::Contains("library"));
  CHECK_THROWS_WITH(
      proctor::Kit(
          make_kit("badlib", R"({"title": "P", "library": "a b", "student_files": ["a.cc"]})")),
      Catch::Contains("a b"));
}

TEST_CASE("the edition is recorded in kit.json, and a student kit keeps its skeletons apart") {
  const auto root = make_kit(
      "student", R"({"title": "P", "library": "processes", "student_files": ["processes.cc"]})");
  std::ofstream(root / "kit.json") << R"({"edition": "student"})";
  fs::create_directories(root / "solutions" / "01_processes");
  std::ofstream(root / "solutions/01_processes/BUILD") << "";
  proctor::Kit kit(root);
  CHECK(kit.edition() == proctor::Edition::student);
  const auto& lab = kit.labs().front();
  CHECK(lab.skeleton_dir == root / "autograder" / "skeletons" / "01_processes");
  CHECK_FALSE(lab.has_solution);
  std::ofstream(root / "kit.json") << R"({"edition": "teacher"})";
  CHECK_THROWS_WITH(proctor::Kit(root), Catch::Contains("teacher"));
  fs::remove(root / "kit.json");
  CHECK_THROWS_WITH(proctor::Kit(root), Catch::Contains("kit.json"));
}

TEST_CASE("the kit version follows the lab's hidden tests and the shared ones, not another lab's") {
  const fs::path root = make_kit(
      "version", R"({"title": "P", "library": "processes", "student_files": ["processes.cc"]})");
  std::ofstream(root / "labs/01_processes/processes.cc") << "// the skeleton\n";
  std::ofstream(root / ".bazelrc") << "";
  fs::create_directories(root / "labs/02_threads");
  std::ofstream(root / "labs/02_threads/lab.json")
      << R"({"title": "T", "library": "threads", "student_files": ["threads.cc"]})";
  for (const char* dir : {"01_processes", "02_threads", "timing"}) {
    fs::create_directories(root / "autograder/hidden" / dir);
    std::ofstream(root / "autograder/hidden" / dir / "code.h") << "// one\n";
  }
  const proctor::Kit kit(root);
  REQUIRE(kit.labs().size() == 2);
  const proctor::Lab& lab = kit.find("01");
  auto version = [&] { return proctor::kit_version(kit, lab, {}); };
  const std::string first = version();
  CHECK(version() == first);

  std::ofstream(root / "autograder/hidden/02_threads/code.h") << "// two\n";
  CHECK(version() == first);

  std::ofstream(root / "autograder/hidden/timing/code.h") << "// two\n";
  const std::string shared_changed = version();
  CHECK(shared_changed != first);

  std::ofstream(root / "autograder/hidden/01_processes/code.h") << "// two\n";
  CHECK(version() != shared_changed);
}
