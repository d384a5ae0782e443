#include "autograder/core/process.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <net/if.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace proctor {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

std::pair<Fd, Fd> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
  return {Fd(fds[0]), Fd(fds[1])};
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

Exit decode(int status) {
  Exit exit;
  if (WIFEXITED(status)) {
    exit.exited = true;
    exit.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    exit.signal = WTERMSIG(status);
  }
  return exit;
}

pid_t wait_retrying(pid_t pid, int* status, int options) {
  for (;;) {
    pid_t r = ::waitpid(pid, status, options);
    if (r >= 0 || errno != EINTR) return r;
  }
}

void write_all(int fd, const void* data, size_t size) {
  auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    bytes += n;
    size -= static_cast<size_t>(n);
  }
}

constexpr char kCgroupRoot[] = "/sys/fs/cgroup";
constexpr rlim_t kMaxOpenFiles = 4096;
// The world-writable folders a run could fill or leave files in: private
// to each run where it has a mount namespace, swept by account after it.
constexpr const char* kSharedScratch[] = {"/tmp", "/var/tmp", "/dev/shm"};

// Gives the calling process (pid 1 of a new PID namespace, in a new mount
// namespace) a /proc that shows its own namespace, so that pids the tests see
// and /proc/<pid> agree. Async-signal-safe.
bool mount_own_proc() {
  return ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
         ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0;
}

// Brings the loopback interface of a new network namespace up, so that a
// test may talk to itself over 127.0.0.1 and to nothing else.
// Async-signal-safe.
bool loopback_up() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ifreq request{};
  std::memcpy(request.ifr_name, "lo", 3);
  bool up = ::ioctl(fd, SIOCGIFFLAGS, &request) == 0;
  request.ifr_flags |= IFF_UP;
  up = up && ::ioctl(fd, SIOCSIFFLAGS, &request) == 0;
  ::close(fd);
  return up;
}

// Flags for unshare() that give a new PID and mount namespace here, and a
// network namespace where the machine allows one, or -1 if none do.
int probe_pid_namespace() {
  // An IPC namespace too where there is one: System V segments, semaphores
  // and message queues of a run go when it ends.
  for (int flags : {CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET,
                    CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC, CLONE_NEWPID | CLONE_NEWNS,
                    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET,
                    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC,
                    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS}) {
    pid_t child = ::fork();
    if (child < 0) return -1;
    if (child == 0) {
      if (::unshare(flags) != 0) ::_exit(1);
      pid_t inner = ::fork();
      if (inner < 0) ::_exit(1);
      if (inner == 0) {
        const bool network_ok = (flags & CLONE_NEWNET) == 0 || loopback_up();
        ::_exit(::getpid() == 1 && mount_own_proc() && network_ok ? 0 : 1);
      }
      int status = 0;
      ::waitpid(inner, &status, 0);
      ::_exit(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1);
    }
    int status = 0;
    wait_retrying(child, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return flags;
  }
  return -1;
}

int& namespace_flags() {
  static int flags = -1;
  return flags;
}

// This grader's own cgroup under a v1 controller's hierarchy; each run gets
// one below it.
fs::path cgroup_parent(const char* controller) {
  return fs::path(kCgroupRoot) / controller / ("proctor-" + std::to_string(::getpid()));
}

// Cgroups a killed grader left behind (`proctor-<pid>` of a pid that is
// gone): whatever still runs in them is killed and they are removed.
// Kills whatever runs in a cgroup and removes it, retrying while processes
// are still dying (a cgroup with members cannot be removed).
void kill_and_remove_cgroup(const fs::path& cgroup) {
  // Version 2 kills a whole cgroup at once, forks in flight included.
  if (std::ofstream kill_all(cgroup / "cgroup.kill"); kill_all) kill_all << "1" << std::flush;
  // Killed processes leave within microseconds, rarely milliseconds: wait
  // 100 us first, twice as long each time after, about a second in all.
  auto pause = std::chrono::microseconds(100);
  for (int round = 0; round < 200; ++round) {
    std::ifstream procs(cgroup / "cgroup.procs");
    bool any = false;
    for (pid_t pid; procs >> pid; any = true) ::kill(pid, SIGKILL);
    if (!any && ::rmdir(cgroup.c_str()) == 0) return;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(5000));
  }
}

void remove_stale_cgroups(const char* controller) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(kCgroupRoot) / controller, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("proctor-", 0) != 0) continue;
    const pid_t owner = static_cast<pid_t>(std::atol(name.c_str() + 8));
    if (owner <= 0 || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
    std::vector<fs::path> runs;
    for (const auto& run : fs::directory_iterator(entry.path(), ec)) {
      if (run.is_directory()) runs.push_back(run.path());
    }
    for (const auto& run : runs) kill_and_remove_cgroup(run);
    ::rmdir(entry.path().c_str());
  }
}

// The folder under /sys/fs/cgroup of the version 2 hierarchy, where there is
// one: "unified" beside version 1 controllers, "" where it is the only one.
std::optional<std::string> v2_hierarchy() {
  std::error_code ec;
  if (fs::exists(fs::path(kCgroupRoot) / "unified" / "cgroup.procs", ec)) return "unified";
  if (fs::exists(fs::path(kCgroupRoot) / "cgroup.controllers", ec)) return "";
  return std::nullopt;
}

// Whether runs can get a cgroup of `controller` with `file` to set: the
// grader's parent cgroup is made here and removed at exit.
bool probe_cgroup(const char* controller, const char* file) {
  std::error_code ec;
  if (!fs::exists(fs::path(kCgroupRoot) / controller / "cgroup.procs", ec)) return false;
  remove_stale_cgroups(controller);
  fs::create_directories(cgroup_parent(controller), ec);
  if (ec || !fs::exists(cgroup_parent(controller) / file, ec)) return false;
  static std::vector<std::string>* made = new std::vector<std::string>;
  if (made->empty()) {
    std::atexit([] {
      for (const auto& dir : *made) ::rmdir(dir.c_str());
    });
  }
  made->push_back(cgroup_parent(controller).string());
  return true;
}

// Where the pids and memory controllers limit runs: the controller's own
// version 1 hierarchy ("pids", "memory") where the machine mounts one, else
// the version 2 hierarchy's folder when the controller is enabled there for
// the grader's runs; empty when neither.
struct ControllerHomes {
  std::optional<std::string> pids;
  std::optional<std::string> memory;
};

ControllerHomes& controller_homes() {
  static ControllerHomes homes;
  return homes;
}

