// Lab 02 hidden tests: the classic thread bugs. Never shipped to students.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <numeric>
#include <set>
#include <string>

#include "labs/02_threads/threads.h"
#include "testing/describe.h"
#include "testing/guard.h"

using namespace std::chrono_literals;
using testing::join;
using testing::run_guarded;

// Bugs: empty ranges when there are fewer items than threads, a last range
// that misses or repeats items, 0 parts accepted, index arithmetic that
// overflows on large inputs.
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
    // Near the top of size_t: i * items overflows, items / count does not.
    const std::size_t huge = std::numeric_limits<std::size_t>::max() / 2 + 12345;
    const auto big = lab02::partition(huge, 7);
    bool big_covers = big.size() == 7;
    std::size_t next = 0;
    for (const auto& r : big) {
      big_covers = big_covers && r.begin == next && r.end - r.begin >= huge / 7 &&
                   r.end - r.begin <= huge / 7 + 1;
      next = r.end;
    }
    big_covers = big_covers && next == huge;
    const std::string overflow =
        big_covers ? ""
                   : " but partition(" + std::to_string(huge) +
                         ", 7) did not give 7 contiguous ranges of near-equal size covering every "
                         "item: does an intermediate product overflow size_t?";
    return join(seen, covers, lab02::choose_thread_count(0, 10, 4),
                lab02::choose_thread_count(100, 1, 0)) +
           overflow;
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "0 3 rejected rejected 1 1 1");
}

// Bugs: a shared accumulator without synchronization (a data race: fails under
// ThreadSanitizer and loses updates), empty inputs, more threads than items.
TEST_CASE("parallel_sum is exact at the edges with every API", "[lab02][task2][points=1]") {
  auto result = run_guarded([] {
    std::string seen;
    for (auto api :
         {lab02::ThreadApi::std_thread, lab02::ThreadApi::jthread, lab02::ThreadApi::pthread}) {
      std::vector<long long> few{5, -7, 11};
      std::vector<long long> many(200000, 3);
      seen += join(lab02::parallel_sum({}, 4, api), lab02::parallel_sum(few, 8, api),
                   lab02::parallel_sum(many, 7, api), lab02::parallel_sum(few, 1, api)) +
              ";";
    }
    return seen;
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "0 9 600000 9;0 9 600000 9;0 9 600000 9;");
}

// Bugs: the work is done on the caller's thread, elements are skipped or
// done twice, fewer threads are used than asked for, or threads are joined
// one by one so that nothing runs in parallel.
TEST_CASE("parallel_map calls f once per element from worker threads", "[lab02][task3][points=2]") {
  auto result = run_guarded(
      [] {
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
        auto empty = lab02::parallel_map(
            {}, [](int x) { return x; }, 3);
        // Four elements, four threads: each call waits (3 s at most) until all
        // four are running at once, which only happens if the workers run in
        // parallel rather than one after another.
        std::mutex meeting;
        std::condition_variable all_in;
        int inside = 0;
        bool met = true;
        lab02::parallel_map(
            {1, 2, 3, 4},
            [&](int x) {
              std::unique_lock<std::mutex> hold(meeting);
              ++inside;
              all_in.notify_all();
              if (!all_in.wait_for(hold, 3s, [&] { return inside == 4; })) met = false;
              return x;
            },
            4);
        const std::string parallel =
            met ? ""
                : " but the four workers never ran at the same time: start every thread before "
                  "joining any";
        return join(once, ordered, threads.size(), threads.count(caller), empty.size()) + parallel;
      },
      20s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 1 4 0 0");
}

// Bugs: an exception thrown in a worker is lost or calls std::terminate,
// threads are left unjoined when one task fails, or the caller's thread runs
// a task itself.
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
    const auto caller = std::this_thread::get_id();
    std::atomic<int> on_caller{0};
    std::vector<std::function<int()>> where;
    for (int i = 0; i < 3; ++i) {
      where.push_back([&, i] {
        on_caller += std::this_thread::get_id() == caller;
        return i;
      });
    }
    lab02::run_all(where);
    if (on_caller > 0) {
      return std::to_string(on_caller.load()) +
             " task(s) ran on the caller's thread: every task runs on a thread of its own";
    }
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
// thread's own (the request never arrives), a stop request that blocks.
TEST_CASE("destroying a Worker stops and joins it; stop wakes a waiting body",
          "[lab02][task5][points=1]") {
  auto result = run_guarded(
      [] {
        std::atomic<bool> returned{false};
        {
          lab02::Worker worker([&](std::stop_token token) {
            while (!token.stop_requested()) std::this_thread::sleep_for(1ms);
            returned = true;
          });
        }
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
        // A stop request asks and returns; it does not wait for the body,
        // which here takes two seconds to wind down.
        std::string blocked;
        {
          lab02::Worker slow([](std::stop_token token) {
            while (!token.stop_requested()) std::this_thread::sleep_for(1ms);
            std::this_thread::sleep_for(2s);
          });
          std::this_thread::sleep_for(20ms);
          const auto start = std::chrono::steady_clock::now();
          slow.request_stop();
          const auto took = std::chrono::steady_clock::now() - start;
          if (took >= 1s) {
            blocked = " but request_stop() blocked for " +
                      std::to_string(
                          std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) +
                      " ms until the body ended: it should only request the stop (join() waits)";
          }
        }
        return join(returned.load(), woke.load()) + blocked;
      },
      10s);
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
