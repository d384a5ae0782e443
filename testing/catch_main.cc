// The one Catch2 main shared by every test binary in the kit, compiled once.
//
// Under `bazel test` the console reporter writes to the test's log, which
// Bazel shows for a failing test (`--test_output=errors`) and `proctor
// selftest` prints; Bazel writes its own test.xml. The grader always passes
// its own `-r xml -o FILE` and a cleared environment.
//
// When the grader runs a test it sets PROCTOR_REPORT_FD: the descriptor of
// a sealable memory file, empty and unsealed when main starts. Catch2 then
// writes its report into this process's memory (Catch::cout() below), not to
// any file a thread or a child of the test could reach while the tests run.
// Once the session is over, a child forked for the purpose (it has one
// thread, no student thread survives a fork) writes the report to the memory
// file, seals it against any further write and reads it back; a mismatch
// means something else wrote to the file meanwhile. Main then leaves with
// _exit(), so no destructor or atexit handler runs after the tests. The
// grader trusts only a sealed report, and an exit status of
// report_channel::kTampered says the channel was tampered with.
//
// `--proctor-list` prints every registered test case as one line
// "name<TAB>tags" and exits: the grader reads it from a build that links only
// kit code (the skeleton), so the list of expected test cases never comes from
// a submission.

#define CATCH_CONFIG_RUNNER
// Where Catch2's reporters write when no -o is given: see Catch::cout().
#define CATCH_CONFIG_NOSTDOUT
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>

#include "testing/report_channel.h"

namespace {

// The console, or the in-memory report of a graded run.
std::ostream* reporter_out = &std::cout;

}  // namespace

namespace Catch {
std::ostream& cout() { return *reporter_out; }
std::ostream& cerr() { return std::cerr; }
std::ostream& clog() { return std::clog; }
}  // namespace Catch

namespace {

using proctor::report_channel::kTampered;

bool untouched(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && st.st_size == 0 && ::fcntl(fd, F_GET_SEALS) == 0;
}

bool write_at_start(int fd, const std::string& data) {
  for (std::size_t done = 0; done < data.size();) {
    const ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool holds_exactly(int fd, const std::string& data) {
  std::string found(data.size() + 1, '\0');
  std::size_t done = 0;
  while (done < found.size()) {
    const ssize_t n = ::pread(fd, found.data() + done, found.size() - done, done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done == data.size() && found.compare(0, done, data) == 0;
}

// Writes, seals and checks the report from a child with one thread and
// memory no other process of the run may read or write.
bool deliver(int fd, const std::string& report) {
  const pid_t writer = ::fork();
  if (writer < 0) return false;
  if (writer == 0) {
    ::prctl(PR_SET_DUMPABLE, 0);
    const bool ok =
        untouched(fd) && write_at_start(fd, report) &&
        ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0 &&
        holds_exactly(fd, report);
    ::_exit(ok ? 0 : kTampered);
  }
  int status = 0;
  while (::waitpid(writer, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int run_for_grader(int argc, char** argv, int report_fd) {
  // No other process of the run may read or write this one's memory through
  // /proc/PID/mem or ptrace: a test's guarded child (see guard.h) runs the
  // student's code and would otherwise reach the harness that judges it.
  ::prctl(PR_SET_DUMPABLE, 0);
  if (!untouched(report_fd)) {
    std::fprintf(stderr, "%s channel was written to before the tests started\n",
                 proctor::report_channel::kTamperedMessage);
    ::_exit(kTampered);
  }
  std::ostringstream report;
  reporter_out = &report;
  int result = 0;
  {
    Catch::Session session;
    result = session.run(argc, argv);
  }  // The session's report stream is flushed here.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  if (!deliver(report_fd, report.str())) {
    std::fprintf(stderr,
                 "%s could not be delivered: something else wrote to its "
                 "channel, or no process could be started to write it\n",
                 proctor::report_channel::kTamperedMessage);
    ::_exit(kTampered);
  }
  ::_exit(result);
}

int list_test_cases() {
  for (const Catch::TestCase& test : Catch::getRegistryHub().getTestCaseRegistry().getAllTests()) {
    std::string tags;
    for (const std::string& tag : test.getTestCaseInfo().tags) tags += "[" + tag + "]";
    std::printf("%s\t%s\n", test.getTestCaseInfo().name.c_str(), tags.c_str());
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--proctor-list") return list_test_cases();
  if (const char* fd = std::getenv(proctor::report_channel::kDescriptorVariable))
    return run_for_grader(argc, argv, std::atoi(fd));
  return Catch::Session().run(argc, argv);
}
