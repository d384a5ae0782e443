// Lab 02 public tests. Code under test runs in a guard child with a deadline
// (testing/guard.h): a deadlock or std::terminate fails one test only.
// Worker threads only record; the test's main thread asserts.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <numeric>
#include <set>

#include "labs/02_threads/threads.h"
#include "testing/describe.h"
#include "testing/guard.h"

using namespace std::chrono_literals;
using testing::join;
using testing::run_guarded;

namespace {

std::string show(const std::vector<lab02::Range>& ranges) {
  std::string out;
  for (const auto& r : ranges)
    out += "[" + std::to_string(r.begin) + "," + std::to_string(r.end) + ")";
  return out;
}

}  // namespace

TEST_CASE("partition splits items into near-equal contiguous ranges", "[lab02][task1][points=1]") {
  auto result = run_guarded(
      [] { return show(lab02::partition(10, 3)) + " " + show(lab02::partition(8, 4)); });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "[0,4)[4,7)[7,10) [0,2)[2,4)[4,6)[6,8)");
}

TEST_CASE("choose_thread_count stays within the hardware and the work",
          "[lab02][task1][points=1]") {
  auto result = run_guarded([] {
    return join(lab02::choose_thread_count(1000, 10, 4), lab02::choose_thread_count(25, 10, 8),
                lab02::choose_thread_count(5, 10, 8));
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "4 3 1");
}

TEST_CASE("parallel_sum gives the same total with every thread API", "[lab02][task2][points=2]") {
  auto result = run_guarded([] {
    std::vector<long long> values(100000);
    std::iota(values.begin(), values.end(), 1);
    return join(lab02::parallel_sum(values, 4, lab02::ThreadApi::std_thread),
                lab02::parallel_sum(values, 4, lab02::ThreadApi::jthread),
                lab02::parallel_sum(values, 4, lab02::ThreadApi::pthread));
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "5000050000 5000050000 5000050000");
}

TEST_CASE("parallel_map keeps the input order", "[lab02][task3][points=2]") {
  auto result = run_guarded([] {
    std::vector<int> input(1000);
    std::iota(input.begin(), input.end(), 0);
    auto output = lab02::parallel_map(
        input, [](int x) { return x * x; }, 3);
    bool ok = output.size() == input.size();
    for (std::size_t i = 0; ok && i < output.size(); ++i) ok = output[i] == input[i] * input[i];
    return join(output.size(), ok);
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1000 1");
}

TEST_CASE("run_all returns every task's result in task order", "[lab02][task4][points=2]") {
  auto result = run_guarded([] {
    std::vector<std::function<int()>> tasks;
    for (int i = 0; i < 8; ++i) tasks.push_back([i] { return i * 10; });
    std::string seen;
    for (int value : lab02::run_all(tasks)) seen += std::to_string(value) + ",";
    return seen;
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "0,10,20,30,40,50,60,70,");
}

TEST_CASE("a Worker runs until a stop is requested, then joins", "[lab02][task5][points=2]") {
  auto result = run_guarded([] {
    std::atomic<long> laps{0};
    std::atomic<bool> returned{false};
    // [worker]
    lab02::Worker worker([&](std::stop_token token) {
      while (!token.stop_requested()) {
        ++laps;
        std::this_thread::yield();
      }
      returned = true;
    });
    // [worker]
    while (laps.load() < 100) std::this_thread::yield();
    worker.request_stop();
    worker.join();
    return join(laps.load() >= 100, returned.load());
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 1");
}

TEST_CASE("thread_local counters are per thread", "[lab02][task6][points=1]") {
  auto result = run_guarded([] {
    auto [counts, ids] = lab02::thread_local_counts(4, 1000);
    std::string seen;
    for (long c : counts) seen += std::to_string(c) + ",";
    return join(seen, ids);
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1000,1000,1000,1000, 4");
}

TEST_CASE("a thread's write is seen by its process, a child's write is not",
          "[lab02][task6][points=1][no_tsan]") {
  // [no_tsan]: forks after running a thread; ThreadSanitizer does not
  // support fork in a process that has had threads.
  auto result = run_guarded([] {
    auto report = lab02::thread_vs_process_write(1, 2);
    // The child is reaped too: no zombie left behind.
    return join(report.after_thread, report.after_child, testing::has_children());
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "2 1 0");
}
