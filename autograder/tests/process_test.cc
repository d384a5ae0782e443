#include "autograder/core/process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <thread>

#include "autograder/tests/scratch.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A run folder and the limits of a run working in it.
struct Sandbox {
  Sandbox() {
    limits.cwd = folder.path();
    limits.env = {"PATH=/usr/bin:/bin", "HOME=" + folder.path().string()};
    limits.deadline = 5s;
  }
  proctor::RunFolder folder;
  proctor::Confinement limits;
};

}  // namespace

TEST_CASE("a confined run reports the exit code and the output") {
  Sandbox box;
  auto run = proctor::run_confined({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, box.limits);
  CHECK(run.exit.exited);
  CHECK(run.exit.code == 3);
  CHECK_FALSE(run.exit.ok());
  CHECK(run.output == "out\nerr\n");
}

TEST_CASE("a confined run that dies by a signal says which") {
  Sandbox box;
  auto run = proctor::run_confined({"/bin/sh", "-c", "kill -SEGV $$"}, box.limits);
  CHECK_FALSE(run.exit.exited);
  CHECK(run.exit.signal == SIGSEGV);
  CHECK_THAT(run.exit.describe(), Catch::Contains("signal 11"));
}

TEST_CASE("a confined run past its deadline is killed with its whole tree") {
  Sandbox box;
  auto limits = box.limits;
  limits.deadline = 300ms;
  const fs::path marker = box.folder.path() / "late";
  // The grandchild leaves the process group and session; it must die anyway.
  const std::string script =
      "setsid sh -c 'sleep 1; echo late > " + marker.string() + "' & sleep 100";
  auto start = std::chrono::steady_clock::now();
  auto run = proctor::run_confined({"/bin/sh", "-c", script}, limits);
  CHECK(run.exit.timed_out);
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  std::this_thread::sleep_for(1500ms);
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("background processes of a finished run do not outlive it") {
  Sandbox box;
  const fs::path marker = box.folder.path() / "late";
  const std::string script = "setsid sh -c 'sleep 1; echo late > " + marker.string() + "' & exit 0";
  auto run = proctor::run_confined({"/bin/sh", "-c", script}, box.limits);
  CHECK(run.exit.ok());
  std::this_thread::sleep_for(1500ms);
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("output beyond the cap is cut in the middle") {
  Sandbox box;
  auto limits = box.limits;
  limits.output_cap = 1000;
  auto run =
      proctor::run_confined({"/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x"}, limits);
  CHECK(run.exit.ok());
  CHECK(run.output.size() < 1100);
  CHECK_THAT(run.output, Catch::Contains("bytes of output cut"));
}

TEST_CASE("a program that cannot be executed ends with code 127") {
  Sandbox box;
  auto run = proctor::run_confined({"/nonexistent/binary"}, box.limits);
  CHECK(run.exit.exited);
  CHECK(run.exit.code == 127);
}

TEST_CASE("the environment is exactly the one given") {
  Sandbox box;
  auto run = proctor::run_confined({"/usr/bin/env"}, box.limits);
  CHECK(run.output.find("PATH=/usr/bin:/bin\n") != std::string::npos);
  CHECK(run.output.find("TEST_TMPDIR") == std::string::npos);
}

TEST_CASE("run_output returns standard output and fails on a non-zero exit") {
  CHECK(proctor::run_output({"/bin/echo", "hi"}, "/") == "hi\n");
  CHECK_THROWS_WITH(proctor::run_output({"/bin/false"}, "/"), Catch::Contains("exit code 1"));
}

TEST_CASE("a run inherits no descriptor of the grader's") {
  // Opened without close-on-exec, as a library might.
  const int leaked = ::dup2(STDOUT_FILENO, 37);
  REQUIRE(leaked == 37);
  auto run = proctor::run_confined(
      {"/bin/sh", "-c", "if [ -e /proc/self/fd/37 ]; then echo leaked; else echo none; fi"},
      Sandbox().limits);
  ::close(leaked);
  CHECK(run.output == "none\n");
}

TEST_CASE("a run reaches no network where the machine gives it a network namespace") {
  if (!proctor::isolation().network_namespace) {
    WARN("no network namespace here: " << proctor::isolation().describe());
    return;
  }
  // A listener on the grader's loopback: reachable from here, not from a run.
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 4) == 0);
  socklen_t size = sizeof address;
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size) == 0);
  const std::string port = std::to_string(ntohs(address.sin_port));
  const std::string probe = "if echo hi > /dev/tcp/127.0.0.1/" + port +
                            "; then echo reached; else echo blocked; fi 2>/dev/null";
  auto outside = proctor::run_output({"/bin/bash", "-c", probe}, "/");
  Sandbox box;
  auto inside = proctor::run_confined({"/bin/bash", "-c", probe}, box.limits);
  ::close(listener);
  CHECK(outside == "reached\n");
  CHECK(inside.output == "blocked\n");
}

