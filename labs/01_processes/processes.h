#pragma once

/// @file
/// @brief Lab 01 contract: creating, waiting for and reaping processes.
/// @ingroup lab01
///
/// A process is an executing instance of a program with its own address
/// space. The parent creates a child with fork(), the child may replace its
/// program with exec(), and the parent waits for the child and reaps it so
/// the kernel can release what is left of it. Every function in this header
/// is one step of that life cycle.
///
/// Common rules for every function below:
/// - Argument vectors name a program and its arguments, as for execvp(): the
///   first element is the program, looked up on PATH when it has no slash.
/// - An empty argument vector is a caller error: std::invalid_argument.
/// - A failed system call throws std::system_error carrying its errno.
/// - No function leaves a zombie, an open file descriptor or a running child
///   behind when it returns or throws (except Child, which owns its process).
/// - Waiting is retried when a signal interrupts it (EINTR).

/// @defgroup lab01 Lab 01: processes
/// @brief Process creation, exec, pipes, timeouts and reaping.
/// @{

#include <sys/types.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

/// @brief Lab 01: processes, their creation, exec, pipes, deadlines and reaping.
/// @ingroup lab01
namespace lab01 {

/// How a child process ended, decoded from a raw wait status.
struct ExitStatus {
  /// True if the child called exit()/_exit() or returned from main.
  bool exited = false;
  /// The exit code (0-255) when `exited` is true, otherwise 0.
  int code = 0;
  /// The number of the signal that killed the child when `exited` is false.
  int signal = 0;
  /// True if the kernel wrote a core dump as the child died by `signal`.
  bool core_dumped = false;

  /// True for a normal exit with code 0.
  bool success() const { return exited && code == 0; }
  /// Field-by-field equality.
  bool operator==(const ExitStatus&) const = default;
};

/// @brief Task 1: decodes a raw status as filled in by waitpid().
///
/// @param wait_status The `int` that waitpid() stored for a child that has
///        terminated (exited or was killed by a signal).
/// @return The decoded status. A normal exit sets `exited` and `code`; death
///         by a signal sets `signal` and `core_dumped`.
/// @throws std::invalid_argument if the status describes a stopped or
///         continued child rather than a terminated one.
ExitStatus decode_status(int wait_status);

/// Thrown by spawn() when the child could not start the requested program.
class SpawnError : public std::runtime_error {
 public:
  /// @param program The program that could not be started.
  /// @param error The errno value execvp() failed with in the child.
  SpawnError(const std::string& program, int error)
      : std::runtime_error("cannot run '" + program + "': " + std::strerror(error)),
        error_(error) {}
  /// The errno value that execvp() failed with (for example ENOENT).
  int error() const noexcept { return error_; }

