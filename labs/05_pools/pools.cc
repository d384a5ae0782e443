// Lab 05: your implementation of pools.h. Read the handout (README.md) and
// the contract in pools.h first; `./proctor check 05` tests it.

#include "labs/05_pools/pools.h"

#include <stdexcept>

namespace lab05 {

void send_message(int fd, std::string_view message) {
  // TODO(student): Task 1.
  (void)fd;
  (void)message;
  throw std::logic_error("not implemented: send_message");
}

std::optional<std::string> receive_message(int fd) {
  // TODO(student): Task 1.
  (void)fd;
  throw std::logic_error("not implemented: receive_message");
}

// Task 2. Define the queue's state, as it lies in the shared mapping.
struct SharedQueue::Shared {};

SharedQueue::SharedQueue(std::size_t capacity) {
  // TODO(student): Task 2.
  (void)capacity;
}

SharedQueue::~SharedQueue() {}

void SharedQueue::push(long value) {
  (void)value;
  throw std::logic_error("not implemented: SharedQueue::push");
}

long SharedQueue::pop() { throw std::logic_error("not implemented: SharedQueue::pop"); }

std::optional<long> SharedQueue::pop_for(std::chrono::milliseconds timeout) {
  (void)timeout;
  throw std::logic_error("not implemented: SharedQueue::pop_for");
}

std::size_t SharedQueue::size() const {
  throw std::logic_error("not implemented: SharedQueue::size");
}

void SharedQueue::locked(const std::function<void()>& inside) {
  (void)inside;
  throw std::logic_error("not implemented: SharedQueue::locked");
}

// Task 3.
struct Event::State {};

Event::Event() : state_(std::make_unique<State>()) {}
Event::~Event() = default;
void Event::set() { throw std::logic_error("not implemented: Event::set"); }
void Event::clear() { throw std::logic_error("not implemented: Event::clear"); }
bool Event::is_set() const { throw std::logic_error("not implemented: Event::is_set"); }
void Event::wait() { throw std::logic_error("not implemented: Event::wait"); }

bool Event::wait_for(std::chrono::milliseconds timeout) {
  (void)timeout;
  throw std::logic_error("not implemented: Event::wait_for");
}

struct ProcessEvent::Shared {};

ProcessEvent::ProcessEvent() {}
ProcessEvent::~ProcessEvent() {}
void ProcessEvent::set() { throw std::logic_error("not implemented: ProcessEvent::set"); }
void ProcessEvent::clear() { throw std::logic_error("not implemented: ProcessEvent::clear"); }

bool ProcessEvent::is_set() const {
  throw std::logic_error("not implemented: ProcessEvent::is_set");
}

void ProcessEvent::wait() { throw std::logic_error("not implemented: ProcessEvent::wait"); }

bool ProcessEvent::wait_for(std::chrono::milliseconds timeout) {
  (void)timeout;
  throw std::logic_error("not implemented: ProcessEvent::wait_for");
}

// Task 4.
struct ThreadPool::State {};

ThreadPool::ThreadPool(std::size_t workers, std::size_t capacity)
    : state_(std::make_unique<State>()) {
  // TODO(student): Task 4.
  (void)workers;
  (void)capacity;
}

ThreadPool::~ThreadPool() {}

std::future<long> ThreadPool::submit(std::function<long()> task) {
  (void)task;
  throw std::logic_error("not implemented: ThreadPool::submit");
}

void ThreadPool::shutdown(Shutdown how) {
  (void)how;
  throw std::logic_error("not implemented: ThreadPool::shutdown");
}

struct Ledger::Books {};

Ledger::Ledger() : books_(std::make_unique<Books>()) {}
Ledger::~Ledger() = default;

void Ledger::deposit(const std::string& account, long amount) {
  (void)account;
  (void)amount;
  throw std::logic_error("not implemented: Ledger::deposit");
}

bool Ledger::withdraw(const std::string& account, long amount) {
  (void)account;
  (void)amount;
  throw std::logic_error("not implemented: Ledger::withdraw");
}

bool Ledger::transfer(const std::string& from, const std::string& to, long amount) {
  (void)from;
  (void)to;
  (void)amount;
  throw std::logic_error("not implemented: Ledger::transfer");
}

long Ledger::balance(const std::string& account) const {
  (void)account;
  throw std::logic_error("not implemented: Ledger::balance");
}

long Ledger::total() const { throw std::logic_error("not implemented: Ledger::total"); }

// Task 5.
struct ProcessPool::Workers {};

ProcessPool::ProcessPool(std::size_t workers, Function function, std::chrono::milliseconds grace)
    : workers_(std::make_unique<Workers>()) {
  // TODO(student): Task 5.
  (void)workers;
  (void)function;
  (void)grace;
}

ProcessPool::~ProcessPool() {}

std::vector<Outcome> ProcessPool::map(const std::vector<std::string>& inputs,
                                      std::chrono::milliseconds time_limit) {
  (void)inputs;
  (void)time_limit;
  throw std::logic_error("not implemented: ProcessPool::map");
}

std::vector<pid_t> ProcessPool::worker_pids() const {
  throw std::logic_error("not implemented: ProcessPool::worker_pids");
}

void ProcessPool::shutdown() { throw std::logic_error("not implemented: ProcessPool::shutdown"); }

// Task 6.
bool stop_requested() { throw std::logic_error("not implemented: stop_requested"); }

pid_t start_daemon(const std::string& pidfile, Service service) {
  (void)pidfile;
  (void)service;
  throw std::logic_error("not implemented: start_daemon");
}

bool stop_daemon(const std::string& pidfile, std::chrono::milliseconds grace) {
  (void)pidfile;
  (void)grace;
  throw std::logic_error("not implemented: stop_daemon");
}

// Task 7.
PoolCosts pool_costs(Workload workload, std::size_t tasks, std::size_t workers) {
  (void)workload;
  (void)tasks;
  (void)workers;
  throw std::logic_error("not implemented: pool_costs");
}

}  // namespace lab05
