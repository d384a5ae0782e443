#include "autograder/core/files.h"

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "autograder/tests/scratch.h"

namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
  return proctor::testing::scratch_dir("files_test", name);
}

}  // namespace

TEST_CASE("read_file names a missing or unreadable file instead of returning nothing") {
  const fs::path dir = scratch("read");
  CHECK_THROWS_WITH(proctor::read_file(dir / "absent.log"),
                    Catch::Contains("absent.log") && Catch::Contains("No such file"));
  CHECK_FALSE(proctor::read_file_if_exists(dir / "absent.log").has_value());
  CHECK_THROWS_WITH(proctor::read_file(dir), Catch::Contains(dir.string()));
  std::ofstream(dir / "empty.log") << "";
  CHECK(proctor::read_file(dir / "empty.log").empty());
  std::ofstream(dir / "text") << "a\nb";
  CHECK(proctor::read_file(dir / "text") == "a\nb");
}

TEST_CASE("write_atomically replaces a file whole and creates its folder") {
  const fs::path dir = scratch("write");
  proctor::write_atomically(dir / "sub" / "out.txt", "one");
  proctor::write_atomically(dir / "sub" / "out.txt", "two");
  CHECK(proctor::read_file(dir / "sub" / "out.txt") == "two");
  CHECK(std::distance(fs::directory_iterator(dir / "sub"), fs::directory_iterator()) == 1);
}

TEST_CASE("digests are SHA-256 of length-framed parts") {
  // Known answer: SHA-256 of "3:abc".
  CHECK(proctor::Digest().add("abc").hex() ==
        "aab5f9ae99b2e38fb462025c8f72f570c9c811705d2a4277dc855d7fa293fe97");
  CHECK(proctor::Digest().add("ab").add("c").hex() != proctor::Digest().add("a").add("bc").hex());
  CHECK(proctor::Digest().add("x").hex() == proctor::Digest().add("x").hex());
}

TEST_CASE("last_lines quotes the end of a log, or says it is not there") {
  const fs::path dir = scratch("last");
  std::ofstream(dir / "log") << "one\ntwo\nthree\n";
  CHECK(proctor::last_lines(dir / "log", 2) == "two\nthree\n");
  CHECK(proctor::last_lines(dir / "log", 1) == "three\n");
  CHECK(proctor::last_lines(dir / "log", 9) == "one\ntwo\nthree\n");
  std::ofstream(dir / "unended") << "one\ntwo";
  CHECK(proctor::last_lines(dir / "unended", 1) == "two");
  std::ofstream(dir / "empty") << "";
  CHECK(proctor::last_lines(dir / "empty", 3).empty());
  CHECK_THAT(proctor::last_lines(dir / "absent", 3), Catch::Contains("absent does not exist"));
}

TEST_CASE("a file lock excludes another holder until it is released") {
  const fs::path lock = scratch("lock") / "build.lock";
  std::atomic<int> waited{0};
  std::optional<proctor::FileLock> first;
  first.emplace(lock, [&] { ++waited; });
  CHECK(waited == 0);
  // Another open of the same file is another holder, as another process is.
  std::thread second([&] { proctor::FileLock again(lock, [&] { ++waited; }); });
  for (int tick = 0; tick < 200 && waited == 0; ++tick)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(waited == 1);
  first.reset();
  second.join();
  CHECK(waited == 1);
}
