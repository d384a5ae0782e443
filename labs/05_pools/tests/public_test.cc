// Lab 05 public tests. Every test runs the code under test in a guard child
// (testing/guard.h) so a broken submission fails the test instead of
// damaging the test runner. Tags: [lab05][taskK][points=N].

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "labs/05_pools/pools.h"
#include "testing/describe.h"
#include "testing/guard.h"

using namespace std::chrono_literals;
using testing::Findings;
using testing::fork_child;
using testing::run_guarded;
using testing::wait_child;

namespace {

// A message whose every byte depends on its place, so that a lost, doubled
// or reordered chunk shows.
std::string patterned(std::size_t size) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return text;
}

// Writes raw bytes to `fd`, as a broken or hostile sender would.
void write_raw(int fd, const void* data, std::size_t size) {
  if (::write(fd, data, size) != static_cast<ssize_t>(size)) throw std::runtime_error("write");
}

}  // namespace

TEST_CASE("messages cross a pipe whole: an empty one, a short one and one of a megabyte",
          "[lab05][task1][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    int ends[2];
    if (::pipe(ends) != 0) return std::string("the test could not make a pipe");
    const std::string large = patterned(1 << 20);
    std::string sent;  // What went wrong in the writer, if anything.
    std::optional<std::string> empty, hello, big, end;
    //! [round trip]
    // A megabyte does not fit in a pipe (64 KiB here): the writer runs in a
    // thread of its own while this one reads.
    std::thread writer([&] {
      try {
        lab05::send_message(ends[1], "");
        lab05::send_message(ends[1], "hello");
        lab05::send_message(ends[1], large);
      } catch (const std::exception& e) {
        sent = e.what();
      }
      ::close(ends[1]);  // The reader sees the end of the stream.
    });
    try {
      empty = lab05::receive_message(ends[0]);
      hello = lab05::receive_message(ends[0]);
      big = lab05::receive_message(ends[0]);
      end = lab05::receive_message(ends[0]);  // std::nullopt: the writer closed its end.
    } catch (const std::exception& e) {
      findings.expect(false, std::string("receive_message threw: ") + e.what());
    }
    ::close(ends[0]);  // A writer still blocked on a full pipe gets EPIPE.
    writer.join();
    //! [round trip]
    findings.expect(sent.empty(), "send_message threw: " + sent);
    findings.expect(empty == std::string(),
                    "expected the first message to be the empty one, but it was " +
                        (empty ? "'" + empty->substr(0, 40) + "'" : std::string("missing")));
    findings.expect_equal("the second message", hello.value_or("(missing)"), std::string("hello"));
    findings.expect(big == large,
                    "expected the third message to be the megabyte sent, but got " +
                        (big ? std::to_string(big->size()) + " bytes" +
                                   (big->size() == large.size() ? " that differ from it" : "")
                             : std::string("nothing")));
    findings.expect(!end,
                    "expected std::nullopt once the writer had closed its end, but got "
                    "another message");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("a stream that ends inside a frame is refused with ProtocolError",
          "[lab05][task1][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    const std::uint32_t ten = 10;
    struct Case {
      const char* what;
      std::string bytes;
    };
    const Case cases[] = {
        {"two bytes of a length", std::string(reinterpret_cast<const char*>(&ten), 2)},
        {"a length of 10 and 3 bytes", std::string(reinterpret_cast<const char*>(&ten), 4) + "abc"},
    };
    for (const Case& c : cases) {
      int ends[2];
      if (::pipe(ends) != 0) return std::string("the test could not make a pipe");
      write_raw(ends[1], c.bytes.data(), c.bytes.size());
      ::close(ends[1]);
      try {
        const auto got = lab05::receive_message(ends[0]);
        findings.expect(false, std::string("expected ProtocolError from a stream of ") + c.what +
                                   " and then its end, but receive_message returned " +
                                   (got ? "a message of " + std::to_string(got->size()) + " bytes"
                                        : std::string("std::nullopt")) +
                                   " (pitfall: a frame cut short taken for a whole one)");
      } catch (const lab05::ProtocolError&) {
      }
      ::close(ends[0]);
    }
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("sending to a pipe nobody reads throws EPIPE instead of killing the process",
          "[lab05][task1][points=1]") {
  auto result = run_guarded([] {
    ::signal(SIGPIPE, SIG_DFL);  // As in any program: SIGPIPE kills.
    int ends[2];
    if (::pipe(ends) != 0) return std::string("the test could not make a pipe");
    ::close(ends[0]);
    try {
      lab05::send_message(ends[1], "anyone there?");
      return std::string(
          "expected std::system_error (EPIPE) from a pipe nobody reads, but "
          "send_message returned");
    } catch (const std::system_error& e) {
      if (e.code().value() != EPIPE) {
        return "expected the error EPIPE, but it was " + std::to_string(e.code().value()) + " (" +
               e.code().message() + ")";
      }
    }
    return std::string("ok");
  });
  if (result.how_it_ended.find("Broken pipe") != std::string::npos) {
    UNSCOPED_INFO("the test process died of SIGPIPE (pitfall: SIGPIPE left to kill)");
  }
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("a value pushed in a child is popped in its parent, and the other way round",
          "[lab05][task2][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    //! [shared queue]
    lab05::SharedQueue to_parent(4);  // Made before fork: both processes have it.
    lab05::SharedQueue to_child(4);
    const pid_t child = fork_child([&] {
      to_parent.push(42);
      const long got = to_child.pop();  // Waits for the parent's value.
      to_parent.push(got + 1);
    });
    const auto first = to_parent.pop_for(3s);  // 42, from the child.
    to_child.push(100);
    const auto second = to_parent.pop_for(3s);  // 101: the child got 100.
    //! [shared queue]
    findings.expect_equal("the value the child pushed", first.value_or(-1), 42L,
                          "-1 means nothing came within 3 s: is the queue in a shared mapping?");
    findings.expect_equal("the child's answer to the parent's 100", second.value_or(-1), 101L);
    findings.expect_equal("how the child ended", wait_child(child, 5s),
                          std::string("exited with code 0"));
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("an event set by one thread releases every thread waiting on it",
          "[lab05][task3][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    lab05::Event go;
    std::atomic<int> released{0};
    std::vector<std::thread> waiters;
    for (int i = 0; i < 3; ++i) {
      waiters.emplace_back([&] {
        try {
          if (go.wait_for(5s)) ++released;
        } catch (const std::exception&) {
        }
      });
    }
    std::this_thread::sleep_for(100ms);
    findings.expect_equal("how many waiters were released before set()", released.load(), 0);
    try {
      go.set();
    } catch (const std::exception& e) {
      findings.expect(false, std::string("set() threw: ") + e.what());
    }
    for (auto& waiter : waiters) waiter.join();
    findings.expect_equal("how many of 3 waiters set() released", released.load(), 3,
                          "set() wakes every waiter, not one");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("a process event set in a parent releases its waiting child",
          "[lab05][task3][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    lab05::ProcessEvent go;
    const pid_t child = fork_child([&] {
      if (!go.wait_for(5s)) std::_Exit(3);
    });
    std::this_thread::sleep_for(100ms);
    go.set();
    findings.expect_equal("how the child waiting on the event ended", wait_child(child, 8s),
                          std::string("exited with code 0"),
                          "code 3: the child's wait_for timed out, the set never reached it");
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("a thread pool hands back its tasks' results and exceptions",
          "[lab05][task4][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    //! [thread pool]
    lab05::ThreadPool pool(2, 8);
    std::vector<std::future<long>> squares;
    for (long i = 1; i <= 10; ++i) squares.push_back(pool.submit([i] { return i * i; }));
    auto failing = pool.submit([]() -> long { throw std::runtime_error("no answer"); });
    long sum = 0;
    for (auto& square : squares) sum += square.get();  // 1 + 4 + ... + 100
    //! [thread pool]
    findings.expect_equal("the sum of the squares of 1 to 10", sum, 385L);
    // This thread keeps its own reference to the exception until the
    // workers are joined: the worker's promise may drop the last other one
    // at any moment, and the C++ library counts those references where
    // ThreadSanitizer cannot see them, so a free in the worker after a read
    // here would be reported as a race in correct code.
    std::exception_ptr held;
    try {
      failing.get();
      findings.expect(false, "expected the task's exception from its future, but got a value");
    } catch (const std::runtime_error& e) {
      held = std::current_exception();
      findings.expect_equal("the exception's message", std::string(e.what()),
                            std::string("no answer"));
    }
    pool.shutdown(lab05::ThreadPool::Shutdown::finish);
    held = nullptr;
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("a transfer moves money between accounts under one lock", "[lab05][task4][points=1]") {
  auto result = run_guarded(
      [] {
        Findings findings;
        lab05::Ledger ledger;
        ledger.deposit("alice", 100);
        const bool moved = ledger.transfer("alice", "bob", 30);
        const bool refused = !ledger.transfer("bob", "alice", 31);
        findings.expect(moved, "expected the transfer of 30 of alice's 100 to bob to succeed");
        findings.expect(refused, "expected a transfer of 31 from bob, who holds 30, to fail");
        findings.expect_equal("alice's balance", ledger.balance("alice"), 70L);
        findings.expect_equal("bob's balance", ledger.balance("bob"), 30L);
        findings.expect_equal("the total", ledger.total(), 100L);
        return findings.report();
      },
      5s);
  if (result.how_it_ended.find("deadline") != std::string::npos) {
    UNSCOPED_INFO(
        "the test never finished: a lock taken twice by one thread deadlocks (pitfall: "
        "a plain std::mutex where transfer() calls withdraw() and deposit())");
  }
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

namespace {

std::string shout(const std::string& input) {
  if (input == "bad") throw std::invalid_argument("bad input");
  std::string loud = input;
  for (char& c : loud) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return loud + " from " + std::to_string(::getpid());
}

}  // namespace

TEST_CASE("a process pool maps a function over its inputs in worker processes",
          "[lab05][task5][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    //! [process pool]
    lab05::ProcessPool pool(2, shout);
    const auto outcomes = pool.map({"one", "bad", "three"});
    // outcomes[0].value: "ONE from <a worker's pid>"
    // outcomes[1].error: "threw: bad input"
    //! [process pool]
    findings.expect_equal("how many outcomes map() gave for 3 inputs", outcomes.size(), 3u);
    if (outcomes.size() != 3) return findings.report();
    const std::string mine = " from " + std::to_string(::getpid());
    findings.expect(outcomes[0].ok && outcomes[0].value.rfind("ONE from ", 0) == 0,
                    "expected 'ONE from <pid>' for 'one', but got '" + outcomes[0].value +
                        "' (error '" + outcomes[0].error + "')");
    findings.expect(outcomes[0].value.find(mine) == std::string::npos,
                    "'one' was run in the test's own process, not in a worker");
    findings.expect(!outcomes[1].ok && outcomes[1].error == "threw: bad input",
                    "expected 'bad' to fail with 'threw: bad input', but got error '" +
                        outcomes[1].error + "'");
    findings.expect(outcomes[2].ok && outcomes[2].value.rfind("THREE from ", 0) == 0,
                    "expected 'THREE from <pid>' for 'three', but got '" + outcomes[2].value + "'");
    pool.shutdown();
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

namespace {

void wait_for_stop() {
  while (!lab05::stop_requested()) std::this_thread::sleep_for(5ms);
}

}  // namespace

TEST_CASE("a daemon starts, writes its pidfile and stops on SIGTERM", "[lab05][task6][points=1]") {
  auto result = run_guarded([] {
    Findings findings;
    // The daemon's parent exits at once: this process adopts it, so that
    // the test can see how it ends.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    char folder[] = "/tmp/lab05-XXXXXX";
    if (::mkdtemp(folder) == nullptr) return std::string("the test could not make a folder");
    const std::string pidfile = std::string(folder) + "/service.pid";
    const pid_t daemon = lab05::start_daemon(pidfile, wait_for_stop);
    std::ifstream file(pidfile);
    pid_t written = 0;
    file >> written;
    findings.expect_equal("the pid in the pidfile", written, daemon);
    findings.expect(daemon != ::getpid() && ::kill(daemon, 0) == 0,
                    "expected the daemon to be a running process of its own");
    const bool on_sigterm = lab05::stop_daemon(pidfile, 3s);
    findings.expect(on_sigterm, "expected the daemon to stop on SIGTERM, but it had to be killed");
    findings.expect_equal("how the daemon ended", wait_child(daemon, 3s),
                          std::string("exited with code 0"));
    findings.expect(::access(pidfile.c_str(), F_OK) != 0, "the pidfile is still there");
    ::rmdir(folder);
    return findings.report();
  });
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}

TEST_CASE("pool costs: no way beats the tasks' own time, and nothing is left behind",
          "[lab05][task7][points=1]") {
  auto result = run_guarded(
      [] {
        Findings findings;
        //! [pool costs]
        const lab05::PoolCosts costs = lab05::pool_costs(lab05::Workload::io, 16, 4);
        // Each task waits 10 ms, 4 at a time: no way can take less than
        // 2500 us a task; what each way takes above that is its own cost.
        //! [pool costs]
        const std::pair<const char*, double> figures[] = {
            {"thread pool", costs.thread_pool_us},
            {"process pool", costs.process_pool_us},
            {"process per task", costs.process_per_task_us}};
        for (const auto& [way, us] : figures) {
          findings.expect(us >= 2450 && us < 1e6,
                          std::string("expected the ") + way +
                              " to take at least 2500 us a task (16 tasks of 10 ms, 4 at a "
                              "time), "
                              "but pool_costs said " +
                              std::to_string(us) +
                              " us (is every result waited for? is the figure per task, in "
                              "microseconds?)");
        }
        findings.expect(!testing::has_children(), "pool_costs left a child process behind");
        return findings.report();
      },
      15s);
  CAPTURE(result.how_it_ended);
  REQUIRE(result.report == "ok");
}
