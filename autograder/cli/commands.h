#pragma once

/// @file
/// @brief The `proctor` subcommands, each a function returning an exit code:
/// 0 done (graded, whatever the score), 1 could not do it, 2 usage. Each is
/// a thin layer: it calls the library in core/ and prints what it returns.
/// @ingroup grader

#include <filesystem>
#include <string>
#include <vector>

#include "autograder/core/bazel.h"
#include "autograder/core/cluster.h"
#include "autograder/core/lab.h"

namespace proctor::cli {

/// Options common to every command.
struct Common {
  /// Parallel test runs; 0 means the machine's core count.
  int jobs = 0;
};

/// What `proctor grade` was asked to do.
struct GradeRequest {
  /// Lab number or folder name.
  std::string lab;
  /// Submissions, or class folders holding one per student.
  std::vector<std::string> paths;
  /// Results folder; empty means `out/grades/<lab>`.
  std::filesystem::path out;
  /// Grade again submissions whose recorded result still stands.
  bool regrade = false;
  /// Grade even below the kit's minimum isolation (every report says so).
  bool accept_weak_isolation = false;
  /// Grade the one path given as this student, whatever its shape (how the
  /// Gradescope autograder calls it); empty to infer ids from names.
  std::string id;
  /// "I/N": grade part I of N of the class (empty: all of it).
  std::string shard;
  /// Remote cache and execution for the builds.
  RemoteBuild remote;
};

/// `proctor grade LAB SUBMISSION... [--out DIR] [--regrade] [--id ID]
/// [--shard I/N] [--remote-cache URL] [--remote-executor URL]
/// [--remote-instance-name NAME]`.
int grade(const Kit& kit, const GradeRequest& request, const Common& common);

/// `proctor merge OUT PART...`: the results folders of every part of a
/// sharded class joined into one (see merge_shards).
int merge(const Kit& kit, const std::filesystem::path& out,
          const std::vector<std::filesystem::path>& parts);

/// `proctor cache-server [--port P] [--dir D]`: nginx as a Bazel cache, in
/// the foreground.
/// `proctor similar`: code similarity between the submissions of a class,
/// into `out` (default: the `_similarity` folder of the lab's default
/// results folder, which the class page then links).
int similar(const Kit& kit, const std::string& lab, const std::vector<std::string>& paths,
            const std::filesystem::path& out, int threshold);

int cache_server(const std::filesystem::path& dir, int port);

/// `proctor slurm LAB CLASS --out OUT --shards N ...`: writes and submits the
/// array job and its merge, or prints both scripts with `dry_run`.
int slurm(const Kit& kit, SlurmJob job, bool dry_run);

/// `proctor local-cluster [--dir D] [--cpus N]`: a one-node Slurm cluster
/// on this machine (LocalCluster) until Ctrl-C or SIGTERM, to try `proctor
/// slurm` before a real cluster.
int local_cluster(const std::filesystem::path& dir, int cpus);

/// `proctor check LAB`: public tests against the student's own work tree.
int check(const Kit& kit, const std::string& lab, const Common& common);

/// `proctor demo`: grades the bundled sample submissions of every lab.
int demo(const Kit& kit, const std::filesystem::path& out, const Common& common);

/// `proctor selftest`: the checks of core/selftest.h for this kit, one by
/// one (`update_golden` rewrites the samples' golden files instead of
/// comparing: review the diff before committing it); `flake` copies of each
/// lab's correct samples are graded with every core busy (0: not at all). A
/// non-empty `only` runs just the checks whose name contains it.
int selftest(const Kit& kit, bool update_golden, int flake, const std::string& only,
             const Common& common);

/// `proctor pack LAB`: the student's submission archive, checked to build.
int pack(const Kit& kit, const std::string& lab);

/// `proctor release OUT`: the student kit.
int release(const Kit& kit, const std::filesystem::path& out);

/// `proctor export-gradescope LAB OUT.zip`: a Gradescope autograder.
int export_gradescope(const Kit& kit, const std::string& lab, const std::filesystem::path& zip);

/// `proctor bench [--out DIR]`: measures process and thread costs on this
/// machine with Lab 04's harness (the reference solution where the kit has
/// it, otherwise the student's own), prints a table, writes CSV, JSON and
/// plots.
int bench(const Kit& kit, const std::filesystem::path& out);

/// `proctor docs`: builds the Doxygen site (warnings are errors) into
/// out/docs/html and prints where it is.
int docs(const Kit& kit);

/// `proctor doctor`: which isolation layers this machine gives test runs,
/// and what a run can do without each missing one.
int doctor();

/// Prints `proctor: error: <message>` on stderr.
void error(const std::string& message);

}  // namespace proctor::cli
