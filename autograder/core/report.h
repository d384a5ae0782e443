#pragma once

/// @file
/// @brief Grade outputs: Gradescope results.json, JUnit XML, readable report,
/// task table, class gradebook CSV and summary.
/// @ingroup grader

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograder/core/result.h"

namespace proctor {

/// Points earned and available for one task of a submission.
struct TaskScore {
  int task = 0;
  double score = 0;
  double max_score = 0;
  int tests = 0;
  int passed = 0;
};

/// Every task number any of `results` has a test in, in order.
std::vector<int> class_tasks(const std::vector<SubmissionResult>& results);

/// The median of `values` (0 for none).
double median(std::vector<double> values);

/// A test's number within the report: "TASK.N", its N-th test of that task.
std::string test_number(const SubmissionResult& result, std::size_t index);

/// Per-task subtotals, in task order.
std::vector<TaskScore> task_scores(const SubmissionResult& result);

/// Points earned on `task` among `scores` (0 for a task with no test there).
double score_on_task(const std::vector<TaskScore>& scores, int task);

/// Gradescope's results.json for one submission. Public tests are
/// `visible`; hidden tests are `after_due_date` with short messages.
nlohmann::json gradescope_results(const SubmissionResult& result);

/// A JUnit XML document with one testcase per graded test case.
std::string junit_xml(const SubmissionResult& result);

/// The readable report: status, per-task subtotals, failed tests with their
/// messages, ignored files, and a last line `Score: N/M`.
std::string text_report(const SubmissionResult& result);

/// The per-task table printed by `check` and `demo`, ending in `Score: N/M`.
std::string task_table(const SubmissionResult& result);

/// One CSV row per student: id, a column per task, total, max, status.
std::string gradebook_csv(const std::vector<SubmissionResult>& results);

/// Class summary: count, mean, median, status counts, per-test pass rates,
/// and the students whose result was graded against a kit version other than
/// `kit_version` (when it is not empty).
std::string class_summary(const std::vector<SubmissionResult>& results,
                          const std::string& kit_version = "");

/// The class table printed by `grade` and `demo`: one row per submission, a
/// column per task, score and status.
std::string class_table(const std::vector<SubmissionResult>& results);

/// `text` with control characters (terminal escapes, carriage returns, and
/// newlines unless `keep_newlines`) written as `\xNN`: what a submission
/// put in a file name or its output, safe to show a person.
std::string visible(const std::string& text, bool keep_newlines = true);

/// A score without a useless ".0": "14", "2.5".
std::string format_points(double points);

/// Writes report.txt, junit.xml, results.json and, last, the kit's own
/// record result.json into `dir`, each atomically: a submission whose
/// result.json exists has all four.
void write_submission_outputs(const SubmissionResult& result, const std::filesystem::path& dir);

}  // namespace proctor
