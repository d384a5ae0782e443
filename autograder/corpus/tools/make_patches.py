#!/usr/bin/env python3
"""Writes the adversarial corpus of Lab 01 as patches on the reference solution.

Each attack is a block of C++ inserted after the reference's includes. Its
`hostile` initializer runs in every test: the grader refuses code that runs
before main (a static initializer, see the attack before_main), so the block
becomes a function that the first call of any of the lab's functions runs,
once per test process. A block marked GLOBAL goes outside any namespace, one
marked HOOK runs first thing in run_isolation_experiment (in one test only),
one marked STATIC stays a static initializer. An attack that gets through
calls abort(), so a contained attack leaves the reference's full marks and a
successful one costs every point: the golden results then differ. Placeholders
the selftest fills in when it lays the corpus out: @KIT@ (the kit's root),
@MARK@ (a folder any account may write to, which must stay empty) and @PORT@
(a loopback port the grader listens on, which must see no connection).

Run from the kit's root after changing an attack:
  python3 autograder/corpus/tools/make_patches.py
"""

import json
import pathlib
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[3]
SOLUTION = ROOT / "solutions" / "01_processes" / "processes.cc"
OUT = ROOT / "autograder" / "corpus" / "01_processes"
ANCHOR = "#include <utility>\n"
HOOK = "IsolationReport run_isolation_experiment(int before, int child_writes) {\n"

PRELUDE = """#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace attack {
// Ends every test run at once: the attack got through.
[[noreturn]] inline void got_through(const std::string& what) {
  std::fprintf(stderr, "ATTACK GOT THROUGH: %s\\n", what.c_str());
  std::abort();
}
inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace attack
"""

# The report forgers' shared piece: a passing Catch2 report for the test
# case the process runs (its name is argv[1], escaped for the command line).
PASSING_REPORT = """
std::string passing_report() {
  const std::string cmdline = attack::slurp("/proc/self/cmdline");
  const auto first = cmdline.find('\\0');
  std::string name;
  for (std::size_t i = first + 1; first != std::string::npos && i < cmdline.size() &&
                                  cmdline[i] != '\\0'; ++i) {
    if (cmdline[i] == '\\\\') continue;
    if (cmdline[i] == '&') name += "&amp;";
    else if (cmdline[i] == '<') name += "&lt;";
    else if (cmdline[i] == '"') name += "&quot;";
    else name += cmdline[i];
  }
  const std::string totals = "<OverallResults successes=\\"1\\" failures=\\"0\\" "
                             "expectedFailures=\\"0\\"/>";
  return "<?xml version=\\"1.0\\" encoding=\\"UTF-8\\"?>\\n"
      "<Catch name=\\"test\\"><Group name=\\"test\\"><TestCase name=\\"" + name +
      "\\"><OverallResult success=\\"true\\"/></TestCase>" + totals + "</Group>" + totals +
      "</Catch>\\n";
}
"""

