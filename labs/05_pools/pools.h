#pragma once

/// @file
/// @brief Lab 05 contract: messages, pools and shared state between
/// processes.
/// @ingroup lab05
///
/// The capstone: the recipes of Labs 01-04 put together to answer one
/// question with numbers, when is a pool of processes worth it over a pool
/// of threads? Processes share nothing unless they arrange it, so the first
/// task is the one every later one stands on: messages that cross a pipe
/// whole. Then state that processes share on purpose (a queue in a shared
/// mapping, an event), the thread pool and the process pool built from them,
/// and a process that runs on its own in the background.
///
/// Classes whose state is yours to design hide it behind a pointer to a
/// type you define in pools.cc (`struct SharedQueue::Shared { ... };`).

/// @defgroup lab05 Lab 05: pools
/// @brief Messages between processes, and the pools built on them.
/// @{

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

/// @brief Lab 05: messages, pools and shared state between processes.
/// @ingroup lab05
namespace lab05 {

/// The largest message a frame may carry: 16 MiB. A length above it is a
/// broken or hostile stream, never a reason to allocate gigabytes.
inline constexpr std::size_t kMaxMessage = std::size_t{16} << 20;

/// A stream that is not a sequence of whole frames: it ended inside a frame,
/// or a frame announced more than kMaxMessage bytes.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// @brief Task 1: writes `message` to `fd` as one frame: its length as a
/// 4-byte unsigned integer in the machine's byte order, then its bytes.
///
/// - A write may take fewer bytes than asked (a pipe that is nearly full, a
///   socket): the rest is written until the whole frame is out. A write
///   interrupted by a signal (EINTR) is retried.
/// - A frame of at most PIPE_BUF bytes (length included) is handed to the
///   kernel in one write() call, so that frames that several threads or
///   processes write to one pipe at once never interleave.
/// - Writing to a pipe or socket nobody reads any more throws
///   std::system_error with EPIPE; it never kills the process with SIGPIPE,
///   and it leaves the process's signal dispositions and the calling
///   thread's signal mask as they were.
///
/// @throws std::invalid_argument if `message` is longer than kMaxMessage.
/// @throws std::system_error for a write that fails (EPIPE included).
///
/// @snippet 05_pools/tests/public_test.cc round trip
void send_message(int fd, std::string_view message);

/// @brief Task 1: reads one frame from `fd` and returns its message.
///
/// A read may return fewer bytes than asked, down to one at a time: the
/// frame is read until it is whole. A read interrupted by a signal (EINTR)
/// is retried.
///
/// @return The message, or std::nullopt if the stream ended cleanly, before
///         the first byte of a frame.
/// @throws ProtocolError if the stream ends inside a frame (its length
///         included), or if the length is above kMaxMessage (checked before
///         anything is allocated for it).
/// @throws std::system_error for a read that fails.
std::optional<std::string> receive_message(int fd);

/// @name Task 2: a queue that processes share
/// @{

/// The most values a SharedQueue may hold.
inline constexpr std::size_t kMaxQueueCapacity = 1024;

/// @brief Task 2: a bounded first-in first-out queue of `long` values that
/// processes share.
///
/// The queue lives in a shared mapping (`mmap` with `MAP_SHARED |
/// MAP_ANONYMOUS`) made by the constructor, so a queue made before `fork()`
/// is the same queue in the parent and in the child: what one pushes, the
/// other pops. Its lock and its two conditions (not full, not empty) are
/// process-shared (`PTHREAD_PROCESS_SHARED`), and the lock is robust
/// (`PTHREAD_MUTEX_ROBUST`): when a process dies holding it, the next one to
/// lock it gets `EOWNERDEAD`, makes it consistent
/// (`pthread_mutex_consistent`) and carries on, with the queue as the dead
/// process left it (a push or pop either happened whole or not at all).
///
/// @snippet 05_pools/tests/public_test.cc shared queue
class SharedQueue {
 public:
  /// Maps a queue that can hold `capacity` values.
  /// @throws std::invalid_argument if `capacity` is 0 or above
  ///         kMaxQueueCapacity.
  /// @throws std::system_error if the mapping or the lock cannot be made.
  explicit SharedQueue(std::size_t capacity);
  /// Unmaps the queue from this process. Other processes that share it keep
  /// it; the memory goes back when the last of them unmaps it.
  ~SharedQueue();
  SharedQueue(const SharedQueue&) = delete;
  SharedQueue& operator=(const SharedQueue&) = delete;

