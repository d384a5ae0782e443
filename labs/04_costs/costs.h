#pragma once

/// @file
/// @brief Lab 04 contract: measuring what processes and threads cost.
/// @ingroup lab04
///
/// The claim to test: creating and managing a thread costs the operating
/// system less than creating a process. Every cost here is a median in
/// nanoseconds per operation, measured with a harness that warms up, repeats,
/// reports its spread and refuses to report what its timer cannot resolve.
/// All functions leave no child process or thread behind.

/// @defgroup lab04 Lab 04: costs
/// @brief A measurement harness and the costs of threads, processes,
/// context switches and synchronization.
/// @{

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <vector>

/// @brief Lab 04: measuring what processes and threads cost.
/// @ingroup lab04
namespace lab04 {

/// Robust statistics of a set of samples (nanoseconds).
struct Stats {
  /// The median (for an even count, the mean of the two middle samples).
  double median_ns = 0;
  /// The 10th percentile, nearest-rank: the sample at index
  /// ceil(0.1 * n) - 1 of the sorted samples (index 0 at least).
  double p10_ns = 0;
  /// The 90th percentile, nearest-rank, the same way.
  double p90_ns = 0;
  /// How many samples.
  std::size_t samples = 0;
};

/// @brief Task 1: median, p10 and p90 of `samples_ns`.
/// @throws std::invalid_argument if `samples_ns` is empty.
Stats summarize(std::vector<double> samples_ns);

/// @brief Task 1: the resolution of the clock the harness uses: the smallest
/// positive difference seen between two successive readings of
/// std::chrono::steady_clock (over at least 1000 pairs), in nanoseconds.
double timer_resolution_ns();

/// @brief Task 1: the median cost of one pair of steady_clock readings, in
/// nanoseconds (what every timed sample pays on top of the operation).
double timer_overhead_ns();

/// Thrown when a measured cost is too small for the timer to resolve.
class BelowResolution : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// @brief Task 1: measures `operation`.
///
/// Calls `operation` `warmup` times untimed. Then takes `trials` samples;
/// each times `batch` consecutive calls with steady_clock, subtracts the
/// timer overhead, and divides by `batch`. Returns the statistics of the
/// per-call samples.
///
/// @throws std::invalid_argument if `trials` or `batch` is 0.
/// @throws BelowResolution if the median time of one whole sample
///         (median * batch) is below timer_resolution_ns(): the caller must
///         batch more calls per sample.
///
/// Example (from the public tests):
/// @snippet 04_costs/tests/public_test.cc measure
Stats measure(const std::function<void()>& operation, std::size_t warmup, std::size_t trials,
              std::size_t batch = 1);

/// How a thread is created in thread_create_join_ns().
enum class ThreadKind { std_thread, pthread };

/// @brief Task 2: median cost of creating a thread that does nothing and
/// joining it.
double thread_create_join_ns(ThreadKind kind, std::size_t trials);

/// How a child process is created in process_create_ns().
enum class ProcessKind {
  fork_exit,    ///< fork(); the child calls _exit(0); the parent waits
  vfork_exit,   ///< vfork(); the child calls _exit(0); the parent waits
  fork_exec,    ///< fork() then execv("/bin/true") in the child; the parent waits
  posix_spawn,  ///< posix_spawn("/bin/true"); the parent waits
};

/// @brief Task 3: median cost of creating a child process `kind`'s way,
/// letting it end and reaping it.
double process_create_ns(ProcessKind kind, std::size_t trials);

/// @brief Task 4: median time of one round trip of one byte over a pair of
/// pipes between two threads (`processes` false) or two processes (true).
/// Both ends are pinned to one CPU where the machine allows it, so the cost
/// is a context switch, not a cross-CPU wake-up.
double pipe_round_trip_ns(bool processes, std::size_t round_trips);

/// @brief Task 5: median cost of one lock+unlock of an uncontended std::mutex.
double mutex_lock_unlock_ns();

/// @brief Task 5: median cost of one increment of a shared counter by each of
/// two threads at once: with a std::atomic fetch_add (`atomic` true) or under
/// a contended std::mutex (false).
double contended_increment_ns(bool atomic);

/// @brief Task 6: median cost of fork()+_exit+wait after the parent has
/// touched `mebibytes` MiB of private memory in 4 KiB pages (transparent huge
/// pages disabled for that memory with madvise), freed afterwards.
double fork_with_resident_ns(std::size_t mebibytes, std::size_t trials);

}  // namespace lab04

/// @}