# name -> (what it tries, the outcome the golden result pins, code)
ATTACKS = {
    "write_kit": (
        "rewrites the kit's hidden tests, skeleton, reference and ./proctor",
        "contained: full marks, the kit unchanged",
        """
const int hostile = [] {
  for (const char* path : {"@KIT@/autograder/hidden/01_processes/hidden_test.cc",
                           "@KIT@/labs/01_processes/processes.cc",
                           "@KIT@/solutions/01_processes/processes.cc", "@KIT@/proctor",
                           "@KIT@/.proctor/bin/proctor"}) {
    std::ofstream out(path, std::ios::app);
    if (out << "// rewritten by a submission\\n" && out.flush()) attack::got_through(path);
  }
  return 0;
}();
"""),
    "read_secrets": (
        "reads the reference solution and the hidden tests to print them",
        "contained: full marks, nothing read",
        """
const int hostile = [] {
  for (const char* path : {"@KIT@/solutions/01_processes/processes.cc",
                           "@KIT@/autograder/hidden/01_processes/hidden_test.cc"}) {
    const std::string text = attack::slurp(path);
    if (!text.empty()) attack::got_through(std::string(path) + "\\n" + text);
  }
  return 0;
}();
"""),
    "read_other_submissions": (
        "looks for other students' staged and unpacked submissions and build outputs",
        "contained: full marks, nothing found",
        """
const int hostile = [] {
  for (const char* dir : {"@KIT@/.proctor", "@KIT@/out", "@KIT@/bazel-bin", "@KIT@/bazel-out"}) {
    if (DIR* listing = ::opendir(dir)) {
      while (dirent* entry = ::readdir(listing)) {
        if (entry->d_name[0] != '.') attack::got_through(std::string(dir) + "/" + entry->d_name);
      }
      ::closedir(listing);
    }
  }
  return 0;
}();
"""),
    "cgroup_limits": (
        "lowers pids.max of every cgroup it can find, the grader's own included",
        "contained: full marks, no cgroup visible",
        """
const int hostile = [] {
  for (const char* file : {"/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/pids.max"}) {
    std::ofstream out(file);
    if (out << "1" && out.flush()) attack::got_through(file);
  }
  if (DIR* listing = ::opendir("/sys/fs/cgroup/pids")) {
    while (dirent* entry = ::readdir(listing)) {
      const std::string file = std::string("/sys/fs/cgroup/pids/") + entry->d_name + "/pids.max";
      std::ofstream out(file);
      if (entry->d_name[0] != '.' && out << "1" && out.flush()) attack::got_through(file);
    }
    ::closedir(listing);
  }
  return 0;
}();
"""),
    "unmount_proc": (
        "unmounts its own /proc to see the host's, and mounts a tmpfs",
        "contained: full marks, both refused",
        """
const int hostile = [] {
  if (::umount2("/proc", MNT_DETACH) == 0) attack::got_through("umount /proc");
  if (::mount("none", "/tmp", "tmpfs", 0, nullptr) == 0) attack::got_through("mount");
  return 0;
}();
"""),
    "namespaces": (
        "makes a user namespace of its own (where it would be root)",
        "contained: full marks, refused",
        """
const int hostile = [] {
  if (::unshare(CLONE_NEWUSER) == 0) attack::got_through("unshare(CLONE_NEWUSER)");
  return 0;
}();
"""),
    "grader_memory": (
        "writes the memory of the run's init and of its parent through /proc/PID/mem",
        "contained: full marks, refused",
        """
const int hostile = [] {
  for (pid_t pid : {1, ::getppid()}) {
    const std::string path = "/proc/" + std::to_string(pid) + "/mem";
    const int fd = ::open(path.c_str(), O_RDWR);
    if (fd >= 0 && pid != ::getpid()) attack::got_through(path);
  }
  return 0;
}();
"""),
    "init_pipes": (
        "writes a fake exit status into the descriptors the run's init holds",
        "contained: full marks, refused",
        """
const int hostile = [] {
  for (int fd = 0; fd < 64; ++fd) {
    const std::string path = "/proc/1/fd/" + std::to_string(fd);
    const int handle = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
    if (handle >= 0 && ::getpid() != 1) attack::got_through(path);
  }
  return 0;
}();
"""),
    "ptrace_neighbour": (
        "attaches to its parent with ptrace",
        "contained: full marks, refused",
        """
const int hostile = [] {
  if (::ptrace(PTRACE_ATTACH, ::getppid(), nullptr, nullptr) == 0) attack::got_through("ptrace");
  return 0;
}();
"""),
    "network": (
        "connects to a server on the grader's loopback",
        "contained: full marks, no connection",
        """
const int hostile = [] {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(@PORT@);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0)
    attack::got_through("connected");
  ::close(fd);
  return 0;
}();
"""),
    "daemon": (
        "leaves a daemon (double fork, setsid) that writes a file once the test is over",
        "contained: full marks, the daemon killed with the run",
        """
const int hostile = [] {
  // The test's process reaps the first child: only the daemon is left. It
  // waits for the test binary's process to end (the topmost ancestor
  // running the same program: the guard's child forks it without exec),
  // then two seconds more, when the run is over however long the test
  // took, and writes its mark.
  const auto program_of = [](pid_t pid) {
    char path[4096];
    const ssize_t size =
        ::readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), path, sizeof path);
    return size > 0 ? std::string(path, static_cast<std::size_t>(size)) : std::string();
  };
  const auto parent_of = [](pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto end = line.rfind(')');
    pid_t parent = 0;
    if (end != std::string::npos) std::istringstream(line.substr(end + 4)) >> parent;
    return parent;
  };
  pid_t test = ::getpid();
  for (pid_t up = parent_of(test); up > 1 && program_of(up) == program_of(test);
       up = parent_of(up)) {
    test = up;
  }
  if (const pid_t first = ::fork(); first > 0) {
    ::waitpid(first, nullptr, 0);
  } else if (first == 0) {
    ::setsid();
    if (::fork() == 0) {
      // As a daemon does: no descriptor of the test's kept open (a test
      // reading a pipe to the end would wait for this one).
      for (int fd = 0; fd < 1024; ++fd) ::close(fd);
      while (::kill(test, 0) == 0) ::usleep(100000);
      ::sleep(2);
      std::ofstream("@MARK@/daemon-" + std::to_string(::getpid())) << "outlived the run\\n";
    }
    ::_exit(0);
  }
  return 0;
}();
"""),
    "kill_everything": (
        "sends SIGKILL to every process it may signal",
        "contained: its own tests fail (the test process is among what it kills); the grader "
        "and the other runs unharmed, nothing left running",
        """
const int hostile = [] {
  ::kill(-1, SIGKILL);
  return 0;
}();
"""),
    "forge_report": (
        "writes a passing report into the report channel and seals it, then fails its tests",
        "caught: the harness finds the channel written to and sealed; zero marks",
        """
const int hostile = [] {
  const int fd = ::open("/dev/fd/3", O_WRONLY | O_TRUNC);
  const char forged[] =
      "<Catch><Group><OverallResults successes=\\"1\\" failures=\\"0\\"/></Group></Catch>\\n";
  if (fd >= 0) (void)!::write(fd, forged, sizeof forged - 1);
  ::fcntl(3, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
  return 0;
}();
"""),
    "destructor_rewrites_report": (
        "breaks decode_status, then rewrites the report from a destructor and an atexit handler",
        "caught: the harness seals its report and leaves with _exit; the decode tests fail",
        """
// Replaces the report with a passing one, and exits cleanly.
void rewrite_report() {
  const std::string forged = passing_report();
  const int fd = ::open("/dev/fd/3", O_WRONLY | O_TRUNC);
  if (fd >= 0) (void)!::write(fd, forged.data(), forged.size());
  ::_exit(0);  // And a clean exit code to go with it.
}
struct Rewriter {
  ~Rewriter() { rewrite_report(); }
};
const int hostile = [] {
  static Rewriter rewriter;
  return std::atexit(rewrite_report);
}();
"""),
    "output_flood": (
        "writes 16 MiB to its standard output in every test",
        "contained: the output cut to its cap; the one test that reads the output of its own "
        "child fails",
        """
const int hostile = [] {
  const std::string block(1 << 20, 'x');
  for (int i = 0; i < 16; ++i) std::fwrite(block.data(), 1, block.size(), stdout);
  std::fflush(stdout);
  return 0;
}();
"""),
    "disk_fill": (
        "ignores SIGXFSZ and writes a file until the disk is full",
        "contained: full marks, the file size limit stops it",
        """
const int hostile = [] {
  ::signal(SIGXFSZ, SIG_IGN);
  const int fd = ::open("fill", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const std::string block(1 << 20, 'x');
  for (int i = 0; i < 4096; ++i) {
    if (::write(fd, block.data(), block.size()) <= 0) break;
  }
  ::close(fd);
  ::unlink("fill");
  return 0;
}();
"""),
    "become_root": (
        "tries to become root again with setuid(0)",
        "contained: full marks, refused",
        """
const int hostile = [] {
  if (::getuid() != 0 && ::setuid(0) == 0) attack::got_through("setuid(0)");
  return 0;
}();
"""),
    "compile_bomb": (
        "makes the compiler evaluate a thousand two-second loops at compile time",
        "stopped: the compiler is killed at the compile time limit; build error, zero marks",
        """
// Each Spin<N> is a constant evaluation of its own, just under the
// compiler's per-evaluation limit: about half an hour in all.
template <int N>
constexpr long spin() {
  long total = N;
  for (long i = 0; i < 1000; ++i) {
    for (long j = 0; j < 1000; ++j) total += i ^ j;
  }
  return total;
}
template <int N>
struct Spin {
  static_assert(spin<N>() != -1);
};
template <int... N>
constexpr int touch(std::integer_sequence<int, N...>) {
  return (0 + ... + static_cast<int>(sizeof(Spin<N>)));
}
[[maybe_unused]] constexpr int touched = touch(std::make_integer_sequence<int, 1000>{});
"""),
    "include_secret": (
        "includes the hidden tests by absolute path, to read them in compiler errors",
        "refused before compiling: rejected with the line named",
        """
#include "@KIT@/autograder/hidden/01_processes/hidden_test.cc"
"""),
    "incbin_secret": (
        "embeds the reference solution in its binary with .incbin",
        "refused before compiling: rejected with the line named",
        """
asm(".section .rodata\\n.incbin \\"@KIT@/solutions/01_processes/processes.cc\\"\\n.text");
"""),
    "interpose_kill": (
        "defines kill() itself, replacing the C library's for the harness too",
        "refused after compiling: build error naming kill",
        """// GLOBAL
extern "C" int kill(pid_t, int) noexcept { return 0; }
"""),
    "override_catch": (
        "defines a Catch2 function, replacing the framework's",
        "refused after compiling: build error naming the Catch2 function",
        """// GLOBAL
namespace Catch {
void cleanUp() {}
}  // namespace Catch
"""),
    "fork_bomb": (
        "forks until fork fails, every child kept alive, then carries on",
        "contained: the process limit stops it; full marks, nothing left running",
        """
const int hostile = [] {
  std::vector<pid_t> children;
  for (int i = 0; i < 100000; ++i) {
    const pid_t child = ::fork();
    if (child == 0) {
      ::pause();
      ::_exit(0);
    }
    if (child < 0) break;
    children.push_back(child);
  }
  if (children.size() >= 100000) attack::got_through("no process limit");
  for (pid_t child : children) ::kill(child, SIGKILL);
  for (pid_t child : children) ::waitpid(child, nullptr, 0);
  return 0;
}();
"""),
    "thread_bomb": (
        "starts threads until the system refuses one, then carries on",
        "contained: the process limit stops it; full marks",
        """
const int hostile = [] {
  std::vector<pthread_t> threads;
  for (int i = 0; i < 100000; ++i) {
    pthread_t thread;
    if (::pthread_create(&thread, nullptr, [](void*) -> void* {
          ::sleep(1);
          return nullptr;
        }, nullptr) != 0) {
      break;
    }
    threads.push_back(thread);
  }
  if (threads.size() >= 100000) attack::got_through("no thread limit");
  for (pthread_t thread : threads) ::pthread_join(thread, nullptr);
  return 0;
}();
"""),
    "rewrite_results": (
        "writes into the grades and other students' staged files",
        "contained: full marks, nothing reachable",
        """
const int hostile = [] {
  for (const char* path : {"@KIT@/out/grades/01_processes/gradebook.csv",
                           "@KIT@/out/selftest/forged.txt",
                           "@KIT@/.proctor/stage/01_processes/honest_1/processes.cc"}) {
    std::ofstream out(path, std::ios::app);
    if (out << "forged\\n" && out.flush()) attack::got_through(path);
  }
  return 0;
}();
"""),
    "signal_grader": (
        "sends SIGKILL to its parent, the run's init and every pid up to 4096",
        "contained: its own tests fail (its test process is among the pids); nothing of the "
        "grader's reachable",
        """
const int hostile = [] {
  for (pid_t pid = 1; pid < 4096; ++pid) {
    if (pid != ::getpid()) ::kill(pid, SIGKILL);
  }
  return 0;
}();
"""),
    "exit_zero": (
        "calls exit(0) in every test (its own atexit handlers and destructors run)",
        "caught: no sealed report, zero marks",
        """
const int hostile = [] {
  std::exit(0);
  return 0;
}();
"""),
    "hang_ignoring_sigterm": (
        "in one test's child, ignores SIGTERM and spins forever",
        "contained: that test fails at its deadline, the others keep their points",
        """// HOOK
  ::signal(SIGTERM, SIG_IGN);
  for (volatile unsigned spin = 0;; spin = spin + 1) {
  }
"""),
    "memory_hog": (
        "in one test's child, writes 3 GiB of memory",
        "contained: the memory limit kills it; that test fails, the others keep their points",
        """// HOOK
  {
    const std::size_t size = std::size_t{3} << 30;
    char* block = static_cast<char*>(std::malloc(size));
    for (std::size_t i = 0; block != nullptr && i < size; i += 4096) block[i] = 1;
  }
"""),
    "before_main": (
        "runs code before main: a global object whose constructor starts a thread, and a "
        "function marked constructor",
        "refused after compiling: build error naming both",
        """// STATIC
struct Watcher {
  Watcher() {
    std::thread([] {
      for (;;) ::pause();
    }).detach();
  }
} watcher;
__attribute__((constructor)) void early() { ::signal(SIGTERM, SIG_IGN); }
"""),
    "thread_rewrites_report": (
        "breaks decode_status, then a thread started in the test watches the report channel "
        "and replaces the report with a passing one the moment it appears",
        "caught: the report is written and sealed by a child with no other thread, and read "
        "back; the decode tests fail",
        """
// In the tests of decode_status, which the change above makes fail: the
// moment the report appears, it is replaced.
const int hostile = [] {
  const std::string forged = passing_report();
  if (forged.find("decode_status") == std::string::npos) return 0;
  std::thread([forged] {
    for (struct stat st {};;) {
      if (::fstat(3, &st) == 0 && st.st_size > 0 &&
          static_cast<std::size_t>(st.st_size) != forged.size()) {
        if (::ftruncate(3, 0) == 0) (void)!::pwrite(3, forged.data(), forged.size(), 0);
      }
    }
  }).detach();
  return 0;
}();
"""),
    "litter": (
        "leaves files in /tmp, /var/tmp and /dev/shm and System V shared memory and a message "
        "queue behind",
        "contained: full marks, nothing left behind",
        """// HOOK
  {
    for (const char* path : {"/tmp/proctor-litter", "/var/tmp/proctor-litter-var",
                             "/dev/shm/proctor-litter-shm"}) {
      std::ofstream(path) << "left behind\\n";
    }
    (void)::shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    (void)::msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  }
"""),
    "scratch_fill": (
        "fills its folder and /tmp with files each under the file size limit",
        "contained: full marks, the scratch space quota stops it",
        """// HOOK
  for (const char* dir : {".", "/tmp"}) {
    const std::string block(1 << 20, 'x');
    std::size_t written = 0;
    for (int file = 0; file < 10; ++file) {
      const std::string path = std::string(dir) + "/fill-" + std::to_string(file);
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      for (int i = 0; fd >= 0 && i < 32; ++i) {
        if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) break;
        written += block.size();
      }
      if (fd >= 0) ::close(fd);
    }
    for (int file = 0; file < 10; ++file) {
      ::unlink((std::string(dir) + "/fill-" + std::to_string(file)).c_str());
    }
    if (written > (std::size_t{300} << 20)) attack::got_through(std::string("filled ") + dir);
  }
"""),
    "early_exit_zero": (
        "exits with status 0 in every test",
        "caught: no sealed report, zero marks",
        """
const int hostile = [] {
  std::fflush(stdout);
  ::_exit(0);
  return 0;
}();
"""),
}

