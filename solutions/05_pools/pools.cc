// Lab 05 reference solution. Never shipped to students.

#include "labs/05_pools/pools.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

namespace lab05 {
namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Keeps SIGPIPE from killing the process while it lives: the signal is
// blocked in the calling thread (a write to a broken pipe sends it to the
// thread that wrote), and one this thread caused is taken back before the
// mask is restored. Nothing process-wide changes, so other threads and the
// program's own handler are untouched.
class SigpipeHeld {
 public:
  SigpipeHeld() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_mask_);
  }
  ~SigpipeHeld() {
    if (raised_ && !was_pending_) {
      const timespec now{};
      while (sigtimedwait(&pipe_, nullptr, &now) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeHeld(const SigpipeHeld&) = delete;
  SigpipeHeld& operator=(const SigpipeHeld&) = delete;
  // The write failed with EPIPE: a SIGPIPE is pending for this thread.
  void raised() { raised_ = true; }

 private:
  sigset_t pipe_;
  sigset_t old_mask_;
  bool was_pending_ = false;
  bool raised_ = false;
};

// Reads up to `size` bytes, fewer only at end of file; returns how many.
std::size_t read_fully(int fd, char* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t got = ::read(fd, data + done, size - done);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw_errno("read");
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

}  // namespace

void send_message(int fd, std::string_view message) {
  if (message.size() > kMaxMessage) {
    throw std::invalid_argument("message of " + std::to_string(message.size()) +
                                " bytes is longer than kMaxMessage");
  }
  // Length and bytes in one buffer: a frame that fits in PIPE_BUF then goes
  // out in one write(), which a pipe keeps whole among concurrent writers.
  const auto length = static_cast<std::uint32_t>(message.size());
  std::string frame(sizeof length + message.size(), '\0');
  std::memcpy(frame.data(), &length, sizeof length);
  std::memcpy(frame.data() + sizeof length, message.data(), message.size());
  SigpipeHeld held;
  std::size_t done = 0;
  while (done < frame.size()) {
    const ssize_t put = ::write(fd, frame.data() + done, frame.size() - done);
    if (put < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) held.raised();
      throw_errno("write");
    }
    done += static_cast<std::size_t>(put);
  }
}

std::optional<std::string> receive_message(int fd) {
  std::uint32_t length = 0;
  const std::size_t got = read_fully(fd, reinterpret_cast<char*>(&length), sizeof length);
  if (got == 0) return std::nullopt;
  if (got < sizeof length) {
    throw ProtocolError("the stream ended inside a frame's length (" + std::to_string(got) +
                        " of 4 bytes)");
  }
  if (length > kMaxMessage) {
    throw ProtocolError("a frame announced " + std::to_string(length) +
                        " bytes, more than kMaxMessage");
  }
  std::string message(length, '\0');
  const std::size_t body = read_fully(fd, message.data(), length);
  if (body < length) {
    throw ProtocolError("the stream ended inside a frame (" + std::to_string(body) + " of " +
                        std::to_string(length) + " bytes)");
  }
  return message;
}

// ---------------------------------------------------------------------------
// Task 2: SharedQueue.

namespace {

// Maps `size` zeroed bytes that every process forked afterwards shares.
void* map_shared(std::size_t size) {
  void* memory = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw_errno("mmap");
  return memory;
}

void check(int error, const char* what) {
  if (error != 0) throw std::system_error(error, std::generic_category(), what);
}

// An absolute CLOCK_MONOTONIC time `timeout` from now, for the timed waits
// of condition variables made with that clock.
timespec deadline_after(std::chrono::milliseconds timeout) {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const auto total = std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec) +
                     std::chrono::nanoseconds(timeout);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(total);
  return timespec{static_cast<time_t>(seconds.count()),
                  static_cast<long>((total - seconds).count())};
}

}  // namespace

struct SharedQueue::Shared {
  pthread_mutex_t lock;
  pthread_cond_t not_full;
  pthread_cond_t not_empty;
  std::size_t capacity;
  // A push or pop changes `count` last: a process that dies before leaves
  // the queue as it was, one that dies after leaves the change whole.
  std::size_t head;
  std::size_t count;
  long values[kMaxQueueCapacity];
};