  /// Adds `value` at the back, waiting while the queue is full.
  void push(long value);
  /// Removes and returns the front value, waiting while the queue is empty.
  long pop();
  /// As pop(), but gives up after `timeout`.
  /// @return The front value, or std::nullopt if the queue stayed empty for
  ///         the whole of `timeout`.
  std::optional<long> pop_for(std::chrono::milliseconds timeout);
  /// How many values the queue holds now.
  std::size_t size() const;
  /// Runs `inside` while holding the queue's lock, recovering it first if
  /// its owner died. For tests and experiments: a process that dies inside
  /// `inside` dies holding the lock.
  void locked(const std::function<void()>& inside);

  /// Your design: the queue's state in the shared mapping.
  struct Shared;

 private:
  Shared* shared_ = nullptr;
};

/// @}

/// @name Task 3: events
/// @{

/// @brief Task 3: an event that threads wait on: a flag that is set or
/// clear, and waiting until it is set.
///
/// set() wakes every thread waiting, not one; a thread that starts waiting
/// after set() returns at once; clear() makes later waits wait again.
class Event {
 public:
  Event();
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  /// Sets the flag and wakes every waiting thread.
  void set();
  /// Clears the flag.
  void clear();
  /// True if the flag is set.
  bool is_set() const;
  /// Returns once the flag is set (at once if it is set already).
  void wait();
  /// As wait(), but gives up after `timeout`.
  /// @return True if the flag was set, false if `timeout` passed first.
  bool wait_for(std::chrono::milliseconds timeout);

  /// Your design: the flag and whatever the waits need.
  struct State;

 private:
  std::unique_ptr<State> state_;
};

/// @brief Task 3: the same event for processes: made before `fork()`, set in
/// one process, seen and waited on in all of them.
///
/// Its state lives in a shared mapping, as SharedQueue's does: a futex word
/// (`SYS_futex` without `FUTEX_PRIVATE_FLAG`) or a process-shared mutex and
/// condition variable.
class ProcessEvent {
 public:
  ProcessEvent();
  /// Unmaps the event from this process.
  ~ProcessEvent();
  ProcessEvent(const ProcessEvent&) = delete;
  ProcessEvent& operator=(const ProcessEvent&) = delete;

  /// Sets the flag and wakes every waiter, in every process.
  void set();
  /// Clears the flag.
  void clear();
  /// True if the flag is set.
  bool is_set() const;
  /// Returns once the flag is set.
  void wait();
  /// As wait(), but gives up after `timeout`.
  /// @return True if the flag was set, false if `timeout` passed first.
  bool wait_for(std::chrono::milliseconds timeout);

  /// Your design: the event's state in the shared mapping.
  struct Shared;

 private:
  Shared* shared_ = nullptr;
};

/// @}

/// @name Task 4: a thread pool, and a lock taken twice
/// @{

/// Thrown by ThreadPool::submit after shutdown, and held by the future of a
/// task that shutdown cancelled before it ran.
class PoolClosed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// @brief Task 4: a fixed set of worker threads running tasks from a bounded
/// queue.
///
/// - Workers are started by the constructor and named `pool-0`, `pool-1`,
///   ... (`pthread_setname_np`; the names show in
///   `/proc/self/task/<tid>/comm`, in `top -H` and in gdb).
/// - A task that blocks holds up its own worker only: the others keep taking
///   tasks (never run a task while holding the queue's lock).
/// - A task's result, or the exception it threw, reaches its future.
///
/// @snippet 05_pools/tests/public_test.cc thread pool
class ThreadPool {
 public:
  /// What shutdown() does with the tasks still waiting in the queue.
  enum class Shutdown {
    finish,  ///< Run them all, then stop.
    cancel,  ///< Run none of them: their futures hold PoolClosed.
  };

  /// Starts `workers` threads and a queue of at most `capacity` waiting
  /// tasks.
  /// @throws std::invalid_argument if `workers` or `capacity` is 0.
  ThreadPool(std::size_t workers, std::size_t capacity);
  /// shutdown(Shutdown::finish), unless shutdown already ran.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// Queues `task`, waiting while `capacity` tasks wait already.
  /// @return The future of the task's result (or of the exception it
  ///         threw).
  /// @throws PoolClosed once shutdown() has started.
  std::future<long> submit(std::function<long()> task);
  /// Stops the pool: no task is accepted from now on; waiting tasks are run
  /// or cancelled as `how` says; tasks already running always finish.
  /// Returns once every worker has been joined. A second call does nothing.
  void shutdown(Shutdown how);

  /// Your design: the queue, the workers and their lock.
  struct State;

