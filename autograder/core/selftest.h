#pragma once

/// @file
/// @brief The kit's invariant: every graded test passes on the reference
/// solution and fails on the unmodified skeleton, in every configuration the
/// lab names.
/// @ingroup grader

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

}  // namespace proctor
