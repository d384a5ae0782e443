// Reference solution for Lab 02. Implements labs/02_threads/threads.h.

#include "labs/02_threads/threads.h"

#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <exception>
#include <future>
#include <set>
#include <stdexcept>
#include <system_error>

namespace lab02 {
namespace {

// pthread_create takes a C function and one pointer: pack what it needs.
struct SumJob {
  const long long* first = nullptr;
  const long long* last = nullptr;
  long long result = 0;
};

void* sum_job(void* arg) {
  auto* job = static_cast<SumJob*>(arg);
  for (const long long* p = job->first; p != job->last; ++p) job->result += *p;
  return nullptr;
}

long long sum_range(const std::vector<long long>& values, Range range) {
  long long sum = 0;
  for (std::size_t i = range.begin; i < range.end; ++i) sum += values[i];
  return sum;
}

}  // namespace

std::vector<Range> partition(std::size_t items, unsigned parts) {
  if (parts == 0) throw std::invalid_argument("partition into 0 parts");
  const std::size_t count = std::min<std::size_t>(items, parts);
  std::vector<Range> ranges;
  ranges.reserve(count);
  std::size_t begin = 0;
  for (std::size_t i = 0; i < count; ++i) {
    // The first `items % count` ranges take one extra item.
    const std::size_t size = items / count + (i < items % count ? 1 : 0);
    ranges.push_back({begin, begin + size});
    begin += size;
  }
  return ranges;
}

unsigned choose_thread_count(std::size_t items, std::size_t min_items_per_thread,
                             unsigned hardware) {
  if (min_items_per_thread == 0) throw std::invalid_argument("min_items_per_thread is 0");
  const std::size_t by_work = (items + min_items_per_thread - 1) / min_items_per_thread;
  const std::size_t limit = std::max(1u, hardware);
  return static_cast<unsigned>(std::max<std::size_t>(1, std::min(by_work, limit)));
}

long long parallel_sum(const std::vector<long long>& values, unsigned threads, ThreadApi api) {
  const std::vector<Range> ranges = partition(values.size(), threads);
  // One slot per thread: no two threads ever write the same memory.
  std::vector<long long> partial(ranges.size(), 0);
  switch (api) {
    case ThreadApi::std_thread: {
      std::vector<std::thread> workers;
      try {
        for (std::size_t i = 0; i < ranges.size(); ++i) {
          workers.emplace_back([&, i] { partial[i] = sum_range(values, ranges[i]); });
        }
      } catch (...) {
        for (auto& worker : workers) worker.join();  // A joinable thread must not be destroyed.
        throw;
      }
      for (auto& worker : workers) worker.join();
      break;
    }
    case ThreadApi::jthread: {
      std::vector<std::jthread> workers;
      for (std::size_t i = 0; i < ranges.size(); ++i) {
        workers.emplace_back([&, i] { partial[i] = sum_range(values, ranges[i]); });
      }
      break;  // Leaving the scope joins every jthread, on exceptions too.
    }
    case ThreadApi::pthread: {
      std::vector<SumJob> jobs(ranges.size());
      std::vector<pthread_t> ids;
      int error = 0;
      for (std::size_t i = 0; i < ranges.size() && error == 0; ++i) {
        jobs[i] = {values.data() + ranges[i].begin, values.data() + ranges[i].end, 0};
        pthread_t id;
        error = pthread_create(&id, nullptr, sum_job, &jobs[i]);
        if (error == 0) ids.push_back(id);
      }
      for (pthread_t id : ids) pthread_join(id, nullptr);
      if (error != 0) throw std::system_error(error, std::generic_category(), "pthread_create");
      for (std::size_t i = 0; i < jobs.size(); ++i) partial[i] = jobs[i].result;
      break;
    }
  }
  long long total = 0;
  for (long long sum : partial) total += sum;
  return total;
}

std::vector<int> parallel_map(const std::vector<int>& input, const std::function<int(int)>& f,
                              unsigned threads) {
  const std::vector<Range> ranges = partition(input.size(), threads);
  std::vector<int> output(input.size());
  {
    // Each worker writes only its own range of `output`.
    std::vector<std::jthread> workers;
    for (const Range range : ranges) {
      workers.emplace_back([&, range] {
        for (std::size_t i = range.begin; i < range.end; ++i) output[i] = f(input[i]);
      });
    }
  }
  return output;
}

std::vector<int> run_all(const std::vector<std::function<int()>>& tasks) {
  std::vector<std::future<int>> results;
  {
    std::vector<std::jthread> workers;
    for (const auto& task : tasks) {
      std::packaged_task<int()> job(task);
      results.push_back(job.get_future());
      // The packaged task stores the result or the exception for the future.
      workers.emplace_back(std::move(job));
    }
  }
  std::vector<int> values;
  values.reserve(results.size());
  for (auto& result : results) values.push_back(result.get());  // Rethrows in task order.
  return values;
}

Worker::Worker(std::function<void(std::stop_token)> body) : thread_(std::move(body)) {}

Worker::~Worker() {
  // std::jthread's destructor requests a stop and joins; spelled out here.
  request_stop();
  join();
}

void Worker::request_stop() { thread_.request_stop(); }

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

std::pair<std::vector<long>, std::size_t> thread_local_counts(unsigned threads, long increments) {
  thread_local long counter = 0;
  std::vector<long> counts(threads, 0);
  std::vector<std::thread::id> ids(threads);
  {
    std::vector<std::jthread> workers;
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (long i = 0; i < increments; ++i) ++counter;  // This thread's own copy.
        counts[t] = counter;
        ids[t] = std::this_thread::get_id();
      });
    }
  }
  return {counts, std::set<std::thread::id>(ids.begin(), ids.end()).size()};
}

SharingReport thread_vs_process_write(int before, int written) {
  SharingReport report;
  int value = before;
  std::thread([&value, written] { value = written; }).join();  // join() orders the write first.
  report.after_thread = value;

  value = before;
  pid_t pid = fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    value = written;  // The child's own copy of the address space.
    _exit(0);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  report.after_child = value;
  return report;
}

}  // namespace lab02
