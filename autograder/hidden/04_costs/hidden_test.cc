// Lab 04 hidden tests: bad measurement methods. Never shipped to students.
// Each student figure is compared with the reference's figure for the same
// quantity, measured in the same run (reference::within: 1/3x to 3x).

#include <catch2/catch.hpp>
#include <chrono>
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "autograder/hidden/04_costs/yardstick.h"
#include "labs/04_costs/costs.h"
#include "testing/describe.h"
#include "testing/guard.h"

using namespace std::chrono_literals;
using testing::join;
using testing::run_guarded;

namespace {

// Student figure and reference figure side by side for the failure message.
std::string compare(const char* what, double student, double yardstick) {
  return std::string(what) + (reference::within(student, yardstick) ? " ok" : " off") + " (" +
         std::to_string(std::lround(student)) + " ns vs reference " +
         std::to_string(std::lround(yardstick)) + " ns)";
}

// Every comparison in the report is within the band (and there was one).
// The student's and the reference's figure for one quantity, measured in
// turn for five rounds; each side keeps its fastest median. Load on the
// machine only ever adds time, so the minimum is the least disturbed figure
// (three rounds once let a whole disturbed round pass for the reference's
// best vfork figure).
template <typename Student, typename Yardstick>
std::pair<double, double> paired(Student student, Yardstick yardstick) {
  double s = INFINITY;
  double r = INFINITY;
  for (int round = 0; round < 5; ++round) {
    r = std::min(r, yardstick());
    s = std::min(s, student());
  }
  return {s, r};
}

std::string compare_paired(const char* what, std::pair<double, double> figures) {
  return compare(what, figures.first, figures.second);
}

// For a figure that depends on whether two threads happen to overlap (a
// contended increment costs a few ns when they do not, tens when they do),
// the fastest round says little: a reference round without overlap once
// made the reference itself look 3x off. Each side keeps every round's
// figure, and the student is ok when any of theirs is within the band of
// any of the reference's. A method that never contends still stays far
// below every reference round that did.
template <typename Student, typename Yardstick>
std::string compare_contended(const char* what, Student student, Yardstick yardstick) {
  std::vector<double> s;
  std::vector<double> r;
  for (int round = 0; round < 5; ++round) {
    r.push_back(yardstick());
    s.push_back(student());
  }
  for (double mine : s) {
    for (double theirs : r) {
      if (reference::within(mine, theirs)) return compare(what, mine, theirs);
    }
  }
  return compare(what, *std::min_element(s.begin(), s.end()),
                 *std::max_element(r.begin(), r.end()));
}

bool all_ok(const std::string& report) {
  return report.rfind("exception:", 0) == std::string::npos &&
         report.find(" ok (") != std::string::npos && report.find(" off (") == std::string::npos;
}

}  // namespace

