#include "autograder/core/caches.h"

#include <utime.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include "autograder/tests/scratch.h"

namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& text, std::time_t used = 0) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
  if (used != 0) {
    const utimbuf times{used, used};
    ::utime(path.c_str(), &times);
  }
}

// An output base laid out as Bazel lays one out for `workspace`: a
// read-only external repository and a link into the workspace.
fs::path output_base(const fs::path& root, const std::string& name, const fs::path& workspace) {
  const fs::path base = root / name;
  write_file(base / "DO_NOT_BUILD_HERE", workspace.string());
  write_file(base / "external" / "repo" / "BUILD", std::string(1000, 'x'));
  fs::permissions(base / "external" / "repo", fs::perms::owner_read | fs::perms::owner_exec);
  fs::create_directories(base / "execroot" / "__main__");
  fs::create_directory_symlink(workspace, base / "execroot" / "__main__" / "src");
  return base;
}

}  // namespace

TEST_CASE("output bases of deleted workspaces are removed, the others kept") {
  const fs::path dir = proctor::testing::scratch_dir("caches_test", "bases");
  const fs::path kept_workspace = dir / "kit";
  write_file(kept_workspace / "WORKSPACE", "");
  write_file(kept_workspace / "source.cc", "int main() {}");
  const fs::path root = dir / "output_user_root";
  const fs::path live = output_base(root, "live", kept_workspace);
  const fs::path gone = output_base(root, "gone", dir / "deleted-kit");
  write_file(root / "install" / "bazel", "not an output base");  // No marker: kept.

  const proctor::CacheSweep swept = proctor::sweep_bazel_caches(root, dir / "no-cache", 1);
  CHECK(swept.output_bases == 1);
  CHECK(swept.output_base_bytes >= 1000);
  CHECK_FALSE(fs::exists(gone));
  CHECK(fs::exists(live / "external" / "repo" / "BUILD"));
  CHECK(fs::exists(root / "install" / "bazel"));
  // The link into a deleted workspace went; what a link pointed to never does.
  CHECK(fs::exists(kept_workspace / "source.cc"));
  CHECK_THAT(swept.describe(), Catch::StartsWith("removed 1 Bazel output base(s)"));
}

TEST_CASE("an output base whose workspace cannot be looked at is kept") {
  const fs::path dir = proctor::testing::scratch_dir("caches_test", "unreadable");
  // A symbolic link to itself: looking up the workspace fails with ELOOP,
  // which says nothing of whether the checkout is gone.
  fs::create_directories(dir);
  fs::create_symlink(dir / "loop", dir / "loop");
  const fs::path root = dir / "output_user_root";
  const fs::path unknown = output_base(root, "unknown", dir / "loop" / "kit");
  const proctor::CacheSweep swept = proctor::sweep_bazel_caches(root, dir / "no-cache", 1);
  CHECK(swept.output_bases == 0);
  CHECK(fs::exists(unknown / "external" / "repo" / "BUILD"));
}

TEST_CASE("a disk cache over its size loses its least recently used entries") {
  const fs::path dir = proctor::testing::scratch_dir("caches_test", "disk");
  const fs::path cache = dir / "bazel-disk";
  const std::time_t now = std::time(nullptr);
  // Ten entries of 100 bytes, entry 0 used longest ago.
  for (int i = 0; i < 10; ++i) {
    write_file(cache / (i % 2 ? "ac" : "cas") / "ab" / ("entry" + std::to_string(i)),
               std::string(100, 'x'), now - 1000 + i * 10);
  }
  SECTION("within its size, nothing goes") {
    const auto swept = proctor::sweep_bazel_caches(dir / "no-bases", cache, 1000);
    CHECK(swept.cache_entries == 0);
    CHECK(swept.describe().empty());
  }
  SECTION("over it, the oldest go until three quarters are left") {
    // 1000 bytes held, 800 allowed: down to 600, so the four oldest go.
    const auto swept = proctor::sweep_bazel_caches(dir / "no-bases", cache, 800);
    CHECK(swept.cache_entries == 4);
    CHECK(swept.cache_bytes == 400);
    for (int i = 0; i < 10; ++i) {
      INFO("entry " << i);
      CHECK(fs::exists(cache / (i % 2 ? "ac" : "cas") / "ab" / ("entry" + std::to_string(i))) ==
            (i >= 4));
    }
    CHECK_THAT(swept.describe(), Catch::Contains("4 least recently used entries"));
  }
}

TEST_CASE("the disk cache is the one the workspace's .bazelrc names") {
  const fs::path dir = proctor::testing::scratch_dir("caches_test", "rc");
  write_file(dir / ".bazelrc",
             "# comment\nbuild --cxxopt=-std=c++20\nbuild --disk_cache=/var/cache/x\n");
  CHECK(proctor::disk_cache_of(dir) == "/var/cache/x");
  write_file(dir / ".bazelrc", "build --disk_cache=~/.cache/proctor/bazel-disk\n");
  const fs::path home_relative = proctor::disk_cache_of(dir);
  CHECK(home_relative.is_absolute());
  CHECK_THAT(home_relative.string(), Catch::EndsWith("/.cache/proctor/bazel-disk"));
  write_file(dir / ".bazelrc", "build --jobs=2\n");
  CHECK(proctor::disk_cache_of(dir).empty());
}