 private:
  int error_;
};

/// @brief Task 2: starts a program in a new child process.
///
/// Forks, and in the child replaces the program with `argv` via execvp().
/// The parent learns whether exec succeeded before spawn() returns: the
/// child reports an exec failure through a close-on-exec pipe, then exits
/// with code 127 (the shell's convention for "command not found").
///
/// @param argv The program and its arguments.
/// @return The pid of the running child; the caller must wait for it.
/// @throws std::invalid_argument if `argv` is empty.
/// @throws SpawnError if exec failed; the failed child has been reaped.
pid_t spawn(const std::vector<std::string>& argv);

/// @brief Task 2: waits for a child to terminate, reaps it and decodes how it
/// ended. Blocks; retries when interrupted by a signal.
///
/// @param pid A child of the calling process.
/// @throws std::system_error if waitpid() fails for another reason than EINTR
///         (for example ECHILD: not our child).
ExitStatus wait_for(pid_t pid);

/// @brief Task 2: spawn() then wait_for().
/// @throws The same as spawn().
///
/// Example (from the public tests):
/// @snippet 01_processes/tests/public_test.cc run
ExitStatus run(const std::vector<std::string>& argv);

/// What a child printed and how it ended.
struct Captured {
  /// How the child (or the pipeline's last stage) ended.
  ExitStatus status;
  /// Everything the child wrote to its standard output.
  std::string out;
};

/// @brief Task 3: runs a program with `input` on its standard input and
/// captures its standard output.
///
/// Input and output may each be far larger than a pipe's buffer (64 KiB):
/// the parent must write and read at the same time (for example with poll())
/// or a child that answers while it reads will block forever.
/// The child's standard error is left as the caller's.
///
/// @param argv The program and its arguments.
/// @param input Bytes written to the child's standard input, then closed.
/// @throws std::invalid_argument, SpawnError as spawn() does.
Captured capture(const std::vector<std::string>& argv, const std::string& input = "");

/// @brief Task 4: runs a pipeline `argv[0] | argv[1] | ... | argv[n-1]` and
/// captures the last stage's standard output.
///
/// Each stage's standard output feeds the next stage's standard input. The
/// first stage reads `input`. Every process, including the parent, closes the
/// pipe ends it does not use: a write end left open anywhere keeps the next
/// reader waiting for an end of file that never comes.
///
/// @param stages One argument vector per stage, at least one.
/// @param input Bytes written to the first stage's standard input.
/// @return The last stage's status and output (like a shell without pipefail).
/// @throws std::invalid_argument if `stages` or any stage is empty.
/// @throws SpawnError if any stage cannot be started; stages already started
///         are killed and reaped first.
Captured pipeline(const std::vector<std::vector<std::string>>& stages,
                  const std::string& input = "");

/// Result of run_with_timeout().
struct TimedResult {
  /// How the child ended (killed by SIGKILL when `timed_out`).
  ExitStatus status;
  /// True if the deadline passed and the child's process group was killed.
  bool timed_out = false;
};

/// @brief Task 5: runs a program with a deadline.
///
/// The child runs in a new process group of its own. If it has not ended
/// when `limit` has passed, the whole group is killed with SIGKILL (so the
/// program's own children die with it) and the child is reaped.
///
/// @param argv The program and its arguments.
/// @param limit How long the child may run.
/// @throws std::invalid_argument, SpawnError as spawn() does.
TimedResult run_with_timeout(const std::vector<std::string>& argv,
                             std::chrono::milliseconds limit);

/// @brief Task 6: an owning handle to a running child process.
///
/// A Child never leaves a zombie: if it is destroyed while its process is
/// still unreaped, the destructor kills the process with SIGKILL and reaps it.
/// Move-only; a moved-from Child owns nothing.
class Child {
 public:
  /// Starts `argv` as spawn() does.
  explicit Child(const std::vector<std::string>& argv);
  /// Takes over `other`'s process; `other` owns nothing afterwards.
  Child(Child&& other) noexcept;
  /// Disposes of the process this handle owned (as the destructor does),
  /// then takes over `other`'s.
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  /// Kills (SIGKILL) and reaps the process if it is still owned and unreaped.
  ~Child();

  /// The child's pid, or -1 if this handle owns nothing.
  pid_t pid() const noexcept { return pid_; }
  /// Waits for the child and reaps it. A second call returns the same status.
  /// @throws std::logic_error if this handle owns nothing.
  ExitStatus wait();
  /// Sends `signal` to the child if it has not been reaped yet.
  void kill(int signal);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  ExitStatus status_{};
};

/// @brief Task 7: runs `task` in a forked child and returns its exit status.
///
/// The child calls `task` and ends with `_exit(task())`: it never returns
/// into the caller's code and never runs the caller's exit handlers or
/// flushes the caller's stdio buffers a second time. Output buffered by the
/// parent before the fork must appear exactly once. An exception escaping
/// `task` ends the child with code 70.
///
/// @param task Work for the child; its return value is the exit code.
ExitStatus run_in_child(const std::function<int()>& task);

/// What each side saw in run_isolation_experiment().
struct IsolationReport {
  /// The value the child read back right after writing to its copy.
  int child_saw = 0;
  /// The value the parent read after the child had exited.
  int parent_saw = 0;
};

/// @brief Task 7: shows that a child's writes do not reach its parent.
///
/// Stores `before` in a variable, forks, lets the child write `child_writes`
/// into its copy of that variable and report what it reads back through a
/// pipe, waits for the child, then reads the variable in the parent.
///
/// @return What the child saw in its copy and what the parent saw in its own.
IsolationReport run_isolation_experiment(int before, int child_writes);

}  // namespace lab01

/// @}