namespace {

// Takes a robust lock; if its owner died holding it, marks it consistent.
// The queue needs no repair: a push or pop only counts once `count` is
// stored, and a dead process stores nothing more.
void lock_robust(pthread_mutex_t* lock) {
  const int error = ::pthread_mutex_lock(lock);
  if (error == EOWNERDEAD) {
    ::pthread_mutex_consistent(lock);
  } else {
    check(error, "pthread_mutex_lock");
  }
}

// Waits on `condition`, recovering the lock as lock_robust does if it comes
// back from a dead owner. Returns false on timeout.
bool wait_robust(pthread_cond_t* condition, pthread_mutex_t* lock, const timespec* deadline) {
  const int error = deadline != nullptr ? ::pthread_cond_timedwait(condition, lock, deadline)
                                        : ::pthread_cond_wait(condition, lock);
  if (error == EOWNERDEAD) {
    ::pthread_mutex_consistent(lock);
    return true;
  }
  if (error == ETIMEDOUT) return false;
  check(error, "pthread_cond_wait");
  return true;
}

class Locked {
 public:
  explicit Locked(pthread_mutex_t* lock) : lock_(lock) { lock_robust(lock_); }
  ~Locked() { ::pthread_mutex_unlock(lock_); }
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;

 private:
  pthread_mutex_t* lock_;
};

}  // namespace

SharedQueue::SharedQueue(std::size_t capacity) {
  if (capacity == 0 || capacity > kMaxQueueCapacity) {
    throw std::invalid_argument("a SharedQueue holds 1 to kMaxQueueCapacity values, not " +
                                std::to_string(capacity));
  }
  shared_ = static_cast<Shared*>(map_shared(sizeof(Shared)));
  pthread_mutexattr_t lock_attributes;
  ::pthread_mutexattr_init(&lock_attributes);
  ::pthread_mutexattr_setpshared(&lock_attributes, PTHREAD_PROCESS_SHARED);
  ::pthread_mutexattr_setrobust(&lock_attributes, PTHREAD_MUTEX_ROBUST);
  const int made = ::pthread_mutex_init(&shared_->lock, &lock_attributes);
  ::pthread_mutexattr_destroy(&lock_attributes);
  pthread_condattr_t condition_attributes;
  ::pthread_condattr_init(&condition_attributes);
  ::pthread_condattr_setpshared(&condition_attributes, PTHREAD_PROCESS_SHARED);
  ::pthread_condattr_setclock(&condition_attributes, CLOCK_MONOTONIC);
  ::pthread_cond_init(&shared_->not_full, &condition_attributes);
  ::pthread_cond_init(&shared_->not_empty, &condition_attributes);
  ::pthread_condattr_destroy(&condition_attributes);
  if (made != 0) {
    ::munmap(shared_, sizeof(Shared));
    check(made, "pthread_mutex_init");
  }
  shared_->capacity = capacity;
}

SharedQueue::~SharedQueue() {
  // Not destroyed: other processes may still use the lock and conditions.
  ::munmap(shared_, sizeof(Shared));
}

void SharedQueue::push(long value) {
  Locked held(&shared_->lock);
  while (shared_->count == shared_->capacity) {
    wait_robust(&shared_->not_full, &shared_->lock, nullptr);
  }
  shared_->values[(shared_->head + shared_->count) % shared_->capacity] = value;
  ++shared_->count;
  ::pthread_cond_signal(&shared_->not_empty);
}

long SharedQueue::pop() {
  Locked held(&shared_->lock);
  while (shared_->count == 0) wait_robust(&shared_->not_empty, &shared_->lock, nullptr);
  const long value = shared_->values[shared_->head];
  shared_->head = (shared_->head + 1) % shared_->capacity;
  --shared_->count;
  ::pthread_cond_signal(&shared_->not_full);
  return value;
}

std::optional<long> SharedQueue::pop_for(std::chrono::milliseconds timeout) {
  const timespec deadline = deadline_after(timeout);
  Locked held(&shared_->lock);
  while (shared_->count == 0) {
    if (!wait_robust(&shared_->not_empty, &shared_->lock, &deadline) && shared_->count == 0) {
      return std::nullopt;
    }
  }
  const long value = shared_->values[shared_->head];
  shared_->head = (shared_->head + 1) % shared_->capacity;
  --shared_->count;
  ::pthread_cond_signal(&shared_->not_full);
  return value;
}

std::size_t SharedQueue::size() const {
  Locked held(&shared_->lock);
  return shared_->count;
}

void SharedQueue::locked(const std::function<void()>& inside) {
  Locked held(&shared_->lock);
  inside();
}

// ---------------------------------------------------------------------------
// Task 3: Event and ProcessEvent.

struct Event::State {
  mutable std::mutex lock;
  std::condition_variable changed;
  bool set = false;
};

Event::Event() : state_(std::make_unique<State>()) {}
Event::~Event() = default;

void Event::set() {
  {
    std::lock_guard held(state_->lock);
    state_->set = true;
  }
  state_->changed.notify_all();
}

void Event::clear() {
  std::lock_guard held(state_->lock);
  state_->set = false;
}

bool Event::is_set() const {
  std::lock_guard held(state_->lock);
  return state_->set;
}

void Event::wait() {
  std::unique_lock held(state_->lock);
  state_->changed.wait(held, [this] { return state_->set; });
}

bool Event::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock held(state_->lock);
  return state_->changed.wait_for(held, timeout, [this] { return state_->set; });
}

