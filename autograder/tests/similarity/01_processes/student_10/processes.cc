// Lab 01 (tasks 1-3 done; the rest not yet).

#include "labs/01_processes/processes.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace lab01 {

ExitStatus decode_status(int wait_status) {
  const bool normal = WIFEXITED(wait_status);
  const int code = normal ? WEXITSTATUS(wait_status) : 0;
  const int sig = WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
  const bool core = WIFSIGNALED(wait_status) && WCOREDUMP(wait_status);
  return {normal, code, sig, core};
}

pid_t spawn(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("argv");
  int channel[2];
  if (pipe(channel) == -1) throw std::runtime_error("pipe");
  fcntl(channel[1], F_SETFD, fcntl(channel[1], F_GETFD) | FD_CLOEXEC);
  const pid_t kid = fork();
  if (kid == -1) throw std::runtime_error("fork");
  if (kid == 0) {
    close(channel[0]);
    char** list = new char*[argv.size() + 1];
    std::size_t i = 0;
    for (; i < argv.size(); i++) list[i] = const_cast<char*>(argv[i].c_str());
    list[i] = nullptr;
    execvp(list[0], list);
    const int e = errno;
    write(channel[1], &e, sizeof e);
    _exit(127);
  }
  close(channel[1]);
  int e;
  const auto n = read(channel[0], &e, sizeof e);
  close(channel[0]);
  if (n == sizeof e) {
    wait_for(kid);
    throw SpawnError(argv.front(), e);
  }
  return kid;
}

ExitStatus wait_for(pid_t pid) {
  int wait_status;
  while (true) {
    if (waitpid(pid, &wait_status, 0) >= 0) return decode_status(wait_status);
    if (errno != EINTR) throw std::runtime_error("waitpid");
  }
}

ExitStatus run(const std::vector<std::string>& argv) { return wait_for(spawn(argv)); }

// Both pipes non-blocking; alternate between writing some input and
// reading what is there, and nap when neither made progress.
Captured capture(const std::vector<std::string>& argv, const std::string& input) {
  int down[2], up[2];
  pipe(down);
  pipe(up);
  for (int fd : {down[1], up[0]}) fcntl(fd, F_SETFD, FD_CLOEXEC);
  const int saved_stdin = dup(0), saved_stdout = dup(1);
  dup2(down[0], 0);
  dup2(up[1], 1);
  close(down[0]);
  close(up[1]);
  pid_t kid = -1;
  std::string error;
  try {
    kid = spawn(argv);
  } catch (const std::exception&) {
    dup2(saved_stdin, 0);
    dup2(saved_stdout, 1);
    close(saved_stdin);
    close(saved_stdout);
    close(down[1]);
    close(up[0]);
    throw;
  }
  dup2(saved_stdin, 0);
  dup2(saved_stdout, 1);
  close(saved_stdin);
  close(saved_stdout);
  fcntl(down[1], F_SETFL, O_NONBLOCK);
  fcntl(up[0], F_SETFL, O_NONBLOCK);
  Captured res;
  std::size_t pos = 0;
  bool in_open = true, out_open = true;
  if (input.empty()) {
    close(down[1]);
    in_open = false;
  }
  char buffer[1 << 14];
  while (out_open) {
    bool progress = false;
    if (in_open) {
      ssize_t w = write(down[1], input.data() + pos, input.size() - pos);
      if (w > 0) {
        pos += w;
        progress = true;
      }
      if (pos == input.size() || (w < 0 && errno != EAGAIN)) {
        close(down[1]);
        in_open = false;
      }
    }
    ssize_t r = read(up[0], buffer, sizeof buffer);
    if (r > 0) {
      res.out.append(buffer, r);
      progress = true;
    } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
      out_open = false;
    }
    if (!progress) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  if (in_open) close(down[1]);
  close(up[0]);
  res.status = wait_for(kid);
  return res;
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
