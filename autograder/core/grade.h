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

#include "autograder/core/bazel.h"
#include "autograder/core/files.h"
#include "autograder/core/lab.h"
#include "autograder/core/result.h"
#include "autograder/core/stage.h"

namespace proctor {

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
  /// The kit version results record, when the caller has computed it
  /// already (kit_version() reads the whole lab and the grader); empty means
  /// grade() computes it.
  std::string kit_version;
  /// Grade even where the machine gives less isolation than the kit's
  /// minimum (Isolation::below_minimum()); every result then says so. What
  /// `proctor check`, `demo` and `selftest` do: they run the kit's or the
  /// student's own code, not a class's.
  bool accept_weak_isolation = false;
  /// Longest a compiler may work on one file of a submission; the
  /// submission then gets a build error saying so (CompileLimits).
  std::chrono::seconds compile_time_limit{120};
  /// A remote cache or executor for every build (none by default).
  RemoteBuild remote;
};

/// The environment variable that, set to 1, accepts weak isolation for
/// every `proctor grade` started with it (what selftest sets for the
/// graders it starts on such a machine).
inline constexpr char kAcceptWeakIsolationVariable[] = "PROCTOR_ACCEPT_WEAK_ISOLATION";

/// The warning every result graded under weak isolation carries, or empty
/// where the minimum holds.
/// @throws std::runtime_error naming what is missing and how to accept it,
///         when the minimum does not hold and neither `options` nor the
///         environment variable accept less.
std::string check_isolation(const GradeOptions& options);

/// Stages each submission (see stage_submission): cheap, and what tells
/// whether a submission changed since it was last graded. Holds the kit's
/// build lock (build_lock) meanwhile.
std::vector<Staged> stage_submissions(const Kit& kit, const Lab& lab,
                                      const std::vector<Submission>& submissions);

/// The version of the kit a result of `lab` is graded against: SHA-256 of
/// the lab's contract, public and hidden tests, skeleton and reference, the
/// shared test code (testing/, and every folder of autograder/hidden that is
/// no lab's own) and Bazel set-up, the grader itself, and the grading
/// settings (configurations, runs, public only) that `options` give.
std::string kit_version(const Kit& kit, const Lab& lab, const GradeOptions& options);

/// The test cases graded for `lab` (public, then hidden unless
/// `public_only`), listed from a plain build of the kit's own skeleton: what
/// a submission is scored on, with nothing run.
/// @throws std::runtime_error if the skeleton's test binaries do not build.
std::vector<TestResult> expected_tests(const Kit& kit, const Lab& lab, bool public_only = false);

/// The lock graders of one checkout take while they stage and build (see
/// FileLock): `.proctor/build.lock`. `progress`, if set, hears that the
/// grader waits for another.
FileLock build_lock(const Kit& kit, const std::function<void(const std::string&)>& progress);

/// Grades staged submissions of one lab in the kit checkout, all in one
/// batch: one Bazel invocation per configuration builds every submission, kit
/// objects are compiled once, and test cases run in parallel, each confined.
/// Staging the skeleton and building hold the kit's build lock; test runs
/// do not (each run leases an account of its own).
/// Every result records the lab, its submission's digest and the kit version.
/// @throws std::runtime_error if the kit itself cannot be built or listed.
std::vector<SubmissionResult> grade(const Kit& kit, const Lab& lab,
                                    const std::vector<Staged>& staged, const GradeOptions& options);

/// Stages, then grades (the two calls above).
std::vector<SubmissionResult> grade(const Kit& kit, const Lab& lab,
                                    const std::vector<Submission>& submissions,
                                    const GradeOptions& options);

}  // namespace proctor
