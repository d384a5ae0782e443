// Lab 01 (tasks 1-3 done; the rest not yet).

#include "labs/01_processes/processes.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace lab01 {

ExitStatus decode_status(int raw) {
  if (WIFSIGNALED(raw)) return ExitStatus{false, 0, WTERMSIG(raw), WCOREDUMP(raw) != 0};
  return ExitStatus{true, WEXITSTATUS(raw), 0, false};
}

namespace {

std::vector<char*> c_args(const std::vector<std::string>& argv) {
  std::vector<char*> out(argv.size() + 1, nullptr);
  for (size_t i = 0; i < argv.size(); i++) out[i] = const_cast<char*>(argv[i].data());
  return out;
}

pid_t spawn_with(const std::vector<std::string>& argv, posix_spawn_file_actions_t* actions) {
  if (argv.empty()) throw std::invalid_argument("nothing to run");
  auto args = c_args(argv);
  pid_t child = -1;
  int rc = posix_spawnp(&child, args[0], actions, nullptr, args.data(), environ);
  if (rc != 0) throw SpawnError(argv.front(), rc);
  return child;
}

void write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // reader went away
    done += static_cast<size_t>(n);
  }
}

}  // namespace

pid_t spawn(const std::vector<std::string>& argv) { return spawn_with(argv, nullptr); }

ExitStatus wait_for(pid_t pid) {
  for (;;) {
    int raw = 0;
    pid_t got = waitpid(pid, &raw, 0);
    if (got == pid) return decode_status(raw);
    if (got < 0 && errno != EINTR) throw std::runtime_error("waitpid failed");
  }
}

ExitStatus run(const std::vector<std::string>& argv) {
  pid_t pid = spawn(argv);
  return wait_for(pid);
}

Captured capture(const std::vector<std::string>& argv, const std::string& input) {
  int in_pipe[2], out_pipe[2];
  if (pipe(in_pipe) || pipe(out_pipe)) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) {
    posix_spawn_file_actions_addclose(&actions, fd);
  }
  pid_t pid;
  try {
    pid = spawn_with(argv, &actions);
  } catch (...) {
    posix_spawn_file_actions_destroy(&actions);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) close(fd);
    throw;
  }
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  // A writer thread feeds the child while this thread drains it: neither
  // side can fill a pipe and block the other.
  std::thread feeder([fd = in_pipe[1], &input] {
    write_all(fd, input);
    close(fd);
  });
  Captured captured;
  char chunk[8192];
  for (;;) {
    ssize_t n = read(out_pipe[0], chunk, sizeof chunk);
    if (n > 0) {
      captured.out.append(chunk, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  close(out_pipe[0]);
  feeder.join();
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
