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
using testing::join;
using testing::run_guarded;

namespace {

std::string show(const lab01::ExitStatus& s) {
  return s.exited ? join("exited", s.code) : join("signal", s.signal);
}

}  // namespace

TEST_CASE("decode_status reports a normal exit and its exit code", "[lab01][task1][points=1]") {
  auto result = run_guarded([] {
    std::string seen;
    for (int code : {0, 42, 255}) {
      pid_t pid = ::fork();
      if (pid == 0) ::_exit(code);
      int raw = 0;
      ::waitpid(pid, &raw, 0);
      seen += show(lab01::decode_status(raw)) + ";";
    }
    return seen;
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "exited 0;exited 42;exited 255;");
}

TEST_CASE("run starts a program, waits for it and returns its exit code",
          "[lab01][task2][points=1]") {
  auto result = run_guarded([] {
    // [run]
    auto ok = lab01::run({"true"});                   // exited, code 0
    auto three = lab01::run({"sh", "-c", "exit 3"});  // exited, code 3
    // [run]
    return join(show(ok), ok.success(), show(three), three.success(),
                testing::has_children());
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "exited 0 1 exited 3 0 0");
}

TEST_CASE("spawn of a missing program throws SpawnError with ENOENT and leaves no child",
          "[lab01][task2][points=1]") {
  auto result = run_guarded([] {
    try {
      lab01::spawn({"/nonexistent/lab01-program"});
      return std::string("no exception");
    } catch (const lab01::SpawnError& e) {
      return join("SpawnError", e.error() == ENOENT, testing::has_children());
    }
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "SpawnError 1 0");
}

TEST_CASE("capture returns what the child printed", "[lab01][task3][points=1]") {
  auto result = run_guarded([] {
    auto hello = lab01::capture({"echo", "hello"});
    auto upper = lab01::capture({"tr", "a-z", "A-Z"}, "abc");
    return join(hello.out == "hello\n", show(hello.status), upper.out);
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 exited 0 ABC");
}

TEST_CASE("pipeline connects each stage to the next", "[lab01][task4][points=1]") {
  auto result = run_guarded([] {
    auto sorted = lab01::pipeline({{"printf", "b\\na\\nb\\n"}, {"sort"}, {"uniq"}});
    auto edited = lab01::pipeline({{"tr", "a-z", "A-Z"}, {"sed", "s/B/-/"}}, "abc\n");
    return join(sorted.out == "a\nb\n", edited.out == "A-C\n", show(edited.status));
  });
  CAPTURE(result.how_it_ended, result.report);
  REQUIRE(result.report == "1 1 exited 0");
}

TEST_CASE("run_with_timeout returns the status of a program that ends in time",
          "[lab01][task5][points=1]") {
  auto result = run_guarded([] {
    auto r = lab01::run_with_timeout({"sh", "-c", "exit 2"}, 5000ms);
    return join(r.timed_out, show(r.status));
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "0 exited 2");
}

TEST_CASE("run_with_timeout kills a program that runs past its limit",
          "[lab01][task5][points=1]") {
  auto result = run_guarded([] {
    auto start = std::chrono::steady_clock::now();
    auto r = lab01::run_with_timeout({"sleep", "30"}, 200ms);
    auto took = std::chrono::steady_clock::now() - start;
    return join(r.timed_out, show(r.status), took < 5s, testing::has_children());
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == join(1, "signal", SIGKILL, 1, 0));
}

TEST_CASE("Child::wait reaps the child and returns the same status twice",
          "[lab01][task6][points=1]") {
  auto result = run_guarded([] {
    lab01::Child child({"sh", "-c", "exit 7"});
    bool has_pid = child.pid() > 0;
    auto first = child.wait();
    auto second = child.wait();
    return join(has_pid, show(first), show(second), testing::has_children());
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 exited 7 exited 7 0");
}

TEST_CASE("a child's write to its copy of a variable is not seen by the parent",
          "[lab01][task7][points=1]") {
  auto result = run_guarded([] {
    auto r = lab01::run_isolation_experiment(1, 2);
    auto s = lab01::run_isolation_experiment(-5, 99);
    return join(r.child_saw, r.parent_saw, s.child_saw, s.parent_saw, testing::has_children());
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "2 1 99 -5 0");
}
