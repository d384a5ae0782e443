/// @file
/// @brief The contract between the grader and the shared Catch2 main about
/// where a graded run's report goes and what its exit status says about it.
///
/// The grader passes a sealable memory file as descriptor kDescriptor and
/// names it in the environment variable kDescriptorVariable. The harness
/// (testing/catch_main.cc) keeps its report in its own memory while the tests
/// run, then writes it from a single-threaded child process, seals the file
/// and reads it back. A run that ends with kTampered had its report channel
/// written to by something other than the harness.
#pragma once

namespace proctor::report_channel {

/// Environment variable that holds the report descriptor's number.
inline constexpr char kDescriptorVariable[] = "PROCTOR_REPORT_FD";

/// The descriptor number the grader passes the report file as.
inline constexpr int kDescriptor = 3;

/// How the harness's own words on standard error begin when it ends a run
/// with kTampered (a test merely exiting with that code does not say it).
inline constexpr char kTamperedMessage[] = "proctor: the report";

/// Exit status of a harness whose report channel was written to, or
/// sealed, by anything but the harness, or that could not write it.
inline constexpr int kTampered = 97;

}  // namespace proctor::report_channel
