#pragma once

/// @file
/// @brief Small file helpers shared by the grader's modules.
/// @ingroup grader

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace proctor {

/// The whole content of `path`.
/// @throws std::runtime_error naming the file and the reason ("No such file
///         or directory", "Permission denied", ...) when it cannot be read.
std::string read_file(const std::filesystem::path& path);

/// The whole content of `path`, or nothing if the file does not exist.
/// @throws std::runtime_error when it exists but cannot be read.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& path);

/// The last `count` lines of a log, or a line saying it does not exist:
/// what an error message quotes of a program that failed.
std::string last_lines(const std::filesystem::path& path, std::size_t count);

/// Writes `text` to `path` atomically: a temporary file in the same folder,
/// flushed, then renamed into place. A reader sees the old file or the whole
/// new one, never a part. Creates the parent folders.
/// @throws std::system_error if it cannot be written.
void write_atomically(const std::filesystem::path& path, const std::string& text);

/// An exclusive lock on a file (flock), held for the object's lifetime.
/// Graders that share a checkout (a cluster's array tasks on one node) take
/// it around what they must not do at once: staging the kit's skeleton and
/// building. The kernel drops it when its holder dies.
class FileLock {
 public:
  /// Creates `path` if needed and locks it, calling `on_wait` once first if
  /// another process holds it.
  /// @throws std::system_error if the file cannot be opened or locked.
  explicit FileLock(const std::filesystem::path& path, const std::function<void()>& on_wait = {});
  ~FileLock();
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

/// Incremental SHA-256 (OpenSSL), for the digests that say what a result is
/// a result of.
class Digest {
 public:
  Digest();
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  /// Adds `data`, framed by its length, so that ("ab", "c") and ("a", "bc")
  /// differ.
  Digest& add(const std::string& data);
  /// Adds a file's relative name and content.
  /// @throws std::runtime_error if it cannot be read.
  Digest& add_file(const std::string& name, const std::filesystem::path& path);
  /// The digest as 64 lower-case hex digits. Ends the digest: call once.
  std::string hex();

 private:
  struct State;
  State* state_;
};

}  // namespace proctor
