#include "autograder/core/cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "autograder/core/files.h"
#include "autograder/core/process.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;

std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

// The `#SBATCH` lines both scripts share.
std::string sbatch_header(const SlurmJob& job, const std::string& name, const std::string& log) {
  std::string out = "#!/bin/bash\n";
  out += "#SBATCH --job-name=" + name + "\n";
  out += "#SBATCH --output=" + (job.slurm_dir() / log).string() + "\n";
  if (!job.partition.empty()) out += "#SBATCH --partition=" + job.partition + "\n";
  return out;
}

}  // namespace

std::string shell_quote(const std::string& text) {
  const bool safe = !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || std::strchr("@%+=:,./_-", c) != nullptr;
  });
  if (safe) return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string cache_server_config(const fs::path& dir, int port, const std::string& user) {
  const std::string base = dir.string();
  std::string out;
  out += "# A Bazel HTTP cache: written by `proctor cache-server`, rewritten at every start.\n";
  if (!user.empty()) out += "user " + user + ";\n";
  out += "worker_processes auto;\n";
  out += "pid " + base + "/nginx.pid;\n";
  out += "error_log stderr warn;\n";
  out += "events { worker_connections 1024; }\n";
  out += "http {\n";
  // Each request, with its status: how an instructor sees the hit rate
  // (GET 200 a hit, GET 404 a miss, PUT an upload).
  out += "  access_log " + base + "/access.log;\n";
  for (const char* kind : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    out += "  " + std::string(kind) + "_temp_path " + base + "/tmp/" + kind + ";\n";
  }
  out += "  server {\n";
  out += "    listen " + std::to_string(port) + ";\n";
  out += "    root " + base + "/data;\n";
  // Bazel stores action results under ac/ and outputs under cas/, by digest:
  // PUT creates them, GET and HEAD read them. Nothing else is allowed.
  out += "    client_max_body_size 2g;\n";
  out += "    location / {\n";
  out += "      dav_methods PUT;\n";
  out += "      create_full_put_path on;\n";
  out += "      dav_access user:rw group:r all:r;\n";
  out += "      limit_except GET PUT { deny all; }\n";
  out += "    }\n";
  out += "  }\n";
  out += "}\n";
  return out;
}

