// Reference solution for Lab 04. Implements labs/04_costs/costs.h.
//
// The grader also compiles this file under another namespace as a yardstick:
// hidden tests compare each student measurement with this one, taken in the
// same run on the same machine.

#include "labs/04_costs/costs.h"

#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>

extern char** environ;

namespace lab04 {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

double elapsed_ns(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double, std::nano>(end - start).count();
}

void reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw_errno("waitpid");
  }
}

// Keeps the optimizer from deleting work whose result is otherwise unused.
template <typename T>
void keep(T const& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

void* do_nothing(void*) { return nullptr; }

// Pins the calling thread to the first CPU it may run on; false if it cannot.
bool pin_to_one_cpu() {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return false;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    return sched_setaffinity(0, sizeof one, &one) == 0;
  }
  return false;
}

void restore_affinity(const cpu_set_t& saved) { sched_setaffinity(0, sizeof saved, &saved); }

void write_byte(int fd) {
  char byte = 'x';
  while (write(fd, &byte, 1) != 1) {
    if (errno != EINTR) throw_errno("write");
  }
}

bool read_byte(int fd) {
  char byte;
  for (;;) {
    ssize_t n = read(fd, &byte, 1);
    if (n == 1) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

}  // namespace

Stats summarize(std::vector<double> samples_ns) {
  if (samples_ns.empty()) throw std::invalid_argument("no samples");
  std::sort(samples_ns.begin(), samples_ns.end());
  const std::size_t n = samples_ns.size();
  auto rank = [&](double p) {
    auto index = static_cast<std::size_t>(std::ceil(p * static_cast<double>(n)));
    return samples_ns[index == 0 ? 0 : index - 1];
  };
  Stats stats;
  stats.samples = n;
  stats.median_ns = n % 2 ? samples_ns[n / 2] : (samples_ns[n / 2 - 1] + samples_ns[n / 2]) / 2;
  stats.p10_ns = rank(0.10);
  stats.p90_ns = rank(0.90);
  return stats;
}

double timer_resolution_ns() {
  double smallest = INFINITY;
  for (int i = 0; i < 2000; ++i) {
    const auto a = Clock::now();
    auto b = Clock::now();
    while (b == a) b = Clock::now();  // Wait for the clock to tick.
    smallest = std::min(smallest, elapsed_ns(a, b));
  }
  return smallest;
}

double timer_overhead_ns() {
  std::vector<double> samples;
  samples.reserve(1000);
  for (int i = 0; i < 1000; ++i) {
    const auto a = Clock::now();
    const auto b = Clock::now();
    samples.push_back(elapsed_ns(a, b));
  }
  return summarize(samples).median_ns;
}

Stats measure(const std::function<void()>& operation, std::size_t warmup, std::size_t trials,
              std::size_t batch) {
  if (trials == 0 || batch == 0) throw std::invalid_argument("trials and batch must be positive");
  // Warm-up: page faults, caches, lazy binding and the first thread stack
  // are paid here, not in the first samples.
  for (std::size_t i = 0; i < warmup; ++i) operation();
  const double overhead = timer_overhead_ns();
  std::vector<double> samples;
  samples.reserve(trials);
  for (std::size_t t = 0; t < trials; ++t) {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < batch; ++i) operation();
    const auto end = Clock::now();
    samples.push_back(std::max(0.0, elapsed_ns(start, end) - overhead) /
                      static_cast<double>(batch));
  }
  Stats stats = summarize(samples);
  const double resolution = timer_resolution_ns();
  if (stats.median_ns * static_cast<double>(batch) < resolution) {
    throw BelowResolution("a sample takes " + std::to_string(stats.median_ns * double(batch)) +
                          " ns, below the timer's resolution of " + std::to_string(resolution) +
                          " ns: batch more calls per sample");
  }
  return stats;
}

double thread_create_join_ns(ThreadKind kind, std::size_t trials) {
  if (kind == ThreadKind::std_thread) {
    return measure([] { std::thread([] {}).join(); }, 10, trials).median_ns;
  }
  return measure(
             [] {
               pthread_t id;
               if (int error = pthread_create(&id, nullptr, do_nothing, nullptr); error != 0) {
                 throw std::system_error(error, std::generic_category(), "pthread_create");
               }
               pthread_join(id, nullptr);
             },
             10, trials)
      .median_ns;
}