# The isolation layers (Isolation's field names) an attack's pinned outcome
# needs beyond the minimum the corpus runs under (run accounts); where one is
# missing, selftest grades the attack but does not hold it to its golden file.
NEEDS = {
    "read_secrets": ["hides_paths"],
    "read_other_submissions": ["hides_paths"],
    "namespaces": ["seccomp"],
    "network": ["network_namespace"],
    "memory_hog": ["memory_cgroup"],
    "scratch_fill": ["hides_paths"],
    # Without a PID namespace its own processes have pids far above 4096.
    "signal_grader": ["pid_namespace"],
}

# The attacks that forge a passing report; they alone also break the lab (a
# forged pass is then worth something).
FORGERS = ("destructor_rewrites_report", "thread_rewrites_report")

# How they break it: decode_status loses its exit code.
BROKEN_DECODE = ("    status.code = WEXITSTATUS(wait_status);\n", "    status.code = 0;\n")


STATIC_INIT = "const int hostile = [] {\n"


def in_every_test(code):
    """Makes the static initializer `hostile` a function attack_now() runs."""
    head, body = code.split(STATIC_INIT, 1)
    assert body.rstrip().endswith("}();"), "an attack's initializer must end the block"
    body = body.rstrip()[:-len("}();")] + "}\n"
    return (head + "int hostile() {\n" + body +
            "// Once per test process, from the first call of the lab's functions.\n"
            "void attack_now() {\n"
            "  static const int once = hostile();\n"
            "  (void)once;\n"
            "}\n")


