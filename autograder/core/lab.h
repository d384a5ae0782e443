#pragma once

/// @file
/// @brief Labs as the grader sees them: folder, manifest and test binaries.
/// @ingroup grader

#include <filesystem>
#include <string>
#include <vector>

namespace proctor {

/// A build configuration: "plain" or a sanitizer named in .bazelrc.
using Config = std::string;

/// One lab of the kit, read from `labs/NN_topic/lab.json`.
struct Lab {
  /// Folder name, for example "01_processes".
  std::string id;
  /// Two-digit number, for example "01".
  std::string number;
  /// Human title from the manifest.
  std::string title;
  /// Name of the lab's library target, from the manifest's "library" (the
  /// name given to the `lab()` macro in the lab's BUILD file).
  std::string library;
  /// Files a student owns and submits, relative to the lab folder.
  std::vector<std::string> student_files;
  /// Deadline for each test case, in seconds.
  int test_timeout_seconds = 30;
  /// Configurations a submission is graded in; a test passes only if it
  /// passes in every one of them, in every run.
  std::vector<Config> grade_configs{"plain"};
  /// How many times each test case runs per configuration when grading.
  int runs = 1;
  /// False for labs whose tests measure time: their test cases run one at a
  /// time, so that they do not disturb each other's measurements.
  bool parallel_tests = true;
  /// Configurations selftest checks the pass/fail invariant in.
  std::vector<Config> selftest_configs{"plain"};
  /// Configurations the kit's own samples are graded in by selftest and the
  /// demo: a subset of grade_configs, all of them unless lab.json narrows it
  /// (a lab whose samples carry no bug a sanitizer alone would find).
  std::vector<Config> sample_configs{"plain"};
  /// Absolute path of the lab folder.
  std::filesystem::path dir;
  /// Where the unmodified student files are: the lab folder in the
  /// instructor's kit; `autograder/skeletons/<lab>` in a student kit, whose
  /// lab folder is the student's work.
  std::filesystem::path skeleton_dir;
  /// True if the kit holds hidden tests for this lab (not in a student kit).
  bool has_hidden_tests = false;
  /// True if the kit holds the reference solution (not in a student kit).
  bool has_solution = false;
};

/// Which kind of kit a checkout is, recorded in its `kit.json`.
enum class Edition {
  /// The instructor's kit: solutions, hidden tests, samples, every command.
  instructor,
  /// What `proctor release` writes: labs, public tests and the student
  /// commands only.
  student,
};

/// The kit checkout the grader works in.
class Kit {
 public:
  /// Opens the kit rooted at `root` (the folder holding WORKSPACE and
  /// kit.json).
  /// @throws std::runtime_error if `root` is not a kit or a manifest is
  ///         malformed.
  explicit Kit(std::filesystem::path root);

  /// The folder holding WORKSPACE.
  const std::filesystem::path& root() const { return root_; }
  /// Instructor's or student kit.
  Edition edition() const { return edition_; }
  /// Every lab, in number order.
  const std::vector<Lab>& labs() const { return labs_; }
  /// Finds a lab by number ("1", "01") or folder name ("01_processes").
  /// @throws std::runtime_error naming the labs that exist if none matches.
  const Lab& find(const std::string& name) const;
  /// Where the grader keeps staged submissions and scratch files.
  std::filesystem::path work_dir() const { return root_ / ".proctor"; }

 private:
  std::filesystem::path root_;
  Edition edition_ = Edition::instructor;
  std::vector<Lab> labs_;
};

/// Reads one lab folder of a kit of `edition`.
/// @throws std::runtime_error on a malformed manifest.
Lab load_lab(const std::filesystem::path& kit_root, const std::filesystem::path& lab_dir,
             Edition edition);

/// "instructor" or "student".
std::string to_string(Edition edition);

}  // namespace proctor
