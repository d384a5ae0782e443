#pragma once

/// @file
/// @brief The reference measurements, taken in the same test run, that the
/// hidden Lab 04 tests compare student measurements with.

#include <cstddef>

namespace reference {

double timer_resolution_ns();
double timer_overhead_ns();
/// The reference's measure([] {}, 0, trials, 1).median_ns for an empty
/// call, one per sample, or -1 where it refuses that as below the timer's
/// resolution.
double empty_call_median_ns(std::size_t trials);
double thread_create_join_ns(bool pthread, std::size_t trials);
/// `kind` is a lab04::ProcessKind value.
double process_create_ns(int kind, std::size_t trials);
double pipe_round_trip_ns(bool processes, std::size_t round_trips);
double mutex_lock_unlock_ns();
double contended_increment_ns(bool atomic);
double fork_with_resident_ns(std::size_t mebibytes, std::size_t trials);

}  // namespace reference
