#pragma once

/// @file
/// @brief The kit's invariant: every graded test passes on the reference
/// solution and fails on the unmodified skeleton, in every configuration the
/// lab names.
/// @ingroup grader

#include <filesystem>
#include <string>
#include <vector>

#include "autograder/core/grade.h"
#include "autograder/core/lab.h"

namespace proctor {

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

/// Releases the student kit into `scratch`/release, checks that nothing
/// instructor-only is in it, that it builds on its own, and that every public
/// test fails on its skeletons. @return Problems found, one line each.
std::vector<std::string> check_release(const Kit& kit, const std::filesystem::path& scratch,
                                       const GradeOptions& options);

/// Exports the Gradescope autograder of `lab`, unpacks it into a simulated
/// `scratch`/autograder folder, grades the reference solution with its
/// run_autograder and checks results/results.json gives full marks.
/// @return Problems found, one line each.
std::vector<std::string> check_gradescope(const Kit& kit, const Lab& lab,
                                          const std::filesystem::path& scratch);

}  // namespace proctor