// " (v2)" for a controller that limits runs from the version 2 hierarchy,
// "" for one of version 1 (named `v1`).
std::string cgroup_version(const std::optional<std::string>& home, const char* v1) {
  return home && *home != v1 ? " (v2)" : "";
}

// Whether runs' version 2 cgroups (below the grader's parent cgroup in the
// v2 hierarchy `v2`, which probe_cgroup made) get `controller`: it is
// enabled for the parent's children, after being enabled for the root's
// (which systemd does on its machines; elsewhere the grader does it here).
bool probe_v2_controller(const std::string& v2, const char* controller) {
  const fs::path root = fs::path(kCgroupRoot) / v2;
  const auto lists = [](const fs::path& file, const std::string& name) {
    std::ifstream in(file);
    for (std::string word; in >> word;) {
      if (word == name) return true;
    }
    return false;
  };
  if (!lists(root / "cgroup.controllers", controller)) return false;
  const std::string enable = std::string("+") + controller;
  if (!lists(root / "cgroup.subtree_control", controller)) {
    std::ofstream(root / "cgroup.subtree_control") << enable << std::flush;
  }
  std::ofstream(cgroup_parent(v2.c_str()) / "cgroup.subtree_control") << enable << std::flush;
  return lists(cgroup_parent(v2.c_str()) / "cgroup.subtree_control", controller);
}

// Finds where each controller limits runs (see ControllerHomes): version 1
// first, as the kit has always used it, then version 2.
ControllerHomes find_controller_homes(const std::optional<std::string>& v2, bool v2_ready) {
  ControllerHomes homes;
  if (probe_cgroup("pids", "pids.max")) {
    homes.pids = "pids";
  } else if (v2_ready && probe_v2_controller(*v2, "pids")) {
    homes.pids = *v2;
  }
  if (probe_cgroup("memory", "memory.limit_in_bytes")) {
    homes.memory = "memory";
  } else if (v2_ready && probe_v2_controller(*v2, "memory")) {
    homes.memory = *v2;
  }
  return homes;
}

// A per-run cgroup of one hierarchy (a v1 controller's, or the v2 one),
// with its limits set. Removed, with anything still in it killed, on
// destruction.
class RunCgroup {
 public:
  RunCgroup(const char* controller,
            const std::vector<std::pair<std::string, std::string>>& limits) {
    static std::atomic<unsigned> counter{0};
    path_ = cgroup_parent(controller) / ("run-" + std::to_string(counter++));
    std::error_code ec;
    fs::create_directory(path_, ec);
    if (ec) {
      path_.clear();
      return;
    }
    for (const auto& [file, value] : limits) std::ofstream(path_ / file) << value;
  }
  ~RunCgroup() {
    if (!path_.empty()) kill_and_remove_cgroup(path_);
  }
  RunCgroup(const RunCgroup&) = delete;
  RunCgroup& operator=(const RunCgroup&) = delete;
  bool active() const { return !path_.empty(); }
  void add(pid_t pid) const { std::ofstream(path_ / "cgroup.procs") << pid; }
  // Kills every process in the cgroup at once (version 2 only).
  void kill_all() const { std::ofstream(path_ / "cgroup.kill") << "1"; }
  // The value of `key` in a "key value" file of the cgroup (0 if absent).
  long long read_key(const std::string& file, const std::string& key) const {
    std::ifstream in(path_ / file);
    std::string name;
    long long value = 0;
    while (in >> name >> value) {
      if (name == key) return value;
    }
    return 0;
  }

 private:
  fs::path path_;
};

// The system calls no test needs and a hostile one could use to leave its
// confinement or reach the machine: mounting (and unmounting the run's own
// /proc to see the host's), new namespaces, other processes' memory, kernel
// modules, keys, BPF, clocks, reboot. Each fails with EPERM.
constexpr int kDeniedCalls[] = {
    SCMP_SYS(mount),
    SCMP_SYS(umount2),
    SCMP_SYS(pivot_root),
    SCMP_SYS(chroot),
    SCMP_SYS(setns),
    SCMP_SYS(unshare),
    SCMP_SYS(process_vm_readv),
    SCMP_SYS(process_vm_writev),
    SCMP_SYS(kcmp),
    SCMP_SYS(kexec_load),
    SCMP_SYS(kexec_file_load),
    SCMP_SYS(init_module),
    SCMP_SYS(finit_module),
    SCMP_SYS(delete_module),
    SCMP_SYS(reboot),
    SCMP_SYS(swapon),
    SCMP_SYS(swapoff),
    SCMP_SYS(acct),
    SCMP_SYS(bpf),
    SCMP_SYS(perf_event_open),
    SCMP_SYS(userfaultfd),
    SCMP_SYS(keyctl),
    SCMP_SYS(add_key),
    SCMP_SYS(request_key),
    SCMP_SYS(open_by_handle_at),
    SCMP_SYS(name_to_handle_at),
    SCMP_SYS(fsopen),
    SCMP_SYS(fsconfig),
    SCMP_SYS(fsmount),
    SCMP_SYS(fspick),
    SCMP_SYS(move_mount),
    SCMP_SYS(open_tree),
    SCMP_SYS(mount_setattr),
    SCMP_SYS(settimeofday),
    SCMP_SYS(clock_settime),
    SCMP_SYS(clock_adjtime),
    SCMP_SYS(adjtimex),
    SCMP_SYS(sethostname),
    SCMP_SYS(setdomainname),
    SCMP_SYS(iopl),
    SCMP_SYS(ioperm),
    SCMP_SYS(quotactl),
    SCMP_SYS(io_uring_setup),
    SCMP_SYS(vhangup),
    SCMP_SYS(syslog),
};

// clone() flags that would make a new namespace.
constexpr unsigned long kNamespaceFlags[] = {CLONE_NEWNS,    CLONE_NEWUTS, CLONE_NEWIPC,
                                             CLONE_NEWUSER,  CLONE_NEWPID, CLONE_NEWNET,
                                             CLONE_NEWCGROUP};