 private:
  std::unique_ptr<State> state_;
};

/// @brief Task 4: accounts whose transfers call their own deposits and
/// withdrawals under one lock.
///
/// Every member function holds the ledger's lock while it runs, and
/// transfer() holds it from the withdrawal to the deposit, so that no one
/// ever sees money that left one account and has not reached the other.
/// transfer() calls withdraw() and deposit(), which take the lock again in
/// the same thread: the lock must allow it (`std::recursive_mutex`). A
/// plain `std::mutex` locked twice by one thread deadlocks.
class Ledger {
 public:
  Ledger();
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  /// Adds `amount` (at least 0) to `account`, opening it if it is new.
  void deposit(const std::string& account, long amount);
  /// Takes `amount` from `account` if it holds that much.
  /// @return False, and nothing changes, if it holds less.
  bool withdraw(const std::string& account, long amount);
  /// Moves `amount` from `from` to `to` by calling withdraw() and then
  /// deposit(), all under the ledger's lock.
  /// @return False, and nothing changes, if `from` holds less than `amount`.
  bool transfer(const std::string& from, const std::string& to, long amount);
  /// What `account` holds (0 for an account never seen).
  long balance(const std::string& account) const;
  /// The sum of every account: transfers never change it.
  long total() const;

  /// Your design: the balances and the lock.
  struct Books;

 private:
  std::unique_ptr<Books> books_;
};

/// @}

/// @name Task 5: a process pool
/// @{

/// How one input of ProcessPool::map ended.
struct Outcome {
  /// True if the function returned a value for the input.
  bool ok = false;
  /// The value the function returned (empty unless `ok`).
  std::string value;
  /// Why there is no value: `threw: <what()>`, `worker died: <how>` (for
  /// example `worker died: killed by signal 11`) or `timed out`.
  std::string error;
};

/// @brief Task 5: pre-forked worker processes that map a function over
/// inputs, sent and answered through Task 1's messages.
///
/// - **Pre-forked from a clean process.** The constructor forks a *fork
///   server* (named `pool-server`) before anything else, and every worker,
///   the first ones and each replacement, is forked by it. A worker forked
///   later from the program itself would copy the program's threads' locks
///   in whatever state they are: locked forever in the child, if another
///   thread held one at that moment. The server keeps nothing of the
///   program's but its channel to the pool, and puts every signal back to
///   its default action.
/// - **Workers hold nothing of anyone else's**: file descriptors 0, 1 and 2
///   and the two ends of their own channel, nothing more, so that one
///   worker's channel is never kept open by another process.
/// - **Named**: `pool-worker-0`, `pool-worker-1`, ... (`prctl(PR_SET_NAME)`,
///   seen in `/proc/<pid>/comm`), numbered by slot.
/// - **Crashes are contained**: a worker that dies fails the input it was
///   running (`worker died: ...`) and is replaced; the other inputs go on.
/// - **Stopped in steps**: a worker to stop gets SIGTERM, then SIGKILL if it
///   is still there after the grace period. Every process the pool made is
///   reaped before the pool is gone: no zombie.
///
/// @snippet 05_pools/tests/public_test.cc process pool
class ProcessPool {
 public:
  /// The function workers run on each input. A plain function: it runs in
  /// another process, so it must not count on anything but its input and
  /// the program's state at the time the pool was made.
  using Function = std::string (*)(const std::string& input);

  /// Forks the fork server and `workers` workers that run `function`.
  /// `grace`: how long a worker gets between SIGTERM and SIGKILL.
  /// @throws std::invalid_argument if `workers` is 0 or above 64, or
  ///         `function` is null.
  /// @throws std::system_error if a process or channel cannot be made.
  ProcessPool(std::size_t workers, Function function,
              std::chrono::milliseconds grace = std::chrono::milliseconds(500));
  /// shutdown(), unless it already ran.
  ~ProcessPool();
  ProcessPool(const ProcessPool&) = delete;
  ProcessPool& operator=(const ProcessPool&) = delete;

  /// Runs the function on every input, up to one input per worker at a
  /// time, and returns one Outcome per input, in the order of the inputs.
  /// An input not answered within `time_limit` fails (`timed out`) and its
  /// worker is stopped (SIGTERM, grace, SIGKILL) and replaced.
  /// @throws std::logic_error after shutdown().
  std::vector<Outcome> map(const std::vector<std::string>& inputs,
                           std::chrono::milliseconds time_limit = std::chrono::seconds(60));
  /// The process ids of the current workers, by slot.
  std::vector<pid_t> worker_pids() const;
  /// Closes every worker's channel (a worker exits when its input ends),
  /// stops those still there after the grace period (SIGTERM, grace,
  /// SIGKILL), reaps every worker and the fork server. A second call does
  /// nothing.
  void shutdown();

