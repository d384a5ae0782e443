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
  /// Writes gradebook.csv, summary.txt and the class pages (index.html and
  /// each student's report.html, see write_class_pages) for every result
  /// recorded here;
  /// the summary names results graded against a kit other than
  /// `kit_version`. @return The results written.
  std::vector<SubmissionResult> write_class_files(const std::string& kit_version) const;
  /// Writes the class pages alone again (after `proctor similar` wrote the
  /// similarity report into this folder, which the class page links).
  void write_class_pages() const;

 private:
  std::filesystem::path dir_;
  std::string lab_;
  /// "Lab 01_processes: Processes: create, wait, reap", heading the pages.
  std::string title_;
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

/// One part of a class split among machines or cluster tasks: part `index`
/// (from 1) of `count`.
struct Shard {
  int index = 1;
  int count = 1;
};

/// Reads "I/N" (1 <= I <= N <= 10000), as `--shard` takes it.
/// @throws std::invalid_argument saying what is wrong with `text`.
Shard parse_shard(const std::string& text);

/// The part a student belongs to: SHA-256 of the id, modulo the count.
/// Depends on the id alone, so a student stays in the same part when others
/// join or leave the class, and every machine computes the same split.
int shard_of(const std::string& id, int count);

/// The submissions of `shard`, in their order.
std::vector<Submission> in_shard(const std::vector<Submission>& submissions, const Shard& shard);

/// Records in `store` that it holds part `shard` of a class: which
/// students the part has (so that merge_shards can tell a part whose grading
/// was interrupted), and the kit version it is graded against.
/// @throws std::runtime_error if the folder holds another part, or results
///         of a whole class.
void record_shard(const ResultStore& store, const Shard& shard,
                  const std::vector<Submission>& submissions, const std::string& kit_version);

/// What merge_shards did.
struct Merged {
  /// Students in the merged folder.
  std::size_t students = 0;
  /// The parts' count (N of `--shard I/N`).
  int parts = 0;
  /// The lab of the parts.
  std::string lab;
};

/// The lab whose results `dir` holds (its grades.json).
/// @throws std::runtime_error if `dir` is not a results folder.
std::string results_lab(const std::filesystem::path& dir);

/// Joins the results folders of every part of a sharded class of `lab` into `out`:
/// each student's folder copied as it is, then gradebook.csv and
/// summary.txt written as one grade of the whole class writes them. `out`
/// must be new, empty, or an earlier merge (which is replaced).
/// @throws std::runtime_error (nothing written) if a folder is not a part,
///         parts are of different labs, counts or kit versions, a part is
///         missing or given twice, a student is in two parts, or a part lacks
///         a result of a student it was given (its grading was interrupted:
///         grade it again with the same command).
Merged merge_shards(const Lab& lab, const std::filesystem::path& out,
                    const std::vector<std::filesystem::path>& parts);

/// How a class is graded into a results folder.
struct BatchOptions {
  /// How each submission is graded.
  GradeOptions grading;
  /// Grade every submission again, whatever is recorded.
  bool regrade = false;
  /// Grade only this part of the class (see in_shard), recorded in the
  /// folder for merge_shards.
  std::optional<Shard> shard;
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
/// every result in the folder. With a shard, only its part of
/// `submissions` is graded, and the folder records it (record_shard) first.
BatchOutcome grade_batch(const Kit& kit, const Lab& lab, const std::vector<Submission>& submissions,
                         const ResultStore& store, const BatchOptions& options);

}  // namespace proctor