TEST_CASE("what a run writes in its folder is there afterwards") {
  // The control for the tests above that expect a file not to appear.
  Sandbox box;
  const fs::path marker = box.folder.path() / "early";
  auto run =
      proctor::run_confined({"/bin/sh", "-c", "echo early > " + marker.string()}, box.limits);
  CHECK(run.exit.ok());
  CHECK(fs::exists(marker));
}

TEST_CASE("a run's /tmp, /var/tmp and /dev/shm are its own, where runs get a mount namespace") {
  if (!proctor::isolation().hides_paths) {
    WARN("runs share /tmp here: " << proctor::isolation().describe());
    return;
  }
  Sandbox box;
  const std::string mark = "process_test-scratch-" + std::to_string(::getpid());
  auto first = proctor::run_confined({"/bin/sh", "-c",
                                      "echo x > /tmp/" + mark + " && echo x > /dev/shm/" + mark +
                                          " && ls /var/tmp/" + mark + " && echo written"},
                                     box.limits);
  CHECK(first.output == "/var/tmp/" + mark + "\nwritten\n");  // One tmpfs, seen three times.
  CHECK_FALSE(fs::exists("/tmp/" + mark));
  CHECK_FALSE(fs::exists("/dev/shm/" + mark));
  auto second = proctor::run_confined(
      {"/bin/sh", "-c", "ls /tmp/" + mark + " /dev/shm/" + mark + " 2>/dev/null; echo end"},
      box.limits);
  CHECK(second.output == "end\n");
}

TEST_CASE("a run cannot keep more than its scratch space in /tmp or its folder") {
  // Five files of 60 MiB, each under the file size limit, in each place:
  // the fifth does not fit in 256 MiB.
  const std::string fill =
      "for i in 1 2 3 4 5; do head -c 60M /dev/zero > \"$0/f$i\" || { echo full at $i; exit 0; "
      "}; done; echo fits";
  Sandbox box;
  for (const std::string& place : {std::string("/tmp"), box.folder.path().string()}) {
    INFO(place);
    auto run = proctor::run_confined({"/bin/sh", "-c", fill, place}, box.limits);
    if (place == "/tmp" && !proctor::isolation().hides_paths) {
      WARN("no private /tmp here: " << proctor::isolation().describe());
      continue;
    }
    if (place != "/tmp" && (::geteuid() != 0 || !proctor::isolation().hides_paths)) {
      WARN("run folders are no tmpfs here: " << proctor::isolation().describe());
      continue;
    }
    CHECK_THAT(run.output, Catch::Contains("full at 5"));
  }
}

TEST_CASE("what a run's account leaves in /tmp, /dev/shm and System V IPC is removed after it") {
  if (!proctor::isolation().run_accounts) {
    WARN("no run accounts here: " << proctor::isolation().describe());
    return;
  }
  Sandbox box;
  const std::string mark = "process_test-leftover-" + std::to_string(::getpid());
  auto run = proctor::run_confined(
      {"/bin/sh", "-c",
       "mkdir /tmp/" + mark + " && echo x > /tmp/" + mark + "/file && { [ ! -w /dev/shm ] || " +
           "echo x > /dev/shm/" + mark + "-shm; } && ipcmk -M 4096 >/dev/null && ipcmk -Q " +
           ">/dev/null && echo written"},
      box.limits);
  CHECK(run.output == "written\n");
  CHECK_FALSE(fs::exists("/tmp/" + mark));
  CHECK_FALSE(fs::exists("/dev/shm/" + mark + "-shm"));
  // (/dev/shm may be closed to others, as in a bare chroot.) Nor a System V
  // segment or queue of any run account.
  for (const auto& leftover : proctor::run_account_leftovers()) {
    CHECK_THAT(leftover, !Catch::StartsWith("System V"));
  }
}

TEST_CASE("an account another grader holds, from another root, is neither used nor swept") {
  if (!proctor::isolation().run_accounts) {
    WARN("no run accounts here: " << proctor::isolation().describe());
    return;
  }
  // Another grader (as from a chroot sharing this kernel) holds the first
  // account, and a run of its is alive under it.
  const uid_t held = proctor::kFirstRunAccount;
  const int claim = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string name = "proctor-account-" + std::to_string(held);
  name.copy(address.sun_path + 1, sizeof address.sun_path - 2);
  const bool claimed =
      ::bind(claim, reinterpret_cast<const sockaddr*>(&address),
             static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())) == 0;
  if (!claimed) {
    ::close(claim);
    WARN("the first run account is in use by a grader running now; nothing to check");
    return;
  }
  const pid_t other_run = ::fork();
  if (other_run == 0) {
    if (::setgid(held) == 0 && ::setuid(held) == 0) ::execl("/bin/sleep", "sleep", "30", nullptr);
    ::_exit(1);
  }
  std::this_thread::sleep_for(100ms);
  Sandbox box;
  auto run = proctor::run_confined({"/usr/bin/id", "-u"}, box.limits);
  CHECK(run.output != std::to_string(held) + "\n");
  CHECK(::kill(other_run, 0) == 0);  // Its run is still alive.
  ::kill(other_run, SIGKILL);
  ::waitpid(other_run, nullptr, 0);
  ::close(claim);
}

