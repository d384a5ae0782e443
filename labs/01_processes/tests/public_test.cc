// Lab 01 public tests. Every test runs the code under test in a guard child
// (testing/guard.h) so a broken submission fails the test instead of
// damaging the test runner. Tags: [lab01][taskK][points=N].

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>

#include "labs/01_processes/processes.h"
#include "testing/describe.h"
#include "testing/guard.h"

using namespace std::chrono_literals;
using testing::Findings;
using testing::join;
using testing::run_guarded;

namespace {

std::string show(const lab01::ExitStatus& s) {
  return s.exited ? join("exited", s.code) : join("signal", s.signal);
}

// The sentence every test adds when a child is left behind.
void expect_no_children(Findings& findings, const std::string& after) {
  findings.expect(!testing::has_children(),
                  "expected no child left unreaped after " + after +
                      ", but one was (pitfall: a child that is never waited for)");
}

}  // namespace

TEST_CASE("decode_status reports a normal exit and its exit code", "[lab01][task1][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    for (int code : {0, 42, 255}) {
      pid_t pid = ::fork();
      if (pid == 0) ::_exit(code);
      int raw = 0;
      ::waitpid(pid, &raw, 0);
      findings.expect_equal(
          "the decoded status of a child that called _exit(" + std::to_string(code) + ")",
          show(lab01::decode_status(raw)), join("exited", code));
    }
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("run starts a program, waits for it and returns its exit code",
          "[lab01][task2][points=1]") {
  auto result = run_guarded([] {
    // [run]
    auto ok = lab01::run({"true"});                   // exited, code 0
    auto three = lab01::run({"sh", "-c", "exit 3"});  // exited, code 3
    // [run]
    Findings findings;
    findings.expect_equal("run({\"true\"})", show(ok), "exited 0");
    findings.expect_equal("run({\"true\"}).success()", ok.success(), true);
    findings.expect_equal("run({\"sh\", \"-c\", \"exit 3\"})", show(three), "exited 3");
    findings.expect_equal("run({\"sh\", \"-c\", \"exit 3\"}).success()", three.success(), false);
    expect_no_children(findings, "run returned");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("spawn of a missing program throws SpawnError with ENOENT and leaves no child",
          "[lab01][task2][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    try {
      lab01::spawn({"/nonexistent/lab01-program"});
      findings.expect(false,
                      "expected spawn of a missing program to throw SpawnError, but it returned "
                      "(pitfall: the exec failure must reach the parent, not only the child)");
    } catch (const lab01::SpawnError& e) {
      findings.expect_equal("the SpawnError's error()", e.error(), ENOENT,
                            "the errno the failed exec set, ENOENT, not a guess");
    }
    expect_no_children(findings, "spawn threw");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("capture returns what the child printed", "[lab01][task3][points=1]") {
  auto result = run_guarded([] {
    auto hello = lab01::capture({"echo", "hello"});
    auto upper = lab01::capture({"tr", "a-z", "A-Z"}, "abc");
    Findings findings;
    findings.expect_equal("what capture({\"echo\", \"hello\"}) captured", hello.out, "hello\n");
    findings.expect_equal("its status", show(hello.status), "exited 0");
    findings.expect_equal("what capture({\"tr\", \"a-z\", \"A-Z\"}, \"abc\") captured", upper.out,
                          "ABC", "the input must reach the child's standard input");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("pipeline connects each stage to the next", "[lab01][task4][points=1]") {
  auto result = run_guarded([] {
    auto sorted = lab01::pipeline({{"printf", "b\\na\\nb\\n"}, {"sort"}, {"uniq"}});
    auto edited = lab01::pipeline({{"tr", "a-z", "A-Z"}, {"sed", "s/B/-/"}}, "abc\n");
    Findings findings;
    findings.expect_equal("the output of printf | sort | uniq", sorted.out, "a\nb\n",
                          "each stage's output must be the next stage's input");
    findings.expect_equal("the output of tr a-z A-Z | sed s/B/-/ fed \"abc\"", edited.out, "A-C\n");
    findings.expect_equal("that pipeline's status", show(edited.status), "exited 0");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("run_with_timeout returns the status of a program that ends in time",
          "[lab01][task5][points=1]") {
  auto result = run_guarded([] {
    auto r = lab01::run_with_timeout({"sh", "-c", "exit 2"}, 5000ms);
    Findings findings;
    findings.expect_equal("timed_out for a program that ends at once", r.timed_out, false);
    findings.expect_equal("its status", show(r.status), "exited 2");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("run_with_timeout kills a program that runs past its limit", "[lab01][task5][points=1]") {
  auto result = run_guarded([] {
    auto start = std::chrono::steady_clock::now();
    auto r = lab01::run_with_timeout({"sleep", "30"}, 200ms);
    auto took = std::chrono::steady_clock::now() - start;
    Findings findings;
    findings.expect_equal("timed_out for sleep 30 with a limit of 200 ms", r.timed_out, true);
    findings.expect_equal("its status", show(r.status), join("signal", SIGKILL));
    findings.expect(
        took < 5s,
        "expected run_with_timeout to return soon after the 200 ms limit, "
        "but it took " +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(took).count()) + " s");
    expect_no_children(findings, "run_with_timeout returned");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("Child::wait reaps the child and returns the same status twice",
          "[lab01][task6][points=1]") {
  auto result = run_guarded([] {
    lab01::Child child({"sh", "-c", "exit 7"});
    bool has_pid = child.pid() > 0;
    auto first = child.wait();
    auto second = child.wait();
    Findings findings;
    findings.expect(has_pid, "expected a started Child to have a pid above 0");
    findings.expect_equal("the first wait()", show(first), "exited 7");
    findings.expect_equal("the second wait()", show(second), "exited 7",
                          "the status is kept: a child is reaped once, never twice");
    expect_no_children(findings, "wait()");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("a child's write to its copy of a variable is not seen by the parent",
          "[lab01][task7][points=1]") {
  auto result = run_guarded([] {
    auto r = lab01::run_isolation_experiment(1, 2);
    auto s = lab01::run_isolation_experiment(-5, 99);
    Findings findings;
    findings.expect_equal("child_saw of run_isolation_experiment(1, 2)", r.child_saw, 2);
    findings.expect_equal("its parent_saw", r.parent_saw, 1,
                          "the child writes its own copy: the parent's stays as it was");
    findings.expect_equal("child_saw of run_isolation_experiment(-5, 99)", s.child_saw, 99);
    findings.expect_equal("its parent_saw", s.parent_saw, -5);
    expect_no_children(findings, "the experiment");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}
