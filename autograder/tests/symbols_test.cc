#include "autograder/core/symbols.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "autograder/core/process.h"
#include "autograder/tests/scratch.h"

namespace fs = std::filesystem;

namespace {

// Compiles `source` into an object file in `dir` and returns its path.
fs::path compile(const fs::path& dir, const std::string& name, const std::string& source) {
  std::ofstream(dir / (name + ".cc")) << source;
  const fs::path object = dir / (name + ".o");
  proctor::run_output(
      {"g++", "-std=c++20", "-c", (dir / (name + ".cc")).string(), "-o", object.string()}, dir);
  return object;
}

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("nm output is read into types and names without version suffixes") {
  const auto symbols = proctor::parse_nm(
      "0000000000000000 T waitid\n                 U kill@GLIBC_2.2.5\n\nnot a symbol line\n"
      "0000000000000040 W _ZN5lab011fEv\n");
  REQUIRE(symbols.size() == 3);
  CHECK(symbols[0].type == 'T');
  CHECK(symbols[0].name == "waitid");
  CHECK(symbols[1].name == "kill");
  CHECK(symbols[2].type == 'W');
}

TEST_CASE("a student object may not replace the C library, Catch2 or what the harness uses") {
  const fs::path dir = proctor::testing::scratch_dir("symbols_test", "objects");
  const fs::path student = compile(dir, "student", R"(
#include <sys/wait.h>
#include <vector>
extern "C" int waitid(idtype_t, id_t, siginfo_t*, int) { return 0; }
extern "C" __attribute__((weak)) int kill(pid_t, int) noexcept { return 0; }
namespace Catch { void cleanUp() {} }
namespace lab01 {
int api() { return 1; }
struct Thing {
  virtual ~Thing() = default;
  virtual int value() const = 0;  // Makes the object use __cxa_pure_virtual.
  int twice() const { return 2 * value(); }
};
struct One : Thing { int value() const override { return 1; } };
One one;
int use(const Thing& thing) { return thing.twice(); }
int (*keep_api)() = api;
}
int used_by_harness() { return 2; }
int private_helper() { std::vector<int> v{1}; return v.back(); }
namespace { int hidden() { return 3; } }
int (*keep)() = hidden;
)");
  // The harness calls the lab's API and, here, one global name.
  const fs::path harness = compile(dir, "harness", R"(
namespace lab01 { int api(); struct Thing { int twice() const; }; }
int used_by_harness();
int run(const lab01::Thing& thing) { return lab01::api() + used_by_harness() + thing.twice(); }
)");
  const auto reserved = proctor::reserved_names({harness}, "lab01");
  CHECK(reserved.runtime.count("waitid") == 1);  // The C library's.
  CHECK(reserved.harness.count("_Z15used_by_harnessv") == 1);
  CHECK(reserved.harness.count("_ZN5lab013apiEv") == 0);  // The API is the student's to define.
  const auto found =
      proctor::interposed_symbols(proctor::external_symbols(student), reserved, "lab01");
  CAPTURE(found);
  CHECK(mentions(found, "defines waitid,"));
  CHECK(mentions(found, "defines kill,"));
  CHECK(mentions(found, "defines Catch::cleanUp(), part of the Catch2"));
  CHECK(mentions(found, "defines used_by_harness()"));
  CHECK_FALSE(mentions(found, "lab01::"));  // Const members and vtables too.
  CHECK_FALSE(mentions(found, "__cxa_pure_virtual"));
  CHECK_FALSE(mentions(found, "private_helper"));
  CHECK_FALSE(mentions(found, "std::vector"));  // Template code both sides may instantiate.
  CHECK(found.size() == 4);
}

TEST_CASE("a student object may run no code of its own before main or after it") {
  const fs::path dir = proctor::testing::scratch_dir("symbols_test", "startup");
  for (const char* level : {"-O0", "-O2"}) {
    CAPTURE(level);
    const auto work = [&](const std::string& name, const std::string& source) {
      std::ofstream(dir / (name + ".cc")) << source;
      const fs::path object = dir / (name + level + ".o");
      proctor::run_output({"g++", "-std=c++20", level, "-c", (dir / (name + ".cc")).string(), "-o",
                           object.string()},
                          dir);
      return proctor::startup_work(object);
    };
    // What every lab's reference does: iostream, constant-initialized
    // globals, statics that are built inside a call.
    const auto quiet = work("quiet", R"(
#include <iostream>
#include <mutex>
#include <string>
namespace lab01 {
std::mutex lock;
constexpr int kLimit = 4;
int count = kLimit * 2;
const std::string& name() { static const std::string text = "lab"; return text; }
void say() { std::cout << name() << count << std::endl; }
}
)");
    CHECK(quiet.empty());
    const auto global_string = work("global_string", R"(
#include <string>
namespace lab01 { std::string greeting = "a string too long for the small buffer"; }
)");
    CAPTURE(global_string);
    CHECK(mentions(global_string, "basic_string"));
    const auto marked = work("marked", R"(
#include <unistd.h>
__attribute__((constructor)) static void early() { (void)write(2, "x", 1); }
__attribute__((constructor(200))) void visible() { (void)write(2, "y", 1); }
)");
    CAPTURE(marked);
    CHECK(mentions(marked, "runs early() before main"));
    CHECK(mentions(marked, "runs visible() before main"));  // Found by its symbol.
    const auto own_class = work("own_class", R"(
#include <cstdio>
namespace lab01 {
struct Announcer { Announcer() { std::puts("before main"); } };
Announcer announcer;
}
)");
    CAPTURE(own_class);
    CHECK_FALSE(own_class.empty());
    const auto destructor = work("destructor", R"(
#include <cstdio>
namespace lab01 {
struct Late { constexpr Late() = default; ~Late() { std::puts("after main"); } };
Late late;
}
)");
    CAPTURE(destructor);
    CHECK(mentions(destructor, "Late::~Late()"));
  }
}
