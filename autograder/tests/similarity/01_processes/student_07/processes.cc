// Lab 01 (tasks 1-3 done; the rest not yet).

#include "labs/01_processes/processes.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace lab01 {

namespace {

// Closes a descriptor unless it is already closed (-1), and marks it closed.
void close_fd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

std::system_error os_error(const char* call) {
  return std::system_error(errno, std::generic_category(), call);
}

// In the child: never returns. Reports exec's errno on `report_fd`.
[[noreturn]] void exec_child(const std::vector<std::string>& argv, int stdin_fd, int stdout_fd,
                             int report_fd) {
  if (stdin_fd >= 0) ::dup2(stdin_fd, STDIN_FILENO);
  if (stdout_fd >= 0) ::dup2(stdout_fd, STDOUT_FILENO);
  std::vector<char*> words;
  for (const auto& word : argv) words.push_back(const_cast<char*>(word.c_str()));
  words.push_back(nullptr);
  ::execvp(words[0], words.data());
  const int error = errno;
  ssize_t ignored = ::write(report_fd, &error, sizeof error);
  (void)ignored;
  ::_exit(127);
}

// In the parent: 0 if the exec succeeded, else the child's errno.
int read_exec_error(int report_fd) {
  int error = 0;
  ssize_t got = 0;
  do {
    got = ::read(report_fd, &error, sizeof error);
  } while (got < 0 && errno == EINTR);
  return got == static_cast<ssize_t>(sizeof error) ? error : 0;
}

pid_t spawn_redirected(const std::vector<std::string>& argv, int stdin_fd, int stdout_fd) {
  if (argv.empty()) throw std::invalid_argument("spawn: argv is empty");
  int report[2];
  if (::pipe2(report, O_CLOEXEC) < 0) throw os_error("pipe2");
  const pid_t pid = ::fork();
  if (pid < 0) {
    const auto error = os_error("fork");
    close_fd(report[0]);
    close_fd(report[1]);
    throw error;
  }
  if (pid == 0) exec_child(argv, stdin_fd, stdout_fd, report[1]);
  close_fd(report[1]);
  const int error = read_exec_error(report[0]);
  close_fd(report[0]);
  if (error != 0) {
    wait_for(pid);
    throw SpawnError(argv[0], error);
  }
  return pid;
}

}  // namespace

ExitStatus decode_status(int wait_status) {
  ExitStatus status;
  if (WIFEXITED(wait_status)) {
    status.exited = true;
    status.code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    status.signal = WTERMSIG(wait_status);
#ifdef WCOREDUMP
    status.core_dumped = WCOREDUMP(wait_status) != 0;
#endif
  }
  return status;
}

pid_t spawn(const std::vector<std::string>& argv) { return spawn_redirected(argv, -1, -1); }

ExitStatus wait_for(pid_t pid) {
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0) {
    if (errno != EINTR) throw os_error("waitpid");
  }
  return decode_status(wait_status);
}

ExitStatus run(const std::vector<std::string>& argv) { return wait_for(spawn(argv)); }

Captured capture(const std::vector<std::string>& argv, const std::string& input) {
  int in_pipe[2] = {-1, -1};
  int out_pipe[2] = {-1, -1};
  if (::pipe2(in_pipe, O_CLOEXEC) < 0) throw os_error("pipe2");
  if (::pipe2(out_pipe, O_CLOEXEC) < 0) {
    const auto error = os_error("pipe2");
    close_fd(in_pipe[0]);
    close_fd(in_pipe[1]);
    throw error;
  }
  pid_t pid = -1;
  try {
    pid = spawn_redirected(argv, in_pipe[0], out_pipe[1]);
  } catch (...) {
    for (int* fd : {&in_pipe[0], &in_pipe[1], &out_pipe[0], &out_pipe[1]}) close_fd(*fd);
    throw;
  }
  close_fd(in_pipe[0]);
  close_fd(out_pipe[1]);
  ::fcntl(in_pipe[1], F_SETFL, ::fcntl(in_pipe[1], F_GETFL) | O_NONBLOCK);
  // Ignore SIGPIPE while writing: a child that exits early must not kill us.
  struct sigaction ignore {}, previous{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  Captured captured;
  std::size_t written = 0;
  if (input.empty()) close_fd(in_pipe[1]);
  char buffer[65536];
  while (out_pipe[0] >= 0) {
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {in_pipe[1], POLLOUT, 0}};
    const nfds_t count = in_pipe[1] >= 0 ? 2 : 1;
    if (::poll(fds, count, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (count == 2 && fds[1].revents != 0) {
      const ssize_t n = ::write(in_pipe[1], input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) {
        close_fd(in_pipe[1]);
      }
    }
    if (fds[0].revents != 0) {
      const ssize_t n = ::read(out_pipe[0], buffer, sizeof buffer);
      if (n > 0) {
        captured.out.append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close_fd(out_pipe[0]);
      }
    }
  }
  close_fd(in_pipe[1]);
  ::sigaction(SIGPIPE, &previous, nullptr);
  captured.status = wait_for(pid);
  return captured;
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
