// Lab 05 reference solution. Never shipped to students.

#include "labs/05_pools/pools.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <system_error>

namespace lab05 {
namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Keeps SIGPIPE from killing the process while it lives: the signal is
// blocked in the calling thread (a write to a broken pipe sends it to the
// thread that wrote), and one this thread caused is taken back before the
// mask is restored. Nothing process-wide changes, so other threads and the
// program's own handler are untouched.
class SigpipeHeld {
 public:
  SigpipeHeld() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_mask_);
  }
  ~SigpipeHeld() {
    if (raised_ && !was_pending_) {
      const timespec now{};
      while (sigtimedwait(&pipe_, nullptr, &now) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeHeld(const SigpipeHeld&) = delete;
  SigpipeHeld& operator=(const SigpipeHeld&) = delete;
  // The write failed with EPIPE: a SIGPIPE is pending for this thread.
  void raised() { raised_ = true; }

 private:
  sigset_t pipe_;
  sigset_t old_mask_;
  bool was_pending_ = false;
  bool raised_ = false;
};

// Reads up to `size` bytes, fewer only at end of file; returns how many.
std::size_t read_fully(int fd, char* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t got = ::read(fd, data + done, size - done);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw_errno("read");
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

}  // namespace

void send_message(int fd, std::string_view message) {
  if (message.size() > kMaxMessage) {
    throw std::invalid_argument("message of " + std::to_string(message.size()) +
                                " bytes is longer than kMaxMessage");
  }
  // Length and bytes in one buffer: a frame that fits in PIPE_BUF then goes
  // out in one write(), which a pipe keeps whole among concurrent writers.
  const auto length = static_cast<std::uint32_t>(message.size());
  std::string frame(sizeof length + message.size(), '\0');
  std::memcpy(frame.data(), &length, sizeof length);
  std::memcpy(frame.data() + sizeof length, message.data(), message.size());
  SigpipeHeld held;
  std::size_t done = 0;
  while (done < frame.size()) {
    const ssize_t put = ::write(fd, frame.data() + done, frame.size() - done);
    if (put < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) held.raised();
      throw_errno("write");
    }
    done += static_cast<std::size_t>(put);
  }
}

std::optional<std::string> receive_message(int fd) {
  std::uint32_t length = 0;
  const std::size_t got = read_fully(fd, reinterpret_cast<char*>(&length), sizeof length);
  if (got == 0) return std::nullopt;
  if (got < sizeof length) {
    throw ProtocolError("the stream ended inside a frame's length (" + std::to_string(got) +
                        " of 4 bytes)");
  }
  if (length > kMaxMessage) {
    throw ProtocolError("a frame announced " + std::to_string(length) +
                        " bytes, more than kMaxMessage");
  }
  std::string message(length, '\0');
  const std::size_t body = read_fully(fd, message.data(), length);
  if (body < length) {
    throw ProtocolError("the stream ended inside a frame (" + std::to_string(body) + " of " +
                        std::to_string(length) + " bytes)");
  }
  return message;
}

}  // namespace lab05
