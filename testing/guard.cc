#include "testing/guard.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <system_error>
#include <thread>

namespace testing {
namespace {

using Clock = std::chrono::steady_clock;

// Once the guard child has exited, stray descendants that still hold the pipe
// get this long to deliver (a returned grandchild) before they are killed.
constexpr auto kGrace = std::chrono::milliseconds(300);

void write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// Frame: 'R', 8-byte little-endian length, payload.
void send_report(int fd, const std::string& report) {
  char header[9] = {'R'};
  std::uint64_t size = report.size();
  std::memcpy(header + 1, &size, sizeof size);
  write_all(fd, header, sizeof header);
  write_all(fd, report.data(), report.size());
}

void parse_frames(const std::string& bytes, GuardResult& result) {
  size_t at = 0;
  while (at + 9 <= bytes.size() && bytes[at] == 'R') {
    std::uint64_t size = 0;
    std::memcpy(&size, bytes.data() + at + 1, sizeof size);
    if (at + 9 + size > bytes.size()) break;
    if (result.deliveries == 0) result.report = bytes.substr(at + 9, size);
    ++result.deliveries;
    at += 9 + size;
  }
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return std::string("killed by signal ") + ::strsignal(WTERMSIG(status));
  }
  return "stopped";
}

}  // namespace

GuardResult run_guarded(const std::function<std::string()>& body,
                        std::chrono::milliseconds deadline) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe2");
  // Anything buffered now would be flushed twice: once by each process.
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::system_error(err, std::generic_category(), "fork");
  }
  if (child == 0) {
    ::setpgid(0, 0);
    // The harness made itself undumpable (its memory out of the test's
    // reach); the code under test gets an ordinary process, whose children
    // may read its /proc entries as usual.
    ::prctl(PR_SET_DUMPABLE, 1);
    ::close(fds[0]);
    std::string report;
    try {
      report = body();
    } catch (const std::exception& e) {
      report = std::string("exception: ") + e.what();
    } catch (...) {
      report = "exception: (not derived from std::exception)";
    }
    send_report(fds[1], report);
    std::fflush(nullptr);
    ::_exit(0);
  }
  ::setpgid(child, child);  // Also done in the child; whichever runs first wins.
  ::close(fds[1]);

  GuardResult result;
  std::string bytes;
  const auto give_up = Clock::now() + deadline;
  auto stop_reading = Clock::time_point::max();
  bool reaped = false;
  int status = 0;
  bool eof = false;
  while (!eof) {
    if (!reaped) {
      pid_t r = ::waitpid(child, &status, WNOHANG);
      if (r == child) {
        reaped = true;
        stop_reading = Clock::now() + kGrace;
      }
    }
    auto now = Clock::now();
    if (now >= give_up || now >= stop_reading) break;
    auto until = std::min(give_up, stop_reading);
    auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
    pollfd p{fds[0], POLLIN, 0};
    int ready =
        ::poll(&p, 1, static_cast<int>(std::min<long long>(wait_ms, reaped ? wait_ms : 20)));
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0) {
      char buf[4096];
      ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n > 0) bytes.append(buf, static_cast<size_t>(n));
      if (n == 0) eof = reaped;  // EOF before the child is reaped: keep waiting for it.
      if (n == 0 && !reaped) {
        // Every writer is gone; only the exit status is missing.
        if (::waitpid(child, &status, 0) == child) reaped = true;
        eof = true;
      }
    }
  }
  ::close(fds[0]);
  if (!reaped) {
    result.timed_out = true;
    ::kill(-child, SIGKILL);
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
  }
  // Descendants left in the guard's group (for example a child that returned
  // into the guard) must not outlive the test.
  ::kill(-child, SIGKILL);
  parse_frames(bytes, result);
  result.how_it_ended = result.timed_out
                            ? "did not finish within " + std::to_string(deadline.count()) + " ms"
                            : describe(status);
  result.finished =
      !result.timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0 && result.deliveries > 0;
  return result;
}

int count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // The directory stream's own descriptor.
}

int reap_zombies() {
  int reaped = 0;
  int status = 0;
  while (::waitpid(-1, &status, WNOHANG) > 0) ++reaped;
  return reaped;
}

bool has_children() {
  siginfo_t info{};
  int r = ::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT);
  return r == 0;  // ECHILD: none at all.
}

pid_t fork_child(const std::function<void()>& body) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    int status = 0;
    try {
      body();
    } catch (...) {
      status = 1;
    }
    ::_exit(status);
  }
  return pid;
}

std::string wait_child(pid_t pid, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return "not a child";
    if (std::chrono::steady_clock::now() >= until) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return "still running";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

long resident_kib() {
  // Plain system calls: the fork handler below runs it between a thread's
  // call to fork() and the fork itself.
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char text[128] = {};
  const ssize_t got = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  long size = 0;
  long resident = 0;
  if (got <= 0 || std::sscanf(text, "%ld %ld", &size, &resident) != 2) return -1;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

namespace {

std::atomic<bool> watching_forks{false};
std::atomic<int> forks_seen{0};
std::atomic<long> largest_at_fork{-1};

void note_resident_at_fork() {
  if (!watching_forks.load()) return;
  const long now = resident_kib();
  long largest = largest_at_fork.load();
  while (now > largest && !largest_at_fork.compare_exchange_weak(largest, now)) {
  }
  forks_seen.fetch_add(1);
}

}  // namespace

ResidentAtFork::ResidentAtFork() {
  static const int registered = ::pthread_atfork(note_resident_at_fork, nullptr, nullptr);
  (void)registered;
  forks_seen.store(0);
  largest_at_fork.store(-1);
  watching_forks.store(true);
}

ResidentAtFork::~ResidentAtFork() { watching_forks.store(false); }

int ResidentAtFork::forks() const { return forks_seen.load(); }

long ResidentAtFork::largest_kib() const { return largest_at_fork.load(); }

std::string proc_line(pid_t pid, const std::string& what) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/" + what);
  std::string line;
  std::getline(file, line);
  return line;
}

bool shell_ok(const std::string& command) {
  std::fflush(nullptr);
  return std::system(command.c_str()) == 0;
}

}  // namespace testing