// Bugs: a coarse clock (time(), clock(), a millisecond clock), a resolution
// measured as 0, an overhead that is not measured.
TEST_CASE("the timer's resolution and overhead are measured with a fine clock",
          "[lab04][task1][points=1]") {
  auto result = run_guarded([] {
    double resolution = lab04::timer_resolution_ns();
    double overhead = lab04::timer_overhead_ns();
    return join(resolution > 0, resolution < 1000, overhead > 0, overhead < 10000);
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 1 1 1");
}

// Bugs: reporting a cost below what the timer can resolve (no batching),
// bad arguments accepted, an empty sample set accepted, an even-sized median
// taken as one of the middle samples.
TEST_CASE("measure refuses what it cannot resolve and bad arguments", "[lab04][task1][points=1]") {
  auto result = run_guarded([] {
    // Whether an empty call is below the timer's resolution depends on the
    // machine's clock: refused on a coarse clock, maybe resolvable on a fine
    // one. Either way, what measure reports must not be below the resolution
    // (half of it, for the noise between two readings of the resolution).
    std::string seen = "consistent ";
    for (int attempt = 0; attempt < 3; ++attempt) {
      try {
        const auto stats = lab04::measure([] {}, 0, 50, 1);
        if (stats.median_ns * 2 < lab04::timer_resolution_ns()) seen = "below-resolution ";
      } catch (const lab04::BelowResolution&) {
      }
    }
    for (auto [trials, batch] : {std::pair<std::size_t, std::size_t>{0, 1}, {5, 0}}) {
      try {
        lab04::measure([] {}, 0, trials, batch);
        seen += "accepted ";
      } catch (const std::invalid_argument&) {
        seen += "rejected ";
      }
    }
    try {
      lab04::summarize({});
      seen += "accepted ";
    } catch (const std::invalid_argument&) {
      seen += "rejected ";
    }
    return seen + join(lab04::summarize({4, 1, 3, 2}).median_ns);
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "consistent rejected rejected rejected 2.5");
}

// Bugs: no warm-up (the first thread stack and page faults counted), timing
// the print or the setup instead of the operation.
TEST_CASE("thread creation costs agree with the reference", "[lab04][task2][points=2]") {
  auto result = run_guarded(
      [] {
        std::string out;
        for (bool pthread : {false, true}) {
          auto kind = pthread ? lab04::ThreadKind::pthread : lab04::ThreadKind::std_thread;
          out += compare_paired(pthread ? "pthread" : "std::thread",
                                paired([&] { return lab04::thread_create_join_ns(kind, 200); },
                                       [&] { return reference::thread_create_join_ns(pthread, 200); })) +
                 "; ";
        }
        return out;
      },
      30s);
  CAPTURE(result.how_it_ended, result.report);
  REQUIRE(result.finished);
  REQUIRE(all_ok(result.report));
}

// Bugs: measuring the wrong operation (exec where fork was asked), a child
// that is not reaped in the loop (zombies pile up), vfork misused.
TEST_CASE("process creation costs agree with the reference and leave no zombie",
          "[lab04][task3][points=2]") {
  auto result = run_guarded(
      [] {
        std::string out;
        const char* names[] = {"fork", "vfork", "fork+exec", "posix_spawn"};
        for (int kind = 0; kind < 4; ++kind) {
          out += compare_paired(
                     names[kind],
                     paired([&] { return lab04::process_create_ns(static_cast<lab04::ProcessKind>(kind), 30); },
                            [&] { return reference::process_create_ns(kind, 30); })) +
                 "; ";
        }
        return out + join("children", testing::has_children());
      },
      40s);
  CAPTURE(result.how_it_ended, result.report);
  REQUIRE(result.finished);
  REQUIRE(all_ok(result.report));
  REQUIRE(result.report.find("children 0") != std::string::npos);
}

// Bug: the process kinds mixed up (exec where fork was asked, fork where
// vfork was asked), so the orderings every machine shows do not hold.
TEST_CASE("fork orders after thread creation; vfork and spawn beat fork+exec",
          "[lab04][task3][points=1]") {
  auto result = run_guarded(
      [] {
        double thread = lab04::thread_create_join_ns(lab04::ThreadKind::pthread, 200);
        double fork = lab04::process_create_ns(lab04::ProcessKind::fork_exit, 60);
        double exec = lab04::process_create_ns(lab04::ProcessKind::fork_exec, 40);
        double vfork = lab04::process_create_ns(lab04::ProcessKind::vfork_exit, 60);
        return join(thread < fork, fork < exec, vfork < exec);
      },
      30s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "1 1 1");
}

// Bug: the pipe round trip is not really a round trip (one direction only,
// or both ends in one thread), or the partner is left running.
TEST_CASE("pipe round trips agree with the reference", "[lab04][task4][points=2]") {
  auto result = run_guarded(
      [] {
        std::string out;
        for (bool processes : {false, true}) {
          out += compare_paired(processes ? "processes" : "threads",
                                paired([&] { return lab04::pipe_round_trip_ns(processes, 1000); },
                                       [&] { return reference::pipe_round_trip_ns(processes, 1000); })) +
                 "; ";
        }
        return out + join("children", testing::has_children());
      },
      30s);
  CAPTURE(result.how_it_ended, result.report);
  REQUIRE(result.finished);
  REQUIRE(all_ok(result.report));
  REQUIRE(result.report.find("children 0") != std::string::npos);
}

// Bugs: the optimizer deleting the measured work (a lock on a local mutex
// the compiler can see through, an increment of an unused variable), timing
// one call with a clock that cannot resolve it, contention never happening.
TEST_CASE("synchronization costs agree with the reference", "[lab04][task5][points=2]") {
  auto result = run_guarded(
      [] {
        std::string out = compare_paired(
            "mutex", paired(lab04::mutex_lock_unlock_ns, reference::mutex_lock_unlock_ns));
        for (bool atomic : {false, true}) {
          out += "; " + compare_contended(atomic ? "contended atomic" : "contended mutex",
                                          [&] { return lab04::contended_increment_ns(atomic); },
                                          [&] { return reference::contended_increment_ns(atomic); });
        }
        return out;
      },
      30s);
  CAPTURE(result.how_it_ended, result.report);
  REQUIRE(result.finished);
  REQUIRE(all_ok(result.report));
}

// Bugs: memory reserved but never touched (not resident: fork stays cheap),
// huge pages left on, the memory leaked between calls.
TEST_CASE("fork's cost grows with resident memory like the reference's",
          "[lab04][task6][points=2]") {
  auto result = run_guarded(
      [] {
        double small = lab04::fork_with_resident_ns(16, 10);
        auto [large, yardstick] = paired([] { return lab04::fork_with_resident_ns(256, 6); },
                                         [] { return reference::fork_with_resident_ns(256, 6); });
        return join(large > 2 * small) + " " + compare("256 MiB", large, yardstick);
      },
      40s);
  CAPTURE(result.how_it_ended, result.report);
  REQUIRE(result.finished);
  REQUIRE(all_ok(result.report));
  REQUIRE(result.report.rfind("1 ", 0) == 0);
}
