#include "autograder/core/selftest.h"

#include <stdexcept>


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

}  // namespace proctor
