// Lab 01 (tasks 1-3 done; the rest not yet).

#include "labs/01_processes/processes.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace lab01 {

ExitStatus decode_status(int wait_status) {
  ExitStatus status;
  if (WIFEXITED(wait_status)) {
    status.exited = true;
    status.code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    status.signal = WTERMSIG(wait_status);
    status.core_dumped = WCOREDUMP(wait_status);
  }
  return status;
}

pid_t spawn(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("spawn: empty argv");
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category());
  pid_t pid = fork();
  if (pid < 0) {
    close(report[0]);
    close(report[1]);
    throw std::system_error(errno, std::generic_category(), "fork");
  }
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    int error = errno;
    (void)!write(report[1], &error, sizeof error);
    _exit(127);
  }
  close(report[1]);
  int error = 0;
  ssize_t got;
  do {
    got = read(report[0], &error, sizeof error);
  } while (got < 0 && errno == EINTR);
  close(report[0]);
  if (got == sizeof error) {
    wait_for(pid);
    throw SpawnError(argv[0], error);
  }
  return pid;
}

ExitStatus wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "waitpid");
  }
  return decode_status(status);
}

ExitStatus run(const std::vector<std::string>& argv) { return wait_for(spawn(argv)); }

Captured capture(const std::vector<std::string>& argv, const std::string& input) {
  int to_child[2], from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category());
  if (pipe2(from_child, O_CLOEXEC) != 0) {
    close(to_child[0]);
    close(to_child[1]);
    throw std::system_error(errno, std::generic_category());
  }
  int saved_in = dup(0), saved_out = dup(1);
  dup2(to_child[0], 0);
  dup2(from_child[1], 1);
  pid_t pid;
  try {
    pid = spawn(argv);
  } catch (...) {
    dup2(saved_in, 0);
    dup2(saved_out, 1);
    close(saved_in);
    close(saved_out);
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) close(fd);
    throw;
  }
  dup2(saved_in, 0);
  dup2(saved_out, 1);
  close(saved_in);
  close(saved_out);
  close(to_child[0]);
  close(from_child[1]);
  fcntl(to_child[1], F_SETFL, O_NONBLOCK);
  Captured result;
  std::size_t sent = 0;
  if (input.empty()) {
    close(to_child[1]);
    to_child[1] = -1;
  }
  char buffer[4096];
  while (true) {
    pollfd fds[2] = {{from_child[0], POLLIN, 0}, {to_child[1], POLLOUT, 0}};
    int n = poll(fds, to_child[1] >= 0 ? 2 : 1, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (to_child[1] >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = write(to_child[1], input.data() + sent, input.size() - sent);
      if (w > 0) sent += w;
      if (w < 0 && errno != EAGAIN && errno != EINTR) sent = input.size();
      if (sent == input.size()) {
        close(to_child[1]);
        to_child[1] = -1;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      ssize_t r = read(from_child[0], buffer, sizeof buffer);
      if (r > 0) {
        result.out.append(buffer, r);
      } else if (r == 0 || errno != EINTR) {
        break;
      }
    }
  }
  if (to_child[1] >= 0) close(to_child[1]);
  close(from_child[0]);
  result.status = wait_for(pid);
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
