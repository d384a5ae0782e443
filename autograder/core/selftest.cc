#include "autograder/core/selftest.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "autograder/core/distribute.h"
#include "autograder/core/process.h"
#include "autograder/core/stage.h"


namespace proctor {

std::vector<Violation> check_invariant(const Kit& kit, const Lab& lab,
                                       const GradeOptions& base) {
  if (!lab.has_solution) {
    throw std::runtime_error("lab " + lab.id + " has no reference solution under solutions/");
  }
  std::vector<Violation> violations;
  for (const Config& config : lab.selftest_configs) {
    GradeOptions options = base;
    options.configs = {config};
    options.on_result = nullptr;
    // Ids with a leading '_' are reserved for the kit: no student id collides.
    const std::vector<Submission> sides{{"_reference", kit.root() / "solutions" / lab.id},
                                        {"_skeleton", lab.dir}};
    auto results = grade(kit, lab, sides, options);
    int checked = 0;
    for (const auto& result : results) {
      const bool reference = result.id == "_reference";
      const std::string side = reference ? "reference" : "skeleton";
      if (result.status != Status::graded) {
        violations.push_back({lab.id, config, side, "(build)", result.problem});
        continue;
      }
      for (const auto& test : result.tests) {
        if (test.runs == 0) continue;  // Not run in this configuration ([no_tsan]).
        ++checked;
        if (reference && !test.passed) {
          violations.push_back({lab.id, config, side, test.info.name, test.message});
        } else if (!reference && test.passed) {
          violations.push_back({lab.id, config, side, test.info.name, "passed on the skeleton"});
        }
      }
    }
    if (options.progress) options.progress("lab " + lab.id + " [" + config + "]: " + std::to_string(checked / 2) +
        " graded tests checked on reference and skeleton");
  }
  return violations;
}

namespace {

namespace fs = std::filesystem;

// Each copy of the kit has its own Bazel server; stop it when done with it.
void shut_down_bazel(const fs::path& workspace) {
  run_logged({"bazel", "shutdown"}, workspace, workspace.parent_path() / "bazel-shutdown.log");
}

}  // namespace

std::vector<std::string> check_release(const Kit& kit, const fs::path& scratch,
                                       const GradeOptions& options) {
  std::vector<std::string> problems;
  const fs::path out = scratch / "release";
  std::error_code ec;
  fs::remove_all(out, ec);
  release_kit(kit, out);
  for (auto it = fs::recursive_directory_iterator(out); it != fs::recursive_directory_iterator();
       ++it) {
    if (is_instructor_only(fs::relative(it->path(), out))) {
      problems.push_back("the release holds " + it->path().string());
    }
  }
  const Kit released(out);
  for (const Lab& lab : released.labs()) {
    if (lab.has_hidden_tests || lab.has_solution) {
      problems.push_back("lab " + lab.id + " of the release has hidden tests or a solution");
    }
    GradeOptions public_only = options;
    public_only.public_only = true;
    public_only.on_result = nullptr;
    auto results = grade(released, lab, {{"skeleton", lab.dir}}, public_only);
    const SubmissionResult& result = results.front();
    if (result.status != Status::graded || result.tests.empty()) {
      problems.push_back("lab " + lab.id + " does not build in the release: " + result.problem);
    }
    for (const auto& test : result.tests) {
      if (test.passed) problems.push_back("lab " + lab.id + ": '" + test.info.name +
                                          "' passes on the released skeleton");
    }
  }
  shut_down_bazel(out);
  return problems;
}

std::vector<std::string> check_gradescope(const Kit& kit, const Lab& lab, const fs::path& scratch) {
  std::vector<std::string> problems;
  const fs::path root = scratch / ("gradescope-" + lab.id);
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directories(root / "source");
  fs::create_directories(root / "submission");
  const fs::path zip = scratch / (lab.id + "-autograder.zip");
  export_gradescope(kit, lab, zip);
  unpack_archive(zip, root / "source", UnpackLimits{20000, 200u << 20, 10u << 20});
  for (const auto& file : lab.student_files) {
    const fs::path from = kit.root() / "solutions" / lab.id / file;
    if (fs::exists(from)) fs::copy_file(from, root / "submission" / file);
  }
  const fs::path log = root / "run_autograder.log";
  Exit ran = run_logged({"env", "AUTOGRADER_ROOT=" + root.string(),
                         (root / "source" / "run_autograder").string()},
                        root, log);
  shut_down_bazel(root / "source" / "kit");
  if (!ran.ok()) problems.push_back("run_autograder ended with " + ran.describe() + "; see " + log.string());
  std::ifstream in(root / "results" / "results.json");
  const auto results = nlohmann::json::parse(in, nullptr, false);
  if (results.is_discarded() || !results.contains("tests")) {
    problems.push_back("no valid results/results.json; see " + log.string());
    return problems;
  }
  double max_score = 0;
  for (const auto& test : results["tests"]) max_score += test.value("max_score", 0.0);
  if (results["tests"].empty() || results.value("score", -1.0) != max_score) {
    problems.push_back("the reference solution scored " + results["score"].dump() + " of " +
                       std::to_string(max_score) + " through run_autograder; see " + log.string());
  }
  return problems;
}

}  // namespace proctor
