// Lab 01 (tasks 1-3 done; the rest not yet).

#include "labs/01_processes/processes.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>

namespace lab01 {

namespace {

constexpr int kExecFailed = 127;

bool interrupted(long result) { return result < 0 && errno == EINTR; }

// Runs in the child after fork. The error pipe is close-on-exec, so the
// parent sees end-of-file when exec works and four bytes when it fails.
[[noreturn]] void become(const std::vector<std::string>& argv, int error_fd) {
  std::vector<char*> list(argv.size() + 1);
  for (std::size_t n = 0; n != argv.size(); ++n) list[n] = const_cast<char*>(&argv[n][0]);
  list.back() = nullptr;
  execvp(list.front(), list.data());
  int failure = errno;
  while (interrupted(write(error_fd, &failure, sizeof failure))) {
  }
  _exit(kExecFailed);
}

int await_exec(int error_fd) {
  int failure = 0;
  long got;
  do got = read(error_fd, &failure, sizeof failure);
  while (interrupted(got));
  close(error_fd);
  return got > 0 ? failure : 0;
}

std::string drain(FILE* from) {
  std::string text;
  char line[1024];
  std::size_t n;
  while ((n = std::fread(line, 1, sizeof line, from)) > 0) text.append(line, n);
  return text;
}

}  // namespace

ExitStatus decode_status(int wait_status) {
  ExitStatus st;
  st.exited = WIFEXITED(wait_status);
  if (st.exited) st.code = WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) {
    st.signal = WTERMSIG(wait_status);
    st.core_dumped = WCOREDUMP(wait_status);
  }
  return st;
}

pid_t spawn(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("spawn: no program");
  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) < 0) throw std::runtime_error("spawn: pipe2");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("spawn: fork");
  if (pid == 0) become(argv, error_pipe[1]);
  close(error_pipe[1]);
  if (int failure = await_exec(error_pipe[0])) {
    wait_for(pid);
    throw SpawnError(argv[0], failure);
  }
  return pid;
}

ExitStatus wait_for(pid_t pid) {
  int wait_status = 0;
  long r;
  do r = waitpid(pid, &wait_status, 0);
  while (interrupted(r));
  if (r < 0) throw std::runtime_error("wait_for: waitpid");
  return decode_status(wait_status);
}

ExitStatus run(const std::vector<std::string>& argv) {
  pid_t p = spawn(argv);
  return wait_for(p);
}

// The input goes through a temporary file (tmpfile), so the child can read
// it at its own pace while we read its output through stdio.
Captured capture(const std::vector<std::string>& argv, const std::string& input) {
  if (argv.empty()) throw std::invalid_argument("capture: no program");
  FILE* stdin_file = std::tmpfile();
  if (!stdin_file) throw std::runtime_error("capture: tmpfile");
  std::fwrite(input.data(), 1, input.size(), stdin_file);
  std::fflush(stdin_file);
  std::rewind(stdin_file);
  int out_pipe[2], error_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(error_pipe, O_CLOEXEC) < 0) {
    std::fclose(stdin_file);
    throw std::runtime_error("capture: pipe2");
  }
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fileno(stdin_file), 0);
    dup2(out_pipe[1], 1);
    become(argv, error_pipe[1]);
  }
  std::fclose(stdin_file);
  close(out_pipe[1]);
  close(error_pipe[1]);
  if (int failure = await_exec(error_pipe[0])) {
    close(out_pipe[0]);
    wait_for(pid);
    throw SpawnError(argv[0], failure);
  }
  FILE* from_child = fdopen(out_pipe[0], "r");
  Captured captured;
  captured.out = drain(from_child);
  std::fclose(from_child);
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
