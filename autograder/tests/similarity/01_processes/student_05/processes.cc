// Lab 01 (tasks 1-3 done; the rest not yet).

#include "labs/01_processes/processes.h"

#include <sys/mman.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>

namespace lab01 {

ExitStatus decode_status(int wait_status) {
  ExitStatus out{};
  if (WIFSIGNALED(wait_status)) {
    out.signal = WTERMSIG(wait_status);
    if (WCOREDUMP(wait_status)) out.core_dumped = true;
  } else {
    out.exited = true;
    out.code = WEXITSTATUS(wait_status);
  }
  return out;
}

// Exec errors come back through a page shared with the child: it is written
// before _exit, and read after the child is gone.
static pid_t fork_exec(const std::vector<std::string>& argv, int in, int out) {
  if (argv.empty()) throw std::invalid_argument("spawn needs a program");
  void* page = mmap(nullptr, sizeof(int) * 2, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                    -1, 0);
  if (page == MAP_FAILED) throw std::runtime_error("mmap");
  int* shared = static_cast<int*>(page);
  shared[0] = 0;
  int gate[2];
  if (pipe2(gate, O_CLOEXEC) < 0) throw std::runtime_error("pipe2");
  pid_t pid = fork();
  if (pid == 0) {
    if (in >= 0) dup2(in, 0);
    if (out >= 0) dup2(out, 1);
    std::vector<const char*> list;
    for (auto& s : argv) list.push_back(s.c_str());
    list.push_back(nullptr);
    execvp(list[0], const_cast<char* const*>(list.data()));
    shared[0] = errno;
    _exit(127);
  }
  close(gate[1]);
  char byte;
  while (read(gate[0], &byte, 1) < 0 && errno == EINTR) {
  }
  close(gate[0]);
  int exec_error = shared[0];
  munmap(page, sizeof(int) * 2);
  if (exec_error != 0) {
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    throw SpawnError(argv.at(0), exec_error);
  }
  return pid;
}

pid_t spawn(const std::vector<std::string>& argv) { return fork_exec(argv, -1, -1); }

ExitStatus wait_for(pid_t pid) {
  int raw;
  while (true) {
    pid_t done = waitpid(pid, &raw, 0);
    if (done == pid) break;
    if (errno != EINTR) throw std::runtime_error("waitpid: no such child");
  }
  return decode_status(raw);
}

ExitStatus run(const std::vector<std::string>& argv) {
  auto pid = spawn(argv);
  return wait_for(pid);
}

// No pipes: the input goes to an anonymous file the child reads, and the
// output to another one read after the child exits, so nothing can block.
Captured capture(const std::vector<std::string>& argv, const std::string& input) {
  int in_file = memfd_create("capture-in", MFD_CLOEXEC);
  int out_file = memfd_create("capture-out", MFD_CLOEXEC);
  if (in_file < 0 || out_file < 0) throw std::runtime_error("memfd_create");
  for (std::size_t done = 0; done < input.size();) {
    ssize_t n = write(in_file, input.data() + done, input.size() - done);
    if (n < 0) throw std::runtime_error("writing the input");
    done += n;
  }
  lseek(in_file, 0, SEEK_SET);
  Captured captured;
  try {
    captured.status = wait_for(fork_exec(argv, in_file, out_file));
  } catch (...) {
    close(in_file);
    close(out_file);
    throw;
  }
  lseek(out_file, 0, SEEK_SET);
  char block[16384];
  for (ssize_t n; (n = read(out_file, block, sizeof block)) > 0;) captured.out.append(block, n);
  close(in_file);
  close(out_file);
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
