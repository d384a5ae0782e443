"""The targets every lab defines, so each lab's BUILD file stays one call."""

load("@rules_cc//cc:defs.bzl", "cc_library", "cc_test")
load("//bazel:copts.bzl", "KIT_COPTS")

def lab(name, hdrs, srcs, public_tests):
    """Defines a lab's contract, student library, public tests and test binary.

    Targets, for `name = "processes"`:
      :processes_header   the contract header(s), shared by stub and solution
      :processes_stub     the student's sources (the skeleton as shipped)
      :processes          the stub, or the reference solution under
                          `--config=solution`
      :public_tests       the public test cases, compiled once, linked into
                          every build of this lab (also the grader's)
      :public_test        `bazel test` entry for the public tests (manual: on
                          the skeleton it fails by design)

    Args:
      name: the library's name, also the solution target's name in
        //solutions/<lab folder>.
      hdrs: the contract headers.
      srcs: the files students edit (the lab manifest lists the same files).
      public_tests: the public test sources.
    """
    lab_dir = native.package_name().split("/")[-1]
    cc_library(
        name = name + "_header",
        hdrs = hdrs,
        visibility = ["//visibility:public"],
    )
    cc_library(
        name = name + "_stub",
        srcs = srcs,
        copts = KIT_COPTS,
        deps = [":" + name + "_header"],
    )
    native.alias(
        name = name,
        actual = select({
            "//:use_solution": "//solutions/%s:%s" % (lab_dir, name),
            "//conditions:default": ":" + name + "_stub",
        }),
        visibility = ["//visibility:public"],
    )
    cc_library(
        name = "public_tests",
        srcs = public_tests,
        copts = KIT_COPTS,
        visibility = ["//visibility:public"],
        deps = [
            ":" + name + "_header",
            "//testing:guard",
            "@catch2",
        ],
        alwayslink = True,
    )
    cc_test(
        name = "public_test",
        size = "small",
        tags = ["manual"],
        deps = [
            ":" + name,
            ":public_tests",
            "//testing:catch_main",
        ],
    )

def lab_solution(name, srcs):
    """Defines a lab's reference implementation of its contract.

    Args:
      name: the lab library's name (as given to lab()).
      srcs: the reference sources, the same file names as the student's.
    """
    lab_dir = native.package_name().split("/")[-1]
    cc_library(
        name = name,
        srcs = srcs,
        copts = KIT_COPTS,
        visibility = ["//visibility:public"],
        deps = ["//labs/%s:%s_header" % (lab_dir, name)],
    )

def hidden_tests(name, srcs, deps = [], linkopts = []):
    """Defines a lab's hidden tests: the library the grader links, and a
    manual `bazel test` entry against the lab library (add --config=solution).

    Args:
      name: the lab library's name (as given to lab()).
      srcs: the hidden test sources.
      deps: extra dependencies of the tests.
      linkopts: options for the link of every test binary the tests are in
        (the student's objects included), such as `-Wl,--wrap=NAME`.
    """
    lab_dir = native.package_name().split("/")[-1]
    cc_library(
        name = "hidden_tests",
        srcs = srcs,
        copts = KIT_COPTS,
        linkopts = linkopts,
        visibility = ["//visibility:public"],
        deps = deps + [
            "//labs/%s:%s_header" % (lab_dir, name),
            "//testing:guard",
            "@catch2",
        ],
        alwayslink = True,
    )
    cc_test(
        name = "hidden_test",
        size = "small",
        # Linked like the grader's binaries: the linkopts reach every object.
        linkstatic = True,
        tags = ["manual"],
        deps = [
            ":hidden_tests",
            "//labs/%s:%s" % (lab_dir, name),
            "//testing:catch_main",
        ],
    )
