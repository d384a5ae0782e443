// The process limit of a cgroup on its own: every layer but the cgroups,
// the PID and mount namespace and the system call filter is turned off
// before the tests run, so runs use the grader's own account (root here,
// whom RLIMIT_NPROC does not stop) and only a pids cgroup can hold them.
// Whichever hierarchy holds the controller (version 1, or version 2 where
// the machine has moved it there) is exercised. (The memory cgroup, which
// no account limits, is exercised by process_test.)

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "autograder/core/process.h"
#include "autograder/tests/scratch.h"

using namespace std::chrono_literals;

namespace {

const bool cgroups_only = [] {
  proctor::Isolation at_most;
  at_most.pid_namespace = at_most.hides_paths = at_most.network_namespace = true;
  at_most.pids_cgroup = at_most.memory_cgroup = at_most.kill_cgroup = true;
  at_most.seccomp = true;
  proctor::restrict_isolation(at_most);
  return true;
}();

// How many of 64 children a run could fork, each sleeping a second.
int children_forked(int max_processes) {
  proctor::RunFolder folder;
  proctor::Confinement limits;
  limits.cwd = folder.path();
  limits.env = {"PATH=/usr/bin:/bin", "HOME=" + folder.path().string()};
  limits.deadline = 10s;
  limits.max_processes = max_processes;
  const auto run = proctor::run_confined({"/usr/bin/python3", "-c",
                                          "import os, time\n"
                                          "forked = 0\n"
                                          "for _ in range(64):\n"
                                          "    try:\n"
                                          "        if os.fork() == 0:\n"
                                          "            time.sleep(1)\n"
                                          "            os._exit(0)\n"
                                          "        forked += 1\n"
                                          "    except OSError:\n"
                                          "        pass\n"
                                          "print(forked, flush=True)\n"},
                                         limits);
  INFO(run.output);
  REQUIRE(run.exit.ok());
  return std::stoi(run.output);
}

}  // namespace

TEST_CASE("a pids cgroup alone caps a run's processes, also for root") {
  if (!proctor::isolation().pids_cgroup) {
    WARN("no pids cgroup here: " << proctor::isolation().describe());
    return;
  }
  INFO(proctor::isolation().describe());
  CHECK(proctor::isolation().run_accounts == false);
  // Control: with room for all, root forks all 64.
  CHECK(children_forked(200) == 64);
  // The run's init and python count too: fewer than 16 children.
  const int capped = children_forked(16);
  CHECK(capped > 0);
  CHECK(capped < 16);
}
