// Lab 03 public tests. Code under test runs in a guard child with a deadline
// (testing/guard.h), so a deadlock fails one test instead of hanging the run.
// Worker threads only record; the test's main thread asserts.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "labs/03_sync/sync.h"
#include "testing/describe.h"
#include "testing/guard.h"

using namespace std::chrono_literals;
using testing::Findings;
using testing::join;
using testing::run_guarded;

TEST_CASE("counters protected by a mutex and by an atomic lose no increment",
          "[lab03][task1][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    findings.expect_equal("count_with_mutex(4, 20000)", lab03::count_with_mutex(4, 20000), 80000LL,
                          "an increment outside the lock is lost to another thread's");
    findings.expect_equal("count_with_atomic(4, 20000)", lab03::count_with_atomic(4, 20000),
                          80000LL);
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("a transfer moves money only when the balance covers it", "[lab03][task2][points=1]") {
  auto result = run_guarded([] {
    lab03::Bank bank(3, 100);
    bool moved = bank.transfer(0, 1, 60);
    bool too_much = bank.transfer(0, 2, 50);
    Findings findings;
    findings.expect_equal("transfer(0, 1, 60) from a balance of 100", moved, true);
    findings.expect_equal("transfer(0, 2, 50) from what was left (40)", too_much, false,
                          "check the balance under the same lock as the move");
    findings.expect_equal("balance(0)", bank.balance(0), 40L);
    findings.expect_equal("balance(1)", bank.balance(1), 160L);
    findings.expect_equal("balance(2)", bank.balance(2), 100L);
    findings.expect_equal("total()", bank.total(), 300L);
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("a bounded queue hands values from a producer to a consumer in order",
          "[lab03][task3][points=2]") {
  auto result = run_guarded([] {
    lab03::BoundedQueue queue(4);
    std::vector<int> received;
    // [queue]
    std::thread consumer([&] {
      while (auto value = queue.pop()) received.push_back(*value);
    });
    for (int i = 0; i < 1000; ++i) queue.push(i);
    queue.close();  // The consumer drains what is left, then pop() returns nullopt.
    // [queue]
    consumer.join();
    Findings findings;
    findings.expect_equal("the number of values the consumer received", received.size(),
                          std::size_t{1000}, "close() lets the consumer drain what is left");
    for (std::size_t i = 0; i < received.size(); ++i) {
      if (received[i] == int(i)) continue;
      findings.expect_equal("value " + std::to_string(i) + " received", received[i], int(i),
                            "first in, first out");
      break;
    }
    findings.expect_equal("push() after close()", queue.push(5), false);
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("a semaphore counts units and try_acquire never blocks", "[lab03][task4][points=1]") {
  auto result = run_guarded([] {
    lab03::Semaphore semaphore(2);
    bool a = semaphore.try_acquire();
    bool b = semaphore.try_acquire();
    bool c = semaphore.try_acquire();
    semaphore.release();
    semaphore.acquire();
    bool d = semaphore.try_acquire();
    Findings findings;
    findings.expect_equal("the first try_acquire() of a Semaphore(2)", a, true);
    findings.expect_equal("the second", b, true);
    findings.expect_equal("the third, with no unit left", c, false);
    findings.expect_equal("try_acquire() after release() and acquire()", d, false,
                          "release() adds one unit, acquire() takes it");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("a barrier releases its threads together and numbers the rounds",
          "[lab03][task5][points=1]") {
  auto result = run_guarded([] {
    lab03::Barrier barrier(4);
    std::atomic<int> arrived{0};
    std::vector<int> seen_at_release(4, -1);
    std::vector<std::size_t> rounds(4, 99);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        ++arrived;
        rounds[t] = barrier.arrive_and_wait();
        seen_at_release[t] = arrived.load();
      });
    }
    for (auto& thread : threads) thread.join();
    Findings findings;
    for (int t = 0; t < 4; ++t) {
      findings.expect_equal(
          "the arrivals thread " + std::to_string(t) + " counted when the barrier released it",
          seen_at_release[t], 4, "nobody leaves before all 4 have arrived");
      findings.expect_equal("the round arrive_and_wait() returned to thread " + std::to_string(t),
                            rounds[t], std::size_t{0}, "rounds are numbered from 0");
    }
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("the cache returns what was put and nothing else", "[lab03][task6][points=1]") {
  auto result = run_guarded([] {
    lab03::Cache cache;
    cache.put("a", "1");
    cache.put("b", "2");
    cache.put("a", "3");
    Findings findings;
    findings.expect_equal("get(\"a\") after put(\"a\", \"1\") and put(\"a\", \"3\")",
                          cache.get("a").value_or("none"), "3", "put replaces");
    findings.expect_equal("get(\"b\")", cache.get("b").value_or("none"), "2");
    findings.expect_equal("get(\"c\"), never put", cache.get("c").value_or("none"), "none");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("children counting in a shared mapping lose no increment", "[lab03][task7][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    findings.expect_equal("count_in_children(3, 10000, true)",
                          lab03::count_in_children(3, 10000, true), 30000LL,
                          "the counter must live in a MAP_SHARED mapping, and be added to "
                          "atomically");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}
