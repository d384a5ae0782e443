#pragma once

/// @file
/// @brief `proctor selftest` as a list of named checks, each returning the
/// problems it found. The kit's trust rests on the first of them: every
/// graded test passes on the reference solution and fails on the unmodified
/// skeleton, in every configuration the lab names.
/// @ingroup grader

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "autograder/core/grade.h"
#include "autograder/core/lab.h"

namespace proctor {

/// One named check.
struct Check {
  /// What the check proves when it passes, as a sentence.
  std::string name;
  /// Runs it: the problems found, one per line; none when it passed.
  std::function<std::vector<std::string>()> run;
};

/// How selftest runs.
struct SelftestOptions {
  /// Jobs and progress for the grading the checks do.
  GradeOptions grading;
  /// Rewrite the samples' golden results instead of comparing with them.
  bool update_golden = false;
  /// Copies of each lab's correct samples graded with every core busy
  /// (`selftest --flake N`); 0 leaves that check out.
  int flake_copies = 1;
  /// Scratch folder (`out/selftest`): kit copies, logs, screenshots.
  std::filesystem::path scratch;
  /// Prints one line of detail (what was checked, figures).
  std::function<void(const std::string&)> say;
  /// The `proctor` binary the journeys run as a user would.
  std::filesystem::path proctor;
};

/// One sentence on what selftest checks in this kit's edition.
std::string selftest_scope(const Kit& kit);

/// The checks for this kit: the instructor's kit checks everything below;
/// a student kit checks what a student has (unit tests, the labs build, every
/// public test fails on the unmodified skeletons, the docs build).
std::vector<Check> selftest_checks(const Kit& kit, const SelftestOptions& options);

/// One broken promise of the invariant.
struct Violation {
  std::string lab;
  Config config;
  /// "reference" or "skeleton".
  std::string side;
  std::string test;
  /// What went wrong (the failure message, or "passed on the skeleton").
  std::string detail;
};

/// Checks the invariant for `lab` in each of its selftest configurations.
/// @param options Jobs and progress reporting; configurations come from the lab.
/// @return Every violation found (empty when the invariant holds).
/// @throws std::runtime_error if the lab has no reference solution or the
///         kit does not build.
std::vector<Violation> check_invariant(const Kit& kit, const Lab& lab, const GradeOptions& options);

/// Per-task points a handout announces in its `## Task K — title (...,
/// N points)` headings, compared with the `[points=N]` tags of the lab's
/// tests. @return One line per task that differs.
std::vector<std::string> check_handout_points(const Lab& lab, const std::vector<TestResult>& tests);

/// The lines of the kit's index pages a lab needs: a row in README.md's labs
/// table and in docs/mainpage.md's, a handout id `{#labNN_handout}` and a
/// header group `@defgroup labNN`. @return One line per missing line, naming
/// the file and what to add.
std::vector<std::string> check_lab_index(const Kit& kit);

/// Grading beyond one machine, with real parts: a one-node Slurm cluster
/// (munged, slurmctld, slurmd in the foreground from a generated
/// slurm.conf) grades a class of at least 60 varied submissions of `lab` as
/// three array tasks (`proctor slurm`) against a running `proctor
/// cache-server`; the merged gradebook and summary must equal a single-host
/// grade's byte for byte, every result must equal its single-host one but
/// for timings, the tasks must have stored builds in the cache, and nothing
/// may be left running. @return The problems found.
std::vector<std::string> check_cluster_grading(const Kit& kit, const Lab& lab,
                                               const SelftestOptions& options);

}  // namespace proctor
