#include "autograder/core/process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "autograder/tests/scratch.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

proctor::Confinement limits_in(const fs::path& dir) {
  proctor::Confinement limits;
  fs::create_directories(dir);
  limits.cwd = dir;
  limits.env = {"PATH=/usr/bin:/bin", "HOME=" + dir.string()};
  limits.deadline = 5s;
  return limits;
}

fs::path scratch(const std::string& name) {
  return proctor::testing::scratch_dir("process_test", name);
}

}  // namespace

TEST_CASE("a confined run reports the exit code and the output") {
  auto run = proctor::run_confined({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"},
                                   limits_in(scratch("exit")));
  CHECK(run.exit.exited);
  CHECK(run.exit.code == 3);
  CHECK_FALSE(run.exit.ok());
  CHECK(run.output == "out\nerr\n");
}

TEST_CASE("a confined run that dies by a signal says which") {
  auto run = proctor::run_confined({"/bin/sh", "-c", "kill -SEGV $$"}, limits_in(scratch("sig")));
  CHECK_FALSE(run.exit.exited);
  CHECK(run.exit.signal == SIGSEGV);
  CHECK_THAT(run.exit.describe(), Catch::Contains("signal 11"));
}

TEST_CASE("a confined run past its deadline is killed with its whole tree") {
  const fs::path dir = scratch("deadline");
  auto limits = limits_in(dir);
  limits.deadline = 300ms;
  const fs::path marker = dir / "late";
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
  const fs::path dir = scratch("leftover");
  const fs::path marker = dir / "late";
  const std::string script = "setsid sh -c 'sleep 1; echo late > " + marker.string() + "' & exit 0";
  auto run = proctor::run_confined({"/bin/sh", "-c", script}, limits_in(dir));
  CHECK(run.exit.ok());
  std::this_thread::sleep_for(1500ms);
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("output beyond the cap is cut in the middle") {
  auto limits = limits_in(scratch("cap"));
  limits.output_cap = 1000;
  auto run =
      proctor::run_confined({"/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x"}, limits);
  CHECK(run.exit.ok());
  CHECK(run.output.size() < 1100);
  CHECK_THAT(run.output, Catch::Contains("bytes of output cut"));
}

TEST_CASE("a program that cannot be executed ends with code 127") {
  auto run = proctor::run_confined({"/nonexistent/binary"}, limits_in(scratch("missing")));
  CHECK(run.exit.exited);
  CHECK(run.exit.code == 127);
}

TEST_CASE("the environment is exactly the one given") {
  auto run = proctor::run_confined({"/usr/bin/env"}, limits_in(scratch("env")));
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
      limits_in(scratch("fds")));
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
  auto inside = proctor::run_confined({"/bin/bash", "-c", probe}, limits_in(scratch("net")));
  ::close(listener);
  CHECK(outside == "reached\n");
  CHECK(inside.output == "blocked\n");
}
