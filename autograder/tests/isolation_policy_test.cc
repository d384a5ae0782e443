// Linked into process_bare_test only: on a machine below the kit's minimum
// isolation, grading a class is refused unless the instructor accepts less,
// and then every result says so.

#include <stdlib.h>

#include <catch2/catch.hpp>

#include "autograder/core/grade.h"
#include "autograder/core/process.h"
#include "autograder/core/report.h"

TEST_CASE("grading below the minimum isolation is refused unless accepted, and then reported") {
  REQUIRE_FALSE(proctor::isolation().below_minimum().empty());
  ::unsetenv(proctor::kAcceptWeakIsolationVariable);
  proctor::GradeOptions options;
  CHECK_THROWS_WITH(proctor::check_isolation(options),
                    Catch::Contains("refusing to grade") &&
                        Catch::Contains("no unprivileged account per run") &&
                        Catch::Contains("--accept-weak-isolation"));
  ::setenv(proctor::kAcceptWeakIsolationVariable, "yes", 1);  // Only "1" accepts.
  CHECK_THROWS(proctor::check_isolation(options));

  ::setenv(proctor::kAcceptWeakIsolationVariable, "1", 1);
  CHECK_THAT(proctor::check_isolation(options), Catch::Contains("less isolation"));
  ::unsetenv(proctor::kAcceptWeakIsolationVariable);
  options.accept_weak_isolation = true;
  const std::string warning = proctor::check_isolation(options);
  CHECK_THAT(warning, Catch::Contains("no unprivileged account per run"));

  proctor::SubmissionResult result;
  result.id = "alice";
  result.lab = "01_processes";
  result.isolation_warning = warning;
  CHECK_THAT(proctor::text_report(result), Catch::Contains("WARNING: graded with less isolation"));
  CHECK_THAT(proctor::class_summary({result}, ""),
             Catch::Contains("WARNING: 1 result(s) were graded with less isolation") &&
                 Catch::Contains("alice"));
  CHECK(proctor::gradescope_results(result)["extra_data"]["isolation_warning"] == warning);
  CHECK(proctor::from_record(proctor::to_record(result)).isolation_warning == warning);
}
