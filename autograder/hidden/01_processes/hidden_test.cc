// Lab 01 hidden tests: the classic process bugs. Never shipped to students.
// Each test names the bug it catches in a comment.

#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <system_error>
#include <thread>
#include <utility>

#include "labs/01_processes/processes.h"
#include "testing/describe.h"
#include "testing/guard.h"

using namespace std::chrono_literals;
using testing::run_guarded;

namespace {

// A status in words: "an exit with code 3", "death by signal 15".
std::string told(const lab01::ExitStatus& s) {
  if (s.exited) return "an exit with code " + std::to_string(s.code);
  return "death by signal " + std::to_string(s.signal) + (s.core_dumped ? " with a core dump" : "");
}

lab01::ExitStatus exit_with(int code) { return {true, code, 0, false}; }

// The handout's names for the pitfalls these tests look for.
constexpr const char* kZombies = "pitfall: zombies left behind, on success and on every error path";
constexpr const char* kLeakedFds =
    "pitfall: file descriptors leaked after capture and pipeline, including failures";

// Every field, in words, for messages that say what was decoded.
std::string fields(const lab01::ExitStatus& s) {
  return "{exited " + std::string(s.exited ? "true" : "false") + ", code " +
         std::to_string(s.code) + ", signal " + std::to_string(s.signal) + ", core_dumped " +
         (s.core_dumped ? "true" : "false") + "}";
}

std::string big_input() {
  std::string data;
  for (int i = 0; data.size() < (1u << 20); ++i) data += "line " + std::to_string(i) + "\n";
  return data;
}

// True once `pid` is gone or only a zombie (its parent may be slow to reap).
bool dead(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z')
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

void on_alarm(int) {}

}  // namespace

// Bugs: the exit status is used raw (or only WEXITSTATUS is read), so a
// death by signal looks like an exit; fields the contract leaves at zero are
// filled (a code of 128 + signal, as a shell reports it); stopped or
// continued statuses are not rejected.
TEST_CASE("decode_status reports death by a signal and rejects a stopped status",
          "[lab01][task1][points=1]") {
  auto result = run_guarded([] {
    testing::Findings found;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::signal(SIGTERM, SIG_DFL);
      ::raise(SIGTERM);
      ::_exit(0);
    }
    int raw = 0;
    ::waitpid(pid, &raw, 0);
    const lab01::ExitStatus killed = lab01::decode_status(raw);
    found.expect(killed == lab01::ExitStatus{false, 0, SIGTERM, false},
                 "a child killed by SIGTERM should decode as {exited false, code 0, signal " +
                     std::to_string(SIGTERM) + ", core_dumped false}, but decoded as " +
                     fields(killed) +
                     " (the code is 0 unless the child exited; see the handout's pitfall: exit "
                     "statuses used raw instead of decoded)");
    const lab01::ExitStatus exited = lab01::decode_status(7 << 8);
    found.expect(exited == lab01::ExitStatus{true, 7, 0, false},
                 "an exit with code 7 should decode as {exited true, code 7, signal 0, "
                 "core_dumped false}, but decoded as " +
                     fields(exited));
    for (auto [what, status] :
         {std::pair<const char*, int>{"stopped", (SIGSTOP << 8) | 0x7f}, {"continued", 0xffff}}) {
      try {
        lab01::decode_status(status);
        found.expect(false, std::string("the ") + what +
                                " status should be rejected with std::invalid_argument (the "
                                "child has not terminated), but it was decoded");
      } catch (const std::invalid_argument&) {
      }
    }
    return found.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: an empty argument vector reaches execvp (undefined behaviour,
// usually a crash) instead of being rejected as a caller error; an exec
// failure reported with a guessed errno instead of the one exec failed with.
TEST_CASE("spawn and run reject an empty argument vector", "[lab01][task2][points=1]") {
  auto result = run_guarded([] {
    testing::Findings found;
    for (int i = 0; i < 2; ++i) {
      try {
        if (i == 0) lab01::spawn({});
        if (i == 1) lab01::run({});
        found.expect(false, std::string(i == 0 ? "spawn" : "run") +
                                "({}) should throw std::invalid_argument, but it returned");
      } catch (const std::invalid_argument&) {
      }
    }
    // A file that exists but may not be executed: exec fails with EACCES.
    char path[] = "/tmp/lab01-not-executable-XXXXXX";
    const int fd = ::mkstemp(path);
    ::close(fd);
    try {
      lab01::spawn({path});
      found.expect(false,
                   "spawn of a file without execute permission should throw SpawnError, "
                   "but it returned");
    } catch (const lab01::SpawnError& e) {
      found.expect(e.error() == EACCES,
                   "spawn of a file without execute permission should report the errno exec "
                   "failed with, EACCES (" +
                       std::to_string(EACCES) + "), but reported " + std::to_string(e.error()) +
                       " (" + std::strerror(e.error()) +
                       "): send the child's errno back to the parent, do not guess it");
    }
    ::unlink(path);
    found.expect(!testing::has_children(), "a child was left unreaped");
    return found.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bug: waitpid interrupted by a signal (EINTR) is treated as an error.
// Bug: a failed waitpid (ECHILD) turned into a made-up status.
TEST_CASE(
    "wait_for keeps waiting when a signal interrupts it, and reports a pid it cannot wait for",
    "[lab01][task2][points=1]") {
  auto result = run_guarded([] {
    struct sigaction action {};
    action.sa_handler = on_alarm;  // No SA_RESTART: waitpid fails with EINTR.
    ::sigaction(SIGALRM, &action, nullptr);
    itimerval every{{0, 5000}, {0, 5000}};
    ::setitimer(ITIMER_REAL, &every, nullptr);
    testing::Findings found;
    constexpr const char* kInterrupted =
        "pitfall: waitpid interrupted by a signal treated as an error";
    try {
      found.expect_equal(
          "the status of run({\"sleep\", \"0.3\"}) while a timer interrupts "
          "waitpid every 5 ms",
          told(lab01::run({"sleep", "0.3"})), told(exit_with(0)), kInterrupted);
    } catch (const std::exception& e) {
      found.expect(false, std::string("run({\"sleep\", \"0.3\"}) threw (") + e.what() +
                              ") while a timer interrupted waitpid every 5 ms: waitpid failing "
                              "with EINTR means wait again (" +
                              kInterrupted + ")");
    }
    itimerval off{};
    ::setitimer(ITIMER_REAL, &off, nullptr);
    // A pid that is not a child of ours: waitpid fails with ECHILD, which is
    // an error to report, not an exit to make up.
    try {
      const lab01::ExitStatus made_up = lab01::wait_for(::getpid());
      found.expect(false,
                   "wait_for(a pid that is not a child) should throw std::system_error "
                   "(ECHILD), but it returned " +
                       fields(made_up));
    } catch (const std::system_error& e) {
      found.expect_equal("the error of wait_for(a pid that is not a child)", e.code().value(),
                         ECHILD);
    }
    return found.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bug: the parent writes all input before reading any output; once both pipes
// are full, parent and child wait for each other forever.
TEST_CASE("capture moves a megabyte each way without deadlock", "[lab01][task3][points=1]") {
  auto result = run_guarded(
      [] {
        testing::Findings found;
        const std::string data = big_input();
        auto echoed = lab01::capture({"cat"}, data);
        found.expect_equal("the number of bytes captured from cat fed a megabyte",
                           echoed.out.size(), data.size());
        found.expect(echoed.out.size() != data.size() || echoed.out == data,
                     "the bytes captured from cat differ from the megabyte it was fed");
        found.expect_equal("cat's status", told(echoed.status), told(exit_with(0)));
        return found.report();
      },
      20s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bug: pipe ends are leaked in the parent (fd leak) or the child is not
// reaped, including when the program cannot be started.
// Bug: the child's standard error redirected into the captured output.
TEST_CASE("capture takes standard output only, and leaves no file descriptor open and no zombie",
          "[lab01][task3][points=1]") {
  auto result = run_guarded([] {
    testing::Findings found;
    int before = testing::count_open_fds();
    for (int i = 0; i < 20; ++i) lab01::capture({"echo", "x"}, "ignored input");
    try {
      lab01::capture({"/nonexistent/lab01-program"});
      found.expect(false,
                   "capture of a program that does not exist should throw SpawnError, "
                   "but it returned");
    } catch (const lab01::SpawnError&) {
    }
    found.expect_equal("the file descriptors left open by 21 calls of capture, one of them failed",
                       testing::count_open_fds() - before, 0, kLeakedFds);
    found.expect(!testing::has_children(),
                 std::string("a child of capture was left unreaped (") + kZombies + ")");
    const auto both = lab01::capture({"sh", "-c", "echo out; echo err >&2"});
    found.expect(both.out == "out\n",
                 "capture should take standard output only, but captured '" + both.out +
                     "' from a program that printed 'out' on standard output and 'err' on "
                     "standard error: leave the child's standard error where it was");
    return found.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bug: a write end of some pipe stays open in the parent or in another stage,
// so a reader never sees end of file and the pipeline hangs.
// Bug: the status of whichever stage was reaped last instead of the last
// stage's.
TEST_CASE("pipeline of cat stages carries a megabyte and ends with the last stage's status",
          "[lab01][task4][points=1]") {
  auto result = run_guarded(
      [] {
        testing::Findings found;
        const std::string data = big_input();
        auto r = lab01::pipeline({{"cat"}, {"cat"}, {"cat"}, {"cat"}}, data);
        found.expect(r.out == data,
                     "four cat stages fed a megabyte should give it back unchanged, but gave " +
                         std::to_string(r.out.size()) + " bytes" +
                         (r.out.size() == data.size() ? " that differ from it" : ""));
        found.expect_equal("the status of four cat stages", told(r.status), told(exit_with(0)));
        auto last = lab01::pipeline({{"true"}, {"sh", "-c", "cat >/dev/null; exit 5"}});
        found.expect_equal("the status of `true | (cat >/dev/null; exit 5)`", told(last.status),
                           told(exit_with(5)), "the pipeline's status is its last stage's");
        found.expect(!testing::has_children(),
                     std::string("a stage of a pipeline was left unreaped (") + kZombies + ")");
        // The last stage ends first, a second before the first stage: its
        // status is still the pipeline's.
        auto early = lab01::pipeline({{"sh", "-c", "sleep 1; exit 3"}, {"sh", "-c", "exit 6"}});
        found.expect_equal(
            "the status of a pipeline whose last stage exits 6 a second before the first stage "
            "exits 3",
            told(early.status), told(exit_with(6)),
            "it is the last stage's status, whichever stage ends last");
        return found.report();
      },
      20s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bug: a stage that cannot start leaves the earlier stages running, zombies
// behind, or pipe ends open.
TEST_CASE("pipeline with a missing program throws and cleans up", "[lab01][task4][points=1]") {
  auto result = run_guarded([] {
    testing::Findings found;
    int before = testing::count_open_fds();
    try {
      lab01::pipeline({{"cat"}, {"/nonexistent/lab01-program"}, {"cat"}}, "data\n");
      found.expect(false,
                   "a pipeline whose second stage does not exist should throw SpawnError, "
                   "but it returned");
    } catch (const lab01::SpawnError& e) {
      found.expect_equal("the error of the SpawnError for a stage that does not exist", e.error(),
                         ENOENT, "report the errno exec failed with");
    }
    try {
      lab01::pipeline({{"cat"}, {}});
      found.expect(false,
                   "a pipeline with an empty stage should throw std::invalid_argument, "
                   "but it returned");
    } catch (const std::invalid_argument&) {
    }
    found.expect_equal("the file descriptors left open by the two failed pipelines",
                       testing::count_open_fds() - before, 0, kLeakedFds);
    found.expect(!testing::has_children(),
                 std::string("a stage of a failed pipeline was left unreaped (") + kZombies + ")");
    return found.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: only the child is killed, not its process group, so its own
// children keep running after the deadline; a deadline that always waits the
// whole limit.
TEST_CASE("run_with_timeout kills the program's children too, and returns when the program ends",
          "[lab01][task5][points=1]") {
  char path[] = "/tmp/lab01-grandchild-XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  auto result = run_guarded(
      [&path] {
        testing::Findings found;
        std::string script = std::string("sleep 30 & echo $! > ") + path + "; wait";
        auto r = lab01::run_with_timeout({"sh", "-c", script}, 300ms);
        found.expect_equal("timed_out of a shell that waits 30 s for its child, given 300 ms",
                           r.timed_out, true);
        pid_t grandchild = 0;
        std::ifstream(path) >> grandchild;
        found.expect(grandchild > 0 && dead(grandchild),
                     "the shell's own child (sleep 30) was still running after the deadline: "
                     "kill the program's whole process group, not only the program");
        const auto start = std::chrono::steady_clock::now();
        const auto quick = lab01::run_with_timeout({"true"}, 30s);
        const auto took = std::chrono::steady_clock::now() - start;
        found.expect_equal("timed_out of `true` given 30 s", quick.timed_out, false);
        found.expect(
            took < 5s,
            "a program that ends at once kept run_with_timeout waiting " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(took).count()) +
                " s of its 30 s limit: return as soon as the program ends");
        return found.report();
      },
      40s);
  ::unlink(path);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bug: the destructor neither kills nor reaps, leaving a zombie or a running
// orphan (or waits for the program to finish on its own).
TEST_CASE("a Child destroyed while running is killed and reaped", "[lab01][task6][points=1]") {
  auto result = run_guarded([] {
    pid_t pid = -1;
    auto start = std::chrono::steady_clock::now();
    {
      lab01::Child child({"sleep", "30"});
      pid = child.pid();
    }
    auto took = std::chrono::steady_clock::now() - start;
    testing::Findings found;
    found.expect(pid > 0, "a Child started with sleep 30 gave pid " + std::to_string(pid));
    found.expect(
        took < 5s,
        "destroying a Child that runs sleep 30 took " +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(took).count()) +
            " s: the destructor kills the program, it does not wait for it "
            "to end on its own");
    found.expect(!testing::has_children(),
                 std::string("the destroyed Child's process was left a zombie (") + kZombies + ")");
    found.expect(pid <= 0 || ::kill(pid, 0) == -1,
                 "the destroyed Child's process still exists: kill it and reap it");
    return found.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: a moved-from Child still owns the process (double wait, double
// kill), move assignment drops the old process without reaping it, or a
// move loses the status of a child already waited for.
TEST_CASE("moving a Child transfers ownership exactly once", "[lab01][task6][points=1]") {
  auto result = run_guarded([] {
    testing::Findings found;
    lab01::Child a({"sh", "-c", "exit 4"});
    lab01::Child b(std::move(a));
    found.expect_equal("the pid of a moved-from Child", a.pid(), -1,
                       "the moved-from handle owns nothing");
    try {
      a.wait();
      found.expect(false,
                   "wait() on a moved-from Child should throw std::logic_error, but it "
                   "returned");
    } catch (const std::logic_error&) {
    }
    lab01::Child c({"sleep", "30"});
    c = std::move(b);
    found.expect_equal("the status waited for through a Child moved into another", told(c.wait()),
                       told(exit_with(4)));
    found.expect(
        !testing::has_children(),
        std::string("the process a move assignment replaced was left unreaped (") + kZombies + ")");
    // A handle that was waited for keeps its status when it moves.
    lab01::Child waited({"sh", "-c", "exit 3"});
    waited.wait();
    lab01::Child moved(std::move(waited));
    try {
      found.expect_equal("the status of a handle moved after its wait()", told(moved.wait()),
                         told(exit_with(3)), "the move must carry the reaped status along");
    } catch (const std::exception& e) {
      found.expect(false, std::string("wait() on a handle moved after its wait() threw (") +
                              e.what() + "): the move must carry the reaped status along");
    }
    return found.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: the child returns into the caller (the rest of the program runs
// twice), calls exit() and flushes a copy of the parent's stdio buffer (output
// printed twice), or lets an exception escape into the caller's code.
TEST_CASE("run_in_child ends the child with _exit and prints buffered output once",
          "[lab01][task7][points=1]") {
  auto result = run_guarded([] {
    int fds[2];
    if (::pipe(fds) != 0) return std::string("the test could not make a pipe");
    int saved = ::dup(STDOUT_FILENO);
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[1]);
    std::setvbuf(stdout, nullptr, _IOFBF, 4096);
    std::printf("buffered-marker\n");  // Deliberately not flushed.
    auto nine = lab01::run_in_child([] { return 9; });
    auto threw = lab01::run_in_child([]() -> int { throw std::runtime_error("boom"); });
    // A task that prints and flushes its own output: without a flush before
    // the fork, its stdio buffer still holds the parent's marker too.
    lab01::run_in_child([] {
      std::printf("from the child\n");
      std::fflush(stdout);
      return 0;
    });
    std::fflush(stdout);
    ::dup2(saved, STDOUT_FILENO);
    ::close(saved);
    std::string out;
    char buf[256];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    size_t copies = 0;
    for (size_t at = out.find("buffered-marker"); at != std::string::npos;
         at = out.find("buffered-marker", at + 1)) {
      ++copies;
    }
    testing::Findings found;
    found.expect_equal("the status of run_in_child of a task that returns 9", told(nine),
                       told(exit_with(9)));
    found.expect_equal("the status of run_in_child of a task that throws", told(threw),
                       told(exit_with(70)), "an exception ends the child with code 70");
    found.expect_equal("the copies of the parent's unflushed 'buffered-marker' line printed",
                       copies, std::size_t{1},
                       "pitfall: output printed twice because a child flushed a copy of the "
                       "parent's buffer");
    found.expect(!testing::has_children(),
                 std::string("a child of run_in_child was left unreaped (") + kZombies + ")");
    return found.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.deliveries == 1);
  REQUIRE(result.report == "ok");
}