// A futex word: 0 clear, 1 set. Waiters sleep in the kernel while it is 0;
// set() stores 1 and wakes them all. Shared futexes (no FUTEX_PRIVATE_FLAG)
// are found by their page, so they work across processes.
struct ProcessEvent::Shared {
  std::atomic<std::uint32_t> word;
};

namespace {

void futex(std::atomic<std::uint32_t>* word, int operation, std::uint32_t value,
           const timespec* timeout) {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), operation, value, timeout, nullptr,
            0);
}

}  // namespace

ProcessEvent::ProcessEvent() : shared_(static_cast<Shared*>(map_shared(sizeof(Shared)))) {}

ProcessEvent::~ProcessEvent() { ::munmap(shared_, sizeof(Shared)); }

void ProcessEvent::set() {
  shared_->word.store(1);
  futex(&shared_->word, FUTEX_WAKE, INT_MAX, nullptr);
}

void ProcessEvent::clear() { shared_->word.store(0); }

bool ProcessEvent::is_set() const { return shared_->word.load() == 1; }

void ProcessEvent::wait() {
  while (shared_->word.load() == 0) futex(&shared_->word, FUTEX_WAIT, 0, nullptr);
}

bool ProcessEvent::wait_for(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (shared_->word.load() == 0) {
    const auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::nanoseconds::zero()) return false;
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(left);
    const timespec relative{static_cast<time_t>(seconds.count()),
                            static_cast<long>((left - seconds).count())};
    futex(&shared_->word, FUTEX_WAIT, 0, &relative);
  }
  return true;
}

// ---------------------------------------------------------------------------
// Task 4: ThreadPool and Ledger.

namespace {

struct Job {
  std::function<long()> run;
  std::promise<long> result;
};

}  // namespace

struct ThreadPool::State {
  std::mutex lock;
  std::condition_variable has_job;   // Workers wait on it.
  std::condition_variable has_room;  // submit() waits on it.
  std::deque<Job> queue;
  std::size_t capacity = 0;
  bool closed = false;
  std::vector<std::thread> workers;

  void work() {
    for (;;) {
      Job job;
      {
        std::unique_lock held(lock);
        has_job.wait(held, [this] { return closed || !queue.empty(); });
        if (queue.empty()) return;  // Closed, and nothing left to run.
        job = std::move(queue.front());
        queue.pop_front();
      }
      has_room.notify_one();
      // Outside the lock: a task that blocks holds up this worker only.
      try {
        job.result.set_value(job.run());
      } catch (...) {
        job.result.set_exception(std::current_exception());
      }
    }
  }
};

ThreadPool::ThreadPool(std::size_t workers, std::size_t capacity)
    : state_(std::make_unique<State>()) {
  if (workers == 0 || capacity == 0) {
    throw std::invalid_argument("a ThreadPool needs at least one worker and room for one task");
  }
  state_->capacity = capacity;
  for (std::size_t i = 0; i < workers; ++i) {
    state_->workers.emplace_back([state = state_.get()] { state->work(); });
    const std::string name = "pool-" + std::to_string(i);
    ::pthread_setname_np(state_->workers.back().native_handle(), name.c_str());
  }
}

ThreadPool::~ThreadPool() { shutdown(Shutdown::finish); }

std::future<long> ThreadPool::submit(std::function<long()> task) {
  Job job{std::move(task), {}};
  std::future<long> result = job.result.get_future();
  {
    std::unique_lock held(state_->lock);
    state_->has_room.wait(
        held, [this] { return state_->closed || state_->queue.size() < state_->capacity; });
    if (state_->closed) throw PoolClosed("submit after the pool's shutdown");
    state_->queue.push_back(std::move(job));
  }
  state_->has_job.notify_one();
  return result;
}

void ThreadPool::shutdown(Shutdown how) {
  std::deque<Job> cancelled;
  {
    std::lock_guard held(state_->lock);
    if (state_->closed) return;  // Stopped already.
    state_->closed = true;
    if (how == Shutdown::cancel) cancelled.swap(state_->queue);
  }
  state_->has_job.notify_all();
  state_->has_room.notify_all();
  for (Job& job : cancelled) {
    job.result.set_exception(std::make_exception_ptr(PoolClosed("cancelled by shutdown")));
  }
  for (auto& worker : state_->workers) worker.join();
}

struct Ledger::Books {
  // Recursive: transfer() holds it while withdraw() and deposit() take it
  // again in the same thread.
  mutable std::recursive_mutex lock;
  std::map<std::string, long> balances;
};

Ledger::Ledger() : books_(std::make_unique<Books>()) {}
Ledger::~Ledger() = default;

void Ledger::deposit(const std::string& account, long amount) {
  std::lock_guard held(books_->lock);
  books_->balances[account] += amount;
}

