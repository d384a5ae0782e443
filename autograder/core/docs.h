#pragma once

/// @file
/// @brief The documentation site and the cost measurements: builds the
/// commands `docs` and `bench` run.
/// @ingroup grader

#include <filesystem>

#include "autograder/core/lab.h"

namespace proctor {

/// What build_docs() made.
struct Site {
  /// out/docs/html/index.html.
  std::filesystem::path index;
  /// HTML pages written.
  int pages = 0;
};

/// Builds the Doxygen site into `<kit>/out/docs/html`. docs/Doxyfile holds
/// the settings; the inputs of every lab present (its handout and contract
/// headers) are added to it, so a new lab needs no line in it.
/// @throws std::runtime_error with Doxygen's warnings (they are errors), or
///         if Doxygen cannot run or its log cannot be read.
Site build_docs(const Kit& kit);

/// Builds `//autograder/bench` (against the reference where the kit has
/// it, otherwise the student's own Lab 04) and runs it, writing its table,
/// CSV, JSON and plots into `out`. Its output goes to the caller's stdout.
/// @throws std::runtime_error if it does not build or fails.
void run_bench(const Kit& kit, const std::filesystem::path& out);

}  // namespace proctor
