// Lab 01 (tasks 1-3 done; the rest not yet).

#include "labs/01_processes/processes.h"

#include <sys/epoll.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string_view>

namespace lab01 {

ExitStatus decode_status(int w) {
  ExitStatus s;
  switch (w & 0x7f) {
    case 0:  // normal exit: the code sits in the second byte
      s.exited = true;
      s.code = (w >> 8) & 0xff;
      break;
    default:
      s.signal = w & 0x7f;
      s.core_dumped = (w & 0x80) == 0x80;
  }
  return s;
}

ExitStatus wait_for(pid_t child) {
  int w;
  for (pid_t r = waitpid(child, &w, 0); r != child; r = waitpid(child, &w, 0)) {
    if (errno != EINTR) throw std::runtime_error("waitpid(" + std::to_string(child) + ") failed");
  }
  return decode_status(w);
}

namespace detail {

struct Io {
  int in = -1;
  int out = -1;
  int parent_in = -1;
  int parent_out = -1;
};

pid_t create(const std::vector<std::string>& argv, const Io& io) {
  if (argv.empty()) throw std::invalid_argument("empty argument vector");
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC)) throw std::runtime_error("pipe2");
  pid_t child = fork();
  if (child < 0) throw std::runtime_error("fork");
  if (!child) {
    if (io.in >= 0) dup2(io.in, 0);
    if (io.out >= 0) dup2(io.out, 1);
    const char* prog = argv[0].c_str();
    std::vector<const char*> v(argv.size() + 1, nullptr);
    for (std::size_t k = 0; k < argv.size(); ++k) v[k] = argv[k].c_str();
    execvp(prog, const_cast<char**>(v.data()));
    int code = errno;
    if (write(err_pipe[1], &code, sizeof code) < 0) _exit(126);
    _exit(127);
  }
  close(err_pipe[1]);
  int code;
  ssize_t got;
  while ((got = read(err_pipe[0], &code, sizeof code)) == -1 && errno == EINTR) continue;
  close(err_pipe[0]);
  if (got == sizeof code) {
    wait_for(child);
    throw SpawnError(argv[0], code);
  }
  return child;
}

}  // namespace detail

pid_t spawn(const std::vector<std::string>& argv) { return detail::create(argv, {}); }

ExitStatus run(const std::vector<std::string>& argv) { return wait_for(spawn(argv)); }

Captured capture(const std::vector<std::string>& argv, const std::string& input) {
  int a[2], b[2];
  if (pipe2(a, O_CLOEXEC | O_NONBLOCK) || pipe2(b, O_CLOEXEC | O_NONBLOCK)) {
    throw std::runtime_error("pipe2");
  }
  // The child's ends must block like ordinary pipes.
  fcntl(a[0], F_SETFL, 0);
  fcntl(b[1], F_SETFL, 0);
  const pid_t child = detail::create(argv, {a[0], b[1], a[1], b[0]});
  close(a[0]);
  close(b[1]);
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = b[0];
  epoll_ctl(ep, EPOLL_CTL_ADD, b[0], &ev);
  std::string_view pending(input);
  if (pending.empty()) {
    close(a[1]);
    a[1] = -1;
  } else {
    ev.events = EPOLLOUT;
    ev.data.fd = a[1];
    epoll_ctl(ep, EPOLL_CTL_ADD, a[1], &ev);
  }
  Captured c;
  bool reading = true;
  char data[4096];
  while (reading) {
    epoll_event ready[2];
    int count = epoll_wait(ep, ready, 2, -1);
    if (count < 0 && errno == EINTR) continue;
    for (int k = 0; k < count; ++k) {
      if (ready[k].data.fd == a[1]) {
        ssize_t sent = write(a[1], pending.data(), pending.size());
        if (sent > 0) pending.remove_prefix(sent);
        if (pending.empty() || (sent < 0 && errno != EAGAIN)) {
          epoll_ctl(ep, EPOLL_CTL_DEL, a[1], nullptr);
          close(a[1]);
          a[1] = -1;
        }
      } else {
        ssize_t n = read(b[0], data, sizeof data);
        if (n > 0) c.out.append(data, n);
        else if (n == 0 || errno != EAGAIN) reading = false;
      }
    }
  }
  if (a[1] >= 0) close(a[1]);
  close(b[0]);
  close(ep);
  c.status = wait_for(child);
  return c;
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
