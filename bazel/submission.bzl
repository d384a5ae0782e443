"""The package of one staged submission: the grader writes a BUILD file that
makes a single call to submission(), so the target names and compiler options
of graded code are known in this one place."""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library")
load("//bazel:copts.bzl", "STUDENT_COPTS")

def submission(lab, library, srcs, hidden_tests):
    """Links one submission's sources against the kit's tests.

    Targets:
      :impl          the submission's sources (alwayslink: the tests are
                     linked first and need its symbols)
      :public_test   with the lab's public tests and the shared Catch2 main
      :hidden_test   with the lab's hidden tests (when `hidden_tests`)

    Args:
      lab: the lab folder, for example "01_processes".
      library: the lab's library name (lab.json's "library").
      srcs: the submission's .cc and .h files (written answers are not code).
      hidden_tests: whether the kit holds hidden tests for this lab.
    """
    cc_library(
        name = "impl",
        srcs = srcs,
        copts = STUDENT_COPTS,
        tags = ["manual"],
        deps = ["//labs/%s:%s_header" % (lab, library)],
        alwayslink = True,
    )
    binaries = {"public_test": "//labs/%s:public_tests" % lab}
    if hidden_tests:
        binaries["hidden_test"] = "//autograder/hidden/%s:hidden_tests" % lab
    for name, tests in binaries.items():
        cc_binary(
            name = name,
            tags = ["manual"],
            deps = [
                ":impl",
                tests,
                "//testing:catch_main",
            ],
        )