bool Ledger::withdraw(const std::string& account, long amount) {
  std::lock_guard held(books_->lock);
  long& balance = books_->balances[account];
  if (balance < amount) return false;
  balance -= amount;
  return true;
}

bool Ledger::transfer(const std::string& from, const std::string& to, long amount) {
  std::lock_guard held(books_->lock);
  if (!withdraw(from, amount)) return false;
  deposit(to, amount);
  return true;
}

long Ledger::balance(const std::string& account) const {
  std::lock_guard held(books_->lock);
  const auto found = books_->balances.find(account);
  return found == books_->balances.end() ? 0 : found->second;
}

long Ledger::total() const {
  std::lock_guard held(books_->lock);
  long sum = 0;
  for (const auto& [account, balance] : books_->balances) sum += balance;
  return sum;
}

// ---------------------------------------------------------------------------
// Task 5: ProcessPool.
//
// The parent talks to its fork server over a SOCK_SEQPACKET socket: one
// Request per packet, one Reply per Request. A spawn request carries the
// new worker's two channel ends (SCM_RIGHTS); the server forks the worker
// and, being its parent, is the one that reaps it.

namespace {

struct Request {
  enum Kind : char { spawn, reap, stop, quit } kind;
  int slot = 0;      // spawn: the worker's number, for its name.
  pid_t pid = 0;     // reap, stop: the worker.
  int grace_ms = 0;  // stop, quit.
};

struct Reply {
  pid_t pid = 0;   // spawn: the new worker, or -errno.
  int status = 0;  // reap, stop: the worker's wait status.
};

constexpr int kServerChannel = 3;  // The server's end of the control socket.
constexpr int kWorkerInput = 3;
constexpr int kWorkerOutput = 4;

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

// Sends one packet, with two file descriptors if `fds` is not null.
void send_packet(int socket, const void* data, std::size_t size, const int* fds = nullptr) {
  iovec part{const_cast<void*>(data), size};
  msghdr header{};
  header.msg_iov = &part;
  header.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))];
  if (fds != nullptr) {
    header.msg_control = control;
    header.msg_controllen = sizeof control;
    cmsghdr* rights = CMSG_FIRSTHDR(&header);
    rights->cmsg_level = SOL_SOCKET;
    rights->cmsg_type = SCM_RIGHTS;
    rights->cmsg_len = CMSG_LEN(2 * sizeof(int));
    std::memcpy(CMSG_DATA(rights), fds, 2 * sizeof(int));
  }
  while (::sendmsg(socket, &header, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) throw_errno("sendmsg to the fork server");
  }
}

// Receives one packet into `data`; the file descriptors it carries, if any,
// into `fds`. Returns false at end of stream.
bool receive_packet(int socket, void* data, std::size_t size, int* fds = nullptr) {
  iovec part{data, size};
  msghdr header{};
  header.msg_iov = &part;
  header.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))];
  header.msg_control = control;
  header.msg_controllen = sizeof control;
  ssize_t got;
  while ((got = ::recvmsg(socket, &header, MSG_CMSG_CLOEXEC)) < 0) {
    if (errno != EINTR) return false;
  }
  if (got != static_cast<ssize_t>(size)) return false;
  const cmsghdr* rights = CMSG_FIRSTHDR(&header);
  if (fds != nullptr && rights != nullptr && rights->cmsg_type == SCM_RIGHTS) {
    std::memcpy(fds, CMSG_DATA(rights), 2 * sizeof(int));
  }
  return true;
}

// Waits up to `grace` for `pid` (a child) to end; returns its status, or -1
// if it is still running.
int wait_within(pid_t pid, std::chrono::milliseconds grace) {
  const auto until = std::chrono::steady_clock::now() + grace;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR) return 0;  // Not ours any more.
    if (std::chrono::steady_clock::now() >= until) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// SIGTERM, then SIGKILL if `pid` is still there after `grace`; reaps it.
