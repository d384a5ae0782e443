// Lab 04: your implementation of costs.h. Read the handout (README.md) and
// the contract in costs.h first; `./proctor check 04` tests it.

#include "labs/04_costs/costs.h"

#include <stdexcept>

namespace lab04 {

Stats summarize(std::vector<double> samples_ns) {
  // TODO(student): Task 1.
  (void)samples_ns;
  throw std::logic_error("not implemented: summarize");
}

double timer_resolution_ns() {
  // TODO(student): Task 1.
  throw std::logic_error("not implemented: timer_resolution_ns");
}

double timer_overhead_ns() {
  // TODO(student): Task 1.
  throw std::logic_error("not implemented: timer_overhead_ns");
}

Stats measure(const std::function<void()>& operation, std::size_t warmup, std::size_t trials,
              std::size_t batch) {
  // TODO(student): Task 1.
  (void)operation;
  (void)warmup;
  (void)trials;
  (void)batch;
  throw std::logic_error("not implemented: measure");
}

double thread_create_join_ns(ThreadKind kind, std::size_t trials) {
  // TODO(student): Task 2.
  (void)kind;
  (void)trials;
  throw std::logic_error("not implemented: thread_create_join_ns");
}

double process_create_ns(ProcessKind kind, std::size_t trials) {
  // TODO(student): Task 3.
  (void)kind;
  (void)trials;
  throw std::logic_error("not implemented: process_create_ns");
}

double pipe_round_trip_ns(bool processes, std::size_t round_trips) {
  // TODO(student): Task 4.
  (void)processes;
  (void)round_trips;
  throw std::logic_error("not implemented: pipe_round_trip_ns");
}

double mutex_lock_unlock_ns() {
  // TODO(student): Task 5.
  throw std::logic_error("not implemented: mutex_lock_unlock_ns");
}

double contended_increment_ns(bool atomic) {
  // TODO(student): Task 5.
  (void)atomic;
  throw std::logic_error("not implemented: contended_increment_ns");
}

double fork_with_resident_ns(std::size_t mebibytes, std::size_t trials) {
  // TODO(student): Task 6.
  (void)mebibytes;
  (void)trials;
  throw std::logic_error("not implemented: fork_with_resident_ns");
}

}  // namespace lab04
