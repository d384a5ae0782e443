#pragma once

/// @file
/// @brief Grading beyond one machine on engines courses already run: a
/// shared Bazel cache served by Debian's nginx (WebDAV), and Slurm array
/// jobs, one task per part of the class (`grade --shard`), then a merge.
/// @ingroup grader

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "autograder/core/bazel.h"

namespace proctor {

/// The nginx configuration of a Bazel HTTP cache: GET, HEAD and PUT under
/// `dir`/data (Bazel's `ac/` and `cas/`), listening on `port` on every
/// address, its temporary files, pid file and log under `dir`. `user` is
/// the account its workers run as when started by root (empty: nginx's own
/// choice, for a server started by another account).
std::string cache_server_config(const std::filesystem::path& dir, int port,
                                const std::string& user);

/// Throws if nothing can listen on `port` (any address): the port is taken
/// (by another cache server?) or out of range.
/// @throws std::runtime_error naming the port and what to do.
void check_port_free(int port);

/// Runs nginx as a Bazel cache in the foreground, in place of this process
/// (so that Ctrl-C or SIGTERM stops it and nothing is left running): writes
/// its configuration under `dir`, creates the folders, and prints the
/// `--remote-cache` URL to give graders.
/// @throws std::runtime_error if the port is taken, `dir` cannot be made,
///         or nginx is not installed.
[[noreturn]] void exec_cache_server(const std::filesystem::path& dir, int port);

/// A class graded as a Slurm array job: one task per part, then a job that
/// merges the parts once every task has ended.
struct SlurmJob {
  /// The kit checkout, at the same path on every node.
  std::filesystem::path kit;
  /// Lab id, as `proctor grade` takes it.
  std::string lab;
  /// The class folder (one submission per student), seen by every node.
  std::filesystem::path class_dir;
  /// Where parts, merged results and Slurm's logs go (a shared file system).
  std::filesystem::path out;
  /// Array tasks: the class is graded in this many parts.
  int shards = 1;
  /// Cache and execution settings given to every task's builds.
  RemoteBuild remote;
  /// `--partition`; empty for the cluster's default.
  std::string partition;
  /// `--time` of each task, in Slurm's format.
  std::string time = "02:00:00";
  /// `--cpus-per-task`: also the tests each task runs at once.
  int cpus_per_task = 2;
  /// Pass `--accept-weak-isolation` to every task.
  bool accept_weak_isolation = false;

  /// `out`/parts/I: the results folder of part I.
  std::filesystem::path part_dir(int index) const;
  /// `out`/class: the merged results.
  std::filesystem::path merged_dir() const;
  /// `out`/slurm: the scripts and Slurm's logs.
  std::filesystem::path slurm_dir() const;
};

/// The array job's script: `#SBATCH` lines, then `proctor grade` of the part
/// whose number Slurm gives the task (SLURM_ARRAY_TASK_ID).
std::string slurm_grade_script(const SlurmJob& job);

/// The merge job's script: `proctor merge` of every part into merged_dir().
std::string slurm_merge_script(const SlurmJob& job);

/// The job ids sbatch gave.
struct SlurmSubmission {
  std::string grade_job;
  std::string merge_job;
};

/// Writes both scripts into slurm_dir() and submits them: the array job,
/// then the merge job depending on it (`afterany`, so that a part that
/// failed is named by the merge's own error rather than left pending).
/// @throws std::runtime_error if sbatch is missing or refuses a job (its
///         words included).
SlurmSubmission submit_slurm(const SlurmJob& job);

/// A program run in the foreground of a check or command, in a process
/// group of its own: stopped (SIGTERM, then SIGKILL after 10 s, to the
/// whole group) when the object goes, however the caller ends.
class Daemon {
 public:
  /// Starts `argv`, its output to `log`.
  /// @throws std::system_error if it cannot be started.
  Daemon(const std::vector<std::string>& argv, const std::filesystem::path& log);
  ~Daemon() { stop(); }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  /// False once it has ended (by itself or by stop()).
  bool running();
  /// Stops it and everything in its group; waits for it.
  void stop();
  /// The program's name, for messages.
  const std::string& name() const { return name_; }

 private:
  int pid_;
  std::string name_;
  bool stopped_ = false;
};

/// A port nothing on this machine listens on now.
/// @throws std::runtime_error if the kernel gives none.
int free_port();

/// A Slurm cluster of one node on this machine, for trying `proctor slurm`
/// before a real cluster, and for selftest: munged with a key of its own,
/// slurmctld and slurmd from Debian, all in the foreground, configured by
/// a slurm.conf written under `dir` (state, spool, logs and the munge socket
/// there too; free ports). The node offers `cpus` CPUs whatever the machine
/// has, so that that many one-CPU tasks run at once. Jobs run as the
/// submitting account, with no cgroups of Slurm's own. Needs root.
class LocalCluster {
 public:
  /// Starts the three daemons and waits (up to 30 s) for the node to be idle.
  /// @throws std::runtime_error naming the daemon that ended, or the logs'
  ///         last lines when the node does not come up.
  LocalCluster(const std::filesystem::path& dir, int cpus);

  /// Where its slurm.conf is: Slurm's commands find the cluster with
  /// `SLURM_CONF` set to it.
  const std::filesystem::path& conf() const { return conf_; }
  /// Runs a Slurm command (`squeue -h`, ...) against this cluster.
  /// @return Its standard output, or nothing if it failed.
  std::string ask(std::vector<std::string> argv) const;
  /// The daemon that has ended, or empty while all three run.
  std::string ended();
  /// Stops slurmd, slurmctld and munged, in that order.
  void stop();

 private:
  std::filesystem::path dir_;
  std::filesystem::path conf_;
  std::unique_ptr<Daemon> munged_;
  std::unique_ptr<Daemon> controller_;
  std::unique_ptr<Daemon> node_;
};

/// `text` quoted for a POSIX shell: itself when it is made of safe
/// characters only, else in single quotes.
std::string shell_quote(const std::string& text);

}  // namespace proctor
