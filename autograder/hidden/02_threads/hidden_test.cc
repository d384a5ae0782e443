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
using testing::run_guarded;

namespace {

// The handout's names for the pitfalls these tests look for.
constexpr const char* kEdges =
    "pitfall: wrong partitioning at the edges: no items, fewer items than threads";
constexpr const char* kOnCaller = "pitfall: work done on the caller's thread instead of workers";

}  // namespace

// Bugs: empty ranges when there are fewer items than threads, a last range
// that misses or repeats items, 0 parts accepted, index arithmetic that
// overflows on large inputs.
TEST_CASE("partition handles no items, fewer items than parts, and zero parts",
          "[lab02][task1][points=1]") {
  auto result = run_guarded([] {
    testing::Findings found;
    found.expect_equal("the number of ranges of partition(0, 4)", lab02::partition(0, 4).size(),
                       std::size_t{0}, kEdges);
    found.expect_equal("the number of ranges of partition(3, 8)", lab02::partition(3, 8).size(),
                       std::size_t{3}, kEdges);
    for (std::size_t items : {1u, 7u, 64u, 1001u}) {
      for (unsigned parts : {1u, 2u, 3u, 7u, 16u}) {
        auto ranges = lab02::partition(items, parts);
        std::size_t next = 0;
        std::size_t smallest = items, largest = 0;
        bool covers = true;
        for (const auto& r : ranges) {
          covers = covers && r.begin == next && r.end > r.begin;
          smallest = std::min(smallest, r.end - r.begin);
          largest = std::max(largest, r.end - r.begin);
          next = r.end;
        }
        covers = covers && next == items && largest - smallest <= 1;
        found.expect(covers, "partition(" + std::to_string(items) + ", " + std::to_string(parts) +
                                 ") should give non-empty ranges that follow each other from 0 "
                                 "to " +
                                 std::to_string(items) +
                                 " with sizes differing by at most one, but did not");
      }
    }
    try {
      lab02::partition(5, 0);
      found.expect(false, "partition(5, 0) should throw std::invalid_argument, but it returned");
    } catch (const std::invalid_argument&) {
    }
    try {
      lab02::choose_thread_count(5, 0, 4);
      found.expect(false,
                   "choose_thread_count(5, 0, 4) should throw std::invalid_argument, but "
                   "it returned");
    } catch (const std::invalid_argument&) {
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
    found.expect(big_covers, "partition(" + std::to_string(huge) +
                                 ", 7) did not give 7 contiguous ranges of near-equal size "
                                 "covering every item: does an intermediate product overflow "
                                 "size_t?");
    found.expect_equal("choose_thread_count(0, 10, 4), for no items",
                       lab02::choose_thread_count(0, 10, 4), 1u, "at least 1");
    found.expect_equal("choose_thread_count(100, 1, 0), where 0 means an unknown hardware count",
                       lab02::choose_thread_count(100, 1, 0), 1u, "an unknown count counts as 1");
    return found.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: a shared accumulator without synchronization (a data race: fails under
// ThreadSanitizer and loses updates), empty inputs, more threads than items.
TEST_CASE("parallel_sum is exact at the edges with every API", "[lab02][task2][points=1]") {
  auto result = run_guarded([] {
    testing::Findings found;
    for (auto [api, name] : {std::pair{lab02::ThreadApi::std_thread, "std_thread"},
                             {lab02::ThreadApi::jthread, "jthread"},
                             {lab02::ThreadApi::pthread, "pthread"}}) {
      const std::string with = std::string(", ThreadApi::") + name + ")";
      std::vector<long long> few{5, -7, 11};
      std::vector<long long> many(200000, 3);
      found.expect_equal("parallel_sum({}, 4" + with, lab02::parallel_sum({}, 4, api), 0LL, kEdges);
      found.expect_equal("parallel_sum({5, -7, 11}, 8" + with, lab02::parallel_sum(few, 8, api),
                         9LL, kEdges);
      found.expect_equal("parallel_sum(200000 threes, 7" + with, lab02::parallel_sum(many, 7, api),
                         600000LL,
                         "each thread sums into its own result: a shared total without "
                         "synchronization loses updates");
      found.expect_equal("parallel_sum({5, -7, 11}, 1" + with, lab02::parallel_sum(few, 1, api),
                         9LL);
    }
    return found.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
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
        testing::Findings found;
        const auto never = std::count(calls.begin(), calls.end(), 0);
        const auto again = std::count_if(calls.begin(), calls.end(), [](int c) { return c > 1; });
        found.expect(never == 0 && again == 0,
                     "f should be called once per element, but of 500 elements " +
                         std::to_string(never) + " were never passed to f and " +
                         std::to_string(again) + " more than once");
        found.expect(output.size() == 500 && output[499] == -499 && output[0] == 0,
                     "parallel_map's output should hold f of each element in the input's order "
                     "(500 values, -0 to -499), but it held " +
                         std::to_string(output.size()) + " values" +
                         (output.size() == 500 ? " in another order" : ""));
        found.expect_equal("the number of threads f was called on, with 4 threads asked for",
                           threads.size(), std::size_t{4});
        found.expect(threads.count(caller) == 0,
                     std::string("f was called on the caller's thread (") + kOnCaller + ")");
        found.expect_equal("the size of parallel_map of no elements",
                           lab02::parallel_map(
                               {}, [](int x) { return x; }, 3)
                               .size(),
                           std::size_t{0}, kEdges);
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
        found.expect(met,
                     "four elements on four threads: the four calls of f should run at the same "
                     "time, but they never did: start every thread before joining any");
        return found.report();
      },
      20s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
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
    testing::Findings found;
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
             " task(s) ran on the caller's thread: every task runs on a thread of its own (" +
             kOnCaller + ")";
    }
    constexpr const char* kLost =
        "pitfall: exceptions thrown in a worker that are lost or end the program";
    try {
      lab02::run_all(tasks);
      found.expect(false, std::string("run_all of six tasks of which tasks 2 and 4 throw should "
                                      "throw task 2's std::runtime_error, but it returned (") +
                              kLost + ")");
    } catch (const std::runtime_error& e) {
      found.expect_equal("the message of the exception run_all rethrew", std::string(e.what()),
                         std::string("task 2 failed"),
                         "the lowest-numbered failing task's, not the first to fail in time");
    } catch (const std::exception& e) {
      found.expect(false, std::string("run_all should rethrow task 2's std::runtime_error, but it "
                                      "threw another exception: ") +
                              e.what());
    }
    found.expect_equal("the number of the six tasks that had finished when run_all returned",
                       finished.load(), 6, "join every thread before rethrowing");
    found.expect_equal("the number of results of run_all({})", lab02::run_all({}).size(),
                       std::size_t{0});
    return found.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
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
        testing::Findings found;
        found.expect(returned.load(),
                     "a Worker destroyed while its body loops until a stop is requested should "
                     "request the stop and join, but the body never saw the request (pitfall: "
                     "stop requests that are ignored because the body's token is not the "
                     "thread's)");
        found.expect(woke.load(),
                     "request_stop() should wake a body waiting on a condition_variable_any with "
                     "its stop token, but the body never woke");
        {
          lab02::Worker slow([](std::stop_token token) {
            while (!token.stop_requested()) std::this_thread::sleep_for(1ms);
            std::this_thread::sleep_for(2s);
          });
          std::this_thread::sleep_for(20ms);
          const auto start = std::chrono::steady_clock::now();
          slow.request_stop();
          const auto took = std::chrono::steady_clock::now() - start;
          found.expect(
              took < 1s,
              "request_stop() blocked for " +
                  std::to_string(
                      std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) +
                  " ms until the body ended: it should only request the stop "
                  "(join() waits)");
        }
        return found.report();
      },
      10s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: a counter shared by all threads (a race, and counts that add up
// across threads), threads reused or run one after another on one thread.
TEST_CASE("thread_local counts stay per thread with many threads", "[lab02][task6][points=1]") {
  auto result = run_guarded([] {
    testing::Findings found;
    auto [counts, ids] = lab02::thread_local_counts(16, 5000);
    found.expect_equal("the number of counts of thread_local_counts(16, 5000)", counts.size(),
                       std::size_t{16});
    const auto off = std::count_if(counts.begin(), counts.end(), [](long c) { return c != 5000; });
    found.expect(off == 0, "each of the 16 threads should count its own 5000 increments, but " +
                               std::to_string(off) +
                               " counts were not 5000: a counter shared by all threads adds up "
                               "across them (and races)");
    found.expect_equal("the number of distinct threads that counted", ids, std::size_t{16},
                       "one thread of its own per count");
    found.expect_equal("the number of counts of thread_local_counts(0, 10)",
                       lab02::thread_local_counts(0, 10).first.size(), std::size_t{0});
    return found.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}
