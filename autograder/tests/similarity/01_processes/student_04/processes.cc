// Lab 01 (tasks 1-3 done; the rest not yet).

#include "labs/01_processes/processes.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace lab01 {

// Task 1 -------------------------------------------------------------------

ExitStatus decode_status(int s) {
  ExitStatus es;
  es.exited = WIFEXITED(s) != 0;
  es.code = es.exited ? WEXITSTATUS(s) : 0;
  es.signal = WIFSIGNALED(s) ? WTERMSIG(s) : 0;
  es.core_dumped = WIFSIGNALED(s) && WCOREDUMP(s);
  return es;
}

// Task 2 -------------------------------------------------------------------

static char** to_argv(const std::vector<std::string>& v) {
  char** out = static_cast<char**>(std::calloc(v.size() + 1, sizeof(char*)));
  for (unsigned i = 0; i < v.size(); ++i) out[i] = const_cast<char*>(v[i].c_str());
  return out;
}

static pid_t launch(const std::vector<std::string>& argv, int in_fd, int out_fd, int close_fd1,
                    int close_fd2) {
  if (argv.size() == 0) throw std::invalid_argument("empty command");
  int errpipe[2];
  if (pipe(errpipe)) throw std::runtime_error("pipe");
  fcntl(errpipe[1], F_SETFD, FD_CLOEXEC);
  char** cargv = to_argv(argv);
  pid_t p = fork();
  if (p == 0) {
    close(errpipe[0]);
    if (in_fd != -1) {
      dup2(in_fd, 0);
      close(in_fd);
    }
    if (out_fd != -1) {
      dup2(out_fd, 1);
      close(out_fd);
    }
    if (close_fd1 != -1) close(close_fd1);
    if (close_fd2 != -1) close(close_fd2);
    execvp(cargv[0], cargv);
    int e = errno;
    write(errpipe[1], &e, sizeof(e));
    _exit(127);
  }
  std::free(cargv);
  close(errpipe[1]);
  if (p < 0) {
    close(errpipe[0]);
    throw std::runtime_error("fork failed");
  }
  int child_errno = 0;
  int n = 0;
  for (;;) {
    n = read(errpipe[0], &child_errno, sizeof(child_errno));
    if (n >= 0 || errno != EINTR) break;
  }
  close(errpipe[0]);
  if (n == sizeof(child_errno)) {
    int ignore;
    waitpid(p, &ignore, 0);
    throw SpawnError(argv[0], child_errno);
  }
  return p;
}

pid_t spawn(const std::vector<std::string>& argv) { return launch(argv, -1, -1, -1, -1); }

ExitStatus wait_for(pid_t pid) {
  int s = 0;
  int r;
  do {
    r = waitpid(pid, &s, 0);
  } while (r == -1 && errno == EINTR);
  if (r == -1) throw std::runtime_error("waitpid");
  return decode_status(s);
}

ExitStatus run(const std::vector<std::string>& argv) { return wait_for(spawn(argv)); }

// Task 3 -------------------------------------------------------------------
// A helper process writes the input so that this one can keep reading.

Captured capture(const std::vector<std::string>& argv, const std::string& input) {
  int in[2], out[2];
  if (pipe(in) || pipe(out)) throw std::runtime_error("pipe");
  pid_t worker = launch(argv, in[0], out[1], in[1], out[0]);
  close(in[0]);
  close(out[1]);
  pid_t writer = fork();
  if (writer == 0) {
    close(out[0]);
    size_t pos = 0;
    while (pos < input.size()) {
      ssize_t n = write(in[1], input.c_str() + pos, input.size() - pos);
      if (n < 0) {
        if (errno == EINTR) continue;
        _exit(1);
      }
      pos += n;
    }
    _exit(0);
  }
  close(in[1]);
  Captured c;
  char tmp[1024];
  ssize_t n;
  while ((n = read(out[0], tmp, sizeof tmp)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    c.out.append(tmp, n);
  }
  close(out[0]);
  wait_for(writer);
  c.status = wait_for(worker);
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