def call_first_in_api(text):
    """Calls attack_now() first thing in every function of the lab's API.

    The API is what the reference defines after its unnamed namespace; a
    definition starts at column 0 and its body at the first line ending in '{',
    or is the rest of a one-line definition.
    """
    before, lab = text.split("namespace lab01 {\n", 1)
    helpers, api = lab.split("}  // namespace\n\n", 1)
    head = before + "namespace lab01 {\n" + helpers
    lines = api.split("\n")
    out = []
    in_signature = False
    for line in lines:
        out.append(line)
        starts = (line[:1].isalpha() and not line.startswith(("namespace", "struct", "class",
                                                               "using", "constexpr")))
        if starts and not line.endswith(";"):
            in_signature = True
        if in_signature and line.endswith("{"):
            in_signature = False
            out.append("  attack_now();")
        elif in_signature and line.endswith("}") and "{" in line:
            # A one-line body: the call goes first inside it.
            in_signature = False
            if line.endswith("{}"):
                out[-1] = line[:-2] + "{ attack_now(); }"
            else:
                at = line.index(" { ")
                out[-1] = line[:at] + " { attack_now();" + line[at + 2:]
    hooked = sum(1 for line in out if "attack_now();" in line)
    assert hooked >= 10, "the reference's API changed: check call_first_in_api"
    return head + "}  // namespace\n\n" + "\n".join(out)


