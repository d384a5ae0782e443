// ResidentAtFork sees what a fork() finds resident, whatever the timing:
// touched memory, memory only mapped, and calls that are not fork().

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "testing/guard.h"

namespace {

constexpr long kMiB = 1024;  // in KiB

// Maps 64 MiB, touches it if asked, forks a child that exits at once, and
// returns what the watch saw as resident above the start, in KiB.
long added_at_fork(bool touch, int& forks) {
  const long before = testing::resident_kib();
  const std::size_t size = 64UL << 20;
  void* memory = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(memory != MAP_FAILED);
  if (touch) std::memset(memory, 1, size);
  long added = -1;
  {
    const testing::ResidentAtFork watch;
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    REQUIRE(pid > 0);
    ::waitpid(pid, nullptr, 0);
    forks = watch.forks();
    if (watch.largest_kib() >= 0) added = watch.largest_kib() - before;
  }
  ::munmap(memory, size);
  return added;
}

}  // namespace

TEST_CASE("resident memory is read from /proc/self/statm") {
  const long before = testing::resident_kib();
  REQUIRE(before > 0);
  const std::size_t size = 32UL << 20;
  char* memory = static_cast<char*>(
      ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  REQUIRE(memory != MAP_FAILED);
  std::memset(memory, 1, size);
  CHECK(testing::resident_kib() - before >= 31 * kMiB);
  ::munmap(memory, size);
}

TEST_CASE("a fork after touching memory finds it resident") {
  int forks = 0;
  CHECK(added_at_fork(true, forks) >= 63 * kMiB);
  CHECK(forks == 1);
}

TEST_CASE("a fork after only mapping memory finds none of it resident") {
  int forks = 0;
  CHECK(added_at_fork(false, forks) < 8 * kMiB);
  CHECK(forks == 1);
}

TEST_CASE("vfork is not seen, and a new watch starts from nothing") {
  {
    const testing::ResidentAtFork watch;
    const pid_t pid = ::vfork();
    if (pid == 0) ::_exit(0);
    REQUIRE(pid > 0);
    ::waitpid(pid, nullptr, 0);
    CHECK(watch.forks() == 0);
    CHECK(watch.largest_kib() == -1);
  }
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  const testing::ResidentAtFork later;
  CHECK(later.forks() == 0);
}
