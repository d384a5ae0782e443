#pragma once

/// @file
/// @brief Lab 05 contract: messages, pools and shared state between
/// processes.
/// @ingroup lab05
///
/// The capstone: the recipes of Labs 01-04 put together to answer one
/// question with numbers, when is a pool of processes worth it over a pool
/// of threads? Processes share nothing unless they arrange it, so the first
/// task is the one every later one stands on: messages that cross a pipe
/// whole.

/// @defgroup lab05 Lab 05: pools
/// @brief Messages between processes, and the pools built on them.
/// @{

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

/// @brief Lab 05: messages, pools and shared state between processes.
/// @ingroup lab05
namespace lab05 {

/// The largest message a frame may carry: 16 MiB. A length above it is a
/// broken or hostile stream, never a reason to allocate gigabytes.
inline constexpr std::size_t kMaxMessage = std::size_t{16} << 20;

/// A stream that is not a sequence of whole frames: it ended inside a frame,
/// or a frame announced more than kMaxMessage bytes.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// @brief Task 1: writes `message` to `fd` as one frame: its length as a
/// 4-byte unsigned integer in the machine's byte order, then its bytes.
///
/// - A write may take fewer bytes than asked (a pipe that is nearly full, a
///   socket): the rest is written until the whole frame is out. A write
///   interrupted by a signal (EINTR) is retried.
/// - A frame of at most PIPE_BUF bytes (length included) is handed to the
///   kernel in one write() call, so that frames that several threads or
///   processes write to one pipe at once never interleave.
/// - Writing to a pipe or socket nobody reads any more throws
///   std::system_error with EPIPE; it never kills the process with SIGPIPE,
///   and it leaves the process's signal dispositions and the calling
///   thread's signal mask as they were.
///
/// @throws std::invalid_argument if `message` is longer than kMaxMessage.
/// @throws std::system_error for a write that fails (EPIPE included).
///
/// @snippet 05_pools/tests/public_test.cc round trip
void send_message(int fd, std::string_view message);

/// @brief Task 1: reads one frame from `fd` and returns its message.
///
/// A read may return fewer bytes than asked, down to one at a time: the
/// frame is read until it is whole. A read interrupted by a signal (EINTR)
/// is retried.
///
/// @return The message, or std::nullopt if the stream ended cleanly, before
///         the first byte of a frame.
/// @throws ProtocolError if the stream ends inside a frame (its length
///         included), or if the length is above kMaxMessage (checked before
///         anything is allocated for it).
/// @throws std::system_error for a read that fails.
std::optional<std::string> receive_message(int fd);

}  // namespace lab05

/// @}
