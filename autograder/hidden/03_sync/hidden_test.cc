// Lab 03 hidden tests: races, deadlocks, lost wake-ups, busy waiting.
// Never shipped to students. Workers record; the main thread asserts.

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <new>
#include <string>
#include <thread>

#include "labs/03_sync/sync.h"
#include "testing/describe.h"
#include "testing/guard.h"

using namespace std::chrono_literals;
using testing::run_guarded;

namespace {

// The handout's names for the pitfalls these tests look for.
constexpr const char* kRaces = "pitfall: data races anywhere, found by ThreadSanitizer";
constexpr const char* kNotifyOne =
    "pitfall: lost wake-ups, and notify_one where every waiter must wake";

// CPU time used so far by one thread of this process.
double thread_cpu_seconds(std::thread& thread) {
  clockid_t clock;
  if (pthread_getcpuclockid(thread.native_handle(), &clock) != 0) return -1;
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Context switches so far of every thread of this process but the main one.
long other_threads_switches() {
  char self[64] = {};
  if (readlink("/proc/self", self, sizeof self - 1) < 0) return -1;
  long total = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    if (task.path().filename() == self) continue;
    std::ifstream status(task.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.find("ctxt_switches:") != std::string::npos) {
        total += std::stol(line.substr(line.find(':') + 1));
      }
    }
  }
  return total;
}

// Where two readers of a Cache meet: each, armed, waits in the allocation
// of the long value get() copies out (which every correct get() makes while
// it holds its lock) for the other to get there too. With a shared lock both
// are inside get() at once and meet; with an exclusive one the first waits
// in vain, holding the lock the second needs.
struct Rendezvous {
  std::atomic<int> arrived{0};
  // 0 while the first waits; 1 once the second met it; 2 once it gave up.
  std::atomic<int> outcome{0};
};
thread_local Rendezvous* armed = nullptr;

// Waits at `meeting` as the first reader (up to `patience`) or meets the
// first as the second.
void arrive(Rendezvous& meeting, std::chrono::milliseconds patience) {
  if (meeting.arrived.fetch_add(1) == 1) {
    int waiting = 0;
    meeting.outcome.compare_exchange_strong(waiting, 1);
    return;
  }
  const auto give_up = std::chrono::steady_clock::now() + patience;
  while (meeting.outcome.load() == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(1ms);
  }
  int waiting = 0;
  meeting.outcome.compare_exchange_strong(waiting, 2);
}

// Whether two readers were inside get() at the same time.
bool readers_overlap(const lab03::Cache& cache, const std::string& key) {
  Rendezvous meeting;
  auto reader = [&] {
    armed = &meeting;
    const auto value = cache.get(key);
    armed = nullptr;
  };
  std::thread first(reader);
  std::thread second(reader);
  first.join();
  second.join();
  return meeting.outcome.load() == 1;
}

}  // namespace

