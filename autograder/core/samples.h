#pragma once

/// @file
/// @brief Bundled sample submissions (for `demo`) and their golden results
/// (for `selftest`).
/// @ingroup grader
///
/// Samples live in `autograder/samples/<lab>/samples.json`. Each is the
/// reference solution or the skeleton ("base") with a patch applied (one
/// classic bug each) and extra files laid beside it ("extra"), a folder, or
/// an archive. Golden results live in
/// `autograder/tests/golden/<lab>/<name>.json`.

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograder/core/grade.h"
#include "autograder/core/lab.h"

namespace proctor {

/// One bundled sample, ready to grade.
struct Sample {
  std::string name;
  /// One line on what the sample shows.
  std::string about;
  /// The outcome it must have, in words (the adversarial corpus says it).
  std::string expect;
  /// Isolation layers that outcome needs (Isolation's field names, for
  /// example "hides_paths"); without one, it is not held to its golden file.
  std::vector<std::string> needs;
  /// A correct solution (the reference, or one written differently): it
  /// must keep full marks, also graded on a machine with every core busy.
  bool correct = false;
  /// Tests whose outcome the sample's bug leaves to the machine (the mean
  /// of timed samples lies outside their 10th to 90th percentile only when
  /// one of them is far off): their status and points are not pinned.
  std::vector<std::string> unsettled;
  Submission submission;
};

/// Which bundled submissions: the demo's samples (one classic bug each) or
/// the adversarial corpus (one attack on the grader each), kept in
/// `autograder/corpus/<lab>/corpus.json` in the same format.
enum class SampleSet { demo, corpus };

/// Builds every sample of `lab` in `set` under `.proctor/samples/<lab>/`
/// (`.proctor/corpus/<lab>/`) and returns them in manifest order; none when
/// the lab has no such manifest or no solution (a student kit). Each
/// `@NAME@` in a patch becomes `placeholders[NAME]`.
/// @throws std::runtime_error if a patch does not apply or names a
///         placeholder it is not given.
std::vector<Sample> materialize_samples(
    const Kit& kit, const Lab& lab, SampleSet set = SampleSet::demo,
    const std::map<std::string, std::string>& placeholders = {});

/// The fields of a result that golden files pin: status, score, ignored
/// files and per test name, status, score, max_score and visibility. A test
/// named in `unsettled` keeps its name, max_score and visibility; its status
/// reads "unsettled", and its points count neither in its score (null) nor
/// in the total.
nlohmann::json golden_view(const SubmissionResult& result,
                           const std::vector<std::string>& unsettled = {});

/// Where the golden file of sample `name` of `lab` lives
/// (`autograder/tests/golden/<lab>/`, or `.../golden/corpus/<lab>/`).
std::filesystem::path golden_path(const Kit& kit, const Lab& lab, const std::string& name,
                                  SampleSet set = SampleSet::demo);

/// Field-by-field differences between `expected` and `actual` golden views,
/// one line each, empty when they agree.
std::vector<std::string> golden_differences(const nlohmann::json& expected,
                                            const nlohmann::json& actual);

}  // namespace proctor
