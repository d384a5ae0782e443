// Lab 03: your implementation of sync.h. Read the handout (README.md) and
// the contract in sync.h first; `./proctor check 03` tests it.

#include "labs/03_sync/sync.h"

#include <stdexcept>

namespace lab03 {

long long count_with_mutex(unsigned threads, long increments) {
  // TODO(student): Task 1.
  (void)threads;
  (void)increments;
  throw std::logic_error("not implemented: count_with_mutex");
}

long long count_with_atomic(unsigned threads, long increments) {
  // TODO(student): Task 1.
  (void)threads;
  (void)increments;
  throw std::logic_error("not implemented: count_with_atomic");
}

Bank::Bank(std::size_t accounts, long initial) {
  // TODO(student): Task 2.
  (void)accounts;
  (void)initial;
  throw std::logic_error("not implemented: Bank::Bank");
}

bool Bank::transfer(std::size_t from, std::size_t to, long amount) {
  // TODO(student): Task 2.
  (void)from;
  (void)to;
  (void)amount;
  throw std::logic_error("not implemented: Bank::transfer");
}

long Bank::balance(std::size_t account) const {
  // TODO(student): Task 2.
  (void)account;
  throw std::logic_error("not implemented: Bank::balance");
}

long Bank::total() const {
  // TODO(student): Task 2.
  throw std::logic_error("not implemented: Bank::total");
}

BoundedQueue::BoundedQueue(std::size_t capacity) {
  // TODO(student): Task 3.
  (void)capacity;
  throw std::logic_error("not implemented: BoundedQueue::BoundedQueue");
}

bool BoundedQueue::push(int value) {
  // TODO(student): Task 3.
  (void)value;
  throw std::logic_error("not implemented: BoundedQueue::push");
}

std::optional<int> BoundedQueue::pop() {
  // TODO(student): Task 3.
  throw std::logic_error("not implemented: BoundedQueue::pop");
}

void BoundedQueue::close() {
  // TODO(student): Task 3.
  throw std::logic_error("not implemented: BoundedQueue::close");
}

Semaphore::Semaphore(int initial) {
  // TODO(student): Task 4.
  (void)initial;
  throw std::logic_error("not implemented: Semaphore::Semaphore");
}

void Semaphore::acquire() {
  // TODO(student): Task 4.
  throw std::logic_error("not implemented: Semaphore::acquire");
}

bool Semaphore::try_acquire() {
  // TODO(student): Task 4.
  throw std::logic_error("not implemented: Semaphore::try_acquire");
}

void Semaphore::release(int n) {
  // TODO(student): Task 4.
  (void)n;
  throw std::logic_error("not implemented: Semaphore::release");
}

Barrier::Barrier(std::size_t parties) {
  // TODO(student): Task 5.
  (void)parties;
  throw std::logic_error("not implemented: Barrier::Barrier");
}

std::size_t Barrier::arrive_and_wait() {
  // TODO(student): Task 5.
  throw std::logic_error("not implemented: Barrier::arrive_and_wait");
}

std::optional<std::string> Cache::get(const std::string& key) const {
  // TODO(student): Task 6.
  (void)key;
  throw std::logic_error("not implemented: Cache::get");
}

void Cache::put(const std::string& key, const std::string& value) {
  // TODO(student): Task 6.
  (void)key;
  (void)value;
  throw std::logic_error("not implemented: Cache::put");
}

long long count_in_children(unsigned children, long increments, bool shared) {
  // TODO(student): Task 7.
  (void)children;
  (void)increments;
  (void)shared;
  throw std::logic_error("not implemented: count_in_children");
}

}  // namespace lab03
