// Lab 05 hidden tests: the classic bugs of messages between processes.
// Never shipped to students. Each test names the bug it catches in a
// comment.

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "autograder/hidden/05_pools/yardstick.h"
#include "autograder/hidden/timing/decide.h"
#include "labs/05_pools/pools.h"
#include "testing/describe.h"
#include "testing/guard.h"

using namespace std::chrono_literals;
using testing::Findings;
using testing::fork_child;
using testing::proc_line;
using testing::run_guarded;
using testing::wait_child;

// The calls a frame goes out through, counted for one file descriptor: the
// hidden tests link with -Wl,--wrap=write and --wrap=writev (BUILD), so the
// student's calls come here first.
namespace {
std::atomic<int> watched_fd{-1};
std::atomic<int> watched_writes{0};
}  // namespace

extern "C" {
ssize_t __real_write(int fd, const void* data, size_t size);
ssize_t __real_writev(int fd, const iovec* parts, int count);

ssize_t __wrap_write(int fd, const void* data, size_t size) {
  if (fd == watched_fd.load()) ++watched_writes;
  return __real_write(fd, data, size);
}

ssize_t __wrap_writev(int fd, const iovec* parts, int count) {
  if (fd == watched_fd.load()) ++watched_writes;
  return __real_writev(fd, parts, count);
}
}

namespace {

std::string patterned(std::size_t size, unsigned seed = 0) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    text[i] = static_cast<char>('a' + (i * 7 + i / 251 + seed * 13) % 26);
  }
  return text;
}

// A frame as the contract lays it out, built here so that a test can feed
// it to receive_message in whatever pieces it likes.
std::string frame_of(const std::string& message) {
  const auto length = static_cast<std::uint32_t>(message.size());
  return std::string(reinterpret_cast<const char*>(&length), sizeof length) + message;
}

void on_alarm(int) {}

}  // namespace

