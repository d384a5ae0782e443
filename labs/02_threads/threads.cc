// Lab 02: your implementation of threads.h. Read the handout (README.md)
// and the contract in threads.h first; `./proctor check 02` tests it.

#include "labs/02_threads/threads.h"

#include <stdexcept>

namespace lab02 {

std::vector<Range> partition(std::size_t items, unsigned parts) {
  // TODO(student): Task 1.
  (void)items;
  (void)parts;
  throw std::logic_error("not implemented: partition");
}

unsigned choose_thread_count(std::size_t items, std::size_t min_items_per_thread,
                             unsigned hardware) {
  // TODO(student): Task 1.
  (void)items;
  (void)min_items_per_thread;
  (void)hardware;
  throw std::logic_error("not implemented: choose_thread_count");
}

long long parallel_sum(const std::vector<long long>& values, unsigned threads, ThreadApi api) {
  // TODO(student): Task 2.
  (void)values;
  (void)threads;
  (void)api;
  throw std::logic_error("not implemented: parallel_sum");
}

std::vector<int> parallel_map(const std::vector<int>& input, const std::function<int(int)>& f,
                              unsigned threads) {
  // TODO(student): Task 3.
  (void)input;
  (void)f;
  (void)threads;
  throw std::logic_error("not implemented: parallel_map");
}

std::vector<int> run_all(const std::vector<std::function<int()>>& tasks) {
  // TODO(student): Task 4.
  (void)tasks;
  throw std::logic_error("not implemented: run_all");
}

Worker::Worker(std::function<void(std::stop_token)> body) {
  // TODO(student): Task 5.
  (void)body;
  throw std::logic_error("not implemented: Worker::Worker");
}

Worker::~Worker() {
  // TODO(student): Task 5.
}

void Worker::request_stop() {
  // TODO(student): Task 5.
  throw std::logic_error("not implemented: Worker::request_stop");
}

void Worker::join() {
  // TODO(student): Task 5.
  throw std::logic_error("not implemented: Worker::join");
}

std::pair<std::vector<long>, std::size_t> thread_local_counts(unsigned threads, long increments) {
  // TODO(student): Task 6.
  (void)threads;
  (void)increments;
  throw std::logic_error("not implemented: thread_local_counts");
}

SharingReport thread_vs_process_write(int before, int written) {
  // TODO(student): Task 6.
  (void)before;
  (void)written;
  throw std::logic_error("not implemented: thread_vs_process_write");
}

}  // namespace lab02
