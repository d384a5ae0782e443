// Lab 05 public tests. Every test runs the code under test in a guard child
// (testing/guard.h) so a broken submission fails the test instead of
// damaging the test runner. Tags: [lab05][taskK][points=N].

#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>

#include "labs/05_pools/pools.h"
#include "testing/describe.h"
#include "testing/guard.h"

using testing::Findings;
using testing::run_guarded;

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