// The filter as a classic BPF program, compiled once in the grader (libseccomp
// allocates) and loaded in the run with one prctl(), which is
// async-signal-safe. ptrace stays allowed where `allow_ptrace` (a leak
// check under AddressSanitizer stops the world with it; the kernel then
// limits it to the run's own account or PID namespace). Empty if libseccomp
// cannot build the filter.
const std::vector<sock_filter>& seccomp_program(bool allow_ptrace) {
  static const auto build = [](bool ptrace_allowed) {
    std::vector<sock_filter> program;
    scmp_filter_ctx filter = ::seccomp_init(SCMP_ACT_ALLOW);
    if (filter == nullptr) return program;
    bool ok = ::seccomp_attr_set(filter, SCMP_FLTATR_CTL_NNP, 0) == 0;
    for (int call : kDeniedCalls) {
      ok = ok && ::seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), call, 0) == 0;
    }
    if (!ptrace_allowed) {
      ok = ok && ::seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ptrace), 0) == 0;
    }
    for (unsigned long flag : kNamespaceFlags) {
      ok = ok && ::seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                    SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)) == 0;
    }
    // clone3 passes its flags in memory, out of a filter's reach: ENOSYS
    // makes the C library fall back to clone(), whose flags are checked.
    ok = ok && ::seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) == 0;
    Fd exported(::memfd_create("proctor-seccomp", MFD_CLOEXEC));
    ok = ok && exported.get() >= 0 && ::seccomp_export_bpf(filter, exported.get()) == 0;
    ::seccomp_release(filter);
    struct stat st {};
    if (!ok || ::fstat(exported.get(), &st) != 0 || st.st_size == 0 ||
        st.st_size % sizeof(sock_filter) != 0) {
      return program;
    }
    program.resize(static_cast<std::size_t>(st.st_size) / sizeof(sock_filter));
    if (::pread(exported.get(), program.data(), static_cast<std::size_t>(st.st_size), 0) !=
        st.st_size) {
      program.clear();
    }
    return program;
  };
  static const std::vector<sock_filter> strict = build(false);
  static const std::vector<sock_filter> with_ptrace = build(true);
  return allow_ptrace ? with_ptrace : strict;
}

// Loads a program from seccomp_program(). Async-signal-safe.
bool load_seccomp(const std::vector<sock_filter>& program) {
  sock_fprog fprog{static_cast<unsigned short>(program.size()),
                   const_cast<sock_filter*>(program.data())};
  return !program.empty() && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) == 0;
}

// Whether the filter loads here and stops what it should: a child loads it
// and reads the clock's state with adjtimex, which any account may do
// unfiltered and the filter refuses.
bool probe_seccomp() {
  const auto& program = seccomp_program(false);
  if (program.empty()) return false;
  pid_t child = ::fork();
  if (child < 0) return false;
  if (child == 0) {
    if (!load_seccomp(program)) ::_exit(1);
    timex query{};
    ::_exit(::adjtimex(&query) < 0 && errno == EPERM ? 0 : 1);
  }
  int status = 0;
  wait_retrying(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string read_capped(int fd, size_t cap) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return "";
  const size_t size = static_cast<size_t>(st.st_size);
  auto read_at = [fd](size_t offset, size_t count) {
    std::string data(count, '\0');
    ssize_t n = ::pread(fd, data.data(), count, static_cast<off_t>(offset));
    data.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return data;
  };
  if (size <= cap) return read_at(0, size);
  const size_t half = cap / 2;
  return read_at(0, half) + "\n[... " + std::to_string(size - 2 * half) +
         " bytes of output cut ...]\n" + read_at(size - half, half);
}

int start_logged(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& log,
                 bool own_group);

// Whether the grader can run code as an account of its own choosing: as
// root, where setuid() to an arbitrary uid works, and where that account can
// then reach /tmp (its run folders) and run a program from /bin. A root
// folder closed to others (a chroot made with mktemp -d) forbids both.
bool probe_run_accounts() {
  if (::geteuid() != 0) return false;
  struct stat st {};
  for (const char* dir : {"/", "/tmp"}) {
    if (::stat(dir, &st) != 0 || (st.st_mode & S_IXOTH) == 0) return false;
  }
  pid_t child = ::fork();
  if (child < 0) return false;
  if (child == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(kFirstRunAccount) != 0 ||
        ::setuid(kFirstRunAccount) != 0 || ::getuid() != kFirstRunAccount) {
      ::_exit(1);
    }
    ::execl("/bin/true", "true", static_cast<char*>(nullptr));
    ::_exit(1);
  }
  int status = 0;
  wait_retrying(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// True if a live (not zombie) process has real uid `uid`.
bool account_has_processes(uid_t uid) { return !live_processes_of(uid, uid).empty(); }

// Kills every process of `uid`, wherever it hides (another session, a
// process group of its own, with or without a PID namespace): a helper that
// takes that uid sends SIGKILL to all it may signal, until none is left.
void kill_account(uid_t uid) {
  for (int round = 0; round < 200; ++round) {
    pid_t helper = ::fork();
    if (helper < 0) return;
    if (helper == 0) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(uid) != 0 || ::setuid(uid) != 0) ::_exit(1);
      ::kill(-1, SIGKILL);  // Every process of `uid` but this one.
      ::_exit(0);
    }
    int status = 0;
    wait_retrying(helper, &status, 0);
    if (!account_has_processes(uid)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// The parent of every process, from /proc/PID/stat (this kernel has no
// /proc/PID/task/TID/children lists).
std::unordered_multimap<pid_t, pid_t> children_by_parent() {
  std::unordered_multimap<pid_t, pid_t> children;
  for (pid_t pid : process_ids()) {
    std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    std::getline(stat_file, stat);
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 1));
    char state = 0;
    pid_t parent = 0;
    if (fields >> state >> parent) children.emplace(parent, pid);
  }
  return children;
}

// `root` and every process descended from it, as the kernel sees it now.
std::vector<pid_t> process_tree(pid_t root) {
  const auto children = children_by_parent();
  std::vector<pid_t> tree{root};
  for (std::size_t i = 0; i < tree.size(); ++i) {
    const auto [first, last] = children.equal_range(tree[i]);
    for (auto it = first; it != last; ++it) tree.push_back(it->second);
  }
  return tree;
}

// True once `pid` is stopped, a zombie or gone.
bool stopped_or_gone(pid_t pid) {
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(stat_file, stat)) return true;
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return true;
  const char state = stat[close + 2];
  return state == 'T' || state == 't' || state == 'Z' || state == 'X';
}

// Kills `root` and all its descendants without a PID namespace or an
// account of their own to kill by: the tree is stopped first, walked again
// until no process in it is left running (so nothing can fork while it is
// walked), then killed whole. A process that left the tree before it was
// stopped is out of reach: the run's init is a child subreaper, so orphans
// stay in the tree while it lives.
void kill_tree(pid_t root) {
  std::unordered_set<pid_t> stopped;
  for (int round = 0; round < 1000; ++round) {
    bool more = false;
    for (pid_t pid : process_tree(root)) {
      if (stopped.insert(pid).second) {
        ::kill(pid, SIGSTOP);
        more = true;
      }
    }
    if (!more) break;
    // A stop takes effect when the process next runs: wait for it, or a
    // process may still fork after the walk that missed its child.
    for (pid_t pid : stopped) {
      for (int wait = 0; wait < 100 && !stopped_or_gone(pid); ++wait) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    }
  }
  for (pid_t pid : stopped) ::kill(pid, SIGKILL);
}

