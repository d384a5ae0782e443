#pragma once

/// @file
/// @brief The instructor's view of a graded class: `index.html` in the
/// results folder (score distribution, per-task and per-test figures, the
/// slowest tests, a sortable student table) and a `report.html` page per
/// student. Self-contained pages: inline SVG plots and styles, no network,
/// no framework; every text that comes from a submission is escaped.
/// @ingroup grader

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "autograder/core/result.h"

namespace proctor {

/// What `proctor similar` found for the class, shown and linked on the
/// class page when it was run into the results folder.
struct SimilarityLink {
  /// The similarity page, relative to the class page.
  std::string href;
  /// Pairs at or above the threshold.
  int suspicious = 0;
  /// The threshold, in percent.
  int threshold = 0;
  /// Submissions compared.
  int submissions = 0;
  /// When it ran, if it says.
  std::string when;
};

/// The folder `proctor similar` writes into by default, inside a lab's
/// results folder (no student id starts with '_').
inline constexpr char kSimilarityFolder[] = "_similarity";

/// The class page for `results` (one lab's): self-contained HTML.
/// `title` heads it ("Lab 01_processes: Processes ..."); `similarity`, when
/// given, is linked.
std::string class_page_html(const std::string& title, const std::vector<SubmissionResult>& results,
                            const std::optional<SimilarityLink>& similarity);

/// A student's page: per-task scores, failed tests with their messages, the
/// build error or why the submission was rejected, review notes, missing
/// and ignored files, and links to the other outputs beside it.
std::string student_page_html(const std::string& title, const SubmissionResult& result);

/// The histogram of scores, as an SVG element: one bar per point when the
/// maximum is at most 40 points, else 20 equal bins.
std::string score_histogram_svg(const std::vector<SubmissionResult>& results);

/// `text` safe inside HTML text and attribute values, control characters
/// made visible.
std::string html_escape(const std::string& text);

/// The start of a self-contained page, up to and including `<body>`: its
/// `title`, a `<style>` element, and a content security policy that lets
/// nothing load and no script run but the page's own inline one when
/// `script` (nothing works from file:// without a network either way).
std::string html_page_head(const std::string& title, const std::string& style, bool script);

/// Writes `index.html` into `dir` and `report.html` into each student's
/// folder `dir/<id>`, linking the similarity summary that `proctor similar`
/// left in `dir/_similarity` if there is one.
void write_class_pages(const std::filesystem::path& dir, const std::string& title,
                       const std::vector<SubmissionResult>& results);

}  // namespace proctor
