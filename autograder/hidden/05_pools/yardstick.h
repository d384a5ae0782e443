#pragma once

/// @file
/// @brief The reference's pool costs, measured in the same test run, that
/// the hidden Lab 05 tests compare the student's with.

#include <cstddef>

namespace reference {

/// What lab05::pool_costs measures, in microseconds per task.
struct Costs {
  double thread_pool_us = 0;
  double process_pool_us = 0;
  double process_per_task_us = 0;
};

/// The reference's pool_costs(); `io` picks Workload::io over Workload::cpu.
Costs pool_costs(bool io, std::size_t tasks, std::size_t workers);

}  // namespace reference
