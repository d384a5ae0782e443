// Reference solution for Lab 01. Implements labs/01_processes/processes.h.

#include "labs/01_processes/processes.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <thread>
#include <utility>

namespace lab01 {
namespace {

constexpr int kExecFailedCode = 127;
constexpr int kTaskThrewCode = 70;

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void require_argv(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("argument vector is empty");
}

// Closes a descriptor once; a moved-from or closed Fd holds -1.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

struct Pipe {
  Fd read;
  Fd write;
};

// Both ends close on exec: a child keeps only what it dup2()s onto 0/1/2.
Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
  return {Fd(fds[0]), Fd(fds[1])};
}

// Runs in the child after fork(): only async-signal-safe calls from here on,
// because another thread of the parent may have held a lock at fork time.
[[noreturn]] void exec_in_child(const std::vector<char*>& args, int report_fd) {
  ::execvp(args[0], args.data());
  int error = errno;
  ssize_t ignored = ::write(report_fd, &error, sizeof error);
  (void)ignored;
  ::_exit(kExecFailedCode);
}

std::vector<char*> to_exec_args(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  return args;
}

pid_t wait_retrying(pid_t pid, int* status, int options) {
  for (;;) {
    pid_t r = ::waitpid(pid, status, options);
    if (r >= 0 || errno != EINTR) return r;
  }
}

// What a new child does with its standard streams before exec. -1 leaves a
// stream as inherited.
struct Redirects {
  int in = -1;
  int out = -1;
  bool new_group = false;
};

// The spawn core. The report pipe is close-on-exec: a successful exec closes
// it, so the parent's read sees EOF (0 bytes); a failed exec writes errno.
pid_t start(const std::vector<std::string>& argv, const Redirects& redirects) {
  require_argv(argv);
  auto args = to_exec_args(argv);
  Pipe report = make_pipe();
  // Unflushed parent output would be copied into the child and flushed twice.
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    if (redirects.new_group) ::setpgid(0, 0);
    if (redirects.in >= 0) ::dup2(redirects.in, STDIN_FILENO);
    if (redirects.out >= 0) ::dup2(redirects.out, STDOUT_FILENO);
    exec_in_child(args, report.write.get());
  }
  // Set the group from both sides so there is no window where the parent
  // might signal a group that does not exist yet.
  if (redirects.new_group) ::setpgid(pid, pid);
  report.write.reset();
  int error = 0;
  ssize_t n;
  do {
    n = ::read(report.read.get(), &error, sizeof error);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    int status = 0;
    wait_retrying(pid, &status, 0);  // Reap the failed child: no zombie.
    throw SpawnError(argv[0], error);
  }
  return pid;
}

