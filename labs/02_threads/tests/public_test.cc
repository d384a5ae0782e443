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
using testing::Findings;
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
  auto result = run_guarded([] {
    Findings findings;
    findings.expect_equal("partition(10, 3)", show(lab02::partition(10, 3)), "[0,4)[4,7)[7,10)",
                          "the first items % parts ranges get one item more");
    findings.expect_equal("partition(8, 4)", show(lab02::partition(8, 4)), "[0,2)[2,4)[4,6)[6,8)");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("choose_thread_count stays within the hardware and the work",
          "[lab02][task1][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    findings.expect_equal("choose_thread_count(1000, 10, 4)",
                          lab02::choose_thread_count(1000, 10, 4), 4u,
                          "never more threads than the hardware runs at once");
    findings.expect_equal("choose_thread_count(25, 10, 8)", lab02::choose_thread_count(25, 10, 8),
                          3u, "every thread gets at least min_per_thread items: round up");
    findings.expect_equal("choose_thread_count(5, 10, 8)", lab02::choose_thread_count(5, 10, 8),
                          1u);
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("parallel_sum gives the same total with every thread API", "[lab02][task2][points=2]") {
  auto result = run_guarded([] {
    std::vector<long long> values(100000);
    std::iota(values.begin(), values.end(), 1);
    Findings findings;
    findings.expect_equal("parallel_sum of 1..100000 with std::thread",
                          lab02::parallel_sum(values, 4, lab02::ThreadApi::std_thread),
                          5000050000LL);
    findings.expect_equal("the same with std::jthread",
                          lab02::parallel_sum(values, 4, lab02::ThreadApi::jthread), 5000050000LL);
    findings.expect_equal("the same with pthreads",
                          lab02::parallel_sum(values, 4, lab02::ThreadApi::pthread), 5000050000LL);
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("parallel_map keeps the input order", "[lab02][task3][points=2]") {
  auto result = run_guarded([] {
    std::vector<int> input(1000);
    std::iota(input.begin(), input.end(), 0);
    auto output = lab02::parallel_map(
        input, [](int x) { return x * x; }, 3);
    Findings findings;
    findings.expect_equal("the size of parallel_map's output for 1000 inputs", output.size(),
                          input.size());
    for (std::size_t i = 0; i < output.size(); ++i) {
      if (output[i] == input[i] * input[i]) continue;
      findings.expect_equal(
          "output[" + std::to_string(i) + "] (the square of " + std::to_string(input[i]) + ")",
          output[i], input[i] * input[i],
          "each thread writes its own range of the output, in input order");
      break;
    }
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("run_all returns every task's result in task order", "[lab02][task4][points=2]") {
  auto result = run_guarded([] {
    std::vector<std::function<int()>> tasks;
    for (int i = 0; i < 8; ++i) tasks.push_back([i] { return i * 10; });
    std::string seen;
    for (int value : lab02::run_all(tasks)) seen += std::to_string(value) + ",";
    Findings findings;
    findings.expect_equal("the results of run_all for tasks returning 0, 10, ..., 70", seen,
                          "0,10,20,30,40,50,60,70,", "results in task order, not finishing order");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
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
    Findings findings;
    findings.expect(returned.load(),
                    "expected the Worker's function to have returned once join() did, but it "
                    "had not (pitfall: a stop request that never reaches the token)");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("thread_local counters are per thread", "[lab02][task6][points=1]") {
  auto result = run_guarded([] {
    auto [counts, ids] = lab02::thread_local_counts(4, 1000);
    std::string seen;
    for (long c : counts) seen += std::to_string(c) + ",";
    Findings findings;
    findings.expect_equal("the counts of 4 threads that each counted to 1000", seen,
                          "1000,1000,1000,1000,",
                          "a thread_local counter is each thread's own: no thread sees another's");
    findings.expect_equal("the number of distinct thread ids", ids, 4u);
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("a thread's write is seen by its process, a child's write is not",
          "[lab02][task6][points=1][no_tsan]") {
  // [no_tsan]: forks after running a thread; ThreadSanitizer does not
  // support fork in a process that has had threads.
  auto result = run_guarded([] {
    auto report = lab02::thread_vs_process_write(1, 2);
    Findings findings;
    findings.expect_equal("the value the process saw after a thread wrote 2 over 1",
                          report.after_thread, 2, "threads share their process's memory");
    findings.expect_equal("the value it saw after a child wrote 2 over 1", report.after_child, 1,
                          "a child writes its own copy");
    findings.expect(!testing::has_children(),
                    "expected the child to be reaped, but a zombie was left behind");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}