TEST_CASE("a process that spins past its processor time is killed") {
  Sandbox box;
  box.limits.max_cpu_seconds = 1;
  box.limits.deadline = 20s;
  auto run = proctor::run_confined({"/bin/sh", "-c", "while :; do :; done"}, box.limits);
  CHECK_FALSE(run.exit.timed_out);
  CHECK((run.exit.signal == SIGXCPU || run.exit.signal == SIGKILL));
  CHECK(run.seconds < 10);
}

TEST_CASE("a run uses an unprivileged account of its own, where the grader is root") {
  if (!proctor::isolation().run_accounts) {
    WARN("no run accounts here: " << proctor::isolation().describe());
    return;
  }
  Sandbox box;
  auto run = proctor::run_confined(
      {"/bin/sh", "-c",
       "id -u; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status; "
       "if touch /etc/proctor-was-here 2>/dev/null; then echo wrote; else echo read-only; fi"},
      box.limits);
  const std::string uid = std::to_string(proctor::kFirstRunAccount);
  CHECK_THAT(run.output, Catch::StartsWith(uid.substr(0, 4)) &&
                             Catch::Contains("CapEff:\t0000000000000000") &&
                             Catch::Contains("NoNewPrivs:\t1") && Catch::EndsWith("read-only\n"));
  CHECK_FALSE(fs::exists("/etc/proctor-was-here"));
}

TEST_CASE("a fork bomb stops at the process limit and is killed whole") {
  if (!proctor::isolation().run_accounts && !proctor::isolation().pids_cgroup) {
    WARN("no process limit holds here: " << proctor::isolation().describe());
    return;
  }
  Sandbox box;
  auto limits = box.limits;
  limits.max_processes = 32;
  limits.deadline = 3s;
  // Each shell forks two more, forever, until forks fail; whether it dies
  // of that or of the deadline, nothing of it may be left behind.
  const auto start = std::chrono::steady_clock::now();
  auto run = proctor::run_confined({"/bin/sh", "-c", "b() { b & b & wait; }; b"}, limits);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK_THAT(run.output, Catch::Contains("fork"));  // "Cannot fork": the limit held.
  std::this_thread::sleep_for(200ms);
  if (proctor::isolation().run_accounts) {
    const std::string survivors =
        proctor::run_output({"/bin/sh", "-c",
                             "stat -c %u /proc/[0-9]* 2>/dev/null | awk '$1 >= " +
                                 std::to_string(proctor::kFirstRunAccount) + "' | wc -l"},
                            "/");
    CHECK(survivors == "0\n");
  }
}

TEST_CASE("a program the run's account cannot reach is run from its folder") {
  // A binary under a folder others cannot enter, as Bazel's output base is
  // under /root.
  const fs::path hidden = proctor::testing::scratch_dir("process_test", "hidden");
  fs::permissions(hidden, fs::perms::owner_all);
  fs::copy_file("/bin/echo", hidden / "echo");
  Sandbox box;
  auto run = proctor::run_confined({(hidden / "echo").string(), "reached"}, box.limits);
  CHECK(run.output == "reached\n");
}

TEST_CASE("what the grader hides is empty to a run, where runs get a mount namespace") {
  if (!proctor::isolation().hides_paths) {
    WARN("nothing is hidden here: " << proctor::isolation().describe());
    return;
  }
  // In the run's own folder, which it could read were they not hidden.
  Sandbox box;
  const fs::path top = box.folder.path() / "secrets";
  const fs::path secrets = top / "solutions";
  fs::create_directories(secrets);
  std::ofstream(secrets / "solution.cc") << "the answer\n";
  std::ofstream(top / "hidden_test.cc") << "the tests\n";
  const std::string script = "cat " + (secrets / "solution.cc").string() + " " +
                             (top / "hidden_test.cc").string() + "; ls -A " + secrets.string() +
                             "; echo end";
  auto limits = box.limits;
  auto control = proctor::run_confined({"/bin/sh", "-c", script}, limits);
  CHECK_THAT(control.output, Catch::Contains("the answer") && Catch::Contains("the tests"));
  // A path inside another hidden one (a submission under solutions/) too.
  limits.hide = {secrets, top / "hidden_test.cc", secrets / "solution.cc"};
  auto run = proctor::run_confined({"/bin/sh", "-c", script}, limits);
  CHECK_THAT(run.output, !Catch::Contains("the answer") && !Catch::Contains("the tests") &&
                             !Catch::Contains("solution.cc\n") && Catch::EndsWith("end\n"));
  // The program runs even when its own folder is hidden.
  fs::copy_file("/bin/echo", secrets / "echo");
  limits.hide = {secrets};
  auto echo = proctor::run_confined({(secrets / "echo").string(), "ran"}, limits);
  CHECK(echo.output == "ran\n");
  fs::remove_all(top);
}

