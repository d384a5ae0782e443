#pragma once

/// @file
/// @brief Code similarity between the submissions of a class: Debian's
/// similarity-tester (`sim_c++`) compares every pair after what every
/// student was given (the skeleton and the contract) has been taken out,
/// MOSS's "base file" idea; the pairs above a threshold get a page showing
/// the matching regions side by side.
/// @ingroup grader

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "autograder/core/batch.h"
#include "autograder/core/lab.h"

namespace proctor {

/// Lines every student got: each non-blank line of `texts` with its
/// whitespace collapsed. Lines of only punctuation (`}`, `};`, `{`) are left
/// out: they carry nothing of the skeleton, and taking them from a
/// submission would only cut its matching runs short.
std::set<std::string> base_lines(const std::vector<std::string>& texts);

/// `text` with each line found in `base` (whitespace collapsed) blanked:
/// what a student wrote beyond what they were given, on the same lines.
std::string strip_base(const std::string& text, const std::set<std::string>& base);

/// One line of `sim_c++ -p`: `from` consists for `percent` % of `of` material.
struct SimPercentage {
  std::string from;
  std::string of;
  int percent = 0;
};

/// Parses the percentage lines of `sim_c++ -p` output; other lines are skipped.
std::vector<SimPercentage> parse_sim_percentages(const std::string& output);

/// A run of matching tokens between two files, from `sim_c++ -n`.
struct SimRun {
  std::string left;
  int left_first = 0;
  int left_last = 0;
  std::string right;
  int right_first = 0;
  int right_last = 0;
  int tokens = 0;
};

/// Parses the run lines of `sim_c++ -n` output
/// (`a.cc: line 3-40 |b.cc: line 9-46 [180]`); other lines are skipped.
std::vector<SimRun> parse_sim_runs(const std::string& output);

/// Two submissions and how much of each is the other's material.
struct SimilarPair {
  std::string first;
  std::string second;
  /// Percent of `first`'s own code found in `second`, and the reverse.
  int first_in_second = 0;
  int second_in_first = 0;
  /// The larger of the two: a small submission copied whole into a larger
  /// one scores high.
  int score() const { return std::max(first_in_second, second_in_first); }
};

/// What to compare and where the report goes.
struct SimilarityOptions {
  /// Pairs scoring at least this many percent are suspicious: ranked first,
  /// with a page each.
  int threshold = 50;
  /// The report folder (`index.html`, `pairs.csv`, `summary.json`, `pairs/`).
  std::filesystem::path out;
};

/// The comparison of a class.
struct SimilarityReport {
  /// Submissions compared, in id order.
  std::vector<std::string> compared;
  /// Submissions left out, and why (nothing of their own beyond the
  /// skeleton, could not be opened).
  std::vector<std::pair<std::string, std::string>> left_out;
  /// Every pair found sharing code, highest score first: for each
  /// submission, those holding its material (sim_c++ against all at once),
  /// and every pair within a small group.
  std::vector<SimilarPair> pairs;
  /// Pairs at or above the threshold.
  int suspicious = 0;
  /// Submissions linked by pairs at or above the threshold, largest group
  /// first, each in id order.
  std::vector<std::vector<std::string>> groups;
  /// Wall time of the comparison (opening the submissions, sim_c++, pages).
  double seconds = 0;
  /// When it ran ("2026-11-27 21:30 UTC"): a report can be older than the
  /// grades beside it.
  std::string when;
};

/// Compares the submissions of `lab` pairwise and writes the report into
/// `options.out` (replacing what a previous run wrote there): a ranked
/// table, a side-by-side page per suspicious pair, `pairs.csv` with every
/// pair, `summary.json`. Unpacks archives under `scratch`.
/// @throws std::runtime_error if sim_c++ is missing or fails, or fewer than
///         two submissions have code of their own.
SimilarityReport compare_submissions(const Lab& lab, const std::vector<Submission>& submissions,
                                     const SimilarityOptions& options,
                                     const std::filesystem::path& scratch);

}  // namespace proctor