// Where the grader keeps one lock file per run account: root's own folder,
// so that no run can reach it.
fs::path account_locks() {
  static const fs::path dir = [] {
    const fs::path path = "/tmp/proctor-accounts";
    ::mkdir(path.c_str(), 0700);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
        (st.st_mode & 077) != 0) {
      throw std::runtime_error(path.string() +
                               " is not a folder of root's alone; remove it and grade again");
    }
    return path;
  }();
  return dir;
}

// The account a run uses, leased for the run's lifetime: a lock file held
// with flock, so that no two runs share one even across grader processes,
// and released by the kernel if the grader dies. Whatever runs under the
// account is killed when it is taken (left by a grader that was killed) and
// when it is given back.
// The ids of the System V IPC objects of one kind ("shm", "sem", "msg")
// whose owner's uid is in [first, last], from /proc/sysvipc (columns found
// by their heading).
std::vector<int> ipc_objects_of(const std::string& kind, uid_t first, uid_t last) {
  std::ifstream table("/proc/sysvipc/" + kind);
  std::string line;
  std::vector<int> found;
  if (!std::getline(table, line)) return found;
  std::istringstream heading(line);
  std::vector<std::string> columns{std::istream_iterator<std::string>(heading), {}};
  const auto column = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(columns.begin(), columns.end(), name) -
                                    columns.begin());
  };
  const std::size_t id_at = column(kind == "msg" ? "msqid" : kind + "id");
  const std::size_t uid_at = column("uid");
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::vector<std::string> row{std::istream_iterator<std::string>(fields), {}};
    if (id_at >= row.size() || uid_at >= row.size()) continue;
    const auto owner = static_cast<uid_t>(std::strtoul(row[uid_at].c_str(), nullptr, 10));
    if (owner >= first && owner <= last) found.push_back(std::atoi(row[id_at].c_str()));
  }
  return found;
}

// The entries at the top of the shared scratch folders whose owner's uid is
// in [first, last].
std::vector<fs::path> scratch_entries_of(uid_t first, uid_t last) {
  std::vector<fs::path> found;
  for (const char* dir : kSharedScratch) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      struct stat st {};
      if (::lstat(entry.path().c_str(), &st) == 0 && st.st_uid >= first && st.st_uid <= last) {
        found.push_back(entry.path());
      }
    }
  }
  return found;
}

// Removes what `uid` left behind outside its run folder: files at the top of
// the shared scratch folders and System V IPC objects, which a run without
// mount and IPC namespaces of its own leaves in the grader's. Called only
// once no process of the account is left to race the removal.
void remove_leftovers_of(uid_t uid) {
  for (const fs::path& path : scratch_entries_of(uid, uid)) {
    std::error_code removal;
    fs::remove_all(path, removal);
  }
  for (int id : ipc_objects_of("shm", uid, uid)) ::shmctl(id, IPC_RMID, nullptr);
  for (int id : ipc_objects_of("sem", uid, uid)) ::semctl(id, 0, IPC_RMID);
  for (int id : ipc_objects_of("msg", uid, uid)) ::msgctl(id, IPC_RMID, nullptr);
}

// The lock files live in this root's /tmp; a grader in another root on the
// same kernel (a chroot or a container sharing the PID namespace) has its
// own. An abstract socket named after the account is seen by every grader
// in the same network namespace, whatever its root, and goes away with the
// process that bound it: without it, each would take the other's live runs
// for a killed grader's leftovers and kill them. A descriptor of the bound
// socket, or -1 when another grader holds the account.
Fd claim_across_roots(uid_t uid) {
  Fd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) throw_errno("socket");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string name = "proctor-account-" + std::to_string(uid);
  name.copy(address.sun_path + 1, sizeof address.sun_path - 2);  // sun_path[0] = 0: abstract.
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&address), size) != 0) {
    if (errno == EADDRINUSE) return Fd();
    throw_errno("bind " + name);
  }
  return sock;
}

class AccountLease {
 public:
  AccountLease() {
    const fs::path dir = account_locks();
    for (unsigned i = 0;; ++i) {
      const uid_t uid = static_cast<uid_t>(kFirstRunAccount + i);
      if (::getpwuid(uid) != nullptr) continue;
      const fs::path lock = dir / std::to_string(uid);
      Fd fd(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
      if (fd.get() < 0) throw_errno("cannot open " + lock.string());
      if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;
      Fd claim = claim_across_roots(uid);
      if (claim.get() < 0) continue;
      uid_ = uid;
      lock_ = std::move(fd);
      claim_ = std::move(claim);
      break;
    }
    // What a killed grader left under the account. Usually nothing: one
    // look at /proc, and the helper process only when something is there.
    if (account_has_processes(uid_)) kill_account(uid_);
    remove_leftovers_of(uid_);
  }
  ~AccountLease() {
    if (account_has_processes(uid_)) kill_account(uid_);
    remove_leftovers_of(uid_);
  }
  AccountLease(const AccountLease&) = delete;
  AccountLease& operator=(const AccountLease&) = delete;
  uid_t uid() const { return uid_; }

 private:
  uid_t uid_ = 0;
  Fd lock_;
  Fd claim_;
};

// True if every folder above `path` lets others through and `path` lets
// others read and run it: what a run account needs to execute it.
bool others_can_run(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & (S_IROTH | S_IXOTH)) != (S_IROTH | S_IXOTH)) {
    return false;
  }
  for (fs::path dir = path.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (::stat(dir.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) return false;
    if (dir == dir.root_path()) break;
  }
  return true;
}

// Gives `uid` the run's folder and what is in it; no other run may look in.
void give_tree(const fs::path& dir, uid_t uid) {
  if (::lchown(dir.c_str(), uid, uid) != 0) throw_errno("chown " + dir.string());
  if (::chmod(dir.c_str(), 0700) != 0) throw_errno("chmod " + dir.string());
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (::lchown(entry.path().c_str(), uid, uid) != 0)
      throw_errno("chown " + entry.path().string());
  }
}

std::atomic<unsigned> run_folders{0};

