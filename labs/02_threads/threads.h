#pragma once

/// @file
/// @brief Lab 02 contract: creating, joining and stopping threads.
/// @ingroup lab02
///
/// A thread is a flow of control inside a process. All threads of a process
/// share its address space: a write by one thread is visible to the others,
/// which is what makes threads cheap to start and easy to share data with,
/// and what makes unsynchronized sharing wrong (Lab 03). Every function here
/// starts threads and must join (or have joined) every one of them before it
/// returns or throws: no thread outlives the call that created it, except a
/// Worker, which owns its thread.

/// @defgroup lab02 Lab 02: threads
/// @brief Thread creation and joining, results and exceptions, cancellation.
/// @{

#include <cstddef>
#include <functional>
#include <stop_token>
#include <thread>
#include <utility>
#include <vector>

/// @brief Lab 02: threads, their creation, joining, results, exceptions and cancellation.
/// @ingroup lab02
namespace lab02 {

/// A half-open range of item indices [begin, end).
struct Range {
  /// First index in the range.
  std::size_t begin = 0;
  /// One past the last index in the range.
  std::size_t end = 0;
  /// Field-by-field equality.
  bool operator==(const Range&) const = default;
};

/// @brief Task 1: splits `items` items into contiguous ranges, one per part.
///
/// The ranges cover [0, items) in order, without gaps or overlaps, and their
/// sizes differ by at most one (the larger ones first). There are never empty
/// ranges: with fewer items than parts, there are `items` ranges of one.
///
/// @throws std::invalid_argument if `parts` is 0.
std::vector<Range> partition(std::size_t items, unsigned parts);

/// @brief Task 1: how many threads to use for `items` items.
///
/// At most `hardware` threads (std::thread::hardware_concurrency(); 0 means
/// unknown and counts as 1), at most one thread per `min_items_per_thread`
/// items (rounding up), and at least 1.
///
/// @throws std::invalid_argument if `min_items_per_thread` is 0.
unsigned choose_thread_count(std::size_t items, std::size_t min_items_per_thread,
                             unsigned hardware);

/// Which threading interface a function should use.
enum class ThreadApi {
  std_thread,  ///< std::thread, joined explicitly
  jthread,     ///< std::jthread, joined by its destructor
  pthread,     ///< pthread_create / pthread_join
};

/// @brief Task 2: sums `values` with `threads` threads created through `api`.
///
/// Each thread sums its own range (see partition()) into its own result; the
/// caller adds the partial sums after joining. Threads share no writable data.
///
/// @throws std::invalid_argument if `threads` is 0.
/// @throws std::system_error if a thread cannot be created (after joining the
///         threads already started).
long long parallel_sum(const std::vector<long long>& values, unsigned threads, ThreadApi api);

/// @brief Task 3: applies `f` to every element with `threads` worker threads.
///
/// `f` is called exactly once per element, from a worker thread (never from
/// the caller's thread), possibly concurrently. The results keep the input's
/// order.
///
/// Thread safety: `f` must be safe to call concurrently.
/// @throws std::invalid_argument if `threads` is 0.
std::vector<int> parallel_map(const std::vector<int>& input, const std::function<int(int)>& f,
                              unsigned threads);

/// @brief Task 4: runs each task in its own thread and returns their results.
///
/// Results come back in task order, through std::promise / std::future (or
/// std::packaged_task). If tasks throw, every thread is still joined, and the
/// exception of the lowest-numbered failing task is rethrown in the caller;
/// the others are dropped.
std::vector<int> run_all(const std::vector<std::function<int()>>& tasks);

/// @brief Task 5: a thread that runs until asked to stop.
///
/// The body receives a std::stop_token and is expected to return soon after
/// a stop is requested. Destroying a Worker requests a stop and joins; it
/// never terminates the program and never leaves the thread running.
///
/// Thread safety: request_stop() and join() are meant for the owning thread.
/// Blocking: join() and the destructor wait for the body to return.
///
/// Example (from the public tests):
/// @snippet 02_threads/tests/public_test.cc worker
class Worker {
 public:
  /// Starts a thread running `body(token)`.
  explicit Worker(std::function<void(std::stop_token)> body);
  /// Requests a stop (if not already requested) and joins.
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// Requests a stop; does not wait. Safe to call more than once.
  void request_stop();
  /// Waits for the body to return. Safe to call more than once.
  void join();

 private:
  std::jthread thread_;
};

/// @brief Task 6: thread-local state.
///
/// Starts `threads` threads. Each increments a `thread_local` counter
/// `increments` times and reports its final value; the counters are not
/// shared, so every report equals `increments`. Also reports how many
/// distinct std::thread::id values the threads had.
///
/// @return One count per thread (in start order) and the number of distinct ids.
std::pair<std::vector<long>, std::size_t> thread_local_counts(unsigned threads, long increments);

/// What thread_vs_process_write() observed.
struct SharingReport {
  /// The value the caller read after a thread it started wrote `written`.
  int after_thread = 0;
  /// The value the caller read after a forked child wrote `written`.
  int after_child = 0;
};

/// @brief Task 6: the seed contrast. Threads share memory; processes don't.
///
/// Stores `before` in a variable. A new thread writes `written` into it and
/// is joined; the caller reads the variable (`after_thread`). Then stores
/// `before` again; a forked child writes `written` into it and `_exit`s; the
/// caller reaps the child and reads the variable (`after_child`).
SharingReport thread_vs_process_write(int before, int written);

}  // namespace lab02

/// @}