  /// Your design: the fork server, the workers and their channels.
  struct Workers;

 private:
  std::unique_ptr<Workers> workers_;
};

/// @}

/// @name Task 6: a background service
/// @{

/// The work a daemon does: it runs until stop_requested() says true, then
/// returns.
using Service = void (*)();

/// @brief Task 6: in a daemon, true once it has received SIGTERM.
///
/// Set from the SIGTERM handler start_daemon() installs; safe to call from
/// the service at any time.
bool stop_requested();

/// @brief Task 6: starts `service` in a daemon, a process of its own in the
/// background, and returns the daemon's pid once its pidfile is written.
///
/// The daemon is made the classic way:
/// 1. fork; the child calls `setsid()` (a new session, away from the
///    terminal's job control), then forks again and exits, so the daemon is
///    not a session leader and can never acquire a controlling terminal;
///    the first child is reaped by start_daemon();
/// 2. the daemon changes directory to `/` and sets its umask to 022;
/// 3. it closes every file descriptor it inherited and opens `/dev/null` as
///    0, 1 and 2, so it keeps no terminal, pipe or file of its caller open;
/// 4. it installs a SIGTERM handler that makes stop_requested() true;
/// 5. it writes its pid and a newline to `pidfile` (whole or not at all:
///    written to another name and renamed), runs `service`, removes
///    `pidfile` and exits with status 0.
///
/// @throws std::invalid_argument if `pidfile` is not an absolute path.
/// @throws std::system_error if the daemon cannot be made or cannot write
///         its pidfile (within 5 seconds).
pid_t start_daemon(const std::string& pidfile, Service service);

/// @brief Task 6: stops the daemon whose pid `pidfile` holds: SIGTERM, then
/// SIGKILL if it has not removed its pidfile within `grace`.
///
/// @return True if the daemon stopped on SIGTERM (its pidfile is gone);
///         false if it had to be killed, or was gone already (the pidfile
///         is then removed here).
/// @throws std::system_error if `pidfile` cannot be read or does not hold a
///         process id above 1 (a kill() of 0 or -1 would reach a whole
///         process group, or every process).
bool stop_daemon(const std::string& pidfile, std::chrono::milliseconds grace);

/// @}

/// @name Task 7: what a pool costs
/// @{

/// The kinds of work the cost comparison runs.
enum class Workload {
  cpu,  ///< Arithmetic, about half a millisecond here: the CPU is the limit.
  io,   ///< 10 milliseconds of waiting, standing in for a disk or a network.
};

/// @brief Task 7 (given, not yours to write): one task of `workload`.
///
/// Returns a number that depends on `seed`, so that no compiler can skip
/// the work and every way of running the tasks can be checked to agree.
inline long run_workload(Workload workload, long seed) {
  if (workload == Workload::io) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return seed % 1000;
  }
  auto x = static_cast<unsigned long>(seed) * 2654435761UL + 1;
  for (int i = 0; i < 250000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return static_cast<long>(x % 1000);
}

/// What running one batch of tasks costs each way, in microseconds per
/// task: the wall time from before the pool (or the first process) is made
/// until every result is in and every thread or process is gone, divided by
/// the number of tasks.
struct PoolCosts {
  double thread_pool_us = 0;       ///< Through a ThreadPool of `workers` threads.
  double process_pool_us = 0;      ///< Through a ProcessPool of `workers` processes.
  double process_per_task_us = 0;  ///< A fork() per task, up to `workers` at once.
};

/// @brief Task 7: runs `tasks` tasks of `workload` (seeds 0 to `tasks` - 1)
/// three ways, with `workers` at work at once, and measures each way.
///
/// - Thread pool: your ThreadPool; each task's result through its future.
/// - Process pool: your ProcessPool; the seed goes out and the result comes
///   back as text.
/// - A process per task: fork a child that runs one task and sends its
///   result back through a pipe, never more than `workers` children at once
///   (start the next when one is reaped); every child reaped.
///
/// @throws std::invalid_argument if `tasks` or `workers` is 0.
/// @throws std::runtime_error if the three ways' results do not agree (the
///         sum of every task's result).
///
/// @snippet 05_pools/tests/public_test.cc pool costs
PoolCosts pool_costs(Workload workload, std::size_t tasks, std::size_t workers);

/// @}

}  // namespace lab05

/// @}
