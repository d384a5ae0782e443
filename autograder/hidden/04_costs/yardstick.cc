// Compiled with -Dlab04=yardstick, like the reference solution beside it:
// the reference's functions live in namespace yardstick, out of the way of
// the student's lab04 functions linked into the same test binary.

#include "autograder/hidden/04_costs/yardstick.h"

#include "labs/04_costs/costs.h"

namespace reference {

double timer_resolution_ns() { return lab04::timer_resolution_ns(); }

double timer_overhead_ns() { return lab04::timer_overhead_ns(); }

double empty_call_median_ns(std::size_t trials) {
  try {
    return lab04::measure([] {}, 0, trials, 1).median_ns;
  } catch (const lab04::BelowResolution&) {
    return -1;
  }
}

double thread_create_join_ns(bool pthread, std::size_t trials) {
  return lab04::thread_create_join_ns(
      pthread ? lab04::ThreadKind::pthread : lab04::ThreadKind::std_thread, trials);
}

double process_create_ns(int kind, std::size_t trials) {
  return lab04::process_create_ns(static_cast<lab04::ProcessKind>(kind), trials);
}

double pipe_round_trip_ns(bool processes, std::size_t round_trips) {
  return lab04::pipe_round_trip_ns(processes, round_trips);
}

double mutex_lock_unlock_ns() { return lab04::mutex_lock_unlock_ns(); }

double contended_increment_ns(bool atomic) { return lab04::contended_increment_ns(atomic); }

double fork_with_resident_ns(std::size_t mebibytes, std::size_t trials) {
  return lab04::fork_with_resident_ns(mebibytes, trials);
}

}  // namespace reference
