#pragma once

/// @file
/// @brief What leaves the instructor's kit: a student's submission archive,
/// the student kit, and a Gradescope autograder.
/// @ingroup grader

#include <filesystem>
#include <string>
#include <vector>

#include "autograder/core/grade.h"
#include "autograder/core/lab.h"

namespace proctor {

/// A file to put in an archive.
struct ArchiveEntry {
  /// Path inside the archive (relative, no `..`).
  std::string name;
  /// File whose bytes go in.
  std::filesystem::path source;
  /// Permission bits.
  int mode = 0644;
};

/// Writes a .zip (by the name's suffix) or a .tar.gz holding `entries`,
/// atomically. @throws std::runtime_error if it cannot be written.
void write_archive(const std::filesystem::path& path, const std::vector<ArchiveEntry>& entries);

/// Paths (relative to the kit root) that never leave the instructor's kit
/// for students: solutions, hidden tests, samples and golden results, plus
/// build and grading scratch.
bool is_instructor_only(const std::filesystem::path& relative);

/// `proctor pack`: checks that the student's manifest files build, then
/// writes `labs/<lab>/<file>` for each into `<kit>/out/<lab>-submission.tar.gz`.
/// @return The archive's path.
/// @throws std::runtime_error naming the build errors if the files do not build.
std::filesystem::path pack_submission(const Kit& kit, const Lab& lab);

/// `proctor release`: copies the kit without anything instructor-only to
/// `out` (which must not exist or be empty). @return The number of files.
std::size_t release_kit(const Kit& kit, const std::filesystem::path& out);

/// `proctor export-gradescope`: an autograder zip (setup.sh and
/// run_autograder at its root, the kit with its hidden tests and reference
/// solutions under kit/) that grades `lab` with the hidden tests. Gradescope
/// never shows an autograder's files to students.
void export_gradescope(const Kit& kit, const Lab& lab, const std::filesystem::path& zip);

}  // namespace proctor