TEST_CASE("a run is in a cgroup of its own that is killed whole, where there is cgroup v2") {
  if (!proctor::isolation().kill_cgroup) {
    WARN("no cgroup v2 kill here: " << proctor::isolation().describe());
    return;
  }
  Sandbox box;
  // Processes that fork on and on while the run ends: all gone after it.
  box.limits.deadline = 1s;
  auto run = proctor::run_confined(
      {"/bin/sh", "-c", "grep '^0::' /proc/self/cgroup; while :; do sleep 100 & sleep 0.02; done"},
      box.limits);
  CHECK(run.exit.timed_out);
  CHECK_THAT(run.output, Catch::Contains("0::/proctor-" + std::to_string(::getpid()) + "/run-"));
  if (proctor::isolation().run_accounts) {
    CHECK(proctor::live_processes_of(proctor::kFirstRunAccount, static_cast<uid_t>(-1)).empty());
  }
}

TEST_CASE("every isolation layer is listed, and a missing one says what a run can do") {
  proctor::Isolation none;
  const auto layers = none.layers();
  REQUIRE(layers.size() == 9);
  CHECK(layers.front().present);  // The process group is always there.
  for (std::size_t i = 1; i < layers.size(); ++i) {
    CHECK_FALSE(layers[i].present);
    CHECK_FALSE(layers[i].without.empty());
  }
  proctor::Isolation all;
  all.run_accounts = all.pid_namespace = all.network_namespace = all.hides_paths = all.pids_cgroup =
      all.memory_cgroup = all.kill_cgroup = all.seccomp = true;
  for (const auto& layer : all.layers()) {
    CHECK(layer.present);
    CHECK(layer.without.empty());
  }
  CHECK(all.has("hides_paths"));
  CHECK_FALSE(none.has("memory_cgroup"));
  CHECK_THROWS_WITH(none.has("hidden_paths"), Catch::Contains("no isolation layer"));
}

TEST_CASE("a run cannot mount, unmount or make namespaces, where the system call filter loads") {
  if (!proctor::isolation().seccomp) {
    WARN("no system call filter here: " << proctor::isolation().describe());
    return;
  }
  // The namespaces the grader's own account can make here (a user namespace
  // needs no privilege, but none can be made in a chroot; a mount or network
  // namespace needs root): the run may make none of them.
  const std::string attempts =
      "for how in -U -m -n; do unshare $how true 2>/dev/null && echo made $how; done; ";
  const std::string outside = proctor::run_output({"/bin/sh", "-c", attempts + "true"}, "/");
  if (outside.empty()) {
    WARN("the grader itself can make no namespace here, so a run's refusal proves nothing");
  } else {
    Sandbox box;
    auto run = proctor::run_confined(
        {"/bin/sh", "-c",
         attempts + "umount /proc 2>/dev/null && echo unmounted; mount -t tmpfs none /mnt "
                    "2>/dev/null && echo mounted; echo end"},
        box.limits);
    CHECK(run.output == "end\n");
  }
}

TEST_CASE("a run beyond its memory limit is killed and says so, where there is a memory cgroup") {
  if (!proctor::isolation().memory_cgroup) {
    WARN("no memory cgroup here: " << proctor::isolation().describe());
    return;
  }
  // 200 MiB written, not only reserved.
  const std::vector<std::string> hog = {"/usr/bin/python3", "-c", "x = b'x' * (200 << 20)"};
  Sandbox box;
  auto limits = box.limits;
  auto control = proctor::run_confined(hog, limits);
  CHECK(control.exit.ok());
  CHECK_FALSE(control.out_of_memory);
  limits.max_memory = 64 << 20;
  auto run = proctor::run_confined(hog, limits);
  CHECK_FALSE(run.exit.ok());
  CHECK(run.out_of_memory);
}

TEST_CASE("a run sees no cgroup it could change, where paths can be hidden") {
  if (!proctor::isolation().hides_paths) {
    WARN("nothing is hidden here: " << proctor::isolation().describe());
    return;
  }
  REQUIRE(fs::exists("/sys/fs/cgroup"));
  Sandbox box;
  auto run = proctor::run_confined({"/bin/sh", "-c", "ls -A /sys/fs/cgroup 2>/dev/null; echo end"},
                                   box.limits);
  CHECK(run.output == "end\n");
}