void check_port_free(int port) {
  if (port < 1 || port > 65535) {
    throw std::invalid_argument("--port " + std::to_string(port) + " is not a port (1 to 65535)");
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::runtime_error(std::string("cannot make a socket: ") + std::strerror(errno));
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // As nginx binds.
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  const int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  const int error = errno;
  ::close(fd);
  if (bound == 0) return;
  if (error == EADDRINUSE) {
    throw std::runtime_error("port " + std::to_string(port) +
                             " is taken (another cache server, or another program); choose "
                             "another with --port, or use the server already there");
  }
  throw std::runtime_error("cannot listen on port " + std::to_string(port) + ": " +
                           std::strerror(error) +
                           (port < 1024 ? " (ports below 1024 need root)" : ""));
}

void exec_cache_server(const fs::path& dir, int port) {
  check_port_free(port);
  const fs::path base = fs::absolute(dir).lexically_normal();
  for (const char* sub : {"data", "tmp"}) fs::create_directories(base / sub);
  // Started by root, nginx's workers drop to an account of their own; that
  // account must be able to write the cache.
  std::string user;
  if (::geteuid() == 0) {
    const passwd* account = ::getpwnam("www-data");
    if (account == nullptr) account = ::getpwnam("nobody");
    if (account == nullptr) throw std::runtime_error("no www-data or nobody account for nginx");
    user = account->pw_name;
    // The workers must reach the folder: every folder above it open to
    // other accounts (or theirs).
    for (fs::path up = base; !up.empty(); up = up.parent_path()) {
      struct stat info {};
      if (::stat(up.c_str(), &info) == 0 && (info.st_mode & S_IXOTH) == 0 &&
          info.st_uid != account->pw_uid) {
        throw std::runtime_error("nginx's workers run as " + user + ", who cannot reach " +
                                 base.string() + ": " + up.string() +
                                 " is closed to other accounts; choose --dir under /srv or "
                                 "/var/cache");
      }
      if (up == up.root_path()) break;
    }
    // What nginx stores below them is its workers' already.
    for (const char* sub : {"data", "tmp"}) {
      if (::chown((base / sub).c_str(), account->pw_uid, account->pw_gid) != 0) {
        throw std::runtime_error("cannot give " + (base / sub).string() + " to " + user + ": " +
                                 std::strerror(errno));
      }
    }
  }
  const fs::path config = base / "nginx.conf";
  write_atomically(config, cache_server_config(base, port, user));
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  std::cout << "Bazel cache on port " << port << ", stored in " << (base / "data").string()
            << "\nGraders use it with: --remote-cache http://" << host << ":" << port
            << "\nIt runs until Ctrl-C or SIGTERM; the folder keeps what was stored (it is not "
               "trimmed: remove it to start afresh).\n"
            << std::flush;
  const std::string config_arg = config.string();
  const std::string prefix = base.string() + "/";
  std::vector<const char*> argv{"nginx", "-p",          prefix.c_str(), "-c", config_arg.c_str(),
                                "-g",    "daemon off;", nullptr};
  ::execvp("nginx", const_cast<char* const*>(argv.data()));
  const int error = errno;
  // nginx lives in /usr/sbin, which an account's PATH may lack.
  ::execv("/usr/sbin/nginx", const_cast<char* const*>(argv.data()));
  throw std::runtime_error(std::string("cannot run nginx: ") + std::strerror(error) +
                           " (the kit installs Debian's nginx-light: run ./proctor cache-server)");
}

Daemon::Daemon(const std::vector<std::string>& argv, const fs::path& log)
    : pid_(start_logged(argv, "/", log)), name_(argv.front()) {}

bool Daemon::running() {
  if (stopped_) return false;
  if (try_wait(pid_)) stopped_ = true;
  return !stopped_;
}

void Daemon::stop() {
  if (stopped_) return;
  ::kill(-pid_, SIGTERM);
  for (int tick = 0; tick < 100; ++tick) {  // 10 s to shut down cleanly.
    if (try_wait(pid_)) {
      stopped_ = true;
      ::kill(-pid_, SIGKILL);  // Anything it left in its group.
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(-pid_, SIGKILL);
  wait_for(pid_);
  stopped_ = true;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("the kernel gives no free port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

namespace {

std::string local_slurm_conf(const fs::path& dir, const std::string& host, int controller, int node,
                             int cpus) {
  const std::string base = dir.string();
  std::ostringstream out;
  out << "# A one-node cluster on this machine: written by proctor, rewritten at every start.\n"
      << "ClusterName=proctor\nSlurmctldHost=" << host << "(127.0.0.1)\n"
      << "SlurmUser=root\nSlurmdUser=root\n"
      << "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=" << base
      << "/munge/munge.sock\n"
      << "SlurmctldPort=" << controller << "\nSlurmdPort=" << node << "\n"
      << "StateSaveLocation=" << base << "/state\nSlurmdSpoolDir=" << base << "/spool\n"
      << "SlurmctldPidFile=" << base << "/slurmctld.pid\nSlurmdPidFile=" << base << "/slurmd.pid\n"
      << "SlurmctldLogFile=" << base << "/logs/slurmctld.log\nSlurmdLogFile=" << base
      << "/logs/slurmd.log\n"
      // No cgroups of Slurm's own: the grader makes its runs' cgroups itself.
      << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
      << "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n"
      << "MpiDefault=none\nSchedulerType=sched/backfill\nSelectType=select/cons_tres\n"
      << "SelectTypeParameters=CR_Core\nReturnToService=2\nInactiveLimit=0\nKillWait=10\n"
      << "MinJobAge=300\n"
      // The node offers what the conf says, not what the machine has.
      << "SlurmdParameters=config_overrides\n"
      << "NodeName=" << host << " NodeAddr=127.0.0.1 CPUs=" << cpus << " State=UNKNOWN\n"
      << "PartitionName=grading Nodes=" << host
      << " Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO\n";
  return out.str();
}

}  // namespace

LocalCluster::LocalCluster(const fs::path& dir, int cpus)
    : dir_(fs::absolute(dir).lexically_normal()), conf_(dir_ / "slurm.conf") {
  if (::geteuid() != 0) throw std::runtime_error("a local Slurm cluster needs root");
  std::error_code ec;
  for (const char* sub : {"state", "spool", "logs"}) fs::remove_all(dir_ / sub, ec);
  for (const char* sub : {"munge", "state", "spool", "logs"}) fs::create_directories(dir_ / sub);
  const fs::path logs = dir_ / "logs";
  // munged wants its key private, and its own.
  fs::permissions(dir_ / "munge", fs::perms::owner_all);
  const fs::path key = dir_ / "munge" / "munge.key";
  fs::remove(key, ec);
  {
    std::ofstream out(key, std::ios::binary);
    std::random_device random;
    for (int i = 0; i < 1024; ++i) out.put(static_cast<char>(random()));
  }
  fs::permissions(key, fs::perms::owner_read);
  const std::string socket = (dir_ / "munge" / "munge.sock").string();
  munged_ = std::make_unique<Daemon>(
      std::vector<std::string>{"munged", "--foreground", "--force", "--key-file=" + key.string(),
                               "--socket=" + socket,
                               "--pid-file=" + (dir_ / "munge" / "munged.pid").string(),
                               "--log-file=" + (logs / "munged.log").string(),
                               "--seed-file=" + (dir_ / "munge" / "seed").string()},
      logs / "munged.out");
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string short_host = host;
  short_host = short_host.substr(0, short_host.find('.'));
  const int controller_port = free_port();
  int node_port = free_port();
  while (node_port == controller_port) node_port = free_port();
  write_atomically(conf_, local_slurm_conf(dir_, short_host, controller_port, node_port, cpus));
  for (int tick = 0; tick < 100 && !fs::exists(socket) && munged_->running(); ++tick)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  controller_ = std::make_unique<Daemon>(
      std::vector<std::string>{"slurmctld", "-D", "-f", conf_.string()}, logs / "slurmctld.out");
  node_ = std::make_unique<Daemon>(std::vector<std::string>{"slurmd", "-D", "-f", conf_.string()},
                                   logs / "slurmd.out");
  bool idle = false;
  for (int tick = 0; tick < 60 && !idle; ++tick) {
    for (Daemon* daemon : {munged_.get(), controller_.get(), node_.get()}) {
      if (!daemon->running()) {
        stop();
        throw std::runtime_error(
            daemon->name() + " ended at start: " + last_lines(logs / (daemon->name() + ".out"), 4) +
            "(logs in " + logs.string() + ")");
      }
    }
    idle = ask({"sinfo", "-h", "-o", "%T"}).rfind("idle", 0) == 0;
    if (!idle) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (!idle) {
    stop();
    throw std::runtime_error(
        "the node did not come up in 30 s: " + last_lines(logs / "slurmctld.log", 4) +
        last_lines(logs / "slurmd.log", 4));
  }
}

std::string LocalCluster::ask(std::vector<std::string> argv) const {
  argv.insert(argv.begin(), {"env", "SLURM_CONF=" + conf_.string()});
  try {
    return run_output(argv, dir_, dir_ / "logs" / "commands.log");
  } catch (const std::exception&) {
    return "";
  }
}

std::string LocalCluster::ended() {
  for (Daemon* daemon : {munged_.get(), controller_.get(), node_.get()}) {
    if (daemon != nullptr && !daemon->running()) return daemon->name();
  }
  return "";
}

void LocalCluster::stop() {
  for (auto* daemon : {&node_, &controller_, &munged_}) {
    if (*daemon) (*daemon)->stop();
  }
}

fs::path SlurmJob::part_dir(int index) const { return out / "parts" / std::to_string(index); }
fs::path SlurmJob::merged_dir() const { return out / "class"; }
fs::path SlurmJob::slurm_dir() const { return out / "slurm"; }

std::string slurm_grade_script(const SlurmJob& job) {
  std::string out = sbatch_header(job, "proctor-" + job.lab, "part-%a.log");
  out += "#SBATCH --array=1-" + std::to_string(job.shards) + "\n";
  out += "#SBATCH --cpus-per-task=" + std::to_string(job.cpus_per_task) + "\n";
  out += "#SBATCH --time=" + job.time + "\n";
  out += "# Written by `proctor slurm`: part $SLURM_ARRAY_TASK_ID of " +
         std::to_string(job.shards) + " of the class.\n";
  out += "set -euo pipefail\n";
  out += "cd " + shell_quote(job.kit.string()) + "\n";
  std::string command = "exec ./proctor -j " + std::to_string(job.cpus_per_task) + " grade " +
                        shell_quote(job.lab) + " " + shell_quote(job.class_dir.string()) +
                        " --out " + shell_quote((job.out / "parts").string()) +
                        "/\"$SLURM_ARRAY_TASK_ID\" --shard \"$SLURM_ARRAY_TASK_ID/" +
                        std::to_string(job.shards) + "\"";
  if (!job.remote.cache.empty()) command += " --remote-cache " + shell_quote(job.remote.cache);
  if (!job.remote.executor.empty())
    command += " --remote-executor " + shell_quote(job.remote.executor);
  if (!job.remote.instance_name.empty())
    command += " --remote-instance-name " + shell_quote(job.remote.instance_name);
  if (job.accept_weak_isolation) command += " --accept-weak-isolation";
  return out + command + "\n";
}

std::string slurm_merge_script(const SlurmJob& job) {
  std::string out = sbatch_header(job, "proctor-" + job.lab + "-merge", "merge.log");
  out += "#SBATCH --cpus-per-task=1\n";
  out += "#SBATCH --time=00:30:00\n";
  out += "# Written by `proctor slurm`: runs once every part has ended.\n";
  out += "set -euo pipefail\n";
  out += "cd " + shell_quote(job.kit.string()) + "\n";
  out += "exec ./proctor merge " + shell_quote(job.merged_dir().string());
  for (int index = 1; index <= job.shards; ++index)
    out += " " + shell_quote(job.part_dir(index).string());
  return out + "\n";
}

SlurmSubmission submit_slurm(const SlurmJob& job) {
  if (run_logged({"sh", "-c", "command -v sbatch"}, fs::current_path(), "/dev/null").code != 0) {
    throw std::runtime_error(
        "sbatch is not on PATH: this machine is not a Slurm submit host (--dry-run prints the "
        "scripts instead)");
  }
  fs::create_directories(job.slurm_dir());
  const fs::path grade_script = job.slurm_dir() / "grade.sbatch";
  const fs::path merge_script = job.slurm_dir() / "merge.sbatch";
  write_atomically(grade_script, slurm_grade_script(job));
  write_atomically(merge_script, slurm_merge_script(job));
  const fs::path errors = job.slurm_dir() / "sbatch.log";
  const auto sbatch = [&](std::vector<std::string> argv) {
    try {
      std::string said = trimmed(run_output(argv, job.out, errors));
      // --parsable prints "jobid" or "jobid;cluster".
      return said.substr(0, said.find(';'));
    } catch (const std::exception& e) {
      std::string why = read_file_if_exists(errors).value_or("");
      throw std::runtime_error("sbatch refused the job: " + trimmed(why.empty() ? e.what() : why));
    }
  };
  SlurmSubmission submitted;
  submitted.grade_job = sbatch({"sbatch", "--parsable", grade_script.string()});
  submitted.merge_job =
      sbatch({"sbatch", "--parsable", "--dependency=afterany:" + submitted.grade_job,
              merge_script.string()});
  return submitted;
}

}  // namespace proctor