int stop_child(pid_t pid, std::chrono::milliseconds grace) {
  ::kill(pid, SIGTERM);
  int status = wait_within(pid, grace);
  if (status == -1) {
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  return status;
}

[[noreturn]] void run_worker(int slot, ProcessPool::Function function) {
  // The channel ends arrive as the lowest free numbers; move them to 3 and
  // 4 (dup2 onto 3 also closes the control socket), close everything else.
  const std::string name = "pool-worker-" + std::to_string(slot);
  ::prctl(PR_SET_NAME, name.c_str());
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // The server's end is the worker's.
  ::signal(SIGTERM, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (;;) {
    std::optional<std::string> input;
    try {
      input = receive_message(kWorkerInput);
    } catch (...) {
      ::_exit(1);
    }
    if (!input) ::_exit(0);  // The pool closed the channel.
    std::string reply;
    try {
      reply = "v" + function(*input);
    } catch (const std::exception& e) {
      reply = std::string("ethrew: ") + e.what();
    } catch (...) {
      reply = "ethrew: an exception that is not a std::exception";
    }
    try {
      send_message(kWorkerOutput, reply);
    } catch (...) {
      ::_exit(1);
    }
  }
}

[[noreturn]] void run_fork_server(ProcessPool::Function function) {
  ::prctl(PR_SET_NAME, "pool-server");
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // A clean process: the program's signal handlers are not the workers'
  // (SIGCHLD ignored would also take waitpid() away from the server).
  for (int signal = 1; signal < NSIG; ++signal) {
    if (signal != SIGKILL && signal != SIGSTOP) ::signal(signal, SIG_DFL);
  }
  std::map<pid_t, bool> workers;
  const auto stop_all = [&](std::chrono::milliseconds grace) {
    for (auto& [pid, gone] : workers) gone = wait_within(pid, grace) != -1;
    for (auto& [pid, gone] : workers) {
      if (!gone) stop_child(pid, grace);
    }
    ::_exit(0);
  };
  for (;;) {
    Request request{};
    int fds[2] = {-1, -1};
    if (!receive_packet(kServerChannel, &request, sizeof request, fds)) {
      stop_all(std::chrono::milliseconds(100));  // The pool's process is gone.
    }
    Reply reply;
    switch (request.kind) {
      case Request::spawn: {
        const pid_t pid = ::fork();
        if (pid == 0) {
          if (::dup2(fds[0], kWorkerInput) < 0 || ::dup2(fds[1], kWorkerOutput) < 0) ::_exit(1);
          ::close_range(kWorkerOutput + 1, ~0U, 0);
          run_worker(request.slot, function);
        }
        reply.pid = pid < 0 ? -errno : pid;
        if (pid > 0) workers[pid] = false;
        ::close(fds[0]);
        ::close(fds[1]);
        break;
      }
      case Request::reap:
        while (::waitpid(request.pid, &reply.status, 0) < 0 && errno == EINTR) {
        }
        workers.erase(request.pid);
        break;
      case Request::stop:
        reply.status = stop_child(request.pid, std::chrono::milliseconds(request.grace_ms));
        workers.erase(request.pid);
        break;
      case Request::quit:
        stop_all(std::chrono::milliseconds(request.grace_ms));  // No reply: it exits.
    }
    send_packet(kServerChannel, &reply, sizeof reply);
  }
}

}  // namespace

struct ProcessPool::Workers {
  struct Slot {
    pid_t pid = -1;
    int input = -1;   // The pool writes inputs here.
    int output = -1;  // And reads results here.
  };

  Function function = nullptr;
  std::chrono::milliseconds grace{};
  int server_channel = -1;
  pid_t server = -1;
  std::vector<Slot> slots;
  bool closed = false;

  Reply ask(const Request& request, const int* fds = nullptr) {
    send_packet(server_channel, &request, sizeof request, fds);
    Reply reply;
    if (!receive_packet(server_channel, &reply, sizeof reply)) {
      throw std::system_error(EPIPE, std::generic_category(), "the pool's fork server is gone");
    }
    return reply;
  }

  void spawn(std::size_t slot) {
    int input[2];
    int output[2];
    if (::pipe2(input, O_CLOEXEC) != 0) throw_errno("pipe2");
    if (::pipe2(output, O_CLOEXEC) != 0) {
      ::close(input[0]);
      ::close(input[1]);
      throw_errno("pipe2");
    }
    const int theirs[2] = {input[0], output[1]};
    Request request{Request::spawn};
    request.slot = static_cast<int>(slot);
    Reply reply;
    try {
      reply = ask(request, theirs);
    } catch (...) {
      for (int fd : {input[0], input[1], output[0], output[1]}) ::close(fd);
      throw;
    }
    ::close(input[0]);
    ::close(output[1]);
    if (reply.pid < 0) {
      ::close(input[1]);
      ::close(output[0]);
      throw std::system_error(-reply.pid, std::generic_category(), "fork of a pool worker");
    }
    slots[slot] = Slot{reply.pid, input[1], output[0]};
  }

  // Closes a worker's channel; `how` says what happens to its process.
  int retire(std::size_t slot, Request::Kind how) {
    Slot& worker = slots[slot];
    ::close(worker.input);
    ::close(worker.output);
    Request request{how};
    request.pid = worker.pid;
    request.grace_ms = static_cast<int>(grace.count());
    worker = Slot{};
    return ask(request).status;
  }
};

ProcessPool::ProcessPool(std::size_t workers, Function function, std::chrono::milliseconds grace)
    : workers_(std::make_unique<Workers>()) {
  if (workers == 0 || workers > 64 || function == nullptr) {
    throw std::invalid_argument("a ProcessPool needs 1 to 64 workers and a function");
  }
  workers_->function = function;
  workers_->grace = grace;
  int channel[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, channel) != 0) {
    throw_errno("socketpair");
  }
  const pid_t server = ::fork();
  if (server < 0) {
    ::close(channel[0]);
    ::close(channel[1]);
    throw_errno("fork of the pool's fork server");
  }
  if (server == 0) {
    // Keep the control socket as 3 and nothing else of the program's.
    if (::dup2(channel[1], kServerChannel) < 0) ::_exit(1);
    ::close_range(kServerChannel + 1, ~0U, 0);
    run_fork_server(function);
  }
  ::close(channel[1]);
  workers_->server_channel = channel[0];
  workers_->server = server;
  workers_->slots.resize(workers);
  try {
    for (std::size_t slot = 0; slot < workers; ++slot) workers_->spawn(slot);
  } catch (...) {
    shutdown();
    throw;
  }
}

