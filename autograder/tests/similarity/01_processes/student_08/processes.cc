// Lab 01 (tasks 1-3 done; the rest not yet).

#include "labs/01_processes/processes.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <stdexcept>

namespace lab01 {

ExitStatus decode_status(int wait_status) {
  ExitStatus decoded;
  decoded.exited = WIFEXITED(wait_status);
  decoded.code = decoded.exited ? WEXITSTATUS(wait_status) : 0;
  if (!decoded.exited) {
    decoded.signal = WTERMSIG(wait_status);
    decoded.core_dumped = (wait_status & 0x80) != 0;
  }
  return decoded;
}

// waitid() tells how the child ended in a siginfo; rebuild the status word
// from it so that decode_status does the decoding in one place.
ExitStatus wait_for(pid_t pid) {
  siginfo_t info{};
  for (;;) {
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED) == 0) break;
    if (errno != EINTR) throw std::runtime_error("waitid failed");
  }
  int word = 0;
  if (info.si_code == CLD_EXITED) {
    word = (info.si_status & 0xff) << 8;
  } else {
    word = info.si_status & 0x7f;
    if (info.si_code == CLD_DUMPED) word |= 0x80;
  }
  return decode_status(word);
}

using Fds = std::array<int, 2>;

static Fds open_pipe() {
  Fds ends{};
  if (pipe2(ends.data(), O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  return ends;
}

static pid_t start_program(const std::vector<std::string>& argv, const Fds* stdin_pipe,
                           const Fds* stdout_pipe) {
  if (argv.empty()) throw std::invalid_argument("no program given");
  Fds notify = open_pipe();
  pid_t pid = fork();
  if (pid == -1) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (stdin_pipe) dup2((*stdin_pipe)[0], 0);
    if (stdout_pipe) dup2((*stdout_pipe)[1], 1);
    std::vector<char*> vec;
    for (auto const& a : argv) vec.push_back(const_cast<char*>(a.data()));
    vec.push_back(nullptr);
    execvp(vec[0], vec.data());
    int saved = errno;
    (void)!write(notify[1], &saved, sizeof saved);
    _exit(127);
  }
  close(notify[1]);
  int saved = 0;
  ssize_t count;
  while ((count = read(notify[0], &saved, sizeof saved)) < 0 && errno == EINTR) {
  }
  close(notify[0]);
  if (count > 0) {
    (void)wait_for(pid);
    throw SpawnError(argv[0], saved);
  }
  return pid;
}

pid_t spawn(const std::vector<std::string>& argv) { return start_program(argv, nullptr, nullptr); }

ExitStatus run(const std::vector<std::string>& argv) { return wait_for(spawn(argv)); }

// The parent forks once more: the copy writes the input and exits, the
// parent reads. A child that stops reading early gets EPIPE in the copy.
Captured capture(const std::vector<std::string>& argv, const std::string& input) {
  Fds in = open_pipe(), out = open_pipe();
  pid_t program = start_program(argv, &in, &out);
  close(in[0]);
  close(out[1]);
  pid_t feeder = fork();
  if (feeder == 0) {
    signal(SIGPIPE, SIG_DFL);
    const char* p = input.data();
    std::size_t left = input.size();
    while (left > 0) {
      ssize_t n = write(in[1], p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) _exit(0);
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    _exit(0);
  }
  close(in[1]);
  Captured r;
  std::array<char, 4096> part{};
  for (;;) {
    ssize_t n = read(out[0], part.data(), part.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    r.out.append(part.data(), static_cast<std::size_t>(n));
  }
  close(out[0]);
  (void)wait_for(feeder);
  r.status = wait_for(program);
  return r;
}

Captured pipeline(const std::vector<std::vector<std::string>>& stages, const std::string& input) {
  // TODO(student): Task 4.
  (void)stages;
  (void)input;
  throw std::logic_error("not implemented: pipeline");
}

TimedResult run_with_timeout(const std::vector<std::string>& argv,
                             std::chrono::milliseconds limit) {
  // TODO(student): Task 5.
  (void)argv;
  (void)limit;
  throw std::logic_error("not implemented: run_with_timeout");
}

Child::Child(const std::vector<std::string>& argv) {
  // TODO(student): Task 6.
  (void)argv;
  throw std::logic_error("not implemented: Child::Child");
}

Child::Child(Child&& other) noexcept {
  // TODO(student): Task 6.
  (void)other;
}

Child& Child::operator=(Child&& other) noexcept {
  // TODO(student): Task 6.
  (void)other;
  return *this;
}

Child::~Child() {
  // TODO(student): Task 6.
}

ExitStatus Child::wait() {
  // TODO(student): Task 6.
  throw std::logic_error("not implemented: Child::wait");
}

void Child::kill(int signal) {
  // TODO(student): Task 6.
  (void)signal;
  throw std::logic_error("not implemented: Child::kill");
}

ExitStatus run_in_child(const std::function<int()>& task) {
  // TODO(student): Task 7.
  (void)task;
  throw std::logic_error("not implemented: run_in_child");
}

IsolationReport run_isolation_experiment(int before, int child_writes) {
  // TODO(student): Task 7.
  (void)before;
  (void)child_writes;
  throw std::logic_error("not implemented: run_isolation_experiment");
}

}  // namespace lab01