double process_create_ns(ProcessKind kind, std::size_t trials) {
  char true_path[] = "/bin/true";
  char* const argv[] = {true_path, nullptr};
  std::function<void()> once;
  switch (kind) {
    case ProcessKind::fork_exit:
      once = [] {
        pid_t pid = fork();
        if (pid < 0) throw_errno("fork");
        if (pid == 0) _exit(0);
        reap(pid);
      };
      break;
    case ProcessKind::vfork_exit:
      once = [] {
        pid_t pid = vfork();  // The child borrows our memory until _exit: touch nothing.
        if (pid < 0) throw_errno("vfork");
        if (pid == 0) _exit(0);
        reap(pid);
      };
      break;
    case ProcessKind::fork_exec:
      once = [&argv] {
        pid_t pid = fork();
        if (pid < 0) throw_errno("fork");
        if (pid == 0) {
          execv(argv[0], argv);
          _exit(127);
        }
        reap(pid);
      };
      break;
    case ProcessKind::posix_spawn:
      once = [&argv] {
        pid_t pid;
        if (int error = ::posix_spawn(&pid, argv[0], nullptr, nullptr, argv, environ); error != 0) {
          throw std::system_error(error, std::generic_category(), "posix_spawn");
        }
        reap(pid);
      };
      break;
  }
  return measure(once, 3, trials).median_ns;
}

double pipe_round_trip_ns(bool processes, std::size_t round_trips) {
  int ping[2], pong[2];
  if (pipe(ping) != 0) throw_errno("pipe");
  if (pipe(pong) != 0) {
    close(ping[0]);
    close(ping[1]);
    throw_errno("pipe");
  }
  cpu_set_t saved;
  sched_getaffinity(0, sizeof saved, &saved);
  // Pinned before the partner starts, so that it inherits the same CPU.
  pin_to_one_cpu();
  const std::size_t total = round_trips + 100;  // The first 100 warm up.
  auto echo = [&] {
    for (std::size_t i = 0; i < total; ++i) {
      if (!read_byte(ping[0])) return;
      write_byte(pong[1]);
    }
  };
  std::thread partner_thread;
  pid_t partner = -1;
  if (processes) {
    partner = fork();
    if (partner < 0) throw_errno("fork");
    if (partner == 0) {
      echo();
      _exit(0);
    }
  } else {
    partner_thread = std::thread(echo);
  }
  std::vector<double> samples;
  samples.reserve(round_trips);
  for (std::size_t i = 0; i < total; ++i) {
    const auto start = Clock::now();
    write_byte(ping[1]);
    read_byte(pong[0]);
    if (i >= 100) samples.push_back(elapsed_ns(start, Clock::now()));
  }
  if (processes) reap(partner);
  if (partner_thread.joinable()) partner_thread.join();
  for (int fd : {ping[0], ping[1], pong[0], pong[1]}) close(fd);
  restore_affinity(saved);
  return summarize(samples).median_ns;
}

double mutex_lock_unlock_ns() {
  std::mutex lock;
  return measure(
             [&] {
               lock.lock();
               lock.unlock();
             },
             1000, 200, 1000)
      .median_ns;
}

double contended_increment_ns(bool atomic) {
  constexpr long kIncrements = 200000;
  std::atomic<long> counter{0};
  std::mutex lock;
  long plain = 0;
  std::vector<double> samples;
  for (int trial = 0; trial < 5; ++trial) {
    const auto start = Clock::now();
    {
      std::vector<std::jthread> threads;
      for (int t = 0; t < 2; ++t) {
        threads.emplace_back([&] {
          for (long i = 0; i < kIncrements; ++i) {
            if (atomic) {
              counter.fetch_add(1, std::memory_order_relaxed);
            } else {
              std::lock_guard<std::mutex> hold(lock);
              ++plain;
            }
          }
        });
      }
    }
    samples.push_back(elapsed_ns(start, Clock::now()) / (2.0 * kIncrements));
  }
  keep(plain);
  return summarize(samples).median_ns;
}

double fork_with_resident_ns(std::size_t mebibytes, std::size_t trials) {
  const std::size_t size = mebibytes << 20;
  void* memory = nullptr;
  if (size > 0) {
    memory = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) throw_errno("mmap");
    madvise(memory, size, MADV_NOHUGEPAGE);  // 4 KiB pages: fork copies one entry per page.
    std::memset(memory, 1, size);            // Resident: every page touched.
  }
  double cost = 0;
  try {
    cost = process_create_ns(ProcessKind::fork_exit, trials);
  } catch (...) {
    if (memory) munmap(memory, size);
    throw;
  }
  if (memory) munmap(memory, size);
  return cost;
}

}  // namespace lab04
