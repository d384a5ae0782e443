#pragma once

/// @file
/// @brief What grading a submission produced, and what it is a result of:
/// the typed record every output is written from, read and written as JSON
/// in this one place.
/// @ingroup grader

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograder/core/catch_report.h"

namespace proctor {

/// The result of one graded test case across every configuration and run.
struct TestResult {
  /// Name, tags, task and points, from the kit's own skeleton build.
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
  /// Could not be staged (bad archive, none of the lab's files, ...).
  rejected,
};

/// "graded", "build_error" or "rejected".
std::string to_string(Status status);

/// The inverse of to_string(Status).
/// @throws std::runtime_error for any other text.
Status parse_status(const std::string& text);

/// Everything known about one graded submission.
struct SubmissionResult {
  /// Student id.
  std::string id;
  /// The lab's folder name, for example "01_processes".
  std::string lab;
  /// Where the submission came from.
  std::filesystem::path source;
  /// SHA-256 of what the grade depends on from the submission (Staged::digest).
  std::string submission_digest;
  /// The kit version it was graded against (kit_version()).
  std::string kit_version;
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
  /// Set when it was graded with less isolation than the kit's minimum
  /// (the instructor accepted it): what was missing.
  std::string isolation_warning;
  /// Wall time spent on this submission's tests, in seconds.
  double seconds = 0;

  /// Points earned.
  double score() const;
  /// Points available.
  double max_score() const;
};

/// The kit's own record of a result (`result.json` beside each student's
/// outputs): every field, so that a resumed batch rebuilds its gradebook
/// from it exactly.
nlohmann::json to_record(const SubmissionResult& result);

/// Reads a record written by to_record().
/// @throws std::runtime_error naming the missing or malformed field, or a
///         record of another format version.
SubmissionResult from_record(const nlohmann::json& record);

}  // namespace proctor