// Run folders of graders that are gone (killed mid-batch): removed at the
// next start.
void remove_stale_run_folders() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/tmp", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("proctor-runs-", 0) != 0) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + 13));
    struct stat st {};
    if (pid <= 0 || ::lstat(entry.path().c_str(), &st) != 0 || st.st_uid != ::geteuid()) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;
    // Its run folders may still be tmpfs mounts.
    for (const auto& run : fs::directory_iterator(entry.path(), ec)) {
      ::umount2(run.path().c_str(), MNT_DETACH);
    }
    fs::remove_all(entry.path(), ec);
  }
}

// This grader's folder of run folders, made afresh (mkdtemp: no one else's),
// removed at exit. Never destroyed: the exit handler still needs it.
const fs::path& run_folder_base() {
  static const fs::path* base = [] {
    remove_stale_run_folders();
    std::string name = "/tmp/proctor-runs-" + std::to_string(::getpid()) + "-XXXXXX";
    if (::mkdtemp(name.data()) == nullptr) throw_errno("mkdtemp");
    // Runs may pass through to their own folder, not list the others'.
    if (::chmod(name.c_str(), 0711) != 0) throw_errno("chmod " + name);
    auto* path = new fs::path(name);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(run_folder_base(), ec);
    });
    return path;
  }();
  return *base;
}

}  // namespace

RunFolder::RunFolder() {
  path_ = run_folder_base() / ("run-" + std::to_string(run_folders++));
  std::error_code ec;
  fs::remove_all(path_, ec);
  fs::create_directory(path_);
  // A quota on what a run keeps in its folder: a tmpfs of its own, where
  // the grader may mount (root with mount namespaces; not in a container).
  if (::geteuid() == 0 && isolation().hides_paths) {
    const std::string options = "size=" + std::to_string(kScratchSpace) + ",mode=0700";
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0;
  }
}

RunFolder::~RunFolder() {
  if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::vector<pid_t> process_ids() {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return pids;
}

std::vector<std::string> run_account_leftovers() {
  std::vector<std::string> found;
  for (const fs::path& path : scratch_entries_of(kFirstRunAccount, static_cast<uid_t>(-1))) {
    found.push_back(path.string());
  }
  for (const std::string kind : {"shm", "sem", "msg"}) {
    for (int id : ipc_objects_of(kind, kFirstRunAccount, static_cast<uid_t>(-1))) {
      found.push_back("System V " + kind + " " + std::to_string(id));
    }
  }
  return found;
}

std::vector<pid_t> live_processes_of(uid_t first, uid_t last) {
  std::vector<pid_t> found;
  for (pid_t pid : process_ids()) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    bool zombie = false;
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("State:", 0) == 0) zombie = line.find('Z') != std::string::npos;
      if (line.rfind("Uid:", 0) != 0) continue;
      std::istringstream fields(line.substr(4));
      unsigned long real = 0;
      fields >> real;
      if (!zombie && real >= first && real <= last) found.push_back(pid);
      break;
    }
  }
  return found;
}

std::string Exit::describe() const {
  if (timed_out) return "timed out";
  if (exited) return "exit code " + std::to_string(code);
  return "killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
}

std::string Isolation::describe() const {
  std::string out = pid_namespace ? "PID and mount namespace per run"
                                  : "process group per run (no PID namespace)";
  out += network_namespace ? ", own network namespace (loopback only)"
                           : ", network NOT blocked (no network namespace)";
  out += pids_cgroup ? ", pids cgroup limit" + cgroup_version(controller_homes().pids, "pids")
                     : ", no pids cgroup";
  out += memory_cgroup
             ? ", memory cgroup limit" + cgroup_version(controller_homes().memory, "memory")
             : ", no memory cgroup";
  out += kill_cgroup ? ", cgroup v2 kill" : "";
  out += hides_paths ? ", the kit's solutions, hidden tests and other submissions hidden"
                     : ", nothing hidden (no mount namespace)";
  out += run_accounts
             ? ", an unprivileged account per run (uid " + std::to_string(kFirstRunAccount) + " up)"
             : ", no run accounts (runs use the grader's own account; see proctor doctor)";
  out += seccomp ? ", system call filter (no mount, namespaces, ptrace of others)"
                 : ", NO system call filter";
  return out;
}

bool Isolation::has(const std::string& field) const {
  const std::pair<const char*, bool> fields[] = {{"pid_namespace", pid_namespace},
                                                 {"pids_cgroup", pids_cgroup},
                                                 {"memory_cgroup", memory_cgroup},
                                                 {"kill_cgroup", kill_cgroup},
                                                 {"network_namespace", network_namespace},
                                                 {"run_accounts", run_accounts},
                                                 {"hides_paths", hides_paths},
                                                 {"seccomp", seccomp}};
  for (const auto& [name, present] : fields) {
    if (field == name) return present;
  }
  throw std::invalid_argument("no isolation layer is called '" + field + "'");
}

std::vector<std::string> Isolation::below_minimum() const {
  std::vector<std::string> missing;
  if (!run_accounts) {
    missing.push_back(
        "no unprivileged account per run: student code would run as uid " +
        std::to_string(::geteuid()) +
        ", able to write the kit, other submissions and results, with no process limit but a "
        "pids cgroup");
  }
  return missing;
}

std::vector<Isolation::Layer> Isolation::layers() const {
  std::vector<Layer> out{
      {"process group per run, killed at the deadline", true, ""},
      {"unprivileged account per run (uid " + std::to_string(kFirstRunAccount) +
           " up), no capabilities, no new privileges, process limit",
       run_accounts,
       "runs have the grader's own rights (not root, or root where '/' or '/tmp' is closed to "
       "others): they can write the kit, other submissions and results, a fork bomb is "
       "stopped only by a pids cgroup, and processes that leave the process group may outlive "
       "the run"},
      {"PID and mount namespace per run", pid_namespace,
       "a run can see and signal the grader's processes; leftovers are killed by account only"},
      {"network namespace per run (loopback only)", network_namespace,
       "tests can reach the network"},
      {"solutions, hidden tests, other submissions and build outputs hidden; /tmp, /var/tmp "
       "and /dev/shm private to the run, " +
           std::to_string(kScratchSpace >> 20) + " MiB",
       hides_paths,
       "a run can read whatever the run account may read (nothing under /root, for example), "
       "and shares /tmp with the machine, bounded by the file size limit only (what its "
       "account leaves there is removed after it)"},
      {"pids cgroup limit per run" + cgroup_version(controller_homes().pids, "pids"), pids_cgroup,
       "the process limit is RLIMIT_NPROC of the run account alone"},
      {"memory cgroup limit per run" + cgroup_version(controller_homes().memory, "memory"),
       memory_cgroup,
       "memory is limited by address space (RLIMIT_AS) in plain builds only; a sanitizer "
       "build may use all the machine's memory"},
      {"cgroup v2 per run, killed whole (cgroup.kill)", kill_cgroup,
       "the run's tree is stopped and killed by walking /proc, which also holds"},
      {"system call filter (seccomp): no mount or unmount, no new namespaces, no other "
       "process's memory, no modules, keys, BPF or clock changes",
       seccomp,
       "a run with enough rights may unmount its /proc, make namespaces of its own, or read "
       "and write the memory of processes it may trace"},
  };
  for (auto& layer : out) {
    if (layer.present) layer.without.clear();
  }
  return out;
}

