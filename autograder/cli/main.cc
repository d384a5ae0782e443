// proctor: the kit's command line. Flags are parsed here; the work is done by
// the commands in commands.cc on top of the grading library in core/.

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "autograder/cli/commands.h"

namespace fs = std::filesystem;

namespace {

// The kit is where ./proctor lives (it exports PROCTOR_KIT), or the nearest
// folder above the current one that holds WORKSPACE and labs/.
fs::path find_kit() {
  if (const char* kit = std::getenv("PROCTOR_KIT"); kit != nullptr && *kit != '\0') return kit;
  for (fs::path dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / "WORKSPACE") && fs::is_directory(dir / "labs")) return dir;
    if (dir == dir.root_path()) break;
  }
  return fs::current_path();
}

}  // namespace

int main(int argc, char** argv) {
  // The kit decides which commands exist: a student kit offers only those
  // that work there. A kit that cannot be read is reported after parsing, so
  // that --help still works.
  std::optional<proctor::Kit> kit;
  std::string kit_problem;
  try {
    kit.emplace(find_kit());
  } catch (const std::exception& e) {
    kit_problem = e.what();
  }
  const bool instructor = !kit || kit->edition() == proctor::Edition::instructor;

  CLI::App app{instructor ? "proctor: build, test and grade the processes-and-threads labs"
                          : "proctor: check and pack your work on the processes-and-threads labs"};
  app.require_subcommand(1);
  proctor::cli::Common common;
  app.add_option("-j,--jobs", common.jobs, "test runs in parallel (default: one per core)")
      ->check(CLI::Range(1, 256));

  std::string lab;
  std::string out;
  std::string target;
  proctor::cli::GradeRequest request;
  CLI::App* grade = nullptr;
  CLI::App* release = nullptr;
  CLI::App* gradescope = nullptr;
  CLI::App* demo = nullptr;
  CLI::App* merge = nullptr;
  CLI::App* similar = nullptr;
  int threshold = 50;
  CLI::App* cache_server = nullptr;
  CLI::App* slurm = nullptr;
  CLI::App* local_cluster = nullptr;
  int cpus = 3;
  std::vector<std::string> parts;
  int port = 9090;
  std::string service_dir;
  proctor::SlurmJob slurm_job;
  bool dry_run = false;
  // The remote build flags grade and slurm both take.
  const auto add_remote = [](CLI::App* command, proctor::RemoteBuild& remote) {
    command->add_option("--remote-cache", remote.cache,
                        "a shared Bazel cache for every build (http://HOST:PORT of proctor "
                        "cache-server, or any HTTP or gRPC cache)");
    command->add_option("--remote-executor", remote.executor,
                        "build on a REAPI service (grpc[s]://HOST:PORT: Buildbarn, BuildBuddy, "
                        "BuildGrid); tests still run here, in the grader's sandbox");
    command->add_option("--remote-instance-name", remote.instance_name,
                        "the instance name the remote cache or executor expects");
  };
  if (instructor) {
    grade = app.add_subcommand("grade", "grade submissions (folders, .tar.gz or .zip)");
    grade->add_option("LAB", request.lab, "lab number or folder, e.g. 01 or 01_processes")
        ->required();
    grade
        ->add_option("SUBMISSION", request.paths,
                     "a submission, or a folder holding one per student (named by id)")
        ->required();
    grade->add_option("-o,--out", out, "where results go (default: out/grades/LAB)");
    grade->add_flag("--regrade", request.regrade,
                    "grade again submissions whose recorded result still stands");
    grade->add_option("--id", request.id,
                      "grade the one SUBMISSION given as this student, whatever its shape");
    grade->add_flag("--accept-weak-isolation", request.accept_weak_isolation,
                    "grade even where test runs get less than the kit's minimum isolation "
                    "(see proctor doctor); every report says so");
    grade->add_option("--shard", request.shard,
                      "grade part I of N of the class (I/N, by a hash of each student id), "
                      "for proctor merge");
    add_remote(grade, request.remote);

    merge = app.add_subcommand("merge", "join the results folders of every part of a class");
    merge->add_option("OUT", out, "the merged results folder (new, or an earlier merge)")
        ->required();
    merge->add_option("PART", parts, "the results folder of each part (grade --shard)")->required();

    similar = app.add_subcommand(
        "similar", "rank pairs of submissions by code similarity (sim_c++, skeleton left out)");
    similar->add_option("LAB", lab, "lab number or folder, e.g. 01")->required();
    similar
        ->add_option("CLASS", request.paths,
                     "a folder holding one submission per student (or several submissions)")
        ->required();
    similar->add_option("-o,--out", out,
                        "where the report goes (default: out/grades/LAB/_similarity, linked from "
                        "that folder's class page)");
    similar
        ->add_option("--threshold", threshold,
                     "a pair scoring at least this percentage is suspicious (default 50)")
        ->check(CLI::Range(1, 100));

    cache_server = app.add_subcommand("cache-server",
                                      "serve a shared Bazel cache with nginx, in the foreground");
    cache_server->add_option("--port", port, "port to listen on (default 9090)");
    cache_server->add_option("--dir", service_dir,
                             "where the cache is stored (default: out/cache-server)");

    slurm = app.add_subcommand("slurm",
                               "grade a class as a Slurm array job, one task per part, then merge");
    slurm->add_option("LAB", slurm_job.lab, "lab number or folder, e.g. 01")->required();
    slurm->add_option("CLASS", slurm_job.class_dir, "the class folder, one submission per student")
        ->required();
    slurm->add_option("-o,--out", slurm_job.out, "parts, merged results and logs (shared by nodes)")
        ->required();
    slurm->add_option("--shards", slurm_job.shards, "array tasks: parts of the class")
        ->required()
        ->check(CLI::Range(1, 1000));
    slurm->add_option("--partition", slurm_job.partition,
                      "Slurm partition (default: the cluster's)");
    slurm->add_option("--time", slurm_job.time, "time limit of each task (default 02:00:00)");
    slurm
        ->add_option("--cpus-per-task", slurm_job.cpus_per_task,
                     "cores of each task, and its tests at once (default 2)")
        ->check(CLI::Range(1, 256));
    slurm->add_flag("--accept-weak-isolation", slurm_job.accept_weak_isolation,
                    "passed to every task's grade");
    slurm->add_flag("--dry-run", dry_run, "print the scripts; submit nothing");
    add_remote(slurm, slurm_job.remote);

    local_cluster = app.add_subcommand(
        "local-cluster", "run a one-node Slurm cluster here, to try proctor slurm (needs root)");
    local_cluster->add_option("--dir", service_dir,
                              "its configuration, state and logs (default: out/local-cluster)");
    local_cluster->add_option("--cpus", cpus, "CPUs the node offers (default 3)")
        ->check(CLI::Range(1, 1024));
  }

  auto* check =
      app.add_subcommand("check", "run the public tests on your work and show your score");
  check->add_option("LAB", lab, "lab number or folder, e.g. 01")->required();

  auto* pack = app.add_subcommand("pack", "make your submission archive (checked to build first)");
  pack->add_option("LAB", lab, "lab number or folder, e.g. 01")->required();

  if (instructor) {
    release =
        app.add_subcommand("release", "write the student kit (no solutions, no hidden tests)");
    release->add_option("OUT", target, "an empty or new folder")->required();

    gradescope =
        app.add_subcommand("export-gradescope", "write a Gradescope autograder zip for a lab");
    gradescope->add_option("LAB", lab, "lab number or folder, e.g. 01")->required();
    gradescope->add_option("OUT", target, "the zip to write, e.g. lab01-autograder.zip")
        ->required();
  }

  auto* bench = app.add_subcommand("bench", "measure process and thread costs on this machine");
  bench->add_option("-o,--out", out,
                    "where the table, CSV, JSON and plots go (default: out/bench)");

  auto* docs = app.add_subcommand("docs", "build the documentation site (out/docs/html)");

  auto* doctor =
      app.add_subcommand("doctor", "show which isolation layers this machine gives test runs");

  if (instructor) {
    demo = app.add_subcommand("demo", "grade the bundled sample submissions of every lab");
    demo->add_option("-o,--out", out, "where results go (default: out/demo)");
  }

  auto* selftest = app.add_subcommand(
      "selftest",
      instructor ? "run the kit's tests and check every graded test against reference and skeleton"
                 : "check that the kit builds and every public test fails on the skeletons");
  bool update_golden = false;
  std::string only;
  selftest->add_option("--only", only, "run only the checks whose name contains this text");
  int flake = 1;
  if (instructor) {
    selftest->add_flag("--update-golden", update_golden,
                       "rewrite the samples' golden results (review the diff!)");
    selftest
        ->add_option("--flake", flake,
                     "copies of each lab's reference and correct variants graded with every "
                     "core busy (0 leaves that check out)")
        ->check(CLI::Range(0, 1000));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code() == 0 ? app.exit(e) : (app.exit(e), 2);
  }

  if (!kit) {
    proctor::cli::error(kit_problem);
    return 1;
  }
  try {
    if (grade != nullptr && *grade) {
      request.out = out;
      return proctor::cli::grade(*kit, request, common);
    }
    if (merge != nullptr && *merge) {
      return proctor::cli::merge(*kit, out, std::vector<fs::path>(parts.begin(), parts.end()));
    }
    if (similar != nullptr && *similar) {
      return proctor::cli::similar(*kit, lab, request.paths, out, threshold);
    }
    if (cache_server != nullptr && *cache_server) {
      return proctor::cli::cache_server(
          service_dir.empty() ? kit->root() / "out" / "cache-server" : fs::path(service_dir), port);
    }
    if (slurm != nullptr && *slurm) return proctor::cli::slurm(*kit, slurm_job, dry_run);
    if (local_cluster != nullptr && *local_cluster) {
      return proctor::cli::local_cluster(
          service_dir.empty() ? kit->root() / "out" / "local-cluster" : fs::path(service_dir),
          cpus);
    }
    if (*check) return proctor::cli::check(*kit, lab, common);
    if (*docs) return proctor::cli::docs(*kit);
    if (*doctor) return proctor::cli::doctor();
    if (*bench) {
      return proctor::cli::bench(*kit, out.empty() ? kit->root() / "out" / "bench" : fs::path(out));
    }
    if (*pack) return proctor::cli::pack(*kit, lab);
    if (release != nullptr && *release) return proctor::cli::release(*kit, target);
    if (gradescope != nullptr && *gradescope)
      return proctor::cli::export_gradescope(*kit, lab, target);
    if (demo != nullptr && *demo) {
      return proctor::cli::demo(*kit, out.empty() ? kit->root() / "out" / "demo" : fs::path(out),
                                common);
    }
    if (*selftest) return proctor::cli::selftest(*kit, update_golden, flake, only, common);
  } catch (const std::invalid_argument& e) {
    proctor::cli::error(e.what());
    return 2;
  } catch (const std::exception& e) {
    proctor::cli::error(e.what());
    return 1;
  }
  return 2;
}
