// The wrappers the linker puts in place of the calls listed in BUILD
// (linkopts of the hidden tests). Each notes the call while a watch is on
// and then makes the real one.

#include "autograder/hidden/04_costs/watch.h"

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <new>
#include <thread>

namespace watch {
namespace {

// Lives in a shared mapping: a forked child's notes reach the test.
struct Shared {
  std::atomic<bool> on{false};
  // Counts start()s: a thread noted in an earlier watch is noted again.
  std::atomic<int> generation{0};
  std::atomic<int> detached{0};
  std::atomic<int> threads_started{0};
  std::atomic<int> threads_live{0};
  std::atomic<int> most_threads_live{0};
  std::atomic<int> writers{0};
  std::atomic<int> writer_tid[Record::kMaxWriters];
  std::atomic<int> writer_cpu[Record::kMaxWriters];
};
static_assert(std::atomic<int>::is_always_lock_free);

Shared* shared() {
  static Shared* const mapped = [] {
    void* memory =
        ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return memory == MAP_FAILED ? nullptr : new (memory) Shared;
  }();
  return mapped;
}

bool watching() { return shared() != nullptr && shared()->on.load(); }

// The one CPU the calling thread may run on, or -1.
int pinned_cpu() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) != 1) {
    return -1;
  }
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) return cpu;
  }
  return -1;
}

// Notes the calling thread as a writer, once per thread and watch.
void note_writer() {
  Shared& s = *shared();
  const int tid = ::gettid();
  const int generation = s.generation.load();
  // A forked child's thread is a new writer: its tid differs.
  thread_local int noted_tid = 0;
  thread_local int noted_generation = -1;
  if (noted_tid == tid && noted_generation == generation) return;
  noted_tid = tid;
  noted_generation = generation;
  const int slot = s.writers.fetch_add(1);
  if (slot >= Record::kMaxWriters) return;
  s.writer_cpu[slot].store(pinned_cpu());
  s.writer_tid[slot].store(tid);
}

// Notes a thread started by the calling thread.
void note_thread_started() {
  Shared& s = *shared();
  ++s.threads_started;
  const int live = ++s.threads_live;
  int most = s.most_threads_live.load();
  while (live > most && !s.most_threads_live.compare_exchange_weak(most, live)) {
  }
}

// Notes a thread joined by the calling thread.
void note_thread_joined() { --shared()->threads_live; }

}  // namespace

// The controlled clock (fake_clock_start): one process's own, never shared.
std::atomic<bool> fake_on{false};
std::atomic<long long> fake_now_ns{0};
std::atomic<long long> fake_step_ns{0};
std::atomic<int> fake_readings{0};

void start() {
  Shared* s = shared();
  if (s == nullptr) return;
  ++s->generation;
  s->detached = 0;
  s->writers = 0;
  s->threads_started = 0;
  s->threads_live = 0;
  s->most_threads_live = 0;
  for (int i = 0; i < Record::kMaxWriters; ++i) s->writer_tid[i] = 0;
  s->on = true;
}

Record stop() {
  Record record;
  Shared* s = shared();
  if (s == nullptr) return record;
  s->on = false;
  record.detached = s->detached.load();
  record.threads_started = s->threads_started.load();
  record.most_threads_live = s->most_threads_live.load();
  record.writers = std::min(s->writers.load(), Record::kMaxWriters);
  for (int i = 0; i < record.writers; ++i) {
    record.writer[i] = {s->writer_tid[i].load(), s->writer_cpu[i].load()};
  }
  return record;
}

void fake_clock_start(long long step_ns) {
  fake_now_ns = 1'000'000'000;
  fake_step_ns = step_ns;
  fake_readings = 0;
  fake_on = true;
}

void fake_clock_advance(long long ns) { fake_now_ns += ns; }

int fake_clock_stop() {
  fake_on = false;
  return fake_readings.load();
}

}  // namespace watch

// The wrappers. __real_NAME is the original, which the linker supplies.
extern "C" {
ssize_t __real_write(int fd, const void* data, size_t size);
int __real_pthread_detach(pthread_t thread);
int __real_pthread_attr_setdetachstate(pthread_attr_t* attributes, int state);

ssize_t __wrap_write(int fd, const void* data, size_t size) {
  if (watch::watching()) watch::note_writer();
  return __real_write(fd, data, size);
}

int __wrap_pthread_detach(pthread_t thread) {
  if (watch::watching()) ++watch::shared()->detached;
  return __real_pthread_detach(thread);
}

int __wrap_pthread_attr_setdetachstate(pthread_attr_t* attributes, int state) {
  if (watch::watching() && state == PTHREAD_CREATE_DETACHED) ++watch::shared()->detached;
  return __real_pthread_attr_setdetachstate(attributes, state);
}

int __real_pthread_create(pthread_t* thread, const pthread_attr_t* attributes,
                          void* (*start)(void*), void* argument);
int __real_pthread_join(pthread_t thread, void** result);

int __wrap_pthread_create(pthread_t* thread, const pthread_attr_t* attributes,
                          void* (*start)(void*), void* argument) {
  const int error = __real_pthread_create(thread, attributes, start, argument);
  if (error == 0 && watch::watching()) watch::note_thread_started();
  return error;
}

int __wrap_pthread_join(pthread_t thread, void** result) {
  const int error = __real_pthread_join(thread, result);
  if (error == 0 && watch::watching()) watch::note_thread_joined();
  return error;
}

// std::thread's start and join, which libstdc++ defines out of line (its
// own pthread_create and pthread_join calls are inside libstdc++.so, out
// of the linker's reach, so nothing is counted twice). The start takes a
// std::unique_ptr by value, which the ABI passes as a pointer to it: the
// wrapper hands that pointer on untouched. If the start throws, nothing is
// noted.
void __real__ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE(
    std::thread* thread, void* state, void (*depend)());
void __wrap__ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE(
    std::thread* thread, void* state, void (*depend)()) {
  __real__ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE(
      thread, state, depend);
  if (watch::watching()) watch::note_thread_started();
}

void __real__ZNSt6thread4joinEv(std::thread* thread);
void __wrap__ZNSt6thread4joinEv(std::thread* thread) {
  __real__ZNSt6thread4joinEv(thread);
  if (watch::watching()) watch::note_thread_joined();
}

// std::chrono::steady_clock::now(), which libstdc++ defines out of line. Its
// time_point holds one 64-bit count of nanoseconds and comes back in a
// register, as the count itself would.
long long __real__ZNSt6chrono3_V212steady_clock3nowEv();
long long __wrap__ZNSt6chrono3_V212steady_clock3nowEv() {
  if (!watch::fake_on.load()) return __real__ZNSt6chrono3_V212steady_clock3nowEv();
  ++watch::fake_readings;
  return watch::fake_now_ns += watch::fake_step_ns.load();
}

// std::thread::detach(), which libstdc++ defines out of line.
void __real__ZNSt6thread6detachEv(std::thread* thread);
void __wrap__ZNSt6thread6detachEv(std::thread* thread) {
  if (watch::watching()) ++watch::shared()->detached;
  __real__ZNSt6thread6detachEv(thread);
}
}
