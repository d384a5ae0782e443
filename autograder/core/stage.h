#pragma once

/// @file
/// @brief Turning a submission (folder, .tar.gz or .zip) into a Bazel package.
/// @ingroup grader

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "autograder/core/lab.h"

namespace proctor {

/// Limits for unpacking an archive.
struct UnpackLimits {
  /// Entries of any kind: files and folders alike.
  std::size_t max_files = 2000;
  std::size_t max_total_bytes = 50u << 20;
  std::size_t max_file_bytes = 10u << 20;
};

/// Unpacks a .tar.gz, .tgz, .tar or .zip into the empty folder `into`.
/// Rejects absolute paths, `..` components, links, devices and anything over
/// `limits`. @throws std::runtime_error naming the first problem found.
void unpack_archive(const std::filesystem::path& archive, const std::filesystem::path& into,
                    const UnpackLimits& limits = {});

/// True for a path whose name says it is an archive the grader can unpack.
bool is_archive(const std::filesystem::path& path);

/// A submission laid out as a Bazel package the grader can build.
struct Staged {
  /// Student id (the folder or archive name, made safe for a Bazel label).
  std::string id;
  /// Where the submission came from.
  std::filesystem::path source;
  /// Bazel package, for example ".proctor/stage/01_processes/_content/
  /// 3f2a...": named by the digest of its files, so that submissions with
  /// the same files share it (built once). A rejected submission's is
  /// ".proctor/stage/<lab>/<id>", never built.
  std::string package;
  /// The manifest files that were found and copied.
  std::vector<std::string> taken;
  /// Manifest files the submission lacks (the skeleton's are used instead).
  std::vector<std::string> missing;
  /// Other files in the submission, ignored.
  std::vector<std::string> ignored;
  /// Why the submission could not be staged, or empty.
  std::string problem;
  /// Lines of the submission an instructor should look at (see review_notes).
  std::vector<std::string> review;
  /// SHA-256 of everything the grade depends on from the submission: each
  /// manifest file's name and content (or that it was missing), the ignored
  /// names, or the reason it was rejected. Equal digests grade the same.
  std::string digest;

  /// `//package:name`.
  std::string label(const std::string& name) const { return "//" + package + ":" + name; }
};

/// Flags source lines that reach for the test harness rather than the task:
/// Catch2 or its report format, the command line or environment of the test
/// process, code that runs before main or at exit. Code in the test process
/// can forge anything that process reports, so such lines are shown to the
/// instructor for review; they never change a score by themselves.
std::vector<std::string> review_notes(const std::string& file, const std::string& text);

/// Where staged submissions live, relative to the kit's root: a submission
/// is staged in `.proctor/stage/<lab>/<id>`, then becomes the Bazel package
/// `.proctor/stage/<lab>/_content/<key>`, named by the digest of its files.
inline constexpr char kStagePackages[] = ".proctor/stage/";

/// The folder of content-named packages under a lab's staging folder (no
/// student id starts with '_').
inline constexpr char kContentPackages[] = "_content";

/// What in a source file reaches for files outside the submission at compile
/// time, or empty: an `#include` of an absolute path or one with `..`, an
/// include whose name a macro computes, `#embed`, or `.incbin`. Comments are
/// skipped and continued lines joined first, as the preprocessor does, so
/// neither hides a directive. Compilation runs in Bazel's sandbox, which
/// shows only declared inputs to relative includes; this closes what the
/// sandbox leaves open (it shows the whole file system read-only).
/// @return "FILE:LINE: what: the line" for the first such line.
std::string compile_time_reach(const std::string& file, const std::string& text);

/// Makes a submission id safe for a Bazel package name and a file name.
std::string safe_id(const std::string& raw);

/// Where each of the lab's files is inside an unpacked submission, found the
/// way students actually upload: at the top, under `labs/<lab>/` (what
/// `proctor pack` writes and what a whole kit holds), or alone anywhere in a
/// sub-folder.
struct Located {
  /// Manifest file -> path relative to the submission root.
  std::vector<std::pair<std::string, std::filesystem::path>> found;
  /// Manifest files not found.
  std::vector<std::string> missing;
  /// Every regular file or link in the submission, relative, sorted.
  std::vector<std::string> all;
};

/// Finds the lab's files under `root`. A name found in several places other
/// than the preferred ones is ambiguous.
/// @throws std::runtime_error naming the places of an ambiguous file.
Located locate_files(const Lab& lab, const std::filesystem::path& root);

/// A submission opened: where its files are, and which of them the lab
/// grades.
struct OpenedSubmission {
  /// The folder the lab's files were found under (`source` itself, or
  /// where its archive was unpacked).
  std::filesystem::path root;
  Located located;
  /// Files ignored beyond those `located` lists as not the lab's: the
  /// upload around an inner archive the files came from.
  std::vector<std::string> ignored;
};

/// Opens `source` (folder or archive) as a submission of `lab`, unpacking
/// archives under `unpacked`: the files where students put them, and a
/// folder holding none of them but one archive read from that archive.
/// @throws std::runtime_error saying what was wrong and, when none of the
///         lab's files is there, what to upload instead.
OpenedSubmission open_submission(const Lab& lab, const std::filesystem::path& source,
                                 const std::filesystem::path& unpacked);

/// Where lab file `found` (a path in `opened.located.found`) is, checked to
/// be a regular file, not a link, of at most 1 MiB (larger ones are refused,
/// never read whole). @throws std::runtime_error naming the file otherwise.
std::filesystem::path checked_source(const OpenedSubmission& opened,
                                     const std::filesystem::path& found);

/// True for a C++ source or header (`.cc`, `.h`): a submission's code, as
/// opposed to written answers (`.md`, `.txt`) that travel with it.
bool is_source_file(const std::string& file);

/// Stages `source` (folder or archive) for `lab` as submission `id`. Only
/// the manifest's files are taken; grader-owned files always come from the
/// kit, and missing ones from the unmodified skeleton. A folder holding none
/// of the lab's files but one archive is graded from that archive. Never
/// throws for a bad submission: `problem` says what was wrong, and when the
/// submission holds none of the lab's files, what to upload instead.
Staged stage_submission(const Kit& kit, const Lab& lab, const std::string& id,
                        const std::filesystem::path& source);

/// Removes content-named packages of `lab` staged longer than `age` ago
/// (the sources of old builds; a package staged again is made again), and
/// staging folders under students' names as old (what a grader killed while
/// staging leaves). Callers hold the build lock.
void sweep_staged_packages(const Kit& kit, const Lab& lab, std::chrono::hours age);

/// The Bazel package text that links `files` against the lab's tests: one
/// call to the `submission` macro of //bazel:submission.bzl.
std::string staged_build_file(const Lab& lab, const std::vector<std::string>& files);

}  // namespace proctor
