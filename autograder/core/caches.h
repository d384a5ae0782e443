#pragma once

/// @file
/// @brief Housekeeping of Bazel's caches that Bazel 4.2 does not do itself.
/// @ingroup grader
///
/// Two things grow without bound on a machine that grades and self-tests
/// often: the disk cache every checkout of the kit shares (Bazel 4.2 never
/// removes an entry), and the output bases of deleted checkouts (each kit
/// copy selftest lays out has one; deleting the checkout leaves them all).
/// Left alone they fill the disk, and a full disk fails builds and tests.

#include <cstdint>
#include <filesystem>
#include <string>

namespace proctor {

/// What a sweep removed.
struct CacheSweep {
  /// Output bases of workspaces that no longer exist.
  int output_bases = 0;
  std::uintmax_t output_base_bytes = 0;
  /// Disk cache entries, least recently used first.
  int cache_entries = 0;
  std::uintmax_t cache_bytes = 0;
  /// One line for the console, empty when nothing was removed.
  std::string describe() const;
};

/// Removes, under `output_user_root` (Bazel's folder of output bases), every
/// output base whose workspace (named in its DO_NOT_BUILD_HERE file) no
/// longer exists and whose server is not running; then, if the disk cache
/// at `disk_cache` holds more than `max_cache_bytes`, removes its least
/// recently used entries (by the later of access and modification time)
/// until it holds at most three quarters of that. Missing folders are
/// nothing to sweep. Never throws: what cannot be removed stays.
CacheSweep sweep_bazel_caches(const std::filesystem::path& output_user_root,
                              const std::filesystem::path& disk_cache,
                              std::uintmax_t max_cache_bytes);

/// The disk cache a workspace's `.bazelrc` names (`--disk_cache=PATH`, a
/// leading `~` being the account's home, as Bazel reads it), or an empty
/// path if it names none.
std::filesystem::path disk_cache_of(const std::filesystem::path& workspace);

}  // namespace proctor
