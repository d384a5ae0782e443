// Lab 01: your implementation of processes.h. Read the handout (README.md)
// and the contract in processes.h first; `./proctor check 01` tests it.

#include "labs/01_processes/processes.h"

#include <stdexcept>

namespace lab01 {

ExitStatus decode_status(int wait_status) {
  // TODO(student): Task 1.
  (void)wait_status;
  throw std::logic_error("not implemented: decode_status");
}

pid_t spawn(const std::vector<std::string>& argv) {
  // TODO(student): Task 2.
  (void)argv;
  throw std::logic_error("not implemented: spawn");
}

ExitStatus wait_for(pid_t pid) {
  // TODO(student): Task 2.
  (void)pid;
  throw std::logic_error("not implemented: wait_for");
}

ExitStatus run(const std::vector<std::string>& argv) {
  // TODO(student): Task 2.
  (void)argv;
  throw std::logic_error("not implemented: run");
}

Captured capture(const std::vector<std::string>& argv, const std::string& input) {
  // TODO(student): Task 3.
  (void)argv;
  (void)input;
  throw std::logic_error("not implemented: capture");
}

Captured pipeline(const std::vector<std::vector<std::string>>& stages, const std::string& input) {
  // TODO(student): Task 4.
  (void)stages;
  (void)input;
  throw std::logic_error("not implemented: pipeline");
}

TimedResult run_with_timeout(const std::vector<std::string>& argv,
                             std::chrono::milliseconds limit) {
  // TODO(student): Task 5.
  (void)argv;
  (void)limit;
  throw std::logic_error("not implemented: run_with_timeout");
}

Child::Child(const std::vector<std::string>& argv) {
  // TODO(student): Task 6.
  (void)argv;
  throw std::logic_error("not implemented: Child::Child");
}

Child::Child(Child&& other) noexcept {
  // TODO(student): Task 6.
  (void)other;
}

Child& Child::operator=(Child&& other) noexcept {
  // TODO(student): Task 6.
  (void)other;
  return *this;
}

Child::~Child() {
  // TODO(student): Task 6.
}

ExitStatus Child::wait() {
  // TODO(student): Task 6.
  throw std::logic_error("not implemented: Child::wait");
}

void Child::kill(int signal) {
  // TODO(student): Task 6.
  (void)signal;
  throw std::logic_error("not implemented: Child::kill");
}

ExitStatus run_in_child(const std::function<int()>& task) {
  // TODO(student): Task 7.
  (void)task;
  throw std::logic_error("not implemented: run_in_child");
}

IsolationReport run_isolation_experiment(int before, int child_writes) {
  // TODO(student): Task 7.
  (void)before;
  (void)child_writes;
  throw std::logic_error("not implemented: run_isolation_experiment");
}

}  // namespace lab01
