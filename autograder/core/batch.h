#pragma once

/// @file
/// @brief Grading a class into a results folder: what to grade and why, what
/// to keep, and the class files. Resume and regrade rest on what each result
/// records (lab, submission digest, kit version), never on a folder's name
/// or a file's existence.
/// @ingroup grader

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "autograder/core/grade.h"
#include "autograder/core/lab.h"
#include "autograder/core/result.h"

namespace proctor {

/// The folder one lab's results live in (`out/grades/LAB` by default): a
/// sub-folder per student and the class files. Its `grades.json` records
/// the lab; a folder of another lab is refused, never mixed.
class ResultStore {
 public:
  /// Opens `dir` for `lab`'s results, creating it if needed.
  /// @throws std::runtime_error if `dir` holds another lab's results, or is
  ///         a folder that is not empty and is not a results folder.
  ResultStore(std::filesystem::path dir, const Lab& lab);

  /// The results folder.
  const std::filesystem::path& dir() const { return dir_; }
  /// The recorded result of student `id`, if there is one.
  /// @throws std::runtime_error if the record is damaged or of another lab.
  std::optional<SubmissionResult> find(const std::string& id) const;
  /// Writes a result's files (see write_submission_outputs) into `<dir>/<id>`.
  void save(const SubmissionResult& result) const;
  /// Every result recorded here, in id order.
  std::vector<SubmissionResult> all() const;
  /// Writes gradebook.csv and summary.txt for every result recorded here;
  /// the summary names results graded against a kit other than
  /// `kit_version`. @return The results written.
  std::vector<SubmissionResult> write_class_files(const std::string& kit_version) const;

 private:
  std::filesystem::path dir_;
  std::string lab_;
};

/// Why a submission is graded in this run, or kept.
enum class Reason {
  /// No result recorded for this student yet.
  new_submission,
  /// The submitted files differ from those of the recorded result.
  changed,
  /// The kit (tests, reference, grader, settings) differs.
  kit_changed,
  /// `--regrade` asked for it.
  regrade,
  /// Same lab, same files, same kit: the recorded result stands.
  unchanged,
};

/// "new", "changed", "kit changed", "regrade requested", "unchanged".
std::string to_string(Reason reason);

/// Whether (and why) to grade `staged` again given what is recorded.
Reason resume_reason(const std::optional<SubmissionResult>& recorded, const Staged& staged,
                     const std::string& kit_version, bool regrade);

/// Expands command-line paths into submissions: a folder that holds one of
/// the lab's files (at its top or under labs/<lab>/) or an archive is one
/// submission named after it; any other folder holds one folder or archive
/// per student. Ids are made safe and unique.
/// @throws std::runtime_error for a path that does not exist or a class
///         folder with nothing in it.
std::vector<Submission> collect_submissions(const Lab& lab, const std::vector<std::string>& paths);

/// How a class is graded into a results folder.
struct BatchOptions {
  /// How each submission is graded.
  GradeOptions grading;
  /// Grade every submission again, whatever is recorded.
  bool regrade = false;
};

/// What a batch did.
struct BatchOutcome {
  /// Every submission of this run with its reason, in order.
  std::vector<std::pair<std::string, Reason>> plan;
  /// The results of this run's submissions (graded now or kept), in order.
  std::vector<SubmissionResult> results;
  /// Every result in the folder after the run (the gradebook's rows).
  std::vector<SubmissionResult> class_results;
};

/// Grades `submissions` of `lab` into `store`: submissions whose recorded
/// result has the same lab, submission digest and kit version are kept, the
/// rest graded (the progress callback says how many and why); each result
/// is saved as soon as it is done; then the class files are written for
/// every result in the folder.
BatchOutcome grade_batch(const Kit& kit, const Lab& lab, const std::vector<Submission>& submissions,
                         const ResultStore& store, const BatchOptions& options);

}  // namespace proctor
