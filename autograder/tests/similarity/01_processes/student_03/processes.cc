// Lab 01 (tasks 1-3 done; the rest not yet).

#include "labs/01_processes/processes.h"

#include <sys/select.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <stdexcept>

// Small helpers first, then the tasks in handout order.

namespace lab01 {
namespace {

[[noreturn]] void fail(const char* what) { throw std::system_error(errno, std::system_category(), what); }

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

void make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe(fds) == -1) fail("pipe");
  read_end.fd = fds[0];
  write_end.fd = fds[1];
  ::fcntl(fds[0], F_SETFD, FD_CLOEXEC);
  ::fcntl(fds[1], F_SETFD, FD_CLOEXEC);
}

// Starts argv with stdin/stdout replaced when given (-1 keeps them).
pid_t start(const std::vector<std::string>& argv, int new_stdin, int new_stdout) {
  if (argv.empty()) throw std::invalid_argument("argv must name a program");
  Fd status_read, status_write;
  make_pipe(status_read, status_write);
  std::unique_ptr<char*[]> args(new char*[argv.size() + 1]);
  for (std::size_t k = 0; k < argv.size(); ++k) args[k] = const_cast<char*>(argv[k].c_str());
  args[argv.size()] = nullptr;
  const pid_t child = ::fork();
  if (child == -1) fail("fork");
  if (child == 0) {
    if (new_stdin >= 0) ::dup2(new_stdin, STDIN_FILENO);
    if (new_stdout >= 0) ::dup2(new_stdout, STDOUT_FILENO);
    ::execvp(args[0], args.get());
    const int why = errno;
    ::write(status_write.fd, &why, sizeof why);
    ::_exit(127);
  }
  status_write.reset();
  int why = 0;
  ssize_t n;
  while ((n = ::read(status_read.fd, &why, sizeof why)) == -1 && errno == EINTR) {
  }
  if (n > 0) {
    int ignored;
    while (::waitpid(child, &ignored, 0) == -1 && errno == EINTR) {
    }
    throw SpawnError(argv[0], why);
  }
  return child;
}

}  // namespace

ExitStatus decode_status(int wait_status) {
  ExitStatus result{};
  result.exited = WIFEXITED(wait_status);
  if (result.exited) {
    result.code = WEXITSTATUS(wait_status);
    return result;
  }
  result.signal = WTERMSIG(wait_status);
  result.core_dumped = WCOREDUMP(wait_status);
  return result;
}

pid_t spawn(const std::vector<std::string>& argv) { return start(argv, -1, -1); }

ExitStatus wait_for(pid_t pid) {
  int wstatus;
  for (;;) {
    if (::waitpid(pid, &wstatus, 0) != -1) break;
    if (errno == EINTR) continue;
    fail("waitpid");
  }
  return decode_status(wstatus);
}

ExitStatus run(const std::vector<std::string>& argv) {
  const pid_t child = spawn(argv);
  return wait_for(child);
}

Captured capture(const std::vector<std::string>& argv, const std::string& input) {
  Fd child_in, to_child, from_child, child_out;
  make_pipe(child_in, to_child);
  make_pipe(from_child, child_out);
  const pid_t child = start(argv, child_in.fd, child_out.fd);
  child_in.reset();
  child_out.reset();
  Captured got;
  std::size_t offset = 0;
  if (input.empty()) to_child.reset();
  char buf[2048];
  while (from_child.fd >= 0) {
    fd_set readers, writers;
    FD_ZERO(&readers);
    FD_ZERO(&writers);
    FD_SET(from_child.fd, &readers);
    int top = from_child.fd;
    if (to_child.fd >= 0) {
      FD_SET(to_child.fd, &writers);
      if (to_child.fd > top) top = to_child.fd;
    }
    if (::select(top + 1, &readers, &writers, nullptr, nullptr) == -1) {
      if (errno == EINTR) continue;
      fail("select");
    }
    if (to_child.fd >= 0 && FD_ISSET(to_child.fd, &writers)) {
      const std::size_t piece = std::min<std::size_t>(input.size() - offset, 512);
      const ssize_t w = ::write(to_child.fd, input.data() + offset, piece);
      if (w == -1 && errno != EINTR) {
        to_child.reset();
      } else if (w > 0) {
        offset += static_cast<std::size_t>(w);
        if (offset == input.size()) to_child.reset();
      }
    }
    if (FD_ISSET(from_child.fd, &readers)) {
      const ssize_t r = ::read(from_child.fd, buf, sizeof buf);
      if (r > 0) {
        got.out.append(buf, static_cast<std::size_t>(r));
      } else if (r == 0 || errno != EINTR) {
        from_child.reset();
      }
    }
  }
  to_child.reset();
  got.status = wait_for(child);
  return got;
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