// Bugs: one read() taken for the whole frame (or the whole length), so a
// frame that arrives in pieces comes out short or mixed with the next.
TEST_CASE("a frame that arrives a byte at a time comes out whole", "[lab05][task1][points=1]") {
  auto result = run_guarded([] {
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, ends) != 0) {
      return std::string("the test could not make a socket pair");
    }
    const std::string first = patterned(40);
    const std::string second = patterned(25, 1);
    std::thread trickle([&] {
      const std::string bytes = frame_of(first) + frame_of(second);
      for (char byte : bytes) {
        if (::write(ends[1], &byte, 1) != 1) break;
        std::this_thread::sleep_for(200us);
      }
      ::close(ends[1]);
    });
    Findings findings;
    const auto one = lab05::receive_message(ends[0]);
    const auto two = lab05::receive_message(ends[0]);
    trickle.join();
    findings.expect(one == first, "a 40-byte message sent one byte at a time came out as " +
                                      (one ? std::to_string(one->size()) + " bytes" +
                                                 (one->size() == 40 ? " that differ from it" : "")
                                           : std::string("nothing")) +
                                      ": read until the frame is whole (pitfall: one read() "
                                      "taken for a whole frame)");
    findings.expect(two == second,
                    "the 25-byte message after it came out as " +
                        (two ? std::to_string(two->size()) + " bytes" : std::string("nothing")));
    ::close(ends[0]);
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: a write or read interrupted by a signal (EINTR, or a partial write
// that a signal cut short) treated as an error or as the end.
TEST_CASE("signals that interrupt reads and writes do not break a transfer",
          "[lab05][task1][points=1]") {
  auto result = run_guarded(
      [] {
        struct sigaction action {};
        action.sa_handler = on_alarm;  // No SA_RESTART: calls fail with EINTR.
        ::sigaction(SIGALRM, &action, nullptr);
        int ends[2];
        if (::pipe(ends) != 0) return std::string("the test could not make a pipe");
        std::atomic<bool> writer_failed{false};
        std::string writer_error;
        const itimerval every{{0, 500}, {0, 500}};
        ::setitimer(ITIMER_REAL, &every, nullptr);
        std::thread writer([&] {
          try {
            for (unsigned i = 0; i < 16; ++i) lab05::send_message(ends[1], patterned(256 << 10, i));
          } catch (const std::exception& e) {
            writer_error = e.what();
            writer_failed = true;
          }
          ::close(ends[1]);
        });
        Findings findings;
        unsigned whole = 0;
        try {
          for (unsigned i = 0; i < 16; ++i) {
            const auto got = lab05::receive_message(ends[0]);
            if (got != patterned(256 << 10, i)) break;
            ++whole;
          }
        } catch (const std::exception& e) {
          findings.expect(false, std::string("receive_message threw while a timer interrupted it "
                                             "every 0.5 ms: ") +
                                     e.what() + " (a call that fails with EINTR is made again)");
        }
        writer.join();
        const itimerval off{};
        ::setitimer(ITIMER_REAL, &off, nullptr);
        findings.expect(!writer_failed,
                        "send_message threw while a timer interrupted it every "
                        "0.5 ms: " +
                            writer_error +
                            " (a call that fails with EINTR is made again, and a "
                            "write cut short is finished)");
        findings.expect_equal("the number of the 16 messages of 256 KiB that came out whole", whole,
                              16u);
        ::close(ends[0]);
        return findings.report();
      },
      std::chrono::seconds(20));
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bug: the length and the bytes written with two write() calls: frames that
// several processes write to one pipe at once then interleave.
TEST_CASE("frames up to PIPE_BUF go out in one write, so concurrent writers never interleave",
          "[lab05][task1][points=1][no_tsan]") {
  auto result = run_guarded(
      [] {
        Findings findings;
        int ends[2];
        if (::pipe(ends) != 0) return std::string("the test could not make a pipe");
        // Each fits in the pipe: no reader is needed while they are counted.
        for (std::size_t size :
             {std::size_t{0}, std::size_t{1}, std::size_t{100}, std::size_t{PIPE_BUF - 4}}) {
          watched_writes = 0;
          watched_fd = ends[1];
          lab05::send_message(ends[1], patterned(size));
          watched_fd = -1;
          findings.expect(watched_writes.load() == 1,
                          "a frame of " + std::to_string(size + 4) + " bytes went out in " +
                              std::to_string(watched_writes.load()) +
                              " write calls: a frame of at most PIPE_BUF bytes goes out in one, "
                              "so that concurrent writers never interleave (pitfall: the length "
                              "and the bytes written apart)");
          lab05::receive_message(ends[0]);
        }
        // Four processes write 200 frames each to one pipe at once.
        std::vector<pid_t> writers;
        for (unsigned w = 0; w < 4; ++w) {
          const pid_t pid = ::fork();
          if (pid == 0) {
            ::close(ends[0]);
            for (unsigned i = 0; i < 200; ++i) {
              std::string message = patterned(64 + (i * 37 + w * 11) % (PIPE_BUF - 80), w + i);
              message.replace(0, 8, std::to_string(10000000 + w * 1000 + i));
              lab05::send_message(ends[1], message);
            }
            ::_exit(0);
          }
          writers.push_back(pid);
        }
        ::close(ends[1]);
        unsigned whole = 0;
        unsigned broken = 0;
        try {
          while (const auto got = lab05::receive_message(ends[0])) {
            const unsigned id = static_cast<unsigned>(std::stoul(got->substr(0, 8))) - 10000000;
            const unsigned w = id / 1000;
            const unsigned i = id % 1000;
            std::string expected = patterned(64 + (i * 37 + w * 11) % (PIPE_BUF - 80), w + i);
            expected.replace(0, 8, std::to_string(10000000 + id));
            (w < 4 && i < 200 && *got == expected ? whole : broken) += 1;
          }
        } catch (const std::exception& e) {
          ++broken;
        }
        for (pid_t pid : writers) ::waitpid(pid, nullptr, 0);
        findings.expect(whole == 800 && broken == 0,
                        "four processes sent 800 frames to one pipe at once; the reader got " +
                            std::to_string(whole) + " whole and " + std::to_string(broken) +
                            " broken ones (frames written in pieces interleave)");
        ::close(ends[0]);
        return findings.report();
      },
      std::chrono::seconds(20));
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: a length from the stream trusted and allocated (a corrupt or
// hostile length of 4 GiB), or a message too long to frame sent anyway.
TEST_CASE("a length above kMaxMessage is refused at once, and so is a message too long to send",
          "[lab05][task1][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    for (std::uint32_t length :
         {static_cast<std::uint32_t>(lab05::kMaxMessage + 1), std::uint32_t{0xffffffff}}) {
      int ends[2];
      if (::pipe(ends) != 0) return std::string("the test could not make a pipe");
      // The writer's end stays open: waiting for the bytes would wait forever.
      if (::write(ends[1], &length, sizeof length) != sizeof length) return std::string("write");
      try {
        lab05::receive_message(ends[0]);
        findings.expect(false,
                        "a frame announcing " + std::to_string(length) + " bytes was accepted");
      } catch (const lab05::ProtocolError&) {
      } catch (const std::exception& e) {
        findings.expect(false, "a frame announcing " + std::to_string(length) +
                                   " bytes should throw ProtocolError, but threw: " + e.what() +
                                   " (check the length before allocating anything for it)");
      }
      ::close(ends[0]);
      ::close(ends[1]);
    }
    int ends[2];
    if (::pipe(ends) != 0) return std::string("the test could not make a pipe");
    try {
      lab05::send_message(ends[1], std::string(lab05::kMaxMessage + 1, 'x'));
      findings.expect(false,
                      "send_message of kMaxMessage + 1 bytes should throw "
                      "std::invalid_argument, but it returned");
    } catch (const std::invalid_argument&) {
    } catch (const std::exception& e) {
      findings.expect(false, std::string("send_message of kMaxMessage + 1 bytes should throw "
                                         "std::invalid_argument, but threw: ") +
                                 e.what());
    }
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: SIGPIPE ignored for the whole process (and left so), or blocked
// and left pending, so that it kills the process later, when unblocked.
TEST_CASE("send_message leaves the process's signal handling as it found it",
          "[lab05][task1][points=1]") {
  auto result = run_guarded([] {
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t before;
    ::pthread_sigmask(SIG_SETMASK, nullptr, &before);
    int ends[2];
    if (::pipe(ends) != 0) return std::string("the test could not make a pipe");
    ::close(ends[0]);
    Findings findings;
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        lab05::send_message(ends[1], "nobody reads this");
        findings.expect(false, "send_message to a pipe nobody reads returned");
      } catch (const std::system_error&) {
      }
    }
    struct sigaction now {};
    ::sigaction(SIGPIPE, nullptr, &now);
    findings.expect(now.sa_handler == SIG_DFL,
                    std::string("after send_message, SIGPIPE was ") +
                        (now.sa_handler == SIG_IGN ? "ignored" : "handled") +
                        " for the whole process, where it had been left to its default: a "
                        "library call must not change what the program does with a signal "
                        "(pitfall: SIGPIPE ignored process-wide)");
    sigset_t after;
    ::pthread_sigmask(SIG_SETMASK, nullptr, &after);
    findings.expect(sigismember(&after, SIGPIPE) == sigismember(&before, SIGPIPE),
                    "after send_message, SIGPIPE stayed blocked in the calling thread");
    sigset_t pending;
    ::sigpending(&pending);
    findings.expect(sigismember(&pending, SIGPIPE) == 0,
                    "after send_message, a SIGPIPE was left pending: it kills the process as "
                    "soon as it is unblocked");
    ::close(ends[1]);
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// ---------------------------------------------------------------------------
// Task 2: the shared queue.

namespace {

using Clock = std::chrono::steady_clock;

long elapsed_ms(Clock::time_point since) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

// A pipe the test waits on: a child writes a byte when it gets somewhere.
struct Signal {
  int ends[2] = {-1, -1};
  Signal() {
    if (::pipe(ends) != 0) throw std::runtime_error("pipe");
  }
  ~Signal() {
    ::close(ends[0]);
    ::close(ends[1]);
  }
  void raise() const { (void)!::write(ends[1], "!", 1); }
  bool wait(std::chrono::milliseconds timeout) const {
    pollfd readable{ends[0], POLLIN, 0};
    if (::poll(&readable, 1, static_cast<int>(timeout.count())) != 1) return false;
    char byte;
    return ::read(ends[0], &byte, 1) == 1;
  }
};

}  // namespace

// Bugs: a lock that is not robust (the next lock after its owner died waits
// forever), and EOWNERDEAD taken without pthread_mutex_consistent (the
// mutex becomes unrecoverable at the next unlock, and from then on locks
// fail, or "succeed" without excluding anyone if their errors are ignored).
TEST_CASE("a process that dies holding the queue's lock leaves it usable, and locking",
          "[lab05][task2][points=1]") {
  auto result = run_guarded(
      [] {
        Findings findings;
        lab05::SharedQueue queue(8);
        queue.push(1);
        queue.push(2);
        const pid_t owner = fork_child([&] { queue.locked([] { ::_exit(0); }); });
        wait_child(owner, 3s);
        // The next users run in children, so that a lock that never comes
        // back fails this test with a sentence instead of its deadline.
        const pid_t next = fork_child([&] {
          queue.push(3);
          if (queue.size() != 3 || queue.pop() != 1 || queue.pop() != 2) std::_Exit(2);
        });
        const std::string how = wait_child(next, 3s);
        findings.expect(how != "still running",
                        "a process died holding the queue's lock, and the next push() waited for "
                        "it for 3 s (pitfall: the lock is not robust, PTHREAD_MUTEX_ROBUST)");
        findings.expect(
            how == "exited with code 0" || how == "still running",
            "after a process died holding the lock, the next push, size and pops " +
                std::string(how == "exited with code 2" ? "gave the wrong values"
                                                        : "failed (" + how + ": an exception?)") +
                " (pitfall: EOWNERDEAD not recovered)");
        if (how != "exited with code 0") return findings.report();
        // Does the lock still exclude? One process holds it for 400 ms; a
        // size() in this one must wait for it.
        Signal inside;
        const pid_t holder = fork_child([&] {
          queue.locked([&] {
            inside.raise();
            std::this_thread::sleep_for(400ms);
          });
        });
        if (!inside.wait(3s)) {
          findings.expect(false, "locked() never ran its function after the recovery");
        } else {
          const auto start = Clock::now();
          const std::size_t size = queue.size();
          const long waited = elapsed_ms(start);
          findings.expect(waited >= 200,
                          "after the recovery, size() did not wait while another process held "
                          "the lock (it took " +
                              std::to_string(waited) +
                              " ms): the lock no longer excludes anyone (pitfall: EOWNERDEAD "
                              "not recovered with pthread_mutex_consistent, so the mutex became "
                              "unrecoverable)");
          findings.expect_equal("the size after the recovery", size, std::size_t{1});
        }
        wait_child(holder, 3s);
        return findings.report();
      },
      15s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bug: conditions (or a lock) that are not process-shared: a wake-up from
// another process never arrives, and a waiting pop sleeps to its timeout.
TEST_CASE("a consumer in one process is woken by a producer in another at once",
          "[lab05][task2][points=1]") {
  auto result = run_guarded(
      [] {
        Findings findings;
        lab05::SharedQueue queue(2);
        const pid_t producer = fork_child([&] {
          for (long i = 0; i < 3; ++i) {
            std::this_thread::sleep_for(100ms);  // The consumer is waiting by then.
            queue.push(i);
          }
        });
        for (long i = 0; i < 3; ++i) {
          const auto start = Clock::now();
          const auto got = queue.pop_for(2500ms);
          const long waited = elapsed_ms(start);
          findings.expect_equal("value " + std::to_string(i) + " popped", got.value_or(-1), i);
          findings.expect(waited < 1500,
                          "pop_for() waited " + std::to_string(waited) +
                              " ms for a value another process pushed 100 ms after it began: "
                              "the push did not wake it (pitfall: conditions not "
                              "PTHREAD_PROCESS_SHARED)");
          if (waited >= 1500) break;
        }
        wait_child(producer, 5s);
        return findings.report();
      },
      15s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: a capacity that is not enforced, a pop_for that does not wait or
// never gives up.
TEST_CASE("a full queue makes push wait, and an empty one makes pop_for give up in time",
          "[lab05][task2][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    lab05::SharedQueue queue(2);
    const auto start = Clock::now();
    const auto nothing = queue.pop_for(300ms);
    const long waited = elapsed_ms(start);
    findings.expect(!nothing, "pop_for() on an empty queue returned a value");
    findings.expect(
        waited >= 250 && waited < 3000,
        "pop_for(300 ms) on an empty queue returned after " + std::to_string(waited) + " ms");
    const pid_t producer = fork_child([&] {
      for (long i = 0; i < 3; ++i) queue.push(i);
    });
    std::this_thread::sleep_for(300ms);
    findings.expect_equal("the size of a queue of capacity 2 after 3 pushes began", queue.size(),
                          std::size_t{2}, "the third push must wait for room");
    findings.expect_equal("the first value", queue.pop_for(2s).value_or(-1), 0L);
    findings.expect_equal("how the producer ended once there was room", wait_child(producer, 3s),
                          std::string("exited with code 0"));
    findings.expect_equal("the second value", queue.pop_for(2s).value_or(-1), 1L);
    findings.expect_equal("the third value", queue.pop_for(2s).value_or(-1), 2L);
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// ---------------------------------------------------------------------------
// Task 3: events.

// Bugs: wait_for that ignores the flag (waits on the condition without a
// predicate: a flag set before the wait is missed), returns true on
// timeout, or never times out; clear() that does nothing.
TEST_CASE("wait_for says false after its timeout and true as soon as the event is set",
          "[lab05][task3][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    lab05::Event event;
    auto start = Clock::now();
    findings.expect(!event.wait_for(200ms), "wait_for() on a clear event said true");
    long waited = elapsed_ms(start);
    findings.expect(
        waited >= 150 && waited < 3000,
        "wait_for(200 ms) on a clear event returned after " + std::to_string(waited) + " ms");
    event.set();
    start = Clock::now();
    findings.expect(event.wait_for(2s), "wait_for() on an event already set said false");
    waited = elapsed_ms(start);
    findings.expect(waited < 1000, "wait_for() on an event already set waited " +
                                       std::to_string(waited) +
                                       " ms (pitfall: waiting without checking the flag)");
    event.clear();
    findings.expect(!event.is_set(), "is_set() said true after clear()");
    findings.expect(!event.wait_for(50ms), "wait_for() said true after clear()");
    std::thread setter([&] {
      std::this_thread::sleep_for(100ms);
      event.set();
    });
    start = Clock::now();
    findings.expect(event.wait_for(5s), "wait_for() missed a set() from another thread");
    waited = elapsed_ms(start);
    setter.join();
    findings.expect(waited < 2000, "wait_for() took " + std::to_string(waited) +
                                       " ms to see a set() made 100 ms after it began");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: a process event that wakes one waiter (FUTEX_WAKE with 1, or a
// signal instead of a broadcast), or lives in private memory.
TEST_CASE("a process event releases waiters in every process at once", "[lab05][task3][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    lab05::ProcessEvent go;
    std::vector<pid_t> waiters;
    for (int i = 0; i < 3; ++i) waiters.push_back(fork_child([&] { go.wait(); }));
    std::this_thread::sleep_for(200ms);
    findings.expect(!go.is_set(), "is_set() said true before set()");
    go.set();
    int released = 0;
    for (pid_t waiter : waiters) {
      if (wait_child(waiter, 2s) == "exited with code 0") ++released;
    }
    findings.expect_equal("how many of 3 waiting processes set() released within 2 s", released, 3,
                          "set() wakes every waiter, in every process");
    go.clear();
    findings.expect(!go.wait_for(50ms), "wait_for() said true after clear()");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// ---------------------------------------------------------------------------
// Task 4: the thread pool and the ledger.

// Bug: a worker that runs its task while holding the queue's lock, so that
// one blocked task stalls the whole pool.
TEST_CASE("a task that blocks holds up its own worker only", "[lab05][task4][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    std::atomic<bool> release{false};
    lab05::ThreadPool pool(2, 8);
    auto blocked = pool.submit([&]() -> long {
      for (int i = 0; i < 300 && !release; ++i) std::this_thread::sleep_for(10ms);
      return 1;
    });
    std::this_thread::sleep_for(50ms);
    const auto start = Clock::now();
    auto quick = pool.submit([] { return 7L; });
    const bool done = quick.wait_for(2s) == std::future_status::ready;
    const long took = elapsed_ms(start);
    findings.expect(done && took < 2000,
                    "with one of 2 workers blocked in a task, a second task took " +
                        std::to_string(took) +
                        " ms to be submitted and run (pitfall: a task run while holding the "
                        "queue's lock stalls the pool)");
    release = true;
    findings.expect_equal("the quick task's result", quick.get(), 7L);
    blocked.get();
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: shutdown(finish) that drops the tasks still queued (their futures
// break), shutdown(cancel) that runs them anyway or leaves their futures
// without a value, submit() accepted after shutdown.
TEST_CASE("shutdown finishes or cancels the queued tasks as asked, and loses no future",
          "[lab05][task4][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    std::atomic<int> ran{0};
    const auto count = [&]() -> long { return ++ran; };
    {
      lab05::ThreadPool pool(1, 16);
      pool.submit([]() -> long {
        std::this_thread::sleep_for(200ms);
        return 0;
      });
      std::vector<std::future<long>> queued;
      for (int i = 0; i < 5; ++i) queued.push_back(pool.submit(count));
      pool.shutdown(lab05::ThreadPool::Shutdown::finish);
      findings.expect_equal("how many of 5 queued tasks shutdown(finish) ran", ran.load(), 5,
                            "pitfall: results lost at shutdown");
      int answered = 0;
      for (auto& future : queued) {
        try {
          future.get();
          ++answered;
        } catch (const std::exception&) {
        }
      }
      findings.expect_equal("how many of their futures held a value", answered, 5);
      try {
        pool.submit(count);
        findings.expect(false, "submit() after shutdown() was accepted");
      } catch (const lab05::PoolClosed&) {
      }
    }
    ran = 0;
    lab05::ThreadPool pool(1, 16);
    std::atomic<bool> release{false};
    auto running = pool.submit([&]() -> long {
      while (!release) std::this_thread::sleep_for(5ms);
      return 42;
    });
    std::this_thread::sleep_for(100ms);  // The worker has taken it.
    std::vector<std::future<long>> queued;
    for (int i = 0; i < 5; ++i) queued.push_back(pool.submit(count));
    std::thread releaser([&] {
      std::this_thread::sleep_for(200ms);
      release = true;
    });
    pool.shutdown(lab05::ThreadPool::Shutdown::cancel);
    releaser.join();
    findings.expect_equal("how many of 5 queued tasks ran despite shutdown(cancel)", ran.load(), 0);
    int cancelled = 0;
    for (auto& future : queued) {
      try {
        future.get();
      } catch (const lab05::PoolClosed&) {
        ++cancelled;
      } catch (const std::exception&) {
      }
    }
    findings.expect_equal("how many of their futures held PoolClosed", cancelled, 5);
    findings.expect_equal("the running task's result (it finishes)", running.get(), 42L);
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bug: workers left unnamed (every one shows as the program's name).
TEST_CASE("the pool's workers are named pool-0, pool-1, ...", "[lab05][task4][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    lab05::ThreadPool pool(3, 4);
    std::set<std::string> names;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream comm(task.path() / "comm");
      std::string name;
      std::getline(comm, name);
      names.insert(name);
    }
    for (const char* name : {"pool-0", "pool-1", "pool-2"}) {
      findings.expect(names.count(name) == 1, std::string("no thread of the process is named ") +
                                                  name + " (pthread_setname_np on each worker)");
    }
    pool.shutdown(lab05::ThreadPool::Shutdown::finish);
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: a transfer that lets go of the lock between its withdrawal and its
// deposit (another thread sees the money nowhere), or takes two locks in
// an order that two opposite transfers deadlock on.
TEST_CASE("transfers from two threads at once never change the total", "[lab05][task4][points=1]") {
  auto result = run_guarded(
      [] {
        Findings findings;
        lab05::Ledger ledger;
        ledger.deposit("a", 1000);
        ledger.deposit("b", 1000);
        std::atomic<bool> done{false};
        std::atomic<long> wrong{0};
        std::thread watcher([&] {
          while (!done) {
            if (ledger.total() != 2000) ++wrong;
          }
        });
        std::thread there([&] {
          for (int i = 0; i < 5000; ++i) ledger.transfer("a", "b", 7);
        });
        std::thread back([&] {
          for (int i = 0; i < 5000; ++i) ledger.transfer("b", "a", 7);
        });
        there.join();
        back.join();
        done = true;
        watcher.join();
        findings.expect_equal("how many times total() saw a sum other than 2000", wrong.load(), 0L,
                              "the lock is let go between the withdrawal and the deposit");
        findings.expect_equal("the total at the end", ledger.total(), 2000L);
        return findings.report();
      },
      15s);
  if (result.how_it_ended.find("deadline") != std::string::npos) {
    UNSCOPED_INFO("the transfers never finished: a deadlock");
  }
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// ---------------------------------------------------------------------------
// Task 5: the process pool.

namespace {

// A crash that no handler can catch or change: whatever signal handling the
// worker inherited, it dies of SIGKILL (as from the out-of-memory killer).
std::string echo_or_crash(const std::string& input) {
  if (input == "crash") ::raise(SIGKILL);
  return input;
}

// A lock that a thread of the test holds nearly all the time, and that the
// pool's function takes.
std::mutex table_lock;

std::string look_up(const std::string& input) {
  if (input == "crash") ::raise(SIGKILL);
  std::lock_guard held(table_lock);
  return input;
}

// Shared with the workers: set by a worker's SIGTERM handler.
std::atomic<int>* terminated = nullptr;

void on_term(int) {
  terminated->store(1);
  ::_exit(0);
}

std::string slow(const std::string& input) {
  if (input == "polite") {
    ::signal(SIGTERM, on_term);
  } else if (input == "stubborn") {
    ::signal(SIGTERM, SIG_IGN);
  } else {
    return input;
  }
  for (;;) ::pause();
}

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

std::string fd_target(pid_t pid, int fd) {
  std::error_code error;
  const auto path = std::filesystem::read_symlink(
      "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd), error);
  return error ? "" : path.string();
}

}  // namespace

// Bug: a pool that waits for a dead worker's answer forever (or does not
// replace it), so one crash hangs every later input.
TEST_CASE("a worker that crashes fails its input only, and is replaced",
          "[lab05][task5][points=1]") {
  auto result = run_guarded(
      [] {
        Findings findings;
        lab05::ProcessPool pool(2, echo_or_crash);
        const auto before = pool.worker_pids();
        const auto outcomes = pool.map({"a", "crash", "b", "c", "d"});
        findings.expect_equal("how many outcomes for 5 inputs", outcomes.size(), std::size_t{5});
        if (outcomes.size() != 5) return findings.report();
        findings.expect(
            !outcomes[1].ok && outcomes[1].error.rfind("worker died: killed by signal 9", 0) == 0,
            "expected 'crash' to fail with 'worker died: killed by signal 9', but its "
            "error was '" +
                outcomes[1].error + "'");
        for (std::size_t i : {0u, 2u, 3u, 4u}) {
          findings.expect(outcomes[i].ok && outcomes[i].value == std::string(1, "a?bcd"[i]),
                          "input " + std::to_string(i) + " failed or came back wrong: '" +
                              outcomes[i].value + "' (error '" + outcomes[i].error + "')");
        }
        const auto after = pool.worker_pids();
        findings.expect(after.size() == 2 && after != before,
                        "expected the crashed worker to be replaced by a new process");
        const auto again = pool.map({"e", "f", "g"});
        findings.expect(again.size() == 3 && again[2].ok && again[2].value == "g",
                        "the pool did not work after the crash");
        return findings.report();
      },
      6s);
  if (result.how_it_ended.find("deadline") != std::string::npos) {
    UNSCOPED_INFO("map() never returned (pitfall: a crashed worker hangs the pool)");
  }
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: the pool's processes left unreaped (zombies) or running after its
// destructor. This process adopts orphans for the test, so a worker whose
// own parent ended without reaping it comes back here.
TEST_CASE("nothing of the pool is left after its destructor: no process, no zombie",
          "[lab05][task5][points=1]") {
  auto result = run_guarded(
      [] {
        Findings findings;
        ::prctl(PR_SET_CHILD_SUBREAPER, 1);
        std::vector<pid_t> workers;
        {
          lab05::ProcessPool pool(3, echo_or_crash);
          workers = pool.worker_pids();
          pool.map({"a", "crash", "b"});
          for (pid_t pid : pool.worker_pids()) workers.push_back(pid);
        }
        std::this_thread::sleep_for(100ms);
        const int zombies = testing::reap_zombies();
        findings.expect_equal("how many zombies the pool left", zombies, 0,
                              "pitfall: a process of the pool never reaped");
        for (pid_t pid : workers) {
          findings.expect(!process_exists(pid), "worker " + std::to_string(pid) +
                                                    " is still running after the destructor");
        }
        findings.expect(!testing::has_children(), "a process of the pool is still running");
        return findings.report();
      },
      6s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bug: workers that inherit the program's descriptors (and other workers'
// channels), which keeps pipes open that should have ended.
TEST_CASE("workers hold no descriptor but 0, 1, 2 and their own two", "[lab05][task5][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    int own[2];  // A pipe of the program's, not close-on-exec.
    if (::pipe(own) != 0) return std::string("the test could not make a pipe");
    lab05::ProcessPool pool(2, echo_or_crash);
    pool.map({"a", "b"});
    for (pid_t pid : pool.worker_pids()) {
      int count = 0;
      std::error_code error;
      for (const auto& entry :
           std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error)) {
        (void)entry;
        ++count;
      }
      findings.expect(count == 5,
                      "worker " + std::to_string(pid) + " holds " + std::to_string(count) +
                          " descriptors, not 5 (0, 1, 2 and its two channel ends) (pitfall: "
                          "descriptors leaking into workers)");
      const std::string mine = fd_target(::getpid(), own[1]);
      for (int fd = 0; fd < 64; ++fd) {
        findings.expect(fd_target(pid, fd) != mine, "worker " + std::to_string(pid) +
                                                        " holds the program's own pipe (" + mine +
                                                        ") as descriptor " + std::to_string(fd));
      }
    }
    pool.shutdown();
    ::close(own[0]);
    ::close(own[1]);
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: workers left unnamed; workers that keep the program's signal
// handlers (a crash then runs the program's handler in the worker).
TEST_CASE("workers are named pool-worker-0, pool-worker-1, ..., with default signal actions",
          "[lab05][task5][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    ::signal(SIGUSR1, on_alarm);
    ::signal(SIGTERM, on_alarm);
    ::signal(SIGUSR2, SIG_IGN);
    lab05::ProcessPool pool(2, echo_or_crash);
    const auto pids = pool.worker_pids();
    for (std::size_t slot = 0; slot < pids.size(); ++slot) {
      // A worker names itself once it runs: give it a moment.
      const std::string want = "pool-worker-" + std::to_string(slot);
      std::string name;
      for (int i = 0; i < 200 && name != want; ++i) {
        if (i > 0) std::this_thread::sleep_for(10ms);
        name = proc_line(pids[slot], "comm");
      }
      findings.expect_equal("the name of worker " + std::to_string(slot), name, want,
                            "prctl(PR_SET_NAME)");
      // The program catches SIGUSR1 and SIGTERM and ignores SIGUSR2 (set
      // below, before the pool); a worker must do none of it. (Sanitizers
      // keep handlers of their own for other signals.)
      std::ifstream status("/proc/" + std::to_string(pids[slot]) + "/status");
      unsigned long caught = 0;
      unsigned long ignored = 0;
      for (std::string line; std::getline(status, line);) {
        if (line.rfind("SigCgt:", 0) == 0) caught = std::stoul(line.substr(7), nullptr, 16);
        if (line.rfind("SigIgn:", 0) == 0) ignored = std::stoul(line.substr(7), nullptr, 16);
      }
      const auto bit = [](int signal) { return 1UL << (signal - 1); };
      findings.expect(
          (caught & (bit(SIGUSR1) | bit(SIGTERM))) == 0 && (ignored & bit(SIGUSR2)) == 0,
          "worker " + std::to_string(slot) +
              " kept the program's signal handling (SIGUSR1 or SIGTERM caught, "
              "SIGUSR2 ignored): the fork server puts every signal back to its "
              "default action");
    }
    pool.shutdown();
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bug: a replacement worker forked from the program itself once it runs
// threads: the child gets a copy of a lock another thread held at that
// moment, locked for good, and hangs on it.
TEST_CASE("a replacement worker is not forked from a program whose threads hold locks",
          "[lab05][task5][points=1][no_tsan]") {
  auto result = run_guarded(
      [] {
        Findings findings;
        lab05::ProcessPool pool(1, look_up);
        pool.map({"warm"});
        std::atomic<bool> stop{false};
        std::thread holder([&] {
          while (!stop) {
            std::lock_guard held(table_lock);
            std::this_thread::sleep_for(20ms);
          }
        });
        std::this_thread::sleep_for(50ms);
        const auto outcomes = pool.map({"crash", "after"}, 2s);
        stop = true;
        holder.join();
        findings.expect(outcomes.size() == 2 && outcomes[1].ok && outcomes[1].value == "after",
                        "the worker that replaced a crashed one never answered 'after' (" +
                            (outcomes.size() == 2 ? outcomes[1].error : std::string("no outcome")) +
                            "): it was forked while another thread of the program held a lock "
                            "its function takes (pitfall: fork after threads; fork workers from "
                            "the fork server)");
        return findings.report();
      },
      8s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: no time limit, SIGKILL without SIGTERM first, SIGTERM without
// SIGKILL after it.
TEST_CASE("a worker past its time limit gets SIGTERM, then SIGKILL after the grace period",
          "[lab05][task5][points=1]") {
  auto result = run_guarded(
      [] {
        Findings findings;
        terminated = static_cast<std::atomic<int>*>(::mmap(nullptr, sizeof(std::atomic<int>),
                                                           PROT_READ | PROT_WRITE,
                                                           MAP_SHARED | MAP_ANONYMOUS, -1, 0));
        lab05::ProcessPool pool(3, slow, 300ms);
        const auto before = pool.worker_pids();
        const auto start = Clock::now();
        const auto outcomes = pool.map({"polite", "stubborn", "quick"}, 300ms);
        const long took = elapsed_ms(start);
        findings.expect(took < 4000,
                        "map() with a time limit of 300 ms and a grace of 300 ms "
                        "took " +
                            std::to_string(took) + " ms");
        if (outcomes.size() != 3) return std::string("expected 3 outcomes");
        findings.expect_equal("the error of an input that ignores SIGTERM past its limit",
                              outcomes[1].error, std::string("timed out"));
        findings.expect_equal("the error of an input that stops on SIGTERM past its limit",
                              outcomes[0].error, std::string("timed out"));
        findings.expect(outcomes[2].ok, "the quick input failed: " + outcomes[2].error);
        findings.expect(terminated->load() == 1,
                        "the worker past its limit never got SIGTERM (it must come before "
                        "SIGKILL, so that a worker can clean up)");
        std::this_thread::sleep_for(100ms);
        for (int slot : {0, 1}) {
          findings.expect(!process_exists(before[static_cast<std::size_t>(slot)]),
                          "the worker that ran input " + std::to_string(slot) +
                              " past its limit is still there");
        }
        pool.shutdown();
        return findings.report();
      },
      15s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// ---------------------------------------------------------------------------
// Task 6: the daemon.

namespace {

void until_stopped() {
  while (!lab05::stop_requested()) std::this_thread::sleep_for(5ms);
}

void ignores_sigterm() {
  ::signal(SIGTERM, SIG_IGN);
  for (;;) ::pause();
}

// A folder of its own for a test's pidfile.
struct Folder {
  char path[32] = "/tmp/lab05-XXXXXX";
  Folder() {
    if (::mkdtemp(path) == nullptr) throw std::runtime_error("mkdtemp");
  }
  ~Folder() { std::filesystem::remove_all(path); }
  std::string file(const char* name) const { return std::string(path) + "/" + name; }
};

// Fields of /proc/<pid>/stat after the command name: state is [0], ppid
// [1], pgrp [2], session [3], tty_nr [4].
std::vector<long> stat_fields(pid_t pid) {
  const std::string line = proc_line(pid, "stat");
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string state;
  rest >> state;
  std::vector<long> fields{0};
  long field;
  while (rest >> field) fields.push_back(field);
  return fields;
}

}  // namespace

// Bug: a daemon that keeps its caller's descriptors: a terminal, or the
// pipe of a shell pipeline, stays open as long as the daemon runs, so
// `start | cat` never ends and a closed ssh session hangs.
TEST_CASE("a daemon keeps none of its caller's descriptors", "[lab05][task6][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    Folder folder;
    int terminal[2];  // Stands for the caller's terminal: its stdout and stderr.
    if (::pipe(terminal) != 0) return std::string("the test could not make a pipe");
    const int saved_out = ::dup(1);
    const int saved_err = ::dup(2);
    ::dup2(terminal[1], 1);
    ::dup2(terminal[1], 2);
    pid_t daemon = -1;
    std::string failed;
    try {
      daemon = lab05::start_daemon(folder.file("d.pid"), until_stopped);
    } catch (const std::exception& e) {
      failed = e.what();
    }
    ::dup2(saved_out, 1);
    ::dup2(saved_err, 2);
    ::close(saved_out);
    ::close(saved_err);
    ::close(terminal[1]);
    if (daemon <= 1) return "start_daemon threw: " + failed;
    pollfd ended{terminal[0], POLLIN, 0};
    char byte;
    const bool closed = ::poll(&ended, 1, 2000) == 1 && ::read(terminal[0], &byte, 1) == 0;
    findings.expect(closed,
                    "the caller's stdout (a pipe here) did not end once the caller closed it: "
                    "the daemon kept it open (pitfall: the terminal's descriptors kept)");
    for (int fd = 0; fd <= 2; ++fd) {
      findings.expect_equal("the daemon's descriptor " + std::to_string(fd), fd_target(daemon, fd),
                            std::string("/dev/null"));
    }
    // The daemon may still be closing what it used to report its start.
    const auto extra = [&] {
      for (int fd = 3; fd < 64; ++fd) {
        if (!fd_target(daemon, fd).empty()) return true;
      }
      return false;
    };
    for (int i = 0; i < 100 && extra(); ++i) std::this_thread::sleep_for(10ms);
    for (int fd = 3; fd < 64; ++fd) {
      const std::string target = fd_target(daemon, fd);
      findings.expect(target.empty(), "the daemon holds descriptor " + std::to_string(fd) + " (" +
                                          target + ") of its caller's");
    }
    lab05::stop_daemon(folder.file("d.pid"), 2s);
    wait_child(daemon, 3s);
    ::close(terminal[0]);
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: one fork only (the daemon leads its session and could acquire a
// controlling terminal), no setsid (the terminal's hang-up and job control
// still reach it), the caller's directory kept busy, the caller's umask.
TEST_CASE("a daemon runs in a session it does not lead, in /, with umask 022",
          "[lab05][task6][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    Folder folder;
    ::umask(077);
    const pid_t daemon = lab05::start_daemon(folder.file("d.pid"), until_stopped);
    const auto fields = stat_fields(daemon);
    if (fields.size() < 5) return std::string("could not read the daemon's /proc stat");
    findings.expect(fields[3] != ::getsid(0),
                    "the daemon is still in its caller's session (pitfall: no setsid())");
    findings.expect(fields[3] != daemon,
                    "the daemon leads its session, so opening a terminal could make it its "
                    "controlling terminal (pitfall: one fork where two are needed)");
    findings.expect_equal("the daemon's controlling terminal (tty_nr)", fields[4], 0L);
    std::error_code error;
    findings.expect_equal(
        "the daemon's working directory",
        std::filesystem::read_symlink("/proc/" + std::to_string(daemon) + "/cwd", error).string(),
        std::string("/"));
    std::string umask_line;
    std::ifstream status("/proc/" + std::to_string(daemon) + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("Umask:", 0) == 0) umask_line = line;
    }
    findings.expect_equal("the daemon's umask", umask_line, std::string("Umask:\t0022"));
    findings.expect(lab05::stop_daemon(folder.file("d.pid"), 2s),
                    "the daemon did not stop on SIGTERM");
    findings.expect_equal("how the daemon ended", wait_child(daemon, 3s),
                          std::string("exited with code 0"));
    findings.expect(!testing::has_children(), "a process start_daemon made is still there");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// Bugs: stop_daemon that waits forever for a daemon deaf to SIGTERM, or
// signals whatever a pidfile says (0 reaches a whole process group).
TEST_CASE("stop_daemon kills a daemon deaf to SIGTERM, and refuses a pidfile without a pid",
          "[lab05][task6][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    Folder folder;
    const std::string pidfile = folder.file("deaf.pid");
    const pid_t daemon = lab05::start_daemon(pidfile, ignores_sigterm);
    const auto start = Clock::now();
    const bool stopped = lab05::stop_daemon(pidfile, 300ms);
    const long took = elapsed_ms(start);
    findings.expect(!stopped, "stop_daemon said a daemon that ignores SIGTERM stopped on it");
    findings.expect(took >= 250 && took < 3000,
                    "stop_daemon with a grace of 300 ms took " + std::to_string(took) + " ms");
    findings.expect_equal("how the deaf daemon ended", wait_child(daemon, 3s),
                          std::string("killed by signal 9"));
    findings.expect(::access(pidfile.c_str(), F_OK) != 0, "the pidfile is still there");
    for (const char* content : {"0\n", "nonsense\n"}) {
      std::ofstream(pidfile) << content;
      try {
        lab05::stop_daemon(pidfile, 100ms);
        findings.expect(false, std::string("stop_daemon accepted a pidfile holding '") + content +
                                   "' instead of throwing std::system_error");
      } catch (const std::system_error&) {
      }
    }
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

// ---------------------------------------------------------------------------
// Task 7: what a pool costs, against the reference measured in the same run.

namespace {

// The student's and the reference's pool_costs side by side, three rounds
// each in turn; each figure keeps its fastest round.
timing::Attempt compare_costs(bool io, std::size_t tasks, std::size_t workers,
                              const std::vector<int>& ways) {
  const auto workload = io ? lab05::Workload::io : lab05::Workload::cpu;
  timing::Paired figures[3];
  for (int round = 0; round < 3; ++round) {
    const reference::Costs theirs = reference::pool_costs(io, tasks, workers);
    const lab05::PoolCosts mine = lab05::pool_costs(workload, tasks, workers);
    const double pairs[3][2] = {{mine.thread_pool_us, theirs.thread_pool_us},
                                {mine.process_pool_us, theirs.process_pool_us},
                                {mine.process_per_task_us, theirs.process_per_task_us}};
    for (int way = 0; way < 3; ++way) {
      figures[way].student = std::min(figures[way].student, pairs[way][0]);
      figures[way].reference = std::min(figures[way].reference, pairs[way][1]);
      figures[way].reference_slowest = std::max(figures[way].reference_slowest, pairs[way][1]);
    }
  }
  static const char* const names[3] = {"thread pool", "process pool", "process per task"};
  timing::Attempt attempt;
  for (int way : ways) timing::add(attempt, names[way], figures[way], "us");
  return attempt;
}

}  // namespace

// Bugs: results not waited for (a figure of the submitting alone), a total
// not divided by the tasks, nanoseconds or milliseconds for microseconds.
TEST_CASE("pool costs of a CPU-bound batch agree with the reference's",
          "[lab05][task7][points=1][no_tsan]") {
  auto result = run_guarded(
      [] { return timing::decide([] {
             return compare_costs(false, 24, 2, {0, 1, 2});
           }); }, 60s);
  timing::require_decided(result);
}

// Bugs: tasks run one at a time, whatever `workers` says (a pool of one, or
// a process per task waited for before the next is forked): eight tasks
// waiting 10 ms at once take an eighth of the time.
TEST_CASE("pool costs of an I/O-bound batch agree with the reference's, eight at a time",
          "[lab05][task7][points=1][no_tsan]") {
  auto result = run_guarded(
      [] { return timing::decide([] {
             return compare_costs(true, 32, 8, {0, 1, 2});
           }); }, 60s);
  timing::require_decided(result);
}

// Bugs: children left unreaped by the process-per-task loop; zero tasks or
// workers accepted (a figure divided by zero, or a pool that never ends).
TEST_CASE("pool costs leave no process behind and refuse zero tasks or workers",
          "[lab05][task7][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    lab05::pool_costs(lab05::Workload::cpu, 8, 3);
    findings.expect(testing::reap_zombies() == 0,
                    "pool_costs left zombies: reap each child of the process-per-task way");
    findings.expect(!testing::has_children(), "pool_costs left a child running");
    for (const auto& [tasks, workers] : {std::pair{0, 2}, std::pair{4, 0}}) {
      try {
        lab05::pool_costs(lab05::Workload::io, static_cast<std::size_t>(tasks),
                          static_cast<std::size_t>(workers));
        findings.expect(false, "pool_costs(" + std::to_string(tasks) + " tasks, " +
                                   std::to_string(workers) +
                                   " workers) did not throw std::invalid_argument");
      } catch (const std::invalid_argument&) {
      }
    }
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}
