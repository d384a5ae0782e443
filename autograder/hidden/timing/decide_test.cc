// How decide() and add() judge figures a test controls: a verdict for the
// student only from a check the reference passed alongside, or from a miss
// too large for the machine's disturbance to explain.

#include "autograder/hidden/timing/decide.h"

#include <catch2/catch.hpp>
#include <string>

namespace {

// Figures as paired() would have kept them.
timing::Paired figures(double student, double reference, double reference_slowest) {
  timing::Paired paired;
  paired.student = student;
  paired.reference = reference;
  paired.reference_slowest = reference_slowest;
  return paired;
}

// The verdict of three attempts that each see `paired`.
std::string verdict(const timing::Paired& paired) {
  return timing::decide([&] {
    timing::Attempt attempt;
    timing::add(attempt, "fork", paired);
    return attempt;
  });
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

}  // namespace

TEST_CASE("a figure within the band of the reference's passes, however unsteady the reference") {
  CHECK(starts_with(verdict(figures(1200, 1000, 1100)), "passed: fork ok (1200 ns"));
  CHECK(starts_with(verdict(figures(400, 1000, 90000)), "passed: "));
  CHECK(starts_with(verdict(figures(2900, 1000, 1000)), "passed: "));
}

TEST_CASE("a figure off the band fails when the reference was steady") {
  CHECK(verdict(figures(3100, 1000, 2900)) == "failed: fork off (3100 ns vs reference 1000 ns); ");
  CHECK(starts_with(verdict(figures(300, 1000, 1000)), "failed: "));
}

TEST_CASE("an unsteady reference leaves a near miss undecided") {
  // Slowest round 4x the fastest: the band widens to 12x either way.
  CHECK(starts_with(verdict(figures(5000, 1000, 4000)), "undecided: fork off (5000 ns"));
  CHECK(starts_with(verdict(figures(100, 1000, 4000)), "undecided: "));
  CHECK(starts_with(verdict(figures(11000, 1000, 4000)), "undecided: "));
}

TEST_CASE("an unsteady reference still decides a miss beyond its own spread") {
  // Lab 04's memory never touched under load: 170 us against 15 ms, with a
  // reference round of 50 ms.
  CHECK(starts_with(verdict(figures(170e3, 15e6, 50e6)), "failed: fork off (170000 ns"));
  CHECK(starts_with(verdict(figures(13000, 1000, 4000)), "failed: "));
  CHECK(starts_with(verdict(figures(80, 1000, 4000)), "failed: "));
  // A reference that never finished a round in time decides nothing.
  CHECK(starts_with(verdict(figures(1, 1000, INFINITY)), "undecided: "));
}

TEST_CASE("one decisive miss decides an attempt whose other comparisons were unsteady") {
  const std::string seen = timing::decide([] {
    timing::Attempt attempt;
    timing::add(attempt, "thread pool", figures(1000, 1100, 9000));        // ok, unsteady
    timing::add(attempt, "process pool", figures(1e6, 1000, 1500), "us");  // 1000x off
    return attempt;
  });
  CHECK(starts_with(seen, "failed: thread pool ok"));
}

TEST_CASE("a pass in any attempt wins, and two counted failures are needed") {
  int calls = 0;
  const std::string first_passes = timing::decide([&] {
    ++calls;
    timing::Attempt attempt;
    timing::add(attempt, "fork",
                calls == 2 ? figures(1000, 1000, 1000) : figures(9000, 1000, 1000));
    return attempt;
  });
  CHECK(starts_with(first_passes, "passed: "));
  CHECK(calls == 2);
  calls = 0;
  const std::string failed = timing::decide([&] {
    ++calls;
    timing::Attempt attempt;
    timing::add(attempt, "fork", figures(9000, 1000, 1000));
    return attempt;
  });
  CHECK(starts_with(failed, "failed: "));
  CHECK(calls == 2);
}
