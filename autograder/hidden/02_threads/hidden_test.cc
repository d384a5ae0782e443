// Lab 02 hidden tests: the classic thread bugs. Never shipped to students.

#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <set>

#include "labs/02_threads/threads.h"
#include "testing/describe.h"
#include "testing/guard.h"

using namespace std::chrono_literals;
using testing::join;
using testing::run_guarded;

// Bugs: empty ranges when there are fewer items than threads, a last range
// that misses or repeats items, 0 parts accepted.
TEST_CASE("partition handles no items, fewer items than parts, and zero parts",
          "[lab02][task1][points=1]") {
  auto result = run_guarded([] {
    std::string seen = join(lab02::partition(0, 4).size(), lab02::partition(3, 8).size());
    bool covers = true;
    for (std::size_t items : {1u, 7u, 64u, 1001u}) {
      for (unsigned parts : {1u, 2u, 3u, 7u, 16u}) {
        auto ranges = lab02::partition(items, parts);
        std::size_t next = 0;
        std::size_t smallest = items, largest = 0;
        for (const auto& r : ranges) {
          covers = covers && r.begin == next && r.end > r.begin;
          smallest = std::min(smallest, r.end - r.begin);
          largest = std::max(largest, r.end - r.begin);
          next = r.end;
        }
        covers = covers && next == items && largest - smallest <= 1;
      }
    }
    try {
      lab02::partition(5, 0);
      seen += " accepted";
    } catch (const std::invalid_argument&) {
      seen += " rejected";
    }
    try {
      lab02::choose_thread_count(5, 0, 4);
      seen += " accepted";
    } catch (const std::invalid_argument&) {
      seen += " rejected";
    }
    return join(seen, covers, lab02::choose_thread_count(0, 10, 4), lab02::choose_thread_count(100, 1, 0));
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "0 3 rejected rejected 1 1 1");
}

// Bugs: a shared accumulator without synchronization (a data race: fails under
// ThreadSanitizer and loses updates), empty inputs, more threads than items.
TEST_CASE("parallel_sum is exact at the edges with every API", "[lab02][task2][points=1]") {
  auto result = run_guarded([] {
    std::string seen;
    for (auto api : {lab02::ThreadApi::std_thread, lab02::ThreadApi::jthread, lab02::ThreadApi::pthread}) {
      std::vector<long long> few{5, -7, 11};
      std::vector<long long> many(200000, 3);
      seen += join(lab02::parallel_sum({}, 4, api), lab02::parallel_sum(few, 8, api),
                   lab02::parallel_sum(many, 7, api), lab02::parallel_sum(few, 1, api)) + ";";
    }
    return seen;
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "0 9 600000 9;0 9 600000 9;0 9 600000 9;");
}

// Bugs: the work is done on the caller's thread, elements are skipped or
// done twice, or fewer threads are used than asked for.
TEST_CASE("parallel_map calls f once per element from worker threads", "[lab02][task3][points=2]") {
  auto result = run_guarded([] {
    std::mutex lock;
    std::set<std::thread::id> threads;
    std::vector<int> calls(500, 0);
    const auto caller = std::this_thread::get_id();
    std::vector<int> input(500);
    std::iota(input.begin(), input.end(), 0);
    auto output = lab02::parallel_map(
        input,
        [&](int x) {
          std::lock_guard<std::mutex> guard(lock);
          threads.insert(std::this_thread::get_id());
          ++calls[static_cast<std::size_t>(x)];
          return -x;
        },
        4);
    bool once = std::all_of(calls.begin(), calls.end(), [](int c) { return c == 1; });
    bool ordered = output.size() == 500 && output[499] == -499 && output[0] == 0;
    auto empty = lab02::parallel_map({}, [](int x) { return x; }, 3);
    return join(once, ordered, threads.size(), threads.count(caller), empty.size());
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 1 4 0 0");
}

// Bugs: an exception thrown in a worker is lost or calls std::terminate, or
// threads are left unjoined when one task fails.
TEST_CASE("run_all rethrows the first failing task's exception after joining all",
          "[lab02][task4][points=2]") {
  auto result = run_guarded([] {
    std::atomic<int> finished{0};
    std::vector<std::function<int()>> tasks;
    for (int i = 0; i < 6; ++i) {
      tasks.push_back([i, &finished]() -> int {
        std::this_thread::sleep_for(std::chrono::milliseconds(10 * (6 - i)));
        ++finished;
        if (i == 2) throw std::runtime_error("task 2 failed");
        if (i == 4) throw std::logic_error("task 4 failed");
        return i;
      });
    }
    std::string seen;
    try {
      lab02::run_all(tasks);
      seen = "no exception";
    } catch (const std::runtime_error& e) {
      seen = e.what();
    } catch (const std::exception& e) {
      seen = std::string("wrong exception: ") + e.what();
    }
    return join(seen, finished.load(), lab02::run_all({}).size());
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "task 2 failed 6 0");
}

// Bugs: a joinable thread destroyed (std::terminate), a destructor that
// joins without requesting a stop (hangs), a stop token that is not the
// thread's own (the request never arrives).
TEST_CASE("destroying a Worker stops and joins it; stop wakes a waiting body",
          "[lab02][task5][points=1]") {
  auto result = run_guarded(
      [] {
        std::atomic<bool> returned{false};
        { lab02::Worker worker([&](std::stop_token token) {
            while (!token.stop_requested()) std::this_thread::sleep_for(1ms);
            returned = true;
          }); }
        std::atomic<bool> woke{false};
        {
          std::mutex lock;
          std::condition_variable_any cv;
          lab02::Worker waiter([&](std::stop_token token) {
            std::unique_lock<std::mutex> hold(lock);
            cv.wait(hold, token, [] { return false; });  // Only a stop ends this wait.
            woke = true;
          });
          std::this_thread::sleep_for(20ms);
          waiter.request_stop();
          waiter.request_stop();
          waiter.join();
          waiter.join();
        }
        return join(returned.load(), woke.load());
      },
      5s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 1");
}

// Bugs: a counter shared by all threads (a race, and counts that add up
// across threads), threads reused or run one after another on one thread.
TEST_CASE("thread_local counts stay per thread with many threads", "[lab02][task6][points=1]") {
  auto result = run_guarded([] {
    auto [counts, ids] = lab02::thread_local_counts(16, 5000);
    bool all = counts.size() == 16 &&
               std::all_of(counts.begin(), counts.end(), [](long c) { return c == 5000; });
    auto none = lab02::thread_local_counts(0, 10);
    return join(all, ids, none.first.size());
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 16 0");
}
