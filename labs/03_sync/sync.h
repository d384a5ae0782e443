#pragma once

/// @file
/// @brief Lab 03 contract: shared memory, races and synchronization.
/// @ingroup lab03
///
/// Threads share their process's memory for free, and that is exactly the
/// danger: `++counter` is a read, an add and a write, and two threads that
/// interleave those steps lose updates. Every type here is safe to use from
/// many threads at once; each section says what blocks and what wakes whom.
/// Processes share nothing unless they ask for it: the last task maps memory
/// shared between a parent and its children on purpose.

/// @defgroup lab03 Lab 03: synchronization
/// @brief Mutexes, atomics, condition variables, barriers, shared mappings.
/// @{

#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

/// @brief Lab 03: synchronization of shared memory between threads and processes.
/// @ingroup lab03
namespace lab03 {

/// @brief Task 1: `threads` threads each add 1 to one shared counter
/// `increments` times, under a std::mutex. @return The final count.
long long count_with_mutex(unsigned threads, long increments);

/// @brief Task 1: the same with a std::atomic<long long> counter.
/// Memory ordering: relaxed increments suffice, because the threads are
/// joined (which orders everything) before the count is read.
long long count_with_atomic(unsigned threads, long increments);

/// @brief Task 2: accounts that move money between each other concurrently.
///
/// Thread safety: every member may be called from any thread at any time.
/// transfer() locks the two accounts it touches, never more, always in the
/// same global order (or with std::scoped_lock), so opposite transfers
/// cannot deadlock. No money is created or lost.
class Bank {
 public:
  /// `accounts` accounts holding `initial` each.
  Bank(std::size_t accounts, long initial);

  /// Moves `amount` from `from` to `to` if `from` holds at least that much.
  /// @return false (and moves nothing) if the balance is too small.
  /// @throws std::out_of_range for a bad account number;
  ///         std::invalid_argument for a negative amount.
  /// A transfer from an account to itself succeeds and changes nothing.
  bool transfer(std::size_t from, std::size_t to, long amount);

  /// One account's balance. @throws std::out_of_range for a bad account.
  long balance(std::size_t account) const;

  /// The sum of all balances, as one consistent snapshot (no transfer half
  /// counted).
  long total() const;

 private:
  struct Account {
    mutable std::mutex lock;
    long balance = 0;
  };
  std::vector<Account> accounts_;
};

/// @brief Task 3: a bounded blocking FIFO queue for producers and consumers.
///
/// Blocking: push() waits while the queue is full; pop() waits while it is
/// empty. Waiting uses condition variables (no busy waiting) and re-checks
/// its condition after every wake-up (wake-ups may be spurious).
/// Shutdown: close() wakes every waiter. After close(), push() returns false
/// and pop() drains what is left, then returns std::nullopt.
///
/// Example (from the public tests):
/// @snippet 03_sync/tests/public_test.cc queue
class BoundedQueue {
 public:
  /// @throws std::invalid_argument if `capacity` is 0.
  explicit BoundedQueue(std::size_t capacity);

  /// Appends `value`, waiting while full. @return false if the queue is or
  /// becomes closed (the value is not added).
  bool push(int value);

  /// Removes the oldest value, waiting while empty. @return std::nullopt once
  /// the queue is closed and empty.
  std::optional<int> pop();

  /// Closes the queue and wakes all waiting producers and consumers.
  void close();

 private:
  std::mutex lock_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::vector<int> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  bool closed_ = false;
};

/// @brief Task 4: a counting semaphore built on a mutex and a condition
/// variable.
///
/// Blocking: acquire() waits while the count is 0. release(n) adds `n` and
/// wakes up to `n` waiters.
class Semaphore {
 public:
  /// @throws std::invalid_argument if `initial` is negative.
  explicit Semaphore(int initial);
  /// Takes one unit, waiting while none is available.
  void acquire();
  /// Takes one unit if available; never waits. @return whether it took one.
  bool try_acquire();
  /// Returns `n` units. @throws std::invalid_argument if `n` < 1.
  void release(int n = 1);

 private:
  std::mutex lock_;
  std::condition_variable available_;
  int count_;
};

/// @brief Task 5: a reusable barrier for a fixed number of threads.
///
/// Blocking: arrive_and_wait() returns only when all `parties` threads have
/// arrived in the current round. The barrier then resets for the next round;
/// a fast thread that arrives for round k+1 never counts toward round k.
class Barrier {
 public:
  /// @throws std::invalid_argument if `parties` is 0.
  explicit Barrier(std::size_t parties);
  /// Waits for the round to complete. @return the round number (0, 1, ...).
  std::size_t arrive_and_wait();

 private:
  std::mutex lock_;
  std::condition_variable round_done_;
  std::size_t parties_;
  std::size_t arrived_ = 0;
  std::size_t round_ = 0;
};

/// @brief Task 6: a string cache for many readers and few writers.
///
/// Thread safety: get() takes a shared lock (readers run concurrently);
/// put() takes an exclusive lock.
class Cache {
 public:
  /// The value stored under `key`, if any.
  std::optional<std::string> get(const std::string& key) const;
  /// Stores `value` under `key`, replacing any previous value.
  void put(const std::string& key, const std::string& value);

 private:
  mutable std::shared_mutex lock_;
  std::map<std::string, std::string> entries_;
};

/// @brief Task 7: processes sharing memory on purpose.
///
/// Maps one counter with mmap(): MAP_SHARED | MAP_ANONYMOUS when `shared`
/// is true, MAP_PRIVATE | MAP_ANONYMOUS otherwise. Forks `children` children;
/// each adds 1 to the counter `increments` times with an atomic operation
/// (std::atomic_ref or a lock-free std::atomic placed in the mapping) and
/// `_exit`s. Waits for all of them, then reads the counter.
///
/// @return children * increments with a shared mapping; 0 with a private one
///         (each child incremented its own copy).
/// @throws std::system_error if mmap or fork fails (children already started
///         are reaped first).
long long count_in_children(unsigned children, long increments, bool shared);

}  // namespace lab03

/// @}
