#include "autograder/core/caches.h"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <regex>
#include <vector>

namespace fs = std::filesystem;

namespace proctor {
namespace {

// Bytes of regular files below `dir` (not following links).
std::uintmax_t bytes_below(const fs::path& dir) {
  std::uintmax_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) total += it->file_size(ec);
  }
  return total;
}

// Removes `dir` whole, first making every folder in it writable (Bazel
// leaves its external repositories and outputs read-only).
bool remove_tree(const fs::path& dir) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
  }
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(dir, ec);
  return !ec;
}

// Whether the Bazel server of an output base is still running.
bool server_running(const fs::path& output_base) {
  std::ifstream pid_file(output_base / "server" / "server.pid.txt");
  pid_t pid = 0;
  if (!(pid_file >> pid) || pid <= 0) return false;
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

std::string gigabytes(std::uintmax_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GB", static_cast<double>(bytes) / 1e9);
  return text;
}

}  // namespace

std::string CacheSweep::describe() const {
  std::string out;
  if (output_bases > 0) {
    out += "removed " + std::to_string(output_bases) + " Bazel output base(s) of deleted kits (" +
           gigabytes(output_base_bytes) + ")";
  }
  if (cache_entries > 0) {
    out += std::string(out.empty() ? "" : "; ") + "trimmed the Bazel disk cache by " +
           std::to_string(cache_entries) + " least recently used entries (" +
           gigabytes(cache_bytes) + ")";
  }
  return out;
}

CacheSweep sweep_bazel_caches(const fs::path& output_user_root, const fs::path& disk_cache,
                              std::uintmax_t max_cache_bytes) {
  CacheSweep swept;
  std::error_code ec;
  // Stepped with error codes: a folder that cannot be read ends the walk
  // instead of throwing out of the sweep.
  for (fs::directory_iterator it(output_user_root, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path base = it->path();
    std::ifstream in(base / "DO_NOT_BUILD_HERE");
    std::string workspace;
    if (!std::getline(in, workspace) || workspace.empty()) continue;  // Not an output base.
    // Only a checkout known to be gone: one that cannot be looked at (a
    // mount that is away, a folder without permission) keeps its base.
    std::error_code looked;
    if (fs::exists(workspace, looked) || looked || server_running(base)) continue;
    const std::uintmax_t bytes = bytes_below(base);
    if (remove_tree(base)) {
      ++swept.output_bases;
      swept.output_base_bytes += bytes;
    }
  }

  struct Entry {
    fs::path path;
    std::uintmax_t bytes;
    std::int64_t used;  // The later of access and modification, in seconds.
  };
  std::vector<Entry> entries;
  std::uintmax_t total = 0;
  for (fs::recursive_directory_iterator it(disk_cache, ec), end; !ec && it != end;
       it.increment(ec)) {
    struct stat info {};
    if (!it->is_regular_file(ec) || ::lstat(it->path().c_str(), &info) != 0) continue;
    const auto bytes = static_cast<std::uintmax_t>(info.st_size);
    entries.push_back({it->path(), bytes, std::max(info.st_atime, info.st_mtime)});
    total += bytes;
  }
  if (total <= max_cache_bytes) return swept;
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.used < b.used; });
  const std::uintmax_t target = max_cache_bytes / 4 * 3;
  for (const auto& entry : entries) {
    if (total <= target) break;
    if (::unlink(entry.path.c_str()) != 0) continue;
    total -= entry.bytes;
    ++swept.cache_entries;
    swept.cache_bytes += entry.bytes;
  }
  return swept;
}

fs::path disk_cache_of(const fs::path& workspace) {
  std::ifstream rc(workspace / ".bazelrc");
  static const std::regex flag(R"(^\s*build\s+--disk_cache=(\S+))");
  std::smatch match;
  for (std::string line; std::getline(rc, line);) {
    if (!std::regex_search(line, match, flag)) continue;
    std::string path = match[1];
    if (path.rfind("~/", 0) == 0) {
      const passwd* account = ::getpwuid(::getuid());
      if (account == nullptr || account->pw_dir == nullptr) return {};
      path = std::string(account->pw_dir) + path.substr(1);
    }
    return path;
  }
  return {};
}

}  // namespace proctor