namespace {

Isolation& detected_isolation() {
  static Isolation detected = [] {
    Isolation found;
    namespace_flags() = probe_pid_namespace();
    found.pid_namespace = namespace_flags() != -1;
    found.network_namespace = found.pid_namespace && (namespace_flags() & CLONE_NEWNET) != 0;
    const auto v2 = v2_hierarchy();
    const bool v2_ready = v2 && probe_cgroup(v2->c_str(), "cgroup.procs");
    found.kill_cgroup = v2_ready && fs::exists(cgroup_parent(v2->c_str()) / "cgroup.kill");
    controller_homes() = find_controller_homes(v2, v2_ready);
    found.pids_cgroup = controller_homes().pids.has_value();
    found.memory_cgroup = controller_homes().memory.has_value();
    found.run_accounts = probe_run_accounts();
    found.hides_paths = found.pid_namespace;
    found.seccomp = probe_seccomp();
    return found;
  }();
  return detected;
}

}  // namespace

const Isolation& isolation() { return detected_isolation(); }

void restrict_isolation(const Isolation& at_most) {
  Isolation& layers = detected_isolation();
  layers.pid_namespace = layers.pid_namespace && at_most.pid_namespace;
  layers.network_namespace =
      layers.network_namespace && at_most.network_namespace && layers.pid_namespace;
  layers.hides_paths = layers.hides_paths && at_most.hides_paths && layers.pid_namespace;
  layers.pids_cgroup = layers.pids_cgroup && at_most.pids_cgroup;
  layers.memory_cgroup = layers.memory_cgroup && at_most.memory_cgroup;
  layers.kill_cgroup = layers.kill_cgroup && at_most.kill_cgroup;
  layers.run_accounts = layers.run_accounts && at_most.run_accounts;
  layers.seccomp = layers.seccomp && at_most.seccomp;
}

Exit run_logged(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& log) {
  return wait_for(start_logged(argv, cwd, log, false));
}

int start_logged(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& log) {
  return start_logged(argv, cwd, log, true);
}

Exit wait_for(int pid) {
  int status = 0;
  wait_retrying(pid, &status, 0);
  return decode(status);
}

std::optional<Exit> try_wait(int pid) {
  int status = 0;
  const pid_t reaped = wait_retrying(pid, &status, WNOHANG);
  if (reaped == 0) return std::nullopt;
  if (reaped < 0) return Exit{};  // Not a child of ours (any more): nothing to wait for.
  return decode(status);
}

