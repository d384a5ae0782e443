#pragma once

/// @file
/// @brief Run code under test in a guard child process, with a deadline.
///
/// Tests of process code must not let a buggy submission damage the test
/// runner: a child that returns instead of calling `_exit` would run the rest
/// of the suite twice, a leaked zombie or fd would blame the next test, and a
/// hang would stop everything. `run_guarded` forks, runs the body in the child,
/// sends back the string the body returns and `_exit`s; the parent waits with a
/// deadline and kills the child's whole process group when it passes. Catch2
/// assertions stay in the parent: the body only records.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>

namespace testing {

/// What happened to a guarded body.
struct GuardResult {
  /// The body returned (or threw) and the guard child exited normally.
  bool finished = false;
  /// The deadline passed; the guard child's process group was killed.
  bool timed_out = false;
  /// The string the body returned, or "exception: <what>" if it threw.
  std::string report;
  /// How the guard child ended, in words (for failure messages).
  std::string how_it_ended;
  /// How many times the body's report was delivered. More than one means a
  /// process forked inside the body came back through the guard (returned
  /// from its function instead of calling `_exit`).
  int deliveries = 0;
};

/// Runs `body` in a forked child in its own process group and returns what it
/// reported. Never throws for anything the body does; throws std::system_error
/// only when fork or pipe fail in the parent.
GuardResult run_guarded(const std::function<std::string()>& body,
                        std::chrono::milliseconds deadline = std::chrono::seconds(10));

/// Number of open file descriptors of the calling process (from /proc/self/fd).
int count_open_fds();

/// Reaps every already-exited child of the calling process without blocking
/// and returns how many there were (zombies left behind by code under test).
int reap_zombies();

/// True if the calling process has any child at all, running or exited.
bool has_children();

/// Forks a child that runs `body` and exits with status 0, or 1 if `body`
/// threw (never returning into the test). Returns the child's pid.
/// @throws std::system_error if fork fails.
pid_t fork_child(const std::function<void()>& body);

/// Waits up to `deadline` for child `pid` to end and describes how it did
/// ("exited with code 0", "killed by signal 9"); "still running" if it had
/// not (it is then killed and reaped).
std::string wait_child(pid_t pid, std::chrono::milliseconds deadline);

/// One line of /proc/<pid>/<what> (for example "comm"), or "" if there is
/// none.
std::string proc_line(pid_t pid, const std::string& what);

/// Resident memory of the calling process in KiB (from /proc/self/statm), or
/// -1 if it cannot be read.
long resident_kib();

/// While it lives, notes the calling process's resident memory at each
/// fork() it makes: how much of the memory a fork has to copy page entries
/// for was really there, decided from the call rather than from its timing
/// (memory mapped but never touched is not resident, and fork stays cheap).
/// Uses a pthread_atfork handler, which fork() runs and vfork(), posix_spawn
/// and a raw clone do not: forks() then stays 0. One at a time.
class ResidentAtFork {
 public:
  ResidentAtFork();
  ~ResidentAtFork();
  ResidentAtFork(const ResidentAtFork&) = delete;
  ResidentAtFork& operator=(const ResidentAtFork&) = delete;

  /// How many forks the process made since construction.
  int forks() const;
  /// The largest resident memory at one of them, in KiB (-1 if none).
  long largest_kib() const;
};

/// Runs `argv` through /bin/sh -c for fixtures; returns true on exit status 0.
bool shell_ok(const std::string& command);

}  // namespace testing
