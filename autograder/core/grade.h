#pragma once

/// @file
/// @brief Grading: stage, build, run each test case confined, score.
/// @ingroup grader

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "autograder/core/catch_report.h"
#include "autograder/core/lab.h"

namespace proctor {

/// The result of one graded test case across every configuration and run.
struct TestResult {
  TestCaseInfo info;
  /// From the hidden tests (shown to students after the due date).
  bool hidden = false;
  bool passed = false;
  /// Points earned: all of `info.points` or nothing.
  double score = 0;
  /// Why it failed (which configuration and run, and what was reported).
  std::string message;
  /// Longest wall time of its runs, in seconds.
  double seconds = 0;
  /// How many runs it had across configurations (0: skipped everywhere, for
  /// example a [no_tsan] test graded under tsan only).
  int runs = 0;
};

/// How grading a submission ended.
enum class Status {
  /// Built and tested (whatever the score).
  graded,
  /// Did not compile or link: every test scores zero.
  build_error,
  /// Could not be staged (bad archive, link in place of a file, ...).
  rejected,
};

/// "graded", "build_error" or "rejected".
std::string to_string(Status status);

/// Everything known about one graded submission.
struct SubmissionResult {
  std::string id;
  std::string lab;
  std::filesystem::path source;
  Status status = Status::graded;
  /// Build errors or the staging problem.
  std::string problem;
  std::vector<TestResult> tests;
  /// Files in the submission that are not in the lab's manifest.
  std::vector<std::string> ignored;
  /// Manifest files the submission lacked (the skeleton's were used).
  std::vector<std::string> missing;
  /// Source lines flagged for the instructor's review (never scored).
  std::vector<std::string> review;
  /// Wall time spent on this submission's tests, in seconds.
  double seconds = 0;

  double score() const;
  double max_score() const;
};

/// A submission to grade.
struct Submission {
  /// Student id.
  std::string id;
  /// Folder or archive.
  std::filesystem::path path;
};

/// How to grade.
struct GradeOptions {
  /// Test case runs in parallel.
  int jobs = 2;
  /// Only the public tests (what `proctor check` does).
  bool public_only = false;
  /// Configurations to grade in; empty means the lab's grade_configs.
  std::vector<Config> configs;
  /// Runs per test case and configuration; 0 means the lab's `runs`.
  int runs = 0;
  /// Called with one line of progress at a time (may be empty).
  std::function<void(const std::string&)> progress;
  /// Least time between two "ran N/M" progress lines.
  std::chrono::milliseconds progress_interval{500};
  /// Called as each submission finishes (from a worker thread, serialized).
  std::function<void(const SubmissionResult&)> on_result;
};

/// Grades submissions of one lab in the kit checkout, all in one batch: one
/// Bazel invocation per configuration builds every submission, kit objects
/// are compiled once, and test cases run in parallel, each confined.
/// @throws std::runtime_error if the kit itself cannot be built or listed.
std::vector<SubmissionResult> grade(const Kit& kit, const Lab& lab,
                                    const std::vector<Submission>& submissions,
                                    const GradeOptions& options);

}  // namespace proctor