// Moves `input` into `to_child` and everything from `from_child` into the
// result at the same time, so neither side can fill a pipe and stall.
std::string pump(Fd to_child, Fd from_child, const std::string& input) {
  // A reader that exits early must not kill us with SIGPIPE: the write then
  // fails with EPIPE and we stop writing.
  struct sigaction ignore {}, previous{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  std::string out;
  size_t written = 0;
  if (input.empty()) to_child.reset();
  // POLLOUT promises room for one byte, not for the whole rest of the input:
  // a blocking write could still stall, so our ends never block.
  for (int fd : {to_child.get(), from_child.get()}) {
    if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  char buf[65536];
  while (from_child.get() >= 0) {
    pollfd fds[2] = {{from_child.get(), POLLIN, 0}, {to_child.get(), POLLOUT, 0}};
    int count = to_child.get() >= 0 ? 2 : 1;
    if (::poll(fds, count, -1) < 0) {
      if (errno == EINTR) continue;
      ::sigaction(SIGPIPE, &previous, nullptr);
      throw_errno("poll");
    }
    if (fds[0].revents != 0) {
      ssize_t n = ::read(from_child.get(), buf, sizeof buf);
      if (n > 0) out.append(buf, static_cast<size_t>(n));
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) from_child.reset();
    }
    if (count == 2 && fds[1].revents != 0) {
      ssize_t n = ::write(to_child.get(), input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if ((n < 0 && errno != EINTR && errno != EAGAIN) || written == input.size()) {
        to_child.reset();  // Closing is the child's end of file.
      }
    }
  }
  ::sigaction(SIGPIPE, &previous, nullptr);
  return out;
}

}  // namespace

ExitStatus decode_status(int wait_status) {
  ExitStatus status;
  if (WIFEXITED(wait_status)) {
    status.exited = true;
    status.code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    status.signal = WTERMSIG(wait_status);
    status.core_dumped = WCOREDUMP(wait_status);
  } else {
    throw std::invalid_argument("wait status " + std::to_string(wait_status) +
                                " is not a terminated child");
  }
  return status;
}

pid_t spawn(const std::vector<std::string>& argv) { return start(argv, {}); }

ExitStatus wait_for(pid_t pid) {
  int status = 0;
  if (wait_retrying(pid, &status, 0) < 0) throw_errno("waitpid");
  return decode_status(status);
}

ExitStatus run(const std::vector<std::string>& argv) { return wait_for(spawn(argv)); }

Captured capture(const std::vector<std::string>& argv, const std::string& input) {
  require_argv(argv);
  Pipe in = make_pipe();
  Pipe out = make_pipe();
  pid_t pid = start(argv, {.in = in.read.get(), .out = out.write.get()});
  // The child has its copies; ours would hide the end of file from both sides.
  in.read.reset();
  out.write.reset();
  Captured result;
  result.out = pump(std::move(in.write), std::move(out.read), input);
  result.status = wait_for(pid);
  return result;
}

Captured pipeline(const std::vector<std::vector<std::string>>& stages, const std::string& input) {
  if (stages.empty()) throw std::invalid_argument("pipeline has no stages");
  for (const auto& stage : stages) require_argv(stage);
  std::vector<pid_t> pids;
  auto kill_started = [&pids] {
    for (pid_t pid : pids) ::kill(pid, SIGKILL);
    for (pid_t pid : pids) {
      int status = 0;
      wait_retrying(pid, &status, 0);
    }
  };
  Pipe first = make_pipe();
  Fd to_first = std::move(first.write);
  Fd next_in = std::move(first.read);
  Fd last_out;
  try {
    for (size_t i = 0; i < stages.size(); ++i) {
      Pipe link = make_pipe();
      pids.push_back(start(stages[i], {.in = next_in.get(), .out = link.write.get()}));
      // The parent keeps only the read end of the newest link; every other
      // end now belongs to the stages alone.
      next_in = std::move(link.read);
      link.write.reset();
    }
    last_out = std::move(next_in);
  } catch (...) {
    to_first.reset();
    next_in.reset();
    kill_started();
    throw;
  }
  Captured result;
  result.out = pump(std::move(to_first), std::move(last_out), input);
  for (size_t i = 0; i < pids.size(); ++i) {
    ExitStatus status = wait_for(pids[i]);
    if (i + 1 == pids.size()) result.status = status;
  }
  return result;
}

TimedResult run_with_timeout(const std::vector<std::string>& argv,
                             std::chrono::milliseconds limit) {
  pid_t pid = start(argv, {.new_group = true});
  const auto deadline = std::chrono::steady_clock::now() + limit;
  TimedResult result;
  int status = 0;
  for (;;) {
    pid_t r = wait_retrying(pid, &status, WNOHANG);
    if (r < 0) throw_errno("waitpid");
    if (r == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);  // The whole group: the program's children too.
      wait_retrying(pid, &status, 0);
      result.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  result.status = decode_status(status);
  return result;
}

Child::Child(const std::vector<std::string>& argv) : pid_(spawn(argv)) {}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      reaped_(std::exchange(other.reaped_, false)),
      status_(other.status_) {}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    Child old(std::move(*this));  // Its destructor disposes of what we owned.
    pid_ = std::exchange(other.pid_, -1);
    reaped_ = std::exchange(other.reaped_, false);
    status_ = other.status_;
  }
  return *this;
}

Child::~Child() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    wait_retrying(pid_, &status, 0);
  }
}

ExitStatus Child::wait() {
  if (pid_ <= 0) throw std::logic_error("Child::wait on a handle that owns no process");
  if (!reaped_) {
    status_ = wait_for(pid_);
    reaped_ = true;
  }
  return status_;
}

void Child::kill(int signal) {
  // After reaping, the pid may already belong to an unrelated process.
  if (pid_ > 0 && !reaped_) ::kill(pid_, signal);
}

ExitStatus run_in_child(const std::function<int()>& task) {
  std::fflush(nullptr);  // Or the child would print the parent's buffer again.
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    int code = kTaskThrewCode;
    try {
      code = task();
    } catch (...) {
    }
    // _exit, not exit or return: the child must not run the parent's atexit
    // handlers, flush its stdio copies or continue in the caller's code.
    ::_exit(code);
  }
  return wait_for(pid);
}

IsolationReport run_isolation_experiment(int before, int child_writes) {
  volatile int value = before;
  Pipe channel = make_pipe();
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    value = child_writes;  // Writes this process's private copy only.
    int seen = value;
    ssize_t ignored = ::write(channel.write.get(), &seen, sizeof seen);
    (void)ignored;
    ::_exit(0);
  }
  channel.write.reset();
  IsolationReport report;
  ssize_t n;
  do {
    n = ::read(channel.read.get(), &report.child_saw, sizeof report.child_saw);
  } while (n < 0 && errno == EINTR);
  ExitStatus status = wait_for(pid);
  if (n != sizeof report.child_saw || !status.success()) {
    throw std::runtime_error("isolation experiment: the child did not report");
  }
  report.parent_saw = value;
  return report;
}

}  // namespace lab01
