#pragma once

/// @file
/// @brief Reading Catch2 2.13's XML report of a single-test-case run.
/// @ingroup grader

#include <string>
#include <vector>

namespace proctor {

/// A test case the kit expects, from the skeleton build's `--proctor-list`.
struct TestCaseInfo {
  /// The exact Catch2 test case name.
  std::string name;
  /// Tags as written, lower-cased by Catch2: "[lab01][points=2][task3]".
  std::string tags;
  /// Task number from `[taskK]`; 0 if the tag is missing.
  int task = 0;
  /// Points from `[points=N]`; 0 if the tag is missing.
  double points = 0;
};

/// Parses `--proctor-list` output ("name<TAB>tags" lines).
/// @throws std::runtime_error on a malformed line or a test without
///         `[taskK]` and `[points=N]` tags.
std::vector<TestCaseInfo> parse_test_list(const std::string& listing);

/// What a Catch2 XML report says about one test case.
struct CaseVerdict {
  /// The report holds a finished result for the test case.
  bool found = false;
  /// Its OverallResult success attribute.
  bool success = false;
  /// Failed expressions, exceptions, fatal errors and captured info, in order.
  std::string messages;
  /// Why the report cannot be trusted, or empty. Set when the report is
  /// missing or cut short, holds more than one run (a forked child came back
  /// into the test runner) or names another test case.
  std::string problem;
};

/// Reads the report `xml` of a run of the single test case `name`.
CaseVerdict read_case_verdict(const std::string& xml, const std::string& name);

/// Escapes a test case name for Catch2's command-line test spec so it
/// matches exactly that name.
std::string escape_test_spec(const std::string& name);

}  // namespace proctor