// The rendezvous of readers_overlap(), in the allocation of the value a
// reader copies out. Every allocation is malloc's: the whole family of
// operator new and delete is replaced (the aligned ones aside), so that
// memory one allocator gave is never returned to another (AddressSanitizer
// reports that).
void* operator new(std::size_t size) {
  if (Rendezvous* meeting = armed; meeting != nullptr && size >= 64) {
    armed = nullptr;
    arrive(*meeting, 5000ms);
  }
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete[](void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete(void* memory, const std::nothrow_t&) noexcept { std::free(memory); }
void operator delete[](void* memory, const std::nothrow_t&) noexcept { std::free(memory); }

// Bug: an unprotected ++ on the shared counter (a data race: ThreadSanitizer
// reports it, and many threads lose updates even without it).
TEST_CASE("counters stay exact with many threads", "[lab03][task1][points=1]") {
  auto result = run_guarded([] {
    testing::Findings found;
    found.expect_equal("count_with_mutex(8, 50000)", lab03::count_with_mutex(8, 50000), 400000LL,
                       std::string("every increment under the lock; ") + kRaces);
    found.expect_equal("count_with_atomic(8, 200000)", lab03::count_with_atomic(8, 200000),
                       1600000LL, std::string("every increment atomic; ") + kRaces);
    found.expect_equal("count_with_atomic(0, 10)", lab03::count_with_atomic(0, 10), 0LL);
    return found.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: locks taken in argument order, so a->b and b->a transfers deadlock
// (the guard's deadline turns the hang into a failure); no locks (money
// created or lost); a balance checked before the locks are taken, or read
// without its lock (data races ThreadSanitizer reports).
TEST_CASE("opposite concurrent transfers neither deadlock nor lose money",
          "[lab03][task2][points=1]") {
  auto result = run_guarded(
      [] {
        lab03::Bank bank(4, 1000);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
          threads.emplace_back([&bank, t] {
            for (int i = 0; i < 20000; ++i) {
              std::size_t a = static_cast<std::size_t>((t + i) % 4);
              std::size_t b = static_cast<std::size_t>((t + i + 1 + (t % 2)) % 4);
              if (t % 2) std::swap(a, b);
              bank.transfer(a, b, 1 + i % 7);
            }
          });
        }
        // Balances are read while transfers run: a read without the account's
        // lock is a data race (ThreadSanitizer).
        long snapshots_ok = 0;
        long readable = 0;
        for (int i = 0; i < 200; ++i) {
          snapshots_ok += bank.total() == 4000;
          readable += bank.balance(static_cast<std::size_t>(i % 4)) >= 0;
        }
        snapshots_ok -= 200 - readable;
        for (auto& thread : threads) thread.join();
        testing::Findings found;
        found.expect_equal("the bank's total after 80000 concurrent transfers", bank.total(), 4000L,
                           "money created or lost: transfers without both locks");
        found.expect(snapshots_ok == 200,
                     std::to_string(200 - snapshots_ok) +
                         " of 200 total() or balance() calls made while transfers ran saw a "
                         "total other than 4000 or a negative balance: total() is one "
                         "consistent snapshot, every balance read under its account's lock");
        return found.report();
      },
      15s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: bad account numbers or negative amounts accepted; a self-transfer
// that locks the same mutex twice (deadlock).
TEST_CASE("transfers reject bad accounts and amounts, and self-transfers are harmless",
          "[lab03][task2][points=1]") {
  auto result = run_guarded(
      [] {
        lab03::Bank bank(2, 50);
        testing::Findings found;
        try {
          bank.transfer(0, 2, 1);
          found.expect(false,
                       "transfer(0, 2, 1) between two accounts numbered 0 and 1 should "
                       "throw std::out_of_range, but it returned");
        } catch (const std::out_of_range&) {
        }
        try {
          bank.transfer(0, 1, -5);
          found.expect(false,
                       "transfer(0, 1, -5) should throw std::invalid_argument, but it "
                       "returned");
        } catch (const std::invalid_argument&) {
        }
        found.expect_equal("what transfer(1, 1, 20) returned", bank.transfer(1, 1, 20), true,
                           "a transfer from an account to itself succeeds and changes nothing");
        found.expect_equal("account 0's balance", bank.balance(0), 50L);
        found.expect_equal("account 1's balance after a transfer to itself", bank.balance(1), 50L);
        return found.report();
      },
      5s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: close() wakes only one waiter (notify_one), or waits use `if`
// instead of a predicate loop; several producers and consumers lose or
// duplicate values; a producer woken by close() that still stores.
TEST_CASE("close wakes every blocked consumer and producers and consumers lose nothing",
          "[lab03][task3][points=1]") {
  auto result = run_guarded(
      [] {
        lab03::BoundedQueue idle(2);
        std::atomic<int> ended{0};
        std::vector<std::thread> waiting;
        for (int t = 0; t < 3; ++t) {
          waiting.emplace_back([&] {
            if (!idle.pop()) ++ended;
          });
        }
        std::this_thread::sleep_for(50ms);
        idle.close();
        for (auto& thread : waiting) thread.join();

        lab03::BoundedQueue queue(3);
        std::atomic<long> sum{0};
        std::atomic<long> count{0};
        std::vector<std::thread> consumers;
        for (int t = 0; t < 3; ++t) {
          consumers.emplace_back([&] {
            while (auto value = queue.pop()) {
              sum += *value;
              ++count;
            }
          });
        }
        std::vector<std::thread> producers;
        for (int p = 0; p < 3; ++p) {
          producers.emplace_back([&, p] {
            for (int i = 1; i <= 2000; ++i) queue.push(p * 10000 + i);
          });
        }
        for (auto& thread : producers) thread.join();
        queue.close();
        for (auto& thread : consumers) thread.join();
        bool zero_rejected = false;
        try {
          lab03::BoundedQueue bad(0);
        } catch (const std::invalid_argument&) {
          zero_rejected = true;
        }
        // A producer blocked on a full queue when it is closed stores nothing.
        lab03::BoundedQueue full(1);
        full.push(1);
        std::atomic<int> pushed{-1};
        std::thread late([&] { pushed = full.push(2) ? 1 : 0; });
        std::this_thread::sleep_for(50ms);
        full.close();
        late.join();
        const auto kept = full.pop();
        const auto after = full.pop();
        testing::Findings found;
        found.expect_equal(
            "the number of the 3 consumers blocked on an empty queue that close() "
            "ended",
            ended.load(), 3, kNotifyOne);
        found.expect_equal(
            "the number of values 3 consumers popped of the 6000 pushed by 3 "
            "producers",
            count.load(), 6000L, "pitfall: `if` instead of a predicate loop around a wait");
        found.expect(count.load() != 6000 || sum.load() == 66003000,
                     "3 consumers popped 6000 values but not the ones pushed: a value was lost "
                     "and another popped twice");
        found.expect(zero_rejected, "BoundedQueue(0) should throw std::invalid_argument");
        found.expect(pushed == 0 && kept == 1 && !after,
                     "a producer blocked on a full queue when it was closed got push() == " +
                         std::to_string(pushed.load()) + " and the queue then held " +
                         (kept ? std::to_string(*kept) : "nothing") +
                         (after ? " and " + std::to_string(*after) : "") +
                         ": after close(), push() stores nothing and returns false, also for a "
                         "producer that was waiting");
        return found.report();
      },
      15s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bug: a consumer that spins (busy waits) on an empty queue instead of
// sleeping on a condition variable. A blocked consumer thread uses
// microseconds of CPU and switches a handful of times while it waits. A
// spinner either burns CPU (on an idle machine) or, when it yields to other
// work, switches thousands of times (on a loaded one): both are caught.
TEST_CASE("a consumer waiting on an empty queue does not burn CPU", "[lab03][task3][points=1]") {
  auto result = run_guarded(
      [] {
        lab03::BoundedQueue queue(1);
        std::thread consumer([&] { (void)queue.pop(); });
        std::this_thread::sleep_for(50ms);  // Let the consumer block.
        const double cpu_before = thread_cpu_seconds(consumer);
        const long switches_before = other_threads_switches();
        std::this_thread::sleep_for(500ms);
        const double cpu_used = thread_cpu_seconds(consumer) - cpu_before;
        const long switches = other_threads_switches() - switches_before;
        queue.close();
        consumer.join();
        if (cpu_before < 0 || switches_before < 0) {
          return std::string("the test could not read the consumer thread's CPU time");
        }
        constexpr const char* kBusy = "pitfall: busy waiting: a blocked consumer burning CPU";
        testing::Findings found;
        found.expect(cpu_used < 0.025,
                     "a consumer waiting 500 ms on an empty queue used " +
                         std::to_string(std::lround(cpu_used * 1000)) +
                         " ms of CPU: wait on a condition variable instead of checking in a "
                         "loop (" +
                         kBusy + ")");
        found.expect(switches < 100,
                     "a consumer waiting 500 ms on an empty queue was switched to " +
                         std::to_string(switches) +
                         " times: wait on a condition variable instead of yielding or sleeping "
                         "in a loop (" +
                         kBusy + ")");
        return found.report();
      },
      10s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: more holders than units (a race on the count), or release(n) that
// wakes only one of n waiters (notify_one): the others wait forever; bad
// arguments (release(0), a negative initial count) accepted.
TEST_CASE("a semaphore admits at most its count and release(n) wakes n waiters",
          "[lab03][task4][points=2]") {
  auto result = run_guarded(
      [] {
        lab03::Semaphore semaphore(3);
        std::atomic<int> inside{0};
        std::atomic<int> most{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t) {
          threads.emplace_back([&] {
            for (int i = 0; i < 500; ++i) {
              semaphore.acquire();
              int now = ++inside;
              int seen = most.load();
              while (now > seen && !most.compare_exchange_weak(seen, now)) {
              }
              --inside;
              semaphore.release();
            }
          });
        }
        for (auto& thread : threads) thread.join();

        lab03::Semaphore gate(0);
        std::atomic<int> through{0};
        std::vector<std::thread> waiters;
        for (int t = 0; t < 3; ++t) {
          waiters.emplace_back([&] {
            gate.acquire();
            ++through;
          });
        }
        std::this_thread::sleep_for(50ms);
        gate.release(3);
        for (auto& thread : waiters) thread.join();
        testing::Findings found;
        found.expect(most.load() <= 3, "a Semaphore(3) let " + std::to_string(most.load()) +
                                           " threads in at once: a race on the count");
        found.expect(most.load() >= 1, "no thread ever held the Semaphore(3)");
        found.expect_equal("the number of 3 waiters release(3) let through", through.load(), 3,
                           kNotifyOne);
        try {
          gate.release(0);
          found.expect(false, "release(0) should throw std::invalid_argument, but it returned");
        } catch (const std::invalid_argument&) {
        }
        try {
          lab03::Semaphore negative(-1);
          found.expect(false, "Semaphore(-1) should throw std::invalid_argument, but it was made");
        } catch (const std::invalid_argument&) {
        }
        return found.report();
      },
      10s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: a barrier that waits on a count rather than a round number lets a
// fast thread's next arrival count toward the current round (generations
// overrun), or deadlocks on reuse; a wrong round number returned while the
// rounds still keep apart; zero parties accepted.
TEST_CASE("a barrier reused for many rounds keeps every round separate",
          "[lab03][task5][points=2]") {
  auto result = run_guarded(
      [] {
        constexpr int kThreads = 4;
        constexpr int kRounds = 300;
        lab03::Barrier barrier(kThreads);
        std::vector<std::atomic<int>> progress(kThreads);
        std::atomic<int> mismatches{0};
        std::atomic<int> wrong_rounds{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
          threads.emplace_back([&, t] {
            // Two rounds of the barrier per loop: numbered 2 * round and
            // 2 * round + 1 for every thread.
            for (int round = 0; round < kRounds; ++round) {
              progress[t] = round;
              const auto first = static_cast<std::size_t>(2 * round);
              if (barrier.arrive_and_wait() != first) ++wrong_rounds;
              for (int other = 0; other < kThreads; ++other) {
                if (progress[other].load() < round) ++mismatches;
              }
              // Nobody races ahead into the next round.
              if (barrier.arrive_and_wait() != first + 1) ++wrong_rounds;
            }
          });
        }
        for (auto& thread : threads) thread.join();
        bool zero_rejected = false;
        try {
          lab03::Barrier bad(0);
        } catch (const std::invalid_argument&) {
          zero_rejected = true;
        }
        testing::Findings found;
        found.expect(mismatches.load() == 0,
                     std::to_string(mismatches.load()) +
                         " time(s) a thread passed the barrier before every thread had arrived");
        found.expect(wrong_rounds.load() == 0,
                     std::to_string(wrong_rounds.load()) +
                         " arrive_and_wait() call(s) returned another number than the round "
                         "they were in (rounds are numbered 0, 1, 2, ... and every thread of a "
                         "round gets that round's number)");
        found.expect(zero_rejected, "Barrier(0) should throw std::invalid_argument");
        return found.report();
      },
      15s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bug: get() or put() without the lock (a data race ThreadSanitizer reports;
// a std::map modified while read can also crash).
TEST_CASE("the cache stays consistent under concurrent readers and writers",
          "[lab03][task6][points=1]") {
  auto result = run_guarded(
      [] {
        lab03::Cache cache;
        std::atomic<int> bad{0};
        std::vector<std::thread> threads;
        for (int w = 0; w < 2; ++w) {
          threads.emplace_back([&, w] {
            for (int i = 0; i < 2000; ++i) {
              cache.put("key" + std::to_string(i % 50), "value" + std::to_string(w));
            }
          });
        }
        for (int r = 0; r < 4; ++r) {
          threads.emplace_back([&] {
            for (int i = 0; i < 4000; ++i) {
              auto value = cache.get("key" + std::to_string(i % 50));
              if (value && *value != "value0" && *value != "value1") ++bad;
            }
          });
        }
        for (auto& thread : threads) thread.join();
        testing::Findings found;
        found.expect_equal("the number of values get() returned that no writer put", bad.load(), 0,
                           kRaces);
        found.expect(cache.get("key7").has_value(),
                     "get(\"key7\") found nothing after two writers had put it");
        return found.report();
      },
      15s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");

  // Bug: readers serialized by an exclusive lock in get().
  auto readers = run_guarded(
      [] {
        lab03::Cache cache;
        cache.put("long", std::string(100, 'v'));
        testing::Findings found;
        found.expect(readers_overlap(cache, "long"),
                     "two readers were never inside get() at the same time: get() must take the "
                     "lock shared (std::shared_lock), so that readers do not wait for each other "
                     "(pitfall: readers serialized)");
        return found.report();
      },
      15s);
  CAPTURE(readers.how_it_ended);
  REQUIRE(readers.report == "ok");
}

// Bugs: a private mapping where a shared one was needed (the parent sees
// nothing), or plain ++ on shared memory (children lose each other's updates).
TEST_CASE("a private mapping keeps every child's count to itself; a shared one sums them",
          "[lab03][task7][points=2]") {
  auto result = run_guarded(
      [] {
        testing::Findings found;
        found.expect_equal("count_in_children(4, 20000, false), with a private mapping",
                           lab03::count_in_children(4, 20000, false), 0LL,
                           "each child increments its own copy; the parent's stays 0");
        found.expect_equal("count_in_children(4, 200000, true), with a shared mapping",
                           lab03::count_in_children(4, 200000, true), 800000LL,
                           "pitfall: a private mapping where a shared one was needed; plain ++ "
                           "on shared memory loses updates");
        found.expect_equal("count_in_children(0, 5, true)", lab03::count_in_children(0, 5, true),
                           0LL);
        return found.report();
      },
      15s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}