ProcessPool::~ProcessPool() { shutdown(); }

std::vector<Outcome> ProcessPool::map(const std::vector<std::string>& inputs,
                                      std::chrono::milliseconds time_limit) {
  if (workers_->closed) throw std::logic_error("map after the pool's shutdown");
  using Clock = std::chrono::steady_clock;
  std::vector<Outcome> outcomes(inputs.size());
  const std::size_t count = workers_->slots.size();
  std::vector<long> running(count, -1);  // The input each worker runs.
  std::vector<Clock::time_point> started(count);
  std::size_t next = 0;
  std::size_t busy = 0;
  const auto replace = [&](std::size_t slot, Request::Kind how, const std::string& error) {
    Outcome& failed = outcomes[static_cast<std::size_t>(running[slot])];
    const int status = workers_->retire(slot, how);
    failed.error = how == Request::reap ? "worker died: " + describe_status(status) : error;
    running[slot] = -1;
    --busy;
    workers_->spawn(slot);
  };
  while (next < inputs.size() || busy > 0) {
    for (std::size_t slot = 0; slot < count && next < inputs.size(); ++slot) {
      if (running[slot] != -1) continue;
      running[slot] = static_cast<long>(next);
      started[slot] = Clock::now();
      ++busy;
      try {
        send_message(workers_->slots[slot].input, inputs[next++]);
      } catch (const std::system_error&) {
        replace(slot, Request::reap, "");  // It died before reading.
      }
    }
    if (busy == 0) continue;
    std::vector<pollfd> watched;
    std::vector<std::size_t> of;
    Clock::time_point soonest = Clock::time_point::max();
    for (std::size_t slot = 0; slot < count; ++slot) {
      if (running[slot] == -1) continue;
      watched.push_back(pollfd{workers_->slots[slot].output, POLLIN, 0});
      of.push_back(slot);
      soonest = std::min(soonest, started[slot] + time_limit);
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(soonest - Clock::now());
    const int ready = ::poll(watched.data(), watched.size(),
                             static_cast<int>(std::clamp<long>(wait.count(), 0, 60'000)));
    if (ready < 0 && errno != EINTR) throw_errno("poll");
    for (std::size_t i = 0; i < watched.size(); ++i) {
      const std::size_t slot = of[i];
      if (watched[i].revents != 0) {
        std::optional<std::string> reply;
        try {
          reply = receive_message(workers_->slots[slot].output);
        } catch (const std::exception&) {
        }
        if (!reply || reply->empty()) {
          replace(slot, Request::reap, "");  // Its channel ended: it died.
          continue;
        }
        Outcome& done = outcomes[static_cast<std::size_t>(running[slot])];
        done.ok = (*reply)[0] == 'v';
        (done.ok ? done.value : done.error) = reply->substr(1);
        running[slot] = -1;
        --busy;
      } else if (Clock::now() >= started[slot] + time_limit) {
        replace(slot, Request::stop, "timed out");
      }
    }
  }
  return outcomes;
}

std::vector<pid_t> ProcessPool::worker_pids() const {
  std::vector<pid_t> pids;
  for (const auto& slot : workers_->slots) pids.push_back(slot.pid);
  return pids;
}

void ProcessPool::shutdown() {
  if (workers_->closed) return;
  workers_->closed = true;
  // Each worker sees its input end and exits; the server waits up to the
  // grace period for them, stops the rest, reaps them all and exits.
  for (auto& slot : workers_->slots) {
    if (slot.pid == -1) continue;
    ::close(slot.input);
    ::close(slot.output);
    slot = Workers::Slot{};
  }
  Request quit{Request::quit};
  quit.grace_ms = static_cast<int>(workers_->grace.count());
  try {
    send_packet(workers_->server_channel, &quit, sizeof quit);
  } catch (const std::system_error&) {
    ::kill(workers_->server, SIGKILL);  // It will not listen; its workers die with it.
  }
  ::close(workers_->server_channel);
  while (::waitpid(workers_->server, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// ---------------------------------------------------------------------------
// Task 6: a daemon.

namespace {

volatile std::sig_atomic_t stop_signalled = 0;

void on_sigterm(int) { stop_signalled = 1; }

// What the daemon tells start_daemon() once its pidfile is written, or the
// error that stopped it.
struct Ready {
  int error = 0;
  pid_t pid = 0;
};

[[noreturn]] void report_and_exit(int channel, int error) {
  const Ready ready{error, 0};
  (void)!::write(channel, &ready, sizeof ready);
  ::_exit(1);
}

[[noreturn]] void run_daemon(int channel, const std::string& pidfile, Service service) {
  if (::setsid() < 0) report_and_exit(channel, errno);
  const pid_t daemon = ::fork();
  if (daemon < 0) report_and_exit(channel, errno);
  if (daemon > 0) ::_exit(0);  // The session leader goes; its child stays.
  if (::chdir("/") != 0) report_and_exit(channel, errno);
  ::umask(022);
  // Nothing of the caller's stays open: the report channel moves to 3 while
  // the pidfile is written, 0-2 become /dev/null.
  if (channel != 3 && (::dup2(channel, 3) < 0 || ::close(channel) != 0)) ::_exit(1);
  channel = 3;
  ::close_range(4, ~0U, 0);
  const int null = ::open("/dev/null", O_RDWR);
  if (null < 0) report_and_exit(channel, errno);
  for (int fd = 0; fd <= 2; ++fd) ::dup2(null, fd);
  if (null > 2) ::close(null);
  struct sigaction action {};
  action.sa_handler = on_sigterm;
  ::sigaction(SIGTERM, &action, nullptr);
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ::sigprocmask(SIG_UNBLOCK, &term, nullptr);
  const std::string written = pidfile + ".new";
  const std::string line = std::to_string(::getpid()) + "\n";
  const int file = ::open(written.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (file < 0) report_and_exit(channel, errno);
  const bool whole = ::write(file, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  if (::close(file) != 0 || !whole || ::rename(written.c_str(), pidfile.c_str()) != 0) {
    const int error = errno != 0 ? errno : EIO;
    ::unlink(written.c_str());
    report_and_exit(channel, error);
  }
  const Ready ready{0, ::getpid()};
  (void)!::write(channel, &ready, sizeof ready);
  ::close(channel);
  service();
  ::unlink(pidfile.c_str());
  ::_exit(0);
}

// The pid a pidfile holds; refuses anything that is not one process's id
// (kill() with 0 or -1 would signal a whole group or every process).
pid_t read_pidfile(const std::string& pidfile) {
  std::ifstream file(pidfile);
  if (!file) throw std::system_error(errno, std::generic_category(), "open " + pidfile);
  long pid = 0;
  if (!(file >> pid) || pid <= 1 || pid > INT_MAX) {
    throw std::system_error(EINVAL, std::generic_category(),
                            pidfile + " does not hold a process id");
  }
  return static_cast<pid_t>(pid);
}

}  // namespace

bool stop_requested() { return stop_signalled != 0; }

pid_t start_daemon(const std::string& pidfile, Service service) {
  if (pidfile.empty() || pidfile.front() != '/') {
    throw std::invalid_argument("the pidfile must be an absolute path, not '" + pidfile + "'");
  }
  int channel[2];
  if (::pipe2(channel, O_CLOEXEC) != 0) throw_errno("pipe2");
  const pid_t first = ::fork();
  if (first < 0) {
    ::close(channel[0]);
    ::close(channel[1]);
    throw_errno("fork");
  }
  if (first == 0) {
    ::close(channel[0]);
    run_daemon(channel[1], pidfile, service);
  }
  ::close(channel[1]);
  while (::waitpid(first, nullptr, 0) < 0 && errno == EINTR) {
  }
  Ready ready{ETIMEDOUT, 0};
  pollfd readable{channel[0], POLLIN, 0};
  if (::poll(&readable, 1, 5000) == 1) {
    if (::read(channel[0], &ready, sizeof ready) != sizeof ready) ready = Ready{ECHILD, 0};
  }
  // Then the end of the channel: the daemon has closed its last descriptor
  // of ours by the time this returns.
  char more;
  if (ready.error == 0 && ::poll(&readable, 1, 5000) == 1) (void)!::read(channel[0], &more, 1);
  ::close(channel[0]);
  if (ready.error != 0) {
    throw std::system_error(ready.error, std::generic_category(), "start_daemon");
  }
  return ready.pid;
}

bool stop_daemon(const std::string& pidfile, std::chrono::milliseconds grace) {
  const pid_t pid = read_pidfile(pidfile);
  if (::kill(pid, SIGTERM) != 0) {
    ::unlink(pidfile.c_str());  // Stale: the daemon is gone already.
    return false;
  }
  const auto until = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < until) {
    if (::access(pidfile.c_str(), F_OK) != 0 && errno == ENOENT) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid, SIGKILL);
  ::unlink(pidfile.c_str());
  return false;
}

// ---------------------------------------------------------------------------
// Task 7: what a pool costs.

namespace {

using Clock = std::chrono::steady_clock;

double microseconds_per_task(Clock::time_point start, std::size_t tasks) {
  const std::chrono::duration<double, std::micro> took = Clock::now() - start;
  return took.count() / static_cast<double>(tasks);
}

// The process pool's function: a seed in, a result out, both as text.
template <Workload kind>
std::string workload_as_text(const std::string& seed) {
  return std::to_string(run_workload(kind, std::stol(seed)));
}

long sum_through_thread_pool(Workload workload, std::size_t tasks, std::size_t workers) {
  ThreadPool pool(workers, tasks);
  std::vector<std::future<long>> results;
  for (std::size_t seed = 0; seed < tasks; ++seed) {
    results.push_back(pool.submit([=] { return run_workload(workload, static_cast<long>(seed)); }));
  }
  long sum = 0;
  for (auto& result : results) sum += result.get();
  pool.shutdown(ThreadPool::Shutdown::finish);
  return sum;
}

long sum_through_process_pool(Workload workload, std::size_t tasks, std::size_t workers) {
  ProcessPool pool(workers, workload == Workload::cpu ? workload_as_text<Workload::cpu>
                                                      : workload_as_text<Workload::io>);
  std::vector<std::string> seeds;
  for (std::size_t seed = 0; seed < tasks; ++seed) seeds.push_back(std::to_string(seed));
  long sum = 0;
  for (const Outcome& outcome : pool.map(seeds)) {
    if (!outcome.ok) throw std::runtime_error("a process pool task failed: " + outcome.error);
    sum += std::stol(outcome.value);
  }
  pool.shutdown();
  return sum;
}

// One child per task, its result back through a pipe of its own; up to
// `workers` children at once, the next started as soon as one is reaped.
long sum_through_process_per_task(Workload workload, std::size_t tasks, std::size_t workers) {
  struct Child {
    pid_t pid;
    int result;
  };
  std::vector<Child> running;
  long sum = 0;
  // Waits for the first child whose pipe has its result (or its end),
  // reads it and reaps that child; waitpid(-1) would reap the caller's
  // other children too.
  const auto reap_one = [&] {
    std::vector<pollfd> pipes;
    for (const Child& child : running) pipes.push_back(pollfd{child.result, POLLIN, 0});
    while (::poll(pipes.data(), pipes.size(), -1) < 0) {
      if (errno != EINTR) throw_errno("poll");
    }
    std::size_t ready = 0;
    while (pipes[ready].revents == 0) ++ready;
    const Child child = running[ready];
    running.erase(running.begin() + static_cast<long>(ready));
    long result = 0;
    const bool whole =
        read_fully(child.result, reinterpret_cast<char*>(&result), sizeof result) == sizeof result;
    ::close(child.result);
    int status = 0;
    while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!whole || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw std::runtime_error("a task's process " + describe_status(status));
    }
    sum += result;
  };
  for (std::size_t seed = 0; seed < tasks; ++seed) {
    if (running.size() == workers) reap_one();
    int result[2];
    if (::pipe2(result, O_CLOEXEC) != 0) throw_errno("pipe2");
    const pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork");
    if (pid == 0) {
      const long value = run_workload(workload, static_cast<long>(seed));
      ::_exit(::write(result[1], &value, sizeof value) == sizeof value ? 0 : 1);
    }
    ::close(result[1]);
    running.push_back(Child{pid, result[0]});
  }
  while (!running.empty()) reap_one();
  return sum;
}

}  // namespace

PoolCosts pool_costs(Workload workload, std::size_t tasks, std::size_t workers) {
  if (tasks == 0 || workers == 0) {
    throw std::invalid_argument("pool_costs needs at least one task and one worker");
  }
  PoolCosts costs;
  auto start = Clock::now();
  const long by_threads = sum_through_thread_pool(workload, tasks, workers);
  costs.thread_pool_us = microseconds_per_task(start, tasks);
  start = Clock::now();
  const long by_pool = sum_through_process_pool(workload, tasks, workers);
  costs.process_pool_us = microseconds_per_task(start, tasks);
  start = Clock::now();
  const long by_processes = sum_through_process_per_task(workload, tasks, workers);
  costs.process_per_task_us = microseconds_per_task(start, tasks);
  if (by_threads != by_pool || by_pool != by_processes) {
    throw std::runtime_error("the three ways disagree: " + std::to_string(by_threads) + ", " +
                             std::to_string(by_pool) + " and " + std::to_string(by_processes));
  }
  return costs;
}

}  // namespace lab05
