// Lab 01 (tasks 1-3 done; the rest not yet).

#include "labs/01_processes/processes.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <future>
#include <stdexcept>
#include <system_error>

namespace lab01 {
namespace {

class Pipe {
 public:
  Pipe() {
    if (::pipe2(ends_.data(), O_CLOEXEC) == -1) throw std::system_error(errno, std::generic_category(), "pipe2");
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  int reader() const { return ends_[0]; }
  int writer() const { return ends_[1]; }
  void close_read() { shut(ends_[0]); }
  void close_write() { shut(ends_[1]); }

 private:
  static void shut(int& fd) {
    if (fd != -1) ::close(fd);
    fd = -1;
  }
  std::array<int, 2> ends_{-1, -1};
};

struct Redirect {
  int stdin_from = -1;
  int stdout_to = -1;
};

pid_t start_child(const std::vector<std::string>& argv, Redirect redirect) {
  if (argv.empty()) throw std::invalid_argument("argv is empty");
  std::vector<char*> c_argv;
  c_argv.reserve(argv.size() + 1);
  for (const std::string& word : argv) c_argv.push_back(const_cast<char*>(word.c_str()));
  c_argv.push_back(nullptr);
  Pipe exec_result;
  pid_t pid = ::fork();
  if (pid == -1) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    if (redirect.stdin_from != -1 && ::dup2(redirect.stdin_from, STDIN_FILENO) == -1) ::_exit(126);
    if (redirect.stdout_to != -1 && ::dup2(redirect.stdout_to, STDOUT_FILENO) == -1) ::_exit(126);
    ::execvp(c_argv.front(), c_argv.data());
    int code = errno;
    while (::write(exec_result.writer(), &code, sizeof code) == -1 && errno == EINTR) {
    }
    ::_exit(127);
  }
  exec_result.close_write();
  int code = 0;
  ssize_t got = 0;
  do {
    got = ::read(exec_result.reader(), &code, sizeof code);
  } while (got == -1 && errno == EINTR);
  if (got > 0) {
    wait_for(pid);
    throw SpawnError(argv.front(), code);
  }
  return pid;
}

}  // namespace

ExitStatus decode_status(int wait_status) {
  return WIFEXITED(wait_status)
             ? ExitStatus{.exited = true, .code = WEXITSTATUS(wait_status)}
             : ExitStatus{.signal = WTERMSIG(wait_status),
                          .core_dumped = static_cast<bool>(WCOREDUMP(wait_status))};
}

pid_t spawn(const std::vector<std::string>& argv) { return start_child(argv, {}); }

ExitStatus wait_for(pid_t pid) {
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) == -1) {
    if (errno == EINTR) continue;
    throw std::system_error(errno, std::generic_category(), "waitpid");
  }
  return decode_status(wait_status);
}

ExitStatus run(const std::vector<std::string>& argv) { return wait_for(spawn(argv)); }

Captured capture(const std::vector<std::string>& argv, const std::string& input) {
  Pipe stdin_pipe, stdout_pipe;
  const pid_t pid = start_child(argv, {stdin_pipe.reader(), stdout_pipe.writer()});
  stdin_pipe.close_read();
  stdout_pipe.close_write();
  auto feeding = std::async(std::launch::async, [&] {
    std::size_t written = 0;
    while (written < input.size()) {
      const ssize_t n = ::write(stdin_pipe.writer(), input.data() + written, input.size() - written);
      if (n == -1 && errno == EINTR) continue;
      if (n <= 0) break;
      written += static_cast<std::size_t>(n);
    }
    stdin_pipe.close_write();
  });
  std::string output;
  std::array<char, 4096> chunk;
  while (true) {
    const ssize_t n = ::read(stdout_pipe.reader(), chunk.data(), chunk.size());
    if (n == -1 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(chunk.data(), static_cast<std::size_t>(n));
  }
  feeding.get();
  return Captured{wait_for(pid), std::move(output)};
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