namespace {

int start_logged(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& log,
                 bool own_group) {
  Fd out;
  if (!log.empty()) {
    out.reset(::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (out.get() < 0) throw_errno("cannot open '" + log.string() + "'");
  }
  auto args = c_strings(argv);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    if (own_group) ::setpgid(0, 0);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    if (out.get() >= 0) {
      ::dup2(out.get(), STDOUT_FILENO);
      ::dup2(out.get(), STDERR_FILENO);
    }
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  if (own_group) ::setpgid(pid, pid);
  return pid;
}

}  // namespace

std::string run_output(const std::vector<std::string>& argv, const fs::path& cwd,
                       const fs::path& errors) {
  auto [read_end, write_end] = make_pipe();
  Fd error_log;
  if (!errors.empty()) {
    error_log.reset(::open(errors.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (error_log.get() < 0) throw_errno("cannot open '" + errors.string() + "'");
  }
  auto args = c_strings(argv);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::dup2(write_end.get(), STDOUT_FILENO);
    if (error_log.get() >= 0) ::dup2(error_log.get(), STDERR_FILENO);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  write_end.reset();
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  wait_retrying(pid, &status, 0);
  Exit exit = decode(status);
  if (!exit.ok()) {
    throw std::runtime_error("'" + argv[0] + "' failed (" + exit.describe() + ")" +
                             (errors.empty() ? "" : "; see " + errors.string()));
  }
  return out;
}

namespace {

// True if others may read and run the file itself (its folders aside).
bool others_may_run_file(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 &&
         (st.st_mode & (S_IROTH | S_IXOTH)) == (S_IROTH | S_IXOTH);
}

// The program as the run's account can execute it: itself where others may
// run it, otherwise a hard link inside the run's folder (a copy where a link
// cannot be made). The link stays root's: the run owns the folder, never the
// grader's file. With `always`, the link is made even where others may run
// the program in place (its folder is about to be hidden from the run).
// "/proc/self/fd/N" for a descriptor, made without allocating
// (async-signal-safe).
class DescriptorPath {
 public:
  explicit DescriptorPath(int fd) {
    constexpr std::string_view prefix = "/proc/self/fd/";
    char digits[16];
    int count = 0;
    do {
      digits[count++] = static_cast<char>('0' + fd % 10);
      fd /= 10;
    } while (fd > 0 && count < 15);
    std::size_t at = prefix.copy(text_, prefix.size());
    while (count > 0) text_[at++] = digits[--count];
    text_[at] = '\0';
  }
  const char* c_str() const { return text_; }

 private:
  char text_[32];
};

// The folders from /tmp down to `dir` ("/tmp/a", "/tmp/a/b"), or none when
// `dir` is not below /tmp.
std::vector<std::string> folders_below_tmp(const fs::path& dir) {
  const fs::path relative = dir.lexically_normal().lexically_relative("/tmp");
  std::vector<std::string> chain;
  if (relative.empty() || *relative.begin() == ".." || *relative.begin() == ".") return chain;
  fs::path at = "/tmp";
  for (const auto& part : relative) {
    at /= part;
    chain.push_back(at.string());
  }
  return chain;
}

std::string program_for(const std::string& program, const fs::path& cwd, bool always) {
  std::error_code missing;
  if (!fs::is_regular_file(program, missing) || (!always && others_can_run(program))) {
    return program;
  }
  const fs::path local = cwd / ".proctor-program";
  std::error_code ec;
  fs::remove(local, ec);
  fs::create_hard_link(program, local, ec);
  if (ec || !others_may_run_file(local)) {
    fs::remove(local, ec);
    // Copied by a child process: a write descriptor held by the grader would
    // be inherited by the runners other threads fork at the same moment, and
    // exec of the copy would fail with "Text file busy".
    if (!run_logged({"cp", "--", program, local.string()}, "/", "").ok()) {
      throw std::runtime_error("cannot copy '" + program + "' into " + cwd.string());
    }
    fs::permissions(local, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
  }
  return local.string();
}

}  // namespace

Confined run_confined(const std::vector<std::string>& argv, const Confinement& limits) {
  const Isolation& layers = isolation();
  std::optional<AccountLease> account;
  std::vector<std::string> program = argv;
  if (layers.run_accounts) {
    account.emplace();
    give_tree(limits.cwd, account->uid());
  }
  // What the run must not see, made empty in its mount namespace: folders
  // get an empty read-only tmpfs, files /dev/null.
  std::vector<std::string> hidden_dirs;
  std::vector<std::string> hidden_files;
  const bool hiding = layers.hides_paths && !limits.hide.empty();
  if (hiding) {
    for (const auto& path : limits.hide) {
      // A path inside another hidden one is hidden with it (and no longer
      // there to mount over).
      const bool inside =
          std::any_of(limits.hide.begin(), limits.hide.end(), [&](const auto& other) {
            const auto [end, at] =
                std::mismatch(other.begin(), other.end(), path.begin(), path.end());
            return other != path && end == other.end();
          });
      if (inside) continue;
      std::error_code ec;
      const auto status = fs::symlink_status(path, ec);
      if (fs::is_directory(status)) hidden_dirs.push_back(path.string());
      if (fs::is_regular_file(status)) hidden_files.push_back(path.string());
    }
  }
  // No run may see, let alone change, any cgroup's limits.
  if (layers.hides_paths && fs::is_directory(kCgroupRoot)) hidden_dirs.push_back(kCgroupRoot);
  // A program under /tmp is not there for a run with a /tmp of its own.
  const bool private_scratch = layers.hides_paths && layers.pid_namespace;
  const bool program_in_tmp = !folders_below_tmp(argv.front()).empty();
  if (layers.run_accounts || hiding || (private_scratch && program_in_tmp)) {
    program.front() =
        program_for(argv.front(), limits.cwd, hiding || (private_scratch && program_in_tmp));
  }
  const uid_t uid = account ? account->uid() : 0;
  const rlimit processes{static_cast<rlim_t>(limits.max_processes),
                         static_cast<rlim_t>(limits.max_processes)};
  auto args = c_strings(program);
  auto envp = c_strings(limits.env);
  Fd output(::memfd_create("proctor-output", MFD_CLOEXEC));
  if (output.get() < 0) throw_errno("memfd_create");
  Fd null_in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  auto [go_read, go_write] = make_pipe();
  auto [status_read, status_write] = make_pipe();
  // A cgroup per hierarchy the run needs: each v1 controller's own, and one
  // in the v2 hierarchy for its whole kill and the controllers it holds.
  const ControllerHomes& homes = controller_homes();
  const std::string v2 = v2_hierarchy().value_or("");
  const bool pids_in_v2 = layers.pids_cgroup && homes.pids != "pids";
  const bool memory_in_v2 = layers.memory_cgroup && homes.memory != "memory";
  std::optional<RunCgroup> pids;
  if (layers.pids_cgroup && !pids_in_v2) {
    pids.emplace("pids", std::vector<std::pair<std::string, std::string>>{
                             {"pids.max", std::to_string(limits.max_processes)}});
  }
  std::optional<RunCgroup> memory;
  if (layers.memory_cgroup && !memory_in_v2) {
    memory.emplace("memory", std::vector<std::pair<std::string, std::string>>{
                                 {"memory.limit_in_bytes", std::to_string(limits.max_memory)}});
  }
  std::optional<RunCgroup> whole;
  if (layers.kill_cgroup || pids_in_v2 || memory_in_v2) {
    std::vector<std::pair<std::string, std::string>> v2_limits;
    if (pids_in_v2) v2_limits.emplace_back("pids.max", std::to_string(limits.max_processes));
    if (memory_in_v2) {
      v2_limits.emplace_back("memory.max", std::to_string(limits.max_memory));
      v2_limits.emplace_back("memory.swap.max", "0");  // Where swap is accounted.
    }
    whole.emplace(v2.c_str(), v2_limits);
  }
  const bool memory_limited =
      (memory && memory->active()) || (memory_in_v2 && whole && whole->active());
  // Without a memory cgroup, a limit on address space where the program
  // allows one (sanitizers reserve terabytes they never touch).
  const rlimit address_space{
      limits.max_address_space == 0 || memory_limited ? RLIM_INFINITY : limits.max_address_space,
      limits.max_address_space == 0 || memory_limited ? RLIM_INFINITY : limits.max_address_space};
  const rlimit open_files{kMaxOpenFiles, kMaxOpenFiles};
  const int unshare_flags = !layers.pid_namespace      ? 0
                            : layers.network_namespace ? namespace_flags()
                                                       : namespace_flags() & ~CLONE_NEWNET;
  const std::vector<sock_filter>* filter =
      layers.seccomp ? &seccomp_program(limits.allow_ptrace) : nullptr;
  const rlimit no_core{0, 0};
  const rlimit file_size{limits.max_file_size, limits.max_file_size};
  const auto cpu_seconds =
      static_cast<rlim_t>(limits.max_cpu_seconds > 0
                              ? limits.max_cpu_seconds
                              : std::chrono::ceil<std::chrono::seconds>(limits.deadline).count() *
                                    std::max(1U, std::thread::hardware_concurrency()));
  const rlimit cpu_time{cpu_seconds, cpu_seconds + 1};
  // Where the run has a mount namespace, /tmp, /var/tmp and /dev/shm are one
  // tmpfs of its own, gone when the run ends; its folder, where that is
  // under /tmp, is bound back in at the same place (from a descriptor the
  // run's init holds, since the new /tmp covers the old).
  const std::string scratch_options = "size=" + std::to_string(kScratchSpace) + ",mode=1777";
  const std::vector<std::string> cwd_chain =
      private_scratch ? folders_below_tmp(limits.cwd) : std::vector<std::string>{};
  const std::string cwd_text = limits.cwd.string();

  const auto start = Clock::now();
  pid_t runner = ::fork();
  if (runner < 0) throw_errno("fork");
  if (runner == 0) {
    // Runner: only async-signal-safe calls, the grader has other threads.
    // If the grader dies (killed mid-batch), the runner dies with it, and
    // the run's init (PDEATHSIG below) and everything in its namespace too.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::setpgid(0, 0);
    char go = 0;
    while (::read(go_read.get(), &go, 1) < 0 && errno == EINTR) {
    }
    if (unshare_flags != 0 && ::unshare(unshare_flags) != 0) ::_exit(125);
    pid_t init = ::fork();
    if (init < 0) ::_exit(125);
    if (init == 0) {
      // Init of the run: pid 1 of the namespace where there is one. When it
      // exits, the kernel kills everything left in the namespace.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (unshare_flags == 0) ::prctl(PR_SET_CHILD_SUBREAPER, 1);
      if (unshare_flags != 0 && !mount_own_proc()) ::_exit(125);
      for (const auto& dir : hidden_dirs) {
        if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                    "size=4k,mode=000") != 0) {
          ::_exit(125);
        }
      }
      for (const auto& file : hidden_files) {
        if (::mount("/dev/null", file.c_str(), nullptr, MS_BIND, nullptr) != 0) ::_exit(125);
      }
      if (private_scratch) {
        // Opened in the run's mount namespace: a bind's source must be there.
        const int cwd_fd =
            cwd_chain.empty() ? -1 : ::open(cwd_text.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (!cwd_chain.empty() && cwd_fd < 0) ::_exit(125);
        if (::mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, scratch_options.c_str()) != 0) {
          ::_exit(125);
        }
        for (const char* other : kSharedScratch) {
          if (std::string_view(other) == "/tmp") continue;
          if (::mount("/tmp", other, nullptr, MS_BIND, nullptr) != 0 && errno != ENOENT) {
            ::_exit(125);
          }
        }
        for (const auto& dir : cwd_chain) {
          if (::mkdir(dir.c_str(), 0711) != 0) ::_exit(125);
        }
        if (!cwd_chain.empty()) {
          DescriptorPath source(cwd_fd);
          if (::mount(source.c_str(), cwd_chain.back().c_str(), nullptr, MS_BIND | MS_REC,
                      nullptr) != 0) {
            ::_exit(125);
          }
          ::close(cwd_fd);
        }
      }
      pid_t test = ::fork();
      if (test < 0) ::_exit(125);
      if (test == 0) {
        ::setrlimit(RLIMIT_CORE, &no_core);
        ::setrlimit(RLIMIT_FSIZE, &file_size);
        ::setrlimit(RLIMIT_CPU, &cpu_time);
        ::setrlimit(RLIMIT_NOFILE, &open_files);
        if (address_space.rlim_cur != RLIM_INFINITY) ::setrlimit(RLIMIT_AS, &address_space);
        if (::chdir(limits.cwd.c_str()) != 0) ::_exit(126);
        ::dup2(null_in.get(), STDIN_FILENO);
        ::dup2(output.get(), STDOUT_FILENO);
        ::dup2(output.get(), STDERR_FILENO);
        // Nothing of the grader's reaches the test: every other descriptor
        // is closed, whether or not it was opened close-on-exec.
        if (limits.pass_fd == 3) {
          ::fcntl(3, F_SETFD, 0);
        } else if (limits.pass_fd >= 0) {
          ::dup2(limits.pass_fd, 3);
        }
        ::close_range(limits.pass_fd >= 0 ? 4 : 3, ~0U, 0);
        // The run's own account: no capabilities left after setuid from
        // root, none to gain by exec, and a process limit that holds.
        if (uid != 0 && (::setrlimit(RLIMIT_NPROC, &processes) != 0 ||
                         ::setgroups(0, nullptr) != 0 || ::setgid(uid) != 0 || ::setuid(uid) != 0 ||
                         ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)) {
          ::_exit(125);
        }
        if (filter != nullptr && !load_seccomp(*filter)) ::_exit(125);
        ::execve(args[0], args.data(), envp.data());
        ::_exit(127);
      }
      int status = 0;
      for (;;) {
        int reaped_status = 0;
        pid_t reaped = ::waitpid(-1, &reaped_status, 0);
        if (reaped == test) {
          status = reaped_status;
          break;
        }
        if (reaped < 0 && errno != EINTR) break;
      }
      write_all(status_write.get(), &status, sizeof status);
      // With a PID namespace, everything left dies with this process. Without
      // one, it stays (reaping what it adopts) so that the orphans of the run
      // stay in its tree until the grader has killed the tree whole.
      while (unshare_flags == 0) {
        if (::waitpid(-1, nullptr, 0) < 0 && errno == ECHILD) ::pause();
      }
      ::_exit(0);
    }
    int status = 0;
    while (::waitpid(init, &status, 0) < 0 && errno == EINTR) {
    }
    ::_exit(0);
  }
  ::setpgid(runner, runner);
  if (pids && pids->active()) pids->add(runner);
  if (memory && memory->active()) memory->add(runner);
  if (whole && whole->active()) whole->add(runner);
  write_all(go_write.get(), "g", 1);
  go_write.reset();
  status_write.reset();

  Confined result;
  // The run's init reports the test's status through the pipe once the
  // test has ended; end of file means it died before it could.
  const auto deadline = start + limits.deadline;
  bool reported = false;
  int status = 0;
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      result.exit.timed_out = true;
      break;
    }
    pollfd ready{status_read.get(), POLLIN, 0};
    const int n = ::poll(&ready, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) throw_errno("poll");
    if (n <= 0) continue;
    ssize_t got = 0;
    while ((got = ::read(status_read.get(), &status, sizeof status)) < 0 && errno == EINTR) {
    }
    reported = got == sizeof status;
    break;
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  // Runner and init go, and the namespace with init; without a namespace,
  // init's whole tree, wherever in it a process hides.
  if (layers.kill_cgroup && whole && whole->active()) whole->kill_all();
  if (unshare_flags != 0) {
    ::kill(-runner, SIGKILL);
  } else {
    kill_tree(runner);
  }
  int runner_status = 0;
  wait_retrying(runner, &runner_status, 0);
  if (memory && memory->active()) {
    result.out_of_memory = memory->read_key("memory.oom_control", "oom_kill") > 0;
  } else if (memory_in_v2 && whole && whole->active()) {
    result.out_of_memory = whole->read_key("memory.events", "oom_kill") > 0;
  }
  pids.reset();  // Kill whatever is still in the cgroups and remove them.
  memory.reset();
  whole.reset();
  account.reset();  // Kills whatever still runs under the run's account.
  if (!result.exit.timed_out) {
    if (reported) {
      result.exit = decode(status);
    } else {
      result.exit.signal = SIGKILL;  // The run's init died before reporting.
    }
  }
  result.output = read_capped(output.get(), limits.output_cap);
  return result;
}

}  // namespace proctor
