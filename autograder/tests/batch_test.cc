#include "autograder/core/batch.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

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
  CHECK(fs::exists(dir / "index.html"));
  CHECK(fs::exists(dir / "alice" / "report.html"));
  CHECK(fs::exists(dir / "bob" / "report.html"));
}

TEST_CASE("a similarity report may come before the first grade into its folder") {
  const fs::path dir = scratch("similar_first");
  fs::create_directories(dir / "_similarity");
  std::ofstream(dir / "_similarity" / "summary.json")
      << R"({"threshold": 50, "suspicious": 2, "submissions": 9})";
  const proctor::ResultStore store(dir, lab_named("01_processes"));
  store.save(result_of("alice", "01_processes"));
  REQUIRE(store.all().size() == 1);  // the report's folder is no student's
  store.write_class_files("kit-1");
  std::ifstream page(dir / "index.html");
  std::string html((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
  CHECK_THAT(html, Catch::Contains("2 pair(s) at or above 50%"));

  const fs::path other = scratch("similar_and_more");
  fs::create_directories(other / "_similarity");
  std::ofstream(other / "notes.txt") << "mine";
  CHECK_THROWS_WITH(proctor::ResultStore(other, lab_named("01_processes")),
                    Catch::Contains("not a proctor results folder"));
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

TEST_CASE("--shard takes I/N and says what is wrong with anything else") {
  const auto shard = proctor::parse_shard("2/3");
  CHECK(shard.index == 2);
  CHECK(shard.count == 3);
  for (const char* bad :
       {"3", "0/3", "4/3", "1/0", "a/3", "1/-3", "/3", "1/", "1/3/4", "1/99999"}) {
    INFO(bad);
    CHECK_THROWS_WITH(
        proctor::parse_shard(bad),
        Catch::Contains("--shard '" + std::string(bad) + "'") && Catch::Contains("I/N"));
  }
}

TEST_CASE("shards split a class evenly, each student in one, whatever else is in the class") {
  std::vector<proctor::Submission> klass;
  for (int i = 0; i < 300; ++i) klass.push_back({"student" + std::to_string(i), "/nowhere"});
  std::map<std::string, int> part_of;
  for (int index = 1; index <= 3; ++index) {
    const auto part = proctor::in_shard(klass, {index, 3});
    // 100 expected; a hash far from uniform would leave one task most of the work.
    CHECK(part.size() > 70);
    CHECK(part.size() < 130);
    for (const auto& submission : part) {
      CHECK(part_of.count(submission.id) == 0);
      part_of[submission.id] = index;
    }
  }
  CHECK(part_of.size() == klass.size());
  // Students who join or leave move no one else: a part depends on the id only.
  std::vector<proctor::Submission> changed(klass.begin() + 50, klass.end());
  for (int i = 0; i < 40; ++i) changed.push_back({"late" + std::to_string(i), "/nowhere"});
  for (int index = 1; index <= 3; ++index) {
    for (const auto& submission : proctor::in_shard(changed, {index, 3})) {
      if (part_of.count(submission.id)) CHECK(part_of[submission.id] == index);
    }
  }
}

namespace {

// A sharded class of `lab` graded into parts under `dir`: each part's
// folder, shard record and results, as `grade --shard I/N` leaves them.
std::vector<fs::path> grade_parts(const fs::path& dir, const proctor::Lab& lab, int count,
                                  const std::vector<std::string>& ids,
                                  const std::string& kit = "kit-1") {
  std::vector<proctor::Submission> klass;
  for (const auto& id : ids) klass.push_back({id, "/nowhere"});
  std::vector<fs::path> parts;
  for (int index = 1; index <= count; ++index) {
    const fs::path part = dir / ("part" + std::to_string(index));
    const proctor::ResultStore store(part, lab);
    const auto mine = proctor::in_shard(klass, {index, count});
    proctor::record_shard(store, {index, count}, mine, kit);
    for (const auto& submission : mine) {
      auto result = result_of(submission.id, lab.id);
      result.kit_version = kit;
      result.seconds = index;  // Timings differ from machine to machine.
      store.save(result);
    }
    store.write_class_files(kit);
    parts.push_back(part);
  }
  return parts;
}

std::string text_of(const fs::path& file) {
  std::ifstream in(file);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("merged parts give the gradebook and summary of one grade of the whole class") {
  const fs::path dir = scratch("merge");
  fs::remove_all(dir);
  const auto lab = lab_named("01_processes");
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) ids.push_back("s" + std::to_string(i));
  const auto parts = grade_parts(dir, lab, 3, ids);
  const proctor::ResultStore whole(dir / "whole", lab);
  for (const auto& id : ids) whole.save(result_of(id, lab.id));
  whole.write_class_files("kit-1");

  const auto merged = proctor::merge_shards(lab, dir / "merged", parts);
  CHECK(merged.students == ids.size());
  CHECK(merged.parts == 3);
  CHECK(text_of(dir / "merged" / "gradebook.csv") == text_of(dir / "whole" / "gradebook.csv"));
  CHECK(text_of(dir / "merged" / "summary.txt") == text_of(dir / "whole" / "summary.txt"));
  for (const auto& id : ids) CHECK(fs::exists(dir / "merged" / id / "results.json"));
  // Merging again replaces the earlier merge.
  CHECK(proctor::merge_shards(lab, dir / "merged", parts).students == ids.size());
  // Parts given in any order.
  const std::vector<fs::path> reversed(parts.rbegin(), parts.rend());
  CHECK(proctor::merge_shards(lab, dir / "merged", reversed).students == ids.size());
}

TEST_CASE("merge refuses parts that do not make one whole class, and writes nothing") {
  const fs::path dir = scratch("merge-refused");
  fs::remove_all(dir);
  const auto lab = lab_named("01_processes");
  const std::vector<std::string> ids{"a", "b", "c", "d", "e", "f", "g", "h"};
  const auto parts = grade_parts(dir / "one", lab, 2, ids);
  const fs::path out = dir / "merged";

  CHECK_THROWS_WITH(proctor::merge_shards(lab, out, {parts[0]}),
                    Catch::Contains("part(s) 2 of 2 missing"));
  CHECK_THROWS_WITH(proctor::merge_shards(lab, out, {parts[0], parts[0]}),
                    Catch::Contains("given twice"));
  const auto three = grade_parts(dir / "three", lab, 3, ids);
  CHECK_THROWS_WITH(proctor::merge_shards(lab, out, {parts[0], parts[1], three[2]}),
                    Catch::Contains("a part of 3") && Catch::Contains("one split"));
  const auto other_kit = grade_parts(dir / "other-kit", lab, 2, ids, "kit-2");
  CHECK_THROWS_WITH(proctor::merge_shards(lab, out, {parts[0], other_kit[1]}),
                    Catch::Contains("different kit versions"));
  const auto other_lab = grade_parts(dir / "other-lab", lab_named("02_threads"), 2, ids);
  CHECK_THROWS_WITH(proctor::merge_shards(lab, out, {parts[0], other_lab[1]}),
                    Catch::Contains("holds lab 02_threads"));
  CHECK_THROWS_WITH(proctor::merge_shards(lab, out, {parts[0], dir / "nowhere"}),
                    Catch::Contains("not a part of a sharded class"));
  CHECK_THROWS_WITH(proctor::merge_shards(lab, parts[0], parts),
                    Catch::Contains("not into a part"));

  // A part whose grading was interrupted: a student it was given has no result.
  const auto interrupted = grade_parts(dir / "interrupted", lab, 2, ids);
  std::string lost;
  for (const auto& entry : fs::directory_iterator(interrupted[1])) {
    if (fs::exists(entry.path() / "result.json")) {
      lost = entry.path().filename().string();
      fs::remove_all(entry.path());
      break;
    }
  }
  REQUIRE_FALSE(lost.empty());
  CHECK_THROWS_WITH(proctor::merge_shards(lab, out, interrupted),
                    Catch::Contains("has no result for 1 of its") && Catch::Contains(lost) &&
                        Catch::Contains("resumes"));
  CHECK_FALSE(fs::exists(out));

  // A folder of graded results is not a merge to replace.
  const proctor::ResultStore graded(dir / "graded", lab);
  graded.save(result_of("zed", lab.id));
  CHECK_THROWS_WITH(proctor::merge_shards(lab, dir / "graded", parts),
                    Catch::Contains("holds graded results"));
  CHECK(fs::exists(dir / "graded" / "zed" / "result.json"));
}

TEST_CASE("a part's folder takes only that part") {
  const fs::path dir = scratch("part-folder");
  fs::remove_all(dir);
  const auto lab = lab_named("01_processes");
  const proctor::ResultStore store(dir, lab);
  proctor::record_shard(store, {1, 3}, {}, "kit-1");
  CHECK_NOTHROW(proctor::record_shard(store, {1, 3}, {}, "kit-1"));
  CHECK_THROWS_WITH(proctor::record_shard(store, {2, 3}, {}, "kit-1"),
                    Catch::Contains("holds part 1/3") && Catch::Contains("not part 2/3"));
  const proctor::ResultStore whole(dir.string() + "-whole", lab);
  whole.save(result_of("alice", lab.id));
  CHECK_THROWS_WITH(proctor::record_shard(whole, {1, 3}, {}, "kit-1"),
                    Catch::Contains("results of a whole class"));
}
