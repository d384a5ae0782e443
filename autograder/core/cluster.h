#pragma once

/// @file
/// @brief Grading beyond one machine on engines courses already run: a
/// shared Bazel cache served by Debian's nginx (WebDAV), and Slurm array
/// jobs, one task per part of the class (`grade --shard`), then a merge.
/// @ingroup grader

#include <filesystem>
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

/// `text` quoted for a POSIX shell: itself when it is made of safe
/// characters only, else in single quotes.
std::string shell_quote(const std::string& text);

}  // namespace proctor
