// The one Catch2 main shared by every test binary in the kit, compiled once.
//
// Under `bazel test` the console reporter writes to the test's log, which
// Bazel shows for a failing test (`--test_output=errors`) and `proctor
// selftest` prints; Bazel writes its own test.xml. The grader always passes
// its own `-r xml -o FILE` and a cleared environment.
//
// When the grader runs a test it sets PROCTOR_REPORT_FD: the descriptor of
// a sealable memory file, empty and unsealed when main starts, that Catch2
// writes its report to (`-o /dev/fd/N`). Once the session is over, main
// seals the file against any further write and leaves with _exit(), so no
// destructor, atexit handler or process the test left behind can rewrite the
// report; the grader trusts only a sealed one.
//
// `--proctor-list` prints every registered test case as one line
// "name<TAB>tags" and exits: the grader reads it from a build that links only
// kit code (the skeleton), so the list of expected test cases never comes from
// a submission.

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

namespace {

// The exit code of a run whose report channel was tampered with.
constexpr int kTampered = 97;

int run_for_grader(int argc, char** argv, int report_fd) {
  struct stat st {};
  if (::fstat(report_fd, &st) != 0 || st.st_size != 0 || ::fcntl(report_fd, F_GET_SEALS) != 0) {
    std::fprintf(stderr, "proctor: the report channel was written to before the tests started\n");
    ::_exit(kTampered);
  }
  int result = 0;
  {
    Catch::Session session;
    result = session.run(argc, argv);
  }  // The session's report stream is closed here.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  if (::fcntl(report_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) !=
      0) {
    std::fprintf(stderr, "proctor: the report could not be sealed (it was tampered with)\n");
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
  if (const char* fd = std::getenv("PROCTOR_REPORT_FD"))
    return run_for_grader(argc, argv, std::atoi(fd));
  return Catch::Session().run(argc, argv);
}