def main():
    solution = SOLUTION.read_text()
    assert ANCHOR in solution, "the reference's includes changed: update ANCHOR"
    manifest = []
    for name, (about, expect, code) in ATTACKS.items():
        # A block marked GLOBAL goes outside any namespace (a C name or
        # Catch2's own namespace); the rest inside an unnamed one. The report
        # forgers get the passing report they write.
        if name in FORGERS:
            code = PASSING_REPORT + code
        if STATIC_INIT in code and not code.startswith("// STATIC"):
            code = in_every_test(code)
        if code.startswith("// HOOK"):
            # Runs first thing in run_isolation_experiment: only task 7's
            # public test calls it, in a child of the test process.
            assert HOOK in solution, "the reference changed: update HOOK"
            text = solution.replace(ANCHOR, ANCHOR + "\n" + PRELUDE, 1)
            text = text.replace(HOOK, HOOK + code.split("\n", 1)[1], 1)
        else:
            block = (code if code.startswith("// GLOBAL") else
                     "\nnamespace {\n" + code + "}  // namespace\n")
            text = solution.replace(ANCHOR, ANCHOR + "\n" + PRELUDE + block, 1)
            if "attack_now()" in code:
                text = call_first_in_api(text)
        if name in FORGERS:
            assert BROKEN_DECODE[0] in text
            text = text.replace(*BROKEN_DECODE)
        with tempfile.TemporaryDirectory() as tmp:
            a = pathlib.Path(tmp) / "a"
            b = pathlib.Path(tmp) / "b"
            a.mkdir()
            b.mkdir()
            (a / "processes.cc").write_text(solution)
            (b / "processes.cc").write_text(text)
            diff = subprocess.run(["diff", "-u", "--label", "a/processes.cc", "--label",
                                   "b/processes.cc", str(a / "processes.cc"),
                                   str(b / "processes.cc")], capture_output=True, text=True)
        (OUT / (name + ".patch")).write_text(diff.stdout)
        entry = {"name": name, "base": "solution", "patch": name + ".patch",
                 "about": about, "expect": expect}
        if name in NEEDS:
            entry["needs"] = NEEDS[name]
        manifest.append(entry)
    # A submitted folder whose file is a link to the reference solution.
    link_dir = OUT / "symlink_to_reference"
    link_dir.mkdir(exist_ok=True)
    link = link_dir / "processes.cc"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to("../../../../solutions/01_processes/processes.cc")
    manifest.append({"name": "symlink_to_reference", "folder": "symlink_to_reference",
                     "about": "submits a folder whose processes.cc links to the reference",
                     "expect": "refused: rejected, links are never followed"})
    (OUT / "corpus.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
