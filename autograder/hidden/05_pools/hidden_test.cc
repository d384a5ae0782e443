// Lab 05 hidden tests: the classic bugs of messages between processes.
// Never shipped to students. Each test names the bug it catches in a
// comment.

#include <limits.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "labs/05_pools/pools.h"
#include "testing/describe.h"
#include "testing/guard.h"

using namespace std::chrono_literals;
using testing::Findings;
using testing::run_guarded;

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
    findings.expect(two == second, "the 25-byte message after it came out as " +
                                       (two ? std::to_string(two->size()) + " bytes"
                                            : std::string("nothing")));
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
        findings.expect(!writer_failed, "send_message threw while a timer interrupted it every "
                                        "0.5 ms: " +
                                            writer_error +
                                            " (a call that fails with EINTR is made again, and a "
                                            "write cut short is finished)");
        findings.expect_equal("the number of the 16 messages of 256 KiB that came out whole",
                              whole, 16u);
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
        for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{100},
                                 std::size_t{PIPE_BUF - 4}}) {
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
        findings.expect(false, "a frame announcing " + std::to_string(length) +
                                   " bytes was accepted");
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
      findings.expect(false, "send_message of kMaxMessage + 1 bytes should throw "
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
