// Lab 04 public tests: the harness on known data, and orderings that must
// hold on any machine. Never absolute times as thresholds. A busy machine
// only ever adds time, to either side of an ordering: each one has to hold
// in one of three attempts.

#include <atomic>
#include <catch2/catch.hpp>

#include "labs/04_costs/costs.h"
#include "testing/describe.h"
#include "testing/guard.h"

using testing::join;
using testing::run_guarded;

TEST_CASE("summarize gives the median and nearest-rank percentiles", "[lab04][task1][points=1]") {
  auto result = run_guarded([] {
    std::vector<double> samples;
    for (int i = 20; i >= 1; --i) samples.push_back(i * 10.0);
    auto s = lab04::summarize(samples);
    auto odd = lab04::summarize({5, 1, 3});
    return join(s.samples, s.median_ns, s.p10_ns, s.p90_ns, odd.median_ns);
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "20 105 20 180 3");
}

TEST_CASE("measure warms up, then times trials of batched calls", "[lab04][task1][points=1]") {
  auto result = run_guarded([] {
    long calls = 0;
    volatile double sink = 1;
    // [measure]
    auto stats = lab04::measure(
        [&] {
          ++calls;
          for (int i = 0; i < 200; ++i) sink = sink * 1.000001;
        },
        /*warmup=*/7, /*trials=*/11, /*batch=*/5);  // 7 + 11 * 5 calls in all
    // [measure]
    return join(calls, stats.samples, stats.median_ns > 0, stats.p10_ns <= stats.median_ns,
                stats.median_ns <= stats.p90_ns);
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "62 11 1 1 1");
}

TEST_CASE("creating a thread costs something, with either interface", "[lab04][task2][points=1]") {
  auto result = run_guarded([] {
    double a = lab04::thread_create_join_ns(lab04::ThreadKind::std_thread, 50);
    double b = lab04::thread_create_join_ns(lab04::ThreadKind::pthread, 50);
    return join(a > 0, b > 0);
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 1");
}

TEST_CASE("creating a process costs more than creating a thread", "[lab04][task3][points=1]") {
  auto result = run_guarded([] {
    bool ordered = false;
    for (int attempt = 0; attempt < 3 && !ordered; ++attempt) {
      double thread = lab04::thread_create_join_ns(lab04::ThreadKind::std_thread, 100);
      double process = lab04::process_create_ns(lab04::ProcessKind::fork_exit, 50);
      ordered = process > thread;
    }
    return join(ordered, testing::has_children());
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 0");
}

TEST_CASE("a pipe round trip is measured between threads and between processes",
          "[lab04][task4][points=1]") {
  auto result = run_guarded([] {
    double threads = lab04::pipe_round_trip_ns(false, 500);
    double processes = lab04::pipe_round_trip_ns(true, 500);
    return join(threads > 0, processes > 0, testing::has_children());
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 1 0");
}

TEST_CASE("locking a mutex costs far less than creating a thread", "[lab04][task5][points=1]") {
  auto result = run_guarded([] {
    double lock = lab04::mutex_lock_unlock_ns();
    double atomic = lab04::contended_increment_ns(true);
    double locked = lab04::contended_increment_ns(false);
    bool cheaper = false;
    for (int attempt = 0; attempt < 3 && !cheaper; ++attempt) {
      cheaper = lab04::mutex_lock_unlock_ns() <
                lab04::thread_create_join_ns(lab04::ThreadKind::std_thread, 100);
    }
    return join(lock > 0, atomic > 0, locked > 0, cheaper);
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 1 1 1");
}

TEST_CASE("fork costs more when the parent has more resident memory", "[lab04][task6][points=1]") {
  auto result = run_guarded([] {
    // 128 MiB of touched 4 KiB pages cost several times an empty fork on any
    // machine; memory that is not resident costs nothing extra.
    bool grows = false;
    for (int attempt = 0; attempt < 3 && !grows; ++attempt) {
      double empty = lab04::fork_with_resident_ns(0, 20);
      double big = lab04::fork_with_resident_ns(128, 10);
      grows = big > 2 * empty;
    }
    return join(grows, testing::has_children());
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 0");
}
