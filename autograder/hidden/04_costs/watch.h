#pragma once

/// @file
/// @brief What the code under test calls, seen through the linker's --wrap:
/// the hidden Lab 04 tests link with `-Wl,--wrap=NAME` for each call below,
/// so every object in the test binary (the student's and the reference's
/// alike) calls `__wrap_NAME`, which notes the call while a watch is on and
/// then does what NAME does.
///
/// What is noted lives in a shared mapping, so a child process the code
/// under test forks adds to the same record.

namespace watch {

/// One process or thread that wrote to a pipe while the watch was on.
struct Writer {
  int tid = 0;
  /// The one CPU the writer was allowed to run on, or -1 if it was allowed
  /// more than one.
  int pinned_cpu = -1;
};

/// What was noted since start().
struct Record {
  /// Threads detached (std::thread::detach, pthread_detach, or created with
  /// PTHREAD_CREATE_DETACHED).
  int detached = 0;
  /// Threads started (std::thread, std::jthread, std::async's thread,
  /// pthread_create).
  int threads_started = 0;
  /// The most threads started and not yet joined at any one moment.
  int most_threads_live = 0;
  /// The distinct writers, at most kMaxWriters.
  static constexpr int kMaxWriters = 16;
  int writers = 0;
  Writer writer[kMaxWriters];
};

/// Clears the record and starts noting.
void start();

/// Stops noting and returns what was noted.
Record stop();

/// Puts a clock the test controls in place of steady_clock, in this process:
/// until fake_clock_stop(), every std::chrono::steady_clock::now() in the
/// test binary returns the last reading plus `step_ns` (what one reading
/// costs), and fake_clock_advance() moves it on (what an operation takes).
/// Timing on it is exact, so what a method does with its readings shows
/// without noise.
void fake_clock_start(long long step_ns);

/// Moves the controlled clock on by `ns`.
void fake_clock_advance(long long ns);

/// Puts steady_clock back and returns how many readings were taken of the
/// controlled clock (0: the code under test never read steady_clock).
int fake_clock_stop();

}  // namespace watch
