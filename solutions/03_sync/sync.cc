// Reference solution for Lab 03. Implements labs/03_sync/sync.h.

#include "labs/03_sync/sync.h"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace lab03 {
namespace {

template <typename Body>
void run_threads(unsigned threads, Body body) {
  std::vector<std::jthread> workers;
  for (unsigned t = 0; t < threads; ++t) workers.emplace_back(body);
}  // The jthreads join here.

}  // namespace

long long count_with_mutex(unsigned threads, long increments) {
  std::mutex lock;
  long long counter = 0;
  run_threads(threads, [&] {
    for (long i = 0; i < increments; ++i) {
      std::lock_guard<std::mutex> hold(lock);  // Read, add and write as one step.
      ++counter;
    }
  });
  return counter;
}

long long count_with_atomic(unsigned threads, long increments) {
  std::atomic<long long> counter{0};
  run_threads(threads, [&] {
    for (long i = 0; i < increments; ++i) counter.fetch_add(1, std::memory_order_relaxed);
  });
  return counter.load();  // After the joins: every increment is visible.
}

Bank::Bank(std::size_t accounts, long initial) : accounts_(accounts) {
  for (auto& account : accounts_) account.balance = initial;
}

bool Bank::transfer(std::size_t from, std::size_t to, long amount) {
  if (from >= accounts_.size() || to >= accounts_.size()) {
    throw std::out_of_range("no such account");
  }
  if (amount < 0) throw std::invalid_argument("negative amount");
  if (from == to) {
    std::lock_guard<std::mutex> hold(accounts_[from].lock);
    return accounts_[from].balance >= amount;
  }
  // scoped_lock takes both locks without deadlock, whatever order other
  // threads name them in.
  std::scoped_lock hold(accounts_[from].lock, accounts_[to].lock);
  if (accounts_[from].balance < amount) return false;
  accounts_[from].balance -= amount;
  accounts_[to].balance += amount;
  return true;
}

long Bank::balance(std::size_t account) const {
  const Account& a = accounts_.at(account);
  std::lock_guard<std::mutex> hold(a.lock);
  return a.balance;
}

long Bank::total() const {
  // Hold every lock at once, in index order (the same order for everyone who
  // holds more than two), so the snapshot is consistent.
  std::vector<std::unique_lock<std::mutex>> holds;
  holds.reserve(accounts_.size());
  long sum = 0;
  for (const auto& account : accounts_) {
    holds.emplace_back(account.lock);
    sum += account.balance;
  }
  return sum;
}

BoundedQueue::BoundedQueue(std::size_t capacity) : ring_(capacity) {
  if (capacity == 0) throw std::invalid_argument("capacity 0");
}

bool BoundedQueue::push(int value) {
  std::unique_lock<std::mutex> hold(lock_);
  // A predicate loop: re-checked after every wake-up, spurious ones included.
  not_full_.wait(hold, [this] { return closed_ || size_ < ring_.size(); });
  if (closed_) return false;
  ring_[(head_ + size_) % ring_.size()] = value;
  ++size_;
  not_empty_.notify_one();
  return true;
}

std::optional<int> BoundedQueue::pop() {
  std::unique_lock<std::mutex> hold(lock_);
  not_empty_.wait(hold, [this] { return closed_ || size_ > 0; });
  if (size_ == 0) return std::nullopt;  // Closed and drained.
  int value = ring_[head_];
  head_ = (head_ + 1) % ring_.size();
  --size_;
  not_full_.notify_one();
  return value;
}

void BoundedQueue::close() {
  {
    std::lock_guard<std::mutex> hold(lock_);
    closed_ = true;
  }
  // Every waiter must see the change, not just one.
  not_empty_.notify_all();
  not_full_.notify_all();
}

Semaphore::Semaphore(int initial) : count_(initial) {
  if (initial < 0) throw std::invalid_argument("negative initial count");
}

void Semaphore::acquire() {
  std::unique_lock<std::mutex> hold(lock_);
  available_.wait(hold, [this] { return count_ > 0; });
  --count_;
}

bool Semaphore::try_acquire() {
  std::lock_guard<std::mutex> hold(lock_);
  if (count_ == 0) return false;
  --count_;
  return true;
}

void Semaphore::release(int n) {
  if (n < 1) throw std::invalid_argument("release of fewer than one unit");
  {
    std::lock_guard<std::mutex> hold(lock_);
    count_ += n;
  }
  if (n == 1) {
    available_.notify_one();
  } else {
    available_.notify_all();  // Up to n waiters can proceed; the rest wait again.
  }
}

Barrier::Barrier(std::size_t parties) : parties_(parties) {
  if (parties == 0) throw std::invalid_argument("barrier for 0 parties");
}

std::size_t Barrier::arrive_and_wait() {
  std::unique_lock<std::mutex> hold(lock_);
  const std::size_t round = round_;
  if (++arrived_ == parties_) {
    // Last to arrive: open this round and reset for the next one.
    arrived_ = 0;
    ++round_;
    round_done_.notify_all();
    return round;
  }
  // Waiting for the round number to change (not for a count) keeps a fast
  // thread's next arrival from being mistaken for this round's.
  round_done_.wait(hold, [&] { return round_ != round; });
  return round;
}

std::optional<std::string> Cache::get(const std::string& key) const {
  std::shared_lock<std::shared_mutex> hold(lock_);
  auto found = entries_.find(key);
  if (found == entries_.end()) return std::nullopt;
  return found->second;
}

void Cache::put(const std::string& key, const std::string& value) {
  std::unique_lock<std::shared_mutex> hold(lock_);
  entries_[key] = value;
}

long long count_in_children(unsigned children, long increments, bool shared) {
  static_assert(std::atomic<long long>::is_always_lock_free,
                "a lock-free atomic works across processes");
  const int visibility = shared ? MAP_SHARED : MAP_PRIVATE;
  void* memory = mmap(nullptr, sizeof(long long), PROT_READ | PROT_WRITE,
                      visibility | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap");
  auto* counter = new (memory) std::atomic<long long>(0);
  std::vector<pid_t> pids;
  int fork_error = 0;
  for (unsigned c = 0; c < children; ++c) {
    pid_t pid = fork();
    if (pid < 0) {
      fork_error = errno;
      break;
    }
    if (pid == 0) {
      for (long i = 0; i < increments; ++i) counter->fetch_add(1, std::memory_order_relaxed);
      _exit(0);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  const long long value = counter->load();
  munmap(memory, sizeof(long long));
  if (fork_error != 0) throw std::system_error(fork_error, std::generic_category(), "fork");
  return value;
}

}  // namespace lab03
