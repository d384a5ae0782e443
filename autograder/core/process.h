#pragma once

/// @file
/// @brief Running commands: trusted tools (Bazel) and untrusted test binaries.
/// @ingroup grader

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace proctor {

/// How a finished command ended.
struct Exit {
  /// Normal exit (as opposed to death by a signal).
  bool exited = false;
  /// Exit code when `exited`.
  int code = 0;
  /// Killing signal when not `exited`.
  int signal = 0;
  /// The command did not finish in time; its whole process tree was killed.
  bool timed_out = false;

  /// Exited normally with code 0.
  bool ok() const { return exited && code == 0 && !timed_out; }
  /// "exit code 3", "killed by signal 11 (Segmentation fault)", "timed out after 30 s".
  std::string describe() const;
};

/// A trusted command: runs `argv` in `cwd`, sends stdout and stderr to
/// `log` (truncated first; an empty path keeps the caller's streams), and
/// waits for it without a deadline.
/// @throws std::system_error if the command cannot be started.
Exit run_logged(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                const std::filesystem::path& log);

/// Starts a trusted command like run_logged() without waiting for it, in a
/// process group of its own (so that a caller can stop it and its children
/// with one signal). @return Its pid, to pass to wait_for().
/// @throws std::system_error if the command cannot be started.
int start_logged(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                 const std::filesystem::path& log);

/// Waits for a command started by start_logged() and says how it ended.
Exit wait_for(int pid);

/// How a command started by start_logged() ended, or nothing while it runs.
std::optional<Exit> try_wait(int pid);

/// A trusted command whose standard output is returned; its standard error
/// goes to `errors` (an empty path keeps the caller's).
/// @throws std::runtime_error if it cannot start or does not exit with 0.
std::string run_output(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                       const std::filesystem::path& errors = {});

/// The pid of every process the grader can see in /proc.
std::vector<pid_t> process_ids();

/// What run accounts left outside their run folders, one line each: files
/// at the top of /tmp, /var/tmp and /dev/shm, and System V IPC objects.
/// Empty once every run has ended and been cleaned up.
std::vector<std::string> run_account_leftovers();

/// The live (not zombie) processes whose real uid is in [first, last].
std::vector<pid_t> live_processes_of(uid_t first, uid_t last);

/// Limits and environment for an untrusted run.
struct Confinement {
  /// Wall-clock deadline for the whole process tree.
  std::chrono::milliseconds deadline{30'000};
  /// At most this many bytes of output are kept (head and tail).
  std::size_t output_cap = 64 * 1024;
  /// Largest file any process may write (RLIMIT_FSIZE).
  std::size_t max_file_size = 64u << 20;
  /// Processor time of each process, in seconds (RLIMIT_CPU: SIGXCPU, then
  /// SIGKILL a second later); 0 for the deadline's seconds times the
  /// machine's cores, which only a process the wall-clock watch missed can
  /// reach.
  int max_cpu_seconds = 0;
  /// Most processes (and threads) alive at once: the pids cgroup's limit
  /// where there is one, and RLIMIT_NPROC of the run's own account.
  int max_processes = 256;
  /// Most memory the whole run may use: a memory cgroup's limit (v1).
  std::size_t max_memory = std::size_t{2} << 30;
  /// Where there is no memory cgroup, the address-space limit of each
  /// process (RLIMIT_AS); 0 for none, as sanitizer builds need (they reserve
  /// far more address space than they use).
  std::size_t max_address_space = 0;
  /// Working directory: inside a RunFolder (where the run's account can
  /// reach it), created by the caller. The run gets to own what is in it.
  std::filesystem::path cwd;
  /// The complete environment (nothing is inherited).
  std::vector<std::string> env;
  /// Folders and files the run must not see (solutions, hidden tests, other
  /// submissions, build outputs): empty to it, where it has a mount
  /// namespace. The program itself is run from a link in `cwd` then.
  std::vector<std::filesystem::path> hide;
  /// Lets the run use ptrace(), which the system call filter otherwise
  /// refuses: AddressSanitizer's leak check stops the world with it. The
  /// kernel still limits it to the run's own account or PID namespace.
  bool allow_ptrace = false;
  /// A descriptor of the grader's the run gets as descriptor 3 (every other
  /// one is closed), or -1: the channel its report comes back through.
  int pass_fd = -1;
};

/// What an untrusted run produced.
struct Confined {
  Exit exit;
  /// Combined stdout and stderr, capped (a note marks what was cut).
  std::string output;
  /// Wall time in seconds.
  double seconds = 0;
  /// The memory cgroup's limit was reached and a process was killed for it.
  bool out_of_memory = false;
};

/// Which isolation layers this machine allows, detected once.
struct Isolation {
  /// A new PID namespace per run: everything left when the run ends dies.
  bool pid_namespace = false;
  /// A pids cgroup limiting how many processes a run may have: the v1
  /// controller where the machine mounts it, else the v2 one (pids.max).
  bool pids_cgroup = false;
  /// A memory cgroup limiting how much memory a run may use: the v1
  /// controller where the machine mounts it, else the v2 one (memory.max).
  bool memory_cgroup = false;
  /// A cgroup (v2) per run that the grader kills whole with cgroup.kill,
  /// forks in flight included, before it walks the tree.
  bool kill_cgroup = false;
  /// A new network namespace per run with only loopback: no network.
  bool network_namespace = false;
  /// Each run in flight has an unprivileged account of its own (uid and gid
  /// from kFirstRunAccount up), with no capabilities and no new privileges:
  /// RLIMIT_NPROC holds, the kit is read-only to it, and everything it
  /// started is killed by account when it ends, PID namespace or not.
  bool run_accounts = false;
  /// Confinement::hide is honoured (a mount namespace per run).
  bool hides_paths = false;
  /// A seccomp filter: no mount or unmount, no new namespaces, no access to
  /// other processes' memory, no kernel modules, keys, BPF or clock changes.
  bool seccomp = false;
  /// One line for reports and selftest.
  std::string describe() const;

  /// What this machine lacks of the minimum the kit grades students under
  /// (the whole-tree kill it always has; an unprivileged account per run,
  /// which brings the process limit and a kit the run cannot write), one
  /// line per missing layer. Empty when the minimum holds.
  std::vector<std::string> below_minimum() const;

  /// One isolation layer, for `proctor doctor`.
  struct Layer {
    /// What the layer is.
    std::string name;
    /// Whether this machine gives it.
    bool present = false;
    /// What a run can do without it (empty when present).
    std::string without;
  };
  /// Every layer, present or not, in the order runs get them.
  std::vector<Layer> layers() const;

  /// Whether the layer with this field name ("pid_namespace",
  /// "hides_paths", ...) is present. @throws std::invalid_argument for a
  /// name that is no layer.
  bool has(const std::string& field) const;
};

/// Detects the isolation layers available (cached after the first call).
const Isolation& isolation();

/// Turns off, for the rest of this process, every layer that `at_most` lacks
/// (never turns one on): how the kit's tests see runs on a machine without
/// them, such as a container. Call it before any run starts.
void restrict_isolation(const Isolation& at_most);

/// The first uid (and gid) of the accounts untrusted runs use; uids with an
/// entry in the password database are skipped.
constexpr unsigned kFirstRunAccount = 2'100'000'000;

/// Bytes a run may keep in its scratch space: its own folder (a RunFolder),
/// and /tmp, /var/tmp and /dev/shm, which are one private tmpfs of this size
/// per run where runs get a mount namespace.
constexpr std::size_t kScratchSpace = std::size_t{256} << 20;

/// An empty folder for one confined run under `/tmp/proctor-runs-XXXXXX/`,
/// where an unprivileged account can reach it (a kit under /root cannot be
/// reached). Where the grader may mount, the folder is a tmpfs of
/// kScratchSpace bytes, so a run cannot fill the disk through it. Removed,
/// with all in it, on destruction.
class RunFolder {
 public:
  RunFolder();
  ~RunFolder();
  RunFolder(const RunFolder&) = delete;
  RunFolder& operator=(const RunFolder&) = delete;
  /// The folder.
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool mounted_ = false;
};

/// Runs an untrusted program under `limits`: its own process group and, where
/// the machine allows, its own unprivileged account, PID, mount and network
/// namespace (loopback only), IPC namespace and pids cgroup; private /tmp,
/// /var/tmp and /dev/shm of kScratchSpace bytes where it has a mount
/// namespace; no descriptor of the grader's; core dumps off; file size and
/// processor time limited; the whole tree killed at the deadline and when the main
/// process ends. Safe to call from several threads at once.
/// @throws std::system_error only when the grader itself cannot fork or pipe.
Confined run_confined(const std::vector<std::string>& argv, const Confinement& limits);

}  // namespace proctor
