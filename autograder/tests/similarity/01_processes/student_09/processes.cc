// Lab 01 (tasks 1-3 done; the rest not yet).

#include "labs/01_processes/processes.h"

#include <sys/socket.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace lab01 {

ExitStatus decode_status(int st) {
  ExitStatus r;
  if (WIFEXITED(st)) {
    r.exited = true, r.code = WEXITSTATUS(st);
  } else {
    r.exited = false, r.signal = WTERMSIG(st), r.core_dumped = WCOREDUMP(st);
  }
  return r;
}

ExitStatus wait_for(pid_t pid) {
  int st = 0;
  pid_t w = waitpid(pid, &st, 0);
  while (w == -1 && errno == EINTR) w = waitpid(pid, &st, 0);
  if (w == -1) throw std::runtime_error("could not wait for child");
  return decode_status(st);
}

// vfork: the child borrows our memory until it execs or exits, so it can
// leave exec's errno in a variable of ours.
static pid_t vfork_exec(const std::vector<std::string>& argv, int io_fd) {
  if (argv.empty()) throw std::invalid_argument("spawn() needs argv[0]");
  std::vector<char*> cargs;
  for (const std::string& a : argv) cargs.push_back(const_cast<char*>(a.c_str()));
  cargs.push_back(nullptr);
  volatile int exec_errno = 0;
  pid_t pid = vfork();
  if (pid < 0) throw std::runtime_error("vfork failed");
  if (pid == 0) {
    if (io_fd >= 0) {
      dup2(io_fd, STDIN_FILENO);
      dup2(io_fd, STDOUT_FILENO);
    }
    execvp(cargs[0], cargs.data());
    exec_errno = errno;
    _exit(127);
  }
  if (exec_errno != 0) {
    wait_for(pid);
    throw SpawnError(argv[0], exec_errno);
  }
  return pid;
}

pid_t spawn(const std::vector<std::string>& argv) { return vfork_exec(argv, -1); }

ExitStatus run(const std::vector<std::string>& argv) {
  const pid_t child = spawn(argv);
  return wait_for(child);
}

// One socket pair carries both directions; shutdown(SHUT_WR) is the child's
// end of input.
Captured capture(const std::vector<std::string>& argv, const std::string& input) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
    throw std::runtime_error("socketpair failed");
  }
  pid_t child;
  try {
    child = vfork_exec(argv, sv[1]);
  } catch (...) {
    close(sv[0]);
    close(sv[1]);
    throw;
  }
  close(sv[1]);
  Captured result;
  size_t fed = 0;
  bool writing = true;
  if (input.empty()) {
    shutdown(sv[0], SHUT_WR);
    writing = false;
  }
  char buf[4096];
  for (;;) {
    struct pollfd p = {sv[0], static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0};
    if (poll(&p, 1, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (writing && (p.revents & POLLOUT)) {
      ssize_t n = send(sv[0], input.data() + fed, input.size() - fed, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) fed += n;
      if (fed == input.size() || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        shutdown(sv[0], SHUT_WR);
        writing = false;
      }
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = recv(sv[0], buf, sizeof buf, 0);
      if (n > 0) {
        result.out.append(buf, n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      break;
    }
  }
  close(sv[0]);
  result.status = wait_for(child);
  return result;
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
