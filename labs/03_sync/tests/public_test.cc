// Lab 03 public tests. Code under test runs in a guard child with a deadline
// (testing/guard.h), so a deadlock fails one test instead of hanging the run.
// Worker threads only record; the test's main thread asserts.

#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <thread>

#include "labs/03_sync/sync.h"
#include "testing/describe.h"
#include "testing/guard.h"

using namespace std::chrono_literals;
using testing::join;
using testing::run_guarded;

TEST_CASE("counters protected by a mutex and by an atomic lose no increment",
          "[lab03][task1][points=1]") {
  auto result = run_guarded([] {
    return join(lab03::count_with_mutex(4, 20000), lab03::count_with_atomic(4, 20000));
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "80000 80000");
}

TEST_CASE("a transfer moves money only when the balance covers it", "[lab03][task2][points=1]") {
  auto result = run_guarded([] {
    lab03::Bank bank(3, 100);
    bool moved = bank.transfer(0, 1, 60);
    bool too_much = bank.transfer(0, 2, 50);
    return join(moved, too_much, bank.balance(0), bank.balance(1), bank.balance(2), bank.total());
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 0 40 160 100 300");
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
    bool in_order = true;
    for (std::size_t i = 0; i < received.size(); ++i) in_order = in_order && received[i] == int(i);
    return join(received.size(), in_order, queue.push(5));
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1000 1 0");
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
    return join(a, b, c, d);
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 1 0 0");
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
    std::string seen;
    for (int t = 0; t < 4; ++t) seen += join(seen_at_release[t], rounds[t]) + ";";
    return seen;
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "4 0;4 0;4 0;4 0;");
}

TEST_CASE("the cache returns what was put and nothing else", "[lab03][task6][points=1]") {
  auto result = run_guarded([] {
    lab03::Cache cache;
    cache.put("a", "1");
    cache.put("b", "2");
    cache.put("a", "3");
    return join(cache.get("a").value_or("none"), cache.get("b").value_or("none"),
                cache.get("c").value_or("none"));
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "3 2 none");
}

TEST_CASE("children counting in a shared mapping lose no increment", "[lab03][task7][points=1]") {
  auto result = run_guarded([] { return join(lab03::count_in_children(3, 10000, true)); });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "30000");
}
