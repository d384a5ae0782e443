#pragma once

/// @file
/// @brief Driving Bazel: one invocation builds many targets, results per target.
/// @ingroup grader

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "autograder/core/lab.h"

namespace proctor {

/// Limits on compiling submissions: a compiler process working on a file of
/// a submission (a path under `packages_under`) past either limit is killed,
/// so that its target fails and the rest of the batch builds on. What a
/// compile-time loop or a template explosion gets.
struct CompileLimits {
  /// Where the submissions' packages are, relative to the workspace, for
  /// example ".proctor/stage/"; empty means no limit.
  std::string packages_under;
  /// Longest any one compiler process may run.
  std::chrono::seconds time{120};
  /// Most resident memory any one compiler process may use.
  std::size_t memory = std::size_t{2} << 30;
};

/// What a `bazel build --keep_going` said about each requested target.
struct BuildResult {
  /// Label -> built successfully.
  std::map<std::string, bool> built;
  /// Label -> compiler or linker errors of the failed actions behind it.
  std::map<std::string, std::string> errors;
  /// Where Bazel's own console output went.
  std::filesystem::path log;
  /// Package -> why its compiler was stopped (CompileLimits).
  std::map<std::string, std::string> stopped;
};

/// Where builds run and what they share beyond this machine: Bazel's own
/// remote caching and remote execution (REAPI), passed through unchanged.
/// Test runs never leave the grader's machine: with a remote executor the
/// binaries are built there and downloaded, then run under the grader's
/// sandbox here.
struct RemoteBuild {
  /// `--remote_cache`: an HTTP(S) cache (nginx with WebDAV, `proctor
  /// cache-server`) or a gRPC one; empty for none.
  std::string cache;
  /// `--remote_executor`: a REAPI endpoint (Buildbarn, BuildBuddy,
  /// BuildGrid); empty to build on this machine.
  std::string executor;
  /// `--remote_instance_name`, for servers that host several instances.
  std::string instance_name;

  /// True when nothing is set: builds stay on this machine.
  bool empty() const { return cache.empty() && executor.empty() && instance_name.empty(); }
  /// The Bazel flags, in a fixed order. With a remote cache or executor the
  /// kit's local disk cache is turned off (`--disk_cache=`): Bazel 4.2
  /// refuses remote execution beside it, and a build then has one cache,
  /// shared, whose hits Bazel counts as "remote cache hit".
  std::vector<std::string> flags() const;
  /// Checks the settings: URLs with a scheme Bazel accepts (http, https,
  /// grpc, grpcs; an executor only grpc or grpcs) and a host, no blanks, an
  /// instance name only beside a cache or an executor.
  /// @throws std::invalid_argument naming the flag and what is wrong.
  void validate() const;
};

/// A Bazel workspace, driven through the `bazel` command.
class Bazel {
 public:
  /// @param workspace The folder holding WORKSPACE.
  /// @param scratch A folder for logs and build event files.
  /// @param remote Remote cache and execution for every build and query.
  Bazel(std::filesystem::path workspace, std::filesystem::path scratch, RemoteBuild remote = {});

  /// The command line build() runs for `targets` in `config`, its build
  /// events going to `events`.
  std::vector<std::string> build_command(const std::vector<std::string>& targets,
                                         const Config& config,
                                         const std::filesystem::path& events) const;

  /// The command line bin_dir() runs for `config`.
  std::vector<std::string> bin_dir_command(const Config& config) const;

  /// Builds `targets` in `config` ("plain" or a .bazelrc config name),
  /// continuing past failures. Never throws for a failed target.
  /// @throws std::runtime_error if Bazel itself cannot run.
  BuildResult build(const std::vector<std::string>& targets, const Config& config,
                    const CompileLimits& limits = {});

  /// The folder holding built binaries for `config` (`bazel info bazel-bin`).
  std::filesystem::path bin_dir(const Config& config);

  /// The folder of Bazel's output bases: the parent of this workspace's
  /// (`bazel info output_base`; Bazel 4.2 has no key for the folder itself).
  /// @throws std::runtime_error if Bazel cannot say.
  std::filesystem::path output_user_root();

  /// The `--config=` flags for `config` (none for "plain").
  static std::vector<std::string> config_flags(const Config& config);

 private:
  std::filesystem::path workspace_;
  std::filesystem::path scratch_;
  RemoteBuild remote_;
  std::map<Config, std::filesystem::path> bin_dirs_;
  int invocation_ = 0;
};

/// Keeps the lines of a compiler log that matter to a student: errors first,
/// with their context, at most `max_lines`; paths under `strip` are shortened.
std::string first_errors(const std::string& log, const std::string& strip, int max_lines = 40);

/// A compiler log with every diagnostic about a file under one of
/// `secret_prefixes` (hidden tests, solutions, other submissions' staged
/// packages) cut, with its quoted source lines and notes; one line says how
/// many were cut. Paths under `own` are never cut: the student's own files.
std::string without_secret_sources(const std::string& log,
                                   const std::vector<std::string>& secret_prefixes,
                                   const std::string& own);

}  // namespace proctor
