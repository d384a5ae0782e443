#include "autograder/core/files.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

namespace proctor {

namespace fs = std::filesystem;

std::optional<std::string> read_file_if_exists(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw std::runtime_error("cannot read '" + path.string() + "': Is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(path, ec))) return std::nullopt;
    throw std::runtime_error("cannot read '" + path.string() +
                             "': " + std::strerror(error != 0 ? error : EIO));
  }
  try {
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw std::runtime_error("read error");
    return text;
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot read '" + path.string() + "': " + e.what());
  }
}

std::string read_file(const fs::path& path) {
  auto text = read_file_if_exists(path);
  if (!text)
    throw std::runtime_error("cannot read '" + path.string() + "': No such file or directory");
  return *text;
}

void write_atomically(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  const fs::path temporary = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      throw std::system_error(errno, std::generic_category(), "cannot write " + temporary.string());
    }
  }
  fs::rename(temporary, path);
}

struct Digest::State {
  EVP_MD_CTX* context = nullptr;
};

Digest::Digest() : state_(new State) {
  state_->context = EVP_MD_CTX_new();
  if (state_->context == nullptr ||
      EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(state_->context);
    delete state_;
    throw std::runtime_error("OpenSSL cannot start a SHA-256 digest");
  }
}

Digest::~Digest() {
  EVP_MD_CTX_free(state_->context);
  delete state_;
}

Digest& Digest::add(const std::string& data) {
  const std::string length = std::to_string(data.size()) + ":";
  EVP_DigestUpdate(state_->context, length.data(), length.size());
  EVP_DigestUpdate(state_->context, data.data(), data.size());
  return *this;
}

Digest& Digest::add_file(const std::string& name, const fs::path& path) {
  return add(name).add(read_file(path));
}

std::string Digest::hex() {
  unsigned char bytes[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(state_->context, bytes, &size);
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

std::string last_lines(const fs::path& path, std::size_t count) {
  std::optional<std::string> text;
  try {
    text = read_file_if_exists(path);
  } catch (const std::exception& e) {
    return std::string(e.what()) + "\n";
  }
  if (!text) return "(" + path.string() + " does not exist)\n";
  std::size_t at = text->size();
  if (at > 0 && (*text)[at - 1] == '\n') --at;
  for (std::size_t n = 0; n < count && at > 0; ++n) {
    const auto newline = text->rfind('\n', at - 1);
    at = newline == std::string::npos ? 0 : newline;
  }
  return text->substr(at == 0 ? 0 : at + 1);
}

FileLock::FileLock(const fs::path& path, const std::function<void()>& on_wait) {
  fs::create_directories(path.parent_path());
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0)
    throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
  if (errno == EWOULDBLOCK && on_wait) on_wait();
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int error = errno;
    ::close(fd_);
    throw std::system_error(error, std::generic_category(), "cannot lock " + path.string());
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace proctor
